"""What the commands share: options, the network gate, output safety, progress, text layout."""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sim.network import Network
from sim.paths import BACKENDS
from sim.scenario import BUNDLED_NETWORK, BUNDLED_SCENARIOS, Scenario, load_scenario

QUIET_FIRST_S = 3.0
"""Seconds ``route`` and ``export`` work before they show progress."""

__all__ = [
    "QUIET_FIRST_S",
    "add_force_option",
    "add_network_options",
    "checked_network",
    "data_folders",
    "escape_unencodable_output",
    "minutes_text",
    "pad",
    "progress",
    "scenario_from_args",
    "text_width",
]


def escape_unencodable_output() -> None:
    r"""Let stdout and stderr escape what their encoding cannot show (``\u6b66``), not fail.

    A terminal or pipe set to ASCII (``PYTHONIOENCODING=ascii``, ``LANG=C``) then shows
    city names as escapes instead of ending the command in ``UnicodeEncodeError``.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or unusual stream: leave it as it is
                pass


def add_network_options(p: argparse.ArgumentParser) -> None:
    """Add ``--network`` and ``--backend`` to a command."""
    from pathlib import Path

    p.add_argument(
        "--network", type=Path, help="network folder of the same schema (default: the bundled one)"
    )
    p.add_argument("--backend", default="scipy", choices=list(BACKENDS), help="shortest-path backend")


def scenario_from_args(args: argparse.Namespace, name: str) -> Scenario:
    """Load scenario ``name`` with the command's ``--network`` and ``--year`` applied."""
    scenario = load_scenario(name, args.network)
    if getattr(args, "year", None) is not None:
        scenario = replace(scenario, year=args.year, name=f"{scenario.name}-{args.year}")
    return scenario


def add_force_option(p: argparse.ArgumentParser) -> None:
    """Add ``--force``: replace an existing output that sim did not write."""
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing --out that sim did not write (never the current directory, a folder "
        "holding the data, or a file in place of a folder)",
    )


def data_folders(*scenarios: Scenario) -> tuple[Path, ...]:
    """Folders whose loss would lose the project's data: outputs may not replace them."""
    folders = [BUNDLED_NETWORK, BUNDLED_SCENARIOS]
    for s in scenarios:
        folders.append(s.network_folder)
        folders += [f.parent for f in (s.file, s.extends, s.targets_file) if f is not None]
    return tuple(dict.fromkeys(folders))


def checked_network(args: argparse.Namespace, *scenarios: Scenario) -> Network:
    """Load the scenarios' network through the one gate (:func:`sim.validate.load_checked_network`).

    Errors stop the command (exit 2). Warnings are printed once per command on stderr:
    those that change what a run means (a missing table and what is then assumed; a
    year outside the data) in full, those about rows of the data counted in one line
    (``sim validate`` lists them; not with ``--quiet``). The scenarios must share one
    network folder.
    """
    from sim.validate import Problem, load_checked_network

    folder = scenarios[0].network_folder
    log = progress(args)
    started = time.perf_counter()
    log(f"loading and checking the network in {folder}")
    found: list[Problem] = []
    network = load_checked_network(folder, scenarios, warn=found.append)
    log(
        f"network: {len(network.cities):,} cities, {len(network.terminals):,} terminals, "
        f"{len(network.links):,} links ({time.perf_counter() - started:.1f} s)"
    )
    printed: set[str] = args.__dict__.setdefault("_warned", set())
    fresh = [p for p in found if str(p) not in printed]
    printed.update(str(p) for p in fresh)
    rows = [p for p in fresh if p.scope == "row"]
    for problem in fresh:
        if problem.scope != "row":
            print(f"sim: {problem}", file=sys.stderr)
    if rows:
        log(f"{len(rows)} warnings about rows of the data (sim validate {folder} lists them)")
    return network


def progress(args: argparse.Namespace) -> Callable[[str], None]:
    """Return a function that prints a progress line on stderr.

    Nothing with ``--quiet``. Commands whose output on stdout is the answer itself
    (``route``, ``export``) stay silent for their first :data:`QUIET_FIRST_S` seconds, so
    that progress shows only when the work is long.
    """
    if getattr(args, "quiet", False):
        return lambda _message: None
    started = args.__dict__.setdefault("_started", time.perf_counter())
    lazy = getattr(args, "command", None) in ("route", "export")

    def say(message: str) -> None:
        if not lazy or time.perf_counter() - started > QUIET_FIRST_S:
            print(f"sim: {message}", file=sys.stderr, flush=True)

    return say


def text_width(text: str) -> int:
    """Terminal columns taken by ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """Pad ``text`` to ``width`` terminal columns (left-aligned, or right with ``right``)."""
    fill = " " * max(width - text_width(text), 0)
    return fill + text if right else text + fill


def minutes_text(value: float | None) -> str:
    """Minutes for a report line: '95 min', or 'no path'."""
    return "no path" if value is None or value != value else f"{value:.0f} min"

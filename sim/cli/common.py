"""What the commands share: options, messages, JSON and stdout, the data gate, safe outputs.

Conventions every command follows, implemented here once:

* Results go to standard output; messages (what is being done, where results were
  written) go to standard error through :func:`info` and :func:`debug`, so that
  ``-q/--quiet`` silences them and ``-v/--verbose`` adds detail. Errors are always shown.
* ``--json`` prints one JSON document on standard output instead of the text
  (:func:`emit_json`), numbers as numbers and missing values as ``null``.
* A file argument of ``-`` means standard output (:func:`output_path`, :func:`write_text`).
* A network is loaded through the checks of ``sim validate`` (:func:`checked_network`);
  outputs are written only where they are sim's own (:func:`add_force_option`,
  :func:`data_folders`, :mod:`sim.output`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.backends import BACKENDS
from sim.network import Network
from sim.output import atomic_file
from sim.scenario import BUNDLED_NETWORK, BUNDLED_SCENARIOS, Scenario, load_scenario

if TYPE_CHECKING:
    from sim.validate import Problem

__all__ = [
    "QUIET_FIRST_S",
    "STDOUT",
    "add_common_options",
    "add_force_option",
    "add_json_option",
    "add_network_options",
    "checked_network",
    "configure_messages",
    "data_folders",
    "debug",
    "emit_json",
    "escape_unencodable_output",
    "info",
    "is_stdout",
    "jsonable",
    "minutes_text",
    "output_path",
    "pad",
    "progress",
    "quiet",
    "require_geo_or_exit",
    "scenario_from_args",
    "text_width",
    "write_text",
]

QUIET_FIRST_S = 3.0
"""Seconds ``route`` and ``export`` work before they show progress."""

STDOUT = "-"
_LOG = logging.getLogger("sim.cli")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever ``sys.stderr`` is at the time of each message (tests swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def add_common_options(p: argparse.ArgumentParser) -> None:
    """Add ``-q/--quiet`` and ``-v/--verbose`` (every command has them).

    The defaults are suppressed so that the options may stand before the command
    (``sim -q run``) or after it (``sim run -q``) without one erasing the other.
    """
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print only results and errors (no progress, no messages)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="also print details: files read, timings",
    )


def add_json_option(p: argparse.ArgumentParser) -> None:
    """Add ``--json``: the result as one JSON document on standard output."""
    p.add_argument(
        "--json", action="store_true", help="print the result as JSON on standard output instead of text"
    )


def configure_messages(args: argparse.Namespace) -> None:
    """Route :func:`info` and :func:`debug` to standard error at the level the options ask for."""
    verbose = getattr(args, "verbose", False)
    level = logging.WARNING if quiet(args) else logging.DEBUG if verbose else logging.INFO
    _LOG.setLevel(level)
    _LOG.propagate = False
    if not any(isinstance(h, _StderrHandler) for h in _LOG.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("sim: %(message)s"))
        _LOG.addHandler(handler)


def quiet(args: argparse.Namespace) -> bool:
    """Return True when the command should print no messages or progress (``-q``)."""
    return bool(getattr(args, "quiet", False))


def info(message: str) -> None:
    """Tell the user what is happening (standard error; silenced by ``-q``)."""
    _LOG.info(message)


def debug(message: str) -> None:
    """Show a detail only with ``-v`` (standard error)."""
    _LOG.debug(message)


def jsonable(value: Any) -> Any:
    """Return ``value`` with numpy scalars, paths, tuples and sets made plain JSON.

    Missing numbers (NaN, infinite) become ``None``, so the output is strict JSON.
    """
    import numpy as np

    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def emit_json(data: Any) -> None:
    """Print ``data`` as one JSON document on standard output (UTF-8, indented)."""
    text = json.dumps(jsonable(data), ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write(text + "\n")


def is_stdout(path: str | Path | None) -> bool:
    """Return True when a file argument is ``-``, meaning standard output."""
    return path is not None and str(path) == STDOUT


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to a file (atomically, through a rename) or, for ``-``, to standard output."""
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        atomic_file(Path(path), text)


@contextlib.contextmanager
def output_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a path to write a file to; for ``-`` a temporary file then copied to standard output.

    For writers that need a file name (GraphML, GeoPackage, ...). ``suffix`` is given to
    the temporary file, for writers that choose the format from it.
    """
    if not is_stdout(path):
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="sim-stdout-") as folder:
        tmp = Path(folder) / f"stdout{suffix}"
        yield tmp
        sys.stdout.flush()
        with tmp.open("rb") as source:
            shutil.copyfileobj(source, sys.stdout.buffer)
        sys.stdout.buffer.flush()


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
    debug(f"scenario '{scenario.name}' from {scenario.file}, network {scenario.network_folder}")
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

    Errors stop the command (exit 2). Warnings are printed once per command on stderr
    (not with ``-q``, which prints results and errors only): those that change what a
    run means (a missing table and what is then assumed; a year outside the data) in
    full, those about rows of the data counted in one line (``sim validate`` lists
    them). The scenarios must share one network folder.
    """
    from sim.validate import load_checked_network

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
    report_problems(args, folder, found)
    return network


def report_problems(args: argparse.Namespace, folder: Path, found: list[Problem]) -> None:
    """Print the gate's warnings as :func:`checked_network` does (each once per command).

    Those that change what a run means (scope ``table`` or ``scenario``) in full, those
    about rows of the data counted in one line; nothing with ``-q``.
    """
    log = progress(args)
    printed: set[str] = args.__dict__.setdefault("_warned", set())
    fresh = [p for p in found if str(p) not in printed]
    printed.update(str(p) for p in fresh)
    rows = [p for p in fresh if p.scope == "row"]
    for problem in fresh:
        if problem.scope != "row":
            info(str(problem))  # -q: results and errors only
    if rows:
        log(f"{len(rows)} warnings about rows of the data (sim validate {folder} lists them)")


def progress(args: argparse.Namespace) -> Callable[[str], None]:
    """Return a function that prints a progress line on stderr.

    Nothing with ``-q/--quiet`` (the lines go through :func:`info`). Commands whose
    output on stdout is the answer itself (``route``, ``export``) stay silent for their
    first :data:`QUIET_FIRST_S` seconds, so that progress shows only when the work is long.
    """
    if quiet(args):
        return lambda _message: None
    started = args.__dict__.setdefault("_started", time.perf_counter())
    lazy = getattr(args, "command", None) in ("route", "export")

    def say(message: str) -> None:
        if not lazy or time.perf_counter() - started > QUIET_FIRST_S:
            info(message)

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


def require_geo_or_exit() -> None:
    """Raise an InputError (one line, exit 2) unless the ``geo`` extra is installed."""
    from sim.errors import InputError
    from sim.export.gpkg import require_geo

    try:
        require_geo()
    except ImportError as error:
        raise InputError(str(error), None, None, "--gpkg") from None

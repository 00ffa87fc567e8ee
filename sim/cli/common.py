"""What the commands share: common options, messages, JSON and stdout output, text layout.

Conventions every command follows, implemented here once:

* Results go to standard output; messages (what is being done, where results were
  written) go to standard error through :func:`info` and :func:`debug`, so that
  ``-q/--quiet`` silences them and ``-v/--verbose`` adds detail. Errors are always shown.
* ``--json`` prints one JSON document on standard output instead of the text
  (:func:`emit_json`), numbers as numbers and missing values as ``null``.
* A file argument of ``-`` means standard output (:func:`output_path`, :func:`write_text`).
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
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.output import atomic_file
from sim.paths import BACKENDS
from sim.scenario import Scenario, load_scenario

__all__ = [
    "STDOUT",
    "add_common_options",
    "add_json_option",
    "add_network_options",
    "configure_messages",
    "debug",
    "emit_json",
    "info",
    "is_stdout",
    "jsonable",
    "minutes_text",
    "output_path",
    "pad",
    "quiet",
    "require_geo_or_exit",
    "scenario_from_args",
    "text_width",
    "write_text",
]

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

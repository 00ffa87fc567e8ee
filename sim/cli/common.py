"""What the commands share: common options, scenario loading, terminal text layout."""

from __future__ import annotations

import argparse
import unicodedata
from dataclasses import replace

from sim.paths import BACKENDS
from sim.scenario import Scenario, load_scenario

__all__ = [
    "add_network_options",
    "minutes_text",
    "pad",
    "require_geo_or_exit",
    "scenario_from_args",
    "text_width",
]


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

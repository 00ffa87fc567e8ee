"""``sim scenarios``: the bundled scenarios, a line each."""

from __future__ import annotations

import argparse
from typing import Any

from sim.bundled import scenario_file, scenario_names
from sim.cli.common import add_json_option, emit_json
from sim.scenario import Scenario, load_scenario

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``scenarios`` command."""
    sc = sub.add_parser(
        "scenarios",
        help="list the bundled scenarios",
        description="List the bundled scenarios with the first line of their description.",
    )
    add_json_option(sc)
    sc.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim scenarios``."""
    loaded = [load_scenario(str(scenario_file(name))) for name in scenario_names()]
    if args.json:
        emit_json([scenario_record(s) for s in loaded])
        return 0
    for s in loaded:
        first = " ".join(s.description.split()).split(". ")[0]
        first = first if len(first) <= 88 else first[:87] + "…"
        year = f"year {s.year}" if s.year else "open today"
        print(f"{s.name:<28} {year:<10} {first}")
    return 0


def scenario_record(s: Scenario) -> dict[str, Any]:
    """Return what ``sim scenarios --json`` says of one scenario."""
    return {
        "name": s.name,
        "year": s.year,
        "description": " ".join(s.description.split()),
        "file": s.file,
        "extends": s.extends.stem if s.extends else None,
        "profiles": [p.name for p in s.profiles],
        "targets": s.targets_file.name if s.targets_file else None,
        "add_projects": list(s.add_projects),
        "drop_projects": list(s.drop_projects),
        "modifications": len(s.modifications),
        "data_current_to": s.data_current_to,
    }

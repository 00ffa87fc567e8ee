"""``sim scenarios``: the bundled scenarios, a line each."""

from __future__ import annotations

import argparse

from sim.bundled import scenario_file, scenario_names
from sim.scenario import load_scenario

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``scenarios`` command."""
    sc = sub.add_parser(
        "scenarios",
        help="list the bundled scenarios",
        description="List the bundled scenarios with the first line of their description.",
    )
    sc.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim scenarios``."""
    for name in scenario_names():
        s = load_scenario(str(scenario_file(name)))
        first = " ".join(s.description.split()).split(". ")[0]
        first = first if len(first) <= 88 else first[:87] + "…"
        year = f"year {s.year}" if s.year else "open today"
        print(f"{s.name:<28} {year:<10} {first}")
    return 0

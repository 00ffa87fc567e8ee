"""``sim validate``: check a network folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import add_json_option, emit_json
from sim.errors import EXIT_BAD_INPUT, MAX_SHOWN

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command."""
    val = sub.add_parser(
        "validate",
        help="check a network folder",
        description="Check a network folder with the checks every command applies before it computes: "
        "schema, units, ids, links that reach no city, duplicated links; speeds and lengths that are "
        "impossible for the mode or against the straight line between a link's ends (road links far "
        "shorter than it), open years in the future, years in the wrong order, bad observed times "
        "(errors, exit 2); unusual speeds and lengths, cities no link reaches, terminals or entrances far "
        "from their city, road nodes on no link, years unknown, optional tables missing and what is then "
        "assumed (warnings).",
    )
    val.add_argument("folder", nargs="?", type=Path, help="network folder (default: the bundled one)")
    add_json_option(val)
    val.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim validate``."""
    from sim.bundled import network_folder
    from sim.validate import validate_folder

    folder = args.folder or network_folder()
    network, problems = validate_folder(folder)  # schema problems raise InputErrors: exit 2
    n_err = sum(p.severity == "error" for p in problems)
    n_warn = len(problems) - n_err
    if args.json:
        emit_json(
            {
                "folder": folder,
                "cities": len(network.cities),
                "terminals": len(network.terminals),
                "links": len(network.links),
                "errors": n_err,
                "warnings": n_warn,
                "problems": [
                    {
                        "severity": p.severity,
                        "file": p.error.file,
                        "line": p.error.line,
                        "field": p.error.field,
                        "message": p.error.message,
                    }
                    for p in problems
                ],
            }
        )
        return EXIT_BAD_INPUT if n_err else 0
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors[:MAX_SHOWN]:
        print(problem, file=sys.stderr)
    if len(errors) > MAX_SHOWN:
        print(f"error: and {len(errors) - MAX_SHOWN} more errors", file=sys.stderr)
    for problem in problems:
        if problem.severity != "error":
            print(problem, file=sys.stderr)
    print(
        f"{folder}: {len(network.cities)} cities, {len(network.terminals)} terminals, "
        f"{len(network.road_nodes)} road nodes, {len(network.links)} links; {n_err} errors, {n_warn} warnings"
    )
    return EXIT_BAD_INPUT if n_err else 0

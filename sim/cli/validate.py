"""``sim validate``: check a network folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import add_json_option, emit_json
from sim.errors import EXIT_BAD_INPUT
from sim.network import load_network

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command."""
    val = sub.add_parser(
        "validate",
        help="check a network folder",
        description="Check a network folder: schema, units, ids, links that reach no city, duplicated "
        "links, speeds outside the mode's range, years in the wrong order, road links shorter than the "
        "straight line (errors, exit 2), and terminals or entrances far from their city, road nodes "
        "on no link, links of unknown year (warnings).",
    )
    val.add_argument("folder", nargs="?", type=Path, help="network folder (default: the bundled one)")
    add_json_option(val)
    val.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim validate``."""
    from sim.bundled import network_folder
    from sim.validate import check_network

    folder = args.folder or network_folder()
    network = load_network(folder)  # schema problems raise InputErrors: one line each, exit 2
    problems = check_network(network)
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
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"{folder}: {len(network.cities)} cities, {len(network.terminals)} terminals, "
        f"{len(network.road_nodes)} road nodes, {len(network.links)} links; {n_err} errors, {n_warn} warnings"
    )
    return EXIT_BAD_INPUT if n_err else 0

"""``sim export``: the compiled door-to-door graph of a profile, for other tools."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import info, is_stdout, output_path
from sim.modes import PROFILES
from sim.scenario import apply_scenario, load_scenario

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` command."""
    exp = sub.add_parser(
        "export",
        help="write the door-to-door graph as GraphML",
        description="Write the compiled door-to-door graph of one profile (nodes: centres, terminals, "
        "platforms; edges with minutes and their components) as GraphML.",
    )
    exp.add_argument("file", help="output file (.graphml), or - for standard output")
    exp.add_argument("--profile", default="rail", choices=sorted(PROFILES), help="profile (default: rail)")
    exp.add_argument("--scenario", default="today", help="scenario file or bundled name (default: today)")
    exp.add_argument("--network", type=Path, help="network folder (default: the bundled one)")
    exp.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim export``."""
    from sim.export import write_graphml
    from sim.graph import build_graph

    scenario = load_scenario(args.scenario, args.network)
    net = apply_scenario(scenario)
    graph = build_graph(net, PROFILES[args.profile], scenario.parameters)
    with output_path(args.file, ".graphml") as path:
        write_graphml(graph, path)
    where = "standard output" if is_stdout(args.file) else args.file
    info(f"wrote {where}: {graph.n_nodes} nodes, {graph.n_edges} edges ({args.profile}, '{scenario.name}')")
    return 0

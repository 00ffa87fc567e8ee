"""``sim export``: a scenario for GIS, matrix and graph tools; the format follows the suffix."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import InputError
from sim.modes import PROFILES
from sim.scenario import apply_scenario, load_scenario

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` command."""
    exp = sub.add_parser(
        "export",
        help="write a scenario as GeoPackage, GeoJSON, OMX, GraphML or GEXF",
        description="Write a scenario for other tools; the format follows FILE's suffix: "
        ".gpkg (GeoPackage: cities with their indicators, terminals, links by mode; needs the geo extra), "
        ".geojson (the same layers, FILE-<layer>.geojson per layer and FILE with all of them), "
        ".omx (door-to-door and timetable skims per profile and component; needs the omx extra), "
        ".graphml or .gexf (the compiled graph of one profile, with lon/lat on its nodes).",
    )
    exp.add_argument("file", type=Path, help="output file: .gpkg, .geojson, .omx, .graphml or .gexf")
    exp.add_argument(
        "--profile",
        default="rail",
        choices=sorted(PROFILES),
        help="profile of a graph export (default: rail)",
    )
    exp.add_argument("--scenario", default="today", help="scenario file or bundled name (default: today)")
    exp.add_argument("--network", type=Path, help="network folder (default: the bundled one)")
    exp.add_argument(
        "--isochrones",
        metavar="CITY",
        help="add an 'isochrones' layer (60/120/180 min from CITY on --profile) to .gpkg/.geojson",
    )
    exp.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim export``."""
    from sim.export import export_format

    suffix = export_format(args.file)
    try:
        return _export(args, suffix)
    except ImportError as error:
        raise InputError(str(error).splitlines()[0], args.file) from None


def _export(args: argparse.Namespace, suffix: str) -> int:
    from dataclasses import replace

    from sim.evaluate import evaluate
    from sim.network import load_network

    if suffix == ".gpkg":
        from sim.export.gpkg import require_geo

        require_geo()  # before the evaluation, not after
    if suffix == ".omx":
        from sim.export.omx import require_omx

        require_omx()

    scenario = load_scenario(args.scenario, args.network)
    full = load_network(scenario.network_folder)
    if suffix in (".graphml", ".gexf"):
        from sim.export import write_gexf, write_graphml
        from sim.export._atomic import atomic_path
        from sim.graph import build_graph

        net = apply_scenario(scenario, full)
        graph = build_graph(net, PROFILES[args.profile], scenario.parameters)
        writer = write_graphml if suffix == ".graphml" else write_gexf
        atomic_path(args.file, lambda tmp: writer(graph, tmp, net))
        print(
            f"wrote {args.file}: {graph.n_nodes} nodes, {graph.n_edges} edges "
            f"({args.profile}, '{scenario.name}'), lon/lat on nodes"
        )
        return 0
    if args.isochrones and args.profile not in [p.name for p in scenario.profiles]:
        scenario = replace(scenario, profiles=(*scenario.profiles, PROFILES[args.profile]))
    print(f"sim: evaluating '{scenario.name}'", file=sys.stderr)
    result = evaluate(scenario, full)
    if suffix == ".omx":
        from sim.export.omx import omx_matrices, write_omx

        write_omx(result, args.file)
        print(
            f"wrote {args.file}: {len(omx_matrices(result))} matrices of {len(result.city_ids)} cities "
            f"({', '.join(result.results)}; '{scenario.name}')"
        )
        return 0
    from sim.geo import isochrone_layer, isochrones, layers

    found = layers(result, full)
    if args.isochrones:
        city = result.network.find_city(args.isochrones)
        isos = isochrones(result, city.id, args.profile)
        found.append(isochrone_layer(isos, city.id, args.profile, scenario.name))
    if suffix == ".gpkg":
        from sim.export.gpkg import write_gpkg

        write_gpkg(found, args.file)
        print(f"wrote {args.file}: layers {', '.join(lay.name for lay in found)} ('{scenario.name}')")
        return 0
    from sim.export.geojson import write_geojson

    paths = write_geojson(found, args.file)
    beside = ", ".join(p.name for p in paths[1:])
    print(f"wrote {args.file} and {len(paths) - 1} layer files beside it ({beside})")
    return 0

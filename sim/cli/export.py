"""``sim export``: a scenario for GIS, matrix and graph tools; the format follows the suffix."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.cli.common import (
    add_force_option,
    checked_network,
    data_folders,
    info,
    is_stdout,
    output_path,
    write_text,
)
from sim.errors import InputError
from sim.modes import PROFILES
from sim.output import atomic_path, check_output_file
from sim.scenario import apply_scenario, load_scenario

__all__ = ["register"]

FORMAT_NAMES = ("gpkg", "geojson", "omx", "graphml", "gexf")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` command."""
    exp = sub.add_parser(
        "export",
        help="write a scenario as GeoPackage, GeoJSON, OMX, GraphML or GEXF",
        description="Write a scenario for other tools; the format follows FILE's suffix: "
        ".gpkg (GeoPackage: cities with their indicators, terminals, links by mode; needs the geo extra), "
        ".geojson (the same layers, FILE-<layer>.geojson per layer and FILE with all of them), "
        ".omx (door-to-door and timetable skims per profile and component; needs the omx extra), "
        ".graphml or .gexf (the compiled graph of one profile, with lon/lat on its nodes). "
        "FILE - writes to standard output (GraphML unless --format says otherwise; GeoJSON: "
        "every layer in one collection).",
    )
    exp.add_argument(
        "file", help="output file: .gpkg, .geojson, .omx, .graphml or .gexf; - for standard output"
    )
    exp.add_argument(
        "--format", choices=FORMAT_NAMES, help="the format, whatever the suffix (default: from the suffix)"
    )
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
    add_force_option(exp)
    exp.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim export``."""
    from sim.export import export_format

    if not is_stdout(args.file) and Path(args.file).is_dir():
        raise InputError("refusing to write a file over a folder", args.file)
    if args.format:
        suffix = f".{args.format}"
    elif is_stdout(args.file):
        suffix = ".graphml"
    else:
        suffix = export_format(Path(args.file))
    try:
        return _export(args, suffix)
    except ImportError as error:
        raise InputError(str(error).splitlines()[0], args.file) from None


def _write(file: str, suffix: str, write: Callable[[Path], None], safety: dict[str, Any]) -> None:
    """Write through a temporary file and a rename (checked by ``safety``), or to standard output."""
    if is_stdout(file):
        with output_path(file, suffix) as path:
            write(path)
    else:
        atomic_path(Path(file), write, **safety)


def _export(args: argparse.Namespace, suffix: str) -> int:
    from dataclasses import replace

    from sim.evaluate import evaluate

    if suffix == ".gpkg":
        from sim.export.gpkg import require_geo

        require_geo()  # before the evaluation, not after
    if suffix == ".omx":
        from sim.export.omx import require_omx

        require_omx()

    where = "standard output" if is_stdout(args.file) else args.file
    scenario = load_scenario(args.scenario, args.network)
    safety = {"force": args.force, "protected": data_folders(scenario)}
    if not is_stdout(args.file):
        check_output_file(Path(args.file), **safety)  # before the work, so that a refusal costs nothing
    full = checked_network(args, scenario)
    if suffix in (".graphml", ".gexf"):
        from sim.export import write_gexf, write_graphml
        from sim.graph import build_graph

        net = apply_scenario(scenario, full)
        graph = build_graph(net, PROFILES[args.profile], scenario.parameters)
        writer = write_graphml if suffix == ".graphml" else write_gexf
        _write(args.file, suffix, lambda path: writer(graph, path, net), safety)
        info(
            f"wrote {where}: {graph.n_nodes} nodes, {graph.n_edges} edges "
            f"({args.profile}, '{scenario.name}'), lon/lat on nodes"
        )
        return 0
    if args.isochrones and args.profile not in [p.name for p in scenario.profiles]:
        scenario = replace(scenario, profiles=(*scenario.profiles, PROFILES[args.profile]))
    info(f"evaluating '{scenario.name}'")
    result = evaluate(scenario, full)
    if suffix == ".omx":
        from sim.export.omx import omx_matrices, write_omx

        _write(args.file, suffix, lambda path: write_omx(result, path), safety)
        info(
            f"wrote {where}: {len(omx_matrices(result))} matrices of {len(result.city_ids)} cities "
            f"({', '.join(result.results)}; '{scenario.name}')"
        )
        return 0
    from sim.geo import layers_with_isochrones

    origin = result.network.find_city(args.isochrones).id if args.isochrones else None
    found = layers_with_isochrones(result, full, origin, args.profile)
    names = ", ".join(lay.name for lay in found)
    if suffix == ".gpkg":
        from sim.export.gpkg import write_gpkg

        _write(args.file, suffix, lambda path: write_gpkg(found, path), safety)
        info(f"wrote {where}: layers {names} ('{scenario.name}')")
        return 0
    from sim.export.geojson import geojson_layer_paths, geojson_text, layer_collection, write_geojson

    if is_stdout(args.file):
        write_text(args.file, geojson_text(layer_collection(*found, tag=True)))
        info(f"wrote {where}: layers {names} in one collection ('{scenario.name}')")
        return 0
    for beside_file in geojson_layer_paths(found, Path(args.file)):
        check_output_file(beside_file, **safety)
    paths = write_geojson(found, Path(args.file))
    beside = ", ".join(p.name for p in paths[1:])
    info(f"wrote {args.file} and {len(paths) - 1} layer files beside it ({beside})")
    return 0

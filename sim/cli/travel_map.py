"""``sim map``: the travel-time map from one city."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from sim.cli.common import (
    add_force_option,
    add_network_options,
    checked_network,
    data_folders,
    info,
    progress,
)
from sim.errors import InputError
from sim.modes import PROFILES
from sim.output import atomic_folder, check_output_folder
from sim.scenario import apply_scenario, load_scenario

__all__ = ["MAP_FILES", "register"]

MAP_FILES = ("map.png", "map.svg", "minutes.csv")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``map`` command."""
    mp = sub.add_parser(
        "map",
        help="travel-time map from one city",
        description="Map of door-to-door minutes from one city to every other, with the 60/120/180-minute "
        "isochrones as polygons: the places within reach of every station, airport, port, expressway exit "
        "or centre reached in time, going on off the network for the time left. Writes "
        "results/map-CITY-SCENARIO-PROFILE/ (map.png, map.svg, minutes.csv, isochrones.geojson).",
    )
    mp.add_argument("city", help="city id, Chinese or English name")
    mp.add_argument("--scenario", default="today", help="scenario file or bundled name (default: today)")
    mp.add_argument("--profile", default="rail", choices=sorted(PROFILES), help="profile (default: rail)")
    mp.add_argument("--out", type=Path, help="results folder")
    mp.add_argument(
        "--access-speed",
        type=float,
        metavar="KMH",
        help="straight-line speed off the network for the isochrones (default: the scenario's "
        "access_speed_kmh / access_detour, 19.2 km/h)",
    )
    add_network_options(mp)
    add_force_option(mp)
    mp.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim map``."""
    from sim.evaluate import evaluate
    from sim.results import write_map

    scenario = load_scenario(args.scenario, args.network)
    full = checked_network(args, scenario)
    city = apply_scenario(scenario, full).find_city(args.city)
    out = args.out or Path("results") / f"map-{city.id}-{scenario.name}-{args.profile}"
    if args.access_speed is not None and not args.access_speed > 0:
        raise InputError(
            f"must be a positive number of km/h, not {args.access_speed:g}", None, None, "--access-speed"
        )
    safety = {
        "written_by": "sim map",
        "force": args.force,
        "protected": data_folders(scenario),
        "known": MAP_FILES,
    }
    check_output_folder(out, **safety)
    scenario = replace(scenario, profiles=(PROFILES[args.profile],), targets_file=None)
    result = evaluate(scenario, full, backend=args.backend, progress=progress(args))
    atomic_folder(out, lambda tmp: write_map(result, city.id, args.profile, tmp, args.access_speed), **safety)
    info(f"wrote {out}/ (map.png, map.svg, minutes.csv, isochrones.geojson)")
    return 0

"""``sim route``: the fastest itinerary between two cities, leg by leg."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from sim.cli.common import (
    add_json_option,
    add_network_options,
    checked_network,
    emit_json,
    pad,
    scenario_from_args,
    text_width,
)
from sim.errors import InputError
from sim.modes import PROFILES
from sim.scenario import apply_scenario

if TYPE_CHECKING:
    from sim.paths import Leg

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``route`` command."""
    route = sub.add_parser(
        "route",
        help="fastest itinerary between two cities",
        description="Print the fastest door-to-door itinerary leg by leg, then the fastest "
        "station-to-station one (the timetable reading).",
    )
    route.add_argument("origin", help="city id, Chinese or English name")
    route.add_argument("destination", help="city id, Chinese or English name")
    route.add_argument("--profile", default="rail", choices=sorted(PROFILES), help="profile (default: rail)")
    route.add_argument("--scenario", default="today", help="scenario file or bundled name (default: today)")
    route.add_argument("--year", type=int, help="override the scenario's year")
    add_network_options(route)
    add_json_option(route)
    route.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim route``."""
    import numpy as np

    from sim.access import access_bases, basis_notes
    from sim.evaluate import evaluate_profile
    from sim.graph import COMPONENTS

    scenario = scenario_from_args(args, args.scenario)
    full = checked_network(args, scenario)
    net = apply_scenario(scenario, full)
    a, b = net.find_city(args.origin), net.find_city(args.destination)
    if a.id == b.id:
        raise InputError("origin and destination are the same city", None, None, "destination")
    res = evaluate_profile(net, PROFILES[args.profile], scenario.parameters, args.backend)
    ids = res.graph.city_ids
    i, j = ids.index(a.id), ids.index(b.id)
    names = {c.id: c.name_zh for c in net.cities} | {t.id: t.name_zh for t in net.terminals}
    names |= {n.id: n.name_zh for n in net.road_nodes}
    bases = access_bases(net)
    if args.json:
        found = bool(np.isfinite(res.minutes[i, j]))
        on_timetable = bool(np.isfinite(res.timetable_minutes[i, j]))
        emit_json(
            {
                "origin": {"id": a.id, "name_zh": a.name_zh, "name_en": a.name_en},
                "destination": {"id": b.id, "name_zh": b.name_zh, "name_en": b.name_en},
                "profile": args.profile,
                "scenario": scenario.name,
                "reading": "door_to_door",
                "minutes": float(res.minutes[i, j]) if found else None,
                "parts": {k: float(res.parts[i, j, n]) for n, k in enumerate(COMPONENTS)} if found else None,
                "legs": _legs_record(res.legs[i][j] if found else [], names, bases),
                "timetable": {  # the other reading: first boarding to last alighting, its own fastest path
                    "minutes": float(res.timetable_minutes[i, j]) if on_timetable else None,
                    "legs": _legs_record(res.timetable_legs[i][j] if on_timetable else [], names, bases),
                },
            }
        )
        return 0
    print(f"{a.name_zh} {a.name_en} → {b.name_zh} {b.name_en}  ({args.profile}, scenario '{scenario.name}')")
    if not np.isfinite(res.minutes[i, j]):
        print("  no path on this profile")
        return 0
    entrances = {n.id for n in net.road_nodes}
    used, formula_places = _print_legs(res.legs[i][j], names, bases, entrances)
    parts = "  ".join(
        f"{k} {res.parts[i, j, n]:.0f}"
        for n, k in enumerate(("access", "processing", "wait", "in_vehicle", "transfer", "egress"))
    )
    print(f"  total {res.minutes[i, j]:.0f} min door to door: {parts}")
    for basis, note in basis_notes(scenario.parameters, formula_places).items():
        if basis in used:
            print(f"  {basis}: {note}")
    print("timetable reading (station to station by scheduled services, on its own fastest path):")
    if np.isfinite(res.timetable_minutes[i, j]):
        _print_legs(res.timetable_legs[i][j], names, bases, entrances)
        print(f"  total {res.timetable_minutes[i, j]:.0f} min from first boarding to last alighting")
    else:
        print("  no scheduled service joins the two cities on this profile")
    return 0


def _print_legs(
    legs: list[Leg], names: dict[str, str], bases: dict[str, str], entrances: set[str]
) -> tuple[set[str], set[str]]:
    """Print an itinerary as a table, a leg a line.

    Returns the access bases the legs used and where the formula was used (``terminal``,
    ``entrance``).
    """
    from sim.access import leg_access_basis

    header = ("leg", "mode", "line", "from", "to", "min", "known")
    rows = [header]
    used: set[str] = set()
    formula_places: set[str] = set()
    for leg in legs:
        src, dst = names.get(leg.from_id, leg.from_id), names.get(leg.to_id, leg.to_id)
        if leg.kind in ("access", "egress") and leg.from_id == leg.to_id:  # centre <-> expressway
            src, dst = (src, "expressway") if leg.kind == "access" else ("expressway", dst)
        basis = leg_access_basis(leg, bases) or ""
        used.add(basis)
        if basis == "formula":
            place = leg.to_id if leg.kind == "access" else leg.from_id
            formula_places.add("entrance" if place in entrances else "terminal")
        rows.append((leg.kind, leg.mode or "-", leg.line or "-", src, dst, f"{leg.minutes:.1f}", basis))
    if not any(r[-1] for r in rows[1:]):  # no access or egress leg: no 'known' column
        rows = [r[:-1] for r in rows]
    widths = [max(text_width(r[k]) for r in rows) for k in range(len(rows[0]))]
    minutes_column = header.index("min")
    for r in rows:
        cells = [
            pad(text, w, right=k == minutes_column) for k, (text, w) in enumerate(zip(r, widths, strict=True))
        ]
        print(("  " + "  ".join(cells)).rstrip())
    return used, formula_places


def _legs_record(legs: list[Leg], names: dict[str, str], bases: dict[str, str]) -> list[dict[str, Any]]:
    from sim.access import leg_access_basis

    return [
        {
            "kind": leg.kind,
            "mode": leg.mode or None,
            "line": leg.line or None,
            "from": leg.from_id,
            "from_name": names.get(leg.from_id, leg.from_id),
            "to": leg.to_id,
            "to_name": names.get(leg.to_id, leg.to_id),
            "minutes": leg.minutes,
            "parts": leg.parts,
            "access_basis": leg_access_basis(leg, bases),
        }
        for leg in legs
    ]

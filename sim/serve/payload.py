"""JSON answers of the workbench: the static facts of the map, and a solved state.

Plain functions from the workbench's objects to JSON-ready dictionaries; no web framework
here, so the answers can be tested and benchmarked without a server.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

import numpy as np

from sim.modes import PROFILES
from sim.network import Network
from sim.serve.workbench import YEAR_MAX, State, StateResult, Workbench, cut_of, cut_text

__all__ = [
    "background_payload",
    "city_payload",
    "geopackage_available",
    "isochrone_payload",
    "meta_payload",
    "state_payload",
]


def _num(x: float, digits: int = 1) -> float | None:
    return round(float(x), digits) if x is not None and math.isfinite(x) else None


def meta_payload(wb: Workbench) -> dict[str, Any]:
    """Return what does not change with the state: cities, terminals, links, projects, scenarios."""
    full = wb.full
    cities = [
        {
            "id": c.id,
            "zh": c.name_zh,
            "en": c.name_en,
            "province": c.province,
            "lat": c.lat,
            "lon": c.lon,
            "population": c.population,
            "plan_status": c.plan_status,
            "metro_area": c.metro_area,
        }
        for c in full.cities
    ]
    position = _positions(full)
    links = []
    for i, lk in enumerate(full.links):
        a, b = position.get(lk.from_id), position.get(lk.to_id)
        links.append(
            {
                "id": i,
                "mode": lk.mode.value,
                "line": lk.line,
                "from": lk.from_id,
                "to": lk.to_id,
                "a": a,
                "b": b,
                "km": lk.km,
                "speed_kmh": lk.speed_kmh,
                "minutes": lk.minutes,
                "status": lk.status,
                "year": lk.open_year,
                "project": lk.project,
                "source": lk.source,
                "cut": cut_text(cut_of(lk)),
            }
        )
    names = {n.id: (n.name_zh, n.name_en) for n in full.road_nodes}
    names.update({t.id: (t.name_zh, t.name_en) for t in full.terminals})
    names.update({c.id: (c.name_zh, c.name_en) for c in full.cities})
    projects = [
        {
            "id": p.id,
            "zh": p.name_zh,
            "en": p.name_en,
            "lines": list(p.lines),
            "modes": list(p.modes),
            "status": p.status,
            "first_year": p.first_year,
            "last_year": p.last_year,
            "cost_yi_yuan": p.cost_yi_yuan,
            "cost_year": p.cost_year,
            "cost_source": p.cost_source,
            "plan": p.plan,
            "source": p.source,
            "links": p.links,
        }
        for p in wb.catalogue.projects.values()
    ]
    scenarios = [
        {
            "id": name,
            "year": s.year,
            "description": " ".join(s.description.split()),
            "add": list(s.add_projects),
            "drop": list(s.drop_projects),
        }
        for name, s in wb.catalogue.scenarios.items()
    ]
    rules = wb.catalogue.rules
    return {
        "cities": cities,
        "links": links,
        "names": names,
        "projects": projects,
        "scenarios": scenarios,
        "default": wb.default_state().query(),
        "years": [wb.year_min, YEAR_MAX],
        "data_end": wb.data_end,
        "profiles": list(PROFILES),
        "rules": {"requires": rules.requires, "excludes": [list(g) for g in rules.excludes]},
        "background": background_payload(),
        "model_error": None
        if wb.model_error is None
        else {
            "rail_mae_min": wb.model_error.rail_mae_min,
            "road_mae_min": wb.model_error.road_mae_min,
            "measured": wb.model_error.measured,
        },
        "geopackage": geopackage_available(),
    }


def geopackage_available() -> bool:
    """Whether the ``geo`` extra is installed (GeoPackage downloads need it)."""
    from sim.export.gpkg import require_geo

    try:
        require_geo()
    except ImportError:
        return False
    return True


def _rings(geometry: Any, digits: int = 3) -> list[list[list[list[float]]]]:
    """Polygons (or lines) as nested lists of ``[lon, lat]``, rounded (3 digits: about 100 m)."""
    parts = getattr(geometry, "geoms", [geometry])
    out = []
    for g in parts:
        if g.is_empty:
            continue
        if g.geom_type == "Polygon":
            rings = [g.exterior, *g.interiors]
        else:
            rings = [g]
        out.append([[[round(x, digits), round(y, digits)] for x, y in ring.coords] for ring in rings])
    return out


def background_payload() -> list[dict[str, Any]]:
    """Return the map background (provinces, lakes, rivers of ``sim/geodata``) for the page.

    Each item: ``kind``, ``id``, ``zh``, ``en``, ``parts`` (polygons as lists of rings,
    or a line as one ring) and, for provinces, ``label`` (where the name goes). Lines are
    simplified to about 1.5 km, a pixel or so at the region's scale.
    """
    from shapely.geometry import shape
    from shapely.ops import polylabel

    from sim.geo.basemap import background_geojson

    out = []
    order = {"province": 0, "lake": 1, "river": 2}
    features = sorted(background_geojson()["features"], key=lambda f: order.get(f["properties"]["kind"], 3))
    for f in features:
        props = f["properties"]
        geometry = shape(f["geometry"]).simplify(0.015, preserve_topology=True)
        item = {
            "kind": props["kind"],
            "id": props["id"],
            "zh": props["name_zh"],
            "en": props["name_en"],
            "parts": _rings(geometry),
        }
        if props["kind"] == "province":  # where its name goes: the point farthest inside it
            largest = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
            point = polylabel(largest, tolerance=0.05)
            item["label"] = [round(point.x, 3), round(point.y, 3)]
        out.append(item)
    return out


def isochrone_payload(wb: Workbench, state: State, city: int, profile: str) -> dict[str, Any]:
    """Return the 1-, 2- and 3-hour isochrones from one city (door to door) as polygons."""
    t0 = time.perf_counter()
    found = wb.isochrones(state, city, profile)
    return {
        "city": wb.city_ids[city],
        "profile": profile,
        "reading": "door_to_door",
        "isochrones": [
            {
                "minutes": iso.minutes,
                "points": iso.points,
                "parts": _rings(iso.geometry.simplify(0.005, preserve_topology=True)),
            }
            for iso in found
        ],
        "speed_kmh": round(found[0].speed_kmh, 2) if found else None,
        "fixed_min": found[0].fixed_min if found else None,
        "compute_ms": round((time.perf_counter() - t0) * 1e3, 1),
    }


def _positions(network: Network) -> dict[str, list[float]]:
    """Longitude and latitude of every city, terminal and road node (a terminal without: its city's)."""
    pos = {c.id: [c.lon, c.lat] for c in network.cities}
    for node in network.road_nodes:
        pos[node.id] = [node.lon, node.lat]
    for t in network.terminals:
        if t.lat is not None and t.lon is not None:
            pos[t.id] = [t.lon, t.lat]
        elif t.city in pos:
            pos[t.id] = pos[t.city]
    return pos


def state_payload(wb: Workbench, state: State, base: State | None = None) -> dict[str, Any]:
    """Return the verdicts, the map's links and projects, and the changes against ``base``.

    Parameters
    ----------
    wb
        The workbench.
    state
        The state shown.
    base
        The state compared with (default: the scenario's own network at the same year).
    """
    t0, c0 = time.perf_counter(), time.thread_time()
    result = wb.solve(state)
    base = base or State(state.scenario, state.year)
    before = wb.solve(base)
    yn = result.network
    ids = yn.full_index
    active_ids = sorted(int(i) for i in ids[result.active] if i >= 0)
    cut_ids = sorted(
        int(ids[i]) for c in state.cuts for i in yn.cut_links.get(c, ()) if ids[i] >= 0 and yn.default[i]
    )
    projects = _project_states(wb, state, result)
    out = {
        "state": state.query(),
        "base": base.query(),
        "year": state.year,
        "expected": state.year > wb.data_end or yn.scenario.include_expected,
        "links": {"active": active_ids, "cut": cut_ids},
        "sections": [{"label": label, "links": links} for label, links in wb.sections(yn)],
        "projects": projects,
        "verdicts": result.verdicts,
        "changes": _changes(wb, result, before),
        "summary": _summary(wb, result),
        "warnings": _warnings(wb, state, projects),
        "compute_ms": round(result.compute_ms, 1),
    }
    out["total_ms"] = round((time.perf_counter() - t0) * 1e3, 1)
    out["cpu_ms"] = round((time.thread_time() - c0) * 1e3, 1)  # this thread's CPU: not other programs'
    return out


def _project_states(wb: Workbench, state: State, result: StateResult) -> dict[str, Any]:
    yn = result.network
    rules = wb.catalogue.rules
    on_links = yn.active(replace(state, cuts=frozenset()))
    on = {p for p, idx in yn.project_links.items() if len(idx) and on_links[idx].all()}
    out = {}
    for pid in wb.catalogue.projects:
        idx = yn.project_links.get(pid)
        if idx is None or not len(idx):
            out[pid] = {"on": False, "default": False, "available": False}
            continue
        flags = on_links[idx]
        entry: dict[str, Any] = {
            "on": bool(flags.all()) if flags.all() or not flags.any() else "partial",
            "default": bool(yn.default[idx].all()),
            "available": True,
        }
        if not flags.all():
            reason = rules.blocked(pid, on)
            if reason:
                entry["blocked"] = reason
        else:
            needers = rules.needed_by(pid, on)
            if needers:
                entry["needed_by"] = needers
        out[pid] = entry
    return out


def _warnings(wb: Workbench, state: State, projects: dict[str, Any]) -> list[str]:
    rules = wb.catalogue.rules
    on = {p for p, e in projects.items() if e.get("on") is True}
    out = []
    for group in rules.excludes:
        both = sorted(set(group) & on)
        if len(both) > 1:
            out.append(f"{' and '.join(both)} exclude each other ({rules.where.get(both[0], '')})")
    return out


def _summary(wb: Workbench, r: StateResult) -> dict[str, Any]:
    """Door-to-door rail pairs of the region's cities within 1, 2 and 3 hours."""
    regional = [i for i, c in enumerate(wb.full.cities) if c.plan_status == "in-plan"]
    m = r.times["rail"].door_to_door[np.ix_(regional, regional)]
    t = r.times["rail"].timetable[np.ix_(regional, regional)]
    off = ~np.eye(len(regional), dtype=bool)
    pairs = int(off.sum())
    return {
        "pairs": pairs,
        "door_to_door": {str(h): int(((m <= h) & off).sum()) for h in (60, 120, 180)},
        "timetable": {str(h): int(((t <= h) & off).sum()) for h in (60, 120, 180)},
    }


def _changes(wb: Workbench, after: StateResult, before: StateResult) -> dict[str, Any]:
    """Return what differs from the base: targets, pairs newly met or missed, faster pairs, links."""
    targets = []
    newly_met, newly_missed = [], []
    old = {v["id"]: v for v in before.verdicts}
    for v in after.verdicts:
        b = old.get(v["id"])
        if b is None:
            continue
        head = v["headline"]
        targets.append(
            {
                "id": v["id"],
                "before": b["status"],
                "after": v["status"],
                "passed_before": b["passed"].get(head, 0),
                "passed_after": v["passed"].get(head, 0),
            }
        )
        if v["kind"] == "travel_time":  # under the headline reading
            was = {(p["a"], p["b"]): p["passed"] for p in b["pairs"]}
            for p in v["pairs"]:
                w = was.get((p["a"], p["b"]))
                if not w and p["passed"]:
                    newly_met.append([p["a"], p["b"], v["id"]])
                elif w and not p["passed"]:
                    newly_missed.append([p["a"], p["b"], v["id"]])
    m1 = after.times["rail"].door_to_door
    m0 = before.times["rail"].door_to_door
    with np.errstate(invalid="ignore"):
        delta = m1 - m0
    ids = wb.city_ids
    # each unordered pair once, by the direction that changed most
    upper = np.triu(np.ones(delta.shape, dtype=bool), 1)
    gain = np.fmin(delta, delta.T)
    loss = np.fmax(delta, delta.T)
    faster, n_faster = _extremes(upper & np.isfinite(gain) & (gain <= -0.05), gain, ids, 1.0)
    slower, n_slower = _extremes(upper & np.isfinite(loss) & (loss >= 0.05), loss, ids, -1.0)
    lost = np.isfinite(m0) & ~np.isfinite(m1)
    a_ids = set(after.network.full_index[after.active].tolist())
    b_ids = set(before.network.full_index[before.active].tolist())
    return {
        "targets": targets,
        "newly_met": newly_met,
        "newly_missed": newly_missed,
        "faster": faster,
        "slower": slower,
        "n_faster": n_faster,
        "n_slower": n_slower,
        "disconnected": int(lost.sum()),
        "links_added": sorted(int(i) for i in a_ids - b_ids if i >= 0),
        "links_removed": sorted(int(i) for i in b_ids - a_ids if i >= 0),
    }


def _extremes(
    keep: np.ndarray, delta: np.ndarray, ids: tuple[str, ...], sign: float, top: int = 12
) -> tuple[list[list[Any]], int]:
    """Return the ``top`` pairs of ``keep`` by ``sign * delta`` (then by ids) and their count."""
    i, j = np.nonzero(keep)
    values = delta[i, j]
    order = np.lexsort((j, i, sign * values))[:top]
    return [[ids[i[k]], ids[j[k]], _num(values[k])] for k in order], len(i)


def city_payload(wb: Workbench, state: State, city: int, profile: str, base: State | None) -> dict[str, Any]:
    """Return minutes from one city to every city (both readings), with the base's for comparison."""
    t0 = time.perf_counter()
    d2d, tt = wb.city_times(state, city, profile)
    b_d2d, b_tt = wb.city_times(base or State(state.scenario, state.year), city, profile)
    return {
        "city": wb.city_ids[city],
        "profile": profile,
        "door_to_door": [_num(x) for x in d2d],
        "timetable": [_num(x) for x in tt],
        "base_door_to_door": [_num(x) for x in b_d2d],
        "base_timetable": [_num(x) for x in b_tt],
        "compute_ms": round((time.perf_counter() - t0) * 1e3, 1),
    }

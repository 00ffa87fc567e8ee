"""GIS layers of a result: cities with their indicators, terminals, links by mode, changes.

A :class:`Layer` is a name, one shapely geometry per row and the rows' attributes (plain
Python values: str, int, float, bool or None; no NaN). The writers in :mod:`sim.export`
turn layers into GeoPackage or GeoJSON; :func:`to_geodataframe` into a GeoDataFrame.
Ids stay in the attribute tables (they join to the CSV results); names sit beside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from sim.evaluate import Evaluation
from sim.geo.positions import link_geometry, positions
from sim.modes import Mode
from sim.network import Link, Network

__all__ = [
    "GEO_EXTRA_HINT",
    "Layer",
    "added_and_removed",
    "change_layer",
    "isochrone_layer",
    "layers",
    "layers_with_isochrones",
    "link_identity",
    "to_geodataframe",
]

GEO_EXTRA_HINT = 'install the optional geo extra: python -m pip install "sim[geo]" (geopandas, pyogrio)'


@dataclass(frozen=True)
class Layer:
    """One GIS layer: a name, geometries and attribute rows (same length)."""

    name: str
    geometries: list[BaseGeometry]
    rows: list[dict[str, Any]]
    columns: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.geometries) != len(self.rows):
            raise ValueError(f"layer {self.name}: {len(self.geometries)} geometries, {len(self.rows)} rows")
        if not self.columns:
            seen: dict[str, None] = {}
            for row in self.rows:
                seen.update(dict.fromkeys(row))
            object.__setattr__(self, "columns", list(seen))


def link_identity(link: Link) -> tuple:
    """Return what identifies a link across scenarios: its row of the tables, not its values.

    A scenario may change a link's speed or headway (``set_line``, dated line changes);
    it is still the same link. Two rows joining the same stations (a widening beside the
    road it widens) are different links.
    """
    return (link.mode.value, link.line, link.from_id, link.to_id, link.project or "", link.file, link.row)


def added_and_removed(before: Network, after: Network) -> tuple[list[Link], list[Link]]:
    """Return the links only in ``after`` and only in ``before``, in file order."""
    a = {link_identity(lk) for lk in before.links}
    b = {link_identity(lk) for lk in after.links}
    return (
        [lk for lk in after.links if link_identity(lk) not in a],
        [lk for lk in before.links if link_identity(lk) not in b],
    )


def _clean(value: Any) -> Any:
    """Return a plain JSON-able value: numpy scalars unwrapped, NaN and inf as None."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _city_layer(result: Evaluation) -> Layer:
    from sim.accessibility import city_indicators

    table = city_indicators(result)
    wide: dict[str, dict[str, Any]] = {}
    for rec in table.to_dict("records"):
        for col, value in rec.items():
            if col not in ("city", "profile"):
                wide.setdefault(rec["city"], {})[f"{rec['profile']}_{col}"] = _clean(value)
    names = [f"{p}_{c}" for p in result.results for c in table.columns if c not in ("city", "profile")]
    rows, geoms = [], []
    for c in result.network.cities:
        row = {
            "id": c.id,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "province": c.province,
            "population": c.population,
            "metro_area": c.metro_area,
            "plan_status": c.plan_status,
        }
        row.update({n: wide.get(c.id, {}).get(n) for n in names})
        rows.append(row)
        geoms.append(Point(c.lon, c.lat))
    return Layer("cities", geoms, rows)


def _terminal_layer(network: Network, present: set[str]) -> Layer:
    rows, geoms = [], []
    for t in network.terminals:
        if t.lat is None or t.lon is None:
            continue
        rows.append(
            {
                "id": t.id,
                "city": t.city,
                "kind": t.kind.value,
                "name_zh": t.name_zh,
                "name_en": t.name_en,
                "access_min": t.access_min,
                "status": t.status,
                "open_year": t.open_year,
                "in_scenario": t.id in present,
                "source": t.source,
            }
        )
        geoms.append(Point(t.lon, t.lat))
    return Layer("terminals", geoms, rows)


def _link_layers(network: Network, full: Network, parameters: Any) -> list[Layer]:
    from sim.geo.basemap import rivers
    from sim.graph import link_minutes

    where = positions(full)
    where.update(positions(network))
    river_lines = {k: v[2] for k, v in rivers().items()}
    names = (
        {c.id: c.name_zh for c in full.cities}
        | {t.id: t.name_zh for t in full.terminals}
        | {n.id: n.name_zh for n in full.road_nodes}
    )
    in_scenario = {link_identity(lk): lk for lk in network.links}
    out = []
    for mode in Mode:
        rows, geoms = [], []
        for lk in full.links:
            if lk.mode is not mode:
                continue
            geom = link_geometry(lk, where, river_lines)
            if geom is None:
                continue
            used = in_scenario.get(link_identity(lk))
            try:
                modelled = round(link_minutes(used or lk, parameters), 2)
            except (ValueError, TypeError, ZeroDivisionError):
                modelled = None
            rows.append(
                {
                    "mode": lk.mode.value,
                    "line": lk.line,
                    "from": lk.from_id,
                    "to": lk.to_id,
                    "from_name": names.get(lk.from_id, lk.from_id),
                    "to_name": names.get(lk.to_id, lk.to_id),
                    "km": lk.km,
                    "speed_kmh": lk.speed_kmh,
                    "minutes": lk.minutes,
                    "headway_min": lk.headway_min,
                    "status": lk.status,
                    "open_year": lk.open_year,
                    "project": lk.project,
                    "plan": lk.plan,
                    "source": lk.source,
                    "in_scenario": used is not None,
                    "model_minutes": modelled,
                }
            )
            geoms.append(geom)
        if rows:
            out.append(Layer(f"links_{mode.value}", geoms, rows))
    return out


def layers(result: Evaluation, full: Network | None = None) -> list[Layer]:
    """Return the layers of one scenario: ``cities``, ``terminals`` and ``links_<mode>``.

    Parameters
    ----------
    result
        The evaluation (its network is the scenario's).
    full
        The full data; its links and terminals not in the scenario (under construction,
        planned, removed) are included with ``in_scenario`` false. Default: the
        scenario's network only.

    Notes
    -----
    Cities carry their indicators per profile as ``<profile>_<indicator>`` columns (the
    columns of ``indicators.csv``); cities outside the region have none (empty).
    Waterway links follow their river where the map background knows it.
    """
    full = full or result.network
    present = {t.id for t in result.network.terminals}
    return [
        _city_layer(result),
        _terminal_layer(full, present),
        *_link_layers(result.network, full, result.scenario.parameters),
    ]


def layers_with_isochrones(
    result: Evaluation, full: Network | None = None, city: str | None = None, profile: str = "rail"
) -> list[Layer]:
    """Return :func:`layers` and, given a city, its ``isochrones`` layer: what ``sim export`` writes.

    Parameters
    ----------
    result, full
        As for :func:`layers`.
    city
        City id of the isochrones' origin (None: no isochrones layer).
    profile
        The profile of the isochrones; ``result`` must include it.
    """
    from sim.geo.isochrones import isochrones

    found = layers(result, full)
    if city is not None:
        found.append(isochrone_layer(isochrones(result, city, profile), city, profile, result.scenario.name))
    return found


def change_layer(comparison: Any) -> Layer:
    """Return the layer ``city_changes``: every indicator before, after and the change, per profile.

    Parameters
    ----------
    comparison
        A :class:`sim.compare.Comparison`.
    """
    table = comparison.city_changes()
    cities = comparison.after.network.city_by_id
    wide: dict[str, dict[str, Any]] = {}
    for rec in table.to_dict("records"):
        for col, value in rec.items():
            if col not in ("city", "profile"):
                wide.setdefault(rec["city"], {})[f"{rec['profile']}_{col}"] = _clean(value)
    rows, geoms = [], []
    for cid in sorted(wide, key=lambda c: list(cities).index(c)):
        c = cities[cid]
        rows.append({"id": c.id, "name_zh": c.name_zh, "name_en": c.name_en, **wide[cid]})
        geoms.append(Point(c.lon, c.lat))
    return Layer("city_changes", geoms, rows)


def isochrone_layer(isochrones: list[Any], origin: str, profile: str, scenario: str) -> Layer:
    """Return the layer ``isochrones``: one (multi)polygon per time budget."""
    rows = [
        {
            "origin": origin,
            "profile": profile,
            "scenario": scenario,
            "minutes": iso.minutes,
            "speed_kmh": round(iso.speed_kmh, 3),
            "fixed_min": iso.fixed_min,
            "points": iso.points,
        }
        for iso in isochrones
    ]
    return Layer("isochrones", [iso.geometry for iso in isochrones], rows)


def to_geodataframe(result: Evaluation, layer: str = "cities", full: Network | None = None) -> Any:
    """Return one layer of :func:`layers` as a geopandas GeoDataFrame (EPSG:4326).

    Raises
    ------
    ImportError
        If geopandas is not installed; the message names the ``geo`` extra.
    """
    try:
        import geopandas as gpd
    except ImportError as error:
        raise ImportError(f"to_geodataframe needs geopandas: {GEO_EXTRA_HINT}") from error
    by_name = {lay.name: lay for lay in layers(result, full)}
    if layer not in by_name:
        raise ValueError(f"no layer '{layer}' (layers: {', '.join(by_name)})")
    return layer_to_geodataframe(by_name[layer], gpd)


def layer_to_geodataframe(layer: Layer, gpd: Any = None) -> Any:
    """Return a :class:`Layer` as a GeoDataFrame (EPSG:4326)."""
    if gpd is None:
        try:
            import geopandas as gpd
        except ImportError as error:
            raise ImportError(f"GeoDataFrames need geopandas: {GEO_EXTRA_HINT}") from error
    import pandas as pd

    frame = pd.DataFrame(layer.rows, columns=layer.columns)
    return gpd.GeoDataFrame(frame, geometry=list(layer.geometries), crs="EPSG:4326")


def link_change_layers(comparison: Any) -> list[Layer]:
    """Return the layers ``links_added`` and ``links_removed`` (each only if not empty), every attribute."""
    before, after = comparison.before, comparison.after
    added, removed = added_and_removed(before.network, after.network)
    out = []
    for name, links, side in (("links_added", added, after), ("links_removed", removed, before)):
        if not links:
            continue
        only = replace_links(side.network, links)
        rows, geoms = [], []
        for layer in _link_layers(only, only, side.scenario.parameters):
            rows += layer.rows
            geoms += layer.geometries
        out.append(Layer(name, geoms, rows))
    return out


def replace_links(network: Network, links: list[Link]) -> Network:
    """Return the network with only ``links`` (in file order)."""
    from dataclasses import replace

    keep = {link_identity(lk) for lk in links}
    return replace(network, links=tuple(lk for lk in network.links if link_identity(lk) in keep))

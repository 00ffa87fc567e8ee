"""Where things are: positions of cities, terminals and other nodes, and link geometry."""

from __future__ import annotations

import math

from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from sim.modes import Mode
from sim.network import Link, Network

__all__ = ["RIVER_OF_LINE", "link_geometry", "positions"]

# A waterway line (its name up to the first dash) -> the river of the map background it follows.
RIVER_OF_LINE = {
    "长江干线": "yangtze",
    "长江": "yangtze",
    "汉江": "han",
    "湘江": "xiang",
    "沅水": "yuan",
    "沅江": "yuan",
    "赣江": "gan",
}
SNAP_KM = 12.0  # a port further than this from its river's line: the link is drawn straight


def positions(network: Network) -> dict[str, tuple[float, float]]:
    """Return ``id -> (lon, lat)`` for every city, terminal and other located node.

    Terminals without coordinates (only allowed for ones not in service) are left out.
    Expressway junctions and city entrances (``road_nodes.csv``) are included, so road
    links, which join them, are placed too.
    """
    out = {c.id: (c.lon, c.lat) for c in network.cities}
    for t in network.terminals:
        if t.lat is not None and t.lon is not None:
            out.setdefault(t.id, (t.lon, t.lat))
    for node in network.road_nodes:
        out.setdefault(node.id, (node.lon, node.lat))
    return out


def _km_per_degree(lat: float) -> tuple[float, float]:
    return 111.32 * math.cos(math.radians(lat)), 110.57


def link_geometry(
    link: Link, where: dict[str, tuple[float, float]], rivers: dict[str, BaseGeometry] | None = None
) -> LineString | None:
    """Return the line a link is drawn as: straight between its ends, or along its river.

    Parameters
    ----------
    link
        The link.
    where
        Positions from :func:`positions`.
    rivers
        River lines by id (from :func:`sim.geo.rivers`); a waterway whose line names a
        known river, with both ports within ``SNAP_KM`` of it, follows the river between
        them.

    Returns
    -------
    shapely.LineString or None
        None if an end has no position.
    """
    if link.from_id not in where or link.to_id not in where:
        return None
    a, b = where[link.from_id], where[link.to_id]
    straight = LineString([a, b])
    if link.mode is not Mode.WATERWAY or not rivers:
        return straight
    river = rivers.get(RIVER_OF_LINE.get(link.line.split("–")[0], ""))
    if river is None:
        return straight
    from shapely.ops import linemerge

    line = linemerge(river) if river.geom_type == "MultiLineString" else river
    if line.geom_type != "LineString":
        line = max(line.geoms, key=lambda g: g.length)
    kx, ky = _km_per_degree((a[1] + b[1]) / 2)
    ends = [Point(a), Point(b)]
    gaps = [line.distance(p) for p in ends]
    if max(gaps) * min(kx, ky) > SNAP_KM:
        return straight
    fa, fb = (line.project(p) for p in ends)
    part = substring(line, min(fa, fb), max(fa, fb))
    coords = list(part.coords) if part.geom_type == "LineString" else []
    if fa > fb:
        coords.reverse()
    return LineString([a, *coords, b])

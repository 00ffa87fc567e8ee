"""Isochrones as polygons: the area reachable from a city within given minutes.

A traveller who reaches a station (or airport, port, expressway exit, city centre) ``t``
minutes after leaving the origin's centre can go on from there, off the network, for the
remaining ``T - t`` minutes. The isochrone for ``T`` is the union of these catchments:
discs around every reached point, of radius the remaining time (less a fixed start-up
time) times a straight-line speed, clipped to the region. Unlike contours interpolated
between city centres, it claims no land that is not within reach of a station.

The default speed and start-up time are the model's own estimate of the time between a
city centre and a terminal (:mod:`sim.parameters`: ``access_fixed_min`` plus straight-line
km times ``access_detour`` at ``access_speed_kmh``; by default 5 min, then 25 / 1.3 =
19.2 km/h as the crow flies), so a catchment ends where the model's own access estimate
would run out of time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely import affinity
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from sim.evaluate import Evaluation
from sim.geo.positions import positions
from sim.paths import node_distances

__all__ = ["ISOCHRONE_MINUTES", "Isochrone", "isochrones", "polygonal", "reached_points"]

ISOCHRONE_MINUTES = (60, 120, 180)
_REACHED_KINDS = ("arr", "road", "dest")  # got off at a terminal; on the expressway; at a centre


@dataclass(frozen=True)
class Isochrone:
    """The area reachable within ``minutes``.

    Attributes
    ----------
    minutes
        The time budget from the origin's centre.
    geometry
        A MultiPolygon in WGS84 longitude/latitude (empty if nothing is reachable).
    points
        How many reached points (terminals, expressway nodes, centres) contribute.
    speed_kmh, fixed_min
        The straight-line speed and the start-up time of the catchments.
    """

    minutes: float
    geometry: BaseGeometry
    points: int
    speed_kmh: float
    fixed_min: float


def reached_points(
    result: Evaluation, origin: str, profile: str, backend: str = "scipy"
) -> list[tuple[str, float, float, float]]:
    """Return every located point reached from ``origin``'s centre, with its minutes.

    Parameters
    ----------
    result
        An evaluation that includes ``profile``.
    origin
        City id.
    profile
        Profile name.
    backend
        Shortest-path backend.

    Returns
    -------
    list of (ref, lon, lat, minutes)
        One row per terminal where a traveller can get off, expressway node and city
        centre reached (earliest time over the node kinds of a place), the origin's centre
        at 0, sorted by ref.
    """
    res = result.results[profile]
    graph = res.graph
    i = graph.city_ids.index(origin)
    dist = node_distances(graph, backend, [int(graph.origin_nodes[i])])[0] / 60.0
    where = positions(result.network)
    best: dict[str, float] = {origin: 0.0}
    for node, (kind, ref) in enumerate(zip(graph.node_kind, graph.node_ref, strict=True)):
        if kind in _REACHED_KINDS and np.isfinite(dist[node]) and ref in where:
            best[ref] = min(best.get(ref, math.inf), float(dist[node]))
    return [(ref, *where[ref], best[ref]) for ref in sorted(best)]


def isochrones(
    result: Evaluation,
    origin: str,
    profile: str,
    minutes: tuple[float, ...] = ISOCHRONE_MINUTES,
    *,
    speed_kmh: float | None = None,
    fixed_min: float | None = None,
    clip: BaseGeometry | None = None,
    backend: str = "scipy",
) -> list[Isochrone]:
    """Return the isochrone polygons from ``origin``, one per time budget, smallest first.

    Parameters
    ----------
    result
        An evaluation that includes ``profile``.
    origin
        City id of the origin.
    profile
        Profile name (``rail``, ``road``, ``passenger``...).
    minutes
        Time budgets (default 60, 120 and 180).
    speed_kmh
        Straight-line speed away from a reached point; default the scenario's
        ``access_speed_kmh / access_detour`` (19.2 km/h by default).
    fixed_min
        Minutes spent before moving away from a reached point; default the scenario's
        ``access_fixed_min`` (5).
    clip
        Area to clip to, in longitude/latitude; default :func:`sim.geo.region_outline`
        of the network (the provinces of the region's cities).
    backend
        Shortest-path backend.
    """
    from sim.geo.basemap import region_outline

    p = result.scenario.parameters
    speed = p.access_speed_kmh / p.access_detour if speed_kmh is None else speed_kmh
    fixed = p.access_fixed_min if fixed_min is None else fixed_min
    if speed <= 0 or fixed < 0:
        raise ValueError("speed_kmh must be positive and fixed_min not negative")
    area = region_outline(result.network) if clip is None else clip
    points = reached_points(result, origin, profile, backend)
    out = []
    for budget in sorted(minutes):
        discs = []
        for _, lon, lat, t in points:
            km = (budget - t - fixed) * speed / 60.0
            if km <= 0:
                continue
            kx, ky = 111.32 * math.cos(math.radians(lat)), 110.57
            discs.append(affinity.scale(Point(lon, lat).buffer(1.0, quad_segs=24), km / kx, km / ky))
        geometry = polygonal(unary_union(discs).intersection(area)) if discs else MultiPolygon()
        out.append(Isochrone(float(budget), geometry, len(discs), speed, fixed))
    return out


def polygonal(geometry: BaseGeometry) -> MultiPolygon:
    """Return the polygons of ``geometry`` as one MultiPolygon (lines and points dropped).

    An intersection of polygons may hold stray lines or points where boundaries touch;
    a GIS layer and a drawing want polygons only.
    """
    parts = []
    for g in getattr(geometry, "geoms", [geometry]):
        if g.geom_type == "Polygon" and not g.is_empty:
            parts.append(g)
        elif g.geom_type in ("MultiPolygon", "GeometryCollection"):
            parts += list(polygonal(g).geoms)
    return MultiPolygon(parts)

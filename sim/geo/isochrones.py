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
from sim.graph import Graph
from sim.parameters import Parameters
from sim.paths import node_distances

__all__ = [
    "ISOCHRONE_MINUTES",
    "Isochrone",
    "catchment_speed",
    "catchments",
    "isochrones",
    "polygonal",
    "reached_from",
    "reached_points",
]

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
    return reached_from(graph, dist, positions(result.network), origin)


def reached_from(
    graph: Graph, minutes: np.ndarray, where: dict[str, tuple[float, float]], origin: str
) -> list[tuple[str, float, float, float]]:
    """Return the located points reached, given the minutes from ``origin``'s centre to every node.

    The rows of :func:`reached_points`, from distances computed by any engine (the
    workbench's masked graphs, say) on ``graph``'s nodes.

    Parameters
    ----------
    graph
        The graph whose nodes ``minutes`` is indexed by.
    minutes
        ``(n_nodes,)`` minutes from the origin's centre (``inf``: not reached).
    where
        Positions, as :func:`sim.geo.positions.positions` returns them.
    origin
        City id of the origin (reached at 0).
    """
    best: dict[str, float] = {origin: 0.0}
    for node, (kind, ref) in enumerate(zip(graph.node_kind, graph.node_ref, strict=True)):
        if kind in _REACHED_KINDS and np.isfinite(minutes[node]) and ref in where:
            best[ref] = min(best.get(ref, math.inf), float(minutes[node]))
    return [(ref, *where[ref], best[ref]) for ref in sorted(best)]


def catchment_speed(parameters: Parameters) -> tuple[float, float]:
    """Return the default straight-line speed (km/h) and start-up minutes of a catchment.

    The model's own access estimate: ``access_speed_kmh / access_detour`` as the crow
    flies, after ``access_fixed_min``.
    """
    return parameters.access_speed_kmh / parameters.access_detour, parameters.access_fixed_min


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

    default_speed, default_fixed = catchment_speed(result.scenario.parameters)
    speed = default_speed if speed_kmh is None else speed_kmh
    fixed = default_fixed if fixed_min is None else fixed_min
    area = region_outline(result.network) if clip is None else clip
    return catchments(reached_points(result, origin, profile, backend), minutes, speed, fixed, area)


def catchments(
    points: list[tuple[str, float, float, float]],
    minutes: tuple[float, ...],
    speed_kmh: float,
    fixed_min: float,
    clip: BaseGeometry,
) -> list[Isochrone]:
    """Return the isochrone polygons of reached points, one per time budget, smallest first.

    Parameters
    ----------
    points
        ``(ref, lon, lat, minutes)`` rows, as :func:`reached_points` returns them.
    minutes
        Time budgets.
    speed_kmh, fixed_min
        Straight-line speed away from a reached point, after a start-up time.
    clip
        Area to clip to, in longitude/latitude.

    Raises
    ------
    ValueError
        If the speed is not positive or the start-up time negative.
    """
    if speed_kmh <= 0 or fixed_min < 0:
        raise ValueError("speed_kmh must be positive and fixed_min not negative")
    out = []
    for budget in sorted(minutes):
        discs = []
        for _, lon, lat, t in points:
            km = (budget - t - fixed_min) * speed_kmh / 60.0
            if km <= 0:
                continue
            kx, ky = 111.32 * math.cos(math.radians(lat)), 110.57
            discs.append(affinity.scale(Point(lon, lat).buffer(1.0, quad_segs=24), km / kx, km / ky))
        geometry = polygonal(unary_union(discs).intersection(clip)) if discs else MultiPolygon()
        out.append(Isochrone(float(budget), geometry, len(discs), speed_kmh, fixed_min))
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

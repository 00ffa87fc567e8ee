"""The map background: province outlines, main rivers and lakes (``sim/geodata``).

The data are read once from ``basemap.geojson`` (see ``sim/geodata/README.md`` for its
source and licence) and returned as shapely geometries in WGS84 longitude/latitude.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPoint, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from sim.network import Network

__all__ = [
    "BASEMAP",
    "BASEMAP_SOURCE",
    "background_geojson",
    "lakes",
    "provinces",
    "region_outline",
    "rivers",
]

BASEMAP = Path(__file__).resolve().parent.parent / "geodata" / "basemap.geojson"
BASEMAP_SOURCE = "provinces: DCW-GMT; rivers and lakes: GSHHG (both LGPL-3+)"


@cache
def _features() -> tuple[dict[str, Any], ...]:
    data = json.loads(BASEMAP.read_text(encoding="utf-8"))
    return tuple(data["features"])


def background_geojson(kinds: tuple[str, ...] = ("province", "river", "lake")) -> dict[str, Any]:
    """Return the background as a GeoJSON FeatureCollection (a new dict each call).

    Features carry ``kind``, ``id``, ``name_zh`` and ``name_en``; ``kinds`` selects
    ``province``, ``river`` and/or ``lake``. For web maps and other front ends.
    """
    features = [json.loads(json.dumps(f)) for f in _features() if f["properties"]["kind"] in kinds]
    return {"type": "FeatureCollection", "features": features}


def _of(kind: str) -> dict[str, tuple[str, str, BaseGeometry]]:
    return {
        f["properties"]["id"]: (f["properties"]["name_zh"], f["properties"]["name_en"], shape(f["geometry"]))
        for f in _features()
        if f["properties"]["kind"] == kind
    }


def provinces() -> dict[str, tuple[str, str, BaseGeometry]]:
    """Return the province outlines: id (``hubei``, as in ``cities.csv``) -> (name_zh, name_en, polygon)."""
    return _of("province")


def rivers() -> dict[str, tuple[str, str, BaseGeometry]]:
    """Return the main rivers: id (``yangtze``, ``han``, ``xiang``, ``yuan``, ``gan``) -> (names, line)."""
    return _of("river")


def lakes() -> dict[str, tuple[str, str, BaseGeometry]]:
    """Return the lakes: id (``dongting``, ``poyang``) -> (name_zh, name_en, polygon)."""
    return _of("lake")


def region_outline(network: Network) -> BaseGeometry:
    """Return the region the network's cities lie in: the union of their provinces.

    Only the region's cities count (``in-plan`` and ``connected``, not the national
    gateways). A province missing from the map background (a network of another
    region) is replaced by the convex hull of its cities grown by half a degree, so the
    outline always holds every regional city.
    """
    cities = [c for c in network.cities if c.plan_status != "external"] or list(network.cities)
    known = provinces()
    parts = [known[p][2] for p in sorted({c.province for c in cities}) if p in known]
    missing = [c for c in cities if c.province not in known]
    if missing:
        parts.append(MultiPoint([(c.lon, c.lat) for c in missing]).convex_hull.buffer(0.5))
    return unary_union(parts)

"""GeoJSON (RFC 7946) with the standard library only.

``sim export x.geojson`` writes ``x.geojson`` with the features of every layer (each with
its ``layer`` property) and, beside it, one file per layer: ``x-cities.geojson``,
``x-terminals.geojson``, ``x-links_hsr.geojson``... so that QGIS opens each as its own
layer. Coordinates are WGS84 longitude/latitude rounded to 6 decimals; features are
written one per line in a fixed order, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from sim.generator import generator
from sim.geo.layers import Layer

__all__ = ["geojson_layer_paths", "geojson_text", "layer_collection", "write_geojson"]


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return value


def _geometry(geom: Any) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    data = mapping(geom)
    return {"type": data["type"], "coordinates": _round(data["coordinates"])}


def _value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def layer_collection(*layers: Layer, tag: bool = False) -> dict[str, Any]:
    """Return a FeatureCollection of the layers' features (``tag``: add a ``layer`` property).

    The collection names its ``generator`` (``sim VERSION``), a foreign member readers ignore.
    """
    features = []
    for layer in layers:
        for geom, row in zip(layer.geometries, layer.rows, strict=True):
            props = {"layer": layer.name} if tag else {}
            props.update({k: _value(row.get(k)) for k in layer.columns})
            features.append({"type": "Feature", "properties": props, "geometry": _geometry(geom)})
    return {"type": "FeatureCollection", "generator": generator(), "features": features}


def geojson_text(collection: dict[str, Any]) -> str:
    """Return the collection as text: one feature per line, UTF-8 names kept readable."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n'
    return opening + ",\n".join(lines) + "\n]}\n"


def write_geojson(layers: list[Layer], path: Path) -> list[Path]:
    """Write ``path`` (every layer) and ``<stem>-<layer>.geojson`` per layer; return the paths."""
    from sim.output import replace_atomically

    def text(target: Path, *chosen: Layer, tag: bool = False) -> None:
        def write(tmp: Path) -> None:
            tmp.write_text(geojson_text(layer_collection(*chosen, tag=tag)), encoding="utf-8")

        replace_atomically(target, write)

    path = Path(path)
    written = geojson_layer_paths(layers, path)
    for layer, target in zip(layers, written, strict=True):
        text(target, layer)
    text(path, *layers, tag=True)
    return [path, *written]


def geojson_layer_paths(layers: list[Layer], path: Path) -> list[Path]:
    """Return the file of each layer that :func:`write_geojson` writes beside ``path``."""
    path = Path(path)
    return [path.with_name(f"{path.stem}-{layer.name}{path.suffix}") for layer in layers]

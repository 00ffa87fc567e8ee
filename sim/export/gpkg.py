"""GeoPackage: one file, one layer per table (needs the ``geo`` extra: geopandas, pyogrio)."""

from __future__ import annotations

from pathlib import Path

from sim.generator import generator
from sim.geo.layers import GEO_EXTRA_HINT, Layer, layer_to_geodataframe

__all__ = ["require_geo", "write_gpkg"]


def require_geo() -> None:
    """Raise ImportError naming the ``geo`` extra unless geopandas and pyogrio import."""
    try:
        import geopandas  # noqa: F401
        import pyogrio  # noqa: F401
    except ImportError as error:
        raise ImportError(f"GeoPackage output needs geopandas and pyogrio: {GEO_EXTRA_HINT}") from error


def write_gpkg(layers: list[Layer], path: Path) -> Path:
    """Write the layers into one GeoPackage (EPSG:4326), replacing ``path`` atomically.

    The dataset's metadata holds ``generator`` = ``sim VERSION`` (:mod:`sim.generator`).
    """
    from sim.output import replace_atomically

    require_geo()

    def fill(tmp: Path) -> None:
        for n, layer in enumerate(layers):
            frame = layer_to_geodataframe(layer)
            tag = {"metadata": {"generator": generator()}} if n == 0 else {}
            frame.to_file(tmp, layer=layer.name, driver="GPKG", engine="pyogrio", **tag)

    return replace_atomically(Path(path), fill)


def write_run_gpkg(result: object, full: object, folder: Path) -> Path:
    """Write ``<folder>/<scenario>.gpkg``: the layers of :func:`sim.geo.layers`."""
    from sim.geo import layers

    return write_gpkg(layers(result, full), Path(folder) / f"{result.scenario.name}.gpkg")  # type: ignore[attr-defined]


def write_comparison_gpkg(comparison: object, folder: Path, name: str) -> Path:
    """Write ``<folder>/<name>.gpkg``: ``city_changes`` and the links added and removed."""
    from sim.geo import change_layer
    from sim.geo.layers import link_change_layers

    found: list[Layer] = [change_layer(comparison), *link_change_layers(comparison)]
    return write_gpkg(found, Path(folder) / f"{name}.gpkg")

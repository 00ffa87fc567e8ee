"""Geography: node positions, the map background, isochrone polygons and GIS layers.

Plain functions from the model's records to shapely geometry or GeoJSON-like
dictionaries, for the figures, the exports and any other front end:

- :func:`positions` and :func:`link_geometry`: where each city, terminal and link is;
- :func:`provinces`, :func:`rivers`, :func:`lakes` and :func:`region_outline`: the map
  background (``sim/geodata/basemap.geojson``);
- :func:`isochrones`: the area reachable from a city within given minutes;
- :func:`layers`: the cities, terminals and links as feature tables
  (:func:`layers_with_isochrones`: and a city's isochrones), and
  :func:`to_geodataframe` (needs the ``geo`` extra).
"""

from sim.geo.basemap import BASEMAP_SOURCE, background_geojson, lakes, provinces, region_outline, rivers
from sim.geo.isochrones import Isochrone, isochrones, reached_points
from sim.geo.layers import (
    Layer,
    change_layer,
    isochrone_layer,
    layers,
    layers_with_isochrones,
    to_geodataframe,
)
from sim.geo.positions import link_geometry, positions

__all__ = [
    "BASEMAP_SOURCE",
    "Isochrone",
    "Layer",
    "background_geojson",
    "change_layer",
    "isochrone_layer",
    "isochrones",
    "lakes",
    "layers",
    "layers_with_isochrones",
    "link_geometry",
    "positions",
    "provinces",
    "reached_points",
    "region_outline",
    "rivers",
    "to_geodataframe",
]

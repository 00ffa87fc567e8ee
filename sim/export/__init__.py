"""Export a scenario for other tools; the format follows the file's suffix.

- ``.gpkg``: GeoPackage with the layers ``cities`` (with their indicators),
  ``terminals`` and ``links_<mode>`` (every attribute), and optionally ``isochrones``
  (:mod:`sim.export.gpkg`; needs the ``geo`` extra);
- ``.geojson``: the same layers as GeoJSON files, standard library only
  (:mod:`sim.export.geojson`);
- ``.omx``: Open Matrix skims per profile and component (:mod:`sim.export.omx`; needs
  the ``omx`` extra);
- ``.graphml`` and ``.gexf``: the compiled graph of one profile with ``lon``/``lat`` on
  its nodes (:mod:`sim.export.graph`).
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import InputError
from sim.export.graph import to_networkx, write_gexf, write_graphml

__all__ = ["FORMATS", "export_format", "to_networkx", "write_gexf", "write_graphml"]

FORMATS = {
    ".gpkg": "GeoPackage (layers: cities, terminals, links by mode)",
    ".geojson": "GeoJSON (one file per layer, and all layers together)",
    ".omx": "Open Matrix skims (door to door, timetable, components, per profile)",
    ".graphml": "GraphML graph of one profile, with coordinates",
    ".gexf": "GEXF graph of one profile, with coordinates",
}


def export_format(path: Path) -> str:
    """Return the export format of ``path`` (its lower-case suffix), or raise InputError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        shown = f"'{suffix}'" if suffix else "no suffix"
        raise InputError(f"unknown export format ({shown}); use one of {known}", path)
    return suffix

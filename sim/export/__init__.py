"""Export a scenario for other tools; the format follows the file's suffix.

====================  ==============================================================  ==========
suffix                what                                                            needs
====================  ==============================================================  ==========
``.gpkg``             GeoPackage: layers ``cities`` (with indicators), ``terminals``,  ``geo``
                      ``links_<mode>`` (every attribute), optional ``isochrones``
``.geojson``          the same layers as GeoJSON files (:mod:`sim.export.geojson`)     --
``.omx``              Open Matrix skims per profile and component (:mod:`sim.export.omx`)  ``omx``
``.graphml``          the compiled graph of one profile, ``lon``/``lat`` on nodes      --
``.gexf``             the same as GEXF, with viz positions for Gephi                   --
====================  ==============================================================  ==========
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

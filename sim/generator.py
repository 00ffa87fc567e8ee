"""The tag ``sim`` writes into the files it exports, and how a file is recognised by it.

A single output file (a report, an export) is replaced only if ``sim`` wrote it
(:func:`sim.output.check_output_file`): each format carries a ``generator`` of the form
``sim VERSION`` where the format has room for one, and :func:`written_by_sim` looks for it:

========== ===================================================================
format     where the tag is
========== ===================================================================
.html      ``<meta name="generator" content="sim">`` in the head
.graphml   the graph attribute ``generator`` (written after nodes and edges)
.gexf      ``<creator>sim VERSION</creator>`` in the ``meta`` element
.geojson   the FeatureCollection member ``"generator"`` (a foreign member, RFC 7946 6.1)
.gpkg      the dataset metadata item ``generator`` (table ``gpkg_metadata``)
.omx       the root attribute ``generator`` of the HDF5 file
========== ===================================================================

Other files are never recognised.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

__all__ = ["GENERATOR", "generator", "written_by_sim"]

GENERATOR = "sim"
"""The name every tag starts with; :func:`generator` adds the version."""

_PEEK = 4096


def generator() -> str:
    """Return the tag written into exported files: ``sim VERSION``."""
    from sim import __version__

    return f"{GENERATOR} {__version__}"


def _head_and_tail(path: Path) -> tuple[bytes, bytes]:
    with open(path, "rb") as handle:
        head = handle.read(_PEEK)
        handle.seek(max(handle.seek(0, os.SEEK_END) - _PEEK, 0))
        return head, handle.read()


def _html(path: Path) -> bool:
    head, _ = _head_and_tail(path)
    return b'<meta name="generator" content="sim' in head


def _graphml(path: Path) -> bool:
    head, tail = _head_and_tail(path)
    return b"<graphml" in head and b'attr.name="generator"' in head and b">sim " in tail


def _gexf(path: Path) -> bool:
    head, _ = _head_and_tail(path)
    return b"<gexf" in head and b"<creator>sim " in head


def _geojson(path: Path) -> bool:
    head, _ = _head_and_tail(path)
    return b'"type": "FeatureCollection"' in head and b'"generator": "sim ' in head


def _gpkg(path: Path) -> bool:
    head, _ = _head_and_tail(path)
    if not head.startswith(b"SQLite format 3\x00"):
        return False
    try:
        with sqlite3.connect(f"file:{Path(path).resolve().as_posix()}?mode=ro", uri=True) as con:
            rows = con.execute("SELECT metadata FROM gpkg_metadata").fetchall()
    except sqlite3.Error:
        return False
    return any('<MDI key="generator">sim ' in str(text) for (text,) in rows)


def _omx(path: Path) -> bool:
    head, _ = _head_and_tail(path)
    if not head.startswith(b"\x89HDF\r\n\x1a\n"):
        return False
    try:
        import tables
    except ImportError:  # without the omx extra no OMX file is written, nor replaced
        return False
    try:
        with tables.open_file(str(path), "r") as f:
            tag = getattr(f.root._v_attrs, "generator", "")
    except Exception:
        return False
    return str(tag).startswith(f"{GENERATOR} ")


_RECOGNISERS = {
    ".html": _html,
    ".graphml": _graphml,
    ".gexf": _gexf,
    ".geojson": _geojson,
    ".gpkg": _gpkg,
    ".omx": _omx,
}


def written_by_sim(path: Path) -> bool:
    """Whether the file at ``path`` is recognisably one that ``sim`` wrote (by its content)."""
    recognise = _RECOGNISERS.get(Path(path).suffix.lower())
    if recognise is None:
        return False
    try:
        return recognise(Path(path))
    except OSError:
        return False

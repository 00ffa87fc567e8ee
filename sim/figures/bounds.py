"""Keep figures legible and their cost bounded on large networks.

A map of 100,000 links drawn one line each takes minutes and gigabytes and shows a
smear. :func:`drawable` reduces a network to what can be drawn: links are merged when
their ends fall in the same cells of a grid (the grid grows until at most
``max_links`` segments remain, one per mode and pair of cells), and only the most
populous cities are kept when there are very many. It says what it did, so that the
figure's title can say so too.
"""

from __future__ import annotations

import math
from dataclasses import replace

from sim.modes import Mode, TerminalKind
from sim.network import Link, Network, Terminal

__all__ = ["MAX_DRAWN_CITIES", "MAX_DRAWN_LINKS", "MAX_HEATMAP_CITIES", "drawable"]

MAX_DRAWN_LINKS = 2_500
"""Segments drawn on a map at most; more are merged on a grid."""
MAX_DRAWN_CITIES = 400
"""Cities drawn (and labelled) on a network map at most; the most populous are kept."""
MAX_HEATMAP_CITIES = 300
"""Cities in an origin-destination matrix picture at most; beyond, the picture is skipped."""


def _positions(network: Network) -> dict[str, tuple[float, float]]:
    pos = {c.id: (c.lat, c.lon) for c in network.cities}
    for t in network.terminals:
        if t.lat is not None and t.lon is not None:
            pos[t.id] = (t.lat, t.lon)
    for node in getattr(network, "road_nodes", ()):
        pos[node.id] = (node.lat, node.lon)
    return pos


def _merge(
    links: tuple[Link, ...], pos: dict[str, tuple[float, float]], cell: float
) -> dict[tuple[Mode, str, tuple[int, int], tuple[int, int]], Link]:
    merged: dict[tuple[Mode, str, tuple[int, int], tuple[int, int]], Link] = {}
    for lk in links:
        a, b = pos.get(lk.from_id), pos.get(lk.to_id)
        if a is None or b is None:
            continue
        ca = (math.floor(a[0] / cell), math.floor(a[1] / cell))
        cb = (math.floor(b[0] / cell), math.floor(b[1] / cell))
        if ca == cb:
            continue
        ca, cb = min(ca, cb), max(ca, cb)
        merged.setdefault((lk.mode, lk.status, ca, cb), lk)
    return merged


def _cell_id(cell: tuple[int, int]) -> str:
    return f"grid_{cell[0]}_{cell[1]}"


def drawable(
    network: Network,
    context: Network | None = None,
    *,
    max_links: int = MAX_DRAWN_LINKS,
    max_cities: int | None = MAX_DRAWN_CITIES,
) -> tuple[Network, Network | None, str]:
    """Return ``network`` (and ``context``) reduced for drawing, and a note saying how.

    Parameters
    ----------
    network
        The network a map draws (solid).
    context
        The full data it is drawn against (links not in ``network`` dashed), or None.
    max_links
        At most this many segments are drawn from ``network`` and as many from
        ``context``; beyond, links are merged on a grid of square cells (in degrees),
        doubled from 0.01° until they fit: one segment per mode, status and pair of cells,
        drawn between the cells' centres; links within one cell are left out.
    max_cities
        At most this many cities are kept, the most populous (None: all).

    Returns
    -------
    network, context, note
        The networks to draw (the same objects when nothing was reduced) and a note for
        the title, empty when nothing was reduced.
    """
    notes = []
    if max_cities is not None and len(network.cities) > max_cities:
        kept = sorted(network.cities, key=lambda c: -(c.population or 0))[:max_cities]
        keep = {c.id for c in kept}
        network = replace(network, cities=tuple(c for c in network.cities if c.id in keep))
        if context is not None:
            context = replace(context, cities=tuple(c for c in context.cities if c.id in keep))
        notes.append(f"the {max_cities:,} most populous cities shown")
    biggest = max(len(network.links), len(context.links) if context is not None else 0)
    if biggest <= max_links:
        return network, context, "; ".join(notes)
    pos = _positions(context if context is not None else network)
    pos.update(_positions(network))
    cell = 0.01
    while True:
        merged = _merge(network.links, pos, cell)
        merged_context = _merge(context.links, pos, cell) if context is not None else {}
        if max(len(merged), len(merged_context)) <= max_links:
            break
        cell *= 2
    cells = {c for key in (*merged, *merged_context) for c in key[2:]}
    anchor = network.cities[0].id if network.cities else ""
    grid = tuple(
        Terminal(
            _cell_id(c),
            anchor,
            TerminalKind.RAIL,
            "",
            "",
            (c[0] + 0.5) * cell,
            (c[1] + 0.5) * cell,
            None,
            "open",
            None,
            "",
        )
        for c in sorted(cells)
    )

    def segments(found: dict[tuple[Mode, str, tuple[int, int], tuple[int, int]], Link]) -> tuple[Link, ...]:
        # equal keys give equal records, so a segment of both networks is drawn as present
        return tuple(
            Link(
                mode,
                mode.value,
                _cell_id(a),
                _cell_id(b),
                None,
                None,
                None,
                None,
                status,
                None,
                None,
                None,
                "",
            )
            for (mode, status, a, b) in sorted(found, key=lambda k: (k[0].value, k[1], k[2], k[3]))
        )

    km = cell * 111.0
    notes.append(f"{len(network.links):,} links merged on a {km:.3g} km grid into {len(merged):,} segments")
    drawn = replace(network, terminals=grid, links=segments(merged))
    drawn_context = replace(context, terminals=grid, links=segments(merged_context)) if context else None
    return drawn, drawn_context, "; ".join(notes)

"""Keep figures legible and their cost bounded on large networks.

A map of 100,000 links drawn one line each takes minutes and gigabytes and shows a
smear. :func:`drawable` reduces a network to what can be drawn: links are merged when
their ends fall in the same cells of a grid (the grid grows until at most
``max_links`` segments remain, one per mode and pair of cells), and only the most
populous cities are kept when there are very many. It says what it did, so that the
figure's title can say so too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

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


_MODES = tuple(Mode)
_STATUSES = ("open", "construction", "planned")


def _ends(links: tuple[Link, ...], pos: dict[str, tuple[float, float]]) -> np.ndarray:
    """``(n, 6)`` array per drawable link: mode, status (as codes), then both ends' lat, lon."""
    rows = []
    for lk in links:
        a, b = pos.get(lk.from_id), pos.get(lk.to_id)
        if a is not None and b is not None:
            rows.append((_MODES.index(lk.mode), _STATUSES.index(lk.status), a[0], a[1], b[0], b[1]))
    return np.array(rows, dtype=np.float64).reshape(-1, 6)


def _merge(ends: np.ndarray, cell: float) -> np.ndarray:
    """Distinct (mode, status, cell a, cell b) of the links, cells ordered, one-cell links left out."""
    cells = np.floor(ends[:, 2:] / cell).astype(np.int64)
    a, b = cells[:, :2], cells[:, 2:]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    first = np.where(swap[:, None], b, a)
    second = np.where(swap[:, None], a, b)
    keys = np.column_stack([ends[:, :2].astype(np.int64), first, second])
    keys = keys[(first != second).any(axis=1)]
    if len(keys) == 0:
        return keys
    keys = keys[np.lexsort(keys.T[::-1])]
    new = np.ones(len(keys), dtype=bool)
    new[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    return keys[new]


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
    ends = _ends(network.links, pos)
    ends_context = _ends(context.links, pos) if context is not None else np.zeros((0, 6))
    cell = 0.01
    while True:
        merged, merged_context = _merge(ends, cell), _merge(ends_context, cell)
        if max(len(merged), len(merged_context)) <= max_links:
            break
        cell *= 2
    cells = sorted({(int(k[i]), int(k[i + 1])) for k in (*merged, *merged_context) for i in (2, 4)})
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
        for c in cells
    )

    def segments(found: np.ndarray) -> tuple[Link, ...]:
        # equal keys give equal records, so a segment of both networks is drawn as present
        return tuple(
            Link(
                _MODES[m],
                _MODES[m].value,
                _cell_id((ya, xa)),
                _cell_id((yb, xb)),
                None,
                None,
                None,
                None,
                _STATUSES[st],
                None,
                None,
                None,
                "",
            )
            for m, st, ya, xa, yb, xb in found.tolist()
        )

    km = cell * 111.0
    notes.append(f"{len(network.links):,} links merged on a {km:.3g} km grid into {len(merged):,} segments")
    drawn = replace(network, terminals=grid, links=segments(merged))
    drawn_context = replace(context, terminals=grid, links=segments(merged_context)) if context else None
    return drawn, drawn_context, "; ".join(notes)

"""One scenario's network at one year, compiled once with every project in it, then masked.

The workbench answers a toggle, a cut or a year change without building a graph: the
network of a (scenario, year) with *every* project added (the "union") is compiled once
per profile, and a state of the build-out is a mask over the union's links. A link's
``ride`` (or ``road``) edges are kept when the link is active; every other edge stays, as
it leads nowhere without the rides (a new station's access and platforms, a through
service onto an inactive line).

What a mask cannot express by dropping edges is a platform's headway: the wait to board
at a (terminal, line) is half the shortest headway of the line's links there, so turning
a link off can lengthen it. Boarding edges of such platforms are re-weighted from the
active links with :func:`sim.graph.board_parts`, the function :func:`~sim.graph.build_graph`
uses, so the masked graph equals the graph of the state's network edge for edge.

The timetable reading runs from each city's ``tt_origin`` to every ``tt_dest`` on the
edges a timetable trip may use (:data:`sim.graph.TIMETABLE_EDGE_KINDS`, as
:meth:`sim.graph.Graph.timetable_view` keeps them): station to station on its own fastest
path, changes of train included, never driving.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from sim.graph import (
    COMPONENTS,
    TIMETABLE_EDGE_KINDS,
    Graph,
    board_parts,
    build_graph,
    component_seconds,
    service_of,
)
from sim.modes import Mode, Profile, TerminalKind
from sim.network import Network
from sim.parameters import Parameters
from sim.paths import Leg, itinerary, main_line

__all__ = ["CompiledGraph", "Solved"]

_V = COMPONENTS.index("in_vehicle")
_HOPS = 1024.0


@dataclass(frozen=True)
class _Platform:
    terminal: str
    service: str
    mode: str
    kind: TerminalKind
    links: np.ndarray  # union link indices at this platform
    headways: np.ndarray  # their effective headways (minutes)


class CompiledGraph:
    """The union graph of one profile, ready to be masked.

    Parameters
    ----------
    union
        The network with every project and link a state can switch on.
    profile
        The profile compiled.
    """

    def __init__(self, union: Network, profile: Profile, parameters: Parameters) -> None:
        base = build_graph(union, profile, parameters)
        self.profile = profile
        self.parameters = base.parameters
        self.n_links = len(union.links)
        self.city_ids = base.city_ids
        self.graph = base
        self.origin_nodes = base.origin_nodes
        self.dest_nodes = base.dest_nodes
        self.tt_origin = base.timetable_origin_nodes
        self.tt_dest = base.timetable_dest_nodes
        self._timetable_kind = np.array([k in TIMETABLE_EDGE_KINDS for k in base.edge_kind], dtype=bool)
        g = self.graph
        self._switched = g.edge_link >= 0
        self._edge_link = np.where(self._switched, g.edge_link, 0)
        self._platforms, self._board_edges = self._platform_table(union, base)
        # edges grouped by head, lowest index first: the walk back along a chosen path
        self.in_order = np.lexsort((np.arange(g.n_edges), g.head))
        heads = g.head[self.in_order]
        starts = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]])
        self.in_starts = starts
        self.in_heads = heads[starts]
        self._last: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self.headways: tuple[tuple[int, float], ...] = ()  # of the last weights(): the edges' costs
        # itineraries by (re-weighted platforms, path): most paths outlive a click
        self.itineraries: dict[tuple[tuple[tuple[int, float], ...], tuple[int, ...]], list[Leg]] = {}

    def _platform_table(self, union: Network, base: Graph) -> tuple[list[_Platform], dict[int, list[int]]]:
        """Platforms whose headway depends on which links are active, and their boarding edges.

        A platform's start allowance does not depend on them (a line's speed at a station
        is the fastest of all its sections in the data, :func:`sim.running_time.stop_allowances`),
        so it is read from the boarding edge itself.
        """
        p = self.parameters
        at: dict[tuple[str, str], list[tuple[int, float, str]]] = {}
        for i, lk in enumerate(union.links):
            if lk.mode not in self.profile.modes or lk.mode.terminal_kind is None:
                continue
            h = p.headway(lk.mode, lk.headway_min)
            for node in (lk.from_id, lk.to_id):
                at.setdefault((node, service_of(lk)), []).append((i, h, lk.mode.value))
        platforms: list[_Platform] = []
        index: dict[tuple[str, str], int] = {}
        for key, rows in at.items():
            if len({h for _, h, _ in rows}) > 1:
                index[key] = len(platforms)
                platforms.append(
                    _Platform(
                        key[0],
                        key[1],
                        rows[0][2],
                        Mode.parse(rows[0][2]).terminal_kind,  # type: ignore[arg-type]
                        np.array([i for i, _, _ in rows], dtype=np.int64),
                        np.array([h for _, h, _ in rows], dtype=np.float64),
                    )
                )
        boards: dict[int, list[int]] = {}
        for e in range(base.n_edges):
            if base.edge_kind[e] == "board":
                head = int(base.head[e])
                key = (base.node_ref[head], base.node_line[head])
                if key in index:
                    boards.setdefault(index[key], []).append(e)
        return platforms, boards

    def weights(self, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edge mask, weights (seconds) and components of the graph with only the ``active`` links.

        Parameters
        ----------
        active
            Boolean per union link.
        """
        g = self.graph
        mask = ~self._switched | active[self._edge_link]
        weight, components = g.weight, g.components
        changed = False
        headways: list[tuple[int, float]] = []  # the platforms re-weighted, and their headway
        for k, plat in enumerate(self._platforms):
            on = active[plat.links]
            if not on.any():
                continue
            h = float(plat.headways[on].min())
            if h == float(plat.headways.min()):
                continue
            headways.append((k, h))
            if not changed:
                weight, components = weight.copy(), components.copy()
                changed = True
            for e in self._board_edges.get(k, []):
                entry = g.node_kind[int(g.tail[e])]
                start = float(g.components[e, _V]) / 60.0  # the platform's start allowance, as built
                row = component_seconds(board_parts(entry, h, start, plat.kind, self.parameters))
                components[e] = row
                weight[e] = float(sum(row))
        self.headways = tuple(headways)
        return mask, weight, components

    def solve(self, active: np.ndarray, cities: np.ndarray | None = None) -> Solved:
        """Shortest distances from the given cities (default all), door to door and timetable.

        Parameters
        ----------
        active
            Boolean per union link.
        cities
            City indices to start from.
        """
        mask, weight, components = self.weights(active)
        rows = np.arange(len(self.city_ids)) if cities is None else np.asarray(cities, dtype=np.int64)
        lexical = weight * _HOPS + 1.0
        readings = []
        for k, (reading_mask, sources) in enumerate(
            ((mask, self.origin_nodes[rows]), (mask & self._timetable_kind, self.tt_origin[rows]))
        ):
            readings.append(
                _Reading(reading_mask, lexical, self._distances(k, reading_mask, lexical, sources))
            )
        graph = self.graph
        if components is not graph.components:
            graph = replace(graph, components=components)
        return Solved(self, rows, readings[0], readings[1], graph, self.headways)

    def node_minutes(self, active: np.ndarray, city: int) -> np.ndarray:
        """Door-to-door minutes from one city's centre to every node of the graph.

        For isochrones (:func:`sim.geo.isochrones.reached_from`); the distances kept for
        the next click are left as they are.
        """
        mask, weight, _ = self.weights(active)
        lexical = weight * _HOPS + 1.0
        dist = self._dijkstra(mask, lexical, self.origin_nodes[[city]])[0]
        return np.floor(dist / _HOPS) / 60.0

    def _distances(
        self, reading: int, mask: np.ndarray, lexical: np.ndarray, sources: np.ndarray
    ) -> np.ndarray:
        """Lexical distances from ``sources``, updating only the rows a change can touch.

        The last answer for the same sources is kept. A row is recomputed only if an edge
        that is gone (or slower) was on one of its shortest paths (tight), or an edge that is
        new (or faster) would shorten one; every other row is unchanged, exactly.
        """
        last = self._last.get(reading)
        g = self.graph
        if last is not None and np.array_equal(last[2], sources):
            old_mask, old_lexical, _, old = last
            changed = old_lexical != lexical
            gone = np.flatnonzero(old_mask & (~mask | changed))
            new = np.flatnonzero(mask & (~old_mask | changed))
            affected = np.zeros(len(sources), dtype=bool)
            if len(gone):
                du = old[:, g.tail[gone]]
                affected |= (np.isfinite(du) & (du + old_lexical[gone] == old[:, g.head[gone]])).any(axis=1)
            if len(new):
                affected |= (old[:, g.tail[new]] + lexical[new] < old[:, g.head[new]]).any(axis=1)
            if not affected.any():
                dist = old
            else:
                dist = old.copy()
                dist[affected] = self._dijkstra(mask, lexical, sources[affected])
        else:
            dist = self._dijkstra(mask, lexical, sources)
        self._last[reading] = (mask, lexical, sources, dist)
        return dist

    def _dijkstra(self, mask: np.ndarray, lexical: np.ndarray, sources: np.ndarray) -> np.ndarray:
        """Lexical distances from ``sources`` on the edges of ``mask``.

        Parallel edges are reduced to the fastest, as :meth:`sim.graph.Graph.csr` does.
        """
        g = self.graph
        n = g.n_nodes
        edges = np.flatnonzero(mask)
        t, h, w = g.tail[edges], g.head[edges], lexical[edges]
        order = np.lexsort((w, h, t))
        t, h, w = t[order], h[order], w[order]
        first = np.ones(len(t), dtype=bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        t, h, w = t[first], h[first], w[first]
        csr = sp.csr_matrix((w, h, np.searchsorted(t, np.arange(n + 1))), shape=(n, n))
        return np.atleast_2d(dijkstra(csr, directed=True, indices=sources))


@dataclass(frozen=True)
class _Reading:
    """One reading of a solved state: its edges, their lexical weights, the distances."""

    mask: np.ndarray
    lexical: np.ndarray
    dist: np.ndarray  # lexical: seconds * HOPS + edges on the path


@dataclass(frozen=True)
class Solved:
    """Distances of one state from some cities, door to door and timetable.

    Distances are kept *lexical*: ``seconds * 1024 + edges``, so that among the fastest
    paths the one with the fewest edges is shortest (the rule of
    :func:`sim.paths.shortest_path_tree`), and exact in floating point.

    Attributes
    ----------
    compiled
        The compiled graph solved.
    rows
        The city indices solved from.
    door, timetable_reading
        The two readings: from each city's ``origin``, and from its ``tt_origin`` on
        timetable edges only.
    graph
        The union graph with the state's edge components (boarding edges re-weighted
        for the headways of the active links), for itineraries.
    headways
        The platforms re-weighted and their headways: with a path, what its itinerary
        depends on (the key of :attr:`CompiledGraph.itineraries`).
    """

    compiled: CompiledGraph
    rows: np.ndarray
    door: _Reading
    timetable_reading: _Reading
    graph: Graph
    headways: tuple[tuple[int, float], ...] = ()

    def _minutes(self, reading: _Reading, targets: np.ndarray) -> np.ndarray:
        out = np.floor(reading.dist[:, targets] / _HOPS) / 60.0
        out[np.arange(len(self.rows)), self.rows] = 0.0
        return out

    def door_to_door(self) -> np.ndarray:
        """Return ``(len(rows), n_cities)`` minutes centre to centre (``inf``: no path)."""
        return self._minutes(self.door, self.compiled.dest_nodes)

    def timetable(self) -> np.ndarray:
        """Return ``(len(rows), n_cities)`` minutes station to station (``inf``: no such path)."""
        return self._minutes(self.timetable_reading, self.compiled.tt_dest)

    def legs(self, requests: list[tuple[int, int, str]]) -> list[list[Leg]]:
        """Return the itinerary of each path asked for, as :func:`sim.paths.itinerary` builds it.

        The path is the fastest, then the one with the fewest edges, then the one whose
        last differing edge has the lowest index: a function of the state alone, the
        path :func:`sim.paths.shortest_path_tree` picks.

        Parameters
        ----------
        requests
            ``(row, city, reading)``: position in :attr:`rows` of the origin, destination
            city index, and ``door_to_door`` or ``timetable``.
        """
        out: list[list[Leg]] = [[] for _ in requests]
        c = self.compiled
        for name, reading, sources, targets in (
            ("door_to_door", self.door, c.origin_nodes, c.dest_nodes),
            ("timetable", self.timetable_reading, c.tt_origin, c.tt_dest),
        ):
            picked = [k for k, r in enumerate(requests) if r[2] == name]
            if not picked:
                continue
            rows = np.array([requests[k][0] for k in picked])
            cities = np.array([requests[k][1] for k in picked])
            for k, edges in zip(
                picked, _walk(c, reading, rows, sources[self.rows[rows]], targets[cities]), strict=True
            ):
                if self.rows[requests[k][0]] == requests[k][1]:  # a city to itself: no trip
                    continue
                key = (self.headways, tuple(edges))
                legs = c.itineraries.get(key)
                if legs is None:
                    if len(c.itineraries) > 100_000:
                        c.itineraries.clear()
                    legs = c.itineraries[key] = itinerary(self.graph, _Path(edges), -1)
                out[k] = legs
        return out

    def main_lines(self, requests: list[tuple[int, int, str]]) -> list[str]:
        """Return the binding line of each path asked for (:func:`sim.paths.main_line` of :meth:`legs`)."""
        return [main_line(legs) for legs in self.legs(requests)]


@dataclass(frozen=True)
class _Path:
    """A path's edges, in the form :func:`sim.paths.itinerary` walks (``tree.edges_to``)."""

    edges: list[int]

    def edges_to(self, _node: int) -> list[int]:
        return self.edges


def _walk(
    c: CompiledGraph, reading: _Reading, rows: np.ndarray, origins: np.ndarray, targets: np.ndarray
) -> list[list[int]]:
    """Edges of the chosen path from each origin to its target (empty if unreachable).

    Each node is entered by its lowest-index tight edge (``d[u] + w == d[v]`` in lexical
    distances); the predecessor arrays are built only for the rows asked for.
    """
    g = c.graph
    unique, which = np.unique(rows, return_inverse=True)
    d = reading.dist[unique]
    tight = reading.mask[None, c.in_order] & (
        d[:, g.tail[c.in_order]] + reading.lexical[c.in_order][None, :] == d[:, g.head[c.in_order]]
    )
    position = np.where(tight, np.arange(len(c.in_order))[None, :], len(c.in_order))
    first = np.minimum.reduceat(position, c.in_starts, axis=1)
    pred = np.where(first < len(c.in_order), c.in_order[np.minimum(first, len(c.in_order) - 1)], -1)
    pred_of = np.full((len(unique), g.n_nodes), -1, dtype=np.int64)
    pred_of[:, c.in_heads] = pred
    paths: list[list[int]] = []
    for r, origin, target in zip(which.tolist(), origins.tolist(), targets.tolist(), strict=True):
        edges: list[int] = []
        if np.isfinite(reading.dist[unique[r], target]):
            node = target
            while node != origin:
                e = int(pred_of[r, node])
                edges.append(e)
                node = int(g.tail[e])
        edges.reverse()
        paths.append(edges)
    return paths

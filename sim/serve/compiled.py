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

from dataclasses import dataclass

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

__all__ = ["CompiledGraph", "Solved"]

_W = COMPONENTS.index("wait")
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
        self.mixed_modes = False
        self._platforms, self._board_edges = self._platform_table(union, base)

    def _platform_table(self, union: Network, base: Graph) -> tuple[list[_Platform], dict[int, list[int]]]:
        """Platforms whose headway depends on which links are active, and their boarding edges."""
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
            start = {p.start_stop_min.get(m, 0.0) for _, _, m in rows}
            if len({h for _, h, _ in rows}) > 1 or len(start) > 1:
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
                if len(start) > 1:
                    self.mixed_modes = True
        boards: dict[int, list[int]] = {}
        for e in range(base.n_edges):
            if base.edge_kind[e] == "board":
                head = int(base.head[e])
                key = (base.node_ref[head], base.node_line[head])
                if key in index:
                    boards.setdefault(index[key], []).append(e)
        return platforms, boards

    def weights(self, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Edge mask and weights (seconds) of the graph with only the ``active`` links.

        Parameters
        ----------
        active
            Boolean per union link.

        Raises
        ------
        ValueError
            If a platform is served by lines of modes with different start-stop
            allowances (never in the bundled data): its graph cannot be masked exactly.
        """
        if self.mixed_modes:
            raise ValueError("a platform mixes modes with different start-stop allowances")
        g = self.graph
        mask = ~self._switched | active[self._edge_link]
        weight = g.weight
        changed = False
        for k, plat in enumerate(self._platforms):
            on = active[plat.links]
            if not on.any():
                continue
            h = float(plat.headways[on].min())
            if h == float(plat.headways.min()):
                continue
            if not changed:
                weight = weight.copy()
                changed = True
            for e in self._board_edges.get(k, []):
                entry = g.node_kind[int(g.tail[e])]
                parts = board_parts(entry, h, plat.mode, plat.kind, self.parameters)
                weight[e] = float(sum(component_seconds(parts)))
        return mask, weight

    def solve(self, active: np.ndarray, cities: np.ndarray | None = None) -> Solved:
        """Shortest distances from the given cities (default all), door to door and timetable.

        Parameters
        ----------
        active
            Boolean per union link.
        cities
            City indices to start from.
        """
        mask, weight = self.weights(active)
        rows = np.arange(len(self.city_ids)) if cities is None else np.asarray(cities, dtype=np.int64)
        d2d, pred_d2d, lookup_d2d = self._dijkstra(mask, weight, self.origin_nodes[rows])
        tt, pred_tt, lookup_tt = self._dijkstra(mask & self._timetable_kind, weight, self.tt_origin[rows])
        pred = np.vstack([pred_d2d, pred_tt])
        return Solved(self, rows, np.vstack([d2d, tt]), pred, (lookup_d2d, lookup_tt))

    def _dijkstra(
        self, mask: np.ndarray, weight: np.ndarray, sources: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Seconds and predecessors from ``sources`` on the edges of ``mask``; the edge lookup."""
        g = self.graph
        n = g.n_nodes
        edges = np.flatnonzero(mask)
        # parallel edges reduced to the fastest (lowest index among equals), as Graph.csr does,
        # keeping which edge each entry is, for the binding lines
        t, h, w = g.tail[edges], g.head[edges], weight[edges]
        order = np.lexsort((edges, w, h, t))
        t, h, w, edges = t[order], h[order], w[order], edges[order]
        first = np.ones(len(t), dtype=bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        t, h, w, edges = t[first], h[first], w[first], edges[first]
        # seconds * HOPS + 1 per edge: the shortest path first, then the one with the fewest
        # edges (the rule of sim.paths.shortest_path_tree); exact while paths have < HOPS edges
        indptr = np.searchsorted(t, np.arange(n + 1))
        csr = sp.csr_matrix((w * _HOPS + 1.0, h, indptr), shape=(n, n))
        dist, pred = dijkstra(csr, directed=True, indices=sources, return_predecessors=True)
        return np.floor(np.atleast_2d(dist) / _HOPS), np.atleast_2d(pred), (t * n + h, edges)


@dataclass(frozen=True)
class Solved:
    """Distances of one state from some cities, door to door and timetable.

    Attributes
    ----------
    compiled
        The compiled graph solved.
    rows
        The city indices solved from.
    dist
        ``(2 * len(rows), n_nodes)`` seconds: door to door from each city's origin, then
        timetable from each city's ``tt_origin``.
    pred
        Predecessor nodes of the same rows: among the shortest paths, one with the fewest
        edges.
    lookup
        Per reading, the sorted ``tail * n_nodes + head`` of the edges searched and which
        edge each is.
    """

    compiled: CompiledGraph
    rows: np.ndarray
    dist: np.ndarray
    pred: np.ndarray
    lookup: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

    def door_to_door(self) -> np.ndarray:
        """Return ``(len(rows), n_cities)`` minutes centre to centre (``inf``: no path)."""
        c = self.compiled
        out = self.dist[: len(self.rows)][:, c.dest_nodes] / 60.0
        out[np.arange(len(self.rows)), self.rows] = 0.0
        return out

    def timetable(self) -> np.ndarray:
        """Return ``(len(rows), n_cities)`` minutes station to station (``inf``: no such path)."""
        c = self.compiled
        out = self.dist[len(self.rows) :][:, c.tt_dest] / 60.0
        out[np.arange(len(self.rows)), self.rows] = 0.0
        return out

    def main_lines(self, requests: list[tuple[int, int, str]]) -> list[str]:
        """Return the binding line of each path asked for (as :func:`sim.paths.main_line`).

        Parameters
        ----------
        requests
            ``(row, city, reading)``: position in :attr:`rows` of the origin, destination
            city index, and ``door_to_door`` or ``timetable``.
        """
        if not requests:
            return []
        c = self.compiled
        n_rows = len(self.rows)
        k = np.array([r if reading == "door_to_door" else n_rows + r for r, _, reading in requests])
        origin = np.where(
            k < n_rows, c.origin_nodes[self.rows[k % n_rows]], c.tt_origin[self.rows[k % n_rows]]
        )
        cities = np.array([j for _, j, _ in requests])
        target = np.where(k < n_rows, c.dest_nodes[cities], c.tt_dest[cities])
        reached = np.isfinite(self.dist[k, target])
        node = np.where(reached, target, origin)
        n = c.graph.n_nodes
        steps = []
        walking = node != origin
        while walking.any():
            idx = np.flatnonzero(walking)
            u = self.pred[k[idx], node[idx]]
            step = np.full(len(requests), -1, dtype=np.int64)
            for reading, (keys, found) in enumerate(self.lookup):
                part = idx[(k[idx] >= n_rows) == bool(reading)]
                if len(part):
                    where = np.searchsorted(keys, self.pred[k[part], node[part]] * n + node[part])
                    step[part] = found[where]
            steps.append(step)
            node[idx] = u
            walking[idx] = u != origin[idx]
        if not steps:
            return ["" for _ in requests]
        table = np.array(steps)[::-1].T
        return [_main_line(c.graph, [int(e) for e in row if e >= 0]) for row in table]


def _main_line(g: Graph, edges: list[int]) -> str:
    """Replicate ``main_line(itinerary(...))`` of :mod:`sim.paths` on a list of edges, cheaply.

    Rides continue along one line (and on through a declared through service, whose label
    joins both lines); a drive continues along one road; the start-stop allowance of the
    boarding counts to the ride it starts. The longest such leg (first among equals) wins.
    """
    best, best_minutes = "", -1.0
    line, minutes, open_leg = "", 0.0, False
    carried = 0.0
    previous = ""
    for e in edges:
        kind = g.edge_kind[e]
        if kind in ("board", "tt_board"):
            carried = float(g.components[e, _V])
        continues = open_leg and (
            (kind == "ride" and previous in ("ride", "through", "stay"))
            or kind in ("through", "stay")
            or (kind == "road" and previous == "road" and line == g.edge_line[e])
        )
        if continues:
            if kind == "through":
                line = f"{line} > {g.edge_line[e].split('>', 1)[1]}"
            minutes += float(g.weight[e])
        elif kind in ("ride", "road"):
            if open_leg and minutes > best_minutes:
                best, best_minutes = line, minutes
            line, minutes, open_leg = g.edge_line[e], float(g.weight[e]), True
            if kind == "ride" and previous in ("board", "tt_board"):
                minutes += carried
        elif kind not in ("alight", "stay"):
            if open_leg and minutes > best_minutes:
                best, best_minutes = line, minutes
            open_leg = False
        previous = kind
    if open_leg and minutes > best_minutes:
        best = line
    return best

"""Shortest paths on the compiled graph: backends, trees and itineraries.

Distances come from one of the :data:`~sim.backends.BACKENDS` (scipy's ``csgraph.dijkstra`` by
default, or igraph). Edge weights are whole seconds, so every path sum is exact and the
backends agree bit for bit. The path *chosen* among equally short ones is then fixed by
a rule that depends only on the distances, never on the backend: among the edges that
are tight (``d[u] + w == d[v]``), each node takes the predecessor with the fewest edges
from the origin, ties broken by the lowest edge index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, dijkstra

from sim.backends import BACKENDS
from sim.graph import COMPONENTS, Graph

__all__ = [
    "BACKENDS",
    "Leg",
    "PathTree",
    "all_pairs",
    "itinerary",
    "main_line",
    "node_distances",
    "shortest_path_tree",
    "station_to_station",
    "trip_terminals",
]


def node_distances(
    graph: Graph,
    backend: str = "scipy",
    sources: Sequence[int] | None = None,
    matrix: sp.csr_matrix | None = None,
) -> np.ndarray:
    """Shortest distances in seconds from each source to every node.

    Parameters
    ----------
    graph
        The compiled graph.
    backend
        ``"scipy"`` (default), ``"igraph"``, or ``"networkx"`` (slow; the test oracle).
    sources
        Node indices to start from; default every city's ``origin`` node.
    matrix
        ``graph.csr()``, when the caller already has it (asking for a few sources at a
        time); scipy only.

    Returns
    -------
    numpy.ndarray
        ``(len(sources), n_nodes)`` float64 seconds, ``inf`` where unreachable.
    """
    src = np.asarray(graph.origin_nodes if sources is None else sources, dtype=np.int64)
    if backend == "scipy":
        matrix = graph.csr() if matrix is None else matrix
        return np.atleast_2d(dijkstra(matrix, directed=True, indices=src))
    if backend == "igraph":
        return _igraph_distances(graph, src)
    if backend == "networkx":
        return _networkx_distances(graph, src)
    raise ValueError(f"unknown backend '{backend}' (valid: {', '.join(BACKENDS)})")


def _igraph_distances(graph: Graph, sources: np.ndarray) -> np.ndarray:
    import igraph as ig

    g = ig.Graph(n=graph.n_nodes, edges=np.column_stack([graph.tail, graph.head]).tolist(), directed=True)
    g.es["weight"] = graph.weight.tolist()
    result = g.distances(source=sources.tolist(), weights="weight", mode="out", algorithm="dijkstra")
    return np.array(result, dtype=np.float64)


def _networkx_distances(graph: Graph, sources: np.ndarray) -> np.ndarray:
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    for u, v, w in zip(graph.tail.tolist(), graph.head.tolist(), graph.weight.tolist(), strict=True):
        if not g.has_edge(u, v) or g[u][v]["weight"] > w:
            g.add_edge(u, v, weight=w)
    out = np.full((len(sources), graph.n_nodes), np.inf)
    for row, s in enumerate(sources.tolist()):
        for node, d in nx.single_source_dijkstra_path_length(g, s, weight="weight").items():
            out[row, node] = d
    return out


def all_pairs(graph: Graph, backend: str = "scipy") -> np.ndarray:
    """City-to-city door-to-door minutes, ``(n_cities, n_cities)``; ``inf`` if unreachable.

    The diagonal is 0 (a trip within a city is not modelled).
    """
    d = node_distances(graph, backend)[:, graph.dest_nodes] / 60.0
    np.fill_diagonal(d, 0.0)
    return d


@dataclass(frozen=True)
class PathTree:
    """Shortest-path tree from one origin.

    Attributes
    ----------
    source
        The origin node.
    distance
        Seconds to every node (``inf`` if unreachable).
    pred_edge
        The edge by which each node is reached on its chosen path (-1 at the source and
        at unreachable nodes).
    """

    source: int
    distance: np.ndarray
    pred_edge: np.ndarray
    graph: Graph = field(repr=False, compare=False)

    def edges_to(self, node: int) -> list[int]:
        """Edge indices of the chosen path from the source to ``node``, in order."""
        graph_edges: list[int] = []
        pred, tail = self.pred_edge, self.graph.tail
        while pred[node] >= 0:
            e = int(pred[node])
            graph_edges.append(e)
            node = int(tail[e])
        graph_edges.reverse()
        return graph_edges

    def components_to(self, node: int) -> np.ndarray:
        """Seconds of each component (:data:`~sim.graph.COMPONENTS`) along the path to ``node``."""
        edges = self.edges_to(node)
        if not edges:
            return np.zeros(len(COMPONENTS), dtype=np.int64)
        return self.graph.components[edges].sum(axis=0)

    @cached_property
    def components(self) -> np.ndarray:
        """``(n_nodes, 6)`` seconds of each component along the chosen path to every node.

        Computed for the whole tree at once by pointer jumping (``log2`` of the tree's
        depth vectorised steps); :meth:`components_to` is cheaper for a few nodes.
        """
        n = len(self.pred_edge)
        has = self.pred_edge >= 0
        edges = self.pred_edge[has]
        total = np.zeros((n, len(COMPONENTS)), dtype=np.int64)
        total[has] = self.graph.components[edges]
        up = np.arange(n)
        up[has] = self.graph.tail[edges]
        while True:
            above = up[up]
            if np.array_equal(above, up):
                return total
            total = total + np.where((up != np.arange(n))[:, None], total[up], 0)
            up = above


def shortest_path_tree(graph: Graph, source: int, distance: np.ndarray) -> PathTree:
    """Choose one shortest path to every node, by the backend-independent rule.

    Parameters
    ----------
    graph
        The compiled graph.
    source
        The origin node.
    distance
        Seconds from ``source`` to every node, from :func:`node_distances`.
    """
    n = graph.n_nodes
    reach_t = np.isfinite(distance[graph.tail])
    tight = reach_t & (distance[graph.tail] + graph.weight == distance[graph.head])
    idx = np.flatnonzero(tight)
    t, h = graph.tail[idx], graph.head[idx]
    tight_csr = sp.csr_matrix((np.ones(len(idx)), (t, h)), shape=(n, n))
    _, pred_node = breadth_first_order(tight_csr, source, directed=True, return_predecessors=True)
    # among tight edges pred_node[v] -> v, take the lowest index
    chosen = np.full(n, -1, dtype=np.int64)
    keep = pred_node[h] == t
    edges, heads = idx[keep], h[keep]  # edges ascending
    by_head = np.argsort(heads, kind="stable")
    _, first = np.unique(heads[by_head], return_index=True)
    lowest = by_head[first]
    chosen[heads[lowest]] = edges[lowest]
    return PathTree(source, distance, chosen, graph)


@dataclass(frozen=True)
class Leg:
    """One leg of an itinerary, as a traveller would read it.

    Attributes
    ----------
    kind
        ``access``, ``ride``, ``drive``, ``transfer`` or ``egress``.
    mode, line
        For rides and drives: the mode and line ("" otherwise).
    from_id, to_id
        City or terminal ids at both ends of the leg.
    minutes
        Total minutes of the leg.
    parts
        Minutes per component (:data:`~sim.graph.COMPONENTS`).
    default_speed
        Lines of the leg run at the mode's default speed because the data does not know
        theirs (:func:`sim.graph.runs_at_default_speed`), in the order ridden.
    """

    kind: str
    mode: str
    line: str
    from_id: str
    to_id: str
    minutes: float
    parts: dict[str, float]
    default_speed: tuple[str, ...] = ()


_LEG_OF_EDGE = {
    "access": "access",
    "road_access": "access",
    "board": "wait",
    "ride": "ride",
    "through": "ride",
    "stay": "ride",
    "alight": "ride",
    "egress": "egress",
    "road_egress": "egress",
    "change": "transfer",
    "interchange": "transfer",
    "road": "drive",
    "park_and_ride": "transfer",
    "drive_off": "transfer",
    "tt_board": "wait",
    "tt_alight": "egress",
}
_BOARDING = ("board", "tt_board")


def itinerary(graph: Graph, tree: PathTree, dest_node: int) -> list[Leg]:
    """Return the legs of the chosen path from the tree's source to ``dest_node``.

    Consecutive edges of one ride (along one line, on through a declared through
    service, and getting off) or of one drive are merged into one leg; the wait to board
    is its own leg, and the in-vehicle part of boarding (the start allowance) goes to the
    ride it starts. Zero-minute legs other than rides are left out.
    """
    edges = tree.edges_to(dest_node)
    if not edges:
        return []
    # the path's edges at once, as Python numbers: sums are the same as numpy's, in order
    rows: list[list[float]] = (graph.components[edges] / 60.0).tolist()
    tails: list[int] = graph.tail[edges].tolist()
    heads: list[int] = graph.head[edges].tolist()
    v_col = COMPONENTS.index("in_vehicle")
    legs: list[list] = []  # kind, mode, line, from, to, minutes, parts, lines at default speed
    flags = graph.edge_default_speed
    assumed: list[bool] = [False] * len(edges) if flags is None else flags[edges].tolist()
    previous = ""
    carried = 0.0
    for e, parts, u, v, default in zip(edges, rows, tails, heads, assumed, strict=True):
        edge_kind = graph.edge_kind[e]
        kind = _LEG_OF_EDGE[edge_kind]
        if edge_kind in _BOARDING:
            carried = parts[v_col]
            parts[v_col] = 0.0
        elif edge_kind == "ride" and previous in _BOARDING:
            parts[v_col] += carried
            carried = 0.0
        continues = bool(legs) and (
            (edge_kind == "ride" and previous in ("ride", "through", "stay"))
            or edge_kind in ("through", "stay", "alight")
            or (edge_kind == "road" and previous == "road" and legs[-1][2] == graph.edge_line[e])
        )
        if continues:
            leg = legs[-1]
            if edge_kind == "through":
                leg[2] = f"{leg[2]} > {graph.edge_line[e].split('>', 1)[1]}"
            leg[4] = graph.node_ref[v]
            leg[5] += sum(parts)
            leg[6] = [a + b for a, b in zip(leg[6], parts, strict=True)]
        elif edge_kind not in ("alight", "stay"):
            line = graph.edge_line[e] if kind in ("ride", "drive") else ""
            legs.append(
                [kind, graph.edge_mode[e], line, graph.node_ref[u], graph.node_ref[v], sum(parts), parts, []]
            )
        if default and graph.edge_line[e] not in legs[-1][7]:
            legs[-1][7].append(graph.edge_line[e])
        previous = edge_kind
    return [
        Leg(kind, mode, line, a, b, minutes, dict(zip(COMPONENTS, parts, strict=True)), tuple(default))
        for kind, mode, line, a, b, minutes, parts, default in legs
        if minutes > 0 or kind in ("ride", "drive")
    ]


def station_to_station(legs: list[Leg]) -> float:
    """Minutes from boarding the first service to leaving the last one.

    This is what a timetable quotes for a journey: in-vehicle time, plus any change of
    train on the way (its wait and penalty), but not access, processing, the first wait
    or egress.
    """
    rides = [k for k, leg in enumerate(legs) if leg.kind == "ride"]
    if not rides:
        return float("nan")
    return float(sum(leg.minutes for leg in legs[rides[0] : rides[-1] + 1]))


def trip_terminals(legs: list[Leg]) -> tuple[str, str]:
    """Return where an itinerary first boards and last alights: terminal ids, or "" for a drive.

    The ends of its first and last ride; a drive from centre to centre has none.
    """
    rides = [leg for leg in legs if leg.kind == "ride"]
    return (rides[0].from_id, rides[-1].to_id) if rides else ("", "")


def main_line(legs: list[Leg]) -> str:
    """Return the line (or road) on which the itinerary spends the most minutes ("" if none)."""
    best, best_minutes = "", -1.0
    for leg in legs:
        if leg.kind in ("ride", "drive") and leg.minutes > best_minutes:
            best, best_minutes = leg.line, leg.minutes
    return best

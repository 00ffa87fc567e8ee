"""Incremental all-pairs times for sets of added projects.

Adding a link can only shorten paths. Let K be the nodes that matter: every city's origin
and destination node, and the endpoints of the candidate projects' ride edges. With the
exact distance matrix D among K on the base graph (no candidate project), inserting a
project p whose edges join the nodes A_p ⊂ K is exact in one step:

    H  = closure over A_p of min(D[A_p, A_p], edges of p)     (Floyd–Warshall, |A_p|³)
    D' = min(D, D[:, A_p] ⊗ H ⊗ D[A_p, :])                     (min-plus products)

because a new shortest path leaves K's old paths only to run along p's edges, possibly
several times, between nodes of A_p. Walking the subsets depth first in increasing project
order, each subset costs the insertion of one project into its parent's matrix; the matrix
keeps only the rows and columns still needed below (cities, and the nodes of projects not
yet inserted). Edge weights are whole seconds, so every sum is exact and the result equals
a full recomputation bit for bit.

The same engine gives the timetable reading (station to station by scheduled services):
built with ``reading="timetable"`` it runs on :meth:`sim.graph.Graph.timetable_view`,
whose city nodes are the timetable origins and destinations and whose edges are those of
scheduled services only. A sweep runs one engine per reading over the same subsets; one
matrix could not hold both readings on a profile with roads without letting a timetable
trip drive between stations, and two matrices over 2n + P key nodes cost no more than
one over 4n + P (the min-plus cost grows with the square of the key nodes).

Only ride edges (and drive edges, for expressway projects) are switched by a project. A
project's other edges (boarding, alighting, access to a new station or entrance) are left
in the base graph: without the project's rides they
lead nowhere, so they change no distance. A project that would change an edge that
exists without it (the headway of a line it extends, say) cannot be swept this way and is
refused with a clear error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from sim.errors import InputError
from sim.graph import Graph, build_graph
from sim.modes import Profile
from sim.network import Network
from sim.parameters import Parameters
from sim.scenario import Scenario, apply_scenario

__all__ = ["READINGS", "IncrementalEngine", "minplus"]

READINGS = ("door_to_door", "timetable")

# the edges a project switches on: rides along its rail, water or air links, drives along
# its expressway links
_SWITCHED = ("ride", "road")


def minplus(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Min-plus product: ``out[i, j] = min_k left[i, k] + right[k, j]``."""
    out = np.full((left.shape[0], right.shape[1]), np.inf, dtype=left.dtype)
    for k in range(left.shape[1]):
        np.minimum(out, left[:, k, None] + right[None, k, :], out=out)
    return out


def _closure(h: np.ndarray) -> np.ndarray:
    """Floyd–Warshall on a small dense matrix (in place, returned)."""
    for k in range(h.shape[0]):
        np.minimum(h, h[:, k, None] + h[None, k, :], out=h)
    return h


def _edge_key(graph: Graph, e: int) -> tuple[str, ...]:
    """Name an edge by its end nodes (kind, city or terminal, line) and its own kind."""
    u, v = int(graph.tail[e]), int(graph.head[e])
    return (
        graph.node_kind[u],
        graph.node_ref[u],
        graph.node_line[u],
        graph.node_kind[v],
        graph.node_ref[v],
        graph.node_line[v],
        graph.edge_kind[e],
    )


@dataclass(frozen=True)
class _Project:
    name: str
    nodes: np.ndarray  # global node ids of A_p
    tails: np.ndarray  # positions in ``nodes``
    heads: np.ndarray
    weights: np.ndarray


class IncrementalEngine:
    """City-to-city times for any subset of candidate projects, without recomputation.

    Parameters
    ----------
    scenario
        The base scenario (its network is the base; candidates are added to it).
    full
        The full network data (every status), where the candidates' links are found.
    candidates
        Project ids, in the order of the bits of a subset mask (bit i = ``candidates[i]``).
    profile
        The profile swept.
    reading
        ``"door_to_door"`` (default) or ``"timetable"`` (station to station by scheduled
        services; see :meth:`sim.graph.Graph.timetable_view`).
    """

    def __init__(
        self,
        scenario: Scenario,
        full: Network,
        candidates: list[str],
        profile: Profile,
        reading: str = "door_to_door",
    ) -> None:
        if reading not in READINGS:
            raise ValueError(f"unknown reading '{reading}' (valid: {', '.join(READINGS)})")
        self.candidates = list(candidates)
        self.profile = profile
        self.reading = reading
        base_net = apply_scenario(scenario, full)
        union_net = apply_scenario(
            replace(scenario, add_projects=(*scenario.add_projects, *candidates)), full
        )
        already = {lk.project for lk in base_net.links if lk.project}
        for name in candidates:
            if name in already:
                raise InputError(
                    f"candidate project '{name}' is already in the base scenario",
                    scenario.file,
                    None,
                    "candidates",
                )
        self.base_network = base_net
        self.union_network = union_net
        graph = build_graph(union_net, profile, scenario.parameters)
        self._check_only_rides_change(base_net, graph, scenario.parameters)
        if reading == "timetable":
            graph = graph.timetable_view()
        self.graph = graph
        self.city_ids = graph.city_ids
        project_of = {name: i for i, name in enumerate(candidates)}
        edge_project = np.full(graph.n_edges, -1, dtype=np.int64)
        for e in np.flatnonzero(graph.edge_link >= 0):
            p = union_net.links[int(graph.edge_link[e])].project
            if graph.edge_kind[e] in _SWITCHED and p in project_of:
                edge_project[e] = project_of[p]
        base = edge_project < 0
        n = graph.n_nodes
        order = np.lexsort((graph.weight[base], graph.head[base], graph.tail[base]))
        t, h, w = graph.tail[base][order], graph.head[base][order], graph.weight[base][order]
        first = np.ones(len(t), dtype=bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        base_csr = sp.csr_matrix((w[first], (t[first], h[first])), shape=(n, n))

        self.projects: list[_Project] = []
        for i, name in enumerate(candidates):
            edges = np.flatnonzero(edge_project == i)
            if len(edges) == 0:
                raise InputError(
                    f"candidate project '{name}' adds no link to the {profile.name} profile",
                    scenario.file,
                    None,
                    "candidates",
                )
            nodes = np.unique(np.concatenate([graph.tail[edges], graph.head[edges]]))
            pos = {int(v): k for k, v in enumerate(nodes)}
            self.projects.append(
                _Project(
                    name,
                    nodes,
                    np.array([pos[int(graph.tail[e])] for e in edges]),
                    np.array([pos[int(graph.head[e])] for e in edges]),
                    graph.weight[edges].astype(np.float32),
                )
            )
        origins, dests = graph.origin_nodes, graph.dest_nodes
        key = np.unique(np.concatenate([origins, dests, *[p.nodes for p in self.projects]]))
        self.key = key
        self._key_pos = {int(v): k for k, v in enumerate(key)}
        # whole seconds below 2**24 are exact in float32, which halves the memory traffic
        self.base_distances = dijkstra(base_csr, directed=True, indices=key)[:, key].astype(np.float32)
        self._origin_pos = np.array([self._key_pos[int(v)] for v in origins])
        self._dest_pos = np.array([self._key_pos[int(v)] for v in dests])
        self._project_pos = [np.array([self._key_pos[int(v)] for v in p.nodes]) for p in self.projects]

    @staticmethod
    def _check_only_rides_change(base_net: Network, union_graph: Graph, parameters: Parameters) -> None:
        """Refuse candidates that change an edge of the base graph (e.g. a line's headway)."""
        base_graph = build_graph(base_net, union_graph.profile, parameters)
        index: dict[tuple[str, ...], set[float]] = {}
        for e in range(union_graph.n_edges):
            if union_graph.edge_kind[e] not in _SWITCHED:
                index.setdefault(_edge_key(union_graph, e), set()).add(float(union_graph.weight[e]))
        for e in range(base_graph.n_edges):
            if base_graph.edge_kind[e] in _SWITCHED:
                continue
            key = _edge_key(base_graph, e)
            if float(base_graph.weight[e]) not in index.get(key, set()):
                where = f"{key[1]} {key[2] or key[5]}".strip()
                raise InputError(
                    f"a candidate project changes the {key[6]} edge at {where} (e.g. a line's headway); "
                    "the incremental engine only adds links: give the project its own line name or the "
                    "same headway",
                    None,
                    None,
                    "candidates",
                )

    def _insert_local(self, distances: np.ndarray, a: np.ndarray, project: int) -> np.ndarray:
        """Insert a project whose nodes sit at local rows/columns ``a`` of ``distances``."""
        p = self.projects[project]
        h = distances[np.ix_(a, a)]
        np.minimum.at(h, (p.tails, p.heads), p.weights)
        _closure(h)
        through = minplus(minplus(distances[:, a], h), distances[a, :])
        return np.minimum(distances, through)

    def insert(self, distances: np.ndarray, positions: np.ndarray, project: int) -> np.ndarray:
        """Return ``distances`` with project ``project`` added.

        Parameters
        ----------
        distances
            Current matrix over the key nodes at ``positions`` (sorted indices into :attr:`key`).
        positions
            Which key nodes the matrix's rows and columns are.
        project
            Index of the candidate to insert; its nodes must all be in ``positions``.
        """
        return self._insert_local(distances, np.searchsorted(positions, self._project_pos[project]), project)

    def city_minutes(self, distances: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Return the (n_cities, n_cities) minutes of the engine's reading held in ``distances``."""
        o = np.searchsorted(positions, self._origin_pos)
        d = np.searchsorted(positions, self._dest_pos)
        out = distances[np.ix_(o, d)].astype(np.float64) / 60.0
        np.fill_diagonal(out, 0.0)
        return out

    def minutes_for(self, projects: list[int]) -> np.ndarray:
        """City minutes with the given candidates added (in any order)."""
        positions = np.arange(len(self.key))
        d = self.base_distances
        for p in sorted(projects):
            d = self.insert(d, positions, p)
        return self.city_minutes(d, positions)

    def walk(
        self, admissible: Callable[[int, int], bool] | None = None, prefix: int = 0, depth: int = 0
    ) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(mask, city_minutes)`` for every admissible subset, depth first.

        Parameters
        ----------
        admissible
            ``admissible(mask, newest)`` says whether a subset whose highest project is
            ``newest`` may be visited (and its supersets explored). Default: all.
        prefix, depth
            Walk only the subsets whose first ``depth`` bits equal those of ``prefix``
            (a chunk of the whole walk, for parallel and resumable sweeps).
        """
        k = len(self.projects)
        fixed = np.unique(np.concatenate([self._origin_pos, self._dest_pos]))
        levels = [
            np.unique(np.concatenate([fixed, *[self._project_pos[j] for j in range(i, k)]]))
            for i in range(k + 1)
        ]
        o_local = [np.searchsorted(pos, self._origin_pos) for pos in levels]
        d_local = [np.searchsorted(pos, self._dest_pos) for pos in levels]
        a_local = [
            {j: np.searchsorted(levels[i], self._project_pos[j]) for j in range(i, k)} for i in range(k + 1)
        ]
        keep_from = [[np.searchsorted(levels[i], levels[j + 1]) for j in range(k)] for i in range(k + 1)]

        def minutes(d: np.ndarray, level: int) -> np.ndarray:
            out = d[np.ix_(o_local[level], d_local[level])].astype(np.float64) / 60.0
            np.fill_diagonal(out, 0.0)
            return out

        def visit(d: np.ndarray, level: int, start: int, mask: int) -> Iterator[tuple[int, np.ndarray]]:
            yield mask, minutes(d, level)
            for j in range(start, k):
                child = mask | (1 << j)
                if admissible is not None and not admissible(child, j):
                    continue
                inserted = self._insert_local(d, a_local[level][j], j)
                keep = keep_from[level][j]
                yield from visit(inserted[np.ix_(keep, keep)], j + 1, j + 1, child)

        d = self.base_distances[np.ix_(levels[0], levels[0])]
        mask = 0
        for j in range(depth):
            if prefix >> j & 1:
                mask |= 1 << j
                if admissible is not None and not admissible(mask, j):
                    return
                d = self._insert_local(d, a_local[0][j], j)
        if depth:
            keep = np.searchsorted(levels[0], levels[depth])
            d = d[np.ix_(keep, keep)]
        yield from visit(d, depth, depth, mask)

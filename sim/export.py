"""Export the compiled graph to networkx (and from there to GraphML or any format it writes)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from sim.graph import COMPONENTS, Graph

__all__ = ["to_networkx", "write_graphml"]


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Return the graph as a networkx MultiDiGraph.

    Nodes are the integer indices of the graph, with attributes ``kind``, ``ref`` (city or
    terminal id) and ``line``. Edges keep their parallel copies and carry ``minutes``,
    one ``<component>_min`` attribute per time component, ``kind``, ``line`` and ``mode``.
    """
    g = nx.MultiDiGraph(profile=graph.profile.name)
    for n in range(graph.n_nodes):
        g.add_node(n, kind=graph.node_kind[n], ref=graph.node_ref[n], line=graph.node_line[n])
    for e in range(graph.n_edges):
        attrs = {f"{c}_min": float(graph.components[e, k]) / 60 for k, c in enumerate(COMPONENTS)}
        g.add_edge(
            int(graph.tail[e]),
            int(graph.head[e]),
            minutes=float(graph.weight[e]) / 60,
            kind=graph.edge_kind[e],
            line=graph.edge_line[e],
            mode=graph.edge_mode[e],
            **attrs,
        )
    return g


def write_graphml(graph: Graph, path: Path) -> None:
    """Write the graph as GraphML (readable by Gephi, yEd, networkx, igraph).

    The graph carries ``generator = "sim VERSION"``, by which a later export recognises a
    file it may replace (:func:`sim.output.written_by_sim`).
    """
    from sim import __version__

    g = to_networkx(graph)
    g.graph["generator"] = f"sim {__version__}"
    nx.write_graphml(g, path)

"""The compiled graph as networkx, GraphML or GEXF, with coordinates on its nodes."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx

from sim.generator import generator
from sim.graph import COMPONENTS, Graph
from sim.network import Network

__all__ = ["to_networkx", "write_gexf", "write_graphml"]


def to_networkx(graph: Graph, network: Network | None = None) -> nx.MultiDiGraph:
    """Return the graph as a networkx MultiDiGraph.

    Nodes are the integer indices of the graph, with attributes ``kind``, ``ref`` (city or
    terminal id) and ``line``; with ``network``, also ``lon`` and ``lat`` (WGS84 degrees:
    the city centre or the terminal; nodes whose place has no coordinates get none) and
    ``name`` (the place's Chinese name). Edges keep their parallel copies and carry
    ``minutes``, one ``<component>_min`` attribute per time component, ``kind``, ``line``
    and ``mode``.
    """
    from sim.geo.positions import positions

    where = positions(network) if network is not None else {}
    names = {}
    if network is not None:
        names = (
            {c.id: c.name_zh for c in network.cities}
            | {t.id: t.name_zh for t in network.terminals}
            | {n.id: n.name_zh for n in network.road_nodes}
        )
    g = nx.MultiDiGraph(profile=graph.profile.name)
    for n in range(graph.n_nodes):
        ref = graph.node_ref[n]
        attrs: dict[str, object] = {"kind": graph.node_kind[n], "ref": ref, "line": graph.node_line[n]}
        if ref in where:
            attrs["lon"], attrs["lat"] = where[ref]
        if ref in names:
            attrs["name"] = names[ref]
        g.add_node(n, **attrs)
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


def write_graphml(graph: Graph, path: Path, network: Network | None = None) -> None:
    """Write the graph as GraphML (Gephi, yEd, networkx, igraph); ``lon``/``lat`` on nodes.

    The graph attribute ``generator`` (``sim VERSION``) lets a later export recognise the
    file as one it may replace (:mod:`sim.generator`).
    """
    g = to_networkx(graph, network)
    g.graph["generator"] = generator()
    nx.write_graphml(g, path)


def write_gexf(graph: Graph, path: Path, network: Network | None = None) -> None:
    """Write the graph as GEXF 1.2 (Gephi): ``lon``/``lat`` attributes and viz positions.

    Gephi places nodes by their ``viz`` position: x is the longitude and y the latitude,
    so the layout opens as a map. The ``meta`` element's ``creator`` is ``sim VERSION``.
    """
    g = to_networkx(graph, network)
    for _, data in g.nodes(data=True):
        if "lon" in data:
            data["viz"] = {"position": {"x": data["lon"], "y": data["lat"], "z": 0.0}}
    text = "\n".join(nx.generate_gexf(g, version="1.2draft"))
    # sim's name as creator; no date of writing, so that the same inputs give the same bytes
    meta = f"<meta>\n    <creator>{generator()}</creator>"
    text, found = re.subn(r"<meta[^>]*>\s*<creator>[^<]*</creator>", meta, text, count=1)
    if not found:
        raise RuntimeError("networkx wrote GEXF without a creator element")  # pragma: no cover
    Path(path).write_text(f"<?xml version='1.0' encoding='utf-8'?>\n{text}\n", encoding="utf-8")

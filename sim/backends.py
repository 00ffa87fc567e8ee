"""The names of the shortest-path backends (:func:`sim.paths.node_distances` runs them).

Kept apart from :mod:`sim.paths` so that the command line can offer ``--backend``
without importing scipy: building the parser imports light modules only.
"""

from __future__ import annotations

__all__ = ["BACKENDS"]

BACKENDS = ("scipy", "igraph", "networkx")
"""scipy's ``csgraph.dijkstra`` (the default), igraph, networkx (slow; the test oracle)."""

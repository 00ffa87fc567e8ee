"""All-pairs door-to-door times per backend, measured side by side in one run.

Usage::

    python bench/allpairs.py [--repeat 5] [--profile rail] [--network DIR]

Prints, per backend, the best wall time of ``repeat`` runs of the all-pairs shortest
paths from every city on the bundled network (graph already compiled), and the ratio
to scipy; checks first that all backends return identical distances.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from sim.graph import build_graph
from sim.modes import PROFILES
from sim.paths import BACKENDS, node_distances
from sim.scenario import BUNDLED_NETWORK, apply_scenario, load_scenario


def best_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", default="passenger", choices=sorted(PROFILES))
    parser.add_argument("--network", default=str(BUNDLED_NETWORK))
    args = parser.parse_args()

    from pathlib import Path

    scenario = load_scenario("today", Path(args.network))
    net = apply_scenario(scenario)
    graph = build_graph(net, PROFILES[args.profile], scenario.parameters)
    t_build = best_time(lambda: build_graph(net, PROFILES[args.profile], scenario.parameters), args.repeat)
    ref = node_distances(graph, "scipy")
    agree = all(np.array_equal(ref, node_distances(graph, b)) for b in BACKENDS[1:])
    print(
        f"network: {len(net.cities)} cities, {len(net.links)} links; profile {args.profile}: "
        f"{graph.n_nodes} nodes, {graph.n_edges} edges; sources: {len(graph.origin_nodes)}"
    )
    print(f"graph build: {t_build * 1000:.1f} ms; backends agree exactly: {agree}")
    times = {}
    for backend in BACKENDS:
        repeat = 1 if backend == "networkx" else args.repeat
        times[backend] = best_time(lambda b=backend: node_distances(graph, b), repeat)
    print(f"{'backend':<10} {'all-pairs ms':>12} {'x scipy':>9}")
    for backend, t in times.items():
        print(f"{backend:<10} {t * 1000:>12.1f} {t / times['scipy']:>9.1f}")


if __name__ == "__main__":
    main()

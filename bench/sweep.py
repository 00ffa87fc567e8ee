"""Sweep throughput: the incremental engine against rebuild + scipy and networkx, in one run.

Usage::

    python bench/sweep.py [--scenarios 2000] [--sample 40] [--json]
    python bench/sweep.py --exhaustive 20      # every subset of 20 projects, timed, with memory

The same project subsets of the bundled planned rail projects are evaluated three ways:
the incremental engine (depth-first walk, one project insertion per subset), rebuilding the
graph and running scipy all-pairs per subset, and networkx per subset (on a sample). The
city-to-city minutes are checked to agree exactly before any ratio is printed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim.graph import build_graph
from sim.modes import PROFILES
from sim.network import load_network
from sim.paths import node_distances
from sim.scenario import apply_scenario, load_scenario
from sim.sweep.engine import IncrementalEngine


def full_minutes(scenario, network, names, backend):
    graph = build_graph(
        apply_scenario(replace(scenario, add_projects=tuple(names)), network),
        PROFILES["rail"],
        scenario.parameters,
    )
    d = node_distances(graph, backend)[:, graph.dest_nodes] / 60.0
    np.fill_diagonal(d, 0.0)
    return d


def compare_three(n: int, sample: int) -> dict:
    scenario = load_scenario("today")
    network = load_network(scenario.network_folder)
    candidates = sorted({lk.project for lk in network.links if lk.project and lk.status != "open"})
    engine = IncrementalEngine(scenario, network, candidates, PROFILES["rail"])
    t0 = time.perf_counter()
    walked = []
    for mask, minutes in engine.walk():
        walked.append((mask, minutes))
        if len(walked) >= n:
            break
    t_inc = time.perf_counter() - t0
    picks = walked[:: max(1, len(walked) // sample)][:sample]
    names = [[c for i, c in enumerate(candidates) if m >> i & 1] for m, _ in picks]
    t0 = time.perf_counter()
    rebuilt = [full_minutes(scenario, network, s, "scipy") for s in names]
    t_scipy = (time.perf_counter() - t0) / len(picks)
    t0 = time.perf_counter()
    nx_pick = picks[: max(3, sample // 8)]
    via_nx = [full_minutes(scenario, network, s, "networkx") for s in names[: len(nx_pick)]]
    t_nx = (time.perf_counter() - t0) / len(nx_pick)
    agree = all(np.array_equal(a, m) for a, (_, m) in zip(rebuilt, picks, strict=True)) and all(
        np.array_equal(a, m) for a, (_, m) in zip(via_nx, nx_pick, strict=True)
    )
    inc_rate = len(walked) / t_inc
    return {
        "projects": len(candidates),
        "scenarios": len(walked),
        "incremental_per_s": round(inc_rate, 1),
        "rebuild_scipy_per_s": round(1 / t_scipy, 2),
        "networkx_per_s": round(1 / t_nx, 3),
        "ratio_vs_rebuild": round(inc_rate * t_scipy, 1),
        "ratio_vs_networkx": round(inc_rate * t_nx, 1),
        "agree": bool(agree),
        "checked_rebuild": len(picks),
        "checked_networkx": len(nx_pick),
    }


def exhaustive(k: int, workers: int | None) -> dict:
    """Split multi-link planned projects into sections until there are k candidates; sweep all subsets."""
    import csv

    from sim.sweep.runner import run_sweep

    root = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix="sim-bench-"))
    shutil.copytree(root / "network", tmp / "network")
    path = tmp / "network" / "links_rail.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    seen: dict[str, int] = {}
    for r in rows:
        if r["status"] != "open" and r["project"]:
            seen[r["project"]] = seen.get(r["project"], 0) + 1
            r["project"] = f"{r['project']}_s{seen[r['project']]}"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    sections = sorted({r["project"] for r in rows if r["status"] != "open" and r["project"]})[:k]
    shutil.copy(root / "scenarios" / "targets.toml", tmp / "targets.toml")
    (tmp / "base.toml").write_text(
        f'year = 2025\nnetwork = "{(tmp / "network").as_posix()}"\ntargets = "targets.toml"\n',
        encoding="utf-8",
    )
    (tmp / "bench.toml").write_text(
        'name = "bench"\nbase = "base.toml"\nprofile = "rail"\n[projects]\n'
        f'mode = "all-subsets"\ncandidates = {json.dumps(sections)}\n',
        encoding="utf-8",
    )
    t0 = time.perf_counter()
    _, total = run_sweep(tmp / "bench.toml", tmp / "out", workers=workers, progress=True)
    seconds = time.perf_counter() - t0
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    shutil.rmtree(tmp)
    return {
        "projects": len(sections),
        "scenarios": total,
        "seconds": round(seconds, 1),
        "per_s": round(total / seconds),
        "peak_rss_mb_per_process": round(peak / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenarios", type=int, default=2000, help="subsets walked by the incremental engine"
    )
    parser.add_argument(
        "--sample", type=int, default=40, help="subsets recomputed with scipy (networkx: 1/8)"
    )
    parser.add_argument("--exhaustive", type=int, help="sweep every subset of this many projects instead")
    parser.add_argument("--workers", type=int, help="processes for --exhaustive (default: all cores)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = (
        exhaustive(args.exhaustive, args.workers)
        if args.exhaustive
        else compare_three(args.scenarios, args.sample)
    )
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:<22} {value}")


if __name__ == "__main__":
    main()

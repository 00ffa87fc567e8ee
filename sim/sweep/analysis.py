"""What a sweep's runs say: project values, smallest sets, build order, failures, odds.

Pure functions from the runs table (one row per scenario) to tables. Project sets are bit
masks over the sweep's project order (``sweep.json``).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.evaluate import Evaluation
from sim.paths import node_distances, shortest_path_tree
from sim.sweep.spec import NO_PROJECTS, SweepSpec

__all__ = [
    "build_order",
    "failure_table",
    "load_runs",
    "pass_counts",
    "project_values",
    "smallest_sets",
    "target_probability",
    "what_it_takes",
]

MAX_RAIL_KMH = 400.0  # the top of the hsr range checked by ``sim validate``
GAIN_METRICS = {"pairs_within_120": 1.0, "targets_met": 1.0, "weighted_avg_min": -1.0}


def load_runs(folder: Path) -> pd.DataFrame:
    """Read every part of ``runs.parquet`` into one table, in a fixed order."""
    parts = sorted(Path(folder).glob("part-*.parquet"))
    frames = [pd.read_parquet(p) for p in parts]
    if not frames:
        return pd.DataFrame()
    runs = pd.concat(frames, ignore_index=True)
    keys = [c for c in runs.columns if c.startswith("param:")] + ["failure", "mask"]
    return runs.sort_values(keys, kind="stable").reset_index(drop=True)


def _base_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """Rows of the base context: first parameter set, no failure, no error."""
    rows = runs[(runs["failure"] == "") & (runs["error"] == "")]
    for col in [c for c in runs.columns if c.startswith("param:")]:
        rows = rows[rows[col] == rows[col].iloc[0]]
    return rows


def _values(rows: pd.DataFrame, metric: str, k: int) -> np.ndarray:
    v = np.full(1 << k, np.nan)
    v[rows["mask"].to_numpy()] = rows[metric].to_numpy(dtype=float)
    return v


def _popcount(values: np.ndarray) -> np.ndarray:
    counts = np.zeros(values.shape, dtype=np.int64)
    v = values.copy()
    while np.any(v):
        counts += v & 1
        v >>= 1
    return counts


def _shapley(v: np.ndarray, players: list[int], extend: np.ndarray) -> dict[int, float]:
    """Exact Shapley values of ``players`` in the game ``v``.

    ``extend`` maps every mask to the observed mask whose value it takes.
    """
    n = len(players)
    everyone = sum(1 << q for q in players)
    masks = np.arange(len(extend), dtype=np.int64)
    inside = (masks & ~everyone) == 0
    size = _popcount(masks)
    weight = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)] + [0.0]
    )
    out = {}
    for p in players:
        sel = inside & ((masks >> p) & 1 == 0)
        m = masks[sel]
        gain = v[extend[m | (1 << p)]] - v[extend[m]]
        out[p] = float(np.sum(weight[size[sel]] * gain))
    return out


def project_values(runs: pd.DataFrame, spec: SweepSpec, order: list[str]) -> pd.DataFrame:
    """Each project's worth on each gain metric: alone, last (leave-one-out), and Shapley.

    Shapley values are exact over all subsets when the sweep is exhaustive. Alternatives
    (``excludes``) are valued in each "world" that keeps one of them (a column per world is
    not kept: a project's Shapley value is the mean over the worlds it belongs to). A
    branch without its trunk is worth what the set is worth without the branch.
    """
    rows = _base_rows(runs)
    k = len(order)
    masks = set(rows["mask"].tolist())
    out = []
    exhaustive = spec.project_mode == "all-subsets"
    # masks -> an observed mask: drop branches whose trunk is missing
    bit = {n: i for i, n in enumerate(order)}
    extend = np.arange(1 << k) if exhaustive and k <= 20 else None
    if extend is not None:
        for m in range(1 << k):
            reduced = m
            for name, needs in spec.requires.items():
                if reduced >> bit[name] & 1 and any(not reduced >> bit[r] & 1 for r in needs):
                    reduced &= ~(1 << bit[name])
            extend[m] = reduced
    groups = [[bit[n] for n in g] for g in spec.excludes]
    worlds = [list(choice) for choice in itertools.product(*groups)] if groups else [[]]
    for metric, sign in GAIN_METRICS.items():
        if metric not in rows:
            continue
        v = _values(rows, metric, k)
        full = sum(1 << i for i in range(k))
        shap: dict[int, list[float]] = {i: [] for i in range(k)}
        if extend is not None:
            for kept in worlds:
                dropped = {q for g in groups for q in g if q not in kept}
                players = [i for i in range(k) if i not in dropped]
                for p, value in _shapley(v, players, extend).items():
                    shap[p].append(value)
        for i, name in enumerate(order):
            alone = v[1 << i] - v[0] if (1 << i) in masks and 0 in masks else np.nan
            best_full = max((m for m in masks if m >> i & 1), key=lambda m: m.bit_count(), default=None)
            last = (
                v[best_full] - v[best_full & ~(1 << i)]
                if best_full is not None and (best_full & ~(1 << i)) in masks
                else np.nan
            )
            shapley = float(np.mean(shap[i])) if shap[i] else np.nan
            out.append(
                {
                    "project": name,
                    "metric": metric,
                    "alone": sign * alone,
                    "last": sign * last,
                    "shapley": sign * shapley,
                }
            )
        del full
    table = pd.DataFrame(out)
    return table.sort_values(["metric", "shapley", "alone"], ascending=[True, False, False], kind="stable")


def smallest_sets(runs: pd.DataFrame, n_targets: int) -> pd.DataFrame:
    """Return the smallest project sets that meet every target (or, if none does, the most).

    Targets are counted under their headline reading (``targets_met``); the counts under
    each reading for every target are shown beside (``targets_met:<reading>``).
    """
    rows = _base_rows(runs)
    best = int(rows["targets_met"].max())
    hits = rows[rows["targets_met"] == best]
    fewest = hits[hits["n_projects"] == hits["n_projects"].min()]
    readings = [c for c in ("targets_met:timetable", "targets_met:door_to_door") if c in fewest]
    columns = ["projects", "n_projects", "targets_met", *readings, "pairs_within_120", "weighted_avg_min"]
    out = fewest[columns].copy()
    out["projects"] = out["projects"].map(lambda p: " + ".join(p) if len(p) else NO_PROJECTS)
    out["meets_every_target"] = best == n_targets
    return out.sort_values(["pairs_within_120", "weighted_avg_min"], ascending=[False, True]).reset_index(
        drop=True
    )


def build_order(runs: pd.DataFrame, order: list[str], metric: str = "weighted_avg_min") -> pd.DataFrame:
    """Greedy order: at each step add the project with the largest gain on ``metric``.

    ``weighted_avg_min`` (default) is minimised, any other metric maximised; ties go to
    more city pairs within 2 hours.
    """
    rows = _base_rows(runs).set_index("mask")
    sign = -1.0 if metric == "weighted_avg_min" else 1.0
    mask, steps = 0, []
    remaining = list(range(len(order)))
    while remaining:
        options = [(i, mask | (1 << i)) for i in remaining if (mask | (1 << i)) in rows.index]
        if not options:
            break
        i, child = max(
            options, key=lambda o: (sign * rows.loc[o[1], metric], rows.loc[o[1], "pairs_within_120"])
        )
        steps.append(
            {
                "step": len(steps) + 1,
                "add": order[i],
                metric: rows.loc[child, metric],
                "gain": sign * (rows.loc[child, metric] - rows.loc[mask, metric]),
                "targets_met": rows.loc[child, "targets_met"],
                "pairs_within_120": rows.loc[child, "pairs_within_120"],
            }
        )
        mask = child
        remaining.remove(i)
    return pd.DataFrame(steps)


def failure_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per failure: the targets it breaks (pairs or cities lost) and the worst delay."""
    rows = runs[runs["error"] == ""]
    base = rows[rows["failure"] == ""]
    failed = rows[rows["failure"] != ""]
    if failed.empty or base.empty:
        return pd.DataFrame()
    passes = [c for c in runs.columns if c.startswith("pass_")]
    reference = base.iloc[0]
    out = []
    for _, r in failed.iterrows():
        broken = [f"{c[5:]} (-{int(reference[c] - r[c])})" for c in passes if r[c] < reference[c]]
        out.append(
            {
                "failure": r["failure"],
                "targets_broken": "; ".join(broken),
                "n_broken": len(broken),
                "max_delay_min": r.get("max_delay_min", np.nan),
                "pairs_disconnected": r.get("pairs_disconnected", 0),
                "pairs_within_120": r["pairs_within_120"],
            }
        )
    table = pd.DataFrame(out)
    return table.sort_values(["n_broken", "max_delay_min"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def pass_counts(runs: pd.DataFrame, checked: dict[str, int], headline: dict[str, str]) -> pd.DataFrame:
    """Per target and reading: pairs (or cities) passing in the base scenario, fewest and most.

    Parameters
    ----------
    runs
        The sweep's runs.
    checked
        Pass column suffix (``target:reading``, or ``target`` for coverage) -> pairs or
        cities checked (:meth:`sim.sweep.metrics.MetricSet.checked`).
    headline
        Target id -> the suffix of its headline column.

    Returns
    -------
    pandas.DataFrame
        One row per target and reading, the headline first: ``target``, ``reading``,
        ``headline``, ``checked``, ``base`` (the base scenario: no project added, no
        failure, the first parameter values), ``fewest``, ``most`` and ``scenarios_met``
        (scenarios in which every pair passes) over the error-free scenarios.
    """
    rows = runs[runs["error"] == ""]
    base = _base_rows(runs)
    if "mask" in base and (base["mask"] == 0).any():
        base = base[base["mask"] == 0]
    reference = base.iloc[0] if len(base) else None
    keys = sorted(checked, key=lambda k: (list(headline).index(k.partition(":")[0]), k != headline.get(k)))
    out = []
    for key in keys:
        col = f"pass_{key}"
        if col not in rows:
            continue
        target, _, reading = key.partition(":")
        n = checked[key]
        out.append(
            {
                "target": target,
                "reading": reading or "coverage",
                "headline": headline.get(target) == key,
                "checked": n,
                "base": None if reference is None else int(reference[col]),
                "fewest": int(rows[col].min()) if len(rows) else None,
                "most": int(rows[col].max()) if len(rows) else None,
                "scenarios_met": int((rows[col] == n).sum()),
            }
        )
    return pd.DataFrame(
        out,
        columns=["target", "reading", "headline", "checked", "base", "fewest", "most", "scenarios_met"],
    )


def target_probability(runs: pd.DataFrame, checked: dict[str, int]) -> pd.DataFrame:
    """Share of the sweep's scenarios (parameter values, draws) in which each target is met.

    ``checked`` maps a pass column's suffix (``target:reading`` for travel-time targets,
    ``target`` for coverage) to the pairs or cities it checks; one row per target and
    reading.
    """
    rows = runs[runs["error"] == ""]
    out = []
    for key, n in checked.items():
        col = f"pass_{key}"
        target, _, reading = key.partition(":")
        if col in rows:
            out.append(
                {
                    "target": target,
                    "reading": reading or "coverage",
                    "scenarios": len(rows),
                    "probability_met": float((rows[col] == n).mean()),
                    "mean_share_passing": float((rows[col] / n).mean()),
                }
            )
    return pd.DataFrame(out)


def what_it_takes(evaluation: Evaluation, profile: str) -> pd.DataFrame:
    """For each pair missing a travel-time target: the minutes to cut and the speed that would do it.

    Each target is read under its headline reading (``reading`` column): the itinerary is
    the station-to-station one for ``timetable``, the door-to-door one otherwise. The
    binding line is the line of the itinerary's longest ride. Its running time is
    ``km / (speed x speed_factor)``; cutting the gap from it alone needs the speed
    ``speed x running / (running - gap)``. When the gap is longer than the running time,
    or the speed needed is above 400 km/h, speed alone cannot close it: access, waits and
    changes must shrink too.
    """
    from sim.graph import link_minutes

    res = evaluation.results[profile]
    ids = res.graph.city_ids
    params = evaluation.scenario.parameters
    rows = []
    for tr in evaluation.targets:
        t = tr.target
        if t.kind != "travel_time" or t.profile != profile:
            continue
        reading = tr.headline.reading
        timetable = reading == "timetable"
        graph = res.graph.timetable_view() if timetable else res.graph
        minutes = res.timetable_minutes if timetable else res.minutes
        for c in tr.checks:
            if c.passed or c.minutes is None:
                continue
            i, j = ids.index(c.origin), ids.index(c.destination)
            if minutes[j, i] > minutes[i, j]:
                i, j = j, i
            tree = shortest_path_tree(
                graph,
                int(graph.origin_nodes[i]),
                node_distances(graph, sources=[int(graph.origin_nodes[i])])[0],
            )
            edges = tree.edges_to(int(graph.dest_nodes[j]))
            chain = res.timetable_main_line(i, j) if timetable else res.main_line(i, j)
            lines = set(chain.split(" > "))
            km = running = 0.0
            speeds = []
            for e in edges:
                if graph.edge_kind[e] == "ride" and graph.edge_line[e] in lines:
                    link = evaluation.network.links[int(graph.edge_link[e])]
                    km += link.km or 0.0
                    run = link_minutes(link, params) - params.stop_loss_min.get(link.mode.value, 0.0)
                    running += run
                    speeds.append(link.speed_kmh or params.default_speed_kmh.get(link.mode.value, np.nan))
            gap = float(c.gap_min or 0.0)
            speed = float(np.mean(speeds)) if speeds else float("nan")
            needed = speed * running / (running - gap) if running > gap else float("nan")
            rows.append(
                {
                    "target": t.id,
                    "reading": reading,
                    "origin": ids[i],
                    "destination": ids[j],
                    "minutes": round(c.minutes, 1),
                    "threshold_min": t.threshold_min,
                    "minutes_to_cut": round(gap, 1),
                    "binding_line": chain,
                    "line_km_on_trip": round(km, 1),
                    "line_running_min": round(running, 1),
                    "line_speed_kmh": round(speed),
                    "speed_needed_kmh": round(needed) if needed == needed else None,
                    "closable_by_speed_alone": bool(running > gap and needed <= MAX_RAIL_KMH),
                }
            )
    return pd.DataFrame(rows)

"""The analysis files of a sweep, written next to its runs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.network import load_network
from sim.output import write_json
from sim.results import save_figure
from sim.scenario import apply_scenario
from sim.sweep.analysis import (
    _base_rows,
    build_order,
    failure_table,
    load_runs,
    pass_counts,
    project_values,
    smallest_sets,
    target_probability,
    what_it_takes,
)
from sim.sweep.costs import (
    ProjectCost,
    cheapest_sets,
    cost_effectiveness,
    costs_of,
    pareto_frontier,
    set_costs,
)
from sim.sweep.metrics import MetricSet
from sim.sweep.spec import SweepSpec
from sim.targets import load_targets

__all__ = ["write_analyses"]


def _write_costs(
    spec: SweepSpec,
    runs: pd.DataFrame,
    order: list[str],
    values: pd.DataFrame,
    costs: dict[str, ProjectCost],
    metrics: MetricSet,
    out: Path,
    names: dict[str, str] | None = None,
) -> dict[str, object]:
    """Write ``project_costs.csv``, ``cheapest_sets.csv``, ``pareto.csv`` and the Pareto figure.

    Nothing is written when no candidate has a known cost (only what is known is said).
    """
    from sim.figures.costs import plot_pareto

    unpriced = [n for n in order if costs[n].cost_yi_yuan is None]
    if len(unpriced) == len(order):
        return {"costs": "no candidate project has a known cost (projects.csv): no cost analysis"}
    amounts = {n: c.cost_yi_yuan for n, c in costs.items()}
    _csv(cost_effectiveness(values, order, costs), out / "project_costs.csv")
    cheapest = cheapest_sets(runs, order, amounts, metrics.checked())
    _csv(cheapest, out / "cheapest_sets.csv")
    frontier = pareto_frontier(runs, order, amounts)
    _csv(frontier, out / "pareto.csv")
    rows = _base_rows(runs)
    cost, _, _ = set_costs(rows["mask"].to_numpy(), order, amounts)
    priced = rows.assign(cost_yi_yuan=cost).dropna(subset=["cost_yi_yuan"])
    save_figure(
        plot_pareto(
            priced,
            frontier,
            len(metrics.target_ids),
            f"{spec.name}: investment against targets met and against the average time",
            unpriced,
            names,
        ),
        out,
        "pareto",
    )
    every = cheapest[cheapest["target"] == "(every target)"].iloc[0]
    return {
        "projects_of_unknown_cost": unpriced,
        "cheapest_set_meeting_every_target": every["cheapest_projects"] or None,
        "cheapest_set_meeting_every_target_yi_yuan": (
            None if np.isnan(every["cheapest_cost_yi_yuan"]) else float(every["cheapest_cost_yi_yuan"])
        ),
    }


def _csv(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(path)


def write_analyses(spec: SweepSpec, out: Path) -> dict[str, object]:
    """Read ``out/runs.parquet`` and write the tables and pictures; return a summary."""
    from sim import figures

    manifest = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    order = manifest["order"]
    runs = load_runs(out / "runs.parquet")
    network = load_network(spec.base.network_folder)
    base_net = apply_scenario(spec.base, network)
    targets = load_targets(spec.base.targets_file, base_net) if spec.base.targets_file else []
    metrics = MetricSet(base_net, targets, spec.profile.name)
    summary: dict[str, object] = {
        "sweep": spec.name,
        "scenarios": len(runs),
        "errors": int((runs["error"] != "").sum()),
        "projects": order,
        "targets": metrics.target_ids,
        "headline_columns": {k: f"pass_{v}" for k, v in metrics.headline_columns().items()},
        "targets_not_swept": metrics.skipped,
        "readings": "pass_<target>:timetable (station to station) and pass_<target>:door_to_door per "
        "travel-time target; targets_met counts each target under its headline reading",
    }
    ok = runs[runs["error"] == ""]
    counts = pass_counts(runs, metrics.checked(), metrics.headline_columns())
    _csv(counts, out / "pass_counts.csv")
    summary["pass_counts"] = counts.to_dict(orient="records")
    from sim.naming import project_names

    names = project_names(network, order)
    if spec.project_mode is not None and len(ok):
        values = project_values(runs, spec, order)
        _csv(values, out / "project_values.csv")
        sets = smallest_sets(runs, len(metrics.target_ids))
        _csv(sets, out / "smallest_sets.csv")
        summary["best_targets_met"] = int(sets["targets_met"].iloc[0]) if len(sets) else None
        summary["smallest_set"] = sets["projects"].iloc[0] if len(sets) else None
        if spec.project_mode == "all-subsets":
            steps = build_order(runs, order)
            _csv(steps, out / "build_order.csv")
            if len(steps):
                save_figure(
                    figures.plot_build_order(
                        steps,
                        "weighted_avg_min",
                        f"{spec.name}: greedy build order (largest gain first)",
                        names,
                        _left_out(spec, order, list(steps["add"]), names),
                    ),
                    out,
                    "build_order",
                )
        save_figure(
            figures.plot_project_values(
                values, "weighted_avg_min", f"{spec.name}: value of each project (Shapley and alone)", names
            ),
            out,
            "project_values",
        )
        summary.update(_write_costs(spec, runs, order, values, costs_of(network, order), metrics, out, names))
    failures = failure_table(runs)
    if len(failures):
        _csv(failures, out / "failures.csv")
        links_of = {f.label: f.links for f in spec.failures(base_net)}
        delays: dict[tuple[str, str, str], float] = {}
        for label, delay, lost in zip(
            failures["failure"], failures["max_delay_min"], failures["pairs_disconnected"], strict=True
        ):
            worst = float("inf") if lost and lost > 0 else float(delay)
            for link in links_of.get(label, ()):
                delays[link] = max(delays.get(link, 0.0), worst)
        save_figure(
            figures.plot_failure_map(
                base_net, delays, f"{spec.name}: worst delay when one link or section fails"
            ),
            out,
            "failures",
        )
        summary["failures_breaking_a_target"] = int((failures["n_broken"] > 0).sum())
    if spec.parameter_grid or spec.failure_mode == "random":
        _csv(target_probability(runs, metrics.checked()), out / "target_probability.csv")
    from sim.evaluate import evaluate

    base_eval = evaluate(replace(spec.base, profiles=(spec.profile,)), network)
    _csv(what_it_takes(base_eval, spec.profile.name), out / "what_it_takes.csv")
    write_json(summary, out / "summary.json")
    return summary


def _left_out(spec: SweepSpec, order: list[str], added: list[str], names: dict[str, str]) -> dict[str, str]:
    """Projects the greedy order never adds, each with the reason a person can check."""
    out = {}
    for project in order:
        if project in added:
            continue
        rivals = [
            p for group in spec.excludes if project in group for p in group if p != project and p in added
        ]
        needs = [p for p in spec.requires.get(project, ()) if p not in added]
        if rivals:
            out[project] = "excludes " + ", ".join(names.get(p, p) for p in rivals) + ", added before it"
        elif needs:
            out[project] = "requires " + ", ".join(names.get(p, p) for p in needs)
        else:
            out[project] = "no admissible set adds it"
    return out

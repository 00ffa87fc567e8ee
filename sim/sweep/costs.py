"""What the projects cost and what the money buys: cheapest sets, Pareto frontiers, value per 亿元.

Every function takes the projects' investments as a mapping ``project id -> 亿元 or None``
(None: unknown). A set's cost is the sum of its projects' costs; a set holding a project of
unknown cost has an unknown cost, never a cost that counts the unknown as 0. Such sets are
kept apart and reported with what is known of them: the cost of their priced projects, a
lower bound, and which projects are unpriced. Costs are the published figures, each in
the prices of its own year (the year is reported beside each figure; they are not
deflated).

Sets are bit masks over the sweep's project order, as in :mod:`sim.sweep.analysis`; only
the base context is used (first parameter set, no failure, no error).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.network import Network
from sim.sweep.analysis import _base_rows
from sim.sweep.spec import NO_PROJECTS

__all__ = [
    "ProjectCost",
    "cheapest_sets",
    "cost_effectiveness",
    "costs_of",
    "pareto_frontier",
    "set_costs",
]

PER = 100.0  # value per 100 亿元


@dataclass(frozen=True)
class ProjectCost:
    """A project's investment as published.

    Attributes
    ----------
    cost_yi_yuan
        亿元 (100 million yuan), None when unknown.
    year
        Year of the figure (its prices), None when unknown.
    source
        Where the figure comes from.
    """

    cost_yi_yuan: float | None
    year: int | None = None
    source: str | None = None


def costs_of(network: Network, order: list[str]) -> dict[str, ProjectCost]:
    """Return each project's cost from ``network.projects`` (``projects.csv``); unknown if not listed."""
    by_id = network.project_by_id
    out = {}
    for name in order:
        p = by_id.get(name)
        out[name] = (
            ProjectCost(p.cost_yi_yuan, p.cost_year, p.cost_source) if p is not None else ProjectCost(None)
        )
    return out


def _prices(order: list[str], costs: Mapping[str, float | None]) -> tuple[np.ndarray, np.ndarray]:
    """Per project in ``order``: its cost (0 where unknown) and whether it is known."""
    known = np.array([costs.get(n) is not None for n in order], dtype=bool)
    price = np.array([float(costs.get(n) or 0.0) for n in order])
    return price, known


def set_costs(
    masks: np.ndarray, order: list[str], costs: Mapping[str, float | None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the cost of each project set.

    Parameters
    ----------
    masks
        Project sets as bit masks over ``order``.
    order
        Project ids, bit i = ``order[i]``.
    costs
        亿元 per project id; None (or absent) for unknown.

    Returns
    -------
    tuple of numpy.ndarray
        ``cost`` (亿元; NaN when a project of the set has no known cost), ``priced_part``
        (the sum of the known costs: the whole cost, or a lower bound) and ``unpriced``
        (number of projects of unknown cost in the set).
    """
    masks = np.asarray(masks, dtype=np.int64)
    price, known = _prices(order, costs)
    total = np.zeros(len(masks))
    unpriced = np.zeros(len(masks), dtype=np.int64)
    for i in range(len(order)):
        has = (masks >> i) & 1 == 1
        total += np.where(has, price[i], 0.0)
        unpriced += has & ~known[i]
    cost = np.where(unpriced == 0, total, np.nan)
    return np.round(cost, 6), np.round(total, 6), unpriced


def _names(mask: int, order: list[str]) -> list[str]:
    return [n for i, n in enumerate(order) if mask >> i & 1]


def _label(mask: int, order: list[str]) -> str:
    names = _names(mask, order)
    return " + ".join(names) if names else NO_PROJECTS


def _unpriced_label(mask: int, order: list[str], costs: Mapping[str, float | None]) -> str:
    return ", ".join(n for n in _names(mask, order) if costs.get(n) is None)


def _with_costs(runs: pd.DataFrame, order: list[str], costs: Mapping[str, float | None]) -> pd.DataFrame:
    rows = _base_rows(runs).copy()
    cost, priced, unpriced = set_costs(rows["mask"].to_numpy(), order, costs)
    rows["cost_yi_yuan"] = cost
    rows["priced_part_yi_yuan"] = priced
    rows["unpriced_projects"] = unpriced
    return rows.sort_values(["priced_part_yi_yuan", "n_projects", "mask"], kind="stable")


def cheapest_sets(
    runs: pd.DataFrame, order: list[str], costs: Mapping[str, float | None], checked: Mapping[str, int]
) -> pd.DataFrame:
    """Return the cheapest project set that meets each target, and every target together.

    Parameters
    ----------
    runs
        The sweep's runs (one row per project set and context).
    order
        Project ids in bit order.
    costs
        亿元 per project id, None for unknown.
    checked
        Pairs (or cities) each target checks: a set meets it when all pass.

    Returns
    -------
    pandas.DataFrame
        One row per target (then ``(every target)``): whether any admissible set meets it;
        the cheapest set of known cost that does, its cost and projects; how many sets
        meet it and how many of those have a project of unknown cost; and the cheapest
        such unpriced set whose priced part alone is below that cost (it might be cheaper:
        ``may_be_cheaper``, with its lower bound and its unpriced projects). When no set
        meets a target, the most pairs any set passes.
    """
    rows = _with_costs(runs, order, costs)
    goals = [(t, rows[f"pass_{t}"] == n, f"pass_{t}", n) for t, n in checked.items() if f"pass_{t}" in rows]
    goals.append(("(every target)", rows["targets_met"] == len(checked), "targets_met", len(checked)))
    out = []
    for target, meets, column, n in goals:
        hits = rows[meets]
        priced = hits[hits["unpriced_projects"] == 0]
        unpriced = hits[hits["unpriced_projects"] > 0]
        row: dict[str, object] = {
            "target": target,
            "met_by_some_set": bool(len(hits)),
            "best_passing": f"{int(rows[column].max())}/{n}",
            "sets_meeting": len(hits),
            "sets_meeting_with_unpriced_project": len(unpriced),
            "cheapest_cost_yi_yuan": np.nan,
            "cheapest_projects": "",
            "cheapest_n_projects": np.nan,
            "cheapest_weighted_avg_min": np.nan,
            "may_be_cheaper_projects": "",
            "may_be_cheaper_at_least_yi_yuan": np.nan,
            "may_be_cheaper_unpriced": "",
        }
        if len(priced):
            best = priced.sort_values(["cost_yi_yuan", "n_projects", "mask"], kind="stable").iloc[0]
            row.update(
                cheapest_cost_yi_yuan=float(best["cost_yi_yuan"]),
                cheapest_projects=_label(int(best["mask"]), order),
                cheapest_n_projects=int(best["n_projects"]),
                cheapest_weighted_avg_min=float(best["weighted_avg_min"]),
            )
        bar = row["cheapest_cost_yi_yuan"] if len(priced) else np.inf
        rival = unpriced[unpriced["priced_part_yi_yuan"] < bar]
        if len(rival):
            r = rival.iloc[0]  # rows are sorted by priced part, then size
            row.update(
                may_be_cheaper_projects=_label(int(r["mask"]), order),
                may_be_cheaper_at_least_yi_yuan=float(r["priced_part_yi_yuan"]),
                may_be_cheaper_unpriced=_unpriced_label(int(r["mask"]), order, costs),
            )
        out.append(row)
    return pd.DataFrame(out)


def _frontier(cost: np.ndarray, value: np.ndarray, maximise: bool) -> np.ndarray:
    """Return the indices of the sets no other set beats (as cheap or cheaper, and better)."""
    score = value if maximise else -value
    order = np.lexsort((-score, cost))  # by cost, then best score first
    keep, best = [], -np.inf
    for k in order.tolist():
        if score[k] > best:
            keep.append(k)
            best = score[k]
    return np.array(keep, dtype=np.int64)


FRONTIERS = (("targets_met", True), ("weighted_avg_min", False))


def pareto_frontier(runs: pd.DataFrame, order: list[str], costs: Mapping[str, float | None]) -> pd.DataFrame:
    """Return the Pareto frontiers of cost against targets met and against the average time.

    A set is on the frontier of a metric when no other set is as cheap or cheaper and
    better on it (at equal cost and equal value, the one with fewer projects stays).
    Frontiers are drawn over the sets of known cost (``cost_status = "priced"``). A set
    with a project of unknown cost cannot be placed; it is listed (``"at least"``, with the
    cost of its priced projects as ``cost_yi_yuan`` and its unpriced projects) when even
    that lower bound would put it on the frontier.

    Returns
    -------
    pandas.DataFrame
        ``frontier`` (the metric), ``cost_status``, ``cost_yi_yuan``, the metric columns,
        ``n_projects``, ``projects``, ``unpriced``, ``mask``; by frontier, then cost.
    """
    rows = _with_costs(runs, order, costs)
    priced = rows[rows["unpriced_projects"] == 0].sort_values(["cost_yi_yuan", "n_projects", "mask"])
    unpriced = rows[rows["unpriced_projects"] > 0]
    out = []
    columns = ["targets_met", "weighted_avg_min", "pairs_within_120", "n_projects", "mask"]
    for metric, maximise in FRONTIERS:
        if metric not in rows or (priced.empty and unpriced.empty):
            continue
        front = priced.iloc[_frontier(priced["cost_yi_yuan"].to_numpy(), priced[metric].to_numpy(), maximise)]
        for _, r in front.iterrows():
            out.append(
                {"frontier": metric, "cost_status": "priced", "cost_yi_yuan": r["cost_yi_yuan"]}
                | {c: r[c] for c in columns}
                | {"projects": _label(int(r["mask"]), order), "unpriced": ""}
            )
        if unpriced.empty:
            continue
        lower = unpriced.iloc[
            _frontier(unpriced["priced_part_yi_yuan"].to_numpy(), unpriced[metric].to_numpy(), maximise)
        ]
        for _, r in lower.iterrows():
            # would the lower bound beat every priced set? (no priced set as cheap and as good)
            cheaper = front[front["cost_yi_yuan"] <= r["priced_part_yi_yuan"]]
            better = cheaper[metric] >= r[metric] if maximise else cheaper[metric] <= r[metric]
            if len(cheaper) and better.any():
                continue
            out.append(
                {"frontier": metric, "cost_status": "at least", "cost_yi_yuan": r["priced_part_yi_yuan"]}
                | {c: r[c] for c in columns}
                | {
                    "projects": _label(int(r["mask"]), order),
                    "unpriced": _unpriced_label(int(r["mask"]), order, costs),
                }
            )
    table = pd.DataFrame(out)
    if table.empty:
        return table
    table["frontier_order"] = table["frontier"].map({m: k for k, (m, _) in enumerate(FRONTIERS)})
    table = table.sort_values(["frontier_order", "cost_yi_yuan", "cost_status", "mask"], kind="stable")
    return table.drop(columns="frontier_order").reset_index(drop=True)


def cost_effectiveness(
    values: pd.DataFrame, order: list[str], costs: Mapping[str, ProjectCost]
) -> pd.DataFrame:
    """Minutes saved (and pairs brought within 2 hours) per 100 亿元, for each project.

    Parameters
    ----------
    values
        :func:`sim.sweep.analysis.project_values` (gains: alone, last, Shapley).
    order
        Project ids.
    costs
        Cost, year and source per project.

    Returns
    -------
    pandas.DataFrame
        One row per project: its cost, the year and source of the figure; minutes saved on
        the population-weighted average door-to-door time alone and as Shapley value, and
        each per 100 亿元; the same for city pairs within 2 hours. Unknown cost: the
        ratios are empty and ``cost_status`` says so. Sorted by minutes per 100 亿元
        (Shapley, else alone), unknown costs last.
    """
    out = []
    for name in order:
        c = costs.get(name, ProjectCost(None))
        row: dict[str, object] = {
            "project": name,
            "cost_yi_yuan": c.cost_yi_yuan,
            "cost_year": c.year,
            "cost_status": "priced" if c.cost_yi_yuan is not None else "unknown cost",
            "cost_source": c.source or "",
        }
        for metric, short in (("weighted_avg_min", "minutes_saved"), ("pairs_within_120", "pairs_within_2h")):
            got = values[(values["project"] == name) & (values["metric"] == metric)]
            for kind in ("alone", "shapley"):
                gain = float(got[kind].iloc[0]) if len(got) else np.nan
                row[f"{short}_{kind}"] = round(gain, 3) + 0.0 if np.isfinite(gain) else np.nan  # no -0.0
                per = gain / c.cost_yi_yuan * PER if c.cost_yi_yuan and np.isfinite(gain) else np.nan
                row[f"{short}_per_100_yi_{kind}"] = round(per, 4) + 0.0 if np.isfinite(per) else np.nan
        out.append(row)
    table = pd.DataFrame(out)
    key = table["minutes_saved_per_100_yi_shapley"].fillna(table["minutes_saved_per_100_yi_alone"])
    table["_key"] = key.fillna(-np.inf)
    table = table.sort_values(["_key", "project"], ascending=[False, True], kind="stable")
    return table.drop(columns="_key").reset_index(drop=True)

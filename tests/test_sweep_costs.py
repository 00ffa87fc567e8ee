"""Costs in sweeps, on a hand-made sweep of three projects whose answers are worked out by hand.

Projects: A 100 亿元, B 50 亿元, C cost unknown. Two targets: t1 checks 2 pairs, t2 one.

    mask  set   t1  t2  targets  avg min  pairs<2h   cost   priced part
    0     -     0   0   0        200      10         0      0
    1     A     2   0   1        180      14         100    100
    2     B     1   0   0        190      12         50     50
    3     AB    2   1   2        170      18         150    150
    4     C     2   0   1        185      13         ?      0
    5     AC    2   0   1        175      15         ?      100
    6     BC    2   1   2        172      17         ?      50
    7     ABC   2   1   2        165      20         ?      150
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.sweep.costs import ProjectCost, cheapest_sets, cost_effectiveness, pareto_frontier, set_costs

ORDER = ["A", "B", "C"]
COSTS = {"A": 100.0, "B": 50.0, "C": None}
CHECKED = {"t1": 2, "t2": 1}


@pytest.fixture
def runs() -> pd.DataFrame:
    table = [
        (0, 0, 0, 0, 200, 10),
        (1, 2, 0, 1, 180, 14),
        (2, 1, 0, 0, 190, 12),
        (3, 2, 1, 2, 170, 18),
        (4, 2, 0, 1, 185, 13),
        (5, 2, 0, 1, 175, 15),
        (6, 2, 1, 2, 172, 17),
        (7, 2, 1, 2, 165, 20),
    ]
    rows = pd.DataFrame(
        table, columns=["mask", "pass_t1", "pass_t2", "targets_met", "weighted_avg_min", "pairs_within_120"]
    )
    rows["n_projects"] = [bin(m).count("1") for m in rows["mask"]]
    rows["projects"] = [[n for i, n in enumerate(ORDER) if m >> i & 1] for m in rows["mask"]]
    rows["failure"] = ""
    rows["error"] = ""
    # a failed context and an error row: neither may be used
    noise = rows.iloc[[0, 1]].copy()
    noise["failure"] = ["link x", ""]
    noise["error"] = ["", "boom"]
    noise["weighted_avg_min"] = 1.0
    return pd.concat([rows, noise], ignore_index=True)


def test_a_set_with_an_unpriced_project_has_no_cost():
    cost, priced, unpriced = set_costs(np.arange(8), ORDER, COSTS)
    assert cost[:4].tolist() == [0, 100, 50, 150]
    assert np.isnan(cost[4:]).all()  # never priced at 0
    assert priced.tolist() == [0, 100, 50, 150, 0, 100, 50, 150]
    assert unpriced.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_cheapest_set_for_each_target(runs):
    table = cheapest_sets(runs, ORDER, COSTS, CHECKED).set_index("target")
    t1, t2, every = table.loc["t1"], table.loc["t2"], table.loc["(every target)"]
    assert (t1["cheapest_projects"], t1["cheapest_cost_yi_yuan"]) == ("A", 100)
    assert (t1["sets_meeting"], t1["sets_meeting_with_unpriced_project"]) == (6, 4)
    # C alone meets t1 and its known part is 0: it may be cheaper than A, and says why
    assert (t1["may_be_cheaper_projects"], t1["may_be_cheaper_at_least_yi_yuan"]) == ("C", 0)
    assert t1["may_be_cheaper_unpriced"] == "C"
    for row in (t2, every):
        assert (row["cheapest_projects"], row["cheapest_cost_yi_yuan"]) == ("A + B", 150)
        assert (row["may_be_cheaper_projects"], row["may_be_cheaper_at_least_yi_yuan"]) == ("B + C", 50)
    assert every["best_passing"] == "2/2"


def test_a_target_no_set_meets(runs):
    table = cheapest_sets(runs, ORDER, COSTS, {"t1": 2, "t2": 1, "t3": 4} | {}).set_index("target")
    assert "t3" not in table.index  # not swept: no pass column
    runs = runs.assign(pass_t3=1)
    table = cheapest_sets(runs, ORDER, COSTS, {"t1": 2, "t2": 1, "t3": 4}).set_index("target")
    assert not table.loc["t3", "met_by_some_set"] and table.loc["t3", "best_passing"] == "1/4"
    assert np.isnan(table.loc["t3", "cheapest_cost_yi_yuan"]) and table.loc["t3", "cheapest_projects"] == ""


def test_pareto_frontier_of_targets_met(runs):
    table = pareto_frontier(runs, ORDER, COSTS)
    front = table[table["frontier"] == "targets_met"]
    priced = front[front["cost_status"] == "priced"]
    # B (50, 0 targets) is beaten by doing nothing (0, 0 targets)
    assert list(zip(priced["projects"], priced["cost_yi_yuan"], priced["targets_met"], strict=True)) == [
        ("(none: the base network)", 0, 0),
        ("A", 100, 1),
        ("A + B", 150, 2),
    ]
    lower = front[front["cost_status"] == "at least"]
    assert list(zip(lower["projects"], lower["cost_yi_yuan"], lower["unpriced"], strict=True)) == [
        ("C", 0, "C"),
        ("B + C", 50, "C"),
    ]


def test_pareto_frontier_of_average_time(runs):
    table = pareto_frontier(runs, ORDER, COSTS)
    front = table[table["frontier"] == "weighted_avg_min"]
    priced = front[front["cost_status"] == "priced"]
    assert priced["projects"].tolist() == ["(none: the base network)", "B", "A", "A + B"]
    assert priced["weighted_avg_min"].tolist() == [200, 190, 180, 170]
    lower = front[front["cost_status"] == "at least"]
    # A + C (at least 100, 175 min) is beaten by B + C (at least 50, 172 min)
    assert lower["projects"].tolist() == ["C", "B + C", "A + B + C"]


def test_an_unpriced_set_beaten_even_at_its_lower_bound_is_left_out(runs):
    # make B cost 0: (B, 0 亿元, 190 min) then beats C's lower bound (0, 185)? no: 190 > 185;
    # make the empty set 180 min instead: it beats C (at least 0, 185 min)
    runs = runs.copy()
    runs.loc[runs["mask"] == 0, "weighted_avg_min"] = 180.0
    table = pareto_frontier(runs, ORDER, COSTS)
    lower = table[(table["frontier"] == "weighted_avg_min") & (table["cost_status"] == "at least")]
    assert "C" not in lower["projects"].tolist()


def test_minutes_saved_per_100_yi_yuan():
    values = pd.DataFrame(
        [
            ("A", "weighted_avg_min", 20.0, 5.0, 17.5),
            ("B", "weighted_avg_min", 10.0, 5.0, 7.5),
            ("C", "weighted_avg_min", 15.0, 5.0, 12.0),
            ("A", "pairs_within_120", 4.0, 2.0, 3.0),
            ("B", "pairs_within_120", 2.0, 1.0, 1.0),
            ("C", "pairs_within_120", 3.0, 1.0, 2.0),
        ],
        columns=["project", "metric", "alone", "last", "shapley"],
    )
    costs = {
        "A": ProjectCost(100.0, 2015, "test"),
        "B": ProjectCost(50.0, 2020, "test"),
        "C": ProjectCost(None),
    }
    table = cost_effectiveness(values, ORDER, costs).set_index("project")
    assert list(table.index) == ["A", "B", "C"]  # 17.5 and 15 minutes per 100 亿元, then unknown
    assert table.loc["A", "minutes_saved_per_100_yi_shapley"] == pytest.approx(17.5)
    assert table.loc["B", "minutes_saved_per_100_yi_shapley"] == pytest.approx(7.5 / 50 * 100)
    assert table.loc["B", "minutes_saved_per_100_yi_alone"] == pytest.approx(20.0)
    assert table.loc["B", "pairs_within_2h_per_100_yi_alone"] == pytest.approx(4.0)
    assert table.loc["C", "cost_status"] == "unknown cost"
    assert np.isnan(table.loc["C", "minutes_saved_per_100_yi_shapley"])
    assert table.loc["C", "minutes_saved_shapley"] == pytest.approx(12.0)  # the gain is still shown
    assert table.loc["B", "cost_year"] == 2020


class _Metrics:
    target_ids = ("t1", "t2")

    @staticmethod
    def checked():
        return dict(CHECKED)


def test_sweep_writes_the_cost_tables_and_picture(runs, tmp_path):
    from types import SimpleNamespace

    from sim.sweep.outputs import _write_costs

    values = pd.DataFrame(
        [(n, m, 1.0, 1.0, 1.0) for n in ORDER for m in ("weighted_avg_min", "pairs_within_120")],
        columns=["project", "metric", "alone", "last", "shapley"],
    )
    costs = {n: ProjectCost(c, 2020 if c else None, "test" if c else None) for n, c in COSTS.items()}
    summary = _write_costs(SimpleNamespace(name="hand"), runs, ORDER, values, costs, _Metrics(), tmp_path)
    for name in ("project_costs.csv", "cheapest_sets.csv", "pareto.csv", "pareto.png", "pareto.svg"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert summary["projects_of_unknown_cost"] == ["C"]
    assert summary["cheapest_set_meeting_every_target"] == "A + B"
    assert summary["cheapest_set_meeting_every_target_yi_yuan"] == 150
    # no known cost at all: nothing is priced, nothing is written
    none = {n: ProjectCost(None) for n in ORDER}
    empty = tmp_path / "none"
    empty.mkdir()
    summary = _write_costs(SimpleNamespace(name="hand"), runs, ORDER, values, none, _Metrics(), empty)
    assert "no candidate project has a known cost" in summary["costs"]
    assert list(empty.iterdir()) == []


def test_costs_come_from_the_projects_table(tmp_path):
    import shutil

    from sim.network import load_network
    from sim.sweep.costs import costs_of
    from tests.conftest import TINY

    net = tmp_path / "net"
    shutil.copytree(TINY, net)
    (net / "projects.csv").write_text(
        "id,name_zh,name_en,plan,cost_yi_yuan,cost_year,cost_source,source\n"
        "newline,新线,New line,,123.4,2021,approval (test),test\n",
        encoding="utf-8",
    )
    costs = costs_of(load_network(net), ["newline", "not_in_the_table"])
    assert costs["newline"] == ProjectCost(123.4, 2021, "approval (test)")
    assert costs["not_in_the_table"] == ProjectCost(None)

"""The workbench's engine: masked union graphs against full rebuilds, hand calculations,
validation of every parameter, and saved scenarios that the CLI runs."""

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from conftest import TINY, with_hand_parameters

from sim.cli import main as cli_main
from sim.errors import InputError
from sim.evaluate import evaluate
from sim.geo import isochrones
from sim.graph import build_graph, timetable_terminal
from sim.modes import PROFILES
from sim.output import MARKER, marker_text
from sim.scenario import BUNDLED_NETWORK, BUNDLED_SCENARIOS, apply_scenario, load_scenario
from sim.serve.save import save_scenario
from sim.serve.verdicts import page_status, verdict_record
from sim.serve.workbench import State, Workbench


@pytest.fixture(scope="module")
def wb() -> Workbench:
    return Workbench()


def _equivalent(wb: Workbench, state: State):
    """The scenario the CLI would run for ``state`` (projects and cuts as scenario keys)."""
    s = wb.catalogue.scenarios[state.scenario]
    mods = tuple(
        ({"type": "remove_link", "line": line, "from": a, "to": b}, None, None)
        for line, a, b in sorted(state.cuts)
    )
    return replace(
        s,
        year=state.year,
        include_expected=s.include_expected or state.year > wb.data_end,
        add_projects=(*s.add_projects, *sorted(state.add)),
        drop_projects=(*s.drop_projects, *sorted(state.drop)),
        modifications=s.modifications + mods,
    )


STATES = [
    {"scenario": "today"},
    {"scenario": "today", "add": "changjiu_hsr,wuxianchang_hsr,changsha_ganzhou_hsr"},
    # 武广 carries the 10-minute headway of 京广 at 武汉 and 长沙南: dropping it re-weights boarding
    {"scenario": "today", "drop": "wuguang_hsr"},
    {"scenario": "today", "year": "2015"},
    {"scenario": "today", "year": "2031", "add": "yanjiang_hewu"},
    {"scenario": "vision-2035", "drop": "wuxianyi_hsr"},
    {"scenario": "today", "cut": "京广高铁:st_wuhan-st_xianningbei,京广高铁:st_chibibei-st_xianningbei"},
]


@pytest.mark.parametrize("query", STATES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_every_verdict_equals_sim_runs_for_the_same_state(wb, query):
    """One set of rules (sim.verdicts): readings, headline, close calls, due years, coverage,
    length, binding lines: the workbench's TargetResult is sim run's, field for field."""
    state = wb.parse_state(query)
    mine = {tr.target.id: tr for tr in wb.solve(state).targets}
    oracle = evaluate(_equivalent(wb, state), wb.full)
    assert oracle.model_error is not None and wb.model_error == oracle.model_error
    assert list(mine) == [tr.target.id for tr in oracle.targets]
    for tr in oracle.targets:
        expected, got = tr.as_dict(), mine[tr.target.id].as_dict()
        expected.pop("by_year", None)  # sim run's length by year: the history, not this state's verdict
        got.pop("by_year", None)
        assert got == expected, tr.target.id
        assert verdict_record(mine[tr.target.id])["status"] == page_status(tr)


@pytest.mark.parametrize("query", STATES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_masked_graph_equals_a_full_rebuild(wb, query):
    """Every profile's minutes under both readings, and the itinerary of every pair a target
    checks, as sim.evaluate computes them on the state's own graph."""
    state = wb.parse_state(query)
    result = wb.solve(state)
    ev = evaluate(_equivalent(wb, state), wb.full)
    checked = 0
    for name, times in result.times.items():
        full = ev.results[name]
        rows = ~np.isnan(times.door_to_door[:, 0])  # the rows this profile solves
        assert rows.sum() >= (len(wb.city_ids) if name == "rail" else 3)
        np.testing.assert_array_equal(times.door_to_door[rows], full.minutes[rows])
        np.testing.assert_array_equal(times.timetable[rows], full.timetable_minutes[rows])
        asks = [
            (int(i), j, reading)
            for i in np.flatnonzero(rows)
            for j in range(0, len(wb.city_ids), 7)
            for reading in ("door_to_door", "timetable")
        ]
        for (i, j, reading), legs in zip(asks, times.legs(asks), strict=True):
            expected = (full.legs if reading == "door_to_door" else full.timetable_legs)[i][j]
            assert legs == expected, (name, wb.city_ids[i], wb.city_ids[j], reading)
            checked += 1
    assert checked > 500


def _timetable_oracle(network, profile, a: str, b: str) -> float:
    """networkx on a fresh graph: boarding any line at a's own stations, leaving at b's."""
    parameters = load_scenario("today").parameters
    g = build_graph(network, PROFILES[profile], parameters)
    city = {t.id: t.city for t in network.terminals}
    nxg = nx.DiGraph()
    for e in range(g.n_edges):
        u, v, w = int(g.tail[e]), int(g.head[e]), float(g.weight[e])
        if not nxg.has_edge(u, v) or nxg[u][v]["weight"] > w:
            nxg.add_edge(u, v, weight=w)
    own = {t.id for t in network.terminals if timetable_terminal(t, network, parameters)}
    for e in range(g.n_edges):
        u = int(g.tail[e])
        ref = g.node_ref[u]
        if g.edge_kind[e] == "board" and g.node_kind[u] == "dep" and city[ref] == a and ref in own:
            nxg.add_edge("S", int(g.head[e]), weight=float(g.components[e, 3]))
    for v in range(g.n_nodes):
        if g.node_kind[v] == "arr" and city[g.node_ref[v]] == b and g.node_ref[v] in own:
            nxg.add_edge(v, "T", weight=0.0)
    try:
        return nx.shortest_path_length(nxg, "S", "T", weight="weight") / 60.0
    except nx.NetworkXNoPath:
        return float("inf")


@pytest.mark.parametrize("query", STATES[:4], ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_timetable_reading_equals_networkx(wb, query):
    state = wb.parse_state(query)
    result = wb.solve(state)
    network = apply_scenario(_equivalent(wb, state), wb.full)
    tt = result.times["rail"].timetable
    for a, b in [
        ("wuhan", "changsha"),
        ("wuhan", "nanchang"),
        ("changsha", "nanchang"),
        ("yichang", "jiujiang"),
    ]:
        i, j = wb.city_index[a], wb.city_index[b]
        assert tt[i, j] == pytest.approx(_timetable_oracle(network, "rail", a, b), abs=1e-9)


@pytest.fixture
def tiny_wb(tmp_path) -> Workbench:
    """The tiny network with one scenario and one target, on the hand-calculation parameters."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "targets.toml").write_text(
        '[[target]]\nid = "aa-cc-1h"\ntitle = "aa to cc within an hour"\nsource = "test"\ndue_year = 2020\n'
        'headline = "timetable"\nheadline_reason = "as a timetable states it"\n'
        'kind = "travel_time"\nprofile = "rail"\nthreshold_min = 60\n'
        'pairs = [{ from = ["aa"], to = ["cc"] }]\n',
        encoding="utf-8",
    )
    (folder / "base.toml").write_text(
        with_hand_parameters('name = "base"\nyear = 2025\nprofiles = ["rail"]\ntargets = "targets.toml"\n'),
        encoding="utf-8",
    )
    return Workbench(TINY, folder)


def test_timetable_by_hand_on_the_tiny_network(tiny_wb):
    # aa-bb: L1 300 km at 300 km/h = 60 min + 2 min stop loss = 62 (start-stop 0)
    # aa-cc: L3 240 km at 120 = 120 + 3 = 123 beats L1 + change + L2 (62 + 30 wait + penalty + 32);
    # with the planned L4 (project newline): 200 km at 300 = 40 + 2 = 42
    i, j, k = (tiny_wb.city_index[c] for c in ("aa", "bb", "cc"))
    r = tiny_wb.solve(tiny_wb.parse_state({"scenario": "base"}))
    assert r.times["rail"].timetable[i, j] == pytest.approx(62.0)
    assert r.times["rail"].timetable[i, k] == pytest.approx(123.0)
    assert r.verdicts[0]["headline"] == "timetable" and r.verdicts[0]["status"] == "not_met"
    r = tiny_wb.solve(tiny_wb.parse_state({"scenario": "base", "add": "newline"}))
    assert r.times["rail"].timetable[i, k] == pytest.approx(42.0)
    assert r.verdicts[0]["status"] == "met"
    assert r.verdicts[0]["pairs"][0]["cells"]["timetable"]["minutes"] == pytest.approx(42.0)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"scenario": "nowhere"}, "unknown scenario"),
        ({"scenario": "../../etc/passwd"}, "unknown scenario"),
        ({"year": "1999"}, "outside"),
        ({"year": "20x5"}, "whole number"),
        ({"year": "2040"}, "outside"),
        ({"add": "no_such_project"}, "unknown project"),
        ({"drop": "<script>"}, "unknown project"),
        ({"add": "changjiu_hsr", "drop": "changjiu_hsr"}, "both added and dropped"),
        ({"cut": "京广高铁:st_wuhan-nowhere"}, "no link"),
        ({"cut": "garbage"}, "no link"),
        ({"add": "wuxianyi_hsr,wuxianchang_hsr"}, "excludes"),
        ({"scenario": "vision-2035", "add": "wuxianyi_hsr"}, None),
    ],
)
def test_bad_states_are_refused_with_a_message(wb, query, message):
    if message is None:  # a scenario that holds both alternatives is shown, with a warning
        wb.parse_state({"scenario": "vision-2035"})
        return
    with pytest.raises(InputError, match=message):
        wb.parse_state(query)


def test_unknown_city_and_profile(wb):
    with pytest.raises(InputError, match="unknown city"):
        wb.city("atlantis")
    with pytest.raises(InputError, match="unknown profile"):
        wb.profile("teleport")
    assert wb.city("wuhan") == wb.city_index["wuhan"]


def test_saved_scenario_runs_in_the_cli_with_the_same_verdicts(wb, tmp_path):
    state = wb.parse_state(
        {
            "scenario": "today",
            "year": "2028",
            "add": "changjiu_hsr",
            "drop": "wuguang_hsr",
            "cut": "京广高铁:st_wuhan-st_xianningbei",
        }
    )
    path = save_scenario(wb, state, "my-view", tmp_path / "results")
    assert path == tmp_path / "results" / "scenarios" / "my-view.toml"
    ev = evaluate(load_scenario(str(path)))
    mine = {tr.target.id: tr.as_dict() for tr in wb.solve(state).targets}
    for tr in ev.targets:
        expected = tr.as_dict()
        expected.pop("by_year", None)
        mine[tr.target.id].pop("by_year", None)
        assert mine[tr.target.id] == expected, tr.target.id
    with pytest.raises(InputError, match="exists already"):
        save_scenario(wb, state, "my-view", tmp_path / "results")
    for bad in ("../escape", "/abs", "Upper", "a b", "", "x" * 60, "名字"):
        with pytest.raises(InputError, match="name must be"):
            save_scenario(wb, state, bad, tmp_path / "results")
    saved = tmp_path / "results" / "scenarios"
    assert sorted(p.name for p in saved.iterdir()) == [MARKER, "my-view.toml"]
    assert json.loads((saved / MARKER).read_text())["written_by"] == "sim serve"


def test_saving_refuses_folders_it_must_not_write(wb, tmp_path, monkeypatch):
    state = wb.default_state()
    # inside the data: the network folder, or the bundled scenarios' folder's parent
    with pytest.raises(InputError, match="inside the data folder"):
        save_scenario(wb, state, "x", BUNDLED_NETWORK)
    with pytest.raises(InputError, match="data folder"):
        save_scenario(wb, state, "x", BUNDLED_SCENARIOS.parent)
    # a folder the user filled, or another command's results: never written into
    mine = tmp_path / "mine" / "scenarios"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="did not write"):
        save_scenario(wb, state, "x", tmp_path / "mine")
    run = tmp_path / "run" / "scenarios"
    run.mkdir(parents=True)
    (run / MARKER).write_text(marker_text("sim run"))
    with pytest.raises(InputError, match="sim run"):
        save_scenario(wb, state, "x", tmp_path / "run")
    # a file where the results folder should be; the current directory itself
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="is a file"):
        save_scenario(wb, state, "x", tmp_path / "file")
    monkeypatch.chdir(tmp_path / "mine" / "scenarios")
    with pytest.raises(InputError, match="current directory"):
        save_scenario(wb, state, "x", tmp_path / "mine")
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"] and sorted(run.iterdir()) == [run / MARKER]
    # older saves (only .toml files, no marker) are taken as the workbench's own
    old = tmp_path / "old" / "scenarios"
    old.mkdir(parents=True)
    (old / "earlier.toml").write_text("# saved before folders carried the marker\n")
    assert save_scenario(wb, state, "x", tmp_path / "old") == old / "x.toml"


def test_sim_run_does_not_replace_the_saved_scenarios(wb, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    save_scenario(wb, wb.default_state(), "mine", Path("results"))
    scenario = tmp_path / "scenarios.toml"  # its results would go to results/scenarios/
    scenario.write_text('name = "scenarios"\nextends = "today"\n', encoding="utf-8")
    assert cli_main(["-q", "run", str(scenario)]) == 2
    assert "sim serve" in capsys.readouterr().err
    assert (tmp_path / "results" / "scenarios" / "mine.toml").is_file()


def test_year_changes_and_toggles_give_the_same_answer_in_any_order(wb):
    a = wb.parse_state({"scenario": "today", "year": "2020", "add": "changjiu_hsr"})
    first = wb.solve(a).times["rail"].door_to_door.copy()
    wb.solve(wb.parse_state({"scenario": "today", "year": "2033"}))
    wb._results.clear()
    assert np.array_equal(wb.solve(a).times["rail"].door_to_door, first)


def test_incremental_clicks_equal_solving_from_scratch(wb):
    """A random walk of clicks (toggles, cuts, years): each answer equals a fresh solve."""
    import random

    rng = random.Random(5)
    projects = sorted(wb.catalogue.projects)
    cuts = sorted(wb.cuts)
    state = wb.default_state()
    fresh = Workbench()
    for _ in range(40):
        roll = rng.random()
        add, drop, cut, year = set(state.add), set(state.drop), set(state.cuts), state.year
        if roll < 0.6:
            p = rng.choice(projects)
            (add if p not in wb.projects_on(state) else drop).add(p)
            add -= drop & add
        elif roll < 0.85:
            cut ^= {rng.choice(cuts)}
        else:
            year = rng.randint(2012, 2035)
        try:
            state = wb.parse_state(
                {
                    "scenario": "today",
                    "year": str(year),
                    "add": ",".join(sorted(add - drop)),
                    "drop": ",".join(sorted(drop - add)),
                    "cut": ",".join(f"{c[0]}:{c[1]}-{c[2]}" for c in sorted(cut)),
                }
            )
        except InputError:
            continue
        mine = wb.solve(state)
        fresh._results.clear()
        for yn in fresh._networks.values():
            for cg in yn.graphs.values():
                cg._last.clear()
        other = fresh.solve(state)
        for profile, times in mine.times.items():
            np.testing.assert_array_equal(times.door_to_door, other.times[profile].door_to_door)
            np.testing.assert_array_equal(times.timetable, other.times[profile].timetable)
        assert mine.verdicts == other.verdicts


def test_changes_list_every_faster_pair_once_fastest_first(wb):
    from sim.serve.payload import state_payload

    state = wb.parse_state({"scenario": "today", "add": "changsha_ganzhou_hsr,xiangchang_hsr"})
    changes = state_payload(wb, state)["changes"]
    after = wb.solve(state).times["rail"].door_to_door
    before = wb.solve(wb.default_state()).times["rail"].door_to_door
    pairs = {}
    for i, a in enumerate(wb.city_ids):
        for j, b in enumerate(wb.city_ids):
            d = after[i, j] - before[i, j]
            if i != j and np.isfinite(d) and d <= -0.05:
                pairs[frozenset((a, b))] = min(d, pairs.get(frozenset((a, b)), d))
    assert changes["n_faster"] == len(pairs)
    deltas = [x[2] for x in changes["faster"]]
    assert deltas == sorted(deltas) and deltas[0] == round(min(pairs.values()), 1)


def test_scenario_of_a_state_is_the_one_the_cli_would_run(wb):
    state = wb.parse_state(STATES[-1] | {"add": "changjiu_hsr", "drop": "hanshi_hsr"})
    assert replace(wb.scenario_of(state), name="x") == replace(_equivalent(wb, state), name="x")
    # a cut of a link the state's network lacks (武广's, dropped) is not a modification of nothing
    gone = wb.parse_state(STATES[-1] | {"drop": "wuguang_hsr"})
    assert wb.scenario_of(gone).modifications == ()


@pytest.mark.parametrize(
    ("query", "city", "profile"), [(STATES[2], "wuhan", "rail"), (STATES[6], "yueyang", "road")]
)
def test_isochrones_equal_those_of_a_full_evaluation(wb, query, city, profile):
    """The masked graph's reached points give the polygons sim.geo draws for sim export."""
    state = wb.parse_state(query)
    mine = wb.isochrones(state, wb.city(city), profile)
    ev = evaluate(_equivalent(wb, state), wb.full)
    oracle = isochrones(ev, city, profile)
    assert [i.minutes for i in mine] == [60.0, 120.0, 180.0]
    for a, b in zip(mine, oracle, strict=True):
        assert a.points == b.points and a.speed_kmh == b.speed_kmh and a.fixed_min == b.fixed_min
        assert a.geometry.symmetric_difference(b.geometry).area <= 1e-9 * max(b.geometry.area, 1e-9)
    assert 0 < mine[0].geometry.area < mine[1].geometry.area < mine[2].geometry.area


def test_a_kept_answer_does_not_wait_for_a_computation(wb):
    state = wb.default_state()
    wb.solve(state)
    held, release = threading.Event(), threading.Event()

    def compute_elsewhere() -> None:
        with wb._lock:  # another answer (or the warm-up) being computed
            held.set()
            release.wait(30)

    other = threading.Thread(target=compute_elsewhere)
    other.start()
    held.wait(30)
    try:
        answers: list = []
        reader = threading.Thread(target=lambda: answers.append(wb.solve(state)))
        reader.start()
        reader.join(10)
        assert answers and answers[0].state == state
    finally:
        release.set()
        other.join()


def test_the_warm_up_lets_waiting_requests_go_first(tiny_wb):
    stop = threading.Event()
    tiny_wb._waiting = 1  # a request is waiting for the computing lock
    warming = threading.Thread(target=tiny_wb.warm, kwargs={"stop": stop})
    warming.start()
    time.sleep(0.3)
    assert tiny_wb.stats["solved"] == 0
    tiny_wb._waiting = 0
    time.sleep(0.05)
    stop.set()
    warming.join(30)
    assert not warming.is_alive()

"""The bundled network: valid, historically consistent, and close to observed timetables."""

import pytest

from sim.calibration import calibrate, load_observations
from sim.evaluate import evaluate
from sim.network import load_network
from sim.scenario import BUNDLED_NETWORK, load_scenario
from sim.validate import check_network


@pytest.fixture(scope="module")
def full():
    return load_network(BUNDLED_NETWORK)


def test_bundled_network_has_no_validation_error(full):
    errors = [p for p in check_network(full) if p.severity == "error"]
    assert errors == []


def test_history_2015_is_before_wujiu(full):
    """武九客专 opened in 2017: the network of 2015 must not have it, that of 2017 must."""
    assert not any(lk.line == "武九客专" for lk in full.as_of(2015).links)
    assert any(lk.line == "武九客专" for lk in full.as_of(2017).links)


def test_every_in_plan_city_has_a_population_and_a_link(full):
    ends = {e for lk in full.links for e in (lk.from_id, lk.to_id)}
    city_of = {t.id: t.city for t in full.terminals} | {n.id: n.city for n in full.road_nodes if n.city}
    served = {city_of.get(e, e) for e in ends}
    for city in full.cities:
        assert city.population and city.population > 0
        if city.plan_status == "in-plan":
            assert city.id in served, city.id


@pytest.mark.parametrize(("a", "b"), [("wuhan", "changsha"), ("wuhan", "nanchang"), ("changsha", "nanchang")])
def test_capital_pairs_match_the_timetable(full, a, b):
    """Station-to-station time of the model against the fastest scheduled train.

    Observed values and their tolerances are in network/observed_times.csv, with sources;
    the model must lie within the observation's tolerance or bound, or within 10 %.
    """
    scenario = load_scenario("today")
    observations = [
        o
        for o in load_observations(BUNDLED_NETWORK / "observed_times.csv", full)
        if o.profile == "rail" and {o.origin, o.destination} == {a, b}
    ]
    assert observations
    # the latest timetable figure of the pair: older ones (武汉–长沙 in 2014, at 300 km/h)
    # check the history of the network, not today's capital pairs
    latest = max(o.year or 0 for o in observations)
    observations = [o for o in observations if (o.year or 0) == latest]
    table = calibrate(scenario, full, observations)
    for _, row in table.iterrows():
        within_tolerance = row["counted_error_min"] == 0
        within_10_pct = abs(row["error_pct"]) <= 10
        assert within_tolerance or within_10_pct, row.to_dict()


def test_today_is_deterministic():
    scenario = load_scenario("today")
    one, two = evaluate(scenario), evaluate(scenario)
    assert one.travel_times().to_csv() == two.travel_times().to_csv()
    assert one.targets_table().to_csv() == two.targets_table().to_csv()


@pytest.mark.parametrize("profile", ["rail", "road", "passenger", "freight"])
def test_backends_agree_on_the_bundled_network(profile):
    import numpy as np

    from sim.graph import build_graph
    from sim.modes import PROFILES
    from sim.paths import node_distances
    from sim.scenario import apply_scenario

    scenario = load_scenario("today")
    graph = build_graph(apply_scenario(scenario), PROFILES[profile], scenario.parameters)
    ref = node_distances(graph, "scipy")
    assert np.array_equal(ref, node_distances(graph, "igraph"))
    assert np.array_equal(ref, node_distances(graph, "networkx"))


def test_export_round_trips_through_graphml(tmp_path):
    import networkx as nx

    from sim.export import write_graphml
    from sim.graph import build_graph
    from sim.modes import PROFILES
    from sim.scenario import apply_scenario

    scenario = load_scenario("today")
    graph = build_graph(apply_scenario(scenario), PROFILES["rail"], scenario.parameters)
    write_graphml(graph, tmp_path / "g.graphml")
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert back.number_of_nodes() == graph.n_nodes and back.number_of_edges() == graph.n_edges
    # shortest origin->dest time through networkx equals the engine's
    from sim.paths import all_pairs

    expected = all_pairs(graph)
    i, j = graph.city_ids.index("wuhan"), graph.city_ids.index("changsha")
    simple = nx.DiGraph()
    for u, v, d in back.edges(data=True):
        if not simple.has_edge(u, v) or simple[u][v]["minutes"] > d["minutes"]:
            simple.add_edge(u, v, minutes=d["minutes"])
    got = nx.dijkstra_path_length(
        simple, str(graph.origin_nodes[i]), str(graph.dest_nodes[j]), weight="minutes"
    )
    assert got == pytest.approx(expected[i, j], abs=1e-6)


def test_capitals_are_within_two_hours_station_to_station_today():
    """Issue 9: under the timetable reading today's three capital pairs are within 2 hours.

    The fastest trains take about 70 (武汉-长沙), 104 (武汉-南昌) and 90 (长沙-南昌)
    minutes (network/observed_times.csv); door to door none is within 2 hours.
    """
    import json

    summary = json.loads(json.dumps(evaluate(load_scenario("today")).summary()))
    entry = next(t for t in summary["targets"] if t["id"] == "capitals-2h")
    assert entry["headline"] == "timetable" and set(entry["readings"]) == {"timetable", "door_to_door"}
    timetable, door = entry["readings"]["timetable"], entry["readings"]["door_to_door"]
    assert timetable["headline"] and not door["headline"]
    assert timetable["met"] is True and (timetable["pairs_met"], timetable["pairs_total"]) == (3, 3)
    assert door["met"] is False and door["pairs_met"] == 0
    assert all(pair["minutes"] > 120 for pair in door["failing"])
    # every pair's minutes, against the times reported (observed_times.csv: 70 ± 10,
    # under 120 since 武九客专, 90 ± 10)
    minutes = {frozenset((p["origin"], p["destination"])): p["minutes"] for p in timetable["pairs"]}
    assert abs(minutes[frozenset(("wuhan", "changsha"))] - 70) <= 10
    assert minutes[frozenset(("wuhan", "nanchang"))] <= 120
    assert abs(minutes[frozenset(("changsha", "nanchang"))] - 90) <= 10
    assert all(p["passed"] and p["gap_min"] < 0 for p in timetable["pairs"])


def test_bundled_targets_are_the_plans_list_read_as_issue_9_asks(full):
    """The plans' targets, their due years and headline readings (issue 9, items 1, 4, 5)."""
    from sim.scenario import BUNDLED_SCENARIOS
    from sim.targets import load_targets

    targets = {t.id: t for t in load_targets(BUNDLED_SCENARIOS / "targets.toml", full)}
    due = {t: targets[t].due_year for t in targets}
    assert due == {
        "capitals-2h": 2020,  # 2015 plan
        "capital-neighbours-1-2h": 2020,
        "logistics-2h": 2020,
        "fast-rail-500k": 2020,
        "hunan-hsr-500k": 2020,  # Hunan plan, 2020
        "rail-200k": 2020,
        "expressway-200k": 2020,
        "main-cities-2h": 2025,  # 2022 plan
        "port-rail": 2025,
        "rail-14000km": 2025,
        "metro-1h": 2035,  # the 123 circles
        "national-3h": 2035,
    }
    for tid in ("capitals-2h", "capital-neighbours-1-2h", "main-cities-2h", "national-3h"):
        assert (targets[tid].headline, targets[tid].profile) == ("timetable", "rail"), tid
    metro = targets["metro-1h"]
    assert (metro.headline, metro.profile, metro.beside) == ("door_to_door", "passenger", ("rail",))
    assert not {"jiujiang", "fuzhou_jx", "yichun"} & {c for pair in metro.pairs() for c in pair}
    assert (targets["logistics-2h"].profile, targets["logistics-2h"].headline) == ("freight", "door_to_door")
    neighbours = {"zhengzhou", "hefei", "hangzhou", "fuzhou_fj", "guangzhou", "chongqing", "xian", "shanghai"}
    assert {frozenset(p) for p in targets["national-3h"].pairs()} == {
        frozenset((c, n)) for c in ("wuhan", "changsha", "nanchang") for n in neighbours
    }
    hunan = targets["hunan-hsr-500k"]
    assert (hunan.service, hunan.min_speed_kmh, hunan.provinces) == ("high_speed_rail", 250, ("hunan",))
    assert targets["port-rail"].service == "port_rail" and len(targets["port-rail"].ports) == 8
    length = targets["rail-14000km"]
    assert (length.kind, length.threshold_km, length.lower_bound) == ("length", 14000, True)


def _listed_timetable_stations() -> dict[str, int]:
    """Station -> first year, read from the bundled table itself (not through the Network)."""
    import csv

    with (BUNDLED_NETWORK / "timetable_stations.csv").open(encoding="utf-8") as f:
        return {r["station"]: int(r["from_year"] or 0) for r in csv.DictReader(f)}


@pytest.mark.parametrize(
    ("year", "pairs"),
    [
        (
            2025,
            [("wuhan", "nanchang"), ("nanchang", "jiujiang"), ("nanchang", "hefei"), ("wuhan", "xiantao")],
        ),
        (2020, [("nanchang", "jian"), ("nanchang", "ganzhou"), ("wuhan", "nanchang")]),
    ],
)
def test_listed_cities_are_read_between_their_main_stations(full, year, pairs):
    """The timetable reading of 南昌 and 仙桃 starts and ends at their listed stations only.

    Not at 乐化 (an intermediate station of 昌九城际 14 km out), not at the junction 大福,
    and not at 南昌南 before it took passengers in 2023.
    """
    from sim.evaluate import evaluate_profile
    from sim.graph import timetable_terminal
    from sim.modes import PROFILES

    listed = _listed_timetable_stations()
    scenario = load_scenario("today")
    net = full.as_of(year)
    res = evaluate_profile(net, PROFILES["rail"], scenario.parameters)
    ids = list(res.graph.city_ids)
    city_of = {t.id: t.city for t in full.terminals}
    for a, b in pairs:
        rides = [leg for leg in res.timetable_legs[ids.index(a)][ids.index(b)] if leg.kind == "ride"]
        assert rides, (a, b)
        for station in (rides[0].from_id, rides[-1].to_id):
            if city_of[station] in {"nanchang", "xiantao"}:
                assert station in listed and listed[station] <= year, (a, b, station)
    assert not timetable_terminal(full.terminal_by_id["st_lehua"], net, scenario.parameters)
    nanchangnan = timetable_terminal(full.terminal_by_id["st_nanchangnan"], net, scenario.parameters)
    assert nanchangnan == (year >= 2023)

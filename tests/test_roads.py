"""The expressway graph: entrances, junctions, no trip through a third city's centre.

Hand-made network ``tests/data/roads``, hand parameters of ``tests/conftest.py`` with the
expressway limit 120 km/h and a cruising speed of 100 km/h (so a car runs at 100, and at
104.8 on a road widened to eight lanes: 2.4 km/h per extra lane per direction); an
entrance without ``access_min`` 5 min + straight-line km x 1.3 at 30 km/h.
Cities aa, bb, cc, dd. Road nodes, with the urban drive from their city's centre:

* aa: entrance rn_aa_e (10 min)
* bb: entrances rn_bb_w (15), rn_bb_e (10) and rn_bb_s, 0.05 degrees of latitude south of
  the centre, access not given: 5 + 6371 * pi / 180 * 0.05 * 1.3 / 30 * 60 = 19.4554 min
  (1167 s)
* cc: entrance rn_cc_n (5); dd: entrance rn_dd_e (10); rn_j: a junction

Links: G1 rn_aa_e-rn_bb_w 100 km (60 min) and rn_bb_w-rn_j 50 km (30); G2 rn_j-rn_cc_n
100 km (60), widened to eight lanes in 2020 (100 km at 104.8 km/h = 57.2519 min, 3435 s);
G3 rn_bb_s-rn_j 20 km (12); G4 rn_aa_e-rn_j 120 km (72) opened 2018; G6 rn_bb_e-rn_dd_e
80 km (48); G7 rn_j-rn_dd_e 100 km (60) planned for 2030. Rail: L1 hsr st_b-st_d 100 km at
300 km/h (20 min + 2 stop loss), headway 20; both stations 10 min from their centres.

dd is reached by road only through rn_bb_e, an entrance of bb that no road joins to the
rest: from aa or cc the only way would be through the centre of bb, which a road trip may
not pass.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.graph import build_graph, entrance_minutes
from sim.modes import PROFILES
from sim.network import load_network
from sim.paths import BACKENDS, all_pairs, itinerary, node_distances, shortest_path_tree
from sim.scenario import apply_scenario, load_scenario
from sim.sweep.engine import IncrementalEngine
from tests.conftest import HAND_PARAMETERS as HAND

HAND_PARAMETERS = HAND.with_overrides(
    {"default_speed_kmh": {"expressway": 120.0}, "expressway_cruise_kmh": 100.0}
)

ROADS = Path(__file__).parent / "data" / "roads"
INF = math.inf
S_ENTRANCE = 1167  # seconds from bb's centre to rn_bb_s, by hand above
G2_WIDE = 3435  # seconds on G2 after its widening


def road_minutes(net, profile="road"):
    graph = build_graph(net, PROFILES[profile], HAND_PARAMETERS)
    return {backend: all_pairs(graph, backend) for backend in BACKENDS}


@pytest.fixture(scope="module")
def full():
    return load_network(ROADS)


def test_estimated_entrance_access_by_hand(full):
    node = full.road_node_by_id["rn_bb_s"]
    expected = 5 + 6371 * math.pi / 180 * 0.05 * 1.3 / 30 * 60
    assert entrance_minutes(node, full, HAND_PARAMETERS) == pytest.approx(expected, abs=1e-6)
    assert round(expected * 60) == S_ENTRANCE


def test_road_times_today_by_hand(full):
    # aa-bb: 10 + 60 + 15. aa-cc: 10 + G4 72 + G2 widened + 5. bb-cc: via rn_bb_s,
    # 1167 s + 12 + G2 + 5 (via rn_bb_w: 15 + 30 + G2 + 5, longer). bb-dd: 10 + 48 + 10.
    aa_cc = (600 + 72 * 60 + G2_WIDE + 300) / 60
    bb_cc = (S_ENTRANCE + 720 + G2_WIDE + 300) / 60
    expected = [
        [0, 85, aa_cc, INF],
        [85, 0, bb_cc, 68],
        [aa_cc, bb_cc, 0, INF],
        [INF, 68, INF, 0],
    ]
    for backend, minutes in road_minutes(full.as_of(2025)).items():
        np.testing.assert_allclose(minutes, expected, rtol=0, atol=1e-9, err_msg=backend)


def test_road_times_before_the_new_road_and_the_widening(full):
    # 2015: no G4, G2 not widened. aa-cc: 10 + 60 + 30 + 60 + 5 = 165.
    minutes = road_minutes(full.as_of(2015))["scipy"]
    assert minutes[0, 2] == pytest.approx(165)
    assert minutes[1, 2] == pytest.approx((S_ENTRANCE + 720 + 3600 + 300) / 60)
    # the widened row is a row of its own, parallel to the road it widens
    g2 = [lk for lk in full.links if lk.line == "G2"]
    assert [lk.lanes for lk in g2] == [None, 8]


def test_a_planned_road_counts_when_built(full):
    net = full.as_of(2030, include_expected=True)
    minutes = road_minutes(net)["scipy"]
    # aa-dd: 10 + G4 72 + G7 60 + 10 = 152; cc-dd: 5 + G2 widened + 60 + 10
    assert minutes[0, 3] == pytest.approx(152)
    assert minutes[2, 3] == pytest.approx((300 + G2_WIDE + 3600 + 600) / 60)


def centre_nodes_on_paths(net, profile):
    """For every pair, the cities whose centre nodes the chosen path visits."""
    graph = build_graph(net, PROFILES[profile], HAND_PARAMETERS)
    dist = node_distances(graph)
    centre_kinds = {"origin", "dest", "road_in", "road_out"}
    city_ids = set(graph.city_ids)
    out = {}
    for i, a in enumerate(graph.city_ids):
        tree = shortest_path_tree(graph, int(graph.origin_nodes[i]), dist[i])
        for j, b in enumerate(graph.city_ids):
            d = int(graph.dest_nodes[j])
            if i == j or not np.isfinite(dist[i, d]):
                continue
            visited = set()
            for e in tree.edges_to(d):
                for v in (int(graph.tail[e]), int(graph.head[e])):
                    kind, ref = graph.node_kind[v], graph.node_ref[v]
                    if kind in centre_kinds or (kind == "road" and ref in city_ids):
                        visited.add(ref)
            out[(a, b)] = visited
    return out


@pytest.mark.parametrize("year", [2015, 2025])
def test_no_road_trip_passes_through_a_third_centre(full, year):
    visited = centre_nodes_on_paths(full.as_of(year), "road")
    assert visited  # some pairs are connected
    for (a, b), cities in visited.items():
        assert cities <= {a, b}, (a, b, cities)


def test_park_and_ride_and_drive_off_by_hand(full):
    # aa -> dd: drive 10 + 60 to rn_bb_w, into bb 15, park and ride at st_b (access 10,
    # processing 15, mode change 10), wait 10 (half of 20), ride 22, arrival 5 + egress 10.
    # dd -> aa: access 10 + processing 15, ride 22 (planned first wait: 0), drive off at
    # st_b (egress 10, arrival 5, mode change 10), out of bb 15, drive 60, into aa 10.
    for backend, minutes in road_minutes(full.as_of(2025), "passenger").items():
        assert minutes[0, 3] == pytest.approx(167), backend
        assert minutes[3, 0] == pytest.approx(157), backend
    graph = build_graph(full.as_of(2025), PROFILES["passenger"], HAND_PARAMETERS)
    dist = node_distances(graph)
    tree = shortest_path_tree(graph, int(graph.origin_nodes[0]), dist[0])
    legs = itinerary(graph, tree, int(graph.dest_nodes[3]))
    assert [(leg.kind, leg.from_id, leg.to_id) for leg in legs] == [
        ("access", "aa", "rn_aa_e"),
        ("drive", "rn_aa_e", "rn_bb_w"),
        ("egress", "rn_bb_w", "bb"),
        ("transfer", "bb", "st_b"),
        ("wait", "st_b", "st_b"),
        ("ride", "st_b", "st_d"),
        ("egress", "st_d", "dd"),
    ]


def test_a_link_may_name_a_city_centre(full, tmp_path):
    # a centre-to-centre link (user networks, add_link): cc's centre is a road point
    # road_access_min (10) from it. dd -> cc: 10 + 50 km (30) + 10 = 50.
    folder = tmp_path / "net"
    shutil.copytree(ROADS, folder)
    with (folder / "links_road.csv").open("a", encoding="utf-8") as f:
        f.write("expressway,G8,cc,rn_dd_e,50,,,,open,2000,,,test,\n")
    minutes = road_minutes(load_network(folder).as_of(2025))["scipy"]
    assert minutes[3, 2] == pytest.approx(50)
    assert minutes[2, 3] == pytest.approx(50)


def test_add_link_modification_joins_road_nodes(full, tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'name = "s"\nyear = 2025\nprofiles = ["road"]\ntargets = ""\n'
        f'network = "{ROADS}"\n\n'
        '[[modifications]]\ntype = "add_link"\nmode = "expressway"\nline = "G9"\n'
        'from = "rn_cc_n"\nto = "rn_dd_e"\nkm = 100\nspeed_kmh = 100\n',
        encoding="utf-8",
    )
    net = apply_scenario(load_scenario(str(scenario)), full)
    minutes = road_minutes(net)["scipy"]
    assert minutes[2, 3] == pytest.approx(5 + 60 + 10)


def test_sweep_engine_switches_road_projects_exactly(full):
    base = replace(
        load_scenario("today"), network_folder=ROADS, targets_file=None, year=2025, parameters=HAND_PARAMETERS
    )
    engine = IncrementalEngine(base, full, ["g7_link"], PROFILES["road"])
    seen = 0
    for mask, minutes in engine.walk():
        net = apply_scenario(replace(base, add_projects=("g7_link",) if mask else ()), full)
        expected = all_pairs(build_graph(net, PROFILES["road"], HAND_PARAMETERS))
        assert np.array_equal(minutes, expected), mask
        seen += 1
    assert seen == 2


@pytest.mark.parametrize(("profile", "expected"), [("rail", ()), ("road", ("g7_link",))])
def test_planned_sweep_candidates_are_the_profiles_own(full, tmp_path, profile, expected):
    from sim.sweep.spec import load_sweep

    (tmp_path / "base.toml").write_text(
        f'name = "base"\nyear = 2025\ntargets = ""\nnetwork = "{ROADS}"\n', encoding="utf-8"
    )
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        f'name = "s"\nbase = "base.toml"\nprofile = "{profile}"\n[projects]\ncandidates = "planned"\n',
        encoding="utf-8",
    )
    assert load_sweep(sweep, full).candidates == expected


def test_a_car_runs_at_the_lesser_of_limit_and_cruise(full):
    # hand: 60 km under an 80 km/h limit = 45 min; under 120 a car cruises at 100 (36 min),
    # on eight lanes at 104.8 (34.35 min); a scheduled time is used as it is
    from dataclasses import replace as with_

    from sim.graph import road_link_minutes

    link = next(lk for lk in full.links if lk.line == "G1")
    cases = [({"speed_kmh": 80.0}, 45.0), ({"speed_kmh": 120.0}, 36.0), ({"lanes": 8}, 60 / 104.8 * 60)]
    for change, minutes in cases:
        assert road_link_minutes(with_(link, km=60.0, **change), HAND_PARAMETERS) == pytest.approx(minutes)
    assert road_link_minutes(with_(link, minutes=50.0), HAND_PARAMETERS) == pytest.approx(50.0)


# ------------------------------------------------------------------ the bundled network


@pytest.fixture(scope="module")
def bundled():
    from sim.scenario import BUNDLED_NETWORK

    return load_network(BUNDLED_NETWORK)


@pytest.mark.parametrize("scenario", ["2015", "today"])
def test_no_bundled_road_trip_passes_through_a_third_centre(bundled, scenario):
    """Every pair of cities, by road: the chosen path visits no other city's centre nodes."""
    sc = load_scenario(scenario)
    net = apply_scenario(sc, bundled)
    graph = build_graph(net, PROFILES["road"], sc.parameters)
    dist = node_distances(graph)
    centre_kinds = {"origin", "dest", "road_in", "road_out"}
    cities = set(graph.city_ids)
    checked = 0
    for i, a in enumerate(graph.city_ids):
        tree = shortest_path_tree(graph, int(graph.origin_nodes[i]), dist[i])
        for j, b in enumerate(graph.city_ids):
            d = int(graph.dest_nodes[j])
            if i == j or not np.isfinite(dist[i, d]):
                continue
            for e in tree.edges_to(d):
                v = int(graph.head[e])
                kind, ref = graph.node_kind[v], graph.node_ref[v]
                if kind in centre_kinds or (kind == "road" and ref in cities):
                    assert ref in (a, b), (a, b, kind, ref)
            checked += 1
    assert checked == len(cities) * (len(cities) - 1)  # every pair is connected by road


def road_lines(scenario, a, b):
    from sim.evaluate import evaluate_profile

    sc = load_scenario(scenario)
    net = apply_scenario(sc)
    res = evaluate_profile(net, PROFILES["road"], sc.parameters)
    i, j = res.graph.city_ids.index(a), res.graph.city_ids.index(b)
    return float(res.minutes[i, j]), [leg.line for leg in res.legs[i][j] if leg.kind == "drive"]


def test_changsha_nanchang_runs_on_changliu_hongping_changli():
    minutes, lines = road_lines("today", "changsha", "nanchang")
    assert lines[:2] == ["长永高速", "长浏高速"]
    assert "S31萍洪高速" in lines and any("昌栗" in line for line in lines)
    # before 昌栗 opened (2016-01) the road went by 沪昆: longer, and not on 昌栗
    before, old_lines = road_lines("2015", "changsha", "nanchang")
    assert not any("昌栗" in line for line in old_lines)
    assert any(line.startswith("G60") for line in old_lines)
    assert before > minutes + 15


def test_road_projects_have_a_row_in_projects_csv(bundled):
    import csv

    from sim.scenario import BUNDLED_NETWORK

    path = BUNDLED_NETWORK / "projects.csv"
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == [
            "id",
            "name_zh",
            "name_en",
            "plan",
            "cost_yi_yuan",
            "cost_year",
            "cost_source",
            "source",
        ]
        rows = {r["id"]: r for r in reader}
    road_projects = {lk.project for lk in bundled.links if lk.mode.value == "expressway" and lk.project}
    assert road_projects <= set(rows)
    for pid in road_projects:
        assert rows[pid]["source"], pid


def test_expressway_coverage_counts_a_citys_entrances(full):
    from sim.targets import coverage

    cities = {c.id for c in full.cities}
    assert coverage(full.as_of(2025), "expressway") & cities == {"aa", "bb", "cc", "dd"}
    # without G6, dd's only entrance is on no link: dd is not served
    no_g6 = replace(full, links=tuple(lk for lk in full.links if lk.line != "G6"))
    assert coverage(no_g6.as_of(2025), "expressway") & cities == {"aa", "bb", "cc"}

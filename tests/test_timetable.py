"""The timetable reading: station to station by scheduled services, on its own shortest path.

Hand-built network (tests/data/two_readings): city xx has a far-out high-speed station
st_x1 (access 60 min, 19 km out) and a central station st_x2 (access 5); st_x3 is a
county-town station 56 km out, whose COUNTY line reaches st_y1 in 19 min but which is not
one of the city's own stations for a timetable (more than 20 km from the centre). FAST (hsr, st_x1-st_y1,
300 km at 300 km/h) takes 62 min on board; SLOW (conventional, st_x2-st_y1, 180 km at
120 km/h) takes 93. ONWARD (hsr st_y1-st_z1, 150 km, headway 40) takes 32. WEST (hsr
st_w1-st_v1) is not joined to the others by rail; an expressway joins zz and ww.
Parameters: tests/conftest.py HAND (no start allowance, stop loss hsr 2 / conventional 3),
rail processing 15 / arrival 5, line change 10.

Door to door xx-yy goes by SLOW (5 + 15 + 93 + 10 + 5 = 128 against 60 + 15 + 62 + 15 =
152 by FAST); a timetable quotes FAST: 62. The old "in-vehicle time of the door-to-door
path" gave 93.
"""

import csv
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.evaluate import evaluate_profile
from sim.graph import build_graph
from sim.modes import PROFILES
from sim.network import great_circle_km, load_network
from sim.parameters import Parameters
from sim.paths import all_pairs, node_distances
from tests.conftest import HAND_PARAMETERS

NET = Path(__file__).parent / "data" / "two_readings"
XX, YY, ZZ, WW, VV = range(5)


@pytest.fixture
def network():
    return load_network(NET).as_of(2025)


def test_the_two_readings_take_different_paths(network):
    res = evaluate_profile(network, PROFILES["rail"], HAND_PARAMETERS)
    assert res.minutes[XX, YY] == pytest.approx(128)  # by SLOW from the central station
    assert res.timetable_minutes[XX, YY] == pytest.approx(62)  # by FAST, its own shortest path
    # (not 19 by COUNTY: st_x3 is another town's station, 56 km out)
    assert res.timetable_minutes[YY, XX] == pytest.approx(62)
    rides = [(leg.line, leg.from_id, leg.to_id) for leg in res.timetable_legs[XX][YY] if leg.kind == "ride"]
    assert rides == [("FAST", "st_x1", "st_y1")]
    door_rides = [leg.line for leg in res.legs[XX][YY] if leg.kind == "ride"]
    assert door_rides == ["SLOW"]
    # a change of train counts: 62 + (40 / 2 wait + 10 change) + 32 = 124
    assert res.timetable_minutes[XX, ZZ] == pytest.approx(124)
    # door to door: 5 + 15 + 93 + 30 + 32 + 10 + 5 = 190
    assert res.minutes[XX, ZZ] == pytest.approx(190)


def test_the_first_wait_policy_does_not_touch_the_timetable_reading(network):
    params = HAND_PARAMETERS.with_overrides({"first_wait": "half_headway", "first_wait_cap_min": 100})
    res = evaluate_profile(network, PROFILES["rail"], params)
    # door to door the first wait now counts: by SLOW 128 + 30 = 158; by COUNTY from the
    # county town 90 + 15 + 15 (half of 30) + (100 / 350 * 60 + 2) + 10 + 5 = 154.1
    assert res.minutes[XX, YY] == pytest.approx(90 + 15 + 15 + 100 / 350 * 60 + 2 + 15, abs=0.01)
    assert res.timetable_minutes[XX, YY] == pytest.approx(62)


def test_timetable_nodes_never_shorten_a_door_to_door_path(network):
    graph = build_graph(network, PROFILES["passenger"], HAND_PARAMETERS)
    kinds = np.array(graph.node_kind)
    for node in graph.timetable_origin_nodes:
        assert not np.any(graph.head == node)
    for node in graph.timetable_dest_nodes:
        assert not np.any(graph.tail == node)
    assert set(kinds[graph.timetable_origin_nodes]) == {"tt_origin"}


def test_a_timetable_trip_never_drives(network):
    """xx-vv: rail to zz, drive to ww, rail to vv door to door; no scheduled path."""
    graph = build_graph(network, PROFILES["passenger"], HAND_PARAMETERS)
    assert np.isfinite(all_pairs(graph)[XX, VV])
    assert np.isinf(all_pairs(graph.timetable_view())[XX, VV])
    # on the whole graph the timetable origin would reach vv by driving: the view is what stops it
    whole = node_distances(graph, sources=[int(graph.timetable_origin_nodes[XX])])[0]
    assert np.isfinite(whole[graph.timetable_dest_nodes[VV]])
    # and a city with no scheduled service at all has no timetable time
    road = build_graph(network, PROFILES["road"], HAND_PARAMETERS)
    assert np.isinf(all_pairs(road.timetable_view())[XX, YY])


def oracle(network, params) -> np.ndarray:
    """Station-to-station minutes by networkx on a graph built here from the tables alone.

    Nodes: (platform, station, line), (train, station, line), (arrived, station), and per
    city a source and a sink joined to its stations within 20 km of its centre, or, for a
    city with stations in timetable_stations.csv, to those of them whose from_year has
    come. Boarding
    at the start is free (plus the start allowance);
    a change costs half the next line's headway plus the line-change penalty, and between
    two stations of a city also the walk (both access times, or the listed transfer) and
    the processing at the second. Every boarding costs accelerating to the line's speed at
    the station (the fastest of its links there), v / (2a), and every alighting as much
    braking; staying on through a major stop costs both and the dwell.
    """
    g = nx.DiGraph()
    majors = network.major_stops
    city_of = {t.id: t.city for t in network.terminals}
    centre = {c.id: (c.lat, c.lon) for c in network.cities}
    listed = {}  # read from the table here, not from the Network
    path = network.folder / "timetable_stations.csv"
    if path.exists():
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                listed[row["station"]] = int(row["from_year"]) if row["from_year"] else 0
    listed_cities = {city_of[s] for s in listed}
    own = {
        t.id
        for t in network.terminals
        if (t.id in listed and listed[t.id] <= network.year)
        or (
            t.city not in listed_cities
            and great_circle_km(*centre[t.city], t.lat, t.lon) <= params.timetable_station_km
        )
    }
    access = {t.id: t.access_min for t in network.terminals}
    rail = [lk for lk in network.links if lk.mode.is_rail]
    headway, mode, speed = {}, {}, {}
    for lk in rail:
        for s in (lk.from_id, lk.to_id):
            headway[(s, lk.line)] = min(headway.get((s, lk.line), lk.headway_min), lk.headway_min)
            mode[(s, lk.line)] = lk.mode.value
            speed[(s, lk.line)] = max(speed.get((s, lk.line), 0.0), lk.speed_kmh)

    def half_loss(key):  # minutes to reach line speed from rest at the mode's acceleration
        return speed[key] / 3.6 / (2 * params.acceleration_ms2[mode[key]]) / 60

    def add(u, v, w):
        if not g.has_edge(u, v) or g[u][v]["weight"] > w:
            g.add_edge(u, v, weight=w)

    for lk in rail:
        ride = lk.km / (lk.speed_kmh * params.speed_factor[lk.mode.value]) * 60
        ride += params.stop_loss_min[lk.mode.value]
        for a, b in ((lk.from_id, lk.to_id), (lk.to_id, lk.from_id)):
            add(("platform", a, lk.line), ("train", b, lk.line), ride)
    for s, line in headway:
        start = params.start_stop_min[mode[(s, line)]] + half_loss((s, line))
        if s in own:
            add(("source", city_of[s]), ("platform", s, line), start)
            add(("arrived", s), ("sink", city_of[s]), 0.0)
        dwell = params.stop_dwell_min[mode[(s, line)]]
        add(
            ("train", s, line),
            ("platform", s, line),
            2 * half_loss((s, line)) + dwell if s in majors else 0.0,
        )
        add(("train", s, line), ("arrived", s), half_loss((s, line)))
        for (t, other), h2 in headway.items():
            if city_of[t] != city_of[s]:
                continue
            change = h2 / 2 + params.line_change_min["rail"] + params.start_stop_min[mode[(t, other)]]
            change += half_loss((t, other))
            walk = 0.0 if t == s else access[s] + access[t] + params.processing_min["rail"]
            add(("arrived", s), ("platform", t, other), walk + change)
    ids = [c.id for c in network.cities]
    out = np.full((len(ids), len(ids)), np.inf)
    np.fill_diagonal(out, 0.0)
    for i, a in enumerate(ids):
        if ("source", a) not in g:
            continue
        lengths = nx.single_source_dijkstra_path_length(g, ("source", a))
        for j, b in enumerate(ids):
            out[i, j] = 0.0 if i == j else lengths.get(("sink", b), np.inf)
    return out


@pytest.mark.parametrize("params", [HAND_PARAMETERS, Parameters()], ids=["hand", "defaults"])
@pytest.mark.parametrize("year", [2005, 2025])
def test_timetable_reading_matches_networkx(year, params):
    net = load_network(NET).as_of(year)
    expected = oracle(net, params)
    for profile in ("rail", "passenger"):
        mine = all_pairs(build_graph(net, PROFILES[profile], params).timetable_view())
        assert np.array_equal(np.isinf(mine), np.isinf(expected))
        finite = np.isfinite(expected)
        # the engine rounds each edge to whole seconds
        assert np.allclose(mine[finite], expected[finite], atol=0.05)
    if year == 2005 and params is HAND_PARAMETERS:  # only SLOW runs: 93 station to station
        assert expected[XX, YY] == pytest.approx(93)


# ------------------------------------------------------- timetable_stations.csv


def listing(tmp_path: Path, *rows: str) -> Path:
    """The hand-built network with a ``timetable_stations.csv`` of ``rows``."""
    folder = tmp_path / "net"
    shutil.copytree(NET, folder)
    (folder / "timetable_stations.csv").write_text(
        "station,name_zh,from_year,source\n" + "".join(r + "\n" for r in rows), "utf-8"
    )
    return folder


def test_a_listed_city_reads_its_timetable_only_from_its_listed_stations(tmp_path):
    """xx lists only its central station st_x2: FAST from the far-out st_x1 no longer counts.

    By hand: xx-yy by SLOW 93 (instead of 62 by FAST); xx-zz by SLOW, a change (40 / 2
    wait + 10) and ONWARD 32: 155. Door to door nothing changes (128 by SLOW).
    """
    net = load_network(listing(tmp_path, "st_x2,西站,,test")).as_of(2025)
    res = evaluate_profile(net, PROFILES["rail"], HAND_PARAMETERS)
    assert res.timetable_minutes[XX, YY] == pytest.approx(93)
    assert res.timetable_minutes[YY, XX] == pytest.approx(93)
    assert res.timetable_minutes[XX, ZZ] == pytest.approx(155)
    assert res.minutes[XX, YY] == pytest.approx(128)
    rides = [(leg.line, leg.from_id, leg.to_id) for leg in res.timetable_legs[XX][YY] if leg.kind == "ride"]
    assert rides == [("SLOW", "st_x2", "st_y1")]
    expected = oracle(net, HAND_PARAMETERS)
    finite = np.isfinite(expected)
    mine = all_pairs(build_graph(net, PROFILES["rail"], HAND_PARAMETERS).timetable_view())
    assert np.array_equal(np.isinf(mine), ~finite)
    assert np.allclose(mine[finite], expected[finite], atol=0.05)


@pytest.mark.parametrize(("year", "minutes"), [(2019, 93), (2020, 62), (2025, 62)])
def test_a_listed_station_counts_from_its_from_year(tmp_path, year, minutes):
    """st_x1 listed from 2020 (a junction that became a passenger station): FAST counts from then."""
    net = load_network(listing(tmp_path, "st_x2,西站,,test", "st_x1,西高铁站,2020,test")).as_of(year)
    res = evaluate_profile(net, PROFILES["rail"], HAND_PARAMETERS)
    assert res.timetable_minutes[XX, YY] == pytest.approx(minutes)


def test_cities_without_listed_stations_keep_the_distance_rule(tmp_path):
    """Listing yy's only station changes nothing for xx: st_x1 (19 km) still counts, st_x3 (56 km) not."""
    net = load_network(listing(tmp_path, "st_y1,乙站,,test")).as_of(2025)
    res = evaluate_profile(net, PROFILES["rail"], HAND_PARAMETERS)
    assert res.timetable_minutes[XX, YY] == pytest.approx(62)


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("st_q,西站,,test", "station", "unknown rail station 'st_q'"),
        ("st_x2,乙站,,test", "name_zh", "not the name of st_x2"),
        ("st_x2,西站,2020.5,test", "from_year", ""),
        ("st_x2,西站,,", "source", "empty"),
    ],
)
def test_a_bad_timetable_station_names_file_line_and_field(tmp_path, capsys, row, field, words):
    from sim.cli import main

    folder = listing(tmp_path, "st_y1,乙站,,test", row)
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"timetable_stations.csv:3: field '{field}'" in err, err
    assert words in err and "Traceback" not in err

"""The running-time model: acceleration and braking per stop, major stops, through services.

Hand calculations on the tiny network (see tests/test_graph.py for its layout): st_a (access
20 min) in aa, st_b (10) in bb, st_c (5) in cc; L1 hsr st_a-st_b 300 km at 300 km/h, L2 hsr
st_b-st_c 150 km at 300. Rail processing 15 min, arrival processing 5.

At 300 km/h (83.33 m/s) and a = 0.5 m/s² a train loses v / (2a) = 83.33 s (1.389 min)
accelerating from rest and as much braking to rest. Every edge is rounded to whole
seconds, so the comparisons allow one second per edge.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from sim.errors import InputErrors
from sim.graph import build_graph
from sim.modes import PROFILES, Mode
from sim.network import ThroughService, load_network
from sim.paths import all_pairs, itinerary, node_distances, shortest_path_tree, station_to_station
from sim.running_time import speed_change_minutes
from tests.conftest import HAND_PARAMETERS, TINY

AA, BB, CC = 0, 1, 2
HALF_300 = 300 / 3.6 / (2 * 0.5) / 60  # 1.3889 min
SECOND = 1 / 60

PHYSICAL = HAND_PARAMETERS.with_overrides(
    {
        "stop_loss_min": {"hsr": 0.0, "intercity": 0.0, "conventional": 0.0},
        "acceleration_ms2": {"hsr": 0.5, "intercity": 0.5, "conventional": 0.5},
        "stop_dwell_min": {"hsr": 2.0},
    }
)


def times(network, parameters=PHYSICAL, profile="rail"):
    return all_pairs(build_graph(network, PROFILES[profile], parameters))


def one_line(network, major=frozenset()):
    """L2 renamed L1: one line st_a - st_b - st_c, both sections at 300 km/h."""
    links = tuple(replace(lk, line="L1") if lk.line == "L2" else lk for lk in network.links)
    return replace(network, links=links, major_stops=frozenset(major))


def test_speed_change_minutes_by_hand():
    # 350 km/h = 97.22 m/s; at 0.3 m/s²: 97.22 / 0.6 = 162.04 s
    assert speed_change_minutes(350, 0.3) == pytest.approx(162.037 / 60, abs=1e-4)
    assert speed_change_minutes(120, 1e6) * 60 < 1e-3  # the plain model: nothing once rounded


def test_a_ride_pays_acceleration_and_braking_once(tiny_today):
    # 20 access + 15 processing + (60 running + 1.389 + 1.389) + 10 egress + 5 arrival
    t = times(tiny_today)[AA, BB]
    assert t == pytest.approx(20 + 15 + 60 + 2 * HALF_300 + 10 + 5, abs=2 * SECOND)


def test_the_ride_leg_carries_both_losses(tiny_today):
    graph = build_graph(tiny_today, PROFILES["rail"], PHYSICAL)
    tree = shortest_path_tree(graph, int(graph.origin_nodes[AA]), node_distances(graph)[AA])
    legs = itinerary(graph, tree, int(graph.dest_nodes[BB]))
    ride = next(leg for leg in legs if leg.kind == "ride")
    assert (ride.from_id, ride.to_id) == ("st_a", "st_b")
    assert ride.minutes == pytest.approx(60 + 2 * HALF_300, abs=2 * SECOND)
    assert station_to_station(legs) == pytest.approx(ride.minutes)


def test_trains_pass_a_station_that_is_not_a_major_stop(tiny_today):
    # one line a-b-c: 60 + 30 running, one start and one stop
    t = times(one_line(tiny_today))[AA, CC]
    assert t == pytest.approx(20 + 15 + 90 + 2 * HALF_300 + 5 + 5, abs=3 * SECOND)


def test_a_major_stop_on_the_way_costs_braking_dwell_and_acceleration(tiny_today):
    passing = times(one_line(tiny_today))[AA, CC]
    stopping = times(one_line(tiny_today, {"st_b"}))[AA, CC]
    assert stopping - passing == pytest.approx(2 * HALF_300 + 2.0, abs=3 * SECOND)
    # a major stop at either end of the ride changes nothing: the train stops there anyway
    ends = times(one_line(tiny_today, {"st_a", "st_c"}))[AA, CC]
    assert ends == pytest.approx(passing, abs=SECOND)


def test_a_through_service_stops_at_the_junction(tiny_today):
    through = replace(tiny_today, through_services=(ThroughService("st_b", "L1", "L2", "test"),))
    # 20 + 15 + (60 + 1.389) + (1.389 + 2 dwell + 1.389) + (30 + 1.389) + 5 + 5
    t = times(through)[AA, CC]
    assert t == pytest.approx(20 + 15 + 90 + 4 * HALF_300 + 2.0 + 5 + 5, abs=4 * SECOND)


def test_the_loss_uses_the_fastest_section_of_the_line_at_the_station(tiny_today):
    # L2 at 150 km/h: at st_b the line's sections run at 300 and 150, so boarding or
    # getting off there uses 300; at st_c, the end of the 150 section, 150.
    slow = one_line(tiny_today)
    slow = replace(
        slow, links=tuple(replace(lk, speed_kmh=150.0) if lk.to_id == "st_c" else lk for lk in slow.links)
    )
    half_150 = 150 / 3.6 / (2 * 0.5) / 60
    t = times(slow)
    assert t[BB, CC] == pytest.approx(10 + 15 + 60 + HALF_300 + half_150 + 5 + 5, abs=3 * SECOND)
    assert t[AA, BB] == pytest.approx(20 + 15 + 60 + 2 * HALF_300 + 10 + 5, abs=3 * SECOND)


def test_slower_acceleration_costs_more_in_proportion(tiny_today):
    quick = times(tiny_today)[AA, BB]
    slow = times(tiny_today, PHYSICAL.with_overrides({"acceleration_ms2": {"hsr": 0.25}}))[AA, BB]
    assert slow - quick == pytest.approx(2 * HALF_300, abs=2 * SECOND)  # twice the loss


def test_the_plain_model_of_the_hand_tests_has_no_stop_loss(tiny_today):
    # the HAND parameters: km / speed + 2 min per hsr link, nothing per stop
    assert times(tiny_today, HAND_PARAMETERS)[AA, BB] == pytest.approx(20 + 15 + 62 + 10 + 5)
    assert times(
        one_line(tiny_today, {"st_b"}), HAND_PARAMETERS.with_overrides({"stop_dwell_min": {"hsr": 0}})
    )[AA, CC] == pytest.approx(20 + 15 + 94 + 5 + 5)


def test_road_has_no_stop_loss(tiny_today):
    assert times(tiny_today, PHYSICAL, "road")[AA, BB] == pytest.approx(10 + 120 + 10)


# ------------------------------------------------------------------ major_stops.csv


@pytest.fixture
def net_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)
    return folder


def write_stops(folder: Path, *rows: str) -> None:
    (folder / "major_stops.csv").write_text(
        "station,name_zh,source\n" + "".join(r + "\n" for r in rows), "utf-8"
    )


def test_major_stops_load(net_dir: Path):
    write_stops(net_dir, "st_b,乙站,test")
    assert load_network(net_dir).major_stops == frozenset({"st_b"})
    assert load_network(TINY).major_stops == frozenset()  # the table is optional


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("st_x,乙站,test", "station", "unknown rail station 'st_x'"),
        ("st_b,甲站,test", "name_zh", "not the name of st_b"),
        ("st_b,乙站,", "source", "empty"),
    ],
)
def test_bad_major_stop_names_file_line_and_field(net_dir: Path, row: str, field: str, words: str):
    write_stops(net_dir, "st_a,甲站,test", row)
    with pytest.raises(InputErrors) as caught:
        load_network(net_dir)
    text = str(caught.value)
    assert f"major_stops.csv:3: field '{field}'" in text, text
    assert words in text


def test_a_major_stop_listed_twice_is_an_error(net_dir: Path):
    write_stops(net_dir, "st_b,乙站,test", "st_b,乙站,again")
    with pytest.raises(InputErrors) as caught:
        load_network(net_dir)
    assert "major_stops.csv:3: field 'station'" in str(caught.value)
    assert "listed twice (first on line 2)" in str(caught.value)


def test_validate_exits_2_on_a_bad_major_stop(net_dir: Path, capsys: pytest.CaptureFixture[str]):
    from sim.cli import main

    write_stops(net_dir, "st_nowhere,乙站,test")
    assert main(["validate", str(net_dir)]) == 2
    err = capsys.readouterr().err
    assert "major_stops.csv:2" in err and "Traceback" not in err


def test_a_planned_section_changes_no_allowance_of_the_open_ones(tiny_today):
    """L1 extended st_b - st_c at 350 km/h (planned): the line's speed at st_b is 350 in
    both networks, with and without the extension, so the sweep engine can add it."""
    from sim.network import Link
    from sim.sweep.engine import _edge_key

    extension = Link(Mode.HSR, "L1", "st_b", "st_c", 150, 350, None, 30, "planned", 2030, "ext", None, "test")
    links = tuple(lk for lk in tiny_today.links if lk.line != "L2")
    base = replace(tiny_today, links=links, all_links=(*links, extension))
    union = replace(base, links=(*links, extension))
    weights = {}
    for name, net in (("base", base), ("union", union)):
        graph = build_graph(net, PROFILES["rail"], PHYSICAL)
        weights[name] = {
            _edge_key(graph, e): graph.weight[e] for e in range(graph.n_edges) if graph.edge_kind[e] != "ride"
        }
    assert all(weights["union"][key] == w for key, w in weights["base"].items())
    # boarding L1 at st_b accelerates to 350 km/h in both
    board = [
        w for key, w in weights["base"].items() if key[6] == "board" and key[1] == "st_b" and key[5] == "L1"
    ]
    # from the street: 97 s of acceleration; changing onto L1: plus half its 30-min headway and 10 min
    assert sorted(board) == [round(350 / 3.6 / (2 * 0.5)), round(350 / 3.6 / (2 * 0.5)) + (15 + 10) * 60]

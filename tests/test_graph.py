"""Door-to-door times on the tiny network, against hand calculations.

Tiny network (tests/data/tiny): cities aa, bb, cc; stations st_a (access 20 min) and
st_a2 (access 10) in aa, st_b (10) in bb, st_c (5) in cc. Lines: L1 hsr st_a-st_b 300 km
at 300 km/h, headway 30; L2 hsr st_b-st_c 150 km at 300, headway 60; L3 conventional
st_a2-st_c 240 km at 120, headway 120; L4 (planned) hsr st_a-st_c 200 km at 300.
Expressways aa-bb 200 km, bb-cc 100 km.
Default parameters: rail processing 15 / arrival 5, stop loss hsr 2 / conventional 3,
rail line change 10, road access 10 each end at 100 km/h, mode change 10.
"""

from dataclasses import replace

import numpy as np
import pytest

from sim.graph import COMPONENTS, build_graph
from sim.modes import PROFILES
from sim.network import ThroughService
from sim.paths import all_pairs, itinerary, node_distances, shortest_path_tree
from tests.conftest import HAND_PARAMETERS

AA, BB, CC = 0, 1, 2


def minutes(network, profile="rail", **overrides):
    params = HAND_PARAMETERS.with_overrides(overrides)
    return all_pairs(build_graph(network, PROFILES[profile], params))


def test_single_ride_is_access_processing_ride_egress(tiny_today):
    # 20 access + 15 processing + (300/300*60 + 2) ride + 10 egress + 5 arrival
    assert minutes(tiny_today)[AA, BB] == pytest.approx(20 + 15 + 62 + 10 + 5)


def test_direct_slow_line_beats_a_transfer(tiny_today):
    # via L1 + L2 at st_b: 35 + 62 + (60/2 wait + 10 change) + 32 + 10 = 179
    # via L3 from st_a2:   10 + 15 + (240/120*60 + 3) + 5 + 5   = 158
    assert minutes(tiny_today)[AA, CC] == pytest.approx(158)


def test_components_of_the_chosen_path(tiny_today):
    graph = build_graph(tiny_today, PROFILES["rail"], HAND_PARAMETERS)
    dist = node_distances(graph)
    tree = shortest_path_tree(graph, int(graph.origin_nodes[AA]), dist[AA])
    parts = dict(zip(COMPONENTS, tree.components[graph.dest_nodes[CC]] / 60, strict=True))
    assert parts == {"access": 10, "processing": 20, "wait": 0, "in_vehicle": 123, "transfer": 0, "egress": 5}
    legs = itinerary(graph, tree, int(graph.dest_nodes[CC]))
    rides = [leg for leg in legs if leg.kind == "ride"]
    assert [(r.line, r.from_id, r.to_id) for r in rides] == [("L3", "st_a2", "st_c")]


def test_half_headway_first_wait_is_capped(tiny_today):
    t = minutes(tiny_today, first_wait="half_headway", first_wait_cap_min=15)
    assert t[AA, BB] == pytest.approx(112 + 15)  # half of 30
    assert t[AA, CC] == pytest.approx(158 + 15)  # half of 120, capped at 15


def test_transfer_wait_and_penalty_count(tiny_today):
    # make L3 slow (10 km/h) so that the L1 -> L2 transfer wins: 179 by hand (see above)
    slow = replace(
        tiny_today,
        links=tuple(replace(lk, speed_kmh=None) if lk.line == "L3" else lk for lk in tiny_today.links),
    )
    t = minutes(slow, default_speed_kmh={"conventional": 10.0})
    assert t[AA, CC] == pytest.approx(20 + 15 + 62 + 30 + 10 + 32 + 5 + 5)


def test_declared_through_service_removes_the_change(tiny_today):
    through = replace(tiny_today, through_services=(ThroughService("st_b", "L1", "L2", "test"),))
    # 35 + 62 + 2 dwell + 32 + 10 = 141
    assert minutes(through)[AA, CC] == pytest.approx(141)


def test_road_is_centre_to_centre(tiny_today):
    t = minutes(tiny_today, "road")
    assert t[AA, BB] == pytest.approx(10 + 120 + 10)
    assert t[AA, CC] == pytest.approx(10 + 120 + 60 + 10)


def test_passenger_takes_the_best_of_rail_and_road(tiny_today):
    rail, road, both = (minutes(tiny_today, p) for p in ("rail", "road", "passenger"))
    assert np.all(both <= np.minimum(rail, road) + 1e-9)
    assert both[AA, CC] == pytest.approx(158)


def test_planned_line_counts_only_when_built(tiny):
    assert minutes(tiny.as_of(2025))[AA, CC] == pytest.approx(158)
    # L4 st_a-st_c 200 km at 300 km/h: 35 + 42 + 10 = 87
    assert minutes(tiny.as_of(2030, include_expected=True))[AA, CC] == pytest.approx(87)


def test_no_zero_weight_cycle(tiny):
    """Path choice needs every cycle to cost time: zero-weight edges must form a DAG."""
    import networkx as nx

    for profile in ("rail", "road", "passenger"):
        graph = build_graph(tiny, PROFILES[profile], HAND_PARAMETERS)
        zero = nx.DiGraph()
        zero.add_edges_from(
            (int(u), int(v)) for u, v, w in zip(graph.tail, graph.head, graph.weight, strict=True) if w == 0
        )
        assert nx.is_directed_acyclic_graph(zero)


def test_times_are_whole_seconds(tiny):
    graph = build_graph(tiny, PROFILES["passenger"], HAND_PARAMETERS)
    assert np.array_equal(graph.weight, np.round(graph.weight))


def test_through_service_cannot_be_used_to_skip_a_wait(tiny_today):
    """Boarding L1 at st_b and passing onto L2 'through' would dodge L2's longer wait."""
    through = replace(tiny_today, through_services=(ThroughService("st_b", "L1", "L2", "test"),))
    t = minutes(through, first_wait="half_headway", first_wait_cap_min=100)
    # bb -> cc must wait half of L2's 60-min headway: 10 + 15 + 30 + 32 + 5 + 5 = 97
    # (the loophole would give 10 + 15 + 15 (half of L1's 30) + 2 + 32 + 10 = 84)
    assert t[BB, CC] == pytest.approx(97)

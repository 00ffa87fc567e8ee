"""Shortest paths: the backends agree exactly, and itineraries add up.

Random networks are written as CSV tables and read with :func:`load_network`, so that
the graphs tested are the ones the program builds. networkx is the oracle the other
backends are compared with; hand-computed times check the few cases small enough to
work out on paper.
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.errors import InputError
from sim.evaluate import evaluate_profile
from sim.graph import COMPONENTS, Graph, build_graph
from sim.modes import PROFILES
from sim.network import Network, load_network
from sim.paths import BACKENDS, Leg, all_pairs, itinerary, node_distances, shortest_path_tree
from tests.conftest import HAND_PARAMETERS

TINY = Path(__file__).parent / "data" / "tiny"
SEEDS = range(20)
PROFILE_NAMES = ("rail", "road", "passenger")

CITY_HEADER = [
    "id",
    "name_zh",
    "name_en",
    "province",
    "lat",
    "lon",
    "population",
    "metro_area",
    "plan_status",
    "source",
]
TERMINAL_HEADER = [
    "id",
    "city",
    "name_zh",
    "name_en",
    "lat",
    "lon",
    "access_min",
    "status",
    "open_year",
    "source",
]
LINK_HEADER = [
    "mode",
    "line",
    "from",
    "to",
    "km",
    "speed_kmh",
    "minutes",
    "headway_min",
    "status",
    "open_year",
    "project",
    "plan",
    "source",
]


def write_table(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def link_row(
    mode: str,
    line: str,
    a: str,
    b: str,
    km: object = "",
    speed: object = "",
    *,
    minutes: object = "",
    headway: object = "",
) -> list[object]:
    return [mode, line, a, b, km, speed, minutes, headway, "open", "", "", "", "test"]


def random_network(folder: Path, seed: int) -> Path:
    """Write a random but valid network folder and return it.

    8-15 cities plus one isolated city (no link at all, so that some nodes are
    unreachable), a station in every city and a second one in some, airports in a few,
    random HSR / intercity / conventional links, expressways, a few air routes, parallel
    rail links between the same two stations on different lines, a pair of expressways
    with the same ends and km under two route names, and through services where two lines
    meet.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n = int(rng.integers(8, 16))
    ids = [f"c{i}" for i in range(n + 1)]  # c{n} is isolated
    lat = rng.uniform(26.0, 32.0, n + 1)
    lon = rng.uniform(110.0, 118.0, n + 1)
    write_table(
        folder / "cities.csv",
        CITY_HEADER,
        [
            [
                c,
                f"城{i}",
                f"City {i}",
                "p",
                f"{lat[i]:.3f}",
                f"{lon[i]:.3f}",
                int(rng.integers(10**5, 10**7)),
                "",
                "in-plan",
                "t",
            ]
            for i, c in enumerate(ids)
        ],
    )

    stations: list[list[str]] = []  # stations of each linked city
    terminals: list[list[object]] = []
    transfers: list[list[object]] = []
    for i in range(n):
        count = 2 if rng.random() < 0.3 else 1
        stations.append([f"s{i}" if k == 0 else f"s{i}x" for k in range(count)])
        for sid in stations[-1]:
            access: object = int(rng.integers(3, 45)) if rng.random() < 0.7 else ""  # else estimated
            dlat, dlon = rng.uniform(-0.08, 0.08, 2)
            terminals.append(
                [
                    sid,
                    ids[i],
                    f"站{sid}",
                    sid,
                    f"{lat[i] + dlat:.3f}",
                    f"{lon[i] + dlon:.3f}",
                    access,
                    "open",
                    "",
                    "t",
                ]
            )
        if count == 2 and rng.random() < 0.5:
            transfers.append([stations[-1][0], stations[-1][1], int(rng.integers(10, 60)), "t"])
    write_table(folder / "terminals_rail.csv", TERMINAL_HEADER, terminals)
    write_table(folder / "transfers.csv", ["from", "to", "minutes", "source"], transfers)

    airports = sorted(int(i) for i in rng.choice(n, 3, replace=False))
    write_table(
        folder / "terminals_air.csv",
        TERMINAL_HEADER,
        [
            [f"ap{i}", ids[i], "机场", "Airport", f"{lat[i]:.3f}", f"{lon[i]:.3f}", 45, "open", "", "t"]
            for i in airports
        ],
    )
    air = [
        link_row(
            "air",
            "AIR",
            f"ap{a}",
            f"ap{b}",
            minutes=int(rng.integers(40, 120)),
            headway=int(rng.integers(60, 600)),
        )
        for a, b in ((airports[0], airports[1]), (airports[1], airports[2]))
    ]
    write_table(folder / "links_air.csv", LINK_HEADER, air)

    rail: list[list[object]] = []
    used: set[tuple[str, str, str]] = set()
    lines_at: dict[str, set[str]] = {}

    def add_rail(mode: str, line: str, a: str, b: str, speed: object, headway: object) -> None:
        key = (line, *sorted((a, b)))
        if key in used or a == b:
            return
        used.add(key)
        rail.append(link_row(mode, line, a, b, int(rng.integers(20, 400)), speed, headway=headway))
        for s in (a, b):
            lines_at.setdefault(s, set()).add(line)

    for _ in range(int(rng.integers(n, 2 * n + 1))):
        i, j = (int(x) for x in rng.choice(n, 2, replace=False))
        mode = str(rng.choice(["hsr", "intercity", "conventional"]))
        a, b = str(rng.choice(stations[i])), str(rng.choice(stations[j]))
        speed: object = int(rng.integers(60, 351)) if rng.random() < 0.8 else ""  # else mode default
        headway: object = int(rng.integers(10, 181)) if rng.random() < 0.6 else ""
        add_rail(mode, f"R{int(rng.integers(0, 5))}", a, b, speed, headway)
    # parallel links: the same two stations on two different lines of different speeds
    for k in range(3):
        i, j = (int(x) for x in rng.choice(n, 2, replace=False))
        for line in (f"PA{k}", f"PB{k}"):
            add_rail("hsr", line, stations[i][0], stations[j][0], int(rng.integers(100, 351)), 30)
    write_table(folder / "links_rail.csv", LINK_HEADER, rail)

    through = []
    for station in sorted(lines_at):
        names = sorted(lines_at[station])
        if len(names) >= 2 and rng.random() < 0.3:
            through.append([station, names[0], names[1], "t"])
    write_table(folder / "through_services.csv", ["station", "line_a", "line_b", "source"], through)

    road: list[list[object]] = []
    for k in range(int(rng.integers(n, 2 * n + 1))):
        i, j = (int(x) for x in rng.choice(n, 2, replace=False))
        speed = int(rng.integers(60, 121)) if rng.random() < 0.5 else ""
        road.append(link_row("expressway", f"G{k}", ids[i], ids[j], int(rng.integers(20, 400)), speed))
    # same ends, same km, two route designations (one written backwards)
    i, j = (int(x) for x in rng.choice(n, 2, replace=False))
    km = int(rng.integers(20, 400))
    road.append(link_row("expressway", "GX", ids[i], ids[j], km))
    road.append(link_row("expressway", "GY", ids[j], ids[i], km))
    write_table(folder / "links_road.csv", LINK_HEADER, road)
    return folder


def distances_by_backend(graph: Graph) -> dict[str, np.ndarray]:
    return {backend: node_distances(graph, backend) for backend in BACKENDS}


def itineraries(graph: Graph, dist: np.ndarray) -> list[list[list[Leg] | None]]:
    """Legs from every city to every other (None where unreachable or i == j)."""
    out: list[list[list[Leg] | None]] = []
    for i, origin in enumerate(graph.origin_nodes.tolist()):
        tree = shortest_path_tree(graph, origin, dist[i])
        out.append(
            [
                itinerary(graph, tree, dest) if i != j and np.isfinite(dist[i, dest]) else None
                for j, dest in enumerate(graph.dest_nodes.tolist())
            ]
        )
    return out


@pytest.fixture(scope="module")
def random_networks(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Network]:
    root = tmp_path_factory.mktemp("random")
    return {seed: load_network(random_network(root / f"net{seed}", seed)) for seed in SEEDS}


PARAMETERS = {
    "planned": HAND_PARAMETERS,
    "half_headway": HAND_PARAMETERS.with_overrides({"first_wait": "half_headway"}),
}


# ---------------------------------------------------------- (a) backends on random networks


@pytest.mark.parametrize("seed", SEEDS)
def test_backends_agree_on_random_networks(random_networks: dict[int, Network], seed: int) -> None:
    net = random_networks[seed]
    isolated = len(net.cities) - 1
    for name in PROFILE_NAMES:
        for params in PARAMETERS.values():
            graph = build_graph(net, PROFILES[name], params)
            d = distances_by_backend(graph)
            assert d["scipy"].shape == (len(net.cities), graph.n_nodes)
            assert np.array_equal(d["scipy"], d["networkx"]), name
            assert np.array_equal(d["igraph"], d["networkx"]), name
            # the isolated city cannot be reached and reaches nothing
            assert np.isinf(d["networkx"][:isolated, graph.dest_nodes[isolated]]).all()
            assert np.isinf(d["networkx"][isolated, graph.dest_nodes[:isolated]]).all()
            # a source is at distance 0 from itself
            assert (d["networkx"][np.arange(len(net.cities)), graph.origin_nodes] == 0).all()


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_road_profile_matches_a_direct_city_graph(random_networks: dict[int, Network], seed: int) -> None:
    # independent oracle: expressways as an undirected city graph in whole seconds,
    # plus the drive to the expressway at both ends
    net = random_networks[seed]
    params = HAND_PARAMETERS
    g = nx.Graph()
    g.add_nodes_from(c.id for c in net.cities)
    for lk in net.links:
        if lk.mode.value != "expressway":
            continue
        speed = lk.speed_kmh or params.default_speed_kmh["expressway"]
        seconds = round(lk.km / speed * 3600)
        if not g.has_edge(lk.from_id, lk.to_id) or g[lk.from_id][lk.to_id]["weight"] > seconds:
            g.add_edge(lk.from_id, lk.to_id, weight=seconds)
    ends = 2 * round(params.road_access_min * 60)
    graph = build_graph(net, PROFILES["road"], params)
    for backend in BACKENDS:
        minutes = all_pairs(graph, backend)
        for i, a in enumerate(graph.city_ids):
            lengths = nx.single_source_dijkstra_path_length(g, a)
            for j, b in enumerate(graph.city_ids):
                expected = 0.0 if i == j else (lengths[b] + ends) / 60 if b in lengths else np.inf
                assert minutes[i, j] == expected, (backend, a, b)


# --------------------------------------------------------------------- (b) parallel links


def two_city_network(folder: Path, rail: list[list[object]], road: list[list[object]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_table(
        folder / "cities.csv",
        CITY_HEADER,
        [
            ["aa", "甲", "Alpha", "t", "30.0", "114.0", 1000000, "", "in-plan", "t"],
            ["bb", "乙", "Beta", "t", "29.0", "113.0", 500000, "", "in-plan", "t"],
        ],
    )
    write_table(
        folder / "terminals_rail.csv",
        TERMINAL_HEADER,
        [
            ["st_a", "aa", "甲站", "A", "30.0", "114.0", 20, "open", "", "t"],
            ["st_b", "bb", "乙站", "B", "29.0", "113.0", 10, "open", "", "t"],
        ],
    )
    write_table(folder / "links_rail.csv", LINK_HEADER, rail)
    if road is not None:
        write_table(folder / "links_road.csv", LINK_HEADER, road)
    return folder


@pytest.mark.parametrize("ends", [("st_a", "st_b"), ("st_b", "st_a")])
def test_parallel_links_on_the_same_line_are_duplicates(tmp_path: Path, ends: tuple[str, str]) -> None:
    rail = [link_row("hsr", "L1", "st_a", "st_b", 300, 300), link_row("hsr", "L1", *ends, 300, 250)]
    folder = two_city_network(tmp_path / "net", rail)
    with pytest.raises(InputError) as info:
        load_network(folder)
    text = str(info.value)
    assert "links_rail.csv:3: field 'to'" in text  # the second link, line 3
    assert "duplicate link" in text
    assert "links_rail.csv:2" in text  # pointing back at the first


@pytest.mark.parametrize("fast_first", [True, False])
def test_fastest_of_parallel_lines_is_used(tmp_path: Path, fast_first: bool) -> None:
    # FAST: 300 km at 300 km/h = 60 min; SLOW: 300 km at 200 km/h = 90 min; +2 stop loss.
    # aa -> bb: access 20 + processing 15 + 62 + arrival processing 5 + egress 10 = 112
    # bb -> aa: access 10 + processing 15 + 62 + arrival processing 5 + egress 20 = 112
    fast = link_row("hsr", "FAST", "st_a", "st_b", 300, 300, headway=30)
    slow = link_row("hsr", "SLOW", "st_b", "st_a", 300, 200, headway=30)
    folder = two_city_network(tmp_path / "net", [fast, slow] if fast_first else [slow, fast])
    net = load_network(folder)
    graph = build_graph(net, PROFILES["rail"], HAND_PARAMETERS)
    for backend in BACKENDS:
        minutes = all_pairs(graph, backend)
        assert minutes.tolist() == [[0.0, 112.0], [112.0, 0.0]], backend
        legs = itineraries(graph, node_distances(graph, backend))
        for i, j in ((0, 1), (1, 0)):
            rides = [leg for leg in legs[i][j] if leg.kind == "ride"]
            assert [(r.line, r.minutes) for r in rides] == [("FAST", 62.0)], backend


@pytest.mark.parametrize("fast_first", [True, False])
def test_fastest_of_parallel_expressways_is_used(tmp_path: Path, fast_first: bool) -> None:
    # both join aa and bb (the same two road nodes): parallel edges in the graph, which
    # scipy would add up if they were not reduced. SLOW: 200 km at the default 100 km/h
    # = 120 min; FAST: 200 km at 120 km/h = 100 min. Door to door: 10 + 100 + 10 = 120.
    fast = link_row("expressway", "FAST", "bb", "aa", 200, 120)
    slow = link_row("expressway", "SLOW", "aa", "bb", 200)
    road = [fast, slow] if fast_first else [slow, fast]
    folder = two_city_network(tmp_path / "net", [], road)
    graph = build_graph(load_network(folder), PROFILES["road"], HAND_PARAMETERS)
    assert graph.n_edges > 0
    for backend in BACKENDS:
        assert all_pairs(graph, backend).tolist() == [[0.0, 120.0], [120.0, 0.0]], backend
        legs = itineraries(graph, node_distances(graph, backend))
        assert [(leg.kind, leg.line, leg.minutes) for leg in legs[0][1]] == [
            ("access", "", 10.0),
            ("drive", "FAST", 100.0),
            ("egress", "", 10.0),
        ]


def test_tiny_network_by_hand() -> None:
    # rail: aa-bb on L1 20+15+62+5+10; aa-cc on L3 from Alpha East 10+15+123+5+5;
    # bb-cc on L2 10+15+32+5+5. Road: 10 + km / 100 km/h + 10.
    net = load_network(TINY).as_of(2025)
    rail = build_graph(net, PROFILES["rail"], HAND_PARAMETERS)
    road = build_graph(net, PROFILES["road"], HAND_PARAMETERS)
    for backend in BACKENDS:
        assert all_pairs(rail, backend).tolist() == [[0, 112, 158], [112, 0, 67], [158, 67, 0]]
        assert all_pairs(road, backend).tolist() == [[0, 140, 200], [140, 0, 80], [200, 80, 0]]


# ---------------------------------------- (c) the itinerary does not depend on the backend


@pytest.mark.parametrize("seed", SEEDS)
def test_itineraries_do_not_depend_on_backend(random_networks: dict[int, Network], seed: int) -> None:
    net = random_networks[seed]
    for name in PROFILE_NAMES:
        graph = build_graph(net, PROFILES[name], PARAMETERS["half_headway"])
        d = distances_by_backend(graph)
        reference = itineraries(graph, d["networkx"])
        assert any(legs for row in reference for legs in row), "no itinerary at all"
        for backend in ("scipy", "igraph"):
            assert itineraries(graph, d[backend]) == reference, (name, backend)


# ------------------------------------------------ (d) legs and components add up to the total


@pytest.mark.parametrize("seed", SEEDS)
def test_legs_and_components_sum_to_door_to_door(random_networks: dict[int, Network], seed: int) -> None:
    net = random_networks[seed]
    checked = 0
    for name in PROFILE_NAMES:
        for params in PARAMETERS.values():
            graph = build_graph(net, PROFILES[name], params)
            dist = node_distances(graph, "scipy")
            for i, origin in enumerate(graph.origin_nodes.tolist()):
                tree = shortest_path_tree(graph, origin, dist[i])
                for j, dest in enumerate(graph.dest_nodes.tolist()):
                    if i == j or not np.isfinite(dist[i, dest]):
                        continue
                    total = dist[i, dest] / 60.0
                    legs = itinerary(graph, tree, dest)
                    assert legs[0].kind == "access" and legs[-1].kind == "egress"
                    assert sum(leg.minutes for leg in legs) == pytest.approx(total, abs=1e-9, rel=0)
                    for leg in legs:
                        assert sum(leg.parts.values()) == pytest.approx(leg.minutes, abs=1e-9, rel=0)
                    parts = tree.components[dest]
                    assert (tree.components_to(dest) == parts).all()
                    assert parts.shape == (len(COMPONENTS),)
                    assert (parts >= 0).all()
                    assert int(parts.sum()) == dist[i, dest]  # whole seconds: exact
                    # the edges of the chosen path are a path of that length
                    edges = tree.edges_to(dest)
                    assert graph.tail[edges[0]] == origin and graph.head[edges[-1]] == dest
                    assert (graph.head[edges[:-1]] == graph.tail[edges[1:]]).all()
                    assert graph.weight[edges].sum() == dist[i, dest]
                    checked += 1
    assert checked > 0


def slow_tree(graph, source: int, distance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rule of shortest_path_tree, written plainly: breadth first over the tight edges,
    each node reached from the earliest discovered predecessor by its lowest-index edge;
    components accumulated node by node in that order."""
    from collections import deque

    n = graph.n_nodes
    tight = [
        e
        for e in range(graph.n_edges)
        if np.isfinite(distance[graph.tail[e]])
        and distance[graph.tail[e]] + graph.weight[e] == distance[graph.head[e]]
    ]
    out: dict[int, list[int]] = {}
    for e in tight:
        out.setdefault(int(graph.tail[e]), []).append(e)
    pred = np.full(n, -1, dtype=np.int64)
    comps = np.zeros((n, len(COMPONENTS)), dtype=np.int64)
    seen, queue = {source}, deque([source])
    while queue:
        u = queue.popleft()
        for v in sorted({int(graph.head[e]) for e in out.get(u, [])}):  # scipy visits heads in order
            if v in seen:
                continue
            seen.add(v)
            pred[v] = min(e for e in out[u] if graph.head[e] == v)
            comps[v] = comps[u] + graph.components[pred[v]]
            queue.append(v)
    return pred, comps


@pytest.mark.parametrize("seed", SEEDS[:6])
def test_the_vectorised_tree_equals_the_plain_rule(random_networks: dict[int, Network], seed: int) -> None:
    net = random_networks[seed]
    for name in PROFILE_NAMES:
        graph = build_graph(net, PROFILES[name], HAND_PARAMETERS)
        dist = node_distances(graph, "scipy")
        for i, origin in enumerate(graph.origin_nodes.tolist()):
            tree = shortest_path_tree(graph, origin, dist[i])
            pred, comps = slow_tree(graph, origin, dist[i])
            assert (tree.pred_edge == pred).all(), (seed, name, origin)
            assert (tree.components == comps).all(), (seed, name, origin)


@pytest.mark.parametrize("seed", SEEDS[:8])
def test_profile_results_add_up(random_networks: dict[int, Network], seed: int) -> None:
    # the same identities on what evaluate_profile hands to the CSV writers
    net = random_networks[seed]
    for name in PROFILE_NAMES:
        res = evaluate_profile(net, PROFILES[name], HAND_PARAMETERS)
        n = len(res.graph.city_ids)
        assert (np.diag(res.minutes) == 0).all()
        for i in range(n):
            for j in range(n):
                if i == j or not np.isfinite(res.minutes[i, j]):
                    assert res.legs[i][j] == []
                    continue
                assert res.parts[i, j].sum() == pytest.approx(res.minutes[i, j], abs=1e-9, rel=0)
                assert sum(leg.minutes for leg in res.legs[i][j]) == pytest.approx(
                    res.minutes[i, j], abs=1e-9, rel=0
                )

"""Geography: positions, link geometry, the map background, isochrone polygons, layers.

Isochrones are checked against a hand calculation: a place at straight-line distance
``d`` km from a point reached at ``t`` minutes is within budget ``T`` exactly when
``fixed + d / speed * 60 <= T - t``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, box

from sim.evaluate import evaluate
from sim.geo import (
    isochrones,
    layers,
    link_geometry,
    positions,
    provinces,
    reached_points,
    region_outline,
    rivers,
)
from sim.modes import PROFILES, Mode
from sim.network import Link, great_circle_km, load_network
from sim.scenario import BUNDLED_NETWORK, Scenario, load_scenario
from tests.conftest import HAND_PARAMETERS, TINY


@pytest.fixture(scope="module")
def tiny_rail():
    scenario = Scenario(
        name="tiny",
        description="",
        network_folder=TINY,
        year=2025,
        profiles=(PROFILES["rail"],),
        parameters=HAND_PARAMETERS,
        targets_file=None,
    )
    return evaluate(scenario)


def test_reached_points_at_centres_equal_the_door_to_door_times(tiny_rail) -> None:
    res = tiny_rail.results["rail"]
    found = {ref: t for ref, _, _, t in reached_points(tiny_rail, "aa", "rail")}
    assert found["aa"] == 0.0
    ids = tiny_rail.city_ids
    for j, city in enumerate(ids):
        if city != "aa":
            assert found[city] == pytest.approx(res.minutes[ids.index("aa"), j])
    # by hand (tests/test_cli.py): aa -> cc 158 min door to door; Gamma station reached
    # before the 5 min egress and 5 min arrival processing... at most the centre's time
    assert found["cc"] == pytest.approx(158.0)
    assert found["st_c"] <= found["cc"]


def test_isochrone_matches_the_hand_calculation(tiny_rail) -> None:
    speed, fixed = 20.0, 5.0
    points = reached_points(tiny_rail, "aa", "rail")
    big = box(100, 20, 130, 40)  # no clipping
    isos = isochrones(tiny_rail, "aa", "rail", (60.0, 180.0), speed_kmh=speed, fixed_min=fixed, clip=big)
    assert [i.minutes for i in isos] == [60.0, 180.0]
    assert isos[0].geometry.within(isos[1].geometry.buffer(1e-9))
    for iso in isos:
        for ref, lon, lat, t in points:
            radius = (iso.minutes - t - fixed) * speed / 60.0
            for bearing in (0.0, 90.0, 225.0):
                for share, inside in ((0.9, True), (1.1, False)):
                    d = radius * share
                    if d <= 0:
                        continue
                    b = math.radians(bearing)
                    q = Point(
                        lon + d * math.sin(b) / (111.32 * math.cos(math.radians(lat))),
                        lat + d * math.cos(b) / 110.57,
                    )
                    # a point just outside one disc may still be inside another's
                    others = any(
                        (iso.minutes - t2 - fixed) * speed / 60.0
                        > great_circle_km(lat2, lon2, q.y, q.x) - 0.5
                        for ref2, lon2, lat2, t2 in points
                        if ref2 != ref
                    )
                    if inside:
                        assert iso.geometry.contains(q)
                    elif not others:
                        assert not iso.geometry.contains(q)


def test_isochrone_claims_no_land_between_far_stations(tiny_rail) -> None:
    # aa (114, 30) and bb (113, 29) are reached, but the midpoint is 70 km from both:
    # within 120 min it is not reachable, whatever interpolation between them would say
    iso = isochrones(tiny_rail, "aa", "rail", (120.0,), clip=box(100, 20, 130, 40))[0]
    assert iso.geometry.contains(Point(114.0, 30.0))
    assert not iso.geometry.contains(Point(113.5, 29.5))


def test_isochrones_are_clipped_to_the_region(tiny_rail) -> None:
    region = region_outline(tiny_rail.network)
    for c in tiny_rail.network.cities:
        assert region.contains(Point(c.lon, c.lat))
    iso = isochrones(tiny_rail, "aa", "rail", (600.0,))[0]
    assert iso.geometry.difference(region).area < 1e-9


def test_bad_speed_is_refused(tiny_rail) -> None:
    with pytest.raises(ValueError, match="speed_kmh"):
        isochrones(tiny_rail, "aa", "rail", speed_kmh=0)


def test_every_regional_city_lies_in_its_province() -> None:
    # an independent check of the background against cities.csv: the DCW outlines and
    # the recalled city coordinates agree on the province of every regional city
    outlines = provinces()
    net = load_network(BUNDLED_NETWORK)
    for c in net.cities:
        if c.plan_status == "external" or c.province not in outlines:
            continue
        assert outlines[c.province][2].buffer(0.02).contains(Point(c.lon, c.lat)), c.id


def test_rivers_pass_their_ports() -> None:
    lines = {k: v[2] for k, v in rivers().items()}
    net = load_network(BUNDLED_NETWORK)
    where = positions(net)
    km_per_deg = 100.0  # a loose bound: 0.05 degree is about 5 km
    for port, river in (
        ("pt_wuhan", "yangtze"),
        ("pt_jiujiang", "yangtze"),
        ("pt_xiangyang", "han"),
        ("pt_changsha", "xiang"),
        ("pt_nanchang", "gan"),
        ("pt_changde", "yuan"),
    ):
        assert lines[river].distance(Point(where[port])) * km_per_deg < 6.0, port


def _link(mode: Mode, line: str, a: str, b: str) -> Link:
    return Link(mode, line, a, b, 10.0, None, None, None, "open", None, None, None, "test")


def test_waterway_follows_its_river_and_other_links_are_straight() -> None:
    river = LineString([(0, 0), (1, 1), (2, 0), (3, 1)])
    where = {"p": (0.0, 0.01), "q": (3.0, 0.99), "far": (1.5, 3.0)}
    along = link_geometry(_link(Mode.WATERWAY, "湘江", "p", "q"), where, {"xiang": river})
    assert along.coords[0] == where["p"] and along.coords[-1] == where["q"]
    assert along.length == pytest.approx(river.length, abs=0.05)
    backwards = link_geometry(_link(Mode.WATERWAY, "湘江", "q", "p"), where, {"xiang": river})
    assert backwards.coords[0] == where["q"]
    straight = link_geometry(_link(Mode.WATERWAY, "湘江", "p", "far"), where, {"xiang": river})
    assert len(straight.coords) == 2  # the port is 300 km from the river
    assert len(link_geometry(_link(Mode.HSR, "湘江", "p", "q"), where, {"xiang": river}).coords) == 2
    assert link_geometry(_link(Mode.HSR, "x", "p", "nowhere"), where) is None


def test_layers_hold_every_city_terminal_and_link(tiny: object) -> None:
    scenario = replace(
        load_scenario("today"),
        network_folder=TINY,
        targets_file=None,
        year=2025,
        parameters=HAND_PARAMETERS,
        profiles=(PROFILES["rail"], PROFILES["road"]),
    )
    result = evaluate(scenario)
    full = load_network(TINY)
    found = {lay.name: lay for lay in layers(result, full)}
    assert set(found) == {"cities", "terminals", "links_hsr", "links_conventional", "links_expressway"}
    cities = found["cities"]
    assert [r["id"] for r in cities.rows] == ["aa", "bb", "cc"]
    assert cities.geometries[0].coords[0] == (114.0, 30.0)
    assert {"rail_weighted_avg_min", "road_pop_within_120"} <= set(cities.columns)
    hsr = found["links_hsr"]
    by_line = {r["line"]: r for r in hsr.rows}
    assert by_line["L4"]["in_scenario"] is False and by_line["L1"]["in_scenario"] is True
    assert by_line["L1"]["km"] == 300 and by_line["L1"]["from_name"] == "甲站"
    # L1: 300 km at 300 km/h plus 2 min stop loss (the hand parameters)
    assert by_line["L1"]["model_minutes"] == pytest.approx(62.0)


def test_to_geodataframe_names_the_extra_when_geopandas_is_missing(
    tiny_rail, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    from sim.geo import to_geodataframe

    real = builtins.__import__

    def no_geopandas(name: str, *args: object, **kwargs: object):
        if name.startswith("geopandas"):
            raise ImportError("No module named 'geopandas'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_geopandas)
    with pytest.raises(ImportError, match=r"sim\[geo\]"):
        to_geodataframe(tiny_rail)


def test_to_geodataframe(tiny_rail) -> None:
    pytest.importorskip("geopandas", reason="the geo extra is not installed")
    from sim.geo import to_geodataframe

    frame = to_geodataframe(tiny_rail, "cities")
    assert frame.crs.to_epsg() == 4326
    assert list(frame["id"]) == ["aa", "bb", "cc"]
    assert frame.geometry.iloc[1].x == 113.0
    with pytest.raises(ValueError, match="no layer"):
        to_geodataframe(tiny_rail, "nothing")


def test_basemap_file_is_packaged() -> None:
    from sim.geo.basemap import BASEMAP

    assert BASEMAP.is_file() and BASEMAP.parent.name == "geodata"
    assert (Path(BASEMAP.parent) / "README.md").read_text(encoding="utf-8").count("LGPL") >= 1


def test_background_geojson_is_plain_geojson() -> None:
    import json

    from sim.geo import background_geojson

    data = background_geojson(("river",))
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["id"] for f in data["features"]} == {"yangtze", "han", "xiang", "yuan", "gan"}
    assert all(f["geometry"]["type"] == "LineString" for f in data["features"])
    data["features"].clear()  # a copy: the next call is whole again
    assert len(background_geojson(("river",))["features"]) == 5
    json.dumps(background_geojson())


def test_bundled_waterways_follow_their_rivers() -> None:
    net = load_network(BUNDLED_NETWORK)
    where = positions(net)
    lines = {k: v[2] for k, v in rivers().items()}
    han = next(lk for lk in net.links if lk.line == "汉江")
    along = link_geometry(han, where, lines)
    straight = LineString([where[han.from_id], where[han.to_id]])
    # the Han meanders: its course from 襄阳 to 武汉 is far longer than the straight line
    assert along.length > 1.4 * straight.length
    assert along.coords[0] == where[han.from_id] and along.coords[-1] == where[han.to_id]
    air = next(lk for lk in net.links if lk.mode is Mode.AIR)
    assert len(link_geometry(air, where, lines).coords) == 2


ROADS = Path(__file__).parent / "data" / "roads"


def test_road_links_join_road_nodes_with_coordinates() -> None:
    full = load_network(ROADS)
    scenario = replace(
        load_scenario("today"),
        network_folder=ROADS,
        targets_file=None,
        year=2025,
        profiles=(PROFILES["road"],),
    )
    result = evaluate(scenario, full)
    found = {lay.name: lay for lay in layers(result, full)}
    roads = found["links_expressway"]
    first = next(k for k, r in enumerate(roads.rows) if r["from"] == "rn_aa_e" and r["to"] == "rn_bb_w")
    assert list(roads.geometries[first].coords) == [(114.1, 30.0), (114.9, 30.0)]
    assert roads.rows[first]["from_name"] == "甲东"
    # the widening beside G2 is its own row; the planned G7 is not in the 2025 scenario
    g2 = [r for r in roads.rows if r["line"] == "G2"]
    assert len(g2) == 2 and all(r["in_scenario"] for r in g2)
    assert [r["in_scenario"] for r in roads.rows if r["line"] == "G7"] == [False]
    # a driver reaching a junction can leave the expressway there
    refs = {ref for ref, *_ in reached_points(result, "aa", "road")}
    assert {"rn_j", "rn_bb_w"} <= refs


def test_graph_export_places_road_nodes(tmp_path: Path) -> None:
    import networkx as nx

    from sim.export import write_graphml
    from sim.graph import build_graph

    net = load_network(ROADS).as_of(2025)
    graph = build_graph(net, PROFILES["road"], HAND_PARAMETERS)
    write_graphml(graph, tmp_path / "g.graphml", net)
    g = nx.read_graphml(tmp_path / "g.graphml")
    junction = [d for _, d in g.nodes(data=True) if d["ref"] == "rn_j"]
    assert junction and all((d["lon"], d["lat"]) == (115.05, 29.8) for d in junction)

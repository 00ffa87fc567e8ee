"""``sim export``: the format follows the suffix; every format reads back with its own tool.

GeoJSON is checked with the standard library only; GeoPackage with pyogrio/geopandas
and OMX with openmatrix (skipped, with the reason, when the ``geo`` / ``omx`` extras are
not installed; the ``test`` extra installs them); GraphML and GEXF with networkx.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.graph import COMPONENTS
from tests.conftest import with_hand_parameters

TINY = (Path(__file__).parent / "data" / "tiny").resolve()
CITIES = {"aa": (114.0, 30.0), "bb": (113.0, 29.0), "cc": (112.6, 28.6)}  # tests/data/tiny/cities.csv


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "targets.toml").write_text(
        '[[target]]\nid = "rail-all"\ntitle = "rail to every city"\nsource = "test"\n'
        'kind = "coverage"\nservice = "rail"\nmin_population = 0\ndue_year = 2020\n',
        encoding="utf-8",
    )
    (tmp_path / "s.toml").write_text(
        with_hand_parameters(
            'name = "s"\ndescription = "tiny"\nyear = 2025\nprofiles = ["rail", "road"]\n'
            'targets = "targets.toml"\n'
            f'network = "{TINY.as_posix()}"\n'
        ),
        encoding="utf-8",
    )
    return tmp_path


def export(*args: str) -> int:
    return main(["export", *args, "--scenario", "s.toml", "--network", str(TINY)])


@pytest.mark.parametrize("name", ["x.csv", "x", "x.shp"])
def test_unknown_suffix_is_refused_in_one_line(
    work: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert export(name) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and name in err[0] and ".gpkg" in err[0]
    assert not (work / name).exists()


def test_geojson_is_valid_with_coordinates(work: Path) -> None:
    assert export("x.geojson", "--isochrones", "aa") == 0
    data = json.loads((work / "x.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    kinds = {"Point", "LineString", "Polygon", "MultiPolygon"}
    for feature in data["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert geometry["type"] in kinds
    cities = [f for f in data["features"] if f["properties"]["layer"] == "cities"]
    assert {f["properties"]["id"]: tuple(f["geometry"]["coordinates"]) for f in cities} == CITIES
    assert all("rail_weighted_avg_min" in f["properties"] for f in cities)
    layers = {f["properties"]["layer"] for f in data["features"]}
    assert layers == {
        "cities",
        "terminals",
        "links_hsr",
        "links_conventional",
        "links_expressway",
        "isochrones",
    }
    for layer in layers:  # one file per layer beside it, the same features
        own = json.loads((work / f"x-{layer}.geojson").read_text(encoding="utf-8"))
        assert len(own["features"]) == sum(f["properties"]["layer"] == layer for f in data["features"])
    lines = [f for f in data["features"] if f["properties"]["layer"] == "links_hsr"]
    for f in lines:
        coords = f["geometry"]["coordinates"]
        assert len(coords) >= 2 and all(len(p) == 2 and 100 < p[0] < 130 and 20 < p[1] < 40 for p in coords)
    rings = [f for f in data["features"] if f["properties"]["layer"] == "isochrones"]
    assert [f["properties"]["minutes"] for f in rings] == [60, 120, 180]
    for f in rings:
        polygons = (
            f["geometry"]["coordinates"]
            if f["geometry"]["type"] == "MultiPolygon"
            else [f["geometry"]["coordinates"]]
        )
        for polygon in polygons:
            for ring in polygon:
                assert ring[0] == ring[-1] and len(ring) >= 4  # closed rings


def test_geojson_is_deterministic(work: Path) -> None:
    assert export("a.geojson") == 0
    assert export("b.geojson") == 0
    assert (work / "a.geojson").read_bytes() == (work / "b.geojson").read_bytes()


def test_gpkg_layers_and_indicators(work: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio", reason="the geo extra (geopandas, pyogrio) is not installed")
    gpd = pytest.importorskip("geopandas", reason="the geo extra (geopandas, pyogrio) is not installed")
    assert main(["run", "s.toml", "--out", "r", "--network", str(TINY)]) == 0
    assert export("x.gpkg") == 0
    names = [name for name, _ in pyogrio.list_layers(work / "x.gpkg")]
    assert names == ["cities", "terminals", "links_hsr", "links_conventional", "links_expressway"]
    cities = gpd.read_file(work / "x.gpkg", layer="cities")
    indicators = pd.read_csv(work / "r" / "indicators.csv")
    rail = indicators[indicators["profile"] == "rail"].set_index("city")
    for _, row in cities.iterrows():
        assert (row.geometry.x, row.geometry.y) == CITIES[row["id"]]
        assert row["rail_weighted_avg_min"] == pytest.approx(rail.loc[row["id"], "weighted_avg_min"])
        assert row["rail_pop_within_120"] == rail.loc[row["id"], "pop_within_120"]
    links = gpd.read_file(work / "x.gpkg", layer="links_hsr")
    assert set(links["line"]) == {"L1", "L2", "L4"}
    assert list(links.loc[links["line"] == "L4", "in_scenario"]) == [False]


def test_run_and_compare_write_a_gpkg_beside_the_csvs(work: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio", reason="the geo extra (geopandas, pyogrio) is not installed")
    assert main(["run", "s.toml", "--out", "r", "--gpkg", "--network", str(TINY)]) == 0
    assert next(n for n, _ in pyogrio.list_layers(work / "r" / "s.gpkg")) == "cities"
    (work / "t.toml").write_text(
        (work / "s.toml")
        .read_text(encoding="utf-8")
        .replace('name = "s"', 'name = "t"')
        .replace("year = 2025", 'year = 2030\nadd_projects = ["newline"]'),
        encoding="utf-8",
    )
    assert main(["compare", "s.toml", "t.toml", "--out", "c", "--gpkg", "--network", str(TINY)]) == 0
    layers = [n for n, _ in pyogrio.list_layers(work / "c" / "compare-s-vs-t.gpkg")]
    assert layers == ["city_changes", "links_added"]


def test_missing_extra_is_one_line_naming_it(work: Path, monkeypatch, capsys) -> None:
    import sim.export.gpkg as gpkg

    def missing() -> None:
        raise ImportError("GeoPackage output needs geopandas and pyogrio: install the optional geo extra: x")

    monkeypatch.setattr(gpkg, "require_geo", missing)
    assert export("x.gpkg") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "geo extra" in err[0]
    assert main(["run", "s.toml", "--out", "r", "--gpkg", "--network", str(TINY)]) == 2
    assert not (work / "r").exists()


def test_missing_omx_extra_is_one_line_naming_it(work: Path, monkeypatch, capsys) -> None:
    import builtins

    real = builtins.__import__

    def no_openmatrix(name: str, *args: object, **kwargs: object):
        if name.startswith("openmatrix"):
            raise ImportError("No module named 'openmatrix'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openmatrix)
    assert export("x.omx") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "omx extra" in err[0] and "x.omx" in err[0]
    assert not (work / "x.omx").exists()


def test_omx_matrices_equal_the_program_times(work: Path) -> None:
    omx = pytest.importorskip("openmatrix", reason="the omx extra (openmatrix) is not installed")
    assert export("x.omx") == 0
    assert main(["run", "s.toml", "--out", "r", "--network", str(TINY)]) == 0
    table = pd.read_csv(work / "r" / "travel_times.csv")
    with omx.open_file(str(work / "x.omx")) as f:
        lookup = f.mapping("city")  # the OMX way to read a zone lookup
        ids = [k.decode() for k, _ in sorted(lookup.items(), key=lambda kv: kv[1])]
        assert ids == ["aa", "bb", "cc"]
        assert sorted(f.list_matrices()) == sorted(
            f"{p}_{m}" for p in ("rail", "road") for m in ("door_to_door", "timetable", *COMPONENTS)
        )
        for _, row in table.iterrows():
            i, j = ids.index(row["origin"]), ids.index(row["destination"])
            d2d = np.array(f[f"{row['profile']}_door_to_door"])[i, j]
            assert d2d == pytest.approx(row["minutes"], abs=0.05)  # the CSV rounds to 0.1
            parts = sum(np.array(f[f"{row['profile']}_{c}"])[i, j] for c in COMPONENTS)
            assert parts == pytest.approx(d2d, abs=1e-9)  # the parts add up to the whole
            station = np.array(f[f"{row['profile']}_timetable"])[i, j]
            if pd.isna(row["station_to_station_min"]):
                assert station == np.inf
            else:
                assert station == pytest.approx(row["station_to_station_min"], abs=0.05)
        rail = np.array(f["rail_door_to_door"])
        # by hand (tests/test_cli.py): aa -> cc by rail 158 min, bb -> cc 67 min
        assert rail[0, 2] == pytest.approx(158.0) and rail[1, 2] == pytest.approx(67.0)
        # the timetable reading: aa -> cc on L3 is 240 km at 120 km/h + 3 min = 123 min on board
        assert np.array(f["rail_timetable"])[0, 2] == pytest.approx(123.0)
        assert np.all(np.diag(rail) == 0)


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_graph_formats_read_back_with_coordinates(work: Path, suffix: str) -> None:
    import networkx as nx

    assert export(f"g{suffix}", "--profile", "rail") == 0
    reader = nx.read_graphml if suffix == ".graphml" else nx.read_gexf
    g = reader(work / f"g{suffix}")
    origins = {d["ref"]: d for _, d in g.nodes(data=True) if d["kind"] == "origin"}
    assert set(origins) == set(CITIES)
    for ref, data in origins.items():
        assert (float(data["lon"]), float(data["lat"])) == CITIES[ref]
    stations = [d for _, d in g.nodes(data=True) if d["ref"] == "st_a2"]
    assert stations and all(float(d["lon"]) == 114.1 for d in stations)
    if suffix == ".gexf":
        text = (work / "g.gexf").read_text(encoding="utf-8")
        assert 'x="114.1"' in text and "<viz:position" in text

"""Comparison of two scenarios on the tiny network, and the commands built on it."""

from pathlib import Path

import pytest

from sim.cli import main
from sim.compare import compare
from sim.evaluate import evaluate
from sim.scenario import Scenario
from tests.conftest import HAND_PARAMETERS

TINY = Path(__file__).parent / "data" / "tiny"
TARGETS = """
[[target]]
id = "bc-90"
title = "bb-cc within 90 min"
source = "test"
due_year = 2020
kind = "travel_time"
headline = "door_to_door"
headline_reason = "test"
threshold_min = 90
pairs = [{ from = "bb", to = "cc" }]
"""


@pytest.fixture
def pair(tmp_path):
    (tmp_path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    common = {
        "network_folder": TINY,
        "targets_file": tmp_path / "targets.toml",
        "parameters": HAND_PARAMETERS,
    }
    before = evaluate(Scenario(name="y2011", year=2011, **common))
    after = evaluate(Scenario(name="y2025", year=2025, **common))
    return compare(before, after)


def test_line_opening_is_listed_and_newly_meets_the_target(pair):
    diff = pair.differences()
    # L2 (st_b-st_c) opened in 2012: the only link that differs
    assert [d.split()[1] for d in diff["links_added"]] == ["L2"]
    changes = pair.target_changes()
    row = changes[changes["target"] == "bc-90"].iloc[0]
    # after: 10 + 15 + 32 (150 km at 300 + 2) + 5 + 5 = 67 by hand, within 90
    assert row["change"] == "newly met" and row["after_min"] == pytest.approx(67)
    assert row["before_min"] > 90


def test_od_deltas_are_after_minus_before(pair):
    od = pair.od_changes().dropna(subset=["delta_min"])
    assert len(od) > 0
    assert (od["after_min"] - od["before_min"] - od["delta_min"]).abs().max() < 0.051
    # opening a line can only shorten trips
    assert (od["delta_min"] <= 1e-9).all()


def test_city_changes_follow_the_od_changes(pair):
    cities = pair.city_changes()
    rail = cities[cities["profile"] == "rail"].set_index("city")
    assert rail.loc["cc", "weighted_avg_min_delta"] < 0


def test_compare_and_report_commands(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    for name, year in (("a", 2011), ("b", 2025)):
        (tmp_path / f"{name}.toml").write_text(
            f'year = {year}\nnetwork = "{TINY.as_posix()}"\ntargets = "targets.toml"\n', encoding="utf-8"
        )
    assert main(["compare", "a.toml", "b.toml", "--out", "cmp"]) == 0
    out = capsys.readouterr().out
    assert "newly met: bc-90" in out
    written = {p.name for p in (tmp_path / "cmp").iterdir()}
    assert {
        "od_changes.csv",
        "target_changes.csv",
        "differences.json",
        "targets.png",
        "change_rail.svg",
    } <= written
    assert main(["report", "a.toml", "b.toml", "--out", "r.html"]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<img ") >= 4
    assert 'src="http' not in page and "<script" not in page  # self-contained
    assert main(["map", "bb", "--scenario", "b.toml", "--out", "m"]) == 0
    assert {p.name for p in (tmp_path / "m").iterdir()} == {
        "map.png",
        "map.svg",
        "minutes.csv",
        ".sim-results",
        "isochrones.geojson",
    }


def test_scenarios_lists_every_bundled_scenario(capsys):
    assert main(["scenarios"]) == 0
    names = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert {
        "2015",
        "2020",
        "today",
        "expected-2030",
        "plan-2022-projects",
        "vision-2035",
        "no-flights",
    } <= names


def test_faster_pairs_name_the_project_their_new_itinerary_uses(tmp_path):
    """Adding the planned L4 (project "newline", st_a-st_c 200 km at 300 km/h).

    aa-cc: door to door 158 -> 20 + 15 + 42 + 5 + 5 = 87; station to station 123 -> 42,
    both by L4. bb-cc gets no faster (L2 stays its best line).
    """
    (tmp_path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    common = {
        "network_folder": TINY,
        "targets_file": tmp_path / "targets.toml",
        "parameters": HAND_PARAMETERS,
    }
    before = evaluate(Scenario(name="base", year=2025, **common))
    after = evaluate(Scenario(name="l4", year=2025, add_projects=("newline",), **common))
    od = compare(before, after).od_changes().set_index(["origin", "destination", "profile", "reading"])
    door = od.loc[("aa", "cc", "rail", "door_to_door")]
    station = od.loc[("aa", "cc", "rail", "timetable")]
    assert (door["before_min"], door["after_min"]) == (pytest.approx(158), pytest.approx(87))
    assert (station["before_min"], station["after_min"]) == (pytest.approx(123), pytest.approx(42))
    assert door["projects"] == station["projects"] == "newline" and station["new_links"] == 1
    assert od.loc[("bb", "cc", "rail", "timetable"), "projects"] == ""


def test_the_reports_embedded_font_is_the_same_bytes_whenever_it_is_made(monkeypatch):
    """The font subset in a report carries no time of making (fontTools stamps 'head.modified'
    with the current time unless told not to), so the same inputs give the same page."""
    import fontTools.ttLib.tables._h_e_a_d as head

    from sim.report import _embedded_font

    monkeypatch.setattr(head, "timestampNow", lambda: 3_000_000_000)
    first = _embedded_font("武汉至南昌")
    monkeypatch.setattr(head, "timestampNow", lambda: 3_000_100_000)
    assert _embedded_font("武汉至南昌") == first

"""Target verdicts on the tiny network, against hand-computed times.

Tiny network (tests/data/tiny, see tests/test_graph.py), pinned running-time model:
door to door aa-bb 112 min (20 + 15 + 62 + 10 + 5), aa-cc 158 (by L3 from st_a2);
station to station aa-bb 62 (L1: 300 km at 300 km/h + 2), aa-cc 123 (L3: 240 km at
120 km/h + 3; L1 then L2 would be 62 + 30 + 10 + 32 = 134). Road aa-bb 140 (10 + 120 + 10).
Rail km as built by 2025: L1 300 + L2 150 + L3 240 = 690 (L2 opened 2012, L4 is planned).
"""

import json
import shutil
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.evaluate import evaluate
from sim.scenario import Scenario
from tests.conftest import HAND_PARAMETERS

TINY = Path(__file__).parent / "data" / "tiny"

HEAD = 'source = "test"\ndue_year = 2020\n'
TIME = HEAD + 'kind = "travel_time"\nheadline_reason = "test"\n'
TARGETS = f"""
[sets]
pair = ["aa", "bb"]
all3 = ["aa", "bb", "cc"]

[[target]]
id = "ab-2h"
title = "aa and bb within 2 hours"
{TIME}headline = "door_to_door"
profile = "rail"
threshold_min = 120
pairs = [{{ among = "pair" }}]

[[target]]
id = "all-2h"
title = "all within 2 hours"
{TIME}headline = "timetable"
threshold_min = 120
pairs = [{{ from = "aa", to = "all3" }}]

[[target]]
id = "ab-1h"
title = "aa-bb within an hour, station to station"
{TIME}headline = "timetable"
threshold_min = 61
pairs = [{{ among = "pair" }}]

[[target]]
id = "rail-300k"
title = "rail to every city over 300,000"
{HEAD}kind = "coverage"
service = "fast_rail"
min_population = 300000
"""


def run(tmp_path: Path, text: str = TARGETS, network: Path = TINY, year: int = 2025):
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    scenario = Scenario(
        name="t", year=year, targets_file=path, network_folder=network, parameters=HAND_PARAMETERS
    )
    result = evaluate(scenario)
    return {tr.target.id: tr for tr in result.targets}, result


def test_both_readings_are_judged_the_headline_first(tmp_path):
    res, _ = run(tmp_path)
    ab = res["ab-2h"]
    assert list(ab.readings) == ["door_to_door", "timetable"]
    assert ab.met and ab.checks[0].minutes == pytest.approx(112)
    assert ab.readings["timetable"].checks[0].minutes == pytest.approx(62)
    all2 = res["all-2h"]
    assert list(all2.readings) == ["timetable", "door_to_door"]
    # station to station aa-cc 123: missed by 3; door to door 158: missed by 38
    tt = {c.destination: c for c in all2.readings["timetable"].checks}
    assert not tt["cc"].passed and tt["cc"].gap_min == pytest.approx(3) and tt["cc"].main_line == "L3"
    # the stations the 123 minutes run between: L3 runs from 甲东站 (st_a2), not from 甲站
    assert (tt["cc"].first_terminal, tt["cc"].last_terminal) == ("st_a2", "st_c")
    d2d = {c.destination: c for c in all2.readings["door_to_door"].checks}
    assert d2d["cc"].gap_min == pytest.approx(38) and d2d["bb"].passed
    assert not all2.met and all2.n_passed == 1


def test_timetable_reading_replaces_in_vehicle(tmp_path):
    res, _ = run(tmp_path)
    # on board aa-bb: 300 km at 300 km/h + 2 min stop loss = 62 > 61
    check = res["ab-1h"].checks[0]
    assert check.minutes == pytest.approx(62) and not check.passed
    with pytest.raises(InputError, match="'measure' is replaced by 'headline'"):
        run(
            tmp_path,
            TARGETS.replace(
                'headline = "timetable"\nthreshold_min = 61', 'measure = "in_vehicle"\nthreshold_min = 61'
            ),
        )


def test_coverage_counts_only_cities_above_the_threshold(tmp_path):
    res, _ = run(tmp_path)
    cov = res["rail-300k"]
    # cc has 200,000 people: not checked; aa and bb are on hsr lines
    assert [c.origin for c in cov.checks] == ["aa", "bb"] and cov.met


def with_calibration(tmp_path: Path, rail: float, road: float) -> Path:
    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)
    (folder / "calibration.toml").write_text(
        f"[rail]\nmae_min = {rail}\n[road]\nmae_min = {road}\n[measured]\ncommand = 'test'\n",
        encoding="utf-8",
    )
    return folder


def test_close_calls_are_labelled_and_counted_never_hidden(tmp_path):
    res, result = run(tmp_path, network=with_calibration(tmp_path, rail=5, road=30))
    tt = {c.destination: c for c in res["all-2h"].readings["timetable"].checks}
    # aa-cc 123 min against 120: missed by 3, within the rail error of 5: a close miss
    assert not tt["cc"].passed and tt["cc"].close and tt["cc"].error_min == 5
    # aa-bb 62 against 120: 58 under, not close
    assert tt["bb"].passed and not tt["bb"].close
    # ab-1h: 62 against 61, close; still a miss
    assert res["ab-1h"].checks[0].close and not res["ab-1h"].met
    summary = {t["id"]: t for t in result.summary()["targets"]}
    reading = summary["all-2h"]["readings"]["timetable"]
    assert reading["pairs_close"] == 1 and reading["met"] is False
    assert reading["failing"] == [
        {
            "origin": "aa",
            "destination": "cc",
            "minutes": 123.0,
            "gap_min": 3.0,
            "first_terminal": "st_a2",  # L3, the only line to cc, runs 甲东站 (st_a2) to 丙站 (st_c)
            "last_terminal": "st_c",
            "default_speed": [],  # L3's speed is in the data (120 km/h)
            "close": True,
            "main_line": "L3",
        }
    ]
    table = result.targets_table()
    row = table[
        (table["target"] == "all-2h") & (table["reading"] == "timetable") & (table["destination"] == "cc")
    ]
    assert bool(row["close"].iloc[0]) and not bool(row["passed"].iloc[0])
    # without a calibration file nothing is labelled close
    res, result = run(tmp_path)
    assert not any(c.close for tr in res.values() for r in tr.readings.values() for c in r.checks)
    assert result.summary()["model_error"] is None


def test_not_yet_due_is_marked_beside_the_verdict(tmp_path):
    text = TARGETS.replace("due_year = 2020", "due_year = 2030", 1)
    res, result = run(tmp_path, text)
    assert res["ab-2h"].not_yet_due and res["ab-2h"].met  # the verdict stands, marked
    assert not res["all-2h"].not_yet_due
    summary = {t["id"]: t for t in result.summary()["targets"]}
    assert summary["ab-2h"]["not_yet_due"] is True and summary["ab-2h"]["due_year"] == 2030
    assert summary["ab-2h"]["network_year"] == 2025
    # on the network of 2031 it is due
    res, _ = run(tmp_path, text, year=2031)
    assert not res["ab-2h"].not_yet_due


def test_summary_has_the_verdict_shape(tmp_path):
    _, result = run(tmp_path)
    summary = json.loads(json.dumps(result.summary()))
    entry = next(t for t in summary["targets"] if t["id"] == "all-2h")
    assert entry["headline"] == "timetable" and list(entry["readings"]) == ["timetable", "door_to_door"]
    for reading in entry["readings"].values():
        assert {"met", "pairs_met", "pairs_total", "pairs_close", "failing"} <= set(reading)
    assert entry["readings"]["door_to_door"]["pairs_met"] == 1
    cov = next(t for t in summary["targets"] if t["id"] == "rail-300k")
    assert (cov["met"], cov["cities_met"], cov["cities_total"]) == (True, 2, 2)


def test_freight_target_reads_the_freight_profile(tmp_path):
    text = f"""
[[target]]
id = "logistics"
title = "aa-bb freight within 2 hours"
{TIME}headline = "door_to_door"
profile = "freight"
threshold_min = 120
pairs = [{{ from = "aa", to = "bb" }}]
"""
    res, _ = run(tmp_path, text)
    d2d = res["logistics"].readings["door_to_door"]
    # freight has no hsr: by road, 10 + 200 km at 100 km/h + 10 = 140
    assert d2d.profile == "freight" and d2d.checks[0].minutes == pytest.approx(140)
    # station to station on the freight profile's lines: no conventional line joins aa and bb.
    # Freight keeps no published timetable, so that reading is called a modelled run
    run_reading = res["logistics"].readings["modelled_run"]
    assert run_reading.reading == "timetable" and run_reading.checks[0].minutes is None
    assert "no published freight timetable" in run_reading.label
    assert list(res["logistics"].readings) == ["door_to_door", "modelled_run"]


@pytest.mark.parametrize(("speed", "met"), [(250, True), (310, False)])
def test_high_speed_rail_coverage_by_province(tmp_path, speed, met):
    text = f"""
[[target]]
id = "hsr"
title = "hsr to every test city over 300,000"
{HEAD}kind = "coverage"
service = "high_speed_rail"
min_speed_kmh = {speed}
min_population = 300000
cities = "all"
provinces = ["test"]
"""
    res, _ = run(tmp_path, text)
    assert [c.origin for c in res["hsr"].checks] == ["aa", "bb"]  # L1 and L2 run at 300 km/h
    assert res["hsr"].met is met
    res, _ = run(tmp_path, text.replace('provinces = ["test"]', 'provinces = ["elsewhere"]'))
    assert res["hsr"].checks == ()


def test_port_rail_access_within_the_stated_distance(tmp_path):
    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)
    # pt_near: 0.05 deg of longitude (about 4.8 km) from st_a2, on conventional L3;
    # pt_far: at bb, whose only station is on hsr lines (no freight rail)
    (folder / "terminals_port.csv").write_text(
        "id,city,name_zh,name_en,lat,lon,access_min,access_note,status,open_year,source\n"
        "pt_near,aa,甲港,Alpha port,30.0,114.15,,,open,,test\n"
        "pt_far,bb,乙港,Beta port,29.0,113.0,,,open,,test\n",
        encoding="utf-8",
    )
    # ports need a waterway to be terminals of the network (the data gate checks it): one
    # channel between them, which no rail reading uses
    (folder / "links_water.csv").write_text(
        "mode,line,from,to,km,speed_kmh,minutes,headway_min,status,open_year,project,plan,source\n"
        "waterway,test river,pt_near,pt_far,160,12,,,open,,,,test\n",
        encoding="utf-8",
    )
    text = f"""
[[target]]
id = "port-rail"
title = "rail into every main port"
{HEAD}kind = "coverage"
service = "port_rail"
ports = ["pt_near", "pt_far"]
max_km = 10
"""
    res, _ = run(tmp_path, text, network=folder)
    checks = {c.detail.split(":")[0]: c for c in res["port-rail"].checks}
    assert checks["pt_near"].passed and "st_a2 4.8 km" in checks["pt_near"].detail
    # the nearest freight (conventional) station to pt_far is over 100 km away
    assert not checks["pt_far"].passed
    assert not res["port-rail"].met
    with pytest.raises(InputError, match="unknown port 'pt_nowhere'"):
        run(tmp_path, text.replace('"pt_far"]', '"pt_nowhere"]'), network=folder)


@pytest.mark.parametrize(
    ("threshold", "lower_bound", "status"),
    [(600, "true", "met"), (700, "true", "undetermined"), (700, "false", "not met")],
)
def test_length_target_is_a_lower_bound(tmp_path, threshold, lower_bound, status):
    text = f"""
[sets]
all3 = ["aa", "bb", "cc"]

[[target]]
id = "km"
title = "rail km"
{HEAD}kind = "length"
region = "all3"
threshold_km = {threshold}
lower_bound = {lower_bound}
"""
    res, result = run(tmp_path, text)
    tr = res["km"]
    assert tr.headline.value == pytest.approx(690) and tr.status == status
    # by year: 2010 has L1 and L3 (540 km), L2 opened in 2012
    assert tr.by_year == {2010: 540, 2015: 690, 2020: 690, 2025: 690}
    entry = result.summary()["targets"][0]
    assert entry["length_km"] == 690 and entry["status"] == status
    # the region counts only links with both ends inside
    res, _ = run(tmp_path, text.replace('all3 = ["aa", "bb", "cc"]', 'all3 = ["aa", "bb"]'))
    assert res["km"].headline.value == pytest.approx(300)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ('pairs = [{ among = "nowhere" }]', "pairs"),
        ("threshold_min = -5", "threshold_min"),
        ('profile = "bicycle"', "profile"),
        ('headline = "on_board"', "headline"),
        ("due_year = 20.5", "due_year"),
    ],
)
def test_bad_targets_name_the_field_and_line(tmp_path, bad, field):
    key = bad.split(" =")[0]
    lines = TARGETS.splitlines()
    found = [i for i, ln in enumerate(lines) if ln.startswith(key)]
    second = found[min(1, len(found) - 1)]
    lines[second] = bad
    with pytest.raises(InputError) as info:
        run(tmp_path, "\n".join(lines))
    assert "targets.toml" in str(info.value) and f"'{field}'" in str(info.value)
    assert f"targets.toml:{second + 1}" in str(info.value)  # the line of the target that is wrong


def test_missing_headline_or_due_year_is_an_error(tmp_path):
    for key in ("headline", "due_year", "headline_reason"):
        lines = [ln for ln in TARGETS.splitlines() if not ln.startswith(key)]
        with pytest.raises(InputError, match=key):
            run(tmp_path, "\n".join(lines))


def test_itineraries_hold_both_readings(tmp_path):
    """itineraries.csv: the timetable legs beside the door-to-door ones.

    aa-cc station to station: L3 from 甲东站 to 丙站, 240 km at 120 km/h + 3 min stop loss
    = 123 min, one leg; door to door it starts with the access to a station of aa.
    """
    _, result = run(tmp_path)
    legs = result.itineraries()
    pair = legs[(legs["origin"] == "aa") & (legs["destination"] == "cc") & (legs["profile"] == "rail")]
    tt = pair[pair["reading"] == "timetable"]
    assert tt[["kind", "line", "from", "to"]].values.tolist() == [["ride", "L3", "st_a2", "st_c"]]
    assert tt["minutes"].iloc[0] == pytest.approx(123)
    d2d = pair[pair["reading"] == "door_to_door"]
    assert d2d["kind"].iloc[0] == "access" and d2d["kind"].iloc[-1] == "egress"
    assert set(legs["reading"]) == {"door_to_door", "timetable"}


def test_a_time_resting_on_a_default_speed_says_so(tmp_path):
    """L3 with its speed left empty runs at the conventional default, 120 km/h: the same
    123 min by hand (240 km at 120 km/h + 3 min stop loss), now flagged as assumed."""
    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)
    rail = folder / "links_rail.csv"
    rail.write_text(
        rail.read_text(encoding="utf-8").replace(
            "conventional,L3,st_a2,st_c,240,120,", "conventional,L3,st_a2,st_c,240,,"
        ),
        encoding="utf-8",
    )
    res, result = run(tmp_path, network=folder)
    tt = {c.destination: c for c in res["all-2h"].readings["timetable"].checks}
    assert tt["cc"].minutes == pytest.approx(123)
    assert tt["cc"].default_speed == ("L3",)
    assert tt["bb"].default_speed == ()  # L1 has its speed
    table = result.targets_table()
    row = table[
        (table["target"] == "all-2h") & (table["reading"] == "timetable") & (table["destination"] == "cc")
    ]
    assert row["default_speed"].iloc[0] == "L3"
    legs = result.itineraries()
    pair = legs[(legs["origin"] == "aa") & (legs["destination"] == "cc") & (legs["profile"] == "rail")]
    ride = pair[pair["reading"] == "timetable"]
    assert ride["default_speed"].tolist() == ["L3"]

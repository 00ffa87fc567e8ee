"""The command line, run in-process: exit codes, one-line errors, results folders.

Expected travel times on the tiny network are worked out by hand from its tables and
the default parameters (rail: processing 15 min at departure, 5 at arrival, stop loss
2 min per HSR link and 3 per conventional link, no first wait under the ``planned``
policy; road: 100 km/h and 10 min to reach the expressway at each end):

* aa -> cc by rail: via Alpha East on L3, access 10 + 15 + (240 km / 120 km/h = 120
  + 3) + egress 5 + 5 = 158 min. The alternative L1 then L2 changing at Beta is
  20 + 15 + 62 + (wait 60 / 2 + change 10) + 32 + 5 + 5 = 179 min.
* bb -> cc by rail: 10 + 15 + (150 / 300 h = 30 + 2) + 5 + 5 = 67 min.
* aa -> bb by road: 10 + 200 km at 100 km/h (120) + 10 = 140 min.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim.figures
from sim.cli import main
from sim.output import MARKER
from sim.results import RUN_FILES
from tests.conftest import with_hand_parameters

TINY = (Path(__file__).parent / "data" / "tiny").resolve()
OUTPUT_FILES = set(RUN_FILES) | {MARKER}
TEXT_FILES = tuple(RUN_FILES)  # tables and pictures alike must be byte-identical

TARGETS = """\
[sets]
all = ["aa", "bb", "cc"]

[[target]]
id = "bb-cc-90"
title = "Beta and Gamma within 90 minutes"
source = "test"
due_year = 2020
kind = "travel_time"
headline = "door_to_door"
headline_reason = "test"
profile = "rail"
threshold_min = 90
pairs = [{ from = "bb", to = "cc" }]

[[target]]
id = "aa-cc-150"
title = "Alpha and Gamma within 150 minutes"
source = "test"
due_year = 2020
kind = "travel_time"
headline = "door_to_door"
headline_reason = "test"
profile = "rail"
threshold_min = 150
pairs = [{ from = "aa", to = "cc" }]

[[target]]
id = "rail-all"
title = "rail to every city"
source = "test"
due_year = 2020
kind = "coverage"
service = "rail"
min_population = 0
"""


def scenario_text(*extra: str, network: Path | None = TINY) -> str:
    lines = ['name = "tiny"', "year = 2025", 'profiles = ["rail", "road"]', 'targets = "targets.toml"']
    if network is not None:
        lines.append(f'network = "{network.as_posix()}"')
    return with_hand_parameters("\n".join([*lines, *extra]) + "\n")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding the targets file; default results would land here."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def scenario(work: Path) -> Path:
    path = work / "tiny.toml"
    path.write_text(scenario_text(), encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str) -> str:
    # warnings (a missing optional table of the tiny network) may come first: one line each
    lines = [line for line in err.strip().splitlines() if not line.startswith("sim: warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("sim: error: ")
    assert "Traceback" not in err
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------ bad input


MALFORMED = {
    # text, the lines an error may honestly point at
    "missing-equals": ('name = "broken"\nyear = 2025\nprofiles ["rail"]\n', {3}),
    "duplicate-key": ('name = "broken"\nyear = 2025\nyear = 2026\n', {3}),
    "bad-table-header": ('name = "broken"\n[parameters\nfirst_wait = "planned"\n', {2}),
    # the array opened on line 3 is never closed: the parser stops at the end of the file
    "unclosed-array-at-end": ('name = "broken"\nyear = 2025\nprofiles = ["rail",\n', {3, 4}),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_toml(work: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    text, lines = MALFORMED[case]
    path = work / "broken.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli(capsys, "run", path, "--out", work / "out", "--quiet")
    assert code == 2
    line = assert_one_line_error(err)
    assert "TOML" in line
    match = re.search(r"broken\.toml:(\d+)", line)
    assert match, f"no line number in: {line}"
    assert int(match.group(1)) in lines
    assert not (work / "out").exists()


def test_unknown_profile(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "bus.toml"
    text = scenario_text().replace('profiles = ["rail", "road"]', 'profiles = ["rail", "bus"]')
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli(capsys, "run", path, "--out", work / "out", "--quiet")
    assert code == 2
    line = assert_one_line_error(err)
    assert "bus.toml:3" in line  # profiles is on line 3
    assert "field 'profiles'" in line
    assert "'bus'" in line


def test_unknown_project(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "proj.toml"
    # lines 1-5 are the scenario_text lines; add_projects is line 6
    path.write_text(scenario_text('add_projects = ["newline", "no_such_project"]'), encoding="utf-8")
    code, _, err = run_cli(capsys, "run", path, "--out", work / "out", "--quiet")
    assert code == 2
    line = assert_one_line_error(err)
    assert "proj.toml:6" in line
    assert "field 'add_projects'" in line
    assert "no_such_project" in line
    assert not (work / "out").exists()


def test_known_project_is_accepted(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # control for the test above: the tiny network's planned L4 belongs to project 'newline'
    path = work / "proj.toml"
    path.write_text(scenario_text('add_projects = ["newline"]'), encoding="utf-8")
    code, _, err = run_cli(capsys, "run", path, "--out", work / "out", "--quiet")
    assert code == 0, err
    times = pd.read_csv(work / "out" / "travel_times.csv")
    row = times[(times.origin == "aa") & (times.destination == "cc") & (times.profile == "rail")]
    # L4: 200 km at 300 km/h = 40 + 2, from Alpha station: 20 + 15 + 42 + 5 + 5 = 87 min
    assert row.minutes.tolist() == [87.0]


@pytest.mark.parametrize(
    "argv",
    [["run", "no_such_scenario"], ["route", "aa", "cc", "--scenario", "no_such_scenario"]],
    ids=["run", "route"],
)
def test_missing_scenario(work: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run_cli(capsys, *argv, "--network", TINY)
    assert code == 2
    line = assert_one_line_error(err)
    assert "no_such_scenario" in line
    assert not (work / "results").exists()


def test_broken_network_folder(work: Path, scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = work / "broken_net"
    shutil.copytree(TINY, broken)
    path = broken / "links_rail.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[2].startswith("hsr,L2,st_b,st_c,150,300,")
    lines[2] = lines[2].replace(",150,300,", ",150,-300,")  # line 3
    path.write_text("".join(lines), encoding="utf-8")
    code, _, err = run_cli(capsys, "run", scenario, "--network", broken, "--out", work / "out", "--quiet")
    assert code == 2
    line = assert_one_line_error(err)
    assert "links_rail.csv:3" in line
    assert "field 'speed_kmh'" in line
    assert not (work / "out").exists()


def test_route_unknown_city(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "route", "aa", "Atlantis", "--scenario", scenario)
    assert code == 2
    assert "Atlantis" in assert_one_line_error(err)


# ------------------------------------------------------------------------ successful runs


def test_run_writes_results(work: Path, scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = work / "out"
    code, stdout, err = run_cli(capsys, "run", scenario, "--out", out)
    assert code == 0, err
    assert "Traceback" not in err
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES
    assert all((out / name).stat().st_size > 0 for name in OUTPUT_FILES)
    assert (out / "network.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    times = pd.read_csv(out / "travel_times.csv").set_index(["origin", "destination", "profile"])
    assert times.loc[("aa", "cc", "rail"), "minutes"] == 158.0
    assert times.loc[("aa", "cc", "rail"), "main_line"] == "L3"
    assert times.loc[("bb", "cc", "rail"), "minutes"] == 67.0
    assert times.loc[("aa", "bb", "road"), "minutes"] == 140.0

    table = pd.read_csv(out / "targets.csv")
    targets = table[table["headline"]].set_index("target")
    assert (targets.loc[["bb-cc-90", "aa-cc-150"], "reading"] == "door_to_door").all()
    assert bool(targets.loc["bb-cc-90", "passed"]) is True
    assert bool(targets.loc["aa-cc-150", "passed"]) is False
    assert targets.loc["aa-cc-150", "gap_min"] == 8.0
    # the other reading beside it: aa-cc station to station by L3, 120 + 3 = 123 min
    beside = table[(table["target"] == "aa-cc-150") & (table["reading"] == "timetable")]
    assert beside["minutes"].tolist() == [123.0] and not beside["headline"].any()
    assert times.loc[("aa", "cc", "rail"), "station_to_station_min"] == 123.0
    assert pd.isna(times.loc[("aa", "bb", "road"), "station_to_station_min"])  # no scheduled service
    # the verdicts are printed too
    verdicts = {
        line.split()[0]: line.split()[1] for line in stdout.splitlines() if line.startswith(("bb-", "aa-"))
    }
    assert verdicts == {"bb-cc-90": "met", "aa-cc-150": "NOT"}


def test_run_json_prints_the_summary(work: Path, scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code, stdout, err = run_cli(capsys, "run", scenario, "--out", work / "out", "--json")
    assert code == 0, err
    summary = json.loads(stdout)  # stdout is the JSON alone, instead of the table
    assert "Targets:" not in stdout + err
    assert summary == json.loads((work / "out" / "summary.json").read_text(encoding="utf-8"))
    entry = next(t for t in summary["targets"] if t["id"] == "aa-cc-150")
    assert entry["headline"] == "door_to_door" and list(entry["readings"]) == ["door_to_door", "timetable"]
    assert entry["readings"]["door_to_door"]["failing"][0]["gap_min"] == 8.0
    assert entry["readings"]["timetable"]["met"] is True  # 123 min within 150


def test_run_is_deterministic(work: Path, scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = work / "first", work / "second"
    assert run_cli(capsys, "run", scenario, "--out", first, "--quiet")[0] == 0
    assert run_cli(capsys, "run", scenario, "--out", second, "--quiet")[0] == 0
    for name in TEXT_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # and a re-run into the same folder replaces it with identical files
    before = snapshot(first)
    assert run_cli(capsys, "run", scenario, "--out", first, "--quiet")[0] == 0
    after = snapshot(first)
    assert set(after) == OUTPUT_FILES
    for name in TEXT_FILES:
        assert after[name] == before[name], name


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_results_folder_has_ordinary_permissions(
    work: Path, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a results folder is meant to be read by others like any folder the user makes;
    # writing it atomically should not make it private
    reference = work / "reference"
    reference.mkdir()
    out = work / "out"
    assert run_cli(capsys, "run", scenario, "--out", out, "--quiet")[0] == 0
    assert oct(stat.S_IMODE(out.stat().st_mode)) == oct(stat.S_IMODE(reference.stat().st_mode))


def test_run_without_year_on_network_with_planned_station(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # st_c is planned while L2 and L3 are open to it. load_network accepts this; a scenario
    # with no year keeps what is open today. It must end with a result or located errors
    # (the checks of sim validate: an open link cannot end at a planned station), not a
    # traceback.
    net = work / "net"
    shutil.copytree(TINY, net)
    path = net / "terminals_rail.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count("st_c,cc,丙站,Gamma station,28.6,112.6,5,test,open,2000,") == 1
    path.write_text(text.replace(",5,test,open,2000,", ",5,test,planned,2030,"), encoding="utf-8")
    path = work / "noyear.toml"
    path.write_text(scenario_text(network=net).replace("year = 2025\n", ""), encoding="utf-8")
    code = main(["run", str(path), "--out", str(work / "out"), "--quiet"])
    _, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        errors = [line for line in err.splitlines() if line.startswith("sim: error: ")]
        assert errors and all("links_rail.csv" in e and "'st_c'" in e for e in errors), err
        assert any("field 'status'" in e for e in errors), err
        assert "Traceback" not in err
    else:
        times = pd.read_csv(work / "out" / "travel_times.csv")
        rail = times[times.profile == "rail"]
        assert "cc" not in set(rail.origin) | set(rail.destination)  # no station open at cc


def test_route_prints_legs(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "route", "aa", "cc", "--scenario", scenario, "--network", TINY)
    assert code == 0, err
    door, timetable = out.split("timetable reading")
    legs = [
        line.split()
        for line in door.splitlines()
        if line.strip().split(" ")[0] in ("access", "ride", "egress")
    ]
    assert [leg[0] for leg in legs] == ["access", "ride", "egress"]
    ride = legs[1]
    assert ride[1:3] == ["conventional", "L3"]
    assert float(ride[-1]) == 123.0  # 240 km at 120 km/h + 3 min stop loss
    # access and egress legs end with how their time is known: the tiny network's tables
    # have no access_basis column, so a time is "given"
    assert legs[0][-2:] == ["25.0", "given"]  # access 10 + processing 15
    assert legs[2][-2:] == ["10.0", "given"]  # arrival processing 5 + egress 5
    assert "total 158 min door to door" in door
    assert "given: access time given in the network's table" in door
    # the other reading: the same ride alone, first boarding to last alighting
    rides = [
        line.split() for line in timetable.splitlines() if line.strip().split(" ")[0] in ("access", "ride")
    ]
    assert len(rides) == 1 and rides[0][1:3] == ["conventional", "L3"] and float(rides[0][-1]) == 123.0
    assert "total 123 min from first boarding to last alighting" in timetable


def test_route_says_how_each_access_time_is_known(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a copy of the tiny network whose stations say how their access time is known; 丙站
    # has none, so the formula gives it: it stands at the centre of 丙, 0 km, so the
    # fixed part alone, 5 min (+ arrival processing 5)
    net = work / "net"
    shutil.copytree(TINY, net)
    path = net / "terminals_rail.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    basis = {"st_a": "recalled", "st_a2": "published", "st_b": "recalled", "st_c": ""}
    out_rows = [rows[0].replace("access_min,", "access_min,access_basis,")]
    for row in rows[1:]:
        cells = row.split(",")
        if cells[0] == "st_c":
            cells[6] = ""
        cells.insert(7, basis[cells[0]])
        out_rows.append(",".join(cells))
    path.write_text("\n".join(out_rows) + "\n", encoding="utf-8")
    (work / "net.toml").write_text(scenario_text(network=net), encoding="utf-8")
    code, out, err = run_cli(capsys, "route", "aa", "cc", "--scenario", work / "net.toml")
    assert code == 0, err
    legs = [line.split() for line in out.splitlines() if line.strip().split(" ")[0] in ("access", "egress")]
    assert legs[0][-2:] == ["25.0", "published"]
    assert legs[1][-2:] == ["10.0", "formula"]
    assert "published: access time from a published source" in out
    assert "formula: no published time, worked out: stations, airports and ports 5 min" in out
    assert "recalled:" not in out  # no leg of this trip is recalled
    code, out, err = run_cli(capsys, "route", "aa", "cc", "--scenario", work / "net.toml", "--json")
    assert code == 0, err
    legs_json = json.loads(out)["legs"]
    assert [leg["access_basis"] for leg in legs_json] == ["published", None, "formula"]


def test_route_by_names(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "route", "Beta", "丙市", "--scenario", scenario, "--profile", "road")
    assert code == 0
    assert "total 80 min" in out  # 10 + 100 km at 100 km/h + 10
    assert "no scheduled service joins the two cities" in out  # by road there is no timetable


# --------------------------------------------------------------------- atomic writing


def hidden_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize(
    ("exception", "exit_code"), [(RuntimeError, None), (KeyboardInterrupt, 130), (OSError, 1)]
)
def test_failed_write_keeps_previous_results(
    work: Path,
    scenario: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    exception: type[BaseException],
    exit_code: int | None,
) -> None:
    out = work / "out"
    assert run_cli(capsys, "run", scenario, "--out", out, "--quiet")[0] == 0
    before = snapshot(out)
    assert set(before) == OUTPUT_FILES

    # the plot is drawn after the four tables: fail with the folder half written
    def fail(*args: object, **kwargs: object) -> None:
        raise exception("disk on fire")

    monkeypatch.setattr(sim.figures, "plot_network", fail)
    # a different scenario, so that a half-written folder would differ from the old one
    scenario.write_text(scenario_text().replace("year = 2025", "year = 2011"), encoding="utf-8")
    if exit_code is None:
        with pytest.raises(exception):
            main(["run", str(scenario), "--out", str(out), "--quiet"])
    else:
        assert run_cli(capsys, "run", scenario, "--out", out, "--quiet")[0] == exit_code
    capsys.readouterr()

    assert snapshot(out) == before
    assert hidden_leftovers(work) == []
    assert sorted(p.name for p in work.iterdir()) == ["out", "targets.toml", "tiny.toml"]


def test_failed_first_write_leaves_nothing(
    work: Path, scenario: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.results

    real = sim.results.write_run  # sim run imports it when it runs

    def half(result: object, full: object, folder: Path, **kwargs: object) -> None:
        real(result, full, folder)  # every file written ...
        assert {p.name for p in folder.iterdir()} == set(RUN_FILES)
        raise OSError(28, "No space left on device")  # ... then the run fails

    monkeypatch.setattr(sim.results, "write_run", half)
    code, _, err = run_cli(capsys, "run", scenario, "--out", work / "out", "--quiet")
    assert code == 1
    assert_one_line_error(err)
    assert not (work / "out").exists()
    assert hidden_leftovers(work) == []


def test_check_ignores_targets_not_yet_due(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # aa-cc-150 is missed door to door (158 min); due only in 2030, it does not fail --check in 2025
    (work / "targets.toml").write_text(
        TARGETS.replace("due_year = 2020", "due_year = 2030"), encoding="utf-8"
    )
    path = work / "tiny.toml"
    path.write_text(scenario_text(), encoding="utf-8")
    code, stdout, err = run_cli(capsys, "run", path, "--out", work / "out", "--check")
    assert code == 0, err
    assert "NOT YET DUE" in stdout and "NOT MET" in stdout  # the verdict stands, marked


def test_ascii_terminal_gets_escaped_names_not_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "route", "武汉", "南昌"],
        capture_output=True,
        env={"PYTHONIOENCODING": "ascii", "PATH": "", "HOME": str(Path.home())},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"\\u6b66\\u6c49 Wuhan" in result.stdout  # 武汉

"""The one gate: what sim validate rejects, every command rejects; plausibility checks.

Networks here are copies of the tiny network (tests/data/tiny) with one row changed. The
tiny network's geometry: aa (30.0 N, 114.0 E), bb (29.0, 113.0), cc (28.6, 112.6); aa and
bb (and their stations st_a, st_b) are 147 km apart in a straight line (worked out below).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import MAX_SHOWN, InputErrors
from sim.network import great_circle_km, load_network
from sim.scenario import BUNDLED_NETWORK, BUNDLED_SCENARIOS, load_scenario
from sim.validate import check_network, load_checked_network, validate_folder
from tests.conftest import with_hand_parameters, with_town

TINY = (Path(__file__).parent / "data" / "tiny").resolve()
LINK_HEADER = "mode,line,from,to,km,speed_kmh,minutes,headway_min,status,open_year,project,plan,source"


@pytest.fixture
def net(tmp_path: Path) -> Path:
    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)
    return folder


def replace_in(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (file, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def problems_of(folder: Path, severity: str) -> list[str]:
    _, problems = validate_folder(folder)
    return [str(p) for p in problems if p.severity == severity]


# ------------------------------------------------------------------------ plausibility


IMPOSSIBLE = {
    # file, old text, new text, what the error must name
    "speed 1e12": (
        "links_rail.csv",
        "hsr,L1,st_a,st_b,300,300,",
        "hsr,L1,st_a,st_b,300,1e12,",
        ":2: field 'speed_kmh'",
    ),
    "km 1e12": (
        "links_rail.csv",
        "hsr,L1,st_a,st_b,300,300,",
        "hsr,L1,st_a,st_b,1e12,300,",
        ":2: field 'km'",
    ),
    # st_a-st_b are 147 km apart: 10 km is far below the straight line
    "km far below the straight line": (
        "links_rail.csv",
        "hsr,L1,st_a,st_b,300,300,",
        "hsr,L1,st_a,st_b,10,300,",
        ":2: field 'km'",
    ),
    "open link of year 2099": ("links_rail.csv", ",open,2010,", ",open,2099,", ":2: field 'open_year'"),
    "open station of year 2099": (
        "terminals_rail.csv",
        "Beta station,29.0,113.0,10,test,open,2000,",
        "Beta station,29.0,113.0,10,test,open,2099,",
        ":4: field 'open_year'",
    ),
    # 147 km in 10 minutes is 880 km/h on an expressway
    "road minutes too fast for the straight line": (
        "links_road.csv",
        "expressway,G1,aa,bb,200,,,",
        "expressway,G1,aa,bb,,,10,",
        ":2: field 'minutes'",
    ),
}


@pytest.mark.parametrize("case", sorted(IMPOSSIBLE))
def test_impossible_rows_are_errors_of_validate(net, case):
    file, old, new, where = IMPOSSIBLE[case]
    replace_in(net, file, old, new)
    errors = problems_of(net, "error")
    assert any(f"{file}{where}" in e for e in errors), errors


UNUSUAL = {
    # 380 km/h: possible on a test track, not in service
    "hsr at 380": (
        "links_rail.csv",
        "hsr,L1,st_a,st_b,300,300,",
        "hsr,L1,st_a,st_b,300,380,",
        ":2: field 'speed_kmh'",
    ),
    # st_a-st_b are 147 km apart: a 130 km line is shorter than the straight line, but not absurdly
    "km a little below the straight line": (
        "links_rail.csv",
        "hsr,L1,st_a,st_b,300,",
        "hsr,L1,st_a,st_b,130,",
        ":2: field 'km'",
    ),
    "km three times the straight line": (
        "links_rail.csv",
        "hsr,L1,st_a,st_b,300,",
        "hsr,L1,st_a,st_b,450,",
        ":2: field 'km'",
    ),
}


@pytest.mark.parametrize("case", sorted(UNUSUAL))
def test_unusual_rows_are_warnings(net, case):
    file, old, new, where = UNUSUAL[case]
    replace_in(net, file, old, new)
    assert problems_of(net, "error") == []
    warnings = problems_of(net, "warning")
    assert any(f"{file}{where}" in w for w in warnings), warnings


def test_the_bounds_follow_the_straight_line_by_hand():
    # aa (30.0, 114.0) to bb (29.0, 113.0), by hand on a flat earth at 29.5 N: 1 degree of
    # latitude 111.2 km, of longitude 111.2 x cos 29.5 = 96.8 km; sqrt(111.2^2 + 96.8^2) = 147.4
    straight = great_circle_km(30.0, 114.0, 29.0, 113.0)
    assert straight == pytest.approx(147.4, abs=0.5)


def test_a_city_no_link_reaches_is_a_warning(net):
    (net / "cities.csv").write_text(
        (net / "cities.csv").read_text(encoding="utf-8")
        + "dd,丁,Delta,test,27.0,111.0,100000,test,,in-plan,test\n",
        encoding="utf-8",
    )
    warnings = problems_of(net, "warning")
    assert any("cities.csv:5: field 'id'" in w and "'dd'" in w for w in warnings), warnings


# st_a2 of aa (centre 30.0 N, 114.0 E) moved due south: along a meridian 1 degree is
# 6371 x pi / 180 = 111.2 km, so (29.0, 114.0) is 111 km out (> 60) and (27.0, 114.0) is
# 334 km out (> 300)


def far_warnings(folder: Path) -> list[str]:
    return [w for w in problems_of(folder, "warning") if "'st_a2'" in w and "from the centre of" in w]


def test_a_far_terminal_without_town_is_a_warning_with_a_hint(net):
    replace_in(net, "terminals_rail.csv", "Alpha East,30.0,114.1,", "Alpha East,29.0,114.0,")
    warnings = far_warnings(net)  # a table without the column
    assert len(warnings) == 1, warnings
    assert "terminals_rail.csv:3: field 'lat'" in warnings[0]
    assert "is 111 km from the centre of 'aa' (> 60)" in warnings[0]
    assert "name the county town it serves in column 'town' if that is where it is" in warnings[0]
    with_town(net, {})  # the column, empty
    assert far_warnings(net) == warnings


def test_a_far_terminal_naming_its_town_is_no_warning(net):
    with_town(net, {"st_a2": "黄梅县"}, lat_lon={"st_a2": (29.0, 114.0)})
    assert far_warnings(net) == []
    assert problems_of(net, "error") == []


def test_a_terminal_naming_a_town_300_km_out_is_still_a_warning(net):
    # a wrong city id puts a terminal across the region: a town does not excuse that
    with_town(net, {"st_a2": "黄梅县"}, lat_lon={"st_a2": (27.0, 114.0)})
    warnings = far_warnings(net)
    assert len(warnings) == 1, warnings
    assert "terminals_rail.csv:3: field 'town'" in warnings[0]
    assert "黄梅县" in warnings[0] and "334 km from the centre of 'aa' (> 300" in warnings[0]


def test_the_bundled_far_terminals_name_their_towns():
    _, problems = validate_folder(BUNDLED_NETWORK)
    warnings = [str(p) for p in problems if p.severity == "warning"]
    assert not [w for w in warnings if "km from the centre of" in w], warnings
    # the other checks still speak: the bundled data has open links of unknown year, a
    # project cost of no year, a waterway shorter than the straight line
    for kind in ("open links of unknown open_year", "has no year", "shorter than the straight line"):
        assert any(kind in w for w in warnings), (kind, warnings)
    # every town is read from the terminal's own name (新晃西站: 新晃侗族自治县)
    network = load_network(BUNDLED_NETWORK)
    towns = [t for t in network.terminals if t.town]
    assert towns
    for t in towns:
        assert re.sub("(侗族自治县|县|区)$", "", t.town) in t.name_zh, (t.id, t.town, t.name_zh)


@pytest.mark.parametrize(
    ("table", "assumed"),
    [
        ("through_services.csv", "change"),
        ("transfers.csv", "access + access"),
        ("links_air.csv", "no flights"),
        ("links_water.csv", "no waterways"),
    ],
)
def test_a_missing_optional_table_is_a_warning_saying_what_is_assumed(net, table, assumed):
    (net / table).unlink(missing_ok=True)
    assert problems_of(net, "error") == []
    warnings = [w for w in problems_of(net, "warning") if table in w]
    assert len(warnings) == 1 and assumed in warnings[0], warnings


def test_a_missing_optional_table_is_printed_by_sim_run(net, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(
        with_hand_parameters(f'year = 2025\ntargets = ""\nnetwork = "{net.as_posix()}"\n'), encoding="utf-8"
    )
    assert main(["run", "s.toml", "--out", "out"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "through_services.csv: not found" in err
    assert main(["run", "s.toml", "--out", "out", "--quiet"]) == 0  # -q: results and errors only
    assert capsys.readouterr().err == ""


def test_the_bundled_network_passes_with_every_bundled_scenario():
    scenarios = [load_scenario(p.stem) for p in BUNDLED_SCENARIOS.glob("*.toml") if p.stem != "targets"]
    _, problems = validate_folder(BUNDLED_NETWORK, scenarios)
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_check_network_knows_today(net):
    # an open link of 2026 is fine once it is 2026, not before
    replace_in(net, "links_rail.csv", ",open,2010,", ",open,2026,")
    network = load_network(net)
    assert any(p.severity == "error" for p in check_network(network, today=2025))
    assert not any(p.severity == "error" for p in check_network(network, today=2026))


# ------------------------------------------------------------------------ scenarios


def test_a_year_after_the_data_is_a_warning_that_says_what_is_used(capsys):
    assert main(["route", "wuhan", "changsha", "--year", "2100"]) == 0
    err = capsys.readouterr().err
    assert "year 2100 is after the data's date, 2025-12" in err and "built by 2025" in err


def test_a_future_year_with_projects_named_is_no_warning(capsys):
    """vision-2035 adds its projects by name: its year (2035) misleads no one."""
    assert main(["route", "wuhan", "hefei", "--scenario", "vision-2035"]) == 0
    assert "after the data's date" not in capsys.readouterr().err


def test_an_open_link_after_the_scenarios_data_date_is_an_error(net, tmp_path):
    replace_in(net, "links_rail.csv", ",open,2010,", ",open,2026,")
    path = tmp_path / "s.toml"
    path.write_text(
        f'year = 2025\ndata_current_to = "2025-12"\nnetwork = "{net.as_posix()}"\n', encoding="utf-8"
    )
    with pytest.raises(
        InputErrors, match=r"links_rail\.csv:2: field 'open_year'.*after the data's date, 2025-12"
    ):
        load_checked_network(net, load_scenario(str(path)))


def test_a_modification_with_an_impossible_speed_is_an_error_naming_the_scenario(net, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        f'year = 2025\nnetwork = "{net.as_posix()}"\n\n[[modifications]]\ntype = "add_link"\nmode = "hsr"\n'
        'line = "X"\nfrom = "st_a"\nto = "st_c"\nkm = 300\nspeed_kmh = 1e12\n',
        encoding="utf-8",
    )
    with pytest.raises(InputErrors, match=r"s\.toml:4: field 'speed_kmh'"):
        load_checked_network(net, load_scenario(str(path)))


# ------------------------------------------------------------------------ every command


def bad_network(tmp_path: Path) -> Path:
    """A copy of the tiny network with 1e12 km/h on L1, which sim validate rejects."""
    net = tmp_path / "bad"
    shutil.copytree(TINY, net)
    replace_in(net, "links_rail.csv", "hsr,L1,st_a,st_b,300,300,", "hsr,L1,st_a,st_b,300,1e12,")
    return net


COMMANDS = {
    "run": ["run", "s.toml", "--out", "out"],
    "compare": ["compare", "s.toml", "s.toml", "--out", "out"],
    "report": ["report", "s.toml", "--out", "r.html"],
    "map": ["map", "aa", "--scenario", "s.toml", "--out", "out"],
    "route": ["route", "aa", "cc", "--scenario", "s.toml"],
    "export": ["export", "g.graphml", "--scenario", "s.toml"],
    "calibrate": ["calibrate", "--scenario", "s.toml", "--out", "out"],
    "sweep": ["sweep", "sweep.toml", "--out", "out", "--processes", "1"],
    "validate": ["validate", "bad"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_network_validate_rejects_makes_every_command_exit_2(tmp_path, capsys, monkeypatch, command):
    net = bad_network(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(
        with_hand_parameters(f'year = 2025\ntargets = ""\nnetwork = "{net.as_posix()}"\n'), encoding="utf-8"
    )
    (tmp_path / "sweep.toml").write_text(
        'name = "s"\nbase = "s.toml"\n[projects]\ncandidates = ["newline"]\n', encoding="utf-8"
    )
    assert main(COMMANDS[command]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "links_rail.csv:2: field 'speed_kmh'" in err, err
    assert not (tmp_path / "out").exists() and not (tmp_path / "r.html").exists()
    assert not (tmp_path / "g.graphml").exists()


def test_the_python_api_refuses_it_too(tmp_path):
    from dataclasses import replace

    from sim.evaluate import evaluate

    net = bad_network(tmp_path)
    scenario = replace(load_scenario("today"), network_folder=net, targets_file=None)
    with pytest.raises(InputErrors, match="speed_kmh"):
        evaluate(scenario)


# ------------------------------------------------------------------------ error cascades


def test_a_missing_cities_table_gives_one_line_naming_it(net, capsys):
    (net / "cities.csv").unlink()
    assert main(["validate", str(net)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) <= 3 and "cities.csv: file not found" in err[0], err


def test_the_bundled_network_without_cities_gives_a_handful_of_lines(tmp_path, capsys):
    net = tmp_path / "net"
    shutil.copytree(BUNDLED_NETWORK, net)
    for broken in ("", "id,name_zh,name_en,province,lat,lon,population,metro_area,plan_status,source\n"):
        (net / "cities.csv").write_text(broken, encoding="utf-8")
        assert main(["validate", str(net)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert 1 <= len(err) <= 5 and "cities.csv" in err[0], err
    (net / "cities.csv").unlink()
    assert main(["run", "today", "--network", str(net), "--out", str(tmp_path / "out")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert 1 <= len(err) <= 5 and "cities.csv" in err[0], err


def test_a_city_row_that_fails_does_not_make_every_reference_to_it_an_error(net):
    replace_in(net, "cities.csv", "aa,甲,Alpha,test,30.0,", "aa,甲,Alpha,test,north,")
    with pytest.raises(InputErrors) as caught:
        load_network(net)
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "lat")]


def test_deleting_links_rail_is_reported_as_itself(tmp_path, capsys):
    net = tmp_path / "net"
    shutil.copytree(BUNDLED_NETWORK, net)
    (net / "links_rail.csv").unlink()
    assert main(["validate", str(net)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "links_rail.csv: file not found" in err[0], err


def test_deleting_a_terminal_table_is_reported_as_itself(tmp_path, capsys):
    net = tmp_path / "net"
    shutil.copytree(BUNDLED_NETWORK, net)
    (net / "terminals_rail.csv").unlink()
    assert main(["validate", str(net)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "terminals_rail.csv: file not found" in err[0], err


def test_after_twenty_errors_the_rest_are_counted(net, capsys):
    rows = "".join(f"hsr,X{i},st_a,st_nowhere,10,300,,,open,2010,,,t\n" for i in range(357 + MAX_SHOWN))
    (net / "links_rail.csv").write_text(
        (net / "links_rail.csv").read_text(encoding="utf-8") + rows, encoding="utf-8"
    )
    assert main(["validate", str(net)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == MAX_SHOWN + 1 and err[-1] == "sim: error: and 357 more errors", err[-3:]


def test_observed_times_are_checked_by_validate(tmp_path, capsys):
    net = tmp_path / "net"
    shutil.copytree(BUNDLED_NETWORK, net)
    path = net / "observed_times.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(
        "wuhan,changsha,rail,in_vehicle,70,", "wuhan,changsha,rail,in_vehicle,seventy,", 1
    )
    path.write_text("".join(lines), encoding="utf-8")
    assert main(["validate", str(net)]) == 2
    err = capsys.readouterr().err
    assert "observed_times.csv:2: field 'observed_min'" in err, err


# ------------------------------------------------------------------------ CSV and TOML faults


def test_a_field_larger_than_the_limit_names_its_own_line(net):
    path = net / "links_rail.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, 'hsr,L9,st_a,st_c,200,300,,,open,2010,,,"' + "x" * 200_000 + '"\n')  # line 4
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        load_network(net)
    [error] = caught.value.errors
    assert error.line == 4 and "field larger than field limit" in error.message


def test_line_numbers_count_blank_lines_and_quoted_newlines(net):
    path = net / "links_rail.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1:1] = ["\n", 'hsr,L8,st_a,st_c,200,300,,,open,2010,,,"two\nlines"\n']  # blank line 2, row 3-4
    lines.insert(3, "hsr,L9,st_a,st_c,200,fast,,,open,2010,,,t\n")  # line 5
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        load_network(net)
    assert [(e.line, e.field) for e in caught.value.errors] == [(5, "speed_kmh")]


def test_a_bom_in_a_toml_file_is_named(tmp_path, capsys):
    path = tmp_path / "bom.toml"
    path.write_text("\ufeffyear = 2025\n", encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "bom.toml:1:" in line and "byte-order mark (BOM)" in line


def test_an_unknown_city_in_to_is_reported_as_to(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'year = 2025\n\n[[modifications]]\ntype = "add_link"\nmode = "expressway"\nline = "X"\n'
        'from = "wuhan"\nto = "atlantis"\nkm = 100\nspeed_kmh = 100\n',
        encoding="utf-8",
    )
    with pytest.raises(InputErrors) as caught:
        load_checked_network(BUNDLED_NETWORK, load_scenario(str(path)))
    [error] = caught.value.errors
    assert error.field == "to" and "atlantis" in error.message and error.line == 3


def test_no_profile_is_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("year = 2025\nprofiles = []\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"s\.toml:2: field 'profiles': no profile"):
        load_scenario(str(path))


def test_adding_and_dropping_the_same_project_is_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('add_projects = ["changjiu_hsr"]\ndrop_projects = ["changjiu_hsr"]\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"s\.toml:2: field 'drop_projects'.*both added and dropped"):
        load_scenario(str(path))


def test_a_child_scenario_may_drop_what_its_parent_adds_and_back(tmp_path):
    (tmp_path / "parent.toml").write_text('add_projects = ["changjiu_hsr"]\n', encoding="utf-8")
    (tmp_path / "child.toml").write_text(
        'extends = "parent.toml"\ndrop_projects = ["changjiu_hsr"]\n', encoding="utf-8"
    )
    (tmp_path / "grandchild.toml").write_text(
        'extends = "child.toml"\nadd_projects = ["changjiu_hsr"]\n', encoding="utf-8"
    )
    child = load_scenario(str(tmp_path / "child.toml"))
    assert child.add_projects == () and child.drop_projects == ("changjiu_hsr",)
    grandchild = load_scenario(str(tmp_path / "grandchild.toml"))
    assert grandchild.add_projects == ("changjiu_hsr",) and grandchild.drop_projects == ()

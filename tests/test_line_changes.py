"""Dated speeds and headways (``line_changes.csv``) and project costs (``projects.csv``).

Hand-built cases on a copy of ``tests/data/tiny``: L1 joins st_a and st_b, 300 km at
300 km/h with a 30-minute headway, open since 2010 (so 60 minutes of running at full
speed). Each test writes the rows it needs and checks the value in force by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.graph import link_minutes
from sim.network import Network, Project, load_network
from sim.parameters import Parameters
from sim.scenario import Scenario, apply_scenario

TINY = Path(__file__).parent / "data" / "tiny"
CHANGES_HEADER = "line,from,to,year,speed_kmh,headway_min,source"
PROJECTS_HEADER = "id,name_zh,name_en,plan,cost_yi_yuan,cost_year,cost_source,source"


@pytest.fixture
def net_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)
    return folder


def write(folder: Path, name: str, header: str, *rows: str) -> None:
    (folder / name).write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")


def link(net: Network, line: str):
    return next(lk for lk in net.links if lk.line == line)


def load_error(folder: Path) -> str:
    with pytest.raises(InputError) as info:
        load_network(folder)
    return str(info.value)


# ------------------------------------------------------------------ line_changes.csv


def test_speed_in_force_follows_the_dated_rows(net_dir: Path) -> None:
    # opened at 200, raised to 250 in 2015; the link row (300) is today's value and
    # applies only where no dated row does: here from 2020 on, given by its own row
    write(
        net_dir,
        "line_changes.csv",
        CHANGES_HEADER,
        "L1,,,2010,200,,opening speed",
        "L1,,,2015,250,,raise",
        "L1,st_b,st_a,2020,300,,raise of this link (written in reverse direction)",
    )
    full = load_network(net_dir)
    assert [c.year for c in full.line_changes] == [2010, 2015, 2020]
    speed = {y: link(full.as_of(y), "L1").speed_kmh for y in (2010, 2014, 2015, 2019, 2020, 2030)}
    assert speed == {2010: 200, 2014: 200, 2015: 250, 2019: 250, 2020: 300, 2030: 300}
    # the full network and the open network keep the link row's own value
    assert link(full, "L1").speed_kmh == 300
    assert link(full.open_only(), "L1").speed_kmh == 300


def test_running_time_uses_the_speed_in_force(net_dir: Path) -> None:
    write(net_dir, "line_changes.csv", CHANGES_HEADER, "L1,,,2010,200,,opening", "L1,,,2024,300,,raise")
    full = load_network(net_dir)
    p = Parameters(speed_factor={"hsr": 1.0}, stop_loss_min={"hsr": 0.0})
    # 300 km at 200 km/h = 90 min; at 300 km/h = 60 min (hand calculation)
    assert link_minutes(link(full.as_of(2015), "L1"), p) == pytest.approx(90.0)
    assert link_minutes(link(full.as_of(2024), "L1"), p) == pytest.approx(60.0)


def test_empty_value_leaves_the_other_unchanged(net_dir: Path) -> None:
    write(
        net_dir,
        "line_changes.csv",
        CHANGES_HEADER,
        "L1,,,2010,200,60,opening: slower and sparser",
        "L1,,,2016,,20,denser timetable; speed unchanged",
    )
    full = load_network(net_dir)
    lk2012, lk2016 = link(full.as_of(2012), "L1"), link(full.as_of(2016), "L1")
    assert (lk2012.speed_kmh, lk2012.headway_min) == (200, 60)
    assert (lk2016.speed_kmh, lk2016.headway_min) == (200, 20)


def test_link_row_wins_over_line_row_of_the_same_year(net_dir: Path) -> None:
    write(
        net_dir,
        "line_changes.csv",
        CHANGES_HEADER,
        "L1,,,2015,250,,whole line",
        "L1,st_a,st_b,2015,220,,this link: a speed restriction",
    )
    assert link(load_network(net_dir).as_of(2016), "L1").speed_kmh == 220


def test_other_lines_are_untouched(net_dir: Path) -> None:
    write(net_dir, "line_changes.csv", CHANGES_HEADER, "L1,,,2010,200,,opening")
    full = load_network(net_dir)
    assert link(full.as_of(2015), "L2") == link(full, "L2")


def test_scenario_year_applies_to_added_projects(net_dir: Path) -> None:
    # L4 is planned (project newline); a dated row for it applies to it when added
    write(net_dir, "line_changes.csv", CHANGES_HEADER, "L4,,,2030,250,,opens below design speed")
    full = load_network(net_dir)
    net = apply_scenario(Scenario("x", year=2031, add_projects=("newline",)), full)
    assert link(net, "L4").speed_kmh == 250
    net = apply_scenario(Scenario("x", year=2025, add_projects=("newline",)), full)
    assert link(net, "L4").speed_kmh == 300
    assert sum(lk.line == "L4" for lk in net.links) == 1


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("L9,,,2010,200,,s", "line", "no link of line 'L9'"),
        ("L1,st_a,,2010,200,,s", "to", "both from and to"),
        ("L1,,st_b,2010,200,,s", "from", "both from and to"),
        ("L1,st_a,st_c,2010,200,,s", "to", "no link st_a–st_c"),
        ("L1,,,2010,,,s", "speed_kmh", "neither speed_kmh nor headway_min"),
        ("L1,,,1700,200,,s", "year", "outside"),
        ("L1,,,2010,-5,,s", "speed_kmh", "must be > 0"),
        ("L1,,,2010,200,0,s", "headway_min", "must be > 0"),
        ("L1,,,2010,200,,", "source", "empty, but required"),
    ],
)
def test_bad_line_change_names_file_line_field(net_dir: Path, row: str, field: str, message: str) -> None:
    write(net_dir, "line_changes.csv", CHANGES_HEADER, "L1,,,2012,250,,fine", row)
    text = load_error(net_dir)
    assert f"line_changes.csv:3: field '{field}'" in text
    assert message in text


def test_duplicate_line_change_is_an_error(net_dir: Path) -> None:
    write(net_dir, "line_changes.csv", CHANGES_HEADER, "L1,,,2012,250,,a", "L1,,,2012,200,,b")
    assert "line_changes.csv:3: field 'year'" in load_error(net_dir)


# ---------------------------------------------------------------------- projects.csv


def test_projects_load_with_unknown_cost_as_none(net_dir: Path) -> None:
    write(net_dir, "projects.csv", PROJECTS_HEADER, "newline,新线,New line,plan X,,,,test")
    full = load_network(net_dir)
    assert full.projects == (
        Project("newline", "新线", "New line", "plan X", None, None, None, "test", full.projects[0].file, 2),
    )
    assert full.project_by_id["newline"].cost_yi_yuan is None
    # a network view keeps its projects
    assert full.as_of(2020).projects == full.projects


def test_projects_cost_is_read(net_dir: Path) -> None:
    write(net_dir, "projects.csv", PROJECTS_HEADER, "newline,新线,New line,,522.7,2021,approval,test")
    project = load_network(net_dir).projects[0]
    assert (project.cost_yi_yuan, project.cost_year, project.cost_source, project.plan) == (
        522.7,
        2021,
        "approval",
        None,
    )


def test_network_without_projects_table_has_none() -> None:
    assert load_network(TINY).projects == ()


@pytest.mark.parametrize(
    ("rows", "where", "message"),
    [
        (("newline,新线,New line,,-3,2021,s,t",), "projects.csv:2: field 'cost_yi_yuan'", "must be > 0"),
        (("newline,新线,New line,,3,2021,,t",), "projects.csv:2: field 'cost_source'", "needs its source"),
        (("newline,新线,New line,,,2021,,t",), "projects.csv:2: field 'cost_year'", "without a cost"),
        (
            ("newline,新线,New line,,,,,t", "newline,新线,again,,,,,t"),
            "projects.csv:3: field 'id'",
            "duplicate id",
        ),
        (("other,其他,Other,,,,,t",), "links_rail.csv:5: field 'project'", "'newline' has no row"),
    ],
)
def test_bad_project_rows_name_file_line_field(
    net_dir: Path, rows: tuple[str, ...], where: str, message: str
) -> None:
    if "other" in rows[0]:
        # give 'other' a link so that only the missing row for 'newline' is wrong
        body = (net_dir / "links_rail.csv").read_text(encoding="utf-8")
        body += "hsr,L5,st_b,st_c,100,300,,60,planned,2030,other,,test\n"
        (net_dir / "links_rail.csv").write_text(body, encoding="utf-8")
    write(net_dir, "projects.csv", PROJECTS_HEADER, *rows)
    text = load_error(net_dir)
    assert where in text
    assert message in text


def test_sim_validate_reports_bad_rows_with_exit_2(net_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sim.cli import main

    write(net_dir, "line_changes.csv", CHANGES_HEADER, "L1,st_a,,2012,300,,one end only")
    write(net_dir, "projects.csv", PROJECTS_HEADER, "newline,新线,New line,,,,,t", "newline,新线,again,,,,,t")
    assert main(["validate", str(net_dir)]) == 2
    err = capsys.readouterr().err
    assert "line_changes.csv:2: field 'to'" in err
    assert "projects.csv:3: field 'id'" in err
    assert "Traceback" not in err


def test_project_on_no_link_is_a_warning(net_dir: Path) -> None:
    from sim.validate import check_network

    write(net_dir, "projects.csv", PROJECTS_HEADER, "newline,新线,New line,,,,,t", "ghost,鬼,Ghost,,,,,t")
    problems = check_network(load_network(net_dir))
    ghost = [p for p in problems if "'ghost' is on no link" in str(p)]
    assert len(ghost) == 1
    assert ghost[0].severity == "warning"
    assert "projects.csv:3: field 'id'" in str(ghost[0])


def test_cost_without_year_is_a_warning(net_dir: Path) -> None:
    from sim.validate import check_network

    write(net_dir, "projects.csv", PROJECTS_HEADER, "newline,新线,New line,,3,,s,t")
    problems = [p for p in check_network(load_network(net_dir)) if "has no year" in str(p)]
    assert [p.severity for p in problems] == ["warning"]
    assert "projects.csv:2: field 'cost_year'" in str(problems[0])

"""Road nodes and expressway links: bad rows named by file, line and field; plausibility.

Each broken input is a copy of ``tests/data/roads`` with one line changed (the header is
line 1); every test states the line and checks the error names that file, line and field.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.network import load_network
from sim.validate import check_network
from tests.test_network import append_line, assert_names, break_line, load_error

ROADS = Path(__file__).parent / "data" / "roads"


@pytest.fixture
def road_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "net"
    shutil.copytree(ROADS, folder)
    return folder


def test_untouched_copy_loads_and_checks_clean(road_dir: Path) -> None:
    net = load_network(road_dir)
    assert [n.id for n in net.road_nodes][:2] == ["rn_aa_e", "rn_bb_w"]
    assert [p for p in check_network(net) if "road" in str(p) or "entrance" in str(p)] == []


@pytest.mark.parametrize(
    ("line", "old", "new", "field"),
    [
        (2, "rn_aa_e,", "Rn-AA,", "id"),  # not a slug
        (3, "rn_bb_w,", "rn_aa_e,", "id"),  # duplicate
        (3, "rn_bb_w,", "bb,", "id"),  # a city's id
        (2, ",entrance,", ",exit,", "kind"),
        (2, ",entrance,aa,", ",entrance,,", "city"),  # an entrance serves a city
        (2, ",entrance,aa,", ",entrance,zz,", "city"),  # unknown city
        (2, ",30.0,114.1,", ",95.0,114.1,", "lat"),
        (2, ",30.0,114.1,", ",30.0,,", "lon"),
        (2, ",10,test,", ",-3,test,", "access_min"),
        (2, ",hand-made test network", ",", "source"),
    ],
)
def test_bad_road_node_is_named(road_dir: Path, line: int, old: str, new: str, field: str) -> None:
    break_line(road_dir, "road_nodes.csv", line, old, new)
    assert_names(load_error(road_dir), "road_nodes.csv", line, field)


def test_road_node_id_equal_to_a_terminal_id(road_dir: Path) -> None:
    line = append_line(road_dir, "road_nodes.csv", "st_b,乙站口,Beta gate,junction,,30.0,115.0,,,t")
    assert_names(load_error(road_dir), "road_nodes.csv", line, "id")


@pytest.mark.parametrize(
    ("line", "old", "new", "field"),
    [
        (2, ",rn_bb_w,", ",rn_nowhere,", "to"),  # unknown road node
        (2, "G1,rn_aa_e,", "G1,st_b,", "from"),  # a station is not a road point
        (5, ",test: widened to eight lanes,8", ",test: widened,7", "lanes"),  # odd
    ],
)
def test_bad_road_link_is_named(road_dir: Path, line: int, old: str, new: str, field: str) -> None:
    break_line(road_dir, "links_road.csv", line, old, new)
    assert_names(load_error(road_dir), "links_road.csv", line, field)


def test_widening_with_the_same_lanes_is_a_duplicate(road_dir: Path) -> None:
    break_line(road_dir, "links_road.csv", 5, ",test: widened to eight lanes,8", ",test: widened,")
    error = load_error(road_dir)
    assert_names(error, "links_road.csv", 5, "to")
    assert "duplicate link" in str(error)


def test_lanes_column_may_be_absent(road_dir: Path) -> None:
    path = road_dir / "links_road.csv"
    rows = [line.rsplit(",", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(r for r in rows if "widened" not in r) + "\n", encoding="utf-8")
    assert all(lk.lanes is None for lk in load_network(road_dir).links)


def problems_at(folder: Path, file: str, line: int | None, field: str) -> list[str]:
    found = []
    for p in check_network(load_network(folder)):
        e = p.error
        if e.file and Path(e.file).name == file and e.line == line and e.field == field:
            found.append(p.severity)
    return found


def test_link_much_shorter_than_the_straight_line_is_an_error(road_dir: Path) -> None:
    # rn_aa_e-rn_bb_w are 77 km apart; 50 km is impossible, 75 km a rounding matter
    break_line(road_dir, "links_road.csv", 2, ",100,", ",50,")
    assert problems_at(road_dir, "links_road.csv", 2, "km") == ["error"]
    break_line(road_dir, "links_road.csv", 2, ",50,", ",75,")
    assert problems_at(road_dir, "links_road.csv", 2, "km") == ["warning"]


def test_far_entrance_and_lonely_node_are_warnings(road_dir: Path) -> None:
    break_line(road_dir, "road_nodes.csv", 2, ",30.0,114.1,", ",30.0,114.6,")  # 58 km from aa
    line = append_line(road_dir, "road_nodes.csv", "rn_lonely,孤点,Lonely,junction,,29.5,115.0,,,t")
    assert problems_at(road_dir, "road_nodes.csv", 2, "lat") == ["warning"]
    assert problems_at(road_dir, "road_nodes.csv", line, "id") == ["warning"]


def test_sim_validate_exits_2_naming_the_road_row(road_dir: Path, capsys: pytest.CaptureFixture) -> None:
    break_line(road_dir, "road_nodes.csv", 4, ",entrance,bb,", ",entrance,,")
    assert main(["validate", str(road_dir)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "road_nodes.csv:4: field 'city'" in err[0]

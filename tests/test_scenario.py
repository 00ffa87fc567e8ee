"""Scenario files: extends, projects, modifications, and their errors."""

from pathlib import Path

import pytest

from sim.errors import InputError
from sim.graph import build_graph
from sim.modes import PROFILES
from sim.parameters import Parameters
from sim.paths import all_pairs
from sim.scenario import apply_scenario, load_scenario
from tests.conftest import with_hand_parameters

TINY = Path(__file__).parent / "data" / "tiny"
AA, BB, CC = 0, 1, 2


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    body = f'network = "{TINY}"\ntargets = ""\n' + text
    if name != "plain":
        body = with_hand_parameters(body)
    path.write_text(body, encoding="utf-8")
    return path


def rail_minutes(scenario):
    net = apply_scenario(scenario)
    return all_pairs(build_graph(net, PROFILES["rail"], scenario.parameters))


def test_extends_merges_projects_parameters_and_modifications(tmp_path):
    write(tmp_path, "base", "year = 2025\n[parameters]\nline_change_min = { rail = 20 }\n")
    child = write(
        tmp_path,
        "child",
        'extends = "base.toml"\nadd_projects = ["newline"]\n[parameters]\nprocessing_min = { rail = 5 }\n',
    )
    s = load_scenario(str(child))
    assert s.year == 2025 and s.add_projects == ("newline",)
    assert s.parameters.line_change_min["rail"] == 20 and s.parameters.processing_min["rail"] == 5
    # L4 (200 km at 300 km/h, +2 stop loss) added by its project: 20 + 5 + 42 + 5 + 5 = 77
    assert rail_minutes(s)[AA, CC] == pytest.approx(77)


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "a", 'extends = "b.toml"\n')
    write(tmp_path, "b", 'extends = "a.toml"\n')
    with pytest.raises(InputError) as info:
        load_scenario(str(tmp_path / "a.toml"))
    assert "cycle" in str(info.value) and "'extends'" in str(info.value)


def test_modifications_add_remove_and_set(tmp_path):
    path = write(
        tmp_path,
        "m",
        """year = 2025
[[modifications]]
type = "set_line"
line = "L3"
speed_kmh = 240
[[modifications]]
type = "remove_link"
line = "L1"
from = "st_a"
to = "st_b"
""",
    )
    t = rail_minutes(load_scenario(str(path)))
    # L3 at 240 km/h: 10 + 15 + (60 + 3) + 5 + 5 = 98
    assert t[AA, CC] == pytest.approx(98)
    # without L1, aa -> bb goes L3 to st_c then L2 back: 10+15 + 63 + (60/2 + 10) + 32 + 10+5 = 175
    assert t[AA, BB] == pytest.approx(175)


def test_add_line_by_stations(tmp_path):
    path = write(
        tmp_path,
        "l",
        """year = 2025
[[modifications]]
type = "add_line"
mode = "hsr"
line = "NEW"
stations = ["st_a", "st_c"]
km = [150]
speed_kmh = 300
""",
    )
    # 20 + 15 + (30 + 2) + 5 + 5 = 77
    assert rail_minutes(load_scenario(str(path)))[AA, CC] == pytest.approx(77)


@pytest.mark.parametrize(
    ("body", "field", "line"),
    [
        ('[[modifications]]\ntype = "remove_station"\nstation = "st_nowhere"\n', "station", 4),
        ('[[modifications]]\ntype = "teleport"\n', "type", 4),
        ('add_projects = ["no_such_project"]\n', "add_projects", 4),
        ("year = 1900\n", "year", 3),
    ],
)
def test_bad_scenarios_name_file_line_and_field(tmp_path, body, field, line):
    if not body.startswith("year"):
        body = "year = 2025\n" + body
    path = write(tmp_path, "bad", body)
    with pytest.raises(InputError) as info:
        apply_scenario(load_scenario(str(path)))
    assert f"bad.toml:{line}" in str(info.value) and f"'{field}'" in str(info.value)


def test_default_parameters_unchanged_without_overrides(tmp_path):
    s = load_scenario(str(write(tmp_path, "plain", "year = 2025\n")))
    assert s.parameters == Parameters()

"""Validation of network folders, cutting a network to a year, and finding cities.

Broken inputs are made by copying ``tests/data/tiny`` to a temporary folder and breaking
one line of one file. Every test states the line it broke (the header is line 1) and
checks that the error names that file, that line and the field.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from sim.bundled import network_folder
from sim.errors import InputError, InputErrors
from sim.modes import TerminalKind
from sim.network import Network, Terminal, load_network
from tests.conftest import with_town

TINY = Path(__file__).parent / "data" / "tiny"

AIR_HEADER = "id,city,name_zh,name_en,lat,lon,access_min,status,open_year,source"


@pytest.fixture
def net_dir(tmp_path: Path) -> Path:
    """A fresh, writable copy of the tiny network."""
    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)
    return folder


def break_line(folder: Path, file: str, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` on 1-based ``line`` of ``folder/file`` (and nowhere else)."""
    path = folder / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[line - 1].count(old) == 1, f"'{old}' is not once on {file}:{line}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")


def append_line(folder: Path, file: str, text: str) -> int:
    """Append a row to ``folder/file``; return its 1-based line number."""
    path = folder / file
    body = path.read_text(encoding="utf-8")
    if not body.endswith("\n"):
        body += "\n"
    body += text + "\n"
    path.write_text(body, encoding="utf-8")
    return len(body.splitlines())


def errors_of(error: InputError) -> list[InputError]:
    return error.errors if isinstance(error, InputErrors) else [error]


def assert_names(error: InputError, file: str, line: int, field: str) -> None:
    """The error (or one of the errors collected) is at ``file:line`` in ``field``."""
    text = str(error)
    location = f"{file}:{line}: field '{field}'"
    matching = [row for row in text.splitlines() if location in row]
    assert matching, f"no error at {location} in:\n{text}"
    # after the location there is a message saying what is wrong
    assert all(row.split(location, 1)[1].lstrip(": ").strip() for row in matching)
    structured = [
        e
        for e in errors_of(error)
        if e.file and Path(e.file).name == file and e.line == line and e.field == field
    ]
    assert structured, f"no structured error for {location}"


def load_error(folder: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_network(folder)
    return info.value


def test_untouched_copy_loads(net_dir: Path) -> None:
    # the baseline every broken variant starts from is valid
    net = load_network(net_dir)
    assert [c.id for c in net.cities] == ["aa", "bb", "cc"]
    assert {t.id for t in net.terminals} == {"st_a", "st_a2", "st_b", "st_c"}
    assert [lk.line for lk in net.links] == ["L1", "L2", "L3", "L4", "G1", "G2"]


# ----------------------------------------------------------------- one broken line each


# (case id, file, line broken, text on that line, replacement, field expected in the error)
ONE_LINE_BREAKS = [
    ("unknown-city-of-terminal", "terminals_rail.csv", 4, "st_b,bb,", "st_b,zz,", "city"),
    ("link-to-nowhere", "links_rail.csv", 3, "hsr,L2,st_b,", "hsr,L2,st_nowhere,", "from"),
    ("negative-speed", "links_rail.csv", 3, ",150,300,", ",150,-300,", "speed_kmh"),
    ("zero-speed", "links_rail.csv", 3, ",150,300,", ",150,0,", "speed_kmh"),
    ("non-numeric-km", "links_rail.csv", 4, ",240,120,", ",24O,120,", "km"),
    ("planned-without-project", "links_rail.csv", 5, ",2030,newline,", ",2030,,", "project"),
    ("unknown-mode", "links_rail.csv", 4, "conventional,L3,", "maglev,L3,", "mode"),
    ("zero-km", "links_road.csv", 2, ",200,", ",0,", "km"),
]


@pytest.mark.parametrize(
    ("file", "line", "old", "new", "field"),
    [case[1:] for case in ONE_LINE_BREAKS],
    ids=[case[0] for case in ONE_LINE_BREAKS],
)
def test_one_broken_line_is_named(
    net_dir: Path, file: str, line: int, old: str, new: str, field: str
) -> None:
    break_line(net_dir, file, line, old, new)
    error = load_error(net_dir)
    assert isinstance(error, InputError)
    assert_names(error, file, line, field)


def test_unknown_mode_message_lists_valid_modes(net_dir: Path) -> None:
    break_line(net_dir, "links_rail.csv", 4, "conventional,L3,", "maglev,L3,")
    text = str(load_error(net_dir))
    assert "maglev" in text
    assert "hsr" in text and "expressway" in text


def test_road_link_between_terminal_ids(net_dir: Path) -> None:
    # expressways join city centres: terminal ids are not accepted at either end
    break_line(net_dir, "links_road.csv", 3, "G2,bb,cc,", "G2,st_b,st_c,")
    error = load_error(net_dir)
    assert_names(error, "links_road.csv", 3, "from")
    assert_names(error, "links_road.csv", 3, "to")
    assert "st_b" in str(error)


@pytest.mark.parametrize(
    ("file", "column"),
    [
        ("cities.csv", "lat"),
        ("terminals_rail.csv", "city"),
        ("links_road.csv", "km"),
        ("links_rail.csv", "status"),
    ],
)
def test_missing_required_column(net_dir: Path, file: str, column: str) -> None:
    # rename the header cell so that the rows keep their shape
    break_line(net_dir, file, 1, f",{column},", f",not_{column},")
    error = load_error(net_dir)
    assert_names(error, file, 1, column)
    assert "missing column" in str(error)


def test_duplicate_city_id(net_dir: Path) -> None:
    line = append_line(net_dir, "cities.csv", "aa,丁,Delta,test,27.0,111.0,100000,test,,in-plan,test")
    assert line == 5
    error = load_error(net_dir)
    assert_names(error, "cities.csv", 5, "id")
    assert "duplicate" in str(error) and "'aa'" in str(error)


def test_duplicate_terminal_id_across_two_files(net_dir: Path) -> None:
    # st_b is already a rail station (terminals_rail.csv:4); it reappears as an airport
    (net_dir / "terminals_air.csv").write_text(
        f"{AIR_HEADER}\nap_a,aa,机场,Alpha Airport,30.1,114.1,40,open,2000,test\n"
        "st_b,bb,乙机场,Beta Airport,29.1,113.1,40,open,2000,test\n",
        encoding="utf-8",
    )
    error = load_error(net_dir)
    assert_names(error, "terminals_air.csv", 3, "id")
    first = [row for row in str(error).splitlines() if "terminals_air.csv:3" in row]
    # the message points back at the first definition
    assert any("terminals_rail.csv:4" in row for row in first)


def test_missing_cities_file(net_dir: Path) -> None:
    (net_dir / "cities.csv").unlink()
    error = load_error(net_dir)
    missing = [e for e in errors_of(error) if e.file and Path(e.file).name == "cities.csv"]
    assert missing, str(error)
    assert "not found" in missing[0].message
    assert "cities.csv" in str(error).splitlines()[0]


def test_all_problems_reported_together(net_dir: Path) -> None:
    # two independent problems in two files: both are reported in one raise
    break_line(net_dir, "links_rail.csv", 3, ",150,300,", ",150,-300,")
    break_line(net_dir, "terminals_rail.csv", 4, "st_b,bb,", "st_b,zz,")
    error = load_error(net_dir)
    assert isinstance(error, InputErrors)
    assert_names(error, "links_rail.csv", 3, "speed_kmh")
    assert_names(error, "terminals_rail.csv", 4, "city")


# ----------------------------------------------------------------------------- as_of


def link_lines(net: Network) -> set[str]:
    return {lk.line for lk in net.links}


def test_as_of_drops_links_opened_later() -> None:
    full = load_network(TINY)
    # tiny: L1 2010, L2 2012, L3 2000, L4 planned 2030, G1 G2 2000
    net = full.as_of(2011)
    assert net.year == 2011
    assert link_lines(net) == {"L1", "L3", "G1", "G2"}
    assert "L2" in link_lines(full.as_of(2012))
    assert link_lines(full.as_of(2009)) == {"L3", "G1", "G2"}


def test_as_of_keeps_planned_only_when_asked() -> None:
    full = load_network(TINY)
    assert "L4" not in link_lines(full.as_of(2040))
    assert "L4" not in link_lines(full.as_of(2029, include_expected=True))
    assert "L4" in link_lines(full.as_of(2030, include_expected=True))


def test_as_of_keeps_open_links_of_unknown_year(net_dir: Path) -> None:
    before = load_network(net_dir).as_of(2005)
    assert "L1" not in link_lines(before)  # opened 2010
    break_line(net_dir, "links_rail.csv", 2, ",open,2010,", ",open,,")
    full = load_network(net_dir)
    assert next(lk for lk in full.links if lk.line == "L1").open_year is None
    net = full.as_of(2005)
    assert link_lines(net) == {"L1", "L3", "G1", "G2"}


def test_as_of_drops_links_of_terminals_not_yet_open(net_dir: Path) -> None:
    # st_c opens in 2011: L3 (open since 2000) cannot be used before its station opens
    break_line(net_dir, "terminals_rail.csv", 5, ",open,2000,", ",open,2011,")
    full = load_network(net_dir)
    assert "L3" not in link_lines(full.as_of(2010))
    assert "st_c" not in {t.id for t in full.as_of(2010).terminals}
    assert "L3" in link_lines(full.as_of(2011))


# ------------------------------------------------------------------------- find_city


@pytest.mark.parametrize("text", ["bb", "乙", "乙市", "Beta", "beta", "BETA", "bEtA", " Beta "])
def test_find_city_accepts_id_and_names(text: str) -> None:
    net = load_network(TINY)
    assert net.find_city(text).id == "bb"


@pytest.mark.parametrize("text", ["Delta", "dd", "丁", "甲乙", "Alpha Beta"])
def test_find_city_unknown_raises(text: str) -> None:
    net = load_network(TINY)
    with pytest.raises(InputError) as info:
        net.find_city(text)
    assert text in str(info.value)
    assert "cities.csv" in str(info.value)


def test_find_city_each_city_by_chinese_name_with_shi() -> None:
    net = load_network(TINY)
    for zh, cid in (("甲", "aa"), ("乙", "bb"), ("丙", "cc")):
        assert net.find_city(zh + "市").id == cid
        assert net.find_city(zh).id == cid


def test_data_years_span_open_links_only() -> None:
    # documented as "first and last open_year of the open links": tiny's open links
    # opened 2000 (L3, G1, G2) to 2012 (L2); L4 is only planned, for 2030
    assert load_network(TINY).data_years == (2000, 2012)


# ------------------------------------------------- links always end at existing nodes


def planned_gamma_station(folder: Path) -> None:
    """Mark st_c as planned (to open 2030) while L2 and L3 stay open to it."""
    break_line(folder, "terminals_rail.csv", 5, ",open,2000,", ",planned,2030,")


def dangling_ends(net: Network) -> list[str]:
    present = {t.id for t in net.terminals} | {c.id for c in net.cities}
    return sorted({end for lk in net.links for end in (lk.from_id, lk.to_id)} - present)


def test_as_of_keeps_no_link_to_a_terminal_it_drops(net_dir: Path) -> None:
    planned_gamma_station(net_dir)
    net = load_network(net_dir).as_of(2025)
    assert "st_c" not in {t.id for t in net.terminals}
    assert dangling_ends(net) == []


def test_open_only_keeps_no_link_to_a_terminal_it_drops(net_dir: Path) -> None:
    # the graph builder looks every link end up among the network's terminals, so a
    # network view must never keep a link whose terminal it removed. Rejecting such data
    # in load_network would be an acceptable alternative.
    planned_gamma_station(net_dir)
    try:
        full = load_network(net_dir)
    except InputError as error:
        assert "terminals_rail.csv:5" in str(error) or "links_rail.csv" in str(error)
        return
    net = full.open_only()
    assert "st_c" not in {t.id for t in net.terminals}
    assert dangling_ends(net) == []


# ------------------------------------------------------------------ town


def test_town_is_read_and_empty_is_none(net_dir: Path) -> None:
    with_town(net_dir, {"st_a2": "黄梅县"})
    net = load_network(net_dir)
    towns = {t.id: t.town for t in net.terminals}
    assert towns == {"st_a": None, "st_a2": "黄梅县", "st_b": None, "st_c": None}
    # the column after city moves no other field
    a2 = net.terminal_by_id["st_a2"]
    assert (a2.city, a2.name_zh, a2.lat, a2.lon, a2.access_min) == ("aa", "甲东站", 30.0, 114.1, 10.0)


def test_a_table_without_town_still_loads(net_dir: Path) -> None:
    # the tiny network's tables have no town column
    assert "town" not in (net_dir / "terminals_rail.csv").read_text(encoding="utf-8").splitlines()[0]
    net = load_network(net_dir)
    assert len(net.terminals) == 4 and all(t.town is None for t in net.terminals)


def test_a_terminal_built_in_code_has_no_town() -> None:
    # code that builds a Terminal without naming a town keeps working
    t = Terminal("st_x", "aa", TerminalKind.RAIL, "x", "x", 30.0, 114.0, None, "open", None, "test")
    assert t.town is None


# ------------------------------------------------------------------ access basis


def with_access_basis(folder: Path, bases: dict[str, str], access: dict[str, str] | None = None) -> None:
    """Give ``terminals_rail.csv`` an ``access_basis`` column: ``bases`` by station id (others empty).

    ``access`` replaces some stations' ``access_min`` (an empty string for none).
    """
    path = folder / "terminals_rail.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0].replace("access_min,", "access_min,access_basis,")]
    for line in lines[1:]:
        cells = line.split(",")
        if access and cells[0] in access:
            cells[6] = access[cells[0]]
        cells.insert(7, bases.get(cells[0], ""))
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_access_basis_is_read_and_formula_where_no_time(net_dir: Path) -> None:
    with_access_basis(
        net_dir,
        {"st_a": "published", "st_a2": "recalled", "st_b": "recalled"},
        access={"st_c": ""},
    )
    net = load_network(net_dir)
    basis = {t.id: (t.access_basis, t.access_min) for t in net.terminals if t.kind.value == "rail"}
    assert basis == {
        "st_a": ("published", 20.0),
        "st_a2": ("recalled", 10.0),
        "st_b": ("recalled", 10.0),
        "st_c": ("formula", None),
    }


def test_without_the_column_a_given_time_is_given(net_dir: Path) -> None:
    net = load_network(net_dir)
    assert {t.access_basis for t in net.terminals if t.access_min is not None} == {"given"}


def test_access_time_without_basis_is_named(net_dir: Path) -> None:
    with_access_basis(net_dir, {"st_a": "published", "st_a2": "recalled", "st_c": "recalled"})
    # st_b (line 4) keeps its 10 min but says nothing of where it comes from
    assert_names(load_error(net_dir), "terminals_rail.csv", 4, "access_basis")


def test_basis_without_access_time_is_named(net_dir: Path) -> None:
    with_access_basis(
        net_dir,
        {"st_a": "published", "st_a2": "recalled", "st_b": "recalled", "st_c": "published"},
        access={"st_c": ""},
    )
    assert_names(load_error(net_dir), "terminals_rail.csv", 5, "access_basis")


def test_unknown_basis_is_named(net_dir: Path) -> None:
    with_access_basis(
        net_dir, {"st_a": "guessed", "st_a2": "recalled", "st_b": "recalled", "st_c": "recalled"}
    )
    error = load_error(net_dir)
    assert_names(error, "terminals_rail.csv", 2, "access_basis")
    assert "published" in str(error) and "recalled" in str(error)


def test_bundled_terminals_say_how_each_access_time_is_known() -> None:
    # the bundled tables carry the column: every time is published or recalled, and a
    # published one names its source in the note
    for name in ("terminals_rail.csv", "terminals_air.csv", "terminals_port.csv"):
        with (network_folder() / name).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and "access_basis" in rows[0]
        for row in rows:
            if row["access_basis"] == "published":
                assert row["access_note"] and not row["access_note"].startswith("by formula"), row["id"]
            if not row["access_min"]:
                assert row["access_note"].startswith("by formula"), row["id"]

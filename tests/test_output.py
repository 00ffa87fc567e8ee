"""Output safety: results are written only where they are sim's own, and names are plain.

Every data-loss case of issue 8 is here: ``--out`` into a folder holding a user's file,
into the current directory, onto a file, onto a folder holding the data; scenario and
sweep names that would become paths outside ``results/``. Each must exit 2 and leave
every existing file in place.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import InputError
from sim.output import (
    MARKER,
    atomic_folder,
    check_output_folder,
    check_plain_name,
    remove_stale,
    written_by_sim,
)
from tests.conftest import with_hand_parameters

TINY = (Path(__file__).parent / "data" / "tiny").resolve()
TARGETS = """\
[[target]]
id = "bb-cc-90"
title = "Beta and Gamma within 90 minutes"
source = "test"
kind = "travel_time"
profile = "rail"
threshold_min = 90
due_year = 2020
headline = "door_to_door"
headline_reason = "test"
pairs = [{ from = "bb", to = "cc" }]
"""


def scenario_text(name: str | None = "tiny", network: Path = TINY) -> str:
    lines = [f"name = {name!r}".replace("'", '"')] if name is not None else []
    lines += [
        "year = 2025",
        'profiles = ["rail"]',
        'targets = "targets.toml"',
        f'network = "{network.as_posix()}"',
    ]
    return with_hand_parameters("\n".join(lines) + "\n")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder: the current directory, with a scenario and its targets."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    (project / "targets.toml").write_text(TARGETS, encoding="utf-8")
    (project / "tiny.toml").write_text(scenario_text(), encoding="utf-8")
    return project


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith("sim: error")]


# ------------------------------------------------------------------------ --out


def test_out_into_a_folder_of_the_users_is_refused_and_keeps_the_file(work, capsys):
    folder = work.parent / "x"
    folder.mkdir()
    (folder / "thesis.docx").write_text("hi", encoding="utf-8")
    code, err = run(capsys, "run", "tiny.toml", "--out", folder, "--quiet")
    assert code == 2
    [line] = error_lines(err)
    assert str(folder) in line and "--force" in line and MARKER in line
    assert (folder / "thesis.docx").read_text(encoding="utf-8") == "hi"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]


def test_force_replaces_a_folder_sim_did_not_write(work, capsys):
    folder = work.parent / "x"
    folder.mkdir()
    (folder / "old.txt").write_text("hi", encoding="utf-8")
    code, _ = run(capsys, "run", "tiny.toml", "--out", folder, "--quiet", "--force")
    assert code == 0
    assert not (folder / "old.txt").exists() and (folder / MARKER).is_file()


def test_out_into_its_own_folder_again_needs_no_force(work, capsys):
    out = work.parent / "out"
    assert run(capsys, "run", "tiny.toml", "--out", out, "--quiet")[0] == 0
    assert '"written_by": "sim run"' in (out / MARKER).read_text(encoding="utf-8")
    assert run(capsys, "run", "tiny.toml", "--out", out, "--quiet")[0] == 0


def test_an_empty_folder_is_used(work, capsys):
    out = work.parent / "empty"
    out.mkdir()
    assert run(capsys, "run", "tiny.toml", "--out", out, "--quiet")[0] == 0


def test_an_older_results_folder_without_marker_is_recognised(work, capsys):
    # folders written before the marker existed hold only the files a run writes
    out = work.parent / "older"
    assert run(capsys, "run", "tiny.toml", "--out", out, "--quiet")[0] == 0
    (out / MARKER).unlink()
    assert run(capsys, "run", "tiny.toml", "--out", out, "--quiet")[0] == 0


@pytest.mark.parametrize("force", [False, True])
def test_out_into_the_current_directory_is_refused_even_with_force(work, capsys, force):
    before = files_under(work)
    code, err = run(capsys, "run", "tiny.toml", "--out", ".", "--quiet", *(["--force"] if force else []))
    assert code == 2
    assert "current directory" in error_lines(err)[0]
    assert files_under(work) == before


def test_out_into_a_parent_of_the_current_directory_is_refused(work, capsys):
    before = files_under(work.parent)
    code, err = run(capsys, "run", "tiny.toml", "--out", work.parent, "--quiet", "--force")
    assert code == 2 and error_lines(err)
    assert files_under(work.parent) == before


@pytest.mark.parametrize("force", [False, True])
def test_out_onto_a_file_is_refused_and_keeps_it(work, capsys, force):
    path = work.parent / "somefile"
    path.write_text("precious", encoding="utf-8")
    code, err = run(capsys, "run", "tiny.toml", "--out", path, "--quiet", *(["--force"] if force else []))
    assert code == 2 and "over a file" in error_lines(err)[0]
    assert path.read_text(encoding="utf-8") == "precious"


def test_out_onto_a_folder_holding_the_data_is_refused_even_with_force(tmp_path, capsys, monkeypatch):
    # the network lives in data/net; results into data/ would replace it
    data = tmp_path / "data"
    net = data / "net"
    net.mkdir(parents=True)
    for f in TINY.iterdir():
        (net / f.name).write_bytes(f.read_bytes())
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (elsewhere / "targets.toml").write_text(TARGETS, encoding="utf-8")
    (elsewhere / "s.toml").write_text(scenario_text(network=net), encoding="utf-8")
    before = files_under(data)
    for out in (data, net):
        code, err = run(capsys, "run", "s.toml", "--out", out, "--quiet", "--force")
        assert code == 2 and "data folder" in error_lines(err)[0]
    assert files_under(data) == before


def test_the_bundled_data_folders_are_protected(work, capsys):
    from sim.scenario import BUNDLED_NETWORK, BUNDLED_SCENARIOS

    for out in (BUNDLED_NETWORK, BUNDLED_SCENARIOS, BUNDLED_NETWORK.parent):
        before = sorted(p.name for p in out.iterdir())
        code, err = run(capsys, "run", "tiny.toml", "--out", out, "--quiet", "--force")
        assert code == 2 and error_lines(err)
        assert sorted(p.name for p in out.iterdir()) == before


# ------------------------------------------------------------------------ names


@pytest.mark.parametrize("name", ["", "../scenarios", "../../../tmp/x", "a/b", ".hidden", "..", "a b"])
def test_a_scenario_name_that_is_not_a_plain_name_is_bad_input(work, capsys, name):
    (work / "bad.toml").write_text(scenario_text(name), encoding="utf-8")
    results = work / "results"
    results.mkdir()
    (results / "keep.txt").write_text("keep", encoding="utf-8")
    before = files_under(work.parent)
    code, err = run(capsys, "run", "bad.toml", "--quiet")
    assert code == 2
    [line] = error_lines(err)
    assert "bad.toml:1: field 'name'" in line and "plain name" in line
    assert files_under(work.parent) == before


def test_a_file_name_used_as_scenario_name_must_be_plain_too(work, capsys):
    (work / "my scenario.toml").write_text(scenario_text(None), encoding="utf-8")
    code, err = run(capsys, "run", "my scenario.toml", "--quiet")
    assert code == 2 and "field 'name'" in error_lines(err)[0]


@pytest.mark.parametrize("name", ["today", "plan-2025", "2015", "vision_2035.v2", "武汉-新线"])
def test_plain_names_are_accepted(name):
    assert check_plain_name(name) == name


def test_a_sweep_name_that_is_not_plain_is_bad_input(work, capsys):
    (work / "s.toml").write_text(
        'name = "../../escape"\nbase = "tiny.toml"\n[projects]\ncandidates = ["newline"]\n', encoding="utf-8"
    )
    code, err = run(capsys, "sweep", "s.toml", "--processes", "1")
    assert code == 2 and "s.toml:1: field 'name'" in error_lines(err)[0]
    assert not (work.parent / "escape").exists()


# ------------------------------------------------------------------------ every command


def foreign_folder(parent: Path) -> Path:
    folder = parent / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_text("hi", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "tiny.toml", "tiny.toml"],
        ["map", "aa", "--scenario", "tiny.toml"],
        ["calibrate", "--scenario", "tiny.toml", "--observed", "obs.csv"],
        ["sweep", "sweep.toml", "--processes", "1"],
    ],
    ids=lambda argv: argv[0],
)
def test_every_folder_command_refuses_a_folder_it_did_not_write(work, capsys, argv):
    (work / "obs.csv").write_text(
        "origin,destination,profile,measure,observed_min,bound,tolerance_min,origin_terminal,"
        "destination_terminal,km,year,source\nbb,cc,rail,in_vehicle,40,,,,,,2025,test\n",
        encoding="utf-8",
    )
    (work / "sweep.toml").write_text(
        'name = "s"\nbase = "tiny.toml"\n[projects]\ncandidates = ["newline"]\n', encoding="utf-8"
    )
    folder = foreign_folder(work.parent)
    code, err = run(capsys, *argv, "--out", folder)
    assert code == 2 and "sim did not write" in error_lines(err)[0]
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]
    assert run(capsys, *argv, "--out", work.parent / "fresh")[0] == 0
    assert (work.parent / "fresh" / MARKER).is_file()


def test_report_replaces_its_own_file_but_not_another(work, capsys):
    page = work.parent / "r.html"
    assert run(capsys, "report", "tiny.toml", "--out", page)[0] == 0
    assert written_by_sim(page)
    assert run(capsys, "report", "tiny.toml", "--out", page)[0] == 0
    other = work.parent / "notes.html"
    other.write_text("<html>mine</html>", encoding="utf-8")
    code, err = run(capsys, "report", "tiny.toml", "--out", other)
    assert code == 2 and "sim did not write" in error_lines(err)[0]
    assert other.read_text(encoding="utf-8") == "<html>mine</html>"
    assert run(capsys, "report", "tiny.toml", "--out", other, "--force")[0] == 0


def test_export_replaces_its_own_file_but_not_another(work, capsys):
    graph = work.parent / "g.graphml"
    assert run(capsys, "export", graph, "--scenario", "tiny.toml")[0] == 0
    assert written_by_sim(graph)
    assert run(capsys, "export", graph, "--scenario", "tiny.toml")[0] == 0
    other = work.parent / "other.graphml"
    other.write_text("<graphml>mine</graphml>", encoding="utf-8")
    assert run(capsys, "export", other, "--scenario", "tiny.toml")[0] == 2
    assert other.read_text(encoding="utf-8") == "<graphml>mine</graphml>"
    code, err = run(capsys, "export", work.parent, "--scenario", "tiny.toml")
    assert code == 2 and "over a folder" in error_lines(err)[0]


def foreign_file(path: Path) -> bytes:
    """Write at ``path`` a valid file of its format that another program wrote; return its bytes."""
    suffix = path.suffix
    if suffix == ".gpkg":
        import geopandas as gpd
        from shapely.geometry import Point

        frame = gpd.GeoDataFrame({"name": ["mine"]}, geometry=[Point(114.3, 30.6)], crs=4326)
        frame.to_file(path, layer="mine", driver="GPKG", engine="pyogrio", metadata={"generator": "QGIS"})
    elif suffix == ".omx":
        import numpy as np
        import openmatrix as omx

        with omx.open_file(str(path), "w") as f:
            f["mine"] = np.zeros((2, 2))
    elif suffix == ".gexf":
        import networkx as nx

        nx.write_gexf(nx.path_graph(3), path)
    elif suffix == ".geojson":
        path.write_text('{"type": "FeatureCollection", "features": []}\n', encoding="utf-8")
    else:
        path.write_text("<graphml>mine</graphml>", encoding="utf-8")
    return path.read_bytes()


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".geojson", ".gpkg", ".omx"])
def test_every_export_format_replaces_its_own_file_but_not_another(work, capsys, suffix):
    """The generator tag of each format (sim.generator) is found again; a foreign file is kept."""
    mine = work.parent / f"g{suffix}"
    assert run(capsys, "export", mine, "--scenario", "tiny.toml")[0] == 0
    assert written_by_sim(mine)
    assert run(capsys, "export", mine, "--scenario", "tiny.toml")[0] == 0
    other = work.parent / f"other{suffix}"
    before = foreign_file(other)
    assert not written_by_sim(other)
    code, err = run(capsys, "export", other, "--scenario", "tiny.toml")
    assert code == 2 and "sim did not write" in error_lines(err)[0]
    assert other.read_bytes() == before
    assert run(capsys, "export", other, "--scenario", "tiny.toml", "--force")[0] == 0
    assert written_by_sim(other)


def test_a_geojson_export_keeps_a_foreign_layer_file_beside_it(work, capsys):
    """x.geojson also writes x-cities.geojson...: each of them is checked before anything is written."""
    beside = work.parent / "x-cities.geojson"
    before = foreign_file(beside)
    code, err = run(capsys, "export", work.parent / "x.geojson", "--scenario", "tiny.toml")
    assert code == 2 and "x-cities.geojson" in error_lines(err)[0]
    assert beside.read_bytes() == before
    assert not (work.parent / "x.geojson").exists()


def test_a_gexf_export_is_the_same_bytes_on_another_day(work, capsys):
    """No date of writing in the file: the same inputs give the same bytes."""
    first, second = work.parent / "a.gexf", work.parent / "b.gexf"
    assert run(capsys, "export", first, "--scenario", "tiny.toml")[0] == 0
    assert run(capsys, "export", second, "--scenario", "tiny.toml")[0] == 0
    assert b"lastmodifieddate" not in first.read_bytes()
    assert first.read_bytes() == second.read_bytes()


def test_a_data_file_is_never_replaced(work, capsys, tmp_path):
    net = tmp_path / "net"
    net.mkdir()
    for f in TINY.iterdir():
        (net / f.name).write_bytes(f.read_bytes())
    (work / "s.toml").write_text(scenario_text(network=net), encoding="utf-8")
    before = files_under(net)
    code, err = run(capsys, "report", "s.toml", "--out", net / "cities.csv", "--force")
    assert code == 2 and "data folder" in error_lines(err)[0]
    assert files_under(net) == before


# ------------------------------------------------------------------------ leftovers


def make_leftover(parent: Path, name: str, *, age_s: float) -> Path:
    path = parent / name
    path.mkdir()
    (path / "travel_times.csv").write_text("x", encoding="utf-8")
    old = time.time() - age_s
    os.utime(path, (old, old))
    return path


def test_stale_leftovers_of_dead_writers_are_removed_on_the_next_write(tmp_path):
    dead = 2**22 + 12345  # above the default pid_max: no such process
    stale = [
        make_leftover(tmp_path, f".out.tmp-{dead}-abcd", age_s=10**6),
        make_leftover(tmp_path, f".out.old-{dead}", age_s=10**6),
        make_leftover(tmp_path, ".out.tmp-k2j3h4", age_s=10**6),  # an older, pid-less name
    ]
    kept = [
        make_leftover(tmp_path, f".out.tmp-{os.getppid()}-live", age_s=10**6),  # its writer still runs
        make_leftover(tmp_path, f".out.tmp-{dead}-new", age_s=-60),  # younger than this process
        make_leftover(tmp_path, f".other.tmp-{dead}-x", age_s=10**6),  # another destination's
    ]
    atomic_folder(tmp_path / "out", lambda folder: (folder / "a.csv").write_text("a\n", encoding="utf-8"))
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)
    assert (tmp_path / "out" / "a.csv").is_file()


def test_remove_stale_reports_what_it_removed(tmp_path):
    dead = 2**22 + 54321
    path = make_leftover(tmp_path, f".x.tmp-{dead}-1", age_s=10**6)
    assert remove_stale(tmp_path / "x") == [path]


def test_check_output_folder_names_what_it_refuses(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "b.txt").write_text("", encoding="utf-8")
    (folder / "a.txt").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"2 entries, e\.g\. 'a\.txt'"):
        check_output_folder(folder)


def test_one_commands_results_are_not_replaced_by_anothers(work, capsys):
    out = work.parent / "cmp"
    assert run(capsys, "compare", "tiny.toml", "tiny.toml", "--out", out)[0] == 0
    before = files_under(out)
    code, err = run(capsys, "run", "tiny.toml", "--out", out, "--quiet")
    assert code == 2 and "results of 'sim compare'" in error_lines(err)[0]
    assert files_under(out) == before

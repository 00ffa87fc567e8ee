"""CLI conventions shared by every command: -q/-v, --json, exit codes, pipes, '-' for stdout.

Expected minutes on the tiny network are the hand calculations of ``tests/test_cli.py``:
aa -> cc by rail 158 min (access 10 + processing 15, ride 240 km at 120 km/h + 3 = 123,
processing 5 + egress 5); the target ``aa-cc-150`` is therefore missed, ``bb-cc-90``
(67 min) is met.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from sim.bundled import scenario_names
from sim.cli import build_parser, main
from sim.errors import EXIT_CODES
from sim.progress import Progress
from tests.conftest import with_hand_parameters
from tests.test_cli import TINY, run_cli, scenario, work  # noqa: F401 (fixtures)
from tests.test_sweep import sweep_file  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
JSON_COMMANDS = ("scenarios", "validate", "route", "compare")


def subcommands() -> dict[str, object]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return dict(sub.choices)


def options(command_parser: object) -> set[str]:
    return {s for a in command_parser._actions for s in a.option_strings}  # type: ignore[attr-defined]


# ------------------------------------------------------------------- common options


def test_every_command_has_quiet_and_verbose() -> None:
    commands = subcommands()
    assert len(commands) >= 10
    for name, p in commands.items():
        assert {"-q", "--quiet", "-v", "--verbose"} <= options(p), name


@pytest.mark.parametrize("name", JSON_COMMANDS)
def test_json_option_where_promised(name: str) -> None:
    assert "--json" in options(subcommands()[name])


def test_quiet_prints_no_messages(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "run", scenario, "--out", "r", "-q")
    assert code == 0 and err == ""
    assert "bb-cc-90" in out  # the result itself is still printed
    code, out, err = run_cli(capsys, "-q", "run", scenario, "--out", "r")  # before the command too
    assert code == 0 and err == ""


def test_default_and_verbose_messages(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "run", scenario, "--out", "r")
    assert code == 0 and "sim: wrote r/" in err and "took" not in err
    code, _, err = run_cli(capsys, "run", scenario, "--out", "r", "--verbose")
    assert code == 0 and "sim: wrote r/" in err and "sim: run took" in err


def test_quiet_and_verbose_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["-q", "scenarios", "-v"])
    assert exit_.value.code == 2
    assert "exclude each other" in capsys.readouterr().err


def test_messages_go_to_stderr_so_stdout_holds_results(
    scenario: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "map", "aa", "--scenario", scenario, "--out", "m")
    assert code == 0 and out == "" and "wrote m/" in err


# ------------------------------------------------------------------------ exit codes


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert set(EXIT_CODES) == {0, 1, 2, 3, 130}
    for code in EXIT_CODES:
        assert f"\n  {code:<3} " in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in EXIT_CODES:
        assert f"| {code} |" in readme


def test_check_exits_3_when_a_target_is_missed(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "run", scenario, "--out", "r", "--check")
    assert code == 3
    assert "aa-cc-150" in err and "not met" in err
    assert (scenario.parent / "r" / "targets.csv").is_file()  # results written all the same
    code, _, _ = run_cli(capsys, "run", scenario, "--out", "r")
    assert code == 0  # without --check a missed target is a result, not a failure


def test_check_exits_0_when_every_target_is_met(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "met.toml").write_text(
        "[[target]]\n"
        'id = "bb-cc-90"\ntitle = "t"\nsource = "test"\nkind = "travel_time"\nprofile = "rail"\n'
        'due_year = 2020\nheadline = "door_to_door"\nheadline_reason = "test"\n'
        'threshold_min = 90\npairs = [{ from = "bb", to = "cc" }]\n',
        encoding="utf-8",
    )
    (work / "s.toml").write_text(
        f'year = 2025\nprofiles = ["rail"]\ntargets = "met.toml"\nnetwork = "{TINY.as_posix()}"\n',
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, "run", "s.toml", "--out", "r", "--check")
    assert code == 0, err
    assert "bb-cc-90" in out and "NOT MET" not in out


@pytest.mark.parametrize(("headline", "code"), [("timetable", 0), ("door_to_door", 3)])
def test_check_judges_each_target_on_its_headline_reading(
    work: Path, capsys: pytest.CaptureFixture[str], headline: str, code: int
) -> None:
    """aa-cc by rail: 123 min station to station, 158 door to door (module docstring).

    Against 150 minutes the timetable reading passes and the door-to-door one misses:
    --check fails only when the headline is the one that misses; both are printed.
    """
    (work / "one.toml").write_text(
        "[[target]]\n"
        'id = "aa-cc-150"\ntitle = "t"\nsource = "test"\nkind = "travel_time"\nprofile = "rail"\n'
        f'due_year = 2020\nheadline = "{headline}"\nheadline_reason = "test"\n'
        'threshold_min = 150\npairs = [{ from = "aa", to = "cc" }]\n',
        encoding="utf-8",
    )
    (work / "s.toml").write_text(
        with_hand_parameters(
            f'year = 2025\nprofiles = ["rail"]\ntargets = "one.toml"\nnetwork = "{TINY.as_posix()}"\n'
        ),
        encoding="utf-8",
    )
    got, out, err = run_cli(capsys, "run", "s.toml", "--out", "r", "--check")
    assert got == code, err
    assert "timetable 123 ok (-27)" in out and "door to door 158 MISS (+8)" in out


def test_a_scenario_without_targets_runs_and_compares(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "s.toml").write_text(
        f'year = 2025\nprofiles = ["rail"]\ntargets = ""\nnetwork = "{TINY.as_posix()}"\n',
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, "run", "s.toml", "--out", "r", "--check")
    assert code == 0, err
    assert "no targets" in out and not (work / "r" / "targets.png").exists()  # no chart of nothing
    assert json.loads((work / "r" / "summary.json").read_text(encoding="utf-8"))["targets"] == []
    code, out, err = run_cli(capsys, "compare", "s.toml", "s.toml", "--out", "c")
    assert code == 0, err
    assert "none: neither scenario names a targets file" in out


# ------------------------------------------------------------------------------ JSON


def test_scenarios_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "scenarios", "--json")
    assert code == 0
    records = json.loads(out)
    assert [r["name"] for r in records] == sorted(
        p.stem for p in (ROOT / "scenarios").glob("*.toml") if p.stem != "targets"
    )
    assert [r["name"] for r in records] == scenario_names()
    by_name = {r["name"]: r for r in records}
    assert by_name["today"]["year"] == 2025 and by_name["today"]["extends"] is None
    assert by_name["plan-2022-projects"]["extends"] == "today"  # its file: extends = "today.toml"
    assert by_name["today"]["targets"] == "targets.toml"


def test_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "validate", TINY, "--json")
    report = json.loads(out)
    assert report["cities"] == 3  # three rows in tests/data/tiny/cities.csv
    assert report["errors"] == sum(p["severity"] == "error" for p in report["problems"])
    assert code == (2 if report["errors"] else 0)
    assert err == ""  # problems are in the JSON, not printed beside it
    # a speed outside the mode's range is an error naming file, row and field
    broken = tmp_path / "net"
    broken.mkdir()
    for f in TINY.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    rows = (broken / "links_rail.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    first = rows[1].split(",")
    first[header.index("speed_kmh")] = "900"
    rows[1] = ",".join(first)
    (broken / "links_rail.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "validate", broken, "--json")
    report = json.loads(out)
    assert code == 2 and report["errors"] >= 1
    error = next(p for p in report["problems"] if p["severity"] == "error")
    assert error["file"].endswith("links_rail.csv") and error["line"] == 2 and error["field"] == "speed_kmh"


def test_route_json(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "route", "aa", "cc", "--scenario", scenario, "--json")
    assert code == 0, err
    route = json.loads(out)
    assert route["origin"]["id"] == "aa" and route["destination"]["name_en"] == "Gamma"
    assert route["minutes"] == 158.0  # hand calculation in the module docstring
    assert [leg["kind"] for leg in route["legs"]] == ["access", "ride", "egress"]
    assert route["legs"][1]["line"] == "L3" and route["legs"][1]["minutes"] == 123.0
    assert sum(route["parts"].values()) == pytest.approx(158.0)
    assert sum(leg["minutes"] for leg in route["legs"]) == pytest.approx(158.0)
    # the timetable reading, first boarding to last alighting: the L3 ride alone
    assert route["reading"] == "door_to_door"
    assert route["timetable"]["minutes"] == 123.0
    assert [leg["line"] for leg in route["timetable"]["legs"] if leg["kind"] == "ride"] == ["L3"]


def test_compare_json(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """2011 -> 2025 on the tiny network: L2 (bb-cc, 150 km at 300 km/h) opens in 2012."""
    (work / "t.toml").write_text(
        "[[target]]\n"
        'id = "bb-cc-90"\ntitle = "t"\nsource = "test"\nkind = "travel_time"\nprofile = "rail"\n'
        'due_year = 2020\nheadline = "door_to_door"\nheadline_reason = "test"\n'
        'threshold_min = 90\npairs = [{ from = "bb", to = "cc" }]\n',
        encoding="utf-8",
    )
    for name, year in (("a", 2011), ("b", 2025)):
        (work / f"{name}.toml").write_text(
            with_hand_parameters(
                f'year = {year}\nnetwork = "{TINY.as_posix()}"\ntargets = "t.toml"\n'
                'profiles = ["rail", "road"]\n'
            ),
            encoding="utf-8",
        )
    code, out, err = run_cli(capsys, "compare", "a.toml", "b.toml", "--out", "cmp", "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["before"] == "a" and record["after"] == "b" and record["results"] == "cmp"
    assert [link.split()[1] for link in record["differences"]["links_added"]] == ["L2"]
    (target,) = record["targets"]
    assert target["after"]["headline"] == "door_to_door"
    assert (target["before"]["met"], target["after"]["met"]) == (False, True)
    assert target["after"]["readings"]["timetable"]["met"] is True
    checks = {c["reading"]: c for c in record["target_checks"]}
    door, station = checks["door_to_door"], checks["timetable"]
    assert door["change"] == "newly met" and door["passed_before"] is False and door["headline"]
    # door to door 10 + 15 + (150 km at 300 km/h = 30, + 2) + 5 + 5 = 67; station to station 32
    assert door["after_min"] == 67.0 and station["after_min"] == 32.0
    assert door["before_min"] > 90
    changed = {(r["origin"], r["destination"], r["profile"], r["reading"]): r for r in record["od_changed"]}
    assert changed[("bb", "cc", "rail", "door_to_door")]["after_min"] == 67.0
    assert changed[("bb", "cc", "rail", "timetable")]["after_min"] == 32.0
    assert not any(profile == "road" for _, _, profile, _ in changed)  # no road changed
    assert (
        len(record["od_changed"]) + record["od_unchanged"] == 6 * 2 * 2
    )  # ordered pairs x profiles x readings
    assert {r["profile"] for r in record["network"]} == {"rail", "road"}


# ----------------------------------------------------------------- '-' and pipes


def test_export_dash_writes_graphml_to_stdout(
    scenario: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    assert main(["export", "g.graphml", "--scenario", str(scenario)]) == 0
    assert main(["export", "-", "--scenario", str(scenario)]) == 0
    out = capsysbinary.readouterr().out
    assert not (scenario.parent / "-").exists()
    assert out == (scenario.parent / "g.graphml").read_bytes()
    graph = nx.read_graphml(io.BytesIO(out))
    assert graph.number_of_nodes() > 3


def test_report_dash_writes_html_to_stdout(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "report", scenario, "--out", "-")
    assert code == 0, err
    assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    assert not (scenario.parent / "-").exists()


def test_closed_pipe_ends_quietly_with_status_0(tmp_path: Path) -> None:
    """The reader goes away before the command prints: no error, status 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "scenarios"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    proc.stdout.close()  # type: ignore[union-attr]  # before the interpreter has even started
    err = proc.stderr.read()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    assert proc.wait(timeout=120) == 0, err
    assert err == b""


def test_head_of_a_pipe(tmp_path: Path) -> None:
    """`sim scenarios | head -1` prints one line, and sim exits 0 with nothing on stderr."""
    command = f"'{sys.executable}' -m sim.cli scenarios 2>err.txt | head -1; echo \"${{PIPESTATUS[0]}}\""
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    first, status = done.stdout.splitlines()
    assert first.split()[0] == scenario_names()[0]
    assert status == "0"
    assert (tmp_path / "err.txt").read_text() == ""


# --------------------------------------------------------------------------- progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_plain_lines_off_a_terminal() -> None:
    log = io.StringIO()
    with Progress(300, "sweep x", "scenarios", stream=log, interval=0.0) as bar:
        for _ in range(3):
            bar.update(100, "chunk")
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) == 4  # one per update (interval 0) and the closing line
    assert lines[0].startswith("sim: sweep x: 100/300 scenarios (33 %)")
    assert lines[-1].startswith("sim: sweep x: 300/300 scenarios (100 %)")


def test_progress_is_a_bar_on_a_terminal() -> None:
    screen = _Terminal()
    with Progress(300, "sweep x", "scenarios", stream=screen) as bar:
        bar.update(300)
    assert "\r" in screen.getvalue() and "300/300" in screen.getvalue()


def test_progress_disabled_prints_nothing() -> None:
    for stream in (io.StringIO(), _Terminal()):
        with Progress(10, "x", stream=stream, enabled=False) as bar:
            bar.update(10)
        assert stream.getvalue() == ""


def test_sweep_progress_in_a_log_has_no_carriage_returns(
    sweep_file: tuple[Path, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _ = sweep_file
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--processes", "1"]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    assert "sim: sweep t: " in err and "(100 %)" in err
    again = ["sweep", str(path), "--out", str(tmp_path / "out"), "--processes", "1", "--force", "-q"]
    assert main(again) == 0
    assert capsys.readouterr().err == ""

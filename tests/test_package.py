"""Packaging: the wheel carries everything the program opens, and runs once installed.

The slow test builds the wheel, installs it (not editable) into a fresh virtual
environment with pip's local index and cache, and runs ``sim`` from another folder.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

import sim
from sim import bundled
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# where a file of the repository lands in the wheel
WHEEL_PLACES = {"sim": "sim", "network": "sim/bundled/network", "scenarios": "sim/bundled/scenarios"}


def wheel_name(path: Path) -> str | None:
    """The name inside the wheel of a repository file, or None if it is not package material."""
    rel = path.resolve().relative_to(ROOT)
    top = rel.parts[0]
    if top not in WHEEL_PLACES or "__pycache__" in rel.parts:
        return None
    return "/".join((WHEEL_PLACES[top], *rel.parts[1:]))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel once (pip wheel, isolated build, from pip's local index and cache)."""
    out = tmp_path_factory.mktemp("dist")
    build = tmp_path_factory.mktemp("build")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    # build from a copy so that no build/ or egg-info folder is left in the work tree
    source = build / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".*", "results", "build", "*.egg-info", "__pycache__", "site"),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        env=env,
        capture_output=True,
    )
    (found,) = out.glob("sim-*.whl")
    return found


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_one_version() -> None:
    assert "version" not in PYPROJECT["project"]
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sim.__version__"}
    assert importlib.metadata.version("sim") == sim.__version__
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"sim {sim.__version__}\n"


def test_licence_is_spdx_with_files() -> None:
    project = PYPROJECT["project"]
    assert isinstance(project["license"], str) and project["license"].startswith("MIT")
    for name in project["license-files"]:
        assert (ROOT / name).is_file(), name
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    data = (ROOT / "network" / "README.md").read_text(encoding="utf-8")
    assert "## Licence and attribution" in data and "CC BY 4.0" in data


def test_citation_file_is_valid_cff() -> None:
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "tests" / "data" / "cff" / "schema-1.2.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(citation, schema)
    assert citation["cff-version"] == "1.2.0"
    assert "version" not in citation  # the version lives in sim/__init__.py only


def test_citation_schema_rejects_a_bad_file() -> None:
    schema = json.loads((ROOT / "tests" / "data" / "cff" / "schema-1.2.0.json").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"cff-version": "1.2.0", "title": "x"}, schema)  # no authors, no message


def test_bundled_folders_are_the_repository_folders_in_an_editable_install() -> None:
    assert bundled.network_folder() == ROOT / "network"
    assert bundled.scenarios_folder() == ROOT / "scenarios"
    assert bundled.sweeps_folder() == ROOT / "scenarios" / "sweeps"
    assert "today" in bundled.scenario_names() and "targets" not in bundled.scenario_names()
    assert bundled.scenario_file("targets") is None
    assert bundled.sweep_file("planned-rail") == ROOT / "scenarios" / "sweeps" / "planned-rail.toml"


def test_wheel_holds_every_tracked_package_file(wheel: Path) -> None:
    """Every file under sim/, network/ and scenarios/ that git tracks is in the wheel."""
    tracked = (
        subprocess.run(
            ["git", "ls-files", "sim", "network", "scenarios"], cwd=ROOT, check=True, capture_output=True
        )
        .stdout.decode()
        .split()
    )
    assert len(tracked) > 50
    missing = {wheel_name(ROOT / f) for f in tracked} - wheel_files(wheel) - {None}
    assert missing == set()


OPENED_SCRIPT = """
import json, sys
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], str):
        opened.add(args[0])
sys.addaudithook(hook)
from sim.cli import main
from sim.sweep.spec import load_sweep
assert main(["run", "--out", sys.argv[1]]) == 0
assert main(["scenarios"]) == 0
for name in ("planned-rail", "n-1-today", "n-1-sections", "sensitivity"):
    load_sweep(name)
json.dump(sorted(opened), open(sys.argv[2], "w"))
"""


def test_wheel_holds_every_file_the_program_opens(wheel: Path, tmp_path: Path) -> None:
    """Run the program with an audit hook; every package or data file it opens is in the wheel."""
    listing = tmp_path / "opened.json"
    subprocess.run(
        [sys.executable, "-c", OPENED_SCRIPT, str(tmp_path / "out"), str(listing)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    opened = [Path(p) for p in json.loads(listing.read_text(encoding="utf-8"))]
    ours = [
        p
        for p in opened
        if p.is_file()
        and p.resolve().is_relative_to(ROOT)
        and not p.resolve().relative_to(ROOT).parts[0].startswith(".")  # virtual environments
        and "__pycache__" not in p.parts  # compiled modules, there when an earlier run wrote them
    ]
    names = {wheel_name(p) for p in ours} - {None}
    # the run read the network tables, the scenario, its targets, the sweeps and the font
    assert {"sim/bundled/network/cities.csv", "sim/bundled/scenarios/targets.toml"} <= names
    assert "sim/bundled/scenarios/sweeps/planned-rail.toml" in names
    assert "sim/fonts/SimCJKSubset-Regular.otf" in names
    assert names - wheel_files(wheel) == set()
    assert {p for p in ours if wheel_name(p) is None} == set()  # nothing read from elsewhere in the repo


TINY_TARGETS = """
[[target]]
id = "bb-cc-90"
title = "Beta and Gamma within 90 minutes"
source = "test"
kind = "travel_time"
due_year = 2020
headline = "door_to_door"
headline_reason = "test"
profile = "rail"
threshold_min = 90
pairs = [{ from = "bb", to = "cc" }]
"""

USER_SCENARIO = """
import sys
from sim.scenario import load_scenario
s = load_scenario(sys.argv[1])
print(s.file.resolve().parent.name, s.extends.parent.name)
print(s.targets_file.parent.parent.name, s.network_folder.resolve().parent.name)
"""


def test_installed_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    """pip install the wheel (not editable) into a new venv; sim runs from an unrelated folder."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile", str(wheel)],
        check=True,
        capture_output=True,
        timeout=900,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    sim_exe = str(venv / "bin" / "sim")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=300)

    version = run(sim_exe, "--version")
    assert version.returncode == 0 and version.stdout == f"sim {sim.__version__}\n"
    today = run(sim_exe, "run", "--out", "today")
    assert today.returncode == 0, today.stderr
    assert "capitals-2h" in today.stdout and (work / "today" / "targets.csv").is_file()
    assert "site-packages/sim/bundled/network" in today.stderr  # the installed copy, not this repository
    # a user's own network folder and scenario, with a targets file beside the scenario
    shutil.copytree(ROOT / "tests" / "data" / "tiny", work / "mynet")
    (work / "targets.toml").write_text(TINY_TARGETS, encoding="utf-8")
    (work / "mine.toml").write_text(
        'year = 2025\nprofiles = ["rail"]\ntargets = "targets.toml"\nnetwork = "mynet"\n', encoding="utf-8"
    )
    mine = run(sim_exe, "run", "mine.toml", "--out", "mine")
    assert mine.returncode == 0, mine.stderr
    assert "bb-cc-90" in mine.stdout
    assert (work / "mine" / "travel_times.csv").read_text(encoding="utf-8").count("\n") == 1 + 6
    # a user's scenario extending a bundled one, which itself extends today.toml
    (work / "more.toml").write_text('extends = "plan-2022-projects"\nnetwork = "mynet"\n', encoding="utf-8")
    chain = run(str(python), "-c", USER_SCENARIO, "more.toml")
    assert chain.returncode == 0, chain.stderr
    assert chain.stdout.split() == ["elsewhere", "scenarios", "bundled", "elsewhere"]

"""Sweeps: the incremental engine equals a full recomputation; runs survive kill and resume."""

import itertools
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import InputError
from sim.graph import build_graph
from sim.modes import PROFILES
from sim.network import great_circle_km, load_network
from sim.paths import all_pairs
from sim.scenario import BUNDLED_NETWORK, apply_scenario, load_scenario
from sim.sweep.analysis import load_runs
from sim.sweep.engine import IncrementalEngine
from sim.sweep.runner import run_sweep

ROOT = Path(__file__).parent.parent


def full_recompute(scenario, network, names, profile="rail", reading="door_to_door"):
    net = apply_scenario(replace(scenario, add_projects=tuple(names)), network)
    graph = build_graph(net, PROFILES[profile], scenario.parameters)
    return all_pairs(graph.timetable_view() if reading == "timetable" else graph)


@pytest.mark.parametrize(("reading", "depth"), [("door_to_door", 4), ("timetable", 6)])
def test_incremental_equals_full_recompute_on_the_bundled_network(reading, depth):
    scenario = load_scenario("today")
    network = load_network(BUNDLED_NETWORK)
    rail = PROFILES["rail"].modes
    pending = [lk for lk in network.links if lk.project and lk.status != "open" and lk.mode in rail]
    candidates = sorted({lk.project for lk in pending})
    engine = IncrementalEngine(scenario, network, candidates, PROFILES["rail"], reading)
    # walk a chunk of the subsets (the first bits fixed), keep a sample to recompute
    prefix = 0b1011
    rng = np.random.default_rng(3)
    count, kept = 0, {}
    for mask, minutes in engine.walk(prefix=prefix, depth=depth):
        count += 1
        if mask & ((1 << depth) - 1) != prefix:
            raise AssertionError(f"mask {mask:b} outside the chunk")
        if rng.random() < 12 / 2 ** (len(candidates) - depth) or mask == prefix:
            kept[mask] = minutes
    assert count == 2 ** (len(candidates) - depth)
    for mask, minutes in kept.items():
        names = [c for i, c in enumerate(candidates) if mask >> i & 1]
        assert np.array_equal(minutes, full_recompute(scenario, network, names, reading=reading)), names


def random_network(folder: Path, seed: int) -> None:
    """Cities on a line of stations; open hsr links; a few planned lines as projects."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 10))
    cities = [
        "id,name_zh,name_en,province,lat,lon,population,population_source,metro_area,plan_status,source"
    ]
    stations = ["id,city,name_zh,name_en,lat,lon,access_min,access_note,status,open_year,source"]
    points = []
    for i in range(n):
        lat, lon = 28 + rng.random() * 3, 111 + rng.random() * 5
        points.append((round(lat, 3), round(lon, 3)))
        cities.append(
            f"c{i},城{i},C{i},test,{lat:.3f},{lon:.3f},{int(rng.integers(2, 9)) * 100000},t,,in-plan,t"
        )
        stations.append(f"s{i},c{i},站{i},S{i},{lat:.3f},{lon:.3f},{int(rng.integers(5, 30))},,open,2000,t")

    def km(u: int, v: int) -> int:
        # a route 5 to 60 % longer than the straight line, as sim validate expects of a railway
        return int(great_circle_km(*points[u], *points[v]) * rng.uniform(1.05, 1.6)) + 1

    links = ["mode,line,from,to,km,speed_kmh,minutes,headway_min,status,open_year,project,plan,source"]
    for i in range(n - 1):
        links.append(f"conventional,OLD,s{i},s{i + 1},{km(i, i + 1)},120,,60,open,2000,,,t")
    for p in range(int(rng.integers(3, 6))):
        a, b = sorted(rng.choice(n, size=2, replace=False).tolist())
        mid = int(rng.integers(0, n))
        stops = [a, mid, b] if a < mid < b else [a, b]
        for u, v in itertools.pairwise(stops):
            links.append(
                f"hsr,P{p},s{u},s{v},{km(u, v)},{int(rng.choice([250, 300, 350]))},,"
                f"{int(rng.integers(20, 90))},planned,2030,proj{p},,t"
            )
    folder.mkdir(parents=True)
    (folder / "cities.csv").write_text("\n".join(cities) + "\n", encoding="utf-8")
    (folder / "terminals_rail.csv").write_text("\n".join(stations) + "\n", encoding="utf-8")
    (folder / "links_rail.csv").write_text("\n".join(links) + "\n", encoding="utf-8")


@pytest.mark.parametrize("reading", ["door_to_door", "timetable"])
@pytest.mark.parametrize("seed", range(6))
def test_incremental_equals_full_recompute_on_random_networks(tmp_path, seed, reading):
    random_network(tmp_path / "net", seed)
    network = load_network(tmp_path / "net")
    scenario = replace(load_scenario("today"), network_folder=tmp_path / "net", targets_file=None, year=2025)
    candidates = sorted({lk.project for lk in network.links if lk.project})
    engine = IncrementalEngine(scenario, network, candidates, PROFILES["rail"], reading)
    for mask, minutes in engine.walk():
        names = [c for i, c in enumerate(candidates) if mask >> i & 1]
        expected = full_recompute(scenario, network, names, reading=reading)
        assert np.array_equal(minutes, expected), (seed, names)


SWEEP = """
name = "t"
base = "base.toml"
profile = "rail"
[projects]
mode = "all-subsets"
candidates = {candidates}
excludes = [["proj0", "proj1"]]
"""


@pytest.fixture
def sweep_file(tmp_path):
    random_network(tmp_path / "net", 11)
    (tmp_path / "base.toml").write_text(
        f'year = 2025\nnetwork = "{(tmp_path / "net").as_posix()}"\ntargets = ""\n', encoding="utf-8"
    )
    network = load_network(tmp_path / "net")
    candidates = sorted({lk.project for lk in network.links if lk.project})
    path = tmp_path / "t.toml"
    path.write_text(SWEEP.format(candidates=str(candidates).replace("'", '"')), encoding="utf-8")
    return path, candidates


def test_sweep_counts_only_admissible_sets_and_matches_the_engine(sweep_file, tmp_path):
    path, candidates = sweep_file
    runs_folder, total = run_sweep(path, tmp_path / "out", workers=1, progress=False)
    runs = load_runs(runs_folder)
    k = len(candidates)
    assert total == len(runs) == 2**k - 2 ** (k - 2)  # sets with both proj0 and proj1 are left out
    assert not any({"proj0", "proj1"} <= set(p) for p in runs["projects"])
    assert (runs["error"] == "").all()


def test_killed_sweep_resumes_without_loss_or_duplicates(sweep_file, tmp_path):
    path, _ = sweep_file
    reference, _ = run_sweep(path, tmp_path / "ref", workers=1, progress=False)
    expected = load_runs(reference)
    out = tmp_path / "killed"
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r});"
        "from pathlib import Path; from sim.sweep.runner import run_sweep;"
        f"run_sweep(Path({str(path)!r}), Path({str(out)!r}), workers=1, progress=False)"
    )
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "runs.parquet").glob("part-*.parquet"))) < 3:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    parts_before = len(list((out / "runs.parquet").glob("part-*.parquet")))
    with pytest.raises(Exception, match="--resume"):
        run_sweep(path, out, workers=1, progress=False)
    run_sweep(path, out, workers=1, resume=True, progress=False)
    resumed = load_runs(out / "runs.parquet")
    assert parts_before >= 3
    pd.testing.assert_frame_equal(resumed, expected)


def test_failing_context_is_recorded_and_the_sweep_goes_on(sweep_file, tmp_path, monkeypatch):
    path, _ = sweep_file
    import sim.sweep.runner as runner

    real = runner.MetricSet
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "MetricSet", flaky)
    runs_folder, _ = run_sweep(path, tmp_path / "out", workers=1, progress=False)
    runs = load_runs(runs_folder)
    assert (runs["error"] == "RuntimeError: boom").sum() == 1
    assert (runs["error"] == "").sum() > 1


def test_unwritable_output_is_one_line_and_exit_1(sweep_file, tmp_path, capsys):
    path, _ = sweep_file
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code = main(["sweep", str(path), "--out", str(blocker / "out"), "--processes", "1"])
    text = capsys.readouterr().err
    err = [line for line in text.splitlines() if line.startswith("sim: error")]  # after progress lines
    assert code == 1 and len(err) == 1 and "Traceback" not in text and "a-file" in err[0]


def test_dask_local_cluster_gives_the_same_rows(sweep_file, tmp_path):
    pytest.importorskip("dask.distributed")
    path, _ = sweep_file
    local, _ = run_sweep(path, tmp_path / "local", workers=1, progress=False)
    on_dask, _ = run_sweep(path, tmp_path / "dask", dask_workers=2, progress=False)
    pd.testing.assert_frame_equal(load_runs(on_dask), load_runs(local))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('[projects]\nmode = "everything"\n', "projects.mode"),
        ('[projects]\ncandidates = ["no_such_project"]\n', "projects.candidates"),
        ('[parameters]\n"line_change_min.rail" = [-5]\n', "parameters.line_change_min.rail"),
        ('[failures]\nmode = "random"\nprobability = 2\ndraws = 3\n', "failures.probability"),
    ],
)
def test_bad_sweep_files_name_file_and_field(tmp_path, capsys, body, field):
    (tmp_path / "base.toml").write_text('year = 2025\ntargets = ""\n', encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nbase = "base.toml"\n' + body, encoding="utf-8")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.toml" in err[0] and f"'{field}'" in err[0]


def test_line_sections_split_at_junctions():
    from sim.modes import Mode
    from sim.network import Link
    from sim.sweep.spec import line_sections

    def link(line, a, b):
        return Link(Mode.HSR, line, a, b, 10.0, 300.0, None, None, "open", 2000, None, None, "t")

    # line L: a - b - c - d, line M: c - e; c is a junction (three neighbours), a and d are ends
    links = [link("L", "a", "b"), link("L", "b", "c"), link("L", "c", "d"), link("M", "c", "e")]
    sections = {f.label: {x[1:] for x in f.links} for f in line_sections(links)}
    assert sections == {
        "L:a..c": {("a", "b"), ("b", "c")},
        "L:c-d": {("c", "d")},
        "M:c-e": {("c", "e")},
    }


def test_sweep_metrics_count_both_readings_as_the_verdicts_do(tmp_path):
    """The vectorised pass counts of a sweep equal the per-pair verdicts of sim run."""
    from sim.evaluate import evaluate
    from sim.scenario import Scenario
    from sim.sweep.metrics import MetricSet
    from sim.targets import load_targets
    from sim.verdicts import served
    from tests.conftest import HAND_PARAMETERS
    from tests.test_targets import TARGETS, TINY

    path = tmp_path / "targets.toml"
    path.write_text(TARGETS, encoding="utf-8")
    scenario = Scenario(
        name="t", year=2025, targets_file=path, network_folder=TINY, parameters=HAND_PARAMETERS
    )
    result = evaluate(scenario)
    targets = load_targets(path, result.network)
    metrics = MetricSet(result.network, targets, "rail")
    rail = result.results["rail"]
    values = metrics.evaluate(
        {"door_to_door": rail.minutes[None], "timetable": rail.timetable_minutes[None]},
        [{t.id: served(result.network, t) for t in metrics.coverage}],
    )
    met = {"": 0, "timetable": 0, "door_to_door": 0}
    for tr in result.targets:
        for key, reading in tr.readings.items():
            column = (
                f"pass_{tr.target.id}:{key}" if tr.target.kind == "travel_time" else f"pass_{tr.target.id}"
            )
            assert values[column][0] == reading.n_passed, column
            if tr.target.kind == "coverage":
                met = {k: v + reading.met for k, v in met.items()}
            else:
                met[key] += reading.met
        if tr.target.kind == "travel_time":
            met[""] += tr.met
    assert values["targets_met"][0] == met[""]
    assert values["targets_met:timetable"][0] == met["timetable"]
    assert values["targets_met:door_to_door"][0] == met["door_to_door"]


def test_pass_counts_give_the_base_and_the_range_per_reading_headline_first():
    """Three scenarios by hand: the empty set (base), one project, and one that errs."""
    from sim.sweep.analysis import pass_counts

    runs = pd.DataFrame(
        {
            "mask": [1, 0, 3],
            "failure": ["", "", ""],
            "error": ["", "", "boom"],
            "pass_a:door_to_door": [1, 0, 9],
            "pass_a:timetable": [3, 2, 9],
            "pass_c": [4, 4, 9],
        }
    )
    checked = {"a:timetable": 3, "a:door_to_door": 3, "c": 4}
    table = pass_counts(runs, checked, {"a": "a:timetable", "c": "c"})
    assert table.to_dict(orient="records") == [
        {
            "target": "a",
            "reading": "timetable",
            "headline": True,
            "checked": 3,
            "base": 2,
            "fewest": 2,
            "most": 3,
            "scenarios_met": 1,
        },
        {
            "target": "a",
            "reading": "door_to_door",
            "headline": False,
            "checked": 3,
            "base": 0,
            "fewest": 0,
            "most": 1,
            "scenarios_met": 0,
        },
        {
            "target": "c",
            "reading": "coverage",
            "headline": True,
            "checked": 4,
            "base": 4,
            "fewest": 4,
            "most": 4,
            "scenarios_met": 2,
        },
    ]


# ------------------------------------------------------------------------ resume knows its world


def test_resume_refuses_when_the_base_scenario_changed(sweep_file, tmp_path):
    path, _ = sweep_file
    out = tmp_path / "out"
    run_sweep(path, out, workers=1, progress=False)
    base = tmp_path / "base.toml"
    base.write_text(base.read_text(encoding="utf-8") + "[parameters]\nfirst_wait = 'half_headway'\n", "utf-8")
    before = sorted(p.name for p in (out / "runs.parquet").iterdir())
    with pytest.raises(InputError, match=r"refusing to resume.*scenario file base\.toml.*parameters"):
        run_sweep(path, out, workers=1, resume=True, progress=False)
    assert sorted(p.name for p in (out / "runs.parquet").iterdir()) == before  # nothing mixed in
    run_sweep(path, out, workers=1, force=True, progress=False)  # --force starts again


def test_resume_refuses_when_a_network_table_changed(sweep_file, tmp_path):
    path, _ = sweep_file
    out = tmp_path / "out"
    run_sweep(path, out, workers=1, progress=False)
    links = tmp_path / "net" / "links_rail.csv"
    links.write_text(links.read_text(encoding="utf-8").replace(",120,,60,", ",121,,60,", 1), "utf-8")
    with pytest.raises(InputError, match=r"network table links_rail\.csv"):
        run_sweep(path, out, workers=1, resume=True, progress=False)


def test_resume_of_an_unchanged_sweep_is_accepted_and_its_inputs_recorded(sweep_file, tmp_path):
    import json

    path, _ = sweep_file
    out = tmp_path / "out"
    run_sweep(path, out, workers=1, progress=False)
    inputs = json.loads((out / "sweep.json").read_text(encoding="utf-8"))["inputs"]
    assert {"program version", "sweep file t.toml", "scenario file base.toml", "parameters"} <= set(inputs)
    assert "network table links_rail.csv" in inputs
    run_sweep(path, out, workers=1, resume=True, progress=False)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended, only not yet reaped


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_killing_the_main_process_ends_its_workers(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "sweep", "planned-rail", "--out", str(out), "--processes", "2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    workers: list[int] = []
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = children_of(proc.pid)
    try:
        assert len(workers) >= 2, "the sweep did not start its workers"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(running(w) for w in workers):
        time.sleep(0.1)
    assert not any(running(w) for w in workers)


def test_a_dask_sweep_ends_without_tracebacks(sweep_file, tmp_path):
    pytest.importorskip("dask.distributed")
    path, _ = sweep_file
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "sweep",
            str(path),
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "2",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "CommClosedError" not in result.stderr, result.stderr


def test_a_process_does_not_reuse_what_it_built_for_another_world(sweep_file, tmp_path):
    # in one process (a server, a notebook): run, edit the base scenario, run again
    path, _ = sweep_file
    before = load_runs(run_sweep(path, tmp_path / "a", workers=1, progress=False)[0])
    base = tmp_path / "base.toml"
    base.write_text(base.read_text(encoding="utf-8") + "[parameters]\nfirst_wait = 'half_headway'\n", "utf-8")
    after = load_runs(run_sweep(path, tmp_path / "b", workers=1, progress=False)[0])
    assert (after["weighted_avg_min"] > before["weighted_avg_min"]).all()  # every first wait now counts


def test_sweep_columns_of_a_freight_target_use_its_reading_keys(tmp_path):
    """A freight target's station-to-station column is ``:modelled_run``, as in its verdicts."""
    from sim.evaluate import evaluate
    from sim.scenario import Scenario
    from sim.sweep.metrics import MetricSet
    from sim.targets import load_targets
    from tests.conftest import HAND_PARAMETERS
    from tests.test_targets import TINY

    path = tmp_path / "targets.toml"
    path.write_text(
        '[[target]]\nid = "logistics"\ntitle = "aa-cc freight within 4 hours"\nsource = "test"\n'
        'due_year = 2020\nkind = "travel_time"\nheadline = "door_to_door"\nprofile = "freight"\n'
        'headline_reason = "test"\nthreshold_min = 240\npairs = [{ from = "aa", to = "cc" }]\n',
        encoding="utf-8",
    )
    scenario = Scenario(
        name="t", year=2025, targets_file=path, network_folder=TINY, parameters=HAND_PARAMETERS
    )
    result = evaluate(scenario)
    metrics = MetricSet(result.network, load_targets(path, result.network), "freight")
    assert set(metrics.checked()) == {"logistics:door_to_door", "logistics:modelled_run"}
    assert metrics.headline_columns() == {"logistics": "logistics:door_to_door"}
    freight = result.results["freight"]
    values = metrics.evaluate(
        {"door_to_door": freight.minutes[None], "timetable": freight.timetable_minutes[None]}, [{}]
    )
    (tr,) = result.targets
    for key, reading in tr.readings.items():
        assert values[f"pass_logistics:{key}"][0] == reading.n_passed, key

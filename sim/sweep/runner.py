"""Run a sweep: chunks of scenarios on local processes, one Parquet part file per chunk.

A chunk is one (parameter set, failure) context and either one prefix of the project
subsets (the first bits fixed) or a slice of an explicit list of project sets. Every chunk
is written to ``runs.parquet/part-NNNNN.parquet`` through a temporary file and a rename,
so a sweep killed at any moment leaves only complete parts, and ``resume`` runs exactly
the missing ones: no row lost, none duplicated. A scenario that fails is recorded with its
error and the sweep goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.network import Network, load_network
from sim.output import MARKER, check_output_folder, marker_text
from sim.progress import Progress
from sim.scenario import Scenario, apply_scenario
from sim.sweep.engine import IncrementalEngine
from sim.sweep.metrics import MetricSet
from sim.sweep.spec import Failure, SweepSpec, load_sweep, parameter_overrides
from sim.targets import Target, load_targets
from sim.validate import Problem, load_checked_network
from sim.verdicts import served as served_ids

__all__ = ["SWEEP_FILES", "Chunk", "plan_chunks", "run_chunk", "run_sweep", "sweep_inputs"]

# what a sweep's folder held before it carried a marker (see sim.output.check_output_folder)
SWEEP_FILES = ("runs.parquet", "sweep.json", "summary.json", "*.csv", "*.png", "*.svg")


def _data_folders(spec: SweepSpec) -> tuple[Path, ...]:
    from sim.scenario import BUNDLED_NETWORK, BUNDLED_SCENARIOS

    base = spec.base
    folders = [BUNDLED_NETWORK, BUNDLED_SCENARIOS, base.network_folder, spec.file.parent]
    folders += [f.parent for f in (base.file, base.extends, base.targets_file) if f is not None]
    return tuple(folders)


@dataclass(frozen=True)
class Chunk:
    """One unit of work: a context and a piece of the project axis."""

    id: int
    parameters: dict[str, Any]
    failure: Failure
    prefix: int | None = None  # all-subsets: fixed first bits ...
    depth: int = 0  # ... how many
    masks: tuple[int, ...] = ()  # explicit project sets


def _admissible_fn(spec: SweepSpec, order: list[str]) -> Callable[[int, int], bool]:
    bit = {name: i for i, name in enumerate(order)}
    requires = [sum(1 << bit[r] for r in spec.requires.get(name, ())) for name in order]
    excludes = [sum(1 << bit[n] for n in group) for group in spec.excludes]

    def admissible(mask: int, newest: int) -> bool:
        if mask & requires[newest] != requires[newest]:
            return False
        return all((mask & group).bit_count() <= 1 for group in excludes)

    return admissible


def count_admissible(spec: SweepSpec, order: list[str]) -> int:
    """Return the number of admissible subsets of the candidates (for progress and checks)."""
    k = len(order)
    masks = np.arange(1 << k, dtype=np.int64)
    ok = np.ones(len(masks), dtype=bool)
    bit = {name: i for i, name in enumerate(order)}
    for name, needs in spec.requires.items():
        has = (masks >> bit[name]) & 1 == 1
        for need in needs:
            ok &= ~has | ((masks >> bit[need]) & 1 == 1)
    for group in spec.excludes:
        count = sum(((masks >> bit[n]) & 1) for n in group)
        ok &= count <= 1
    return int(ok.sum())


def plan_chunks(spec: SweepSpec, network: Network) -> tuple[list[Chunk], int, list[str]]:
    """Split the sweep into chunks; return them, the number of scenarios and the project order."""
    order = spec.order()
    base_net = apply_scenario(spec.base, network)
    failures = spec.failures(base_net)
    masks = spec.project_sets(order)
    chunks: list[Chunk] = []
    total = 0
    admissible = _admissible_fn(spec, order)
    for params in spec.parameter_sets():
        for failure in failures:
            if masks is None:
                depth = min(len(order), 6)
                for prefix in range(1 << depth):
                    ok = all(
                        admissible(prefix & ((1 << (j + 1)) - 1), j) for j in range(depth) if prefix >> j & 1
                    )
                    if ok:
                        chunks.append(Chunk(len(chunks), params, failure, prefix, depth))
                total += count_admissible(spec, order)
            else:
                for start in range(0, len(masks), 512):
                    chunks.append(
                        Chunk(len(chunks), params, failure, masks=tuple(masks[start : start + 512]))
                    )
                total += len(masks)
    return chunks, total, order


_CACHE: dict[str, Any] = {}


def _context(
    spec: SweepSpec, network: Network, chunk: Chunk, order: list[str]
) -> tuple[Scenario, IncrementalEngine, IncrementalEngine]:
    """Return the scenario of a chunk and its engines: door to door, and timetable."""
    key = json.dumps([chunk.parameters, chunk.failure.label], sort_keys=True)
    if _CACHE.get("key") == key:
        return _CACHE["scenario"], _CACHE["engine"], _CACHE["timetable_engine"]
    scenario = spec.base
    if chunk.parameters:
        scenario = replace(
            scenario, parameters=scenario.parameters.with_overrides(parameter_overrides(chunk.parameters))
        )
    if chunk.failure.links:
        mods = tuple(
            ({"type": "remove_link", "line": line, "from": a, "to": b}, None, None)
            for line, a, b in chunk.failure.links
        )
        scenario = replace(scenario, modifications=scenario.modifications + mods)
    engine = IncrementalEngine(scenario, network, order, spec.profile)
    timetable = IncrementalEngine(scenario, network, order, spec.profile, reading="timetable")
    reference = None
    if chunk.failure.links:
        ref_key = json.dumps([chunk.parameters, ""], sort_keys=True)
        if _CACHE.get("ref_key") != ref_key:
            unfailed = replace(scenario, modifications=spec.base.modifications)
            _CACHE.update(
                ref_key=ref_key, ref_engine=IncrementalEngine(unfailed, network, order, spec.profile)
            )
        reference = _CACHE["ref_engine"]
    _CACHE.update(key=key, scenario=scenario, engine=engine, timetable_engine=timetable, reference=reference)
    return scenario, engine, timetable


def _served(network: Network, targets: list[Target]) -> dict[str, set[str]]:
    """Coverage target id -> the ids (cities, ports) ``network`` serves for it."""
    return {t.id: served_ids(network, t) for t in targets}


def run_chunk(
    spec_path: str, chunk: Chunk, order: list[str], folder: str, world: str = ""
) -> tuple[int, int, int]:
    """Compute one chunk and write its part file; return (chunk id, rows, errors)."""
    chunk_id, table, errors = compute_chunk(spec_path, chunk, order, world)
    write_part(table, Path(folder), chunk_id)
    return chunk_id, table.num_rows, errors


def write_part(table: pa.Table, folder: Path, chunk_id: int) -> None:
    """Write one chunk's rows as ``part-NNNNN.parquet`` through a temporary file and a rename."""
    import pyarrow.parquet as pq

    final = folder / f"part-{chunk_id:05d}.parquet"
    tmp = final.with_suffix(f".tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, final)


def compute_chunk(
    spec_path: str, chunk: Chunk, order: list[str], world: str = ""
) -> tuple[int, pa.Table, int]:
    """Compute one chunk's rows; return (chunk id, table, number of failed contexts).

    A process keeps the sweep, network and engines it built for the next chunk of the
    same sweep; ``world`` (the sweep's fingerprint of its inputs) tells when they are no
    longer valid: another sweep, or an edited file.
    """
    import pyarrow as pa

    if _CACHE.get("world") != (spec_path, world) or not world:
        _CACHE.clear()
        spec = load_sweep(spec_path)
        network = load_network(spec.base.network_folder)
        _CACHE.update(world=(spec_path, world), spec=spec, network=network)
    spec = _CACHE["spec"]
    network = _CACHE["network"]
    rows: dict[str, list] = {}
    errors = 0
    try:
        scenario, engine, timetable = _context(spec, network, chunk, order)
        targets = load_targets(scenario.targets_file, engine.union_network) if scenario.targets_file else []
        metrics = MetricSet(engine.union_network, targets, spec.profile.name)
        base_served = _served(engine.base_network, metrics.coverage)
        project_served = [
            _served(
                replace(
                    engine.union_network,
                    links=tuple(lk for lk in engine.union_network.links if lk.project == p),
                ),
                metrics.coverage,
            )
            for p in order
        ]
        results: Iterator[tuple[int, np.ndarray, np.ndarray]]
        if chunk.masks:
            results = (
                (m, engine.minutes_for(sets), timetable.minutes_for(sets))
                for m, sets in ((m, [i for i in range(len(order)) if m >> i & 1]) for m in chunk.masks)
            )
        else:
            admissible = _admissible_fn(spec, order)
            results = (
                (m, door, station)
                for (m, door), (m2, station) in zip(
                    engine.walk(admissible, chunk.prefix or 0, chunk.depth),
                    timetable.walk(admissible, chunk.prefix or 0, chunk.depth),
                    strict=True,
                )
                if m == m2 or _out_of_step(m, m2)
            )
        batch_masks: list[int] = []
        batch: list[np.ndarray] = []
        batch_timetable: list[np.ndarray] = []

        def flush() -> None:
            if not batch:
                return
            served = []
            for m in batch_masks:
                s = {k: set(v) for k, v in base_served.items()}
                for i in range(len(order)):
                    if m >> i & 1:
                        for k in s:
                            s[k] |= project_served[i][k]
                served.append(s)
            values = metrics.evaluate(
                {"door_to_door": np.stack(batch), "timetable": np.stack(batch_timetable)}, served
            )
            reference = _CACHE.get("reference")
            if reference is not None:
                delays = []
                for m, minutes in zip(batch_masks, batch, strict=True):
                    ref = reference.minutes_for([i for i in range(len(order)) if m >> i & 1])
                    diff = np.where(np.isfinite(ref) & np.isfinite(minutes), minutes - ref, 0.0)
                    lost = int((np.isfinite(ref) & ~np.isfinite(minutes)).sum())
                    delays.append((float(diff.max()), lost))
                values["max_delay_min"] = np.array([round(d, 1) for d, _ in delays])
                values["pairs_disconnected"] = np.array([n for _, n in delays])
            for m in batch_masks:
                _append_axes(rows, spec, chunk, order, m, "")
            for name, column in values.items():
                rows.setdefault(name, []).extend(list(column))
            batch_masks.clear()
            batch.clear()
            batch_timetable.clear()

        for mask, minutes, station in results:
            batch_masks.append(mask)
            batch.append(minutes)
            batch_timetable.append(station)
            if len(batch) >= 2048:
                flush()
        flush()
    except Exception as error:  # a failing context is recorded, not fatal
        errors += 1
        rows = {}
        _append_axes(rows, spec, chunk, order, chunk.prefix or 0, f"{type(error).__name__}: {error}")
    return chunk.id, pa.table({k: v for k, v in rows.items()}), errors


def _out_of_step(a: int, b: int) -> bool:
    """Raise: the two engines walk the same subsets in the same order, anything else is a bug."""
    raise RuntimeError(f"the door-to-door and timetable walks are out of step ({a} != {b})")


def _append_axes(
    rows: dict[str, list], spec: SweepSpec, chunk: Chunk, order: list[str], mask: int, error: str
) -> None:
    rows.setdefault("mask", []).append(mask)
    rows.setdefault("projects", []).append([n for i, n in enumerate(order) if mask >> i & 1])
    rows.setdefault("n_projects", []).append(mask.bit_count())
    for key in spec.parameter_grid:
        rows.setdefault(f"param:{key}", []).append(float(chunk.parameters[key]))
    rows.setdefault("failure", []).append(chunk.failure.label)
    rows.setdefault("error", []).append(error)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _scenario_chain(scenario: Scenario) -> list[Path]:
    """Return the scenario's file and every file it ``extends``, nearest first."""
    from sim.scenario import find_scenario
    from sim.tomlfile import read_toml

    chain: list[Path] = []
    path = scenario.file
    while path is not None and path.resolve() not in chain:
        chain.append(path.resolve())
        parent = read_toml(path).get("extends")
        if not isinstance(parent, str):
            break
        candidate = path.parent / parent
        path = candidate if candidate.is_file() else find_scenario(parent)
    return chain


def sweep_inputs(spec: SweepSpec, order: list[str], n_chunks: int) -> dict[str, str]:
    """Return a digest of everything a sweep's rows depend on, one entry per input.

    The program version, the sweep file, every file of the base scenario's chain, its
    parameters as resolved, its targets file, every table of its network folder, and the
    plan (project order and chunks). ``--resume`` compares them entry by entry.
    """
    from dataclasses import asdict

    from sim import __version__

    inputs = {"program version": __version__, f"sweep file {spec.file.name}": _digest(spec.file.read_bytes())}
    for path in _scenario_chain(spec.base):
        inputs[f"scenario file {path.name}"] = _digest(path.read_bytes())
    parameters = json.dumps(asdict(spec.base.parameters), sort_keys=True, default=str)
    inputs["parameters"] = _digest(parameters.encode())
    targets = spec.base.targets_file
    inputs["targets file"] = (
        _digest(targets.read_bytes()) if targets is not None and targets.is_file() else ""
    )
    folder = spec.base.network_folder
    for table in sorted(Path(folder).glob("*.csv")):
        if table.name != "observed_times.csv":  # calibration data: no row depends on it
            inputs[f"network table {table.name}"] = _digest(table.read_bytes())
    inputs["plan"] = _digest((json.dumps(order) + str(n_chunks)).encode())
    return inputs


def _fingerprint(inputs: dict[str, str]) -> str:
    return _digest(json.dumps(inputs, sort_keys=True).encode())


def _changes(previous: dict[str, Any] | None, inputs: dict[str, str]) -> list[str]:
    """Name what differs between the recorded inputs and these."""
    if not previous or "inputs" not in previous:
        return ["the record of its inputs (written by an older version of sim)"]
    before: dict[str, str] = previous["inputs"]
    changed = [k for k in inputs if before.get(k) != inputs[k] and k in before]
    changed += [f"{k} (new)" for k in inputs if k not in before]
    changed += [f"{k} (gone)" for k in before if k not in inputs]
    return changed


def _die_with_parent(parent: int) -> None:
    """Worker start-up: end this worker when the sweep's main process ends, even by ``kill -9``.

    On Linux the kernel sends SIGKILL at the parent's death (``prctl``); elsewhere a
    thread notices that the parent is gone within a second.
    """
    import signal
    import threading

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="sim-parent-watch", daemon=True).start()


def run_sweep(
    spec_path: str | Path,
    out: Path,
    *,
    workers: int | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    scheduler: str | None = None,
    dask_workers: int | None = None,
    warn: Callable[[Problem], None] | None = None,
    network: Network | None = None,
) -> tuple[Path, int]:
    """Run every chunk not yet on disk; return the runs folder and the number of scenarios.

    Chunks run on local processes (``workers``, default all cores), or on a Dask cluster:
    ``scheduler`` is the address of a running one, ``dask_workers`` starts a local one.
    With Dask, chunks are tasks and their rows come back to this process, which writes
    every part, so the one Parquet dataset is written in one place. Local workers end
    when this process ends, however it ends.

    The network passes the checks of ``sim validate`` first (``warn`` receives the
    warnings), unless it is given as ``network`` (already checked, e.g. by
    :func:`sim.validate.load_checked_network`). ``sweep.json`` records a digest of every
    input the rows depend on (:func:`sweep_inputs`); ``resume`` refuses when any of them
    changed, naming it.

    Progress goes to standard error (``progress``): a bar on a terminal, a plain line
    every few seconds otherwise (:class:`sim.progress.Progress`).

    Raises
    ------
    InputError
        If ``out`` may not be written (see :func:`sim.output.check_output_folder`), holds
        results and neither ``resume`` nor ``force`` is given, or holds results of other
        inputs and ``resume`` is given.
    """
    spec = load_sweep(spec_path, network)
    out = Path(out)
    check_output_folder(
        out, force=force, protected=_data_folders(spec), known=SWEEP_FILES, written_by="sim sweep"
    )
    if network is None:
        network = load_checked_network(spec.base.network_folder, spec.base, warn=warn)
    chunks, total, order = plan_chunks(spec, network)
    if spec.project_mode is not None:
        IncrementalEngine(spec.base, network, order, spec.profile)  # refuses unsweepable projects up front
    runs = out / "runs.parquet"
    manifest = out / "sweep.json"
    inputs = sweep_inputs(spec, order, len(chunks))
    fingerprint = _fingerprint(inputs)
    if runs.exists():
        previous = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else None
        if force:
            for part in runs.glob("part-*"):
                part.unlink()
        elif not resume:
            raise InputError("results exist: add --resume to finish them or --force to start again", runs)
        elif previous is None or previous.get("fingerprint") != fingerprint:
            changed = _changes(previous, inputs)
            raise InputError(
                "refusing to resume: its rows were computed from other inputs; changed since it started: "
                f"{', '.join(changed)} (use --force to start again)",
                out,
            )
    runs.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(marker_text("sim sweep"), encoding="utf-8")
    for stale in runs.glob("*.tmp-*"):
        stale.unlink()
    manifest.write_text(
        json.dumps(
            {
                "fingerprint": fingerprint,
                "inputs": inputs,
                "spec": str(spec.file),
                "order": order,
                "chunks": len(chunks),
                "scenarios": total,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    todo = [c for c in chunks if not (runs / f"part-{c.id:05d}.parquet").exists()]
    already = sum(pq.read_metadata(part).num_rows for part in runs.glob("part-*.parquet"))  # on --resume
    bar = Progress(total - already, f"sweep {spec.name}", "scenarios", enabled=progress)
    n_workers = workers or os.cpu_count() or 1

    def report(k: int, rows: int) -> None:
        bar.update(rows, f"chunk {k}/{len(todo)}")

    if scheduler or dask_workers:
        _run_on_dask(spec, todo, order, runs, report, scheduler, dask_workers, fingerprint)
    elif n_workers <= 1 or len(todo) <= 1:
        for k, chunk in enumerate(todo, start=1):
            _, rows, _ = run_chunk(str(spec.file), chunk, order, str(runs), fingerprint)
            report(k, rows)
    else:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=n_workers, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
        ) as pool:
            futures = [pool.submit(compute_chunk, str(spec.file), c, order, fingerprint) for c in todo]
            for k, future in enumerate(as_completed(futures), start=1):
                chunk_id, table, _ = future.result()
                write_part(table, runs, chunk_id)
                report(k, table.num_rows)
    bar.close()
    return runs, total


def _run_on_dask(
    spec: SweepSpec,
    todo: list[Chunk],
    order: list[str],
    runs: Path,
    report: Callable[[int, int], None],
    scheduler: str | None,
    n_workers: int | None,
    world: str,
) -> None:
    """Run the chunks as Dask tasks; write each part here as its rows arrive."""
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise InputError(
            'Dask is not installed: python -m pip install -e ".[dask]"', None, None, "scheduler"
        ) from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # workers log closed connections at shutdown as errors
        )
        client = Client(cluster)
    try:
        futures = [client.submit(compute_chunk, str(spec.file), c, order, world, pure=False) for c in todo]
        for k, future in enumerate(dask_completed(futures), start=1):
            chunk_id, table, _ = future.result()
            write_part(table, runs, chunk_id)
            report(k, table.num_rows)
    finally:
        with _silenced("distributed", "tornado", "asyncio"):  # connections closing are not errors
            client.close()
            if cluster is not None:
                cluster.close()


@contextlib.contextmanager
def _silenced(*names: str) -> Iterator[None]:
    """Keep the named loggers quiet for a while (Dask's shutdown logs closed connections)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)

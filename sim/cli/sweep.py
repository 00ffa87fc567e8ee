"""``sim sweep``: run a batch sweep file, then its analyses."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.cli.common import info, quiet

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` command."""
    sw = sub.add_parser(
        "sweep",
        help="run a batch sweep (scenarios/sweeps/*.toml)",
        description="Run every scenario of a sweep file (project subsets, parameter grids, failures) "
        "on all cores, writing results/sweep-NAME/runs.parquet, then the analyses: project values "
        "(Shapley), smallest sets, build order, failures, probabilities.",
    )
    sw.add_argument("file", help="sweep file, or the name of a bundled one (planned-rail)")
    sw.add_argument("--out", type=Path, help="results folder (default: results/sweep-NAME)")
    sw.add_argument("--processes", type=int, help="local worker processes (default: all cores)")
    sw.add_argument("--scheduler", help="address of a Dask scheduler to run the chunks on (tcp://host:8786)")
    sw.add_argument("--workers", type=int, help="start a local Dask cluster with this many workers")
    sw.add_argument(
        "--resume", action="store_true", help="finish an interrupted sweep (no row lost or duplicated)"
    )
    sw.add_argument(
        "--force",
        action="store_true",
        help="discard existing results and start again (also: write into a folder sim did not make)",
    )
    sw.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim sweep``."""
    from sim.cli.common import checked_network, data_folders
    from sim.output import check_output_folder
    from sim.sweep.outputs import write_analyses
    from sim.sweep.runner import SWEEP_FILES, run_sweep
    from sim.sweep.spec import NO_PROJECTS, load_sweep

    spec = load_sweep(args.file)
    out = args.out or Path("results") / f"sweep-{spec.name}"
    check_output_folder(
        out, force=args.force, protected=data_folders(spec.base), known=SWEEP_FILES, written_by="sim sweep"
    )
    network = checked_network(args, spec.base)
    started = time.perf_counter()
    _, total = run_sweep(
        spec.file,
        out,
        workers=args.processes,
        resume=args.resume,
        force=args.force,
        scheduler=args.scheduler,
        dask_workers=args.workers,
        network=network,
        progress=not quiet(args),
    )
    seconds = time.perf_counter() - started
    summary = write_analyses(spec, out)
    print(
        f"sweep {spec.name}: {summary['scenarios']:,} scenarios ({total:,} planned) in {seconds:.1f} s; "
        f"{summary['errors']} failed"
    )
    if not summary["targets"]:
        print("no targets counted: the base scenario names none on this profile")
    elif summary.get("smallest_set") is not None:
        best = f"most targets met: {summary['best_targets_met']} of {len(summary['targets'])}"
        if summary["smallest_set"] in ("", NO_PROJECTS):  # the empty set: the base network already does it
            print(f"{best}, already by the base network: no project adds a target")
        else:
            print(f"{best}; smallest such set: {_project_set_names(spec, str(summary['smallest_set']))}")
    counts = summary.get("pass_counts") or []
    if counts:
        print("pairs (cities, ports) passing per target and reading, the headline first (pass_counts.csv):")
        width = max(len(str(c["target"])) for c in counts)
        for c in counts:
            reading = str(c["reading"]).replace("_", " ")
            if c["headline"] and c["reading"] != "coverage":
                reading += " (headline)"
            print(
                f"  {c['target']:<{width}}  {reading:<22} base {c['base']:>3}/{c['checked']:<3} "
                f"fewest {c['fewest']:>3}  most {c['most']:>3}"
            )
    if "failures_breaking_a_target" in summary:
        print(f"single failures that break a target: {summary['failures_breaking_a_target']}")
    info(f"wrote {out}/")
    return 0


def _project_set_names(spec: object, text: str) -> str:
    """Return ``a + b`` (project ids, as in smallest_sets.csv) with the projects' names."""
    from sim.naming import project_name
    from sim.network import load_network

    network = load_network(spec.base.network_folder)  # type: ignore[attr-defined]
    return " + ".join(project_name(network, p) for p in text.split(" + "))

"""``sim report``: one self-contained HTML report of a scenario or a comparison."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import (
    add_force_option,
    add_network_options,
    checked_network,
    data_folders,
    info,
    is_stdout,
    progress,
    write_text,
)
from sim.output import atomic_file, check_output_file
from sim.scenario import load_scenario

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    rep = sub.add_parser(
        "report",
        help="self-contained HTML report of a scenario or a comparison",
        description="Write one HTML file with the target table, indicators, pictures, the itineraries "
        "behind every failing target, and (with B) the comparison of A and B. Opens with no network.",
    )
    rep.add_argument("scenario", help="scenario A (file or bundled name)")
    rep.add_argument("other", nargs="?", help="scenario B to compare with A")
    rep.add_argument(
        "--out", type=Path, help="output file (default: results/report-A[-vs-B].html; - for standard output)"
    )
    add_network_options(rep)
    add_force_option(rep)
    rep.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim report``."""
    from sim.evaluate import evaluate
    from sim.report import render_report

    first = load_scenario(args.scenario, args.network)
    second = load_scenario(args.other, args.network) if args.other else None
    scenarios = (first,) if second is None else (first, second)
    name = f"report-{first.name}" + (f"-vs-{second.name}" if second else "")
    out = args.out or Path("results") / f"{name}.html"
    safety = {"force": args.force, "protected": data_folders(*scenarios)}
    if not is_stdout(out):
        check_output_file(out, **safety)
    log = progress(args)
    full = checked_network(args, first)
    before = evaluate(first, full, backend=args.backend, progress=log)
    after = full_after = None
    if second is not None:
        full_after = full if second.network_folder == first.network_folder else checked_network(args, second)
        after = evaluate(second, full_after, backend=args.backend, progress=log)
    page = render_report(before, full, after, full_after)
    if is_stdout(out):
        write_text(out, page)
    else:
        atomic_file(out, page, **safety)
        info(f"wrote {out}")
    return 0

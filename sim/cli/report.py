"""``sim report``: one self-contained HTML report of a scenario or a comparison."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import add_network_options, info, is_stdout, write_text
from sim.evaluate import evaluate
from sim.network import load_network
from sim.report import render_report
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
    rep.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim report``."""
    first = load_scenario(args.scenario, args.network)
    full = load_network(first.network_folder)
    before = evaluate(first, full, backend=args.backend)
    after = full_after = None
    name = f"report-{first.name}"
    if args.other:
        second = load_scenario(args.other, args.network)
        full_after = load_network(second.network_folder)
        after = evaluate(second, full_after, backend=args.backend)
        name += f"-vs-{second.name}"
    out = args.out or Path("results") / f"{name}.html"
    write_text(out, render_report(before, full, after, full_after))
    if not is_stdout(out):
        info(f"wrote {out}")
    return 0

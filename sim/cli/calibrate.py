"""``sim calibrate``: modelled against observed times, in sample and out of sample."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.common import (
    add_force_option,
    add_network_options,
    checked_network,
    data_folders,
    emit_json,
    info,
)
from sim.output import atomic_folder, check_output_folder, write_csv, write_json
from sim.scenario import load_scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.fitting import FitResult
    from sim.scenario import Scenario

__all__ = ["CALIBRATION_FILES", "register"]

CALIBRATION_FILES = ("calibration.csv", "summary.json", "observed_vs_modelled.png")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` command."""
    cal = sub.add_parser(
        "calibrate",
        help="compare modelled with observed times, in and out of sample",
        description="Compare the model with observed times: fastest scheduled trains with the in-vehicle "
        "part of the rail trip, driving times with the road trip. In sample: the scenario's parameters, "
        "whose running-time values were fitted on these observations. Out of sample: each city pair "
        "predicted with those values refitted without it (leave one pair out, or --folds). Prints every "
        "pair, MAPE and the worst pairs; writes results/calibration/.",
    )
    cal.add_argument("--scenario", default="today", help="scenario to compare (default: today)")
    cal.add_argument("--observed", type=Path, help="observed times (default: NETWORK/observed_times.csv)")
    cal.add_argument("--out", type=Path, default=Path("results") / "calibration", help="results folder")
    cal.add_argument(
        "--fit",
        action="store_true",
        help="also print the fitted running-time parameters on every observation, beside the scenario's",
    )
    cal.add_argument(
        "--folds",
        type=_positive_int,
        help="out of sample: deal the city pairs into this many folds (default: leave one pair out)",
    )
    cal.add_argument("--seed", type=int, default=0, help="seed of the folds (default 0)")
    style = cal.add_mutually_exclusive_group()
    style.add_argument(
        "--json",
        action="store_true",
        help='print {"rail": {"n", "mape", "mape_cv", "worst", ...}, "road": {...}} instead of the table',
    )
    style.add_argument(
        "--markdown", action="store_true", help="print the README's calibration table instead of the table"
    )
    add_network_options(cal)
    add_force_option(cal)
    cal.set_defaults(func=command)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"need at least 2 folds, got {value}")
    return value


def command(args: argparse.Namespace) -> int:
    """Run ``sim calibrate``."""
    from sim.calibration import calibrate_in_and_out_of_sample, load_observations
    from sim.calibration_report import markdown_table
    from sim.figures import plot_calibration

    scenario = load_scenario(args.scenario, args.network)
    safety = {
        "written_by": "sim calibrate",
        "force": args.force,
        "protected": data_folders(scenario),
        "known": CALIBRATION_FILES,
    }
    check_output_folder(args.out, **safety)
    full = checked_network(args, scenario)
    observations = load_observations(args.observed or scenario.network_folder / "observed_times.csv", full)
    how = f"{args.folds} folds (seed {args.seed})" if args.folds else "leaving one pair out"
    info(
        f"comparing {len(observations)} observations, each with the network of its year; "
        f"out of sample by {how}"
    )
    result = calibrate_in_and_out_of_sample(scenario, full, observations, args.backend, args.folds, args.seed)
    table, stats, fits = result.table, result.stats, result.fits

    def fill(folder: Path) -> None:
        write_csv(table, folder / "calibration.csv")
        write_json(stats, folder / "summary.json")
        plot_calibration(table, {c.id: c.name_zh for c in full.cities}).savefig(
            folder / "observed_vs_modelled.png", metadata={"Software": None}
        )

    atomic_folder(args.out, fill, **safety)
    if args.json:
        emit_json(stats)
    elif args.markdown:
        print(markdown_table(stats, full, scenario.name), end="")
    else:
        _print_table(table, stats)
        if args.fit:
            _print_fits(fits, scenario)
    info(f"wrote {args.out}/ (calibration.csv, summary.json, observed_vs_modelled.png)")
    return 0


def _print_table(table: pd.DataFrame, stats: dict[str, dict[str, object]]) -> None:
    print(
        f"{'pair':<26} {'profile':<7} {'observed':>8} {'model':>6} {'%':>6} {'beyond±':>7} "
        f"{'cv model':>8} {'cv %':>6}"
    )
    for _, r in table.iterrows():
        bound = {"upper": "<", "lower": ">"}.get(r["bound"], "")
        tol = f"±{r['tolerance_min']:g}" if r["tolerance_min"] else ""
        print(
            f"{r['origin'] + '–' + r['destination']:<26} {r['profile']:<7} "
            f"{bound + format(r['observed_min'], 'g') + tol:>8} {r['modelled_min']:>6.0f} "
            f"{r['error_pct']:>+6.1f} {r['counted_error_pct']:>+7.1f} "
            f"{r['modelled_cv_min']:>8.0f} {r['error_cv_pct']:>+6.1f}"
        )
    print()
    for profile, s in stats.items():
        print(
            f"{profile}: {s['n']} observations; MAE {s['mae_min']} min (the close-call margin, "
            f"network/calibration.toml); MAPE {s['mape']} % in sample, {s['mape_cv']} % out of "
            f"sample; worst {s['worst']} % in sample ({s['worst_pair']}), {s['worst_cv']} % out of sample "
            f"({s['worst_cv_pair']}); beyond the sources' tolerance: MAPE {s['mape_beyond_tolerance']} % / "
            f"{s['mape_beyond_tolerance_cv']} %"
        )
    print("\nworst ten out of sample:")
    worst = table.reindex(table["error_cv_pct"].abs().sort_values(ascending=False).index).head(10)
    for _, r in worst.iterrows():
        print(
            f"  {r['origin']}–{r['destination']} ({r['profile']}) {r['error_cv_pct']:+.1f} % "
            f"(in sample {r['error_pct']:+.1f} %): {r['route']}"
        )


def _print_fits(fits: dict[str, FitResult], scenario: Scenario) -> None:
    print()
    for profile, result in fits.items():
        parts = ", ".join(
            f"{f.name} {v:.3f} (scenario {f.current(scenario.parameters):g}; bounds {f.low:g}–{f.high:g})"
            for f, v in zip(result.fitted, result.values, strict=True)
        )
        state = "paths settled" if result.settled else "paths still changing"
        print(
            f"{profile} fit on all {result.trips} observations: {parts}; MAPE of the fit "
            f"{result.mape_pct:.1f} % ({result.rounds} rounds, {state}); apply in [parameters] to use"
        )

"""``sim calibrate``: modelled against observed times."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import add_force_option, add_network_options, checked_network, data_folders, info
from sim.output import atomic_folder, check_output_folder, write_csv, write_json
from sim.scenario import load_scenario

__all__ = ["CALIBRATION_FILES", "register"]

CALIBRATION_FILES = ("calibration.csv", "summary.json", "observed_vs_modelled.png")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` command."""
    cal = sub.add_parser(
        "calibrate",
        help="compare modelled with observed times",
        description="Compare the model with observed times: fastest scheduled trains with the in-vehicle "
        "part of the rail trip, driving times with the road trip. Prints every pair, MAE and MAPE, "
        "and the worst ten with their itinerary; writes results/calibration/.",
    )
    cal.add_argument("--scenario", default="today", help="scenario to compare (default: today)")
    cal.add_argument("--observed", type=Path, help="observed times (default: NETWORK/observed_times.csv)")
    cal.add_argument("--out", type=Path, default=Path("results") / "calibration", help="results folder")
    cal.add_argument(
        "--fit",
        action="store_true",
        help="also fit the rail running-time parameters (speed_factor, start_stop_min, stop_loss_min) "
        "by least squares and print them (nothing is changed)",
    )
    add_network_options(cal)
    add_force_option(cal)
    cal.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim calibrate``."""
    from sim.calibration import calibrate, load_observations, summarise
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
    info(f"comparing {len(observations)} observations, each with the network of its year")
    table = calibrate(scenario, full, observations, args.backend)
    stats = summarise(table)

    def fill(folder: Path) -> None:
        write_csv(table, folder / "calibration.csv")
        write_json(stats, folder / "summary.json")
        plot_calibration(table, {c.id: c.name_zh for c in full.cities}).savefig(
            folder / "observed_vs_modelled.png", metadata={"Software": None}
        )

    atomic_folder(args.out, fill, **safety)
    print(f"{'pair':<26} {'profile':<7} {'observed':>8} {'model':>7} {'error':>7} {'%':>6} {'counted%':>8}")
    for _, r in table.iterrows():
        bound = {"upper": "<", "lower": ">"}.get(r["bound"], "")
        tol = f"±{r['tolerance_min']:g}" if r["tolerance_min"] else ""
        print(
            f"{r['origin'] + '–' + r['destination']:<26} {r['profile']:<7} "
            f"{bound + format(r['observed_min'], 'g') + tol:>8} {r['modelled_min']:>7.0f} "
            f"{r['error_min']:>+7.0f} {r['error_pct']:>+6.1f} {r['counted_error_pct']:>+8.1f}"
        )
    print()
    for profile, s in stats.items():
        print(
            f"{profile}: {s['pairs']} pairs; MAE {s['mae_min']} min, MAPE {s['mape_pct']} %; "
            f"beyond tolerance: MAE {s['counted_mae_min']} min, MAPE {s['counted_mape_pct']} %, "
            f"worst {s['worst_counted_pct']} %"
        )
    print("\nworst ten (error beyond tolerance):")
    worst = table.reindex(table["counted_error_pct"].abs().sort_values(ascending=False).index).head(10)
    for _, r in worst.iterrows():
        print(
            f"  {r['origin']}–{r['destination']} ({r['profile']}) "
            f"{r['counted_error_pct']:+.1f} %: {r['route']}"
        )
    if args.fit:
        from sim.calibration import fit_rail_running_time

        fit = fit_rail_running_time(scenario, full, observations, args.backend)
        print(
            f"\nleast-squares fit of rail running time on {fit['pairs']} pairs (weights 1/observed): "
            f"speed_factor {fit['speed_factor']:.3f}, start_stop_min {fit['start_stop_min']:.1f} per ride, "
            f"stop_loss_min {fit['stop_loss_min']:.2f} per link; MAPE of the fit {fit['mape_pct']:.1f} % "
            "(apply in a scenario's [parameters] to use)"
        )
    info(f"wrote {args.out}/ (calibration.csv, summary.json, observed_vs_modelled.png)")
    return 0

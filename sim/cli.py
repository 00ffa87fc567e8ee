"""Command-line interface: argument parsing and printing only.

Every command is a thin call into the API (:mod:`sim.evaluate`, :mod:`sim.scenario`).
Bad input prints one line naming file, line and field, and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim.errors import EXIT_BAD_INPUT, EXIT_FAILURE, InputError
from sim.evaluate import Evaluation, evaluate, evaluate_profile
from sim.modes import PROFILES
from sim.network import load_network
from sim.output import atomic_folder, write_csv, write_json
from sim.paths import BACKENDS
from sim.results import RUN_FILES, write_comparison, write_map, write_run
from sim.scenario import apply_scenario, load_scenario

__all__ = ["main"]

DESCRIPTION = """\
Door-to-door travel times on the multimodal network of the Middle Yangtze River
urban agglomeration (Hubei, Hunan, Jiangxi), and whether the plans' targets are met.

commands:
  sim run [SCENARIO]        evaluate a scenario (default: today) and check the targets
  sim route FROM TO         the fastest itinerary between two cities, leg by leg
  sim compare A B           what changes from scenario A to scenario B, and why
  sim map CITY              travel-time map from one city
  sim scenarios             the bundled scenarios, a line each
  sim report A [B]          one self-contained HTML report (pictures inline)
  sim validate [DIR]        check a network folder (schema, ids, ranges, years)
  sim calibrate             compare modelled with observed times (network/observed_times.csv)
  sim export FILE.graphml   the door-to-door graph of a profile, for other tools
  sim sweep FILE            batch sweep: project subsets, parameters, failures (Parquet)

A SCENARIO is a file (scenarios/today.toml) or the name of a bundled one (today).
Cities are given by id, Chinese or English name (wuhan, 武汉, Wuhan).
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sim`` command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except InputError as error:
        for line in str(error).splitlines():
            print(f"sim: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("sim: interrupted; no results folder was left half-written", file=sys.stderr)
        return 130
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"sim: error: cannot write{where}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILURE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="evaluate a scenario and check the targets",
        description="Evaluate a scenario: door-to-door times for every profile it "
        "names, the target-compliance table, and results/<scenario>/.",
    )
    run.add_argument(
        "scenario", nargs="?", default="today", help="scenario file or bundled name (default: today)"
    )
    _common(run)
    run.add_argument("--out", type=Path, help="results folder (default: results/<scenario>)")
    run.add_argument("--year", type=int, help="override the scenario's year (network as built by then)")
    run.add_argument("--quiet", action="store_true", help="print only the target table")
    run.set_defaults(func=_cmd_run)

    route = sub.add_parser(
        "route",
        help="fastest itinerary between two cities",
        description="Print the fastest door-to-door itinerary leg by leg.",
    )
    route.add_argument("origin", help="city id, Chinese or English name")
    route.add_argument("destination", help="city id, Chinese or English name")
    route.add_argument("--profile", default="rail", choices=sorted(PROFILES), help="profile (default: rail)")
    route.add_argument("--scenario", default="today", help="scenario file or bundled name (default: today)")
    route.add_argument("--year", type=int, help="override the scenario's year")
    _common(route)
    route.set_defaults(func=_cmd_route)

    cmp_ = sub.add_parser(
        "compare",
        help="compare two scenarios",
        description="Compare scenario A (before) with scenario B (after): per OD pair before, after and "
        "delta; pairs newly meeting or missing each target; indicator changes per city and network-wide; "
        "and which projects, links, modifications and parameters differ. Writes results/compare-A-vs-B/.",
    )
    cmp_.add_argument("before", help="scenario A (file or bundled name)")
    cmp_.add_argument("after", help="scenario B (file or bundled name)")
    cmp_.add_argument("--out", type=Path, help="results folder (default: results/compare-A-vs-B)")
    _common(cmp_)
    cmp_.set_defaults(func=_cmd_compare)

    mp = sub.add_parser(
        "map",
        help="travel-time map from one city",
        description="Map of door-to-door minutes from one city to every other, with 60/120/180-minute "
        "isochrones. Writes results/map-CITY-SCENARIO-PROFILE/ (map.png, map.svg, minutes.csv).",
    )
    mp.add_argument("city", help="city id, Chinese or English name")
    mp.add_argument("--scenario", default="today", help="scenario file or bundled name (default: today)")
    mp.add_argument("--profile", default="rail", choices=sorted(PROFILES), help="profile (default: rail)")
    mp.add_argument("--out", type=Path, help="results folder")
    _common(mp)
    mp.set_defaults(func=_cmd_map)

    rep = sub.add_parser(
        "report",
        help="self-contained HTML report of a scenario or a comparison",
        description="Write one HTML file with the target table, indicators, pictures, the itineraries "
        "behind every failing target, and (with B) the comparison of A and B. Opens with no network.",
    )
    rep.add_argument("scenario", help="scenario A (file or bundled name)")
    rep.add_argument("other", nargs="?", help="scenario B to compare with A")
    rep.add_argument("--out", type=Path, help="output file (default: results/report-A[-vs-B].html)")
    _common(rep)
    rep.set_defaults(func=_cmd_report)

    sc = sub.add_parser(
        "scenarios",
        help="list the bundled scenarios",
        description="List the bundled scenarios with the first line of their description.",
    )
    sc.set_defaults(func=_cmd_scenarios)

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
    sw.add_argument("--force", action="store_true", help="discard existing results and start again")
    sw.set_defaults(func=_cmd_sweep)

    exp = sub.add_parser(
        "export",
        help="write the door-to-door graph as GraphML",
        description="Write the compiled door-to-door graph of one profile (nodes: centres, terminals, "
        "platforms; edges with minutes and their components) as GraphML.",
    )
    exp.add_argument("file", type=Path, help="output file (.graphml)")
    exp.add_argument("--profile", default="rail", choices=sorted(PROFILES), help="profile (default: rail)")
    exp.add_argument("--scenario", default="today", help="scenario file or bundled name (default: today)")
    exp.add_argument("--network", type=Path, help="network folder (default: the bundled one)")
    exp.set_defaults(func=_cmd_export)

    val = sub.add_parser(
        "validate",
        help="check a network folder",
        description="Check a network folder: schema, units, ids, links that reach no city, duplicated "
        "links, speeds outside the mode's range, years in the wrong order (errors, exit 2), and "
        "terminals far from their city or of unknown year (warnings).",
    )
    val.add_argument("folder", nargs="?", type=Path, help="network folder (default: the bundled one)")
    val.set_defaults(func=_cmd_validate)

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
    _common(cal)
    cal.set_defaults(func=_cmd_calibrate)
    return parser


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--network", type=Path, help="network folder of the same schema (default: the bundled one)"
    )
    p.add_argument("--backend", default="scipy", choices=[b for b in BACKENDS], help="shortest-path backend")


def _scenario(args: argparse.Namespace, name: str):
    scenario = load_scenario(name, args.network)
    if getattr(args, "year", None) is not None:
        scenario = replace(scenario, year=args.year, name=f"{scenario.name}-{args.year}")
    return scenario


def _cmd_run(args: argparse.Namespace) -> int:
    scenario = _scenario(args, args.scenario)
    log = (lambda *_: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    log(f"sim: scenario '{scenario.name}' on {scenario.network_folder}")
    full = load_network(scenario.network_folder)
    result = evaluate(scenario, full, backend=args.backend)
    out = args.out or Path("results") / scenario.name
    atomic_folder(out, lambda tmp: write_run(result, full, tmp))
    print(_target_report(result))
    log(f"sim: wrote {out}/ ({', '.join(RUN_FILES)})")
    return 0


def _target_report(result: Evaluation) -> str:
    names = {c.id: c.name_en for c in result.network.cities}
    lines = [f"Targets: scenario '{result.scenario.name}'", ""]
    width = max((len(tr.target.id) for tr in result.targets), default=10)
    for tr in result.targets:
        t = tr.target
        verdict = "met" if tr.met else "NOT MET"
        how = t.reading()
        unit = "pairs" if t.kind == "travel_time" else "cities"
        lines.append(f"{t.id:<{width}}  {verdict:<7}  {tr.n_passed:>3}/{len(tr.checks):<3} {unit:<6}  {how}")
        if t.kind == "coverage":
            missing = [names[c.origin] for c in tr.checks if not c.passed]
            if missing:
                lines.extend(
                    textwrap.wrap(
                        f"no {t.service.replace('_', ' ')}: {', '.join(missing)}",
                        width=96,
                        initial_indent="    ",
                        subsequent_indent="      ",
                    )
                )
            continue
        for c in tr.checks:
            if c.passed:
                continue
            if t.kind == "travel_time":
                if c.minutes is None:
                    lines.append(f"    {names[c.origin]} – {names[c.destination]}: no path")
                else:
                    board = f", {c.on_board_min:.0f} on board" if c.on_board_min is not None else ""
                    lines.append(
                        f"    {names[c.origin]} – {names[c.destination]}: {c.minutes:.0f} min "
                        f"(+{c.gap_min:.0f}){board}, via {c.main_line or '-'}"
                    )
    return "\n".join(lines)


def _cmd_route(args: argparse.Namespace) -> int:
    scenario = _scenario(args, args.scenario)
    full = load_network(scenario.network_folder)
    net = apply_scenario(scenario, full)
    a, b = net.find_city(args.origin), net.find_city(args.destination)
    if a.id == b.id:
        raise InputError("origin and destination are the same city", None, None, "destination")
    res = evaluate_profile(net, PROFILES[args.profile], scenario.parameters, args.backend)
    ids = res.graph.city_ids
    i, j = ids.index(a.id), ids.index(b.id)
    names = {c.id: c.name_zh for c in net.cities} | {t.id: t.name_zh for t in net.terminals}
    print(f"{a.name_zh} {a.name_en} → {b.name_zh} {b.name_en}  ({args.profile}, scenario '{scenario.name}')")
    if not np.isfinite(res.minutes[i, j]):
        print("  no path on this profile")
        return 0
    header = ("leg", "mode", "line", "from", "to", "min")
    rows = [header]
    for leg in res.legs[i][j]:
        src, dst = names.get(leg.from_id, leg.from_id), names.get(leg.to_id, leg.to_id)
        if leg.kind in ("access", "egress") and leg.from_id == leg.to_id:  # centre <-> expressway
            src, dst = (src, "expressway") if leg.kind == "access" else ("expressway", dst)
        rows.append((leg.kind, leg.mode or "-", leg.line or "-", src, dst, f"{leg.minutes:.1f}"))
    widths = [max(_width(r[k]) for r in rows) for k in range(len(header))]
    for r in rows:
        cells = [
            _pad(text, w, right=k == len(header) - 1)
            for k, (text, w) in enumerate(zip(r, widths, strict=True))
        ]
        print("  " + "  ".join(cells))
    parts = "  ".join(
        f"{k} {res.parts[i, j, n]:.0f}"
        for n, k in enumerate(("access", "processing", "wait", "in_vehicle", "transfer", "egress"))
    )
    print(f"  total {res.minutes[i, j]:.0f} min door to door: {parts}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def _cmd_validate(args: argparse.Namespace) -> int:
    from sim.scenario import BUNDLED_NETWORK
    from sim.validate import check_network

    folder = args.folder or BUNDLED_NETWORK
    network = load_network(folder)  # schema problems raise InputErrors: one line each, exit 2
    problems = check_network(network)
    for problem in problems:
        print(problem, file=sys.stderr)
    n_err = sum(p.severity == "error" for p in problems)
    n_warn = len(problems) - n_err
    print(
        f"{folder}: {len(network.cities)} cities, {len(network.terminals)} terminals, "
        f"{len(network.links)} links; {n_err} errors, {n_warn} warnings"
    )
    return EXIT_BAD_INPUT if n_err else 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibration import calibrate, load_observations, summarise
    from sim.figures import plot_calibration

    scenario = load_scenario(args.scenario, args.network)
    full = load_network(scenario.network_folder)
    observations = load_observations(args.observed or scenario.network_folder / "observed_times.csv", full)
    print(
        f"sim: comparing {len(observations)} observations, each with the network of its year", file=sys.stderr
    )
    table = calibrate(scenario, full, observations, args.backend)
    stats = summarise(table)

    def fill(folder: Path) -> None:
        write_csv(table, folder / "calibration.csv")
        write_json(stats, folder / "summary.json")
        plot_calibration(table).savefig(folder / "observed_vs_modelled.png", metadata={"Software": None})

    atomic_folder(args.out, fill)
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
    print(f"\nwrote {args.out}/ (calibration.csv, summary.json, observed_vs_modelled.png)", file=sys.stderr)
    return 0


def _width(text: str) -> int:
    """Terminal columns taken by ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(width - _width(text), 0)
    return fill + text if right else text + fill


def _cmd_export(args: argparse.Namespace) -> int:
    from sim.export import write_graphml
    from sim.graph import build_graph

    scenario = load_scenario(args.scenario, args.network)
    net = apply_scenario(scenario)
    graph = build_graph(net, PROFILES[args.profile], scenario.parameters)
    write_graphml(graph, args.file)
    print(
        f"wrote {args.file}: {graph.n_nodes} nodes, {graph.n_edges} edges ({args.profile}, '{scenario.name}')"
    )
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare

    before = load_scenario(args.before, args.network)
    after = load_scenario(args.after, args.network)
    print(f"sim: evaluating '{before.name}' and '{after.name}'", file=sys.stderr)
    ev_a = evaluate(before, backend=args.backend)
    ev_b = evaluate(after, backend=args.backend)
    comparison = compare(ev_a, ev_b)
    out = args.out or Path("results") / f"compare-{before.name}-vs-{after.name}"
    atomic_folder(out, lambda tmp: write_comparison(comparison, tmp))
    print(_comparison_report(comparison))
    print(f"sim: wrote {out}/", file=sys.stderr)
    return 0


def _comparison_report(comparison) -> str:
    a, b = comparison.before.scenario.name, comparison.after.scenario.name
    names = {c.id: c.name_en for c in comparison.after.network.cities}
    diff = comparison.differences()
    lines = [f"{a} -> {b}", ""]
    lines.append(f"year: {diff['year']['before']} -> {diff['year']['after']}")
    for key in ("projects_added", "projects_removed"):
        if diff[key]:
            lines.append(f"{key.replace('_', ' ')}: {', '.join(diff[key])}")
    lines.append(f"links added: {len(diff['links_added'])}, removed: {len(diff['links_removed'])}")
    if diff["parameters_changed"]:
        lines.append(f"parameters changed: {', '.join(diff['parameters_changed'])}")
    lines += ["", f"{'target':<24} {'before':>8} {'after':>8}"]
    for _, r in comparison.target_summary().iterrows():
        lines.append(
            f"{r['target']:<24} {r['passed_before']:>4}/{r['checked']:<3} "
            f"{r['passed_after']:>4}/{r['checked']:<3}  {'met' if r['met_after'] else 'not met'}"
        )
    changes = comparison.target_changes()
    for kind in ("newly met", "newly missed"):
        rows = changes[changes["change"] == kind]
        for _, r in rows.iterrows():
            if isinstance(r["destination"], str) and r["destination"]:
                pair = f"{names[r['origin']]} – {names[r['destination']]}"
                lines.append(
                    f"  {kind}: {r['target']}: {pair} ({_min(r['before_min'])} -> {_min(r['after_min'])})"
                )
            else:
                lines.append(f"  {kind}: {r['target']}: {names[r['origin']]}")
    cities = comparison.city_changes()
    first = cities["profile"].iloc[0]
    rail = cities[cities["profile"] == first]
    newly = rail[~np.isfinite(rail["weighted_avg_min_before"]) & np.isfinite(rail["weighted_avg_min_after"])]
    if len(newly):
        lines += ["", f"newly connected ({first}): {', '.join(names[c] for c in newly['city'])}"]
    rail = rail[np.isfinite(rail["weighted_avg_min_delta"])].sort_values("weighted_avg_min_delta")
    lines += ["", f"largest gains in weighted average time ({first}; other cities it reaches):"]
    for _, r in rail.head(5).iterrows():
        lines.append(
            f"  {names[r['city']]:<18} {r['weighted_avg_min_before']:>6.0f} -> "
            f"{r['weighted_avg_min_after']:>6.0f} min ({r['weighted_avg_min_delta']:+.0f})"
        )
    net = comparison.network_changes()
    lines += [
        "",
        "network-wide (share of pairs within 2 h; population-weighted mean of weighted average time):",
    ]
    for _, r in net[net["indicator"].isin(["share_pairs_within_120", "mean_weighted_avg_min"])].iterrows():
        lines.append(f"  {r['profile']:<10} {r['indicator']:<24} {r['before']:>8} -> {r['after']:>8}")
    return "\n".join(lines)


def _cmd_map(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.network)
    full = load_network(scenario.network_folder)
    city = apply_scenario(scenario, full).find_city(args.city)
    scenario = replace(scenario, profiles=(PROFILES[args.profile],), targets_file=None)
    result = evaluate(scenario, full, backend=args.backend)
    out = args.out or Path("results") / f"map-{city.id}-{scenario.name}-{args.profile}"
    atomic_folder(out, lambda tmp: write_map(result, city.id, args.profile, tmp))
    print(f"wrote {out}/ (map.png, map.svg, minutes.csv)")
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from sim.scenario import BUNDLED_SCENARIOS

    for path in sorted(BUNDLED_SCENARIOS.glob("*.toml")):
        if path.stem == "targets":
            continue
        s = load_scenario(str(path))
        first = " ".join(s.description.split()).split(". ")[0]
        first = first if len(first) <= 88 else first[:87] + "…"
        year = f"year {s.year}" if s.year else "open today"
        print(f"{s.name:<28} {year:<10} {first}")
    return 0


def _min(value: float | None) -> str:
    """Minutes for a report line: '95 min', or 'no path'."""
    return "no path" if value is None or value != value else f"{value:.0f} min"


def _cmd_report(args: argparse.Namespace) -> int:
    from sim.output import atomic_file
    from sim.report import render_report

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
    atomic_file(out, render_report(before, full, after, full_after))
    print(f"wrote {out}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep.outputs import write_analyses
    from sim.sweep.runner import run_sweep
    from sim.sweep.spec import load_sweep

    spec = load_sweep(args.file)
    out = args.out or Path("results") / f"sweep-{spec.name}"
    started = time.perf_counter()
    _, total = run_sweep(
        spec.file,
        out,
        workers=args.processes,
        resume=args.resume,
        force=args.force,
        scheduler=args.scheduler,
        dask_workers=args.workers,
    )
    seconds = time.perf_counter() - started
    summary = write_analyses(spec, out)
    print(
        f"sweep {spec.name}: {summary['scenarios']:,} scenarios ({total:,} planned) in {seconds:.1f} s; "
        f"{summary['errors']} failed"
    )
    if summary.get("smallest_set") is not None:
        print(
            f"most targets met: {summary['best_targets_met']} of {len(summary['targets'])}; "
            f"smallest such set: {summary['smallest_set']}"
        )
    if "failures_breaking_a_target" in summary:
        print(f"single failures that break a target: {summary['failures_breaking_a_target']}")
    print(f"wrote {out}/")
    return 0

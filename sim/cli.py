"""Command-line interface: argument parsing and printing only.

Every command is a thin call into the API (:mod:`sim.evaluate`, :mod:`sim.scenario`).
Bad input prints one line naming file, line and field, and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
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
from sim.scenario import apply_scenario, load_scenario

__all__ = ["main"]

DESCRIPTION = """\
Door-to-door travel times on the multimodal network of the Middle Yangtze River
urban agglomeration (Hubei, Hunan, Jiangxi), and whether the plans' targets are met.

commands:
  sim run [SCENARIO]        evaluate a scenario (default: today) and check the targets
  sim route FROM TO         the fastest itinerary between two cities, leg by leg

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
        print(f"sim: error: {error}", file=sys.stderr)
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
    atomic_folder(out, lambda tmp: _write_results(result, full, tmp))
    print(_target_report(result))
    log(f"sim: wrote {out}/ (travel_times.csv, itineraries.csv, targets.csv, summary.json, network.png)")
    return 0


def _write_results(result: Evaluation, full, folder: Path) -> None:
    from sim.plots import plot_network

    write_csv(result.travel_times(), folder / "travel_times.csv")
    write_csv(result.itineraries(), folder / "itineraries.csv")
    write_csv(result.targets_table(), folder / "targets.csv")
    write_json(result.summary(), folder / "summary.json")
    year = result.scenario.year
    title = f"{result.scenario.name}: network" + (f" as built by end of {year}" if year else " open today")
    fig = plot_network(result.network, context=full, title=title)
    fig.savefig(folder / "network.png", metadata={"Software": None})


def _target_report(result: Evaluation) -> str:
    names = {c.id: c.name_en for c in result.network.cities}
    lines = [f"Targets: scenario '{result.scenario.name}'", ""]
    width = max((len(tr.target.id) for tr in result.targets), default=10)
    for tr in result.targets:
        t = tr.target
        verdict = "met" if tr.met else "NOT MET"
        how = (
            f"{t.profile}, {t.measure.replace('_', '-')} <= {t.threshold_min:g} min"
            if t.kind == "travel_time"
            else f"{t.service} coverage"
        )
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
                    lines.append(
                        f"    {names[c.origin]} – {names[c.destination]}: {c.minutes:.0f} min "
                        f"(+{c.gap_min:.0f}) via {c.main_line or '-'}"
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
    print(f"  {'leg':<9} {'mode':<12} {'line':<22} {'from':<10} {'to':<10} {'min':>6}")
    for leg in res.legs[i][j]:
        print(
            f"  {leg.kind:<9} {leg.mode or '-':<12} {leg.line or '-':<22} "
            f"{names.get(leg.from_id, leg.from_id):<10} {names.get(leg.to_id, leg.to_id):<10} "
            f"{leg.minutes:>6.1f}"
        )
    parts = "  ".join(
        f"{k} {res.parts[i, j, n]:.0f}"
        for n, k in enumerate(("access", "processing", "wait", "in_vehicle", "transfer", "egress"))
    )
    print(f"  total {res.minutes[i, j]:.0f} min door to door: {parts}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

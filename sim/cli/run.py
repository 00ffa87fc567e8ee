"""``sim run``: evaluate a scenario, print the target table (or the summary as JSON), write the results."""

from __future__ import annotations

import argparse
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.common import (
    add_force_option,
    add_json_option,
    add_network_options,
    checked_network,
    data_folders,
    emit_json,
    info,
    pad,
    progress,
    require_geo_or_exit,
    scenario_from_args,
    text_width,
)
from sim.errors import EXIT_TARGETS_NOT_MET
from sim.output import atomic_folder, check_output_folder
from sim.targets import MODELLED_RUN, reading_name

if TYPE_CHECKING:
    from sim.evaluate import Evaluation
    from sim.verdicts import ReadingResult, TargetResult

__all__ = ["register", "target_report"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    run = sub.add_parser(
        "run",
        help="evaluate a scenario and check the targets",
        description="Evaluate a scenario: door-to-door and station-to-station times for every profile "
        "it names, every target judged under both readings (the headline first), and "
        "results/<scenario>/.",
    )
    run.add_argument(
        "scenario", nargs="?", default="today", help="scenario file or bundled name (default: today)"
    )
    add_network_options(run)
    run.add_argument("--out", type=Path, help="results folder (default: results/<scenario>)")
    run.add_argument("--year", type=int, help="override the scenario's year (network as built by then)")
    add_json_option(run)
    run.add_argument(
        "--gpkg", action="store_true", help="also write <scenario>.gpkg (cities, terminals, links; geo extra)"
    )
    run.add_argument(
        "--check",
        action="store_true",
        help=f"exit with status {EXIT_TARGETS_NOT_MET} when a target that is due is not met under its "
        "headline reading (results are still written; targets not yet due, or undetermined, do not "
        "count), so that a script or CI job can gate on the plans' targets",
    )
    add_force_option(run)
    run.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim run``."""
    from sim.evaluate import evaluate
    from sim.results import RUN_FILES, write_run

    scenario = scenario_from_args(args, args.scenario)
    if args.gpkg:
        require_geo_or_exit()
    log = progress(args)
    out = args.out or Path("results") / scenario.name
    safety = {
        "written_by": "sim run",
        "force": args.force,
        "protected": data_folders(scenario),
        "known": RUN_FILES,
    }
    check_output_folder(out, **safety)  # before the work, so that a refused --out costs nothing
    log(f"scenario '{scenario.name}' on {scenario.network_folder}")
    full = checked_network(args, scenario)
    result = evaluate(scenario, full, backend=args.backend, progress=log)
    started = time.perf_counter()

    def fill(tmp: Path) -> None:
        write_run(result, full, tmp, progress=log)
        if args.gpkg:
            from sim.export.gpkg import write_run_gpkg

            write_run_gpkg(result, full, tmp)

    atomic_folder(out, fill, **safety)
    log(f"tables and figures written ({time.perf_counter() - started:.1f} s)")
    if args.json:
        emit_json(result.summary())  # the summary.json document, the headline reading first
    else:
        print(target_report(result))
    written = sorted(f.name for f in Path(out).iterdir() if not f.name.startswith("."))
    info(f"wrote {out}/ ({', '.join(written)})")  # what is there: targets.png only with targets
    missed = [tr.target.id for tr in result.targets if tr.met is False and not tr.not_yet_due]
    if args.check and missed:
        info(f"--check: {len(missed)} of {len(result.targets)} targets due and not met ({', '.join(missed)})")
        return EXIT_TARGETS_NOT_MET
    return 0


def target_report(result: Evaluation) -> str:
    """Return the target table: each target's verdict under each reading, the headline first.

    Under each travel-time target, every pair that misses under some reading (or is a
    close call) is listed with its minutes and gap under each reading; ``close`` marks a
    pair within the model's measured error of the threshold.
    """
    from sim.evaluate import network_year

    names = {t.id: t.name_zh for t in result.network.terminals}  # the stations, as timetables name them
    names |= {c.id: c.name_en for c in result.network.cities}
    year = network_year(result.scenario)
    lines = [f"Targets: scenario '{result.scenario.name}'" + (f", network of {year}" if year else "")]
    lines.append(
        "readings: timetable = station to station by the fastest scheduled services; "
        "door to door = centre to centre"
    )
    error = result.model_error
    if error is not None:
        lines.append(
            f"close = within the model's measured error of the threshold (rail {error.rail_mae_min:g} min, "
            f"road {error.road_mae_min:g} min: {error.file.name}); the pass or fail stands"
        )
    else:
        lines.append("no calibration.toml in the network folder: close calls are not labelled")
    if not result.targets:
        lines.extend(["", "no targets: the scenario names no targets file"])
    for tr in result.targets:
        lines.append("")
        lines.extend(_target_lines(tr, names))
    return "\n".join(lines)


def _name(r: ReadingResult) -> str:
    """Return a reading's name in the table (its profile has a column), by its key where it has one."""
    return reading_name(r.key if r.key == MODELLED_RUN else r.reading)


def _verdict_word(met: bool | None) -> str:
    return {True: "met", False: "NOT MET", None: "UNDETERMINED"}[met]


def _target_lines(tr: TargetResult, names: dict[str, str]) -> list[str]:
    t = tr.target
    due = f"due {t.due_year}" + (": NOT YET DUE" if tr.not_yet_due else "")
    how = f" ({_name(tr.headline)})" if t.kind == "travel_time" else ""
    lines = [f"{t.id}  {_verdict_word(tr.met)}{how}  {t.title}; {due}"]
    if t.kind == "length":
        r = tr.headline
        bound = "at least " if r.lower_bound else ""
        lines.append(
            f"    {bound}{r.value or 0:,.0f} km of railway in the data, target {t.threshold_km:,.0f} km"
        )
        if tr.by_year:
            lines.append(
                "    by year: " + ", ".join(f"{y} {km:,.0f} km" for y, km in sorted(tr.by_year.items()))
            )
        if r.lower_bound and r.met is None:
            lines.append(
                "    the data does not hold every line: a lower bound short of the target proves nothing"
            )
        return lines
    if t.kind == "coverage":
        r = tr.headline
        unit = "ports" if t.service == "port_rail" else "cities"
        lines.append(f"    {r.n_passed}/{len(r.checks)} {unit}: {t.reading()}")
        if t.service == "port_rail":
            items = [f"{names[c.origin]} ({c.detail})" for c in r.checks]
            label = "nearest freight-rail station: "
        else:
            items = [names[c.origin] for c in r.failing]
            label = "missing: "
        if items:
            lines.extend(
                textwrap.wrap(
                    label + ", ".join(items), width=100, initial_indent="    ", subsequent_indent="      "
                )
            )
        return lines
    for n, r in enumerate(tr.readings.values()):
        closes = f", {r.n_close} close" if r.n_close else ""
        role = "  [headline]" if n == 0 else ""
        verdict = "met" if r.met else "not met"
        lines.append(
            f"    {pad(_name(r), 13)}{pad(r.profile, 10)}{pad(verdict, 8)}"
            f"{r.n_passed:>3}/{len(r.checks)} pairs within {t.threshold_min:g} min{closes}{role}"
        )
    lines.extend(_pair_lines(tr, names))
    return lines


def _cell(r: ReadingResult, index: int) -> str:
    from sim.verdicts import gap_text

    c = r.checks[index]
    if c.minutes is None or c.gap_min is None:
        return "no path"
    mark = "ok" if c.passed else "MISS"
    close = " close" if c.close else ""
    return f"{c.minutes:.0f} {mark} ({gap_text(c.gap_min)}{close})"


def _pair_lines(tr: TargetResult, names: dict[str, str]) -> list[str]:
    """One line per pair that misses under some reading (or is close), with every reading."""
    readings = list(tr.readings.values())
    heads = [_name(r) + ("" if r.profile == tr.target.profile else f" ({r.profile})") for r in readings]
    out = []
    width = max(
        [25] + [text_width(f"{names[c.origin]} – {names[c.destination]}") for c in readings[0].checks]
    )
    for k, check in enumerate(readings[0].checks):
        if all(r.checks[k].passed and not r.checks[k].close for r in readings):
            continue
        pair = f"{names[check.origin]} – {names[check.destination]}"
        cells = " · ".join(f"{h} {_cell(r, k)}" for h, r in zip(heads, readings, strict=True))
        via = f" · via {check.main_line}" if check.main_line else ""
        if check.first_terminal:
            via += f" ({names.get(check.first_terminal, check.first_terminal)} → "
            via += f"{names.get(check.last_terminal, check.last_terminal)})"
        if check.default_speed:  # the minutes rest on an assumed speed: say so
            via += f" [speed unknown, mode default: {', '.join(check.default_speed)}]"
        out.append(f"      {pad(pair, width)} {cells}{via}")
    return out

"""``sim compare``: what changes from scenario A to scenario B, and why."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from sim.cli.common import (
    add_force_option,
    add_json_option,
    add_network_options,
    checked_network,
    data_folders,
    emit_json,
    info,
    minutes_text,
    progress,
    require_geo_or_exit,
)
from sim.compare import Comparison, compare
from sim.evaluate import evaluate
from sim.network import load_network
from sim.output import atomic_folder, check_output_folder
from sim.results import write_comparison
from sim.scenario import load_scenario

__all__ = ["COMPARE_FILES", "comparison_record", "comparison_report", "register"]

# what sim compare wrote before its folders carried a marker (see sim.output.check_output_folder)
COMPARE_FILES = (
    "od_changes.csv",
    "target_changes.csv",
    "target_summary.csv",
    "city_changes.csv",
    "network_changes.csv",
    "differences.json",
    "change_*.png",
    "change_*.svg",
    "targets.png",
    "targets.svg",
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` command."""
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
    cmp_.add_argument(
        "--gpkg",
        action="store_true",
        help="also write compare-A-vs-B.gpkg (change per city, links added and removed; geo extra)",
    )
    add_network_options(cmp_)
    add_json_option(cmp_)
    add_force_option(cmp_)
    cmp_.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim compare``."""
    if args.gpkg:
        require_geo_or_exit()
    before = load_scenario(args.before, args.network)
    after = load_scenario(args.after, args.network)
    log = progress(args)
    out = args.out or Path("results") / f"compare-{before.name}-vs-{after.name}"
    safety = {
        "written_by": "sim compare",
        "force": args.force,
        "protected": data_folders(before, after),
        "known": COMPARE_FILES,
    }
    check_output_folder(out, **safety)
    log(f"evaluating '{before.name}' and '{after.name}'")
    networks = {}
    for s in (before, after):
        if s.network_folder not in networks:
            networks[s.network_folder] = checked_network(
                args, *(x for x in (before, after) if x.network_folder == s.network_folder)
            )
    ev_a = evaluate(before, networks[before.network_folder], backend=args.backend, progress=log)
    ev_b = evaluate(after, networks[after.network_folder], backend=args.backend, progress=log)
    comparison = compare(ev_a, ev_b)

    def fill(tmp: Path) -> None:
        write_comparison(comparison, tmp)
        if args.gpkg:
            from sim.export.gpkg import write_comparison_gpkg

            write_comparison_gpkg(comparison, tmp, f"compare-{before.name}-vs-{after.name}")

    atomic_folder(out, fill, **safety)
    if args.json:
        emit_json(comparison_record(comparison, out))
    else:
        print(comparison_report(comparison))
    info(f"wrote {out}/")
    return 0


def comparison_report(comparison: Comparison) -> str:
    """Return the printed summary of a comparison: differences, verdicts, largest gains."""
    a, b = comparison.before.scenario.name, comparison.after.scenario.name
    names = {c.id: c.name_en for c in comparison.after.network.cities}
    diff = comparison.differences()
    lines = [f"{a} -> {b}", ""]
    lines.append(f"year: {diff['year']['before']} -> {diff['year']['after']}")
    from sim.naming import project_name

    for key, side in (("projects_added", comparison.after), ("projects_removed", comparison.before)):
        if diff[key]:
            full = load_network(side.scenario.network_folder)
            named = ", ".join(project_name(full, p) for p in diff[key])
            lines.append(f"{key.replace('_', ' ')}: {named}")
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
                    f"  {kind}: {r['target']}: {pair} "
                    f"({minutes_text(r['before_min'])} -> {minutes_text(r['after_min'])})"
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


def comparison_record(comparison: Comparison, folder: Path | None = None) -> dict[str, Any]:
    """Return what ``sim compare --json`` prints.

    Each target says how it is read; each pair or city checked carries, before and
    after, the minutes of the reading the verdict uses (``minutes``), the on-board
    (station-to-station) minutes of the same trip (``on_board_min``), pass or fail and
    the gap. City pairs are listed where their time changed; the full matrix is in the
    results folder (``od_changes.csv``).
    """
    before, after = comparison.before, comparison.after
    targets_after = {tr.target.id: tr for tr in after.targets}
    targets = []
    for tr in before.targets:
        other = targets_after.get(tr.target.id)
        t = tr.target
        targets.append(
            {
                "id": t.id,
                "title": t.title,
                "kind": t.kind,
                "reading": t.reading(),
                "measure": t.measure if t.kind == "travel_time" else None,
                "threshold_min": t.threshold_min,
                "checked": len(tr.checks),
                "passed_before": tr.n_passed,
                "passed_after": other.n_passed if other else None,
                "met_before": tr.met,
                "met_after": other.met if other else None,
            }
        )
    keys = ["target", "origin", "destination"]
    fields = ["minutes", "on_board_min", "passed", "gap_min", "main_line"]
    merged = (
        before.targets_table()
        .merge(after.targets_table(), on=keys, how="outer", suffixes=("_before", "_after"))
        .merge(comparison.target_changes()[[*keys, "change"]], on=keys, how="left")
    )
    checks = [
        {
            "target": row["target"],
            "origin": row["origin"],
            "destination": row["destination"] or None,
            "change": row["change"],
            "before": {f: row[f"{f}_before"] for f in fields},
            "after": {f: row[f"{f}_after"] for f in fields},
        }
        for row in merged.to_dict(orient="records")
    ]
    od = comparison.od_changes()
    moved = od["delta_min"].fillna(1).ne(0) | od["before_min"].isna().ne(od["after_min"].isna())
    return {
        "before": before.scenario.name,
        "after": after.scenario.name,
        "results": folder,
        "differences": comparison.differences(),
        "targets": targets,
        "target_checks": checks,
        "network": comparison.network_changes().to_dict(orient="records"),
        "cities": comparison.city_changes().to_dict(orient="records"),
        "od_changed": od[moved].to_dict(orient="records"),
        "od_unchanged": int((~moved).sum()),
    }

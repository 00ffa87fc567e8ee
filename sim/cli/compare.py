"""``sim compare``: what changes from scenario A to scenario B, and why."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from sim.naming import project_name
from sim.network import Network, load_network
from sim.output import atomic_folder, check_output_folder
from sim.scenario import load_scenario
from sim.targets import reading_name

if TYPE_CHECKING:
    from sim.compare import Comparison

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
    from sim.compare import compare
    from sim.evaluate import evaluate
    from sim.results import write_comparison

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
    import numpy as np

    a, b = comparison.before.scenario.name, comparison.after.scenario.name
    names = {c.id: c.name_en for c in comparison.after.network.cities}
    diff = comparison.differences()
    lines = [f"{a} -> {b}", ""]
    lines.append(f"year: {diff['year']['before']} -> {diff['year']['after']}")
    full = {
        side: load_network(getattr(comparison, side).scenario.network_folder) for side in ("before", "after")
    }
    for key, side in (("projects_added", "after"), ("projects_removed", "before")):
        if diff[key]:
            named = ", ".join(project_name(full[side], p) for p in diff[key])
            lines.append(f"{key.replace('_', ' ')}: {named}")
    lines.append(f"links added: {len(diff['links_added'])}, removed: {len(diff['links_removed'])}")
    if diff["parameters_changed"]:
        lines.append(f"parameters changed: {', '.join(diff['parameters_changed'])}")
    projects = _ProjectNames(full["after"])
    lines += _verdict_lines(comparison, names, projects)
    lines += _faster_lines(comparison, names, projects)
    cities = comparison.city_changes()
    first = cities["profile"].iloc[0]
    rail = cities[cities["profile"] == first]
    newly = rail[~np.isfinite(rail["weighted_avg_min_before"]) & np.isfinite(rail["weighted_avg_min_after"])]
    if len(newly):
        lines += ["", f"newly connected ({first}): {', '.join(names[c] for c in newly['city'])}"]
    rail = rail[np.isfinite(rail["weighted_avg_min_delta"])].sort_values("weighted_avg_min_delta")
    lines += ["", f"largest gains in weighted average time ({first}, door to door; other cities it reaches):"]
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


class _ProjectNames:
    """Names for the ``" + "``-joined project ids of the tables (``昌九高铁 + 沿江高铁 合武段``)."""

    def __init__(self, full: Network) -> None:
        self.full = full

    def __call__(self, ids: str) -> str:
        return " + ".join(project_name(self.full, p) for p in ids.split(" + ")) if ids else ""


def _verdict_lines(comparison: Comparison, names: dict[str, str], projects: _ProjectNames) -> list[str]:
    """Each target under each reading (the headline first): passing before and after."""
    a, b = comparison.before.scenario.name, comparison.after.scenario.name
    summary = comparison.target_summary()
    lines = ["", f"targets (headline reading first; pairs or cities passing): {a} -> {b}"]
    if summary.empty:
        lines.append("  none: neither scenario names a targets file")
    word = {True: "met", False: "not met", None: "undetermined"}
    for target, group in summary.groupby("target", sort=False):
        due = "  (not yet due)" if bool(group["not_yet_due"].iloc[0]) else ""
        lines.append(f"  {target}{due}")
        for _, r in group.iterrows():
            role = "headline" if r["headline"] else "beside"
            if r["kind"] == "length":
                before, after = f"{r['value'] or 0:,.0f} km", f"{r.get('value_after') or 0:,.0f} km"
            else:
                before, after = f"{r['passed']}/{r['checked']}", f"{r['passed_after']:.0f}/{r['checked']}"
            closes = f", {r['close_after']:.0f} close" if r.get("close_after") else ""
            lines.append(
                f"    {role:<9}{reading_name(r['reading']):<24}{before:>9} -> {after:<9} "
                f"{word[r['met']]} -> {word[r['met_after']]}{closes}"
            )
    changes = comparison.target_changes()
    faster = changes[changes["headline"].eq(True) & changes["destination"].fillna("").ne("")]
    faster = faster[
        faster["after_min"].notna()
        & (faster["before_min"].isna() | (faster["after_min"] < faster["before_min"] - 0.05))
    ]
    if len(faster):
        lines.append(
            "  target pairs faster under the headline reading, and the projects their new trips use:"
        )
    for _, r in faster.iterrows():
        pair = f"{names[r['origin']]} – {names[r['destination']]}"
        why = projects(r["projects"]) or "no new link used"
        times = f"{minutes_text(r['before_min'])} -> {minutes_text(r['after_min'])}"
        if round(r["before_min"]) == round(r["after_min"]):
            times = f"{r['before_min']:.1f} min -> {r['after_min']:.1f} min"
        lines.append(f"    {r['target']}: {pair} {times}: {why}")
    for kind in ("newly met", "newly missed"):
        rows = changes[changes["change"] == kind]
        for _, r in rows.iterrows():
            how = reading_name(r["reading"])
            if isinstance(r["destination"], str) and r["destination"]:
                pair = f"{names[r['origin']]} – {names[r['destination']]}"
                lines.append(
                    f"  {kind}: {r['target']} ({how}): {pair} "
                    f"({minutes_text(r['before_min'])} -> {minutes_text(r['after_min'])})"
                )
            elif isinstance(r["origin"], str) and r["origin"]:
                lines.append(f"  {kind}: {r['target']}: {names[r['origin']]}")
    return lines


def _faster_lines(
    comparison: Comparison, names: dict[str, str], projects: _ProjectNames, top: int = 10
) -> list[str]:
    """Return the pairs that gain most, per reading, on the first profile, and the projects used."""
    od = comparison.od_changes()
    if od.empty:
        return []
    profile = comparison.profiles[0]
    lines = []
    for reading in ("timetable", "door_to_door"):
        rows = od[(od["profile"] == profile) & (od["reading"] == reading)]
        rows = rows[rows["origin"] < rows["destination"]]
        gained = rows[rows["delta_min"].notna() & (rows["delta_min"] < -0.05)]
        newly = rows[rows["before_min"].isna() & rows["after_min"].notna()]
        if gained.empty and newly.empty:
            continue
        lines += [
            "",
            f"pairs faster, {reading_name(reading)} ({profile}), largest gains, and the projects used:",
        ]
        for _, r in gained.sort_values(["delta_min", "origin", "destination"]).head(top).iterrows():
            why = projects(r["projects"]) or "no new link used (a parameter, speed or through service)"
            lines.append(
                f"  {names[r['origin']] + ' – ' + names[r['destination']]:<28} {r['before_min']:>6.0f} -> "
                f"{r['after_min']:>4.0f} min ({r['delta_min']:+.0f}): {why}"
            )
        if len(gained) > top:
            lines.append(f"  ... {len(gained) - top} more in od_changes.csv")
        if len(newly):
            lines.append(f"  newly joined: {len(newly)} pairs (od_changes.csv)")
    return lines


def comparison_record(comparison: Comparison, folder: Path | None = None) -> dict[str, Any]:
    """Return what ``sim compare --json`` prints.

    ``targets``: each target's verdict before and after (``sim.verdicts.TargetResult.as_dict``
    of both scenarios: the headline reading named, every reading with its pairs met,
    close calls and failing pairs). ``target_checks``: every pair (or city) checked, per
    reading, before and after, with the change and the projects a faster pair's new
    itinerary uses. City pairs are listed where their time changed, under both readings;
    the full matrix is in the results folder (``od_changes.csv``).
    """
    before, after = comparison.before, comparison.after
    after_targets = {tr.target.id: tr for tr in after.targets}
    targets = [
        {
            "id": tr.target.id,
            "before": tr.as_dict(),
            "after": after_targets[tr.target.id].as_dict() if tr.target.id in after_targets else None,
        }
        for tr in before.targets
    ]
    checks = comparison.target_changes().to_dict(orient="records")
    od = comparison.od_changes()
    both = od["before_min"].notna() & od["after_min"].notna()
    moved = (both & od["delta_min"].ne(0)) | od["before_min"].isna().ne(od["after_min"].isna())
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

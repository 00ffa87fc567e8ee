"""One self-contained HTML report of a scenario, or of a comparison of two.

Everything is inline (pictures as base64 PNG, styles in the page), so the file opens in
any browser with no network and can be mailed as it is.
"""

from __future__ import annotations

import base64
import html
import io

import pandas as pd
from matplotlib.figure import Figure

from sim.accessibility import city_indicators, network_indicators
from sim.compare import Comparison
from sim.evaluate import Evaluation
from sim.naming import place_name, project_name
from sim.network import Network
from sim.results import change_maps, network_map, rail_od_heatmap, target_counts
from sim.targets import reading_name
from sim.verdicts import TargetResult, gap_text

__all__ = ["render_report"]

_STYLE = """
body { font-family: -apple-system, "Segoe UI", "Noto Sans CJK SC", "Microsoft YaHei", SimCJK, sans-serif;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .88em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.met { color: #1a7f37; font-weight: 600; } .missed { color: #c62828; font-weight: 600; }
.undetermined { color: #1f5f99; font-weight: 600; }
img { max-width: 100%; border: 1px solid #eee; margin: .5em 0; }
.wide { max-width: 100%; overflow-x: auto; } .wide table { font-size: .8em; }
th { position: sticky; top: 0; }
.note { color: #666; font-size: .9em; } code { background: #f4f4f4; padding: 0 .2em; }
"""


def _img(fig: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _number(v: float) -> str:
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.1f}"
    return f"{v:.3f}"


# Column (and indicator) names as a reader of the report sees them; ids stay in the CSVs.
HEADERS = {
    "city": "city",
    "profile": "profile",
    "weighted_avg_min": "weighted average time (min)",
    "potential_exp": "potential, exponential decay",
    "potential_power": "potential, power decay",
    "pop_within_60": "population within 60 min",
    "pop_within_120": "population within 120 min",
    "pop_within_180": "population within 180 min",
    "pop_unreachable": "population not reached",
    "cities": "cities",
    "share_pairs_within_120": "share of city pairs within 2 h",
    "mean_weighted_avg_min": "mean weighted average time (min)",
    "mean_potential_exp": "mean potential (exp.)",
    "cv_potential_exp": "CV of potential (exp.)",
    "gini_potential_exp": "Gini of potential (exp.)",
    "cv_weighted_avg": "CV of weighted average time",
    "gini_weighted_avg": "Gini of weighted average time",
    "cities_reaching_none": "cities reaching no other",
    "pairs_unreachable": "pairs with no path",
    "target": "target",
    "checked": "pairs or cities checked",
    "passed_before": "passing before",
    "passed_after": "passing after",
    "met_before": "met before",
    "met_after": "met after",
    "indicator": "indicator",
    "before": "before",
    "after": "after",
    "delta": "change",
    "origin": "from",
    "destination": "to",
    "before_min": "before (min)",
    "after_min": "after (min)",
    "change": "change",
    "after_main_line": "main line after",
}
_PLACE_COLUMNS = ("city", "origin", "destination")


def _table(frame: pd.DataFrame, network: Network | None = None) -> str:
    """Return an HTML table a person reads: names for ids, labelled columns, yes/no, scrolling."""
    shown = frame.copy()
    if network is not None:
        names = {c.id: c.name_zh for c in network.cities}
        for col in _PLACE_COLUMNS:
            if col in shown:
                shown[col] = shown[col].map(lambda v: names.get(v, v) if isinstance(v, str) else v)
    if "indicator" in shown:
        shown["indicator"] = shown["indicator"].map(lambda v: HEADERS.get(v, v))
    for col in shown.columns:
        values = shown[col].dropna()
        if shown[col].dtype == bool or (len(values) and all(isinstance(v, bool) for v in values)):
            shown[col] = shown[col].map(lambda v: v if not isinstance(v, bool) else ("yes" if v else "no"))
    shown.columns = [HEADERS.get(c, c.replace("_", " ")) for c in shown.columns]
    body = shown.to_html(index=False, border=0, na_rep="–", float_format=_number)
    return f'<div class="wide">{body}</div>'


def _embedded_font(text: str) -> str:
    """Return an @font-face rule with the shipped CJK font cut to the characters of ``text``.

    Browsers without a Chinese font would show boxes; a subset of a few hundred glyphs
    adds only tens of kilobytes to the page.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from sim.typography import CJK_FONT

    wanted = "".join(sorted({ch for ch in text if ord(ch) > 0x2000}))
    if not wanted:
        return ""
    font = TTFont(str(CJK_FONT), recalcTimestamp=False)  # the same page for the same inputs
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(text=wanted)
    subsetter.subset(font)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"@font-face {{ font-family: 'SimCJK'; src: url(data:font/woff;base64,{data}) format('woff'); }}"


def _verdict_html(met: bool | None) -> str:
    if met is None:
        return '<span class="undetermined">undetermined</span>'
    return '<span class="met">met</span>' if met else '<span class="missed">not met</span>'


def _targets_section(result: Evaluation) -> str:
    names = {c.id: f"{c.name_zh} {c.name_en}" for c in result.network.cities}
    error = result.model_error
    out = [
        "<p class='note'>Every travel-time target is judged under two readings, the headline first: "
        "<b>timetable</b> (station to station by the fastest scheduled services, first boarding to last "
        "alighting, transfers included, on the path that minimises that time) and <b>door to door</b> "
        "(centre to centre: access, processing, waits, in-vehicle, transfers, egress). "
        + (
            f"<i>close</i> marks a pair within the model's measured error of the threshold (rail "
            f"{error.rail_mae_min:g} min, road {error.road_mae_min:g} min, <code>sim calibrate</code>); "
            "the pass or fail stands.</p>"
            if error is not None
            else "No calibration file: close calls are not labelled.</p>"
        ),
        "<table><tr><th>target</th><th>reading</th><th>verdict</th><th>passing</th><th>close</th>"
        "<th>due</th><th>why this headline</th><th>source</th></tr>",
    ]
    for tr in result.targets:
        t = tr.target
        due = f"{t.due_year}" + (" <b>(not yet due)</b>" if tr.not_yet_due else "")
        for n, (key, r) in enumerate(tr.readings.items()):
            first = n == 0
            if t.kind == "length":
                passing = f"{'≥ ' if r.lower_bound else ''}{r.value or 0:,.0f} of {t.threshold_km:,.0f} km"
            else:
                passing = f"{r.n_passed}/{len(r.checks)}"
            role = " (headline)" if first and len(tr.readings) > 1 else ""
            cells = [
                f"<b>{html.escape(t.id)}</b><br><span class='note'>{html.escape(t.title)}</span>"
                if first
                else "",
                html.escape(reading_name(key) + (f", {r.profile}" if r.profile else "") + role),
                _verdict_html(r.met),
                passing,
                str(r.n_close) if r.n_close else "",
                due if first else "",
                html.escape(t.headline_reason) if first else "",
                html.escape(t.source) if first else "",
            ]
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    out.append("<h3>Pairs that miss under a reading, and the itineraries behind them</h3>")
    for tr in result.targets:
        t = tr.target
        if t.kind == "length":
            if tr.by_year:
                series = ", ".join(f"{y}: {km:,.0f} km" for y, km in sorted(tr.by_year.items()))
                out.append(
                    f"<h4>{html.escape(t.id)}: {html.escape(t.title)}</h4><p>By year: {series}. "
                    f"{html.escape(t.note)}</p>"
                )
            continue
        failing_any = any(r.failing for r in tr.readings.values())
        if not failing_any:
            continue
        out.append(f"<h4>{html.escape(t.id)}: {html.escape(t.title)}</h4>")
        if t.kind == "coverage":
            failing = tr.headline.failing
            out.append(
                "<p>Not served: "
                + html.escape(", ".join(f"{names[c.origin]} ({c.detail})" for c in failing))
                + "</p>"
            )
            continue
        out.append(_pair_table(tr, result, names))
    return "\n".join(out)


def _pair_table(tr: TargetResult, result: Evaluation, names: dict[str, str]) -> str:
    """Each pair that misses under some reading: minutes, gap and close flag per reading."""
    readings = list(tr.readings.items())
    head = "".join(f"<th>{html.escape(reading_name(k))}</th>" for k, _ in readings)
    rows = [f"<table><tr><th>pair</th>{head}<th>headline itinerary</th></tr>"]
    first = readings[0][1]
    for k, check in enumerate(first.checks):
        if all(r.checks[k].passed for _, r in readings):
            continue
        cells = []
        for _, r in readings:
            c = r.checks[k]
            if c.minutes is None or c.gap_min is None:
                cells.append("no path")
                continue
            mark = "ok" if c.passed else "miss"
            close = ", close" if c.close else ""
            cells.append(f"{c.minutes:.0f} min {mark} ({gap_text(c.gap_min)}{close})")
        res = result.results[first.profile]
        ids = res.graph.city_ids
        i, j = ids.index(check.origin), ids.index(check.destination)
        legs_of = res.timetable_legs if first.reading == "timetable" else res.legs
        minutes_of = res.timetable_minutes if first.reading == "timetable" else res.minutes
        if minutes_of[j, i] > minutes_of[i, j]:
            i, j = j, i
        legs = "; ".join(
            f"{leg.kind} {leg.line or ''} {place_name(result.network, leg.from_id)}→"
            f"{place_name(result.network, leg.to_id)} {leg.minutes:.0f} min".replace("  ", " ")
            for leg in legs_of[i][j]
        )
        pair = f"{names[check.origin]} – {names[check.destination]}"
        rows.append(
            f"<tr><td>{html.escape(pair)}</td>"
            + "".join(f"<td>{c}</td>" for c in cells)
            + f"<td class='note'>{html.escape(legs)}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _scenario_section(result: Evaluation, full: Network) -> str:
    from sim import figures

    s = result.scenario
    built = f"as built by the end of {s.year}" if s.year else "open today"
    parts = [
        f"<h2>Scenario <code>{html.escape(s.name)}</code></h2>",
        f"<p>{html.escape(' '.join(s.description.split()))}</p>",
        f"<p class='note'>Network {built}: {len(result.network.cities)} cities, "
        f"{len(result.network.terminals)} terminals, {len(result.network.links)} links.</p>",
        "<h3>Targets</h3>",
        _targets_section(result),
        _img(figures.plot_targets(target_counts(result), f"{s.name}: targets met"), "targets met"),
        "<h3>Network-wide indicators</h3>",
        _table(network_indicators(result), result.network),
    ]
    parts.append(_img(network_map(result, full), "network map"))
    heatmap = rail_od_heatmap(result)
    if heatmap is not None:
        parts.append(_img(heatmap, "OD matrix"))
    table = city_indicators(result)
    parts += [
        "<h3>Indicators per city</h3>",
        "<p class='note'>Weighted average time (Gutiérrez 2001), potential accessibility "
        "(Hansen 1959; exponential decay, half-weight at 60 min), population reachable within "
        "60/120/180 minutes.</p>",
        _table(table, result.network),
    ]
    return "\n".join(parts)


def _summary_columns(summary: pd.DataFrame) -> pd.DataFrame:
    """Return the columns of a target summary a reader needs, the reading named in words."""
    keep = [
        "target",
        "reading",
        "headline",
        "checked",
        "passed",
        "passed_after",
        "close_after",
        "met",
        "met_after",
    ]
    out = summary[[c for c in keep if c in summary]].copy()
    out["reading"] = out["reading"].map(reading_name)
    return out


def _comparison_section(comparison: Comparison, full: Network) -> str:
    from sim import figures

    a, b = comparison.before.scenario.name, comparison.after.scenario.name
    diff = comparison.differences()
    changes = comparison.target_changes()
    moved = changes[changes["change"].isin(["newly met", "newly missed"])]
    parts = [
        f"<h2>Comparison <code>{html.escape(a)}</code> → <code>{html.escape(b)}</code></h2>",
        "<p>Projects added: "
        + html.escape(", ".join(project_name(full, p) for p in diff["projects_added"]) or "none")
        + ". Projects removed: "
        + html.escape(", ".join(project_name(full, p) for p in diff["projects_removed"]) or "none")
        + f". Links added: {len(diff['links_added'])}, removed: {len(diff['links_removed'])}.</p>",
        _table(_summary_columns(comparison.target_summary()), comparison.after.network),
        _img(
            figures.plot_targets(comparison.target_summary(), f"targets met: {a} (light) → {b} (dark)"),
            "targets before and after",
        ),
        "<h3>Pairs and cities that newly meet or miss a target</h3>",
        _table(moved, comparison.after.network) if len(moved) else "<p>None.</p>",
        "<h3>Network-wide change</h3>",
        _table(comparison.network_changes(), comparison.after.network),
    ]
    for profile, fig in change_maps(comparison).items():
        parts.append(_img(fig, f"change map {profile}"))
    return "\n".join(parts)


def render_report(
    before: Evaluation, full: Network, after: Evaluation | None = None, full_after: Network | None = None
) -> str:
    """Return the HTML text of the report of ``before`` (and of ``after`` and the comparison)."""
    from sim.compare import compare

    title = before.scenario.name if after is None else f"{before.scenario.name} → {after.scenario.name}"
    body = [
        f"<h1>sim report: {html.escape(title)}</h1>",
        "<p class='note'>Travel times station to station (as timetables quote them) and door to door "
        "(access, processing, wait, in-vehicle, transfers, egress) on the multimodal network of the Middle "
        "Yangtze River urban agglomeration, and the targets of its plans. Generated by "
        "<code>sim report</code>.</p>",
    ]
    if after is not None:
        body.append(_comparison_section(compare(before, after), full_after or full))
    body.append(_scenario_section(before, full))
    if after is not None:
        body.append(_scenario_section(after, full_after or full))
    text = "\n".join(body)
    style = _embedded_font(text + title) + _STYLE
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        '<meta name="generator" content="sim">'
        f"<title>sim report: {html.escape(title)}</title><style>{style}</style></head><body>\n"
        + text
        + "\n</body></html>\n"
    )

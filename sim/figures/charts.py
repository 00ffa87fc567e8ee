"""Charts: observed against modelled times, OD matrices, target verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.figures.style import with_fonts
from sim.network import City

__all__ = [
    "od_order",
    "plot_build_order",
    "plot_calibration",
    "plot_od_heatmap",
    "plot_project_values",
    "plot_targets",
]


@with_fonts
def plot_calibration(table: pd.DataFrame, names: dict[str, str] | None = None) -> Figure:
    """Observed against modelled minutes, one panel per profile, with the 1:1 line and ±10 %.

    Parameters
    ----------
    table
        From :func:`sim.calibration.calibrate`; with the columns of
        :func:`sim.calibration.out_of_sample`, the out-of-sample predictions are drawn too.
    names
        ``city id -> name`` for the labels of the worst pairs (ids where missing).
    """
    names = names or {}
    profiles = sorted(table["profile"].unique())
    fig = Figure(figsize=(6 * max(len(profiles), 1), 5.6), dpi=110)
    axes = fig.subplots(1, max(len(profiles), 1), squeeze=False)[0]
    for ax, profile in zip(axes, profiles, strict=False):
        group = table[table["profile"] == profile].dropna(subset=["modelled_min"])
        top = float(max(group["observed_min"].max(), group["modelled_min"].max())) * 1.08
        xs = [0, top]
        ax.fill_between(xs, [0, top * 0.9], [0, top * 1.1], color="#dddddd", label="±10 %")
        ax.plot(xs, xs, color="#555555", lw=1, label="modelled = observed")
        counted = group["counted_error_min"].abs() > 0
        ax.errorbar(
            group["observed_min"],
            group["modelled_min"],
            xerr=group["tolerance_min"],
            fmt="none",
            ecolor="#999999",
            elinewidth=0.8,
            zorder=2,
        )
        ax.scatter(
            group.loc[~counted, "observed_min"],
            group.loc[~counted, "modelled_min"],
            s=22,
            color="#1f77b4",
            zorder=3,
            label="within tolerance",
        )
        ax.scatter(
            group.loc[counted, "observed_min"],
            group.loc[counted, "modelled_min"],
            s=22,
            color="#d62728",
            zorder=3,
            label="error beyond tolerance",
        )
        if "modelled_cv_min" in group:
            ax.scatter(
                group["observed_min"],
                group["modelled_cv_min"],
                s=34,
                facecolors="none",
                edgecolors="#333333",
                linewidths=0.7,
                zorder=4,
                label="out of sample (its pair held out of the fit)",
            )
        worst = group.reindex(group["counted_error_pct"].abs().sort_values(ascending=False).index).head(5)
        for _, row in worst.iterrows():
            if abs(row["counted_error_pct"]) > 0:
                a, b = row["origin"], row["destination"]
                ax.annotate(
                    f"{names.get(a, a)}–{names.get(b, b)}",
                    (row["observed_min"], row["modelled_min"]),
                    xytext=(4, -10),
                    textcoords="offset points",
                    fontsize=7,
                    color="#d62728",
                )
        measure = "station to station, fastest train" if profile == "rail" else "door to door, driving"
        title = f"{profile}: {len(group)} observations ({measure})"
        if "error_cv_pct" in group:
            mape = group["error_pct"].abs().mean()
            mape_cv = group["error_cv_pct"].abs().mean()
            title += f"\nMAPE {mape:.1f} % in sample, {mape_cv:.1f} % out of sample"
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("observed minutes")
        ax.set_ylabel("modelled minutes")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_aspect("equal")
        ax.grid(color="#eeeeee", lw=0.5)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


PROVINCE_ORDER = ("hubei", "hunan", "jiangxi")
LABELS = {
    "weighted_avg_min": "population-weighted average\ndoor-to-door time (min)",
    "pairs_within_120": "ordered city pairs within 2 hours",
}
GAIN_LABELS = {
    "weighted_avg_min": "minutes saved on the population-weighted average door-to-door time",
    "pairs_within_120": "city pairs brought within 2 hours",
}


def od_order(cities: list[City]) -> list[City]:
    """Return cities ordered for an OD matrix: by province, metropolitan area first, then population."""

    def key(c: City) -> tuple[bool, int, bool, int, str]:
        province = PROVINCE_ORDER.index(c.province) if c.province in PROVINCE_ORDER else len(PROVINCE_ORDER)
        return (c.plan_status != "in-plan", province, c.metro_area is None, -(c.population or 0), c.id)

    return sorted(cities, key=key)


@with_fonts
def plot_od_heatmap(
    cities: list[City], minutes: np.ndarray, title: str, threshold: float = 120.0, cap: float = 360.0
) -> Figure:
    """Door-to-door minutes between every pair of cities, with the ``threshold`` line drawn.

    Parameters
    ----------
    cities
        City records in matrix order (see :func:`od_order`).
    minutes
        ``(n, n)`` minutes in the same order (``inf`` unreachable).
    title
        Figure title.
    threshold
        The contour drawn on the matrix (default: the plans' 2 hours).
    cap
        Colours saturate above this many minutes.
    """
    n = len(cities)
    fig = Figure(figsize=(11, 10), dpi=110)
    ax = fig.add_subplot()
    shown = np.where(np.isfinite(minutes), np.minimum(minutes, cap), cap)
    np.fill_diagonal(shown, np.nan)
    image = ax.imshow(shown, cmap="viridis_r", vmin=0, vmax=cap, interpolation="nearest")
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    within = np.argwhere(np.isfinite(minutes) & (minutes <= threshold) & ~np.eye(n, dtype=bool))
    boxes = [Rectangle((j - 0.5, i - 0.5), 1, 1) for i, j in within]
    ax.add_collection(PatchCollection(boxes, facecolor="none", edgecolor="#d62728", linewidth=1.0))
    names = [c.name_zh for c in cities]
    ax.set_xticks(range(n), names, rotation=90, fontsize=7)
    ax.set_yticks(range(n), names, fontsize=7)
    ax.set_xlabel("destination")
    ax.set_ylabel("origin")
    groups = [(c.plan_status != "in-plan", c.province) for c in cities]
    starts = [0] + [k for k in range(1, n) if groups[k] != groups[k - 1]]
    for k in starts[1:]:
        wide = groups[k][0] != groups[k - 1][0]  # from the plan's cities to the others
        ax.axhline(k - 0.5, color="white", lw=4 if wide else 2)
        ax.axvline(k - 0.5, color="white", lw=4 if wide else 2)
    ticks, names = [], []
    for k, end in zip(starts, [*starts[1:], n], strict=True):
        if not groups[k][0]:
            ticks.append((k + end - 1) / 2)
            names.append(_group_label(groups[k][1]))
    others = [k for k in range(n) if groups[k][0]]
    if others:
        ticks.append((others[0] + others[-1]) / 2)
        names.append("other cities, by province")
    top = ax.secondary_xaxis("top")
    top.set_xticks(ticks, names, fontsize=8)
    top.tick_params(length=0)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.set_label(f"door-to-door minutes (≥ {cap:.0f} shown as {cap:.0f})")
    ax.set_title(
        f"{title}\nred outline: within {threshold:.0f} min; white lines separate the groups named above",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def _group_label(province: str) -> str:
    """Name a province group of the OD matrix (``湖北 Hubei``)."""
    from sim.geo.basemap import provinces

    known = provinces()
    zh, en = known[province][:2] if province in known else (province, province.title())
    return f"{zh} {en}"


_MET = {"met": ("#2ca02c", "#a6dba0"), "partly": ("#f28e2b", "#ffd3a6"), "none": ("#d9d9d9", "#eeeeee")}
_UNDETERMINED = ("#6baed6", "#c6dbef")
_FAIL = "#d9d9d9"


def _bar(ax: Axes, y: float, row: pd.Series, suffix: str, height: float, light: bool) -> str:
    """Draw one reading's bar at ``y``; return the text to print beside it."""
    if row.get("kind") == "length":
        value, threshold = float(row.get(f"value{suffix}") or 0.0), float(row["threshold"] or 1.0)
        share = min(value / threshold, 1.0)
        met = row.get(f"met{suffix}")
        colour = _MET["met"] if met is True else (_UNDETERMINED if met is None else _MET["partly"])
        ax.barh(y, share, height=height, color=colour[1 if light else 0])
        ax.barh(y, 1 - share, left=share, height=height, color=_FAIL)
        bound = "≥ " if row.get("lower_bound") else ""
        word = {True: "met", False: "not met", None: "undetermined"}[met]
        return f"{bound}{value:,.0f} of {threshold:,.0f} km: {word}"
    checked = float(row["checked"]) or 1.0
    passed = float(row[f"passed{suffix}"])
    close = float(row.get(f"close{suffix}", 0) or 0)
    close_passed = float(row.get(f"close_passed{suffix}", 0) or 0)
    close_failed = close - close_passed
    state = "met" if passed == checked else ("partly" if passed > 0 else "none")
    colour = _MET[state][1 if light else 0]
    segments = [
        (passed - close_passed, colour, None),
        (close_passed, colour, "////"),
        (close_failed, _FAIL, "////"),
        (checked - passed - close_failed, _FAIL, None),
    ]
    left = 0.0
    for width, face, hatch in segments:
        if width > 0:
            ax.barh(
                y,
                width / checked,
                left=left,
                height=height,
                color=face,
                hatch=hatch,
                edgecolor="#555555" if hatch else face,
                linewidth=0,
            )
            left += width / checked
    word = {"met": "met", "partly": "partly met", "none": "none met"}[state]
    extra = f", {close:.0f} close" if close else ""
    return f"{passed:.0f}/{checked:.0f} {word}{extra}"


@with_fonts
def plot_targets(summary: pd.DataFrame, title: str) -> Figure:
    """Each target under each reading: the share of pairs (or cities) meeting it.

    Green: every pair meets the target; orange: some do (partly met); grey: the pairs
    that miss. Hatching marks close calls (within the model's measured error of the
    threshold); blue, a length whose lower bound falls short (undetermined).

    Parameters
    ----------
    summary
        One row per target and reading, the headline first (from
        :func:`sim.verdicts.reading_rows`, or
        :meth:`sim.compare.Comparison.target_summary` with ``*_after`` columns for a
        before / after comparison: before light, after dark).
    title
        Figure title.
    """
    rows = summary.reset_index(drop=True)
    if rows.empty:
        fig = Figure(figsize=(10, 1.6), dpi=110)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_title(title, fontsize=11, loc="left")
        ax.text(0.0, 0.5, "no targets: the scenario names no targets file", fontsize=10, va="center")
        return fig
    has_after = "passed_after" in rows and rows["passed_after"].notna().any()
    targets = list(dict.fromkeys(rows["target"]))
    n_rows = len(rows) + len(targets)
    per_row = 0.62 if has_after else 0.42
    fig = Figure(figsize=(10, per_row * n_rows + 1.8), dpi=110)
    ax = fig.add_subplot()
    height = 0.36 if has_after else 0.7
    y = 0.0
    ticks, tick_labels = [], []
    for target in targets:
        group = rows[rows["target"] == target]
        first = group.iloc[0]
        due = "  (not yet due)" if bool(first.get("not_yet_due", False)) else ""
        ax.text(
            0.0,
            y - 0.1,
            f"{first.get('title', target)}  [{target}]{due}",
            ha="left",
            va="center",
            fontsize=9.5,
        )
        y -= 1.0
        for _, row in group.iterrows():
            if has_after:
                before = _bar(ax, y + height / 2 + 0.02, row, "", height, light=True)
                after = _bar(ax, y - height / 2 - 0.02, row, "_after", height, light=False)
                ax.text(1.01, y + height / 2 + 0.02, f"before: {before}", va="center", fontsize=7.5)
                ax.text(1.01, y - height / 2 - 0.02, f"after: {after}", va="center", fontsize=7.5)
            else:
                ax.text(1.01, y, _bar(ax, y, row, "", height, light=False), va="center", fontsize=8)
            key = str(row["reading"])
            reading = (
                f"door to door ({key.removeprefix('door_to_door_')})"
                if key.startswith("door_to_door_")
                else key.replace("_", " ")
            )
            ticks.append(y)
            several = len(group) > 1
            tick_labels.append(f"{reading} (headline)" if several and bool(row.get("headline")) else reading)
            y -= 1.0
    ax.set_yticks(ticks, tick_labels, fontsize=8)
    ax.set_ylim(y + 0.4, 0.6)
    ax.set_xlim(0, 1.42)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25 %", "50 %", "75 %", "100 %"])
    ax.set_xlabel("share of pairs (cities, ports; km for a length) meeting the target")
    ax.set_title(title, fontsize=11, loc="left", pad=34)
    ax.spines[["top", "right"]].set_visible(False)
    from matplotlib.patches import Patch

    handles = [
        Patch(color=_MET["met"][0], label="met (all pass)"),
        Patch(color=_MET["partly"][0], label="partly met (passing share)"),
        Patch(color=_FAIL, label="missing"),
        Patch(facecolor="white", edgecolor="#555555", hatch="////", label="close call (within model error)"),
        Patch(color=_UNDETERMINED[0], label="undetermined (lower bound short)"),
    ]
    ax.legend(
        handles=handles, fontsize=7.5, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, frameon=False
    )
    fig.tight_layout()
    return fig


@with_fonts
def plot_project_values(
    values: pd.DataFrame, metric: str, title: str, names: dict[str, str] | None = None
) -> Figure:
    """Horizontal bars: each project's Shapley value (and its value alone) on ``metric``.

    Parameters
    ----------
    values
        From :func:`sim.sweep.analysis.project_values` (``project`` ids).
    metric
        The metric shown.
    title
        Figure title.
    names
        ``id -> name`` shown on the axis (see :func:`sim.naming.project_names`); ids
        without a name are shown as they are.
    """
    names = names or {}
    rows = values[values["metric"] == metric].sort_values(
        ["shapley", "project"], ascending=True, na_position="first"
    )
    fig = Figure(figsize=(9, 0.38 * len(rows) + 1.6), dpi=110)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y + 0.18, rows["shapley"].fillna(0), height=0.36, color="#1f77b4", label="Shapley value")
    ax.barh(
        y - 0.18, rows["alone"].fillna(0), height=0.36, color="#aec7e8", label="alone (added to the base)"
    )
    ax.set_yticks(y, [names.get(p, p) for p in rows["project"]], fontsize=9)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel(GAIN_LABELS.get(metric, metric.replace("_", " ")))
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


@with_fonts
def plot_build_order(
    order: pd.DataFrame,
    metric: str,
    title: str,
    names: dict[str, str] | None = None,
    left_out: dict[str, str] | None = None,
) -> Figure:
    """Cumulative ``metric`` as projects are added in the greedy order.

    Parameters
    ----------
    order
        From :func:`sim.sweep.analysis.build_order` (``add`` holds project ids).
    metric
        The metric on the vertical axis.
    title
        Figure title.
    names
        ``id -> name`` for the axis labels.
    left_out
        Projects not in the order, each with the reason (e.g. "excludes 武咸昌高铁"),
        written under the chart.
    """
    names = names or {}
    fig = Figure(figsize=(9, 5.4 if left_out else 4.8), dpi=110)
    ax = fig.add_subplot()
    x = np.arange(len(order) + 1)
    sign = -1.0 if metric == "weighted_avg_min" else 1.0
    start = order[metric].iloc[0] - sign * order["gain"].iloc[0] if len(order) else 0
    values = [start, *order[metric].tolist()]
    ax.plot(x, values, marker="o", color="#2ca02c")
    labels = ["base network", *(f"+ {names.get(p, p)}" for p in order["add"])]
    ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel(LABELS.get(metric, metric.replace("_", " ")))
    ax.set_title(title, fontsize=11)
    ax.grid(color="#eeeeee", lw=0.5)
    if left_out:
        text = "Not in the order: " + "; ".join(f"{names.get(p, p)} ({why})" for p, why in left_out.items())
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        fig.text(0.01, 0.01, text, fontsize=8, color="#444444", va="bottom", wrap=True)
    else:
        fig.tight_layout()
    return fig

"""Matplotlib figures. Functions return a Figure; saving is the caller's job."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.modes import Mode
from sim.network import Network
from sim.typography import font_family

__all__ = ["MODE_STYLE", "plot_calibration", "plot_network"]


def _with_fonts(func):
    """Draw with the font family that renders Chinese (see :mod:`sim.typography`)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context({"font.family": font_family(), "axes.unicode_minus": False}):
            return func(*args, **kwargs)

    return wrapper


MODE_STYLE: dict[Mode, tuple[str, float, int]] = {
    Mode.HSR: ("#d62728", 2.2, 5),
    Mode.INTERCITY: ("#ff7f0e", 1.6, 4),
    Mode.CONVENTIONAL: ("#7f7f7f", 1.2, 3),
    Mode.EXPRESSWAY: ("#2ca02c", 0.9, 2),
    Mode.WATERWAY: ("#1f77b4", 1.6, 1),
    Mode.AIR: ("#9467bd", 0.5, 0),
}


@_with_fonts
def plot_network(network: Network, context: Network | None = None, title: str = "") -> Figure:
    """Map of cities (sized by population) and links (coloured by mode).

    Parameters
    ----------
    network
        The network to draw (solid lines: in service in this scenario).
    context
        Optionally the full data: its links missing from ``network`` (under construction
        or planned, or dropped) are drawn dashed and thin.
    title
        Figure title.
    """
    pos: dict[str, tuple[float, float]] = {c.id: (c.lon, c.lat) for c in network.cities}
    for t in (context or network).terminals:
        if t.lat is not None and t.lon is not None:
            pos.setdefault(t.id, (t.lon, t.lat))
    fig = Figure(figsize=(11, 10), dpi=110)
    ax = fig.add_subplot()
    regional = [c for c in network.cities if c.plan_status != "external"] or list(network.cities)
    lons = [c.lon for c in regional]
    lats = [c.lat for c in regional]
    x0, x1, y0, y1 = min(lons) - 0.6, max(lons) + 0.6, min(lats) - 0.5, max(lats) + 0.5
    present = set(network.links)
    if context is not None:
        for lk in context.links:
            if lk in present or lk.mode is Mode.AIR:
                continue
            if lk.from_id in pos and lk.to_id in pos:
                color, width, z = MODE_STYLE[lk.mode]
                (xa, ya), (xb, yb) = pos[lk.from_id], pos[lk.to_id]
                ax.plot(
                    [xa, xb],
                    [ya, yb],
                    color=color,
                    lw=max(width * 0.8, 0.8),
                    ls=(0, (3, 2)),
                    alpha=0.8,
                    zorder=z,
                )
    for lk in network.links:
        if lk.from_id not in pos or lk.to_id not in pos:
            continue
        color, width, z = MODE_STYLE[lk.mode]
        (xa, ya), (xb, yb) = pos[lk.from_id], pos[lk.to_id]
        alpha = 0.2 if lk.mode is Mode.AIR else 0.9
        ax.plot([xa, xb], [ya, yb], color=color, lw=width, alpha=alpha, zorder=z, solid_capstyle="round")
    labels = []
    for c in network.cities:
        size = 12 + 90 * math.sqrt((c.population or 1_000_000) / 10_000_000)
        face = {"in-plan": "#222222", "connected": "#777777", "external": "#bbbbbb"}[c.plan_status]
        ax.scatter([c.lon], [c.lat], s=size * 3, color=face, edgecolor="white", lw=0.8, zorder=10)
        if x0 <= c.lon <= x1 and y0 <= c.lat <= y1:
            labels.append((c, 10 if c.plan_status == "in-plan" else 8))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    _place_labels(fig, ax, labels)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(color="#eeeeee", lw=0.5)
    ax.set_title(title or "Network by mode", fontsize=12)
    used = {lk.mode for lk in network.links} | ({lk.mode for lk in context.links} if context else set())
    handles = [
        Line2D([], [], color=MODE_STYLE[m][0], lw=MODE_STYLE[m][1] + 0.5, label=m.value)
        for m in Mode
        if m in used
    ]
    if context is not None and any(lk not in present and lk.mode is not Mode.AIR for lk in context.links):
        handles.append(
            Line2D(
                [],
                [],
                color="#444444",
                lw=1.2,
                ls=(0, (3, 2)),
                label="not in this scenario (construction / planned)",
            )
        )
    for status, face in (("in-plan city", "#222222"), ("connected city", "#777777")):
        handles.append(Line2D([], [], marker="o", ls="", color=face, label=status, markersize=7))
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    return fig


@_with_fonts
def plot_calibration(table: pd.DataFrame) -> Figure:
    """Observed against modelled minutes, one panel per profile, with the 1:1 line and ±10 %.

    Parameters
    ----------
    table
        From :func:`sim.calibration.calibration_table`.
    """
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
        worst = group.reindex(group["counted_error_pct"].abs().sort_values(ascending=False).index).head(5)
        for _, row in worst.iterrows():
            if abs(row["counted_error_pct"]) > 0:
                ax.annotate(
                    f"{row['origin']}–{row['destination']}",
                    (row["observed_min"], row["modelled_min"]),
                    xytext=(4, -10),
                    textcoords="offset points",
                    fontsize=7,
                    color="#d62728",
                )
        measure = "station to station, fastest train" if profile == "rail" else "door to door, driving"
        ax.set_title(f"{profile}: {len(group)} pairs ({measure})", fontsize=11)
        ax.set_xlabel("observed minutes")
        ax.set_ylabel("modelled minutes")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_aspect("equal")
        ax.grid(color="#eeeeee", lw=0.5)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


_OFFSETS = (
    (5, 4, "left"),
    (5, -11, "left"),
    (-5, 4, "right"),
    (-5, -11, "right"),
    (0, 9, "center"),
    (0, -17, "center"),
)


def _place_labels(fig: Figure, ax, labels: list) -> None:
    """Label cities, trying a few offsets so that labels do not overlap each other."""
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    taken: list[tuple[float, float, float, float]] = []
    to_points = ax.transData
    scale = fig.dpi / 72.0
    for city, size in sorted(labels, key=lambda item: -(item[0].population or 0)):
        x, y = to_points.transform((city.lon, city.lat)) / scale
        width, height = 1.0 * size * len(city.name_zh), 1.0 * size
        choice = _OFFSETS[0]
        for dx, dy, align in _OFFSETS:
            left = x + dx - (width if align == "right" else width / 2 if align == "center" else 0)
            box = (left, y + dy, left + width, y + dy + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
                choice = (dx, dy, align)
                taken.append(box)
                break
        else:
            taken.append((x, y, x + width, y + height))
        dx, dy, align = choice
        ax.annotate(
            city.name_zh,
            (city.lon, city.lat),
            path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
            xytext=(dx, dy),
            textcoords="offset points",
            ha=align,
            fontsize=size,
            zorder=11,
            color="#111111" if city.plan_status == "in-plan" else "#555555",
        )

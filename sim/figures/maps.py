"""Maps: the network, travel times from one city, and changes between two scenarios."""

from __future__ import annotations

import math

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.figures.style import MODE_STYLE, place_labels, with_fonts
from sim.modes import Mode
from sim.network import Network

__all__ = ["plot_network"]


@with_fonts
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
    place_labels(fig, ax, labels)
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

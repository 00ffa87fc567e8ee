"""Maps: the network, travel times from one city, and changes between two scenarios."""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.figures.style import MODE_STYLE, place_labels, with_fonts
from sim.modes import Mode
from sim.network import City, Network

__all__ = ["plot_change_map", "plot_failure_map", "plot_network", "plot_travel_time_map"]


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
    for n in (context or network).road_nodes:
        pos.setdefault(n.id, (n.lon, n.lat))
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


def _base_map(network: Network, title: str) -> tuple[Figure, Axes, tuple[float, float, float, float]]:
    """Axes with the region's extent and the network's rail and road links in light grey."""
    regional = [c for c in network.cities if c.plan_status != "external"] or list(network.cities)
    x0 = min(c.lon for c in regional) - 0.6
    x1 = max(c.lon for c in regional) + 0.6
    y0 = min(c.lat for c in regional) - 0.5
    y1 = max(c.lat for c in regional) + 0.5
    pos = {c.id: (c.lon, c.lat) for c in network.cities}
    pos.update({t.id: (t.lon, t.lat) for t in network.terminals if t.lat is not None and t.lon is not None})
    pos.update({n.id: (n.lon, n.lat) for n in network.road_nodes})
    fig = Figure(figsize=(10, 9.5), dpi=110)
    ax = fig.add_subplot()
    for lk in network.links:
        if lk.mode is Mode.AIR or lk.from_id not in pos or lk.to_id not in pos:
            continue
        (xa, ya), (xb, yb) = pos[lk.from_id], pos[lk.to_id]
        width = 1.4 if lk.mode.is_rail else 0.7
        ax.plot([xa, xb], [ya, yb], color="#c8c8c8", lw=width, zorder=1)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(color="#eeeeee", lw=0.5)
    ax.set_title(title, fontsize=12)
    return fig, ax, (x0, x1, y0, y1)


def _inside(city: City, box: tuple[float, float, float, float]) -> bool:
    x0, x1, y0, y1 = box
    return x0 <= city.lon <= x1 and y0 <= city.lat <= y1


@with_fonts
def plot_travel_time_map(
    network: Network,
    minutes: dict[str, float],
    origin: str,
    title: str,
    rings: tuple[int, ...] = (60, 120, 180),
) -> Figure:
    """Cities coloured by door-to-door minutes from ``origin``, with isochrone rings.

    Parameters
    ----------
    network
        The scenario's network (for positions and the grey link underlay).
    minutes
        Minutes from the origin to each city id (unreachable: ``inf`` or missing).
    origin
        City id of the origin, drawn as a star.
    title
        Figure title.
    rings
        Minutes at which isochrones are drawn (interpolated between cities).
    """
    import numpy as np
    from matplotlib import colormaps, colors
    from scipy.interpolate import griddata

    fig, ax, box = _base_map(network, title)
    cities = [c for c in network.cities if _inside(c, box) and c.id != origin]
    values = np.array([minutes.get(c.id, np.inf) for c in cities])
    finite = np.isfinite(values)
    bounds = [0, *rings, rings[-1] + 60, max(rings[-1] + 120, float(np.max(values[finite], initial=0)) + 1)]
    cmap = colormaps["viridis_r"].resampled(len(bounds) - 1)
    norm = colors.BoundaryNorm(bounds, cmap.N)
    xs = np.array([c.lon for c in cities])
    ys = np.array([c.lat for c in cities])
    sizes = np.array([30 + 120 * math.sqrt((c.population or 1e6) / 1e7) for c in cities])
    here = network.city_by_id[origin]
    if finite.sum() >= 3:
        grid_x, grid_y = np.meshgrid(np.linspace(*box[:2], 200), np.linspace(*box[2:], 200))
        known_x, known_y = np.append(xs[finite], here.lon), np.append(ys[finite], here.lat)
        surface = griddata((known_x, known_y), np.append(values[finite], 0.0), (grid_x, grid_y), "linear")
        lines = ax.contour(
            grid_x,
            grid_y,
            surface,
            levels=list(rings),
            colors="#444444",
            linewidths=0.9,
            linestyles="--",
            zorder=3,
        )
        ax.clabel(lines, fmt=lambda v: f"{v:.0f} min", fontsize=8)
    points = ax.scatter(
        xs[finite],
        ys[finite],
        c=values[finite],
        cmap=cmap,
        norm=norm,
        s=sizes[finite],
        edgecolor="white",
        lw=0.8,
        zorder=5,
    )
    if (~finite).any():
        ax.scatter(xs[~finite], ys[~finite], color="#bbbbbb", marker="x", s=30, zorder=5)
    ax.scatter([here.lon], [here.lat], marker="*", s=420, color="#d62728", edgecolor="white", zorder=6)
    place_labels(fig, ax, [(c, 9) for c in [*cities, here]])
    bar = fig.colorbar(points, ax=ax, shrink=0.7, pad=0.02, ticks=bounds[:-1])
    bar.set_label(f"door-to-door minutes from {here.name_zh} {here.name_en}")
    ax.text(
        0.01,
        0.01,
        "dashed: isochrones interpolated between city centres (indicative)",
        transform=ax.transAxes,
        fontsize=8,
        color="#444444",
    )
    fig.tight_layout()
    return fig


@with_fonts
def plot_change_map(network: Network, change: dict[str, float], title: str, label: str) -> Figure:
    """Cities coloured by a change (negative: better, in blue), sized by population.

    Parameters
    ----------
    network
        The network drawn underneath (usually the "after" scenario's).
    change
        Change per city id (e.g. minutes of weighted average travel time, after - before).
    title, label
        Figure title and colour-bar label.
    """
    import numpy as np
    from matplotlib import colors

    fig, ax, box = _base_map(network, title)
    cities = [c for c in network.cities if _inside(c, box) and c.id in change and np.isfinite(change[c.id])]
    values = np.array([change[c.id] for c in cities])
    limit = float(max(np.abs(values).max() if len(values) else 1.0, 1.0))
    norm = colors.TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    sizes = [30 + 120 * math.sqrt((c.population or 1e6) / 1e7) for c in cities]
    points = ax.scatter(
        [c.lon for c in cities],
        [c.lat for c in cities],
        c=values,
        cmap="RdBu_r",
        norm=norm,
        s=sizes,
        edgecolor="#555555",
        lw=0.6,
        zorder=5,
    )
    place_labels(fig, ax, [(c, 9) for c in cities])
    bar = fig.colorbar(points, ax=ax, shrink=0.7, pad=0.02)
    bar.set_label(label)
    fig.tight_layout()
    return fig


@with_fonts
def plot_failure_map(network: Network, delays: dict[tuple[str, str, str], float], title: str) -> Figure:
    """Links coloured by the worst delay their failure causes (grey: no delay).

    A delay of ``inf`` means the failure disconnects some city pairs: drawn in black, thick.
    """
    import numpy as np
    from matplotlib import colormaps, colors

    fig, ax, box = _base_map(network, title)
    pos = {c.id: (c.lon, c.lat) for c in network.cities}
    pos.update({t.id: (t.lon, t.lat) for t in network.terminals if t.lat is not None and t.lon is not None})
    top = max([d for d in delays.values() if np.isfinite(d)] + [1.0])
    norm = colors.Normalize(vmin=0, vmax=top)
    cmap = colormaps["inferno_r"]
    for (_line, a, b), delay in sorted(delays.items(), key=lambda kv: kv[1]):
        if a in pos and b in pos and delay > 0:
            (xa, ya), (xb, yb) = pos[a], pos[b]
            if np.isinf(delay):
                ax.plot([xa, xb], [ya, yb], color="black", lw=5, zorder=4)
            else:
                ax.plot([xa, xb], [ya, yb], color=cmap(norm(delay)), lw=1.5 + 3 * delay / top, zorder=3)
    for c in network.cities:
        if _inside(c, box):
            ax.scatter([c.lon], [c.lat], s=25, color="#222222", zorder=5)
    place_labels(fig, ax, [(c, 9) for c in network.cities if _inside(c, box)])
    mappable = colormaps["inferno_r"]
    from matplotlib.cm import ScalarMappable

    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=mappable), ax=ax, shrink=0.7, pad=0.02)
    bar.set_label("worst door-to-door delay if this fails (minutes)")
    if any(np.isinf(d) for d in delays.values()):
        from matplotlib.lines import Line2D as _Line

        ax.legend(
            handles=[_Line([], [], color="black", lw=5, label="failure disconnects city pairs")],
            loc="lower left",
            fontsize=8,
        )
    fig.tight_layout()
    return fig

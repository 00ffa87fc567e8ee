"""Maps: the network, travel times from one city, changes between scenarios, failures.

Every map shares one frame (:func:`_frame`): the region's extent, the background of
provinces, rivers and lakes, a 100 km scale bar and the background's source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.figures.basemap import (
    background_handles,
    draw_background,
    draw_scale_bar,
    polygon_patch,
    source_note,
)
from sim.figures.style import MODE_STYLE, place_labels, with_fonts
from sim.modes import Mode
from sim.network import City, Link, Network

__all__ = ["plot_change_map", "plot_failure_map", "plot_network", "plot_travel_time_map"]

Box = tuple[float, float, float, float]


def _extent(network: Network) -> Box:
    regional = [c for c in network.cities if c.plan_status != "external"] or list(network.cities)
    return (
        min(c.lon for c in regional) - 0.6,
        max(c.lon for c in regional) + 0.6,
        min(c.lat for c in regional) - 0.5,
        max(c.lat for c in regional) + 0.5,
    )


def _frame(network: Network, title: str, size: tuple[float, float] = (10, 9.6)) -> tuple[Figure, Axes, Box]:
    """Return a figure with the region's extent, its background, axes labels and title."""
    box = _extent(network)
    fig = Figure(figsize=size, dpi=110)
    ax = fig.add_subplot()
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect(1 / math.cos(math.radians((box[2] + box[3]) / 2)))
    ax.set_facecolor("white")
    draw_background(ax, network)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(title, fontsize=12)
    return fig, ax, box


def _finish(fig: Figure, ax: Axes, handles: list, note: str = "") -> Figure:
    """Add the scale bar, the legend under the map and the notes; lay the figure out."""
    draw_scale_bar(ax)
    entries = [*handles, *background_handles()]
    rows = math.ceil(len(entries) / 3)
    fig.set_figheight(fig.get_figheight() + 0.7 * (rows - 2))  # room for the legend under the map
    ax.legend(
        handles=entries,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.07),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    source_note(fig, note)
    return fig


def _draw_links(ax: Axes, links: Iterable[Link], where: dict, rivers: dict, **style: object) -> None:
    from sim.geo.positions import link_geometry

    for lk in links:
        geom = link_geometry(lk, where, rivers)
        if geom is not None:
            xs, ys = geom.xy
            ax.plot(xs, ys, **style)


def _geo(network: Network, context: Network | None = None) -> tuple[dict, dict]:
    from sim.geo import positions, rivers

    where = positions(context) if context is not None else {}
    where.update(positions(network))
    return where, {k: v[2] for k, v in rivers().items()}


def _inside(city: City, box: Box) -> bool:
    x0, x1, y0, y1 = box
    return x0 <= city.lon <= x1 and y0 <= city.lat <= y1


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
    fig, ax, box = _frame(network, title or "Network by mode", size=(10, 9.6))
    where, river_lines = _geo(network, context)
    from sim.geo.layers import link_identity

    present = {link_identity(lk) for lk in network.links}
    missing = [
        lk
        for lk in (context.links if context else ())
        if link_identity(lk) not in present and lk.mode is not Mode.AIR
    ]
    for lk in missing:
        color, width, z = MODE_STYLE[lk.mode]
        _draw_links(
            ax,
            [lk],
            where,
            river_lines,
            color=color,
            lw=max(width * 0.8, 0.8),
            ls=(0, (3, 2)),
            alpha=0.8,
            zorder=z,
        )
    for lk in network.links:
        color, width, z = MODE_STYLE[lk.mode]
        alpha = 0.2 if lk.mode is Mode.AIR else 0.9
        _draw_links(
            ax, [lk], where, river_lines, color=color, lw=width, alpha=alpha, zorder=z, solid_capstyle="round"
        )
    labels = []
    for c in network.cities:
        size = 12 + 90 * math.sqrt((c.population or 1_000_000) / 10_000_000)
        face = {"in-plan": "#222222", "connected": "#777777", "external": "#bbbbbb"}[c.plan_status]
        ax.scatter([c.lon], [c.lat], s=size * 3, color=face, edgecolor="white", lw=0.8, zorder=10)
        if _inside(c, box):
            labels.append((c, 10 if c.plan_status == "in-plan" else 8))
    place_labels(fig, ax, labels, marker_pt=8.0)
    used = {lk.mode for lk in network.links} | ({lk.mode for lk in context.links} if context else set())
    handles = [
        Line2D([], [], color=MODE_STYLE[m][0], lw=MODE_STYLE[m][1] + 0.5, label=m.value)
        for m in Mode
        if m in used
    ]
    if missing:
        handles.append(
            Line2D(
                [],
                [],
                color="#444444",
                lw=1.2,
                ls=(0, (3, 2)),
                label="not in this scenario (opened later, building or planned)",
            )
        )
    for status, face in (("in-plan city", "#222222"), ("connected city", "#777777")):
        handles.append(Line2D([], [], marker="o", ls="", color=face, label=status, markersize=7))
    note = "Waterways follow their river where it is known; other links are straight."
    return _finish(fig, ax, handles, note)


def _base_map(network: Network, title: str) -> tuple[Figure, Axes, Box]:
    """Return the frame with the network's rail and road links in light grey."""
    fig, ax, box = _frame(network, title)
    where, river_lines = _geo(network)
    for lk in network.links:
        if lk.mode is Mode.AIR:
            continue
        _draw_links(
            ax, [lk], where, river_lines, color="#b5b5b5", lw=1.3 if lk.mode.is_rail else 0.6, zorder=1
        )
    return fig, ax, box


def _nice_top(value: float, step: float = 30.0) -> float:
    return step * math.ceil(value / step)


@with_fonts
def plot_travel_time_map(
    network: Network,
    minutes: dict[str, float],
    origin: str,
    title: str,
    isochrones: Sequence | None = None,
    rings: tuple[int, ...] = (60, 120, 180),
) -> Figure:
    """Cities coloured by door-to-door minutes from ``origin``, over isochrone polygons.

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
    isochrones
        :class:`sim.geo.Isochrone` polygons to draw (the area within reach of a station
        or centre in each time budget); None draws none.
    rings
        Class bounds of the colours, in minutes.
    """
    from matplotlib import colormaps, colors
    from matplotlib.patches import Patch

    fig, ax, box = _base_map(network, title)
    cities = [c for c in network.cities if _inside(c, box) and c.id != origin]
    values = np.array([minutes.get(c.id, np.inf) for c in cities])
    finite = np.isfinite(values)
    worst = float(np.max(values[finite], initial=0.0))
    bounds = [0.0, *map(float, rings), float(rings[-1] + 60)]
    if worst > bounds[-1]:
        bounds.append(_nice_top(worst))
    cmap = colormaps["viridis_r"].resampled(len(bounds) - 1)
    norm = colors.BoundaryNorm(bounds, cmap.N)
    handles = []
    for iso in sorted(isochrones or (), key=lambda i: -i.minutes):
        color = cmap(norm(iso.minutes - 1e-6))
        ax.add_patch(polygon_patch(iso.geometry, facecolor=(*color[:3], 0.28), edgecolor="none", zorder=2))
        ax.add_patch(polygon_patch(iso.geometry, facecolor="none", edgecolor=color, lw=1.0, zorder=2.5))
        handles.append(
            Patch(facecolor=(*color[:3], 0.28), edgecolor=color, label=f"within {iso.minutes:.0f} min")
        )
    xs = np.array([c.lon for c in cities])
    ys = np.array([c.lat for c in cities])
    sizes = np.array([30 + 120 * math.sqrt((c.population or 1e6) / 1e7) for c in cities])
    here = network.city_by_id[origin]
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
        ax.scatter(xs[~finite], ys[~finite], color="#888888", marker="x", s=30, zorder=5)
        handles.append(Line2D([], [], marker="x", ls="", color="#888888", label="no path on this profile"))
    ax.scatter([here.lon], [here.lat], marker="*", s=420, color="#d62728", edgecolor="white", zorder=6)
    handles.insert(
        0, Line2D([], [], marker="*", ls="", color="#d62728", markersize=13, label=f"origin: {here.name_zh}")
    )
    place_labels(fig, ax, [(c, 9) for c in [*cities, here]])
    bar = fig.colorbar(points, ax=ax, shrink=0.7, pad=0.02, ticks=bounds)
    bar.ax.set_yticklabels([f"{b:.0f}" for b in bounds])
    bar.set_label(f"door-to-door minutes from {here.name_zh} {here.name_en} (slowest city: {worst:.0f})")
    note = ""
    if isochrones:
        iso = isochrones[0]
        note = (
            f"Shaded: places within reach, off the network at {iso.speed_kmh:.1f} km/h as the crow flies "
            f"after {iso.fixed_min:.0f} min, from every station or centre reached in time; "
            "clipped to the provinces."
        )
    return _finish(fig, ax, handles, note)


@with_fonts
def plot_change_map(
    network: Network,
    change: dict[str, float],
    title: str,
    label: str,
    added: Sequence[Link] = (),
    removed: Sequence[Link] = (),
) -> Figure:
    """Cities coloured by a change (negative: better), sized by population.

    The colour scale is one-sided when every change has the same sign (only gains: blues
    from 0; only losses: reds) and diverging around 0 otherwise. Links new in the "after"
    scenario are drawn over the grey network in magenta; removed ones dashed.

    Parameters
    ----------
    network
        The network drawn underneath (usually the "after" scenario's).
    change
        Change per city id (e.g. minutes of weighted average travel time, after - before).
    title, label
        Figure title and colour-bar label.
    added, removed
        Links present only after, only before.
    """
    from matplotlib import colormaps, colors

    fig, ax, box = _base_map(network, title)
    where, river_lines = _geo(network)
    handles = []
    if added:
        _draw_links(
            ax,
            [lk for lk in added if lk.mode is not Mode.AIR],
            where,
            river_lines,
            color="#c2188f",
            lw=2.6,
            zorder=3,
            solid_capstyle="round",
        )
        n_air = sum(lk.mode is Mode.AIR for lk in added)
        extra = f"; {n_air} air routes not drawn" if n_air else ""
        handles.append(Line2D([], [], color="#c2188f", lw=2.6, label=f"new links ({len(added)}{extra})"))
    if removed:
        _draw_links(
            ax,
            [lk for lk in removed if lk.mode is not Mode.AIR],
            where,
            river_lines,
            color="#555555",
            lw=1.6,
            ls=(0, (2, 2)),
            zorder=3,
        )
        handles.append(
            Line2D([], [], color="#555555", lw=1.6, ls=(0, (2, 2)), label=f"removed links ({len(removed)})")
        )
    cities = [c for c in network.cities if _inside(c, box) and c.id in change and np.isfinite(change[c.id])]
    values = np.array([change[c.id] for c in cities])
    low = float(values.min()) if len(values) else 0.0
    high = float(values.max()) if len(values) else 0.0
    if high <= 0:
        limit = _nice_top(max(-low, 1.0), 10.0)
        norm, cmap = colors.Normalize(vmin=-limit, vmax=0.0), colormaps["Blues_r"]
    elif low >= 0:
        limit = _nice_top(max(high, 1.0), 10.0)
        norm, cmap = colors.Normalize(vmin=0.0, vmax=limit), colormaps["Reds"]
    else:
        limit = _nice_top(max(-low, high), 10.0)
        norm, cmap = colors.TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit), colormaps["RdBu_r"]
    sizes = [30 + 120 * math.sqrt((c.population or 1e6) / 1e7) for c in cities]
    points = ax.scatter(
        [c.lon for c in cities],
        [c.lat for c in cities],
        c=values,
        cmap=cmap,
        norm=norm,
        s=sizes,
        edgecolor="#555555",
        lw=0.6,
        zorder=5,
    )
    place_labels(fig, ax, [(c, 9) for c in cities])
    bar = fig.colorbar(points, ax=ax, shrink=0.7, pad=0.02)
    bar.set_label(label)
    return _finish(fig, ax, handles)


@with_fonts
def plot_failure_map(network: Network, delays: dict[tuple[str, str, str], float], title: str) -> Figure:
    """Links coloured by the worst delay their failure causes (grey: no delay).

    A delay of ``inf`` means the failure disconnects some city pairs: drawn black and
    dashed. The colour scale (yellow to dark red) never reaches black, so the two cannot
    be confused.
    """
    from matplotlib import colormaps, colors
    from matplotlib.cm import ScalarMappable

    fig, ax, box = _base_map(network, title)
    where, river_lines = _geo(network)
    top = _nice_top(max([d for d in delays.values() if np.isfinite(d)] + [1.0]), 30.0)
    norm = colors.Normalize(vmin=0, vmax=top)
    cmap = colormaps["YlOrRd"]
    by_key = {(lk.line, lk.from_id, lk.to_id): lk for lk in network.links}
    for (line, a, b), delay in sorted(delays.items(), key=lambda kv: (kv[1], kv[0])):
        if delay <= 0:
            continue
        lk = by_key.get((line, a, b)) or by_key.get((line, b, a))
        if lk is None:
            if a not in where or b not in where:
                continue
            xs, ys = zip(where[a], where[b], strict=True)
        else:
            from sim.geo.positions import link_geometry

            geom = link_geometry(lk, where, river_lines)
            if geom is None:
                continue
            xs, ys = geom.xy
        if np.isinf(delay):
            ax.plot(xs, ys, color="black", lw=3.2, ls=(0, (2, 1)), zorder=4)
        else:
            ax.plot(
                xs,
                ys,
                color=cmap(0.15 + 0.85 * norm(delay)),
                lw=1.5 + 3 * delay / top,
                zorder=3,
                solid_capstyle="round",
            )
    for c in network.cities:
        if _inside(c, box):
            ax.scatter([c.lon], [c.lat], s=25, color="#222222", zorder=5)
    place_labels(fig, ax, [(c, 9) for c in network.cities if _inside(c, box)])
    shown = colors.ListedColormap(cmap(np.linspace(0.15, 1.0, 256)))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=shown), ax=ax, shrink=0.7, pad=0.02)
    bar.set_label("worst door-to-door delay if this fails (minutes)")
    handles = [Line2D([], [], color="#b5b5b5", lw=1.3, label="no delay (or not tested)")]
    if any(np.isinf(d) for d in delays.values()):
        handles.append(
            Line2D([], [], color="black", lw=3.2, ls=(0, (2, 1)), label="failure disconnects city pairs")
        )
    return _finish(fig, ax, handles)

"""The map background: provinces, rivers and lakes, a scale bar, the source note.

Drawn under every map (:func:`draw_background`), from :mod:`sim.geo.basemap`. The
region's own provinces (those of its cities) are tinted, their neighbours left white.
"""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from sim.figures.style import HALO
from sim.network import Network

__all__ = ["WATER", "background_handles", "draw_background", "draw_scale_bar", "polygon_patch"]

WATER = "#8fbfe0"
REGION_FILL = "#f6f1e7"
BORDER = "#9a9a9a"


def polygon_patch(geometry: BaseGeometry, **style: object) -> PathPatch:
    """Return a matplotlib patch of a shapely (Multi)Polygon, holes included."""
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for poly in getattr(geometry, "geoms", [geometry]):
        if poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = list(ring.coords)
            vertices += xy
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
    if not vertices:
        vertices, codes = [(0.0, 0.0)], [MplPath.MOVETO]
    return PathPatch(MplPath(vertices, codes), **style)


def draw_background(ax: Axes, network: Network, *, labels: bool = True) -> None:
    """Draw provinces (the region's tinted), rivers and lakes under everything else."""
    from sim.geo.basemap import lakes, provinces, rivers

    own = {c.province for c in network.cities if c.plan_status != "external"}
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for pid, (zh, en, geom) in provinces().items():
        inside = pid in own
        ax.add_patch(
            polygon_patch(geom, facecolor=REGION_FILL if inside else "white", edgecolor="none", zorder=-3)
        )
        ax.add_patch(
            polygon_patch(
                geom,
                facecolor="none",
                edgecolor=BORDER,
                lw=1.1 if inside else 0.7,
                ls=(0, (6, 2, 1, 2)),
                zorder=-1,
            )
        )
        if labels:
            point = geom.representative_point() if not inside else geom.centroid
            if x0 < point.x < x1 and y0 < point.y < y1:
                ax.text(
                    point.x,
                    point.y,
                    f"{zh}\n{en}",
                    ha="center",
                    va="center",
                    fontsize=13 if inside else 10,
                    color="#c9bfa9" if inside else "#cfcfcf",
                    zorder=-2,
                    linespacing=1.0,
                )
    for _, _, geom in lakes().values():
        ax.add_patch(polygon_patch(geom, facecolor=WATER, edgecolor=WATER, lw=0.4, zorder=-2))
    for _, _, geom in rivers().values():
        for line in getattr(geom, "geoms", [geom]):
            xs, ys = line.xy
            ax.plot(xs, ys, color=WATER, lw=1.3, zorder=-2, solid_capstyle="round")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def background_handles() -> list:
    """Legend entries of the background."""
    return [
        Patch(
            facecolor=REGION_FILL, edgecolor=BORDER, ls=(0, (6, 2, 1, 2)), label="province (region tinted)"
        ),
        Line2D([], [], color=WATER, lw=1.6, label="main river, lake"),
    ]


def draw_scale_bar(ax: Axes, km: float = 100.0) -> None:
    """Draw a ``km`` scale bar in the lower right corner (at the latitude of the bar)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lat = y0 + 0.05 * (y1 - y0)
    length = km / (111.32 * math.cos(math.radians(lat)))
    right = x1 - 0.04 * (x1 - x0)
    left = right - length
    tick = 0.008 * (y1 - y0)
    style = {"color": "#333333", "lw": 1.4, "zorder": 12, "solid_capstyle": "butt"}
    ax.plot([left, right], [lat, lat], **style)
    for x in (left, (left + right) / 2, right):
        ax.plot([x, x], [lat - tick, lat + tick], **style)
    ax.text(
        (left + right) / 2,
        lat + 1.8 * tick,
        f"{km:.0f} km",
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=12,
        path_effects=HALO,
    )


def source_note(fig: Figure, extra: str = "") -> None:
    """Write the background's source (and ``extra``), small, along the bottom of the figure."""
    import textwrap

    from sim.geo.basemap import BASEMAP_SOURCE

    text = f"{extra} Background: {BASEMAP_SOURCE}.".strip()
    width = int(fig.get_figwidth() * 17)
    fig.text(0.01, 0.008, "\n".join(textwrap.wrap(text, width)), fontsize=7, color="#666666", va="bottom")

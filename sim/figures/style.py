"""Shared look of the figures: fonts that render Chinese, mode colours, label placement."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import matplotlib
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.modes import Mode
from sim.typography import font_family

__all__ = ["HALO", "MODE_STYLE", "place_labels", "with_fonts"]

HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


def with_fonts(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw with the font family that renders Chinese (see :mod:`sim.typography`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
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


_OFFSETS = (
    (5, 4, "left"),
    (5, -11, "left"),
    (-5, 4, "right"),
    (-5, -11, "right"),
    (0, 9, "center"),
    (0, -17, "center"),
)


def place_labels(fig: Figure, ax: Axes, labels: list) -> None:
    """Label cities, trying a few offsets so that labels do not overlap each other.

    ``labels`` holds ``(city, fontsize)`` pairs; bigger cities are placed first. Call it
    after the axes limits and aspect are set.
    """
    ax.apply_aspect()
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
            path_effects=HALO,
            xytext=(dx, dy),
            textcoords="offset points",
            ha=align,
            fontsize=size,
            zorder=11,
            color="#111111" if city.plan_status == "in-plan" else "#555555",
        )

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


# Label positions around a point, in points: (dx, dy, horizontal alignment, vertical
# alignment); tried in order, then again further out with a leader line.
_OFFSETS = (
    (6, 0, "left", "center"),
    (5, 5, "left", "bottom"),
    (5, -5, "left", "top"),
    (-6, 0, "right", "center"),
    (-5, 5, "right", "bottom"),
    (-5, -5, "right", "top"),
    (0, 8, "center", "bottom"),
    (0, -8, "center", "top"),
)
_FAR = 2.6


def _text_width(text: str, size: float) -> float:
    """Approximate width in points: CJK characters are square, Latin about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


def _box(x: float, y: float, dx: float, dy: float, ha: str, va: str, w: float, h: float) -> tuple:
    left = x + dx - (w if ha == "right" else w / 2 if ha == "center" else 0)
    bottom = y + dy - (h if va == "top" else h / 2 if va == "center" else 0)
    return (left, bottom, left + w, bottom + h)


def _overlap(a: tuple, b: tuple) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(fig: Figure, ax: Axes, labels: list, marker_pt: float = 6.0) -> None:
    """Label cities so that labels overlap neither each other nor the city markers.

    ``labels`` holds ``(city, fontsize)`` pairs; bigger cities are placed first. Each
    label tries eight positions around its city, then the same further out with a thin
    leader line; if all collide it takes the one with the least overlap. Call it after
    the axes limits and aspect are set. Placement depends only on the inputs, so the
    same figure is drawn the same way every time.
    """
    ax.apply_aspect()
    scale = fig.dpi / 72.0
    to_pt = ax.transData
    frame = ax.get_window_extent()
    fx0, fy0, fx1, fy1 = frame.x0 / scale, frame.y0 / scale, frame.x1 / scale, frame.y1 / scale
    points = {}
    for city, _ in labels:
        x, y = to_pt.transform((city.lon, city.lat)) / scale
        points[city.id] = (float(x), float(y))
    markers = {
        cid: (x - marker_pt, y - marker_pt, x + marker_pt, y + marker_pt) for cid, (x, y) in points.items()
    }
    taken: list[tuple] = []
    for city, size in sorted(labels, key=lambda item: (-(item[0].population or 0), item[0].id)):
        x, y = points[city.id]
        w, h = _text_width(city.name_zh, size), 1.15 * size
        best = None
        for far in (1.0, _FAR):
            for dx, dy, ha, va in _OFFSETS:
                box = _box(x, y, dx * far, dy * far, ha, va, w, h)
                cost = sum(_overlap(box, b) for b in taken)
                cost += sum(_overlap(box, m) for cid, m in markers.items() if cid != city.id)
                outside = box[0] < fx0 or box[2] > fx1 or box[1] < fy0 or box[3] > fy1
                cost += 1e4 if outside else 0.0
                cost += 0.0 if far == 1.0 else 1.0  # prefer near, all else equal
                if best is None or cost < best[0]:
                    best = (cost, box, dx * far, dy * far, ha, va, far)
            if best[0] < 1.0:
                break
        _, box, dx, dy, ha, va, far = best
        taken.append(box)
        ax.annotate(
            city.name_zh,
            (city.lon, city.lat),
            path_effects=HALO,
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=size,
            zorder=11,
            color="#111111" if city.plan_status == "in-plan" else "#555555",
            arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.5, "shrinkA": 0, "shrinkB": 3}
            if far > 1.0
            else None,
        )

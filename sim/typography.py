"""Fonts for the figures: Latin from matplotlib's DejaVu Sans, Chinese from a shipped subset.

Nothing happens at import: the shipped font is registered with matplotlib the first
time :func:`font_family` is called.
"""

from __future__ import annotations

from functools import cache

from sim.bundled import font_file

__all__ = ["CJK_FONT", "font_family"]

CJK_FONT = font_file()


@cache
def font_family() -> list[str]:
    """Register the shipped CJK font once and return the font family list to use.

    Matplotlib falls back glyph by glyph along the list, so Latin text keeps DejaVu Sans
    and Chinese characters come from "Sim CJK Subset" (see ``sim/fonts/README.md``).
    """
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(CJK_FONT))
    name = font_manager.FontProperties(fname=str(CJK_FONT)).get_name()
    return ["DejaVu Sans", name]

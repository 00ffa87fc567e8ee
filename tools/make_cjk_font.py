"""Rebuild sim/fonts/SimCJKSubset-Regular.otf (run by hand, never at run time).

The figures label cities and stations in Chinese. The font shipped with the package is a
subset of Noto Sans CJK SC Regular (SIL Open Font License 1.1, copyright Adobe), taken
from the ``mplfonts`` wheel on PyPI, cut to: all GB 2312 characters (the 6,763 common
hanzi and the symbols of rows 1-9), printable ASCII, a few typographic marks, and every
character of the bundled network tables, scenario and target files, and the workbench's
page (``sim/serve/static``); ``tests/test_fonts.py`` fails when one is missing. It is
renamed "Sim CJK Subset" because it is a
Modified Version under the OFL (section 3); the licence is in sim/fonts/OFL.txt.

Usage::

    pip download --no-deps mplfonts -d /tmp/mplfonts
    unzip -o /tmp/mplfonts/mplfonts-*.whl 'mplfonts/fonts/NotoSansCJKsc-Regular.otf' -d /tmp/mplfonts
    python tools/make_cjk_font.py /tmp/mplfonts/mplfonts/fonts/NotoSansCJKsc-Regular.otf
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sim" / "fonts" / "SimCJKSubset-Regular.otf"
FAMILY = "Sim CJK Subset"


def covered_files() -> list[Path]:
    """Return the files whose every character the font holds (beside GB 2312 and ASCII)."""
    return sorted(
        [
            *(ROOT / "network").glob("*.csv"),
            *(ROOT / "scenarios").rglob("*.toml"),
            *(ROOT / "sim" / "serve" / "static").glob("*.js"),
            *(ROOT / "sim" / "serve" / "static").glob("*.html"),
        ]
    )


def characters() -> str:
    """Return the characters to keep: GB 2312, ASCII, marks, and the network tables' text."""
    chars: set[str] = set()
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                chars.add(bytes([first, second]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for path in covered_files():
        chars |= set(path.read_text(encoding="utf-8"))
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= set("–—→↔±×°·（）《》、，。：；！？“”‘’…")
    return "".join(sorted(c for c in chars if c.isprintable()))


def main(source: str) -> None:
    """Subset ``source`` (Noto Sans CJK SC Regular) into the shipped font, renamed."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY if record.nameID != 4 else f"{FAMILY} Regular"
        elif record.nameID == 6:
            record.string = "SimCJKSubset-Regular"
    font.save(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1])

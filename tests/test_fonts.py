"""The shipped CJK font holds every character the figures and the workbench's page show.

``sim/fonts/SimCJKSubset-Regular.otf`` is a subset (tools/make_cjk_font.py): a name added
to the network tables, a target's quoted source or a word of the page that the subset
lacks would be drawn as a blank box on a machine without CJK fonts of its own.
"""

import importlib.util
from pathlib import Path

from fontTools.ttLib import TTFont

from sim.typography import CJK_FONT

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("make_cjk_font", ROOT / "tools" / "make_cjk_font.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_font_holds_every_character_of_the_data_the_scenarios_and_the_page():
    cmap = TTFont(CJK_FONT).getBestCmap()
    files = _tool().covered_files()
    assert any(p.suffix == ".csv" for p in files) and any(p.name == "targets.toml" for p in files)
    assert any(p.name == "app.js" for p in files)
    missing = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        lacking = sorted({c for c in text if c.isprintable() and ord(c) not in cmap})
        if lacking:
            missing[str(path.relative_to(ROOT))] = "".join(lacking)
    assert missing == {}, f"rebuild the font with tools/make_cjk_font.py: {missing}"

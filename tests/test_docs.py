"""The documentation site builds offline with warnings as errors, and its examples work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import build_parser
from sim.scenario import load_scenario
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site once: ``mkdocs build --strict`` (any warning fails the build)."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_site_has_every_page(site: Path) -> None:
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    expected = {p.relative_to(DOCS).with_suffix(".html").as_posix() for p in DOCS.rglob("*.md")}
    assert expected <= pages


def test_api_pages_are_built_from_the_docstrings(site: Path) -> None:
    page = (site / "api" / "evaluate.html").read_text(encoding="utf-8")
    first_line = (load_scenario.__doc__ or "").split("\n")[0]
    assert first_line.startswith("Read a scenario file (path or bundled name), resolving")
    assert "Read a scenario file (path or bundled name), resolving" in page  # rendered from it
    assert 'id="sim.scenario.load_scenario"' in page


def test_cli_page_has_the_help_of_every_command(site: Path) -> None:
    page = (site / "cli.html").read_text(encoding="utf-8")
    (sub,) = [a for a in build_parser()._actions if a.dest == "command"]
    for name in sub.choices:
        assert f"usage: sim {name}" in page, name


def test_readme_sections_included_in_the_docs_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in DOCS.rglob("*.md"):
        for section in re.findall(r'--8<-- "README\.md:([\w-]+)"', page.read_text(encoding="utf-8")):
            assert f"[start:{section}]" in readme and f"[end:{section}]" in readme, (page.name, section)


def toml_blocks(page: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), flags=re.S)


def test_tutorial_files_are_valid(tmp_path: Path) -> None:
    """The scenario and the sweep file of the tutorial load as written."""
    scenario_text, sweep_text = toml_blocks("tutorial.md")
    (tmp_path / "jingyue.toml").write_text(scenario_text, encoding="utf-8")
    scenario = load_scenario(str(tmp_path / "jingyue.toml"))
    assert scenario.add_projects == ("jingyue_hsr",) and scenario.year == 2025
    (tmp_path / "hubei-rail.toml").write_text(sweep_text, encoding="utf-8")
    spec = load_sweep(tmp_path / "hubei-rail.toml")
    assert spec.name == "hubei-rail" and spec.base.name == "today"

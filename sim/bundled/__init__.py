"""The files shipped with ``sim``: the bundled network, scenarios, sweeps and fonts.

Every read of a bundled file goes through this module. The network tables and the
scenario files live at the top of the repository (``network/``, ``scenarios/``), where
users edit them; ``pyproject.toml`` maps those folders into the package as
``sim.bundled.network`` and ``sim.bundled.scenarios`` (setuptools ``package-dir``), so a
wheel carries them and an editable install reads the repository's own folders. Both are
found here through :mod:`importlib.resources`.

A user's own network folder (``--network DIR``) and scenario files are ordinary paths and
do not pass through here.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from sim.errors import SimError

__all__ = [
    "CJK_FONT_NAME",
    "font_file",
    "network_folder",
    "scenario_file",
    "scenario_names",
    "scenarios_folder",
    "sweep_file",
    "sweep_names",
    "sweeps_folder",
]

CJK_FONT_NAME = "SimCJKSubset-Regular.otf"
_NOT_SCENARIOS = {"targets"}  # TOML files beside the scenarios that are not scenarios


def _folder(package: str, *parts: str) -> Path:
    """Return a bundled folder as a filesystem path.

    Raises
    ------
    SimError
        If the package is installed somewhere that is not a folder (a zip file):
        the program reads its data with ordinary file paths.
    """
    resource = files(package).joinpath(*parts)
    path = Path(str(resource))
    if not path.is_dir():
        raise SimError(f"bundled data {resource} is not a folder on disk: reinstall sim from a wheel")
    return path


@cache
def network_folder() -> Path:
    """Return the folder of the bundled network tables (``network/`` in the repository)."""
    return _folder("sim.bundled.network")


@cache
def scenarios_folder() -> Path:
    """Return the folder of the bundled scenarios and targets (``scenarios/``)."""
    return _folder("sim.bundled.scenarios")


@cache
def sweeps_folder() -> Path:
    """Return the folder of the bundled sweep files (``scenarios/sweeps/``)."""
    return _folder("sim.bundled.scenarios", "sweeps")


def scenario_names() -> list[str]:
    """Return the names of the bundled scenarios, sorted (``targets.toml`` is not one)."""
    return sorted(p.stem for p in scenarios_folder().glob("*.toml") if p.stem not in _NOT_SCENARIOS)


def sweep_names() -> list[str]:
    """Return the names of the bundled sweep files, sorted."""
    return sorted(p.stem for p in sweeps_folder().glob("*.toml"))


def scenario_file(name: str) -> Path | None:
    """Return the bundled scenario file called ``name`` (``today``), or None."""
    path = scenarios_folder() / f"{name}.toml"
    return path if name not in _NOT_SCENARIOS and path.is_file() else None


def sweep_file(name: str) -> Path | None:
    """Return the bundled sweep file called ``name`` (``planned-rail``), or None."""
    path = sweeps_folder() / f"{name}.toml"
    return path if path.is_file() else None


def font_file(name: str = CJK_FONT_NAME) -> Path:
    """Return a font shipped in ``sim/fonts/`` (by default the CJK subset the figures use)."""
    return _folder("sim", "fonts") / name

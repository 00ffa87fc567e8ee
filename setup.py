"""Package discovery that ``pyproject.toml`` alone cannot express (everything else is there).

Every package under ``sim/`` is found automatically, so a new subpackage ships without
editing any list; the bundled data folders at the top of the repository (``network/``,
``scenarios/``) are added as ``sim.bundled.network`` and ``sim.bundled.scenarios``, which
``[tool.setuptools.package-dir]`` in ``pyproject.toml`` maps to those folders.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["sim", "sim.*"]), "sim.bundled.network", "sim.bundled.scenarios"])

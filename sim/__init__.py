"""sim: door-to-door multimodal accessibility for the Middle Yangtze River urban agglomeration.

The public API mirrors the data flow: load a network, read a scenario, evaluate it.

>>> from sim import load_scenario, evaluate
>>> result = evaluate(load_scenario("today"))      # doctest: +SKIP
>>> result.travel_times().head()                   # doctest: +SKIP

The names are loaded on first use (PEP 562), so that ``import sim`` and the ``sim``
command's ``--help`` do not import numpy, pandas, scipy and matplotlib.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.errors import InputError, SimError
    from sim.evaluate import Evaluation, ProfileResult, evaluate, evaluate_profile
    from sim.graph import COMPONENTS, Graph, build_graph
    from sim.modes import PROFILES, Mode, Profile
    from sim.network import Network, load_network
    from sim.parameters import Parameters
    from sim.paths import all_pairs, itinerary, node_distances, shortest_path_tree
    from sim.scenario import Scenario, apply_scenario, load_scenario

__all__ = [
    "COMPONENTS",
    "PROFILES",
    "Evaluation",
    "Graph",
    "InputError",
    "Mode",
    "Network",
    "Parameters",
    "Profile",
    "ProfileResult",
    "Scenario",
    "SimError",
    "all_pairs",
    "apply_scenario",
    "build_graph",
    "evaluate",
    "evaluate_profile",
    "itinerary",
    "load_network",
    "load_scenario",
    "node_distances",
    "shortest_path_tree",
]

# The version, in this one place: pyproject.toml reads it (setuptools dynamic version),
# `sim --version` prints it, CHANGELOG.md names it.
__version__ = "0.2.0.dev0"

# Each public name and the module it comes from (the same as the TYPE_CHECKING imports).
_SOURCES = {
    "InputError": "sim.errors",
    "SimError": "sim.errors",
    "Evaluation": "sim.evaluate",
    "ProfileResult": "sim.evaluate",
    "evaluate": "sim.evaluate",
    "evaluate_profile": "sim.evaluate",
    "COMPONENTS": "sim.graph",
    "Graph": "sim.graph",
    "build_graph": "sim.graph",
    "PROFILES": "sim.modes",
    "Mode": "sim.modes",
    "Profile": "sim.modes",
    "Network": "sim.network",
    "load_network": "sim.network",
    "Parameters": "sim.parameters",
    "all_pairs": "sim.paths",
    "itinerary": "sim.paths",
    "node_distances": "sim.paths",
    "shortest_path_tree": "sim.paths",
    "Scenario": "sim.scenario",
    "apply_scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name here (PEP 562)."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Return the module's names with the public ones not loaded yet."""
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The ``sim`` module, whose attribute ``evaluate`` stays the function.

    Importing a submodule sets it as an attribute of its package: ``import sim.evaluate``
    would make ``sim.evaluate`` the module, hiding the function of the same name that
    ``from sim import evaluate`` promises. The function is looked up instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _SOURCES:
            return  # the submodule stays reachable in sys.modules; the public name wins
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

"""sim: door-to-door multimodal accessibility for the Middle Yangtze River urban agglomeration.

The public API mirrors the data flow: load a network, read a scenario, evaluate it.

>>> from sim import load_scenario, evaluate
>>> result = evaluate(load_scenario("today"))      # doctest: +SKIP
>>> result.travel_times().head()                   # doctest: +SKIP
"""

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

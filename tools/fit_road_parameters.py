"""Fit the road parameters on the observed driving times, in sample and leave one out.

Run by hand (``python tools/fit_road_parameters.py``); it prints, never writes. A grid of
``expressway_cruise_kmh``, ``road_entrance_speed_kmh`` and ``road_entrance_fixed_min`` is
evaluated on every road pair of ``network/observed_times.csv`` (each compared with the
network of its year, as ``sim calibrate`` does). In sample: the grid point of least MAPE
over all pairs. Out of sample: for each pair, the grid point of least MAPE over the
*other* pairs predicts the left-out one; the MAPE of those predictions is the
leave-one-out figure.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from sim.calibration import load_observations
from sim.graph import build_graph
from sim.modes import PROFILES
from sim.network import load_network
from sim.paths import all_pairs
from sim.scenario import apply_scenario, load_scenario

CRUISE = (100.0, 102.5, 105.0, 107.5, 110.0)
ENTRANCE_SPEED = (70.0, 80.0, 90.0, 100.0, 110.0, 120.0, 130.0)
ENTRANCE_FIXED = (6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0)


def main() -> None:
    """Print the in-sample fit and the leave-one-out figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="today")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    full = load_network(scenario.network_folder)
    latest = apply_scenario(scenario, full)
    observations = [
        o
        for o in load_observations(scenario.network_folder / "observed_times.csv", full)
        if o.profile == "road"
    ]
    years = {o.year if o.year and scenario.year and o.year < scenario.year else None for o in observations}
    networks = {y: latest if y is None else full.as_of(y) for y in years}
    observed = np.array([o.observed_min for o in observations])
    grid = list(itertools.product(CRUISE, ENTRANCE_SPEED, ENTRANCE_FIXED))
    modelled = np.empty((len(grid), len(observations)))
    for g, (cruise, speed, fixed) in enumerate(grid):
        values = {"expressway_cruise_kmh": cruise, "road_entrance_speed_kmh": speed}
        params = scenario.parameters.with_overrides({**values, "road_entrance_fixed_min": fixed})
        minutes = {}
        for year, net in networks.items():
            graph = build_graph(net, PROFILES["road"], params)
            minutes[year] = (all_pairs(graph), graph.city_ids)
        for k, o in enumerate(observations):
            year = o.year if o.year and scenario.year and o.year < scenario.year else None
            matrix, ids = minutes[year]
            modelled[g, k] = matrix[ids.index(o.origin), ids.index(o.destination)]
    error = np.abs(modelled - observed) / observed
    best = int(error.mean(axis=1).argmin())
    print(f"{len(observations)} road pairs, {len(grid)} grid points")
    cruise, speed, fixed = grid[best]
    print(
        f"in sample: cruise {cruise:.1f} km/h, entrance {speed:.0f} km/h + {fixed:.0f} min: "
        f"MAPE {100 * error[best].mean():.1f} %, worst {100 * error[best].max():.1f} %"
    )
    left_out = []
    for k in range(len(observations)):
        others = np.ones(len(observations), dtype=bool)
        others[k] = False
        left_out.append(error[int(error[:, others].mean(axis=1).argmin()), k])
    print(f"leave one out: MAPE {100 * np.mean(left_out):.1f} %, worst {100 * np.max(left_out):.1f} %")
    current = scenario.parameters
    now = (current.expressway_cruise_kmh, current.road_entrance_speed_kmh, current.road_entrance_fixed_min)
    if now in grid:
        g = grid.index(now)
        print(f"defaults {now}: MAPE {100 * error[g].mean():.1f} %, worst {100 * error[g].max():.1f} %")


if __name__ == "__main__":
    main()

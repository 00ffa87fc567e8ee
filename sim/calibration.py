"""Compare modelled times with observed ones (``network/observed_times.csv``).

Like is compared with like: a fastest scheduled train (station to station, the
``in_vehicle`` measure of the data) with the station-to-station part of the modelled rail
trip (in-vehicle time plus any change of train on the way); a driving time with the
modelled road trip door to door. A figure given with a tolerance or as a bound counts only the error that
lies outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, InputErrors
from sim.evaluate import ProfileResult, evaluate_profile
from sim.graph import COMPONENTS
from sim.modes import PROFILES
from sim.network import Network
from sim.paths import station_to_station
from sim.scenario import Scenario, apply_scenario
from sim.tables import Column, choice, non_negative, positive, read_table, to_int, to_str

__all__ = [
    "Observation",
    "calibrate",
    "calibration_table",
    "fit_rail_running_time",
    "load_observations",
    "summarise",
]

MEASURE_OF_PROFILE = {"rail": "in_vehicle", "road": "door_to_door"}


OBSERVED_COLUMNS = (
    Column("origin", to_str),
    Column("destination", to_str),
    Column("profile", choice("rail", "road")),
    Column("measure", choice("in_vehicle", "door_to_door")),
    Column("observed_min", positive),
    Column("bound", choice("upper", "lower"), required=False),
    Column("tolerance_min", non_negative, required=False),
    Column("origin_terminal", to_str, required=False),
    Column("destination_terminal", to_str, required=False),
    Column("km", positive, required=False),
    Column("year", to_int, required=False),
    Column("source", to_str),
)


@dataclass(frozen=True)
class Observation:
    """One observed time between two cities."""

    origin: str
    destination: str
    profile: str
    measure: str
    observed_min: float
    bound: str | None
    tolerance_min: float
    year: int | None
    source: str
    line: int


def load_observations(path: Path, network: Network) -> list[Observation]:
    """Read and check ``observed_times.csv`` against the network's cities.

    Raises
    ------
    InputErrors
        Every bad row, each naming file, line and field.
    """
    rows, errors = read_table(path, OBSERVED_COLUMNS)
    out = []
    for r in rows:
        bad = False
        for key in ("origin", "destination"):
            if r[key] not in network.city_by_id:
                errors.append(InputError(f"unknown city id '{r[key]}'", path, r.line, key))
                bad = True
        if MEASURE_OF_PROFILE[r["profile"]] != r["measure"]:
            errors.append(
                InputError(
                    f"profile {r['profile']} is compared on {MEASURE_OF_PROFILE[r['profile']]}",
                    path,
                    r.line,
                    "measure",
                )
            )
            bad = True
        if not bad:
            out.append(
                Observation(
                    r["origin"],
                    r["destination"],
                    r["profile"],
                    r["measure"],
                    r["observed_min"],
                    r["bound"],
                    r["tolerance_min"] or 0.0,
                    r["year"],
                    r["source"],
                    r.line,
                )
            )
    if errors:
        raise InputErrors(errors)
    return out


def _counted_error(modelled: float, obs: Observation) -> float:
    """Error in minutes that lies outside the observation's tolerance or bound."""
    if obs.bound == "upper":
        return max(modelled - obs.observed_min - obs.tolerance_min, 0.0)
    if obs.bound == "lower":
        return min(modelled - obs.observed_min + obs.tolerance_min, 0.0)
    error = modelled - obs.observed_min
    return float(np.sign(error) * max(abs(error) - obs.tolerance_min, 0.0))


def calibrate(
    scenario: Scenario, full: Network, observations: list[Observation], backend: str = "scipy"
) -> pd.DataFrame:
    """Compare every observation with the network as it was in the observation's year.

    A timetable of 2014 is compared with the network as built by the end of 2014, not
    with today's: lines opened since would make the model look wrong for the wrong
    reason. Observations of unknown year, or of a year after the scenario's, are compared
    with the scenario's network.

    Parameters
    ----------
    scenario
        Gives the parameters and the latest network (its ``year``).
    full
        The full network data (every status).
    observations
        From :func:`load_observations`.
    backend
        Shortest-path backend.
    """
    latest = apply_scenario(scenario, full)
    start = full.data_years[0] if full.data_years else None
    tables = []
    by_year: dict[int | None, list[Observation]] = {}
    for obs in observations:
        year = obs.year
        if year is None or scenario.year is None or year >= scenario.year or (start and year < start):
            year = None
        by_year.setdefault(year, []).append(obs)
    for year in sorted(by_year, key=lambda y: (y is None, y or 0)):
        group = by_year[year]
        net = latest if year is None else full.as_of(year)
        profiles = sorted({o.profile for o in group})
        results = {p: evaluate_profile(net, PROFILES[p], scenario.parameters, backend) for p in profiles}
        table = calibration_table(group, results)
        table["network_year"] = scenario.year if year is None else year
        tables.append(table)
    order = {id(o): k for k, o in enumerate(observations)}
    merged = pd.concat(tables, ignore_index=True)
    keys = [order[id(o)] for y in sorted(by_year, key=lambda y: (y is None, y or 0)) for o in by_year[y]]
    merged["_order"] = keys
    return merged.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def calibration_table(observations: list[Observation], results: dict[str, ProfileResult]) -> pd.DataFrame:
    """One row per observation: observed, modelled, raw error and the error that counts.

    Parameters
    ----------
    observations
        From :func:`load_observations`.
    results
        Profile results of the network compared (must include every profile observed).
    """
    rows = []
    for obs in observations:
        res = results[obs.profile]
        ids = res.graph.city_ids
        i, j = ids.index(obs.origin), ids.index(obs.destination)
        if not np.isfinite(res.minutes[i, j]):
            modelled = float("nan")
        elif obs.measure == "in_vehicle":
            modelled = station_to_station(res.legs[i][j])
        else:
            modelled = float(res.minutes[i, j])
        counted = _counted_error(modelled, obs) if np.isfinite(modelled) else float("nan")
        legs = res.legs[i][j]
        route = " | ".join(
            f"{leg.line} {leg.from_id}->{leg.to_id} {leg.minutes:.0f}"
            for leg in legs
            if leg.kind in ("ride", "drive")
        )
        rows.append(
            {
                "origin": obs.origin,
                "destination": obs.destination,
                "profile": obs.profile,
                "measure": obs.measure,
                "observed_min": obs.observed_min,
                "bound": obs.bound or "",
                "tolerance_min": obs.tolerance_min,
                "modelled_min": round(modelled, 1),
                "error_min": round(modelled - obs.observed_min, 1),
                "error_pct": round(100 * (modelled - obs.observed_min) / obs.observed_min, 1),
                "counted_error_min": round(counted, 1),
                "counted_error_pct": round(100 * counted / obs.observed_min, 1),
                "main_line": res.main_line(i, j),
                "route": route,
                "year": obs.year,
                "source": obs.source,
            }
        )
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per profile: pairs, MAE and MAPE (raw and counted), worst counted error in percent."""
    out: dict[str, dict[str, float]] = {}
    for profile, group in table.groupby("profile", sort=True):
        ok = group.dropna(subset=["modelled_min"])
        out[str(profile)] = {
            "pairs": len(group),
            "unreachable": int(len(group) - len(ok)),
            "mae_min": round(float(ok["error_min"].abs().mean()), 1),
            "mape_pct": round(float(ok["error_pct"].abs().mean()), 1),
            "counted_mae_min": round(float(ok["counted_error_min"].abs().mean()), 1),
            "counted_mape_pct": round(float(ok["counted_error_pct"].abs().mean()), 1),
            "worst_counted_pct": round(float(ok["counted_error_pct"].abs().max()), 1),
        }
    return out


def fit_rail_running_time(
    scenario: Scenario, full: Network, observations: list[Observation], backend: str = "scipy"
) -> dict[str, float]:
    """Least-squares fit of the rail running-time model to the observed fastest trains.

    The station-to-station time of each observed pair, on the path the model chooses
    with the scenario's parameters, is written as
    ``f * sum(km / speed) + a * links + b * rides + fixed``, where ``fixed`` is what the
    fit does not touch (changes of train, through-service dwells). Non-negative least
    squares with weights ``1 / observed`` (so that it fits percentages, as MAPE counts
    them) gives ``f``, ``a`` and ``b``: ``speed_factor = 1 / f``, ``stop_loss_min = a``,
    ``start_stop_min = b``. One model for all rail modes.

    Returns
    -------
    dict
        ``speed_factor``, ``stop_loss_min``, ``start_stop_min``, ``pairs`` and the
        weighted ``mape_pct`` of the fitted model on the same pairs.
    """
    from scipy.optimize import nnls

    from sim.paths import node_distances, shortest_path_tree

    latest = apply_scenario(scenario, full)
    rail = [o for o in observations if o.profile == "rail"]
    rows, target, observed = [], [], []
    cache: dict[int | None, tuple[Network, ProfileResult]] = {}
    for obs in rail:
        year = obs.year if obs.year and scenario.year and obs.year < scenario.year else None
        if year not in cache:
            net = latest if year is None else full.as_of(year)
            cache[year] = (net, evaluate_profile(net, PROFILES["rail"], scenario.parameters, backend))
        net, res = cache[year]
        g = res.graph
        i, j = g.city_ids.index(obs.origin), g.city_ids.index(obs.destination)
        if not np.isfinite(res.minutes[i, j]):
            continue
        source = int(g.origin_nodes[i])
        tree = shortest_path_tree(g, source, node_distances(g, backend, [source])[0])
        edges = tree.edges_to(int(g.dest_nodes[j]))
        rides = [k for k, e in enumerate(edges) if g.edge_kind[e] == "ride"]
        run = links = fixed = 0.0
        n_rides = 1
        for e in edges[rides[0] : rides[-1] + 1]:
            kind = g.edge_kind[e]
            if kind == "ride":
                link = net.links[int(g.edge_link[e])]
                speed = link.speed_kmh or scenario.parameters.default_speed_kmh[link.mode.value]
                run += link.minutes if link.minutes is not None else link.km / speed * 60  # type: ignore[operator]
                links += 1
            elif kind == "board":
                n_rides += 1
                fixed += float(g.components[e].sum() - g.components[e][COMPONENTS.index("in_vehicle")]) / 60
            else:
                fixed += float(g.components[e].sum()) / 60
        rows.append([run, links, n_rides])
        target.append(obs.observed_min - fixed)
        observed.append(obs.observed_min)
    x, y, o = np.array(rows), np.array(target), np.array(observed)
    weight = 1.0 / o
    coef, _ = nnls(x * weight[:, None], y * weight)
    predicted = x @ coef + (o - y)
    return {
        "pairs": len(o),
        "speed_factor": float(1.0 / coef[0]) if coef[0] > 0 else float("inf"),
        "stop_loss_min": float(coef[1]),
        "start_stop_min": float(coef[2]),
        "mape_pct": float(np.mean(np.abs(predicted - o) / o) * 100),
    }

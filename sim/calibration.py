"""Compare modelled times with observed ones (``network/observed_times.csv``).

Like is compared with like: a fastest scheduled train (station to station, the
``in_vehicle`` measure of the data) with the model's timetable reading, the fastest trip
from the first boarding to the last alighting (in-vehicle time plus any change of train on
the way) between the stations the observation names, or else any stations of the two
cities; a driving time with the modelled road trip door to door. A figure given with a
tolerance or as a bound counts only the error that lies outside it.

In sample, the model runs with the scenario's parameters, whose running-time values were
fitted on these same observations (:func:`fit_running_time`). Out of sample
(:func:`out_of_sample`), each city pair is predicted by parameters refitted without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, InputErrors
from sim.fitting import FITTED, FitResult, LinearGraph, ObservedTrip, cross_validate, fit, trip_legs
from sim.graph import Graph, build_graph
from sim.modes import PROFILES
from sim.network import Network
from sim.paths import main_line
from sim.scenario import Scenario, apply_scenario
from sim.tables import Column, choice, non_negative, positive, read_table, to_int, to_str

__all__ = [
    "Calibration",
    "Observation",
    "calibrate",
    "calibrate_in_and_out_of_sample",
    "fit_running_time",
    "load_observations",
    "network_years",
    "out_of_sample",
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
    origin_terminal: str | None = None
    destination_terminal: str | None = None


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
        for key, city in (("origin_terminal", "origin"), ("destination_terminal", "destination")):
            if r[key] is None:
                continue
            terminal = network.terminal_by_id.get(r[key])
            if terminal is None or terminal.city != r[city]:
                errors.append(InputError(f"'{r[key]}' is not a terminal of '{r[city]}'", path, r.line, key))
                bad = True
            elif r["measure"] != "in_vehicle":
                errors.append(
                    InputError("a terminal is named only for station-to-station times", path, r.line, key)
                )
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
                    r["origin_terminal"],
                    r["destination_terminal"],
                )
            )
    if errors:
        raise InputErrors(errors)
    return out


def _point_error(modelled: float, obs: Observation) -> float:
    """Error in minutes against the observed value; for a bound, only what lies beyond it."""
    error = modelled - obs.observed_min
    if obs.bound == "upper":
        return max(error, 0.0)
    if obs.bound == "lower":
        return min(error, 0.0)
    return error


def _counted_error(modelled: float, obs: Observation) -> float:
    """Error in minutes that lies outside the observation's tolerance or bound."""
    if obs.bound == "upper":
        return max(modelled - obs.observed_min - obs.tolerance_min, 0.0)
    if obs.bound == "lower":
        return min(modelled - obs.observed_min + obs.tolerance_min, 0.0)
    error = modelled - obs.observed_min
    return float(np.sign(error) * max(abs(error) - obs.tolerance_min, 0.0))


def network_years(scenario: Scenario, full: Network, observations: list[Observation]) -> list[int | None]:
    """Return the year of the network each observation is compared with (None: the scenario's).

    A timetable of 2014 is compared with the network as built by the end of 2014, not
    with today's: lines opened since would make the model look wrong for the wrong
    reason. Observations of unknown year, of a year at or after the scenario's, or before
    the data's first year, are compared with the scenario's network.
    """
    start = full.data_years[0] if full.data_years else None
    out: list[int | None] = []
    for obs in observations:
        year = obs.year
        if year is None or scenario.year is None or year >= scenario.year or (start and year < start):
            year = None
        out.append(year)
    return out


def _networks(scenario: Scenario, full: Network, years: list[int | None]) -> dict[int | None, Network]:
    latest = apply_scenario(scenario, full)
    return {
        y: latest if y is None else full.as_of(y)
        for y in sorted(set(years), key=lambda y: (y is None, y or 0))
    }


def calibrate(
    scenario: Scenario, full: Network, observations: list[Observation], backend: str = "scipy"
) -> pd.DataFrame:
    """Compare every observation with the network as it was in the observation's year.

    See :func:`network_years` for which network each observation meets; the parameters
    are the scenario's. One row per observation, in the order given.

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
    years = network_years(scenario, full, observations)
    networks = _networks(scenario, full, years)
    graphs: dict[tuple[int | None, str], Graph] = {}
    rows = []
    for obs, year in zip(observations, years, strict=True):
        key = (year, obs.profile)
        if key not in graphs:
            graphs[key] = build_graph(networks[year], PROFILES[obs.profile], scenario.parameters)
        row = _compare(obs, graphs[key], backend)
        row["network_year"] = scenario.year if year is None else year
        rows.append(row)
    return pd.DataFrame(rows)


def _compare(obs: Observation, graph: Graph, backend: str) -> dict[str, object]:
    """One row of the comparison: observed, modelled, raw error and the error that counts."""
    legs, modelled = trip_legs(graph, _trip(obs, None), backend)
    counted = _counted_error(modelled, obs) if np.isfinite(modelled) else float("nan")
    error = _point_error(modelled, obs) if np.isfinite(modelled) else float("nan")
    route = " | ".join(
        f"{leg.line} {leg.from_id}->{leg.to_id} {leg.minutes:.0f}"
        for leg in legs
        if leg.kind in ("ride", "drive")
    )
    return {
        "origin": obs.origin,
        "destination": obs.destination,
        "profile": obs.profile,
        "measure": obs.measure,
        "observed_min": obs.observed_min,
        "bound": obs.bound or "",
        "tolerance_min": obs.tolerance_min,
        "modelled_min": round(modelled, 1),
        "error_min": round(error, 1),
        "error_pct": round(100 * error / obs.observed_min, 1),
        "counted_error_min": round(counted, 1),
        "counted_error_pct": round(100 * counted / obs.observed_min, 1),
        "main_line": main_line(legs),
        "route": route,
        "year": obs.year,
        "source": obs.source,
    }


def _trips(
    scenario: Scenario, full: Network, observations: list[Observation], profile: str
) -> tuple[list[int], list[ObservedTrip], dict[object, LinearGraph]]:
    """Return the observations of one profile as trips for the fit, with a linear graph per year."""
    years = network_years(scenario, full, observations)
    chosen = [k for k, o in enumerate(observations) if o.profile == profile]
    networks = _networks(scenario, full, [years[k] for k in chosen])
    graphs: dict[object, LinearGraph] = {
        y: LinearGraph(net, profile, scenario.parameters, FITTED[profile]) for y, net in networks.items()
    }
    return chosen, [_trip(observations[k], years[k]) for k in chosen], graphs


def _trip(obs: Observation, key: object) -> ObservedTrip:
    """Return an observation as the fit sees it: where it starts and ends in the graph, how it is read.

    A train's time is read station to station (the timetable reading): from the named
    station, else from whichever station of the city gives the fastest trip; a driving
    time door to door.
    """
    if obs.measure == "in_vehicle":
        origin = ("dep", obs.origin_terminal) if obs.origin_terminal else ("tt_origin", obs.origin)
        destination = (
            ("arr", obs.destination_terminal) if obs.destination_terminal else ("tt_dest", obs.destination)
        )
    else:
        origin, destination = ("origin", obs.origin), ("dest", obs.destination)
    return ObservedTrip(
        key=key,
        origin=origin,
        destination=destination,
        station_to_station=obs.measure == "in_vehicle",
        observed_min=obs.observed_min,
        tolerance_min=obs.tolerance_min,
        bound=obs.bound,
        group="–".join(sorted((obs.origin, obs.destination))),
    )


def fit_running_time(
    scenario: Scenario, full: Network, observations: list[Observation], profile: str
) -> FitResult:
    """Fit the profile's parameters (:data:`sim.fitting.FITTED`) on every observation of it.

    Returns
    -------
    FitResult
        The values that minimise the mean percentage error beyond tolerance, within their
        physical bounds, on the paths they themselves make the model choose.
    """
    _, trips, graphs = _trips(scenario, full, observations, profile)
    return fit(trips, graphs)


def out_of_sample(
    scenario: Scenario,
    full: Network,
    observations: list[Observation],
    folds: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Predict every observation with parameters refitted without its city pair.

    Parameters
    ----------
    scenario, full, observations
        As for :func:`calibrate`.
    folds
        None (default): leave one pair out at a time; else the pairs are dealt into this
        many folds at random with ``seed``.
    seed
        Seed of the folds (unused when leaving one pair out).

    Returns
    -------
    pandas.DataFrame
        One row per observation, in the order given: ``modelled_cv_min``,
        ``error_cv_pct``, ``counted_error_cv_pct`` and, per fitted parameter, the value it
        was predicted with (``cv_speed_factor``, ...).
    """
    out = pd.DataFrame(index=range(len(observations)))
    out["modelled_cv_min"] = np.nan
    for profile in sorted({o.profile for o in observations}):
        chosen, trips, graphs = _trips(scenario, full, observations, profile)
        cv = cross_validate(trips, graphs, profile, folds, seed)
        out.loc[chosen, "modelled_cv_min"] = np.round(cv.modelled, 1)
        for k, f in enumerate(FITTED[profile]):
            out.loc[chosen, f"cv_{f.name}"] = [round(v[k], 4) if v else np.nan for v in cv.values]
    observed = np.array([o.observed_min for o in observations])
    modelled = out["modelled_cv_min"].to_numpy(dtype=float)
    counted = np.array(
        [
            _counted_error(m, o) if np.isfinite(m) else np.nan
            for m, o in zip(modelled, observations, strict=True)
        ]
    )
    error = np.array(
        [
            _point_error(m, o) if np.isfinite(m) else np.nan
            for m, o in zip(modelled, observations, strict=True)
        ]
    )
    out.insert(1, "error_cv_pct", np.round(100 * error / observed, 1))
    out.insert(2, "counted_error_cv_pct", np.round(100 * counted / observed, 1))
    return out


def summarise(table: pd.DataFrame) -> dict[str, dict[str, object]]:
    """Per profile: observations, MAPE and the worst pair, in sample and out of sample.

    ``mape`` and ``worst`` are against the observed values (a bound counts only beyond
    it), in percent; ``mape_beyond_tolerance`` and ``worst_beyond_tolerance`` count only
    the error beyond each source's tolerance. With the columns of :func:`out_of_sample`
    present, the ``_cv`` keys give the same out of sample.
    """
    out: dict[str, dict[str, object]] = {}
    for profile, group in table.groupby("profile", sort=True):
        ok = group.dropna(subset=["modelled_min"])
        s: dict[str, object] = {
            "n": len(group),
            "unreachable": int(len(group) - len(ok)),
            "mape": _mean_abs(ok["error_pct"]),
            "worst": _max_abs(ok["error_pct"]),
            "worst_pair": _worst_pair(ok, "error_pct"),
            "mae_min": _mean_abs(ok["error_min"]),
            "mape_beyond_tolerance": _mean_abs(ok["counted_error_pct"]),
            "worst_beyond_tolerance": _max_abs(ok["counted_error_pct"]),
        }
        if "counted_error_cv_pct" in group:
            cv = group.dropna(subset=["modelled_cv_min"])
            s.update(
                {
                    "n_cv": len(cv),
                    "mape_cv": _mean_abs(cv["error_cv_pct"]),
                    "worst_cv": _max_abs(cv["error_cv_pct"]),
                    "worst_cv_pair": _worst_pair(cv, "error_cv_pct"),
                    "over_15_pct_cv": int((cv["error_cv_pct"].abs() > 15).sum()),
                    "over_20_pct_cv": int((cv["error_cv_pct"].abs() > 20).sum()),
                    "mape_beyond_tolerance_cv": _mean_abs(cv["counted_error_cv_pct"]),
                    "worst_beyond_tolerance_cv": _max_abs(cv["counted_error_cv_pct"]),
                }
            )
        out[str(profile)] = s
    return out


def _mean_abs(values: pd.Series) -> float:
    return round(float(values.abs().mean()), 1) if len(values) else float("nan")


def _max_abs(values: pd.Series) -> float:
    return round(float(values.abs().max()), 1) if len(values) else float("nan")


def _worst_pair(group: pd.DataFrame, column: str) -> str:
    if not len(group):
        return ""
    row = group.loc[group[column].abs().idxmax()]
    year = f", {int(row['year'])}" if pd.notna(row["year"]) else ""
    return f"{row['origin']}–{row['destination']}{year}"


@dataclass(frozen=True)
class Calibration:
    """What ``sim calibrate`` reports.

    Attributes
    ----------
    table
        One row per observation: :func:`calibrate`'s columns, then :func:`out_of_sample`'s.
    stats
        Per profile: :func:`summarise`, plus ``fitted`` (the values fitted on every
        observation), ``scenario_values`` (the scenario's) and ``out_of_sample`` (how).
    fits
        Per profile, the fit on every observation.
    """

    table: pd.DataFrame
    stats: dict[str, dict[str, object]]
    fits: dict[str, FitResult]


def calibrate_in_and_out_of_sample(
    scenario: Scenario,
    full: Network,
    observations: list[Observation],
    backend: str = "scipy",
    folds: int | None = None,
    seed: int = 0,
) -> Calibration:
    """Run the whole calibration: in sample, out of sample, and the fit on every observation."""
    table = pd.concat(
        [
            calibrate(scenario, full, observations, backend),
            out_of_sample(scenario, full, observations, folds, seed),
        ],
        axis=1,
    )
    stats = summarise(table)
    fits = {p: fit_running_time(scenario, full, observations, p) for p in stats}
    for profile, s in stats.items():
        s["fitted"] = {k: round(v, 4) for k, v in fits[profile].as_dict().items()}
        s["scenario_values"] = {f.name: f.current(scenario.parameters) for f in fits[profile].fitted}
        s["out_of_sample"] = f"{folds} folds of pairs, seed {seed}" if folds else "leave one pair out"
    return Calibration(table, stats, fits)

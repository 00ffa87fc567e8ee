"""Compare modelled times with observed ones (``network/observed_times.csv``).

Like is compared with like: a fastest scheduled train (station to station) with the
in-vehicle part of the modelled rail trip; a driving time with the modelled road trip
door to door. A figure given with a tolerance or as a bound counts only the error that
lies outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, InputErrors
from sim.evaluate import ProfileResult
from sim.graph import COMPONENTS
from sim.network import Network
from sim.tables import Column, read_table, to_float, to_int, to_str

__all__ = ["Observation", "calibration_table", "load_observations", "summarise"]

MEASURE_OF_PROFILE = {"rail": "in_vehicle", "road": "door_to_door"}


def _choice(*allowed: str):
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"'{text}' is not one of {', '.join(allowed)}")
        return text

    return parse


def _minutes(text: str) -> float:
    value = to_float(text)
    if value <= 0:
        raise ValueError(f"must be > 0, got {text}")
    return value


def _tolerance(text: str) -> float:
    value = to_float(text)
    if value < 0:
        raise ValueError(f"must be >= 0, got {text}")
    return value


OBSERVED_COLUMNS = (
    Column("origin", to_str),
    Column("destination", to_str),
    Column("profile", _choice("rail", "road")),
    Column("measure", _choice("in_vehicle", "door_to_door")),
    Column("observed_min", _minutes),
    Column("bound", _choice("upper", "lower"), required=False),
    Column("tolerance_min", _tolerance, required=False),
    Column("origin_terminal", to_str, required=False),
    Column("destination_terminal", to_str, required=False),
    Column("km", _minutes, required=False),
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


def calibration_table(observations: list[Observation], results: dict[str, ProfileResult]) -> pd.DataFrame:
    """One row per observation: observed, modelled, raw error and the error that counts.

    Parameters
    ----------
    observations
        From :func:`load_observations`.
    results
        Profile results of the network compared (must include every profile observed).
    """
    v = COMPONENTS.index("in_vehicle")
    rows = []
    for obs in observations:
        res = results[obs.profile]
        ids = res.graph.city_ids
        i, j = ids.index(obs.origin), ids.index(obs.destination)
        if not np.isfinite(res.minutes[i, j]):
            modelled = float("nan")
        elif obs.measure == "in_vehicle":
            modelled = float(res.parts[i, j, v])
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

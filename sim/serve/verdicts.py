"""Verdicts of the workbench: every target under both readings, from the solved matrices.

This is the one place where the workbench decides what a target's verdict is, so that
the project's own rules (``sim.targets``) can replace these when they grow.

Readings
    ``door_to_door`` (centre to centre: access, processing, waits, rides, transfers,
    egress) and ``timetable`` (station to station on its own fastest path, as the
    railway's timetables and the plans' press state intercity times). A pair's time is
    the slower of its two directions, as in :mod:`sim.targets`.
Headline
    The target's own ``measure`` (``door_to_door`` by default in ``targets.toml``);
    a target read ``in_vehicle`` is shown under the timetable reading, the nearest of the
    two (the workbench does not sum in-vehicle parts along each path).
Close
    A pair that misses its threshold by no more than the model's error on its profile
    (:data:`CLOSE_SHARE` of the threshold) is ``close``: inside what the model can tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.network import Network
from sim.targets import Target, coverage

__all__ = ["CLOSE_SHARE", "READINGS", "ProfileTimes", "judge"]

READINGS = ("door_to_door", "timetable")

# Calibration error of the model per profile (README, "Calibration", as `sim calibrate
# --markdown` prints it: rail MAPE 12.1 % over 61 fastest trains, road 4.7 % over 54
# driving times, in sample); the passenger profile is read with the rail figure, its
# targets being rail-or-road trips.
CLOSE_SHARE = {"rail": 0.121, "passenger": 0.121, "road": 0.047, "freight": 0.047}


@dataclass(frozen=True)
class ProfileTimes:
    """Minutes between cities on one profile (rows not solved are NaN).

    Attributes
    ----------
    door_to_door, timetable
        ``(n, n)`` minutes; ``inf`` where there is no path, NaN where not computed.
    main_lines
        ``main_lines([(i, j, reading), ...])``: the binding line of each path from city i
        to city j.
    """

    door_to_door: np.ndarray
    timetable: np.ndarray
    main_lines: Callable[[list[tuple[int, int, str]]], list[str]]

    def reading(self, name: str) -> np.ndarray:
        """Return the matrix of one reading."""
        return self.door_to_door if name == "door_to_door" else self.timetable


def headline_of(target: Target) -> str:
    """Return the reading a target is judged on first."""
    return "timetable" if target.measure in ("in_vehicle", "timetable") else "door_to_door"


def _status(gap: float | None, margin: float) -> str:
    if gap is None:
        return "not_met"
    if gap <= 1e-9:
        return "met"
    return "close" if gap <= margin + 1e-9 else "not_met"


def _overall(statuses: list[str]) -> str:
    if all(s == "met" for s in statuses):
        return "met"
    if all(s in ("met", "close") for s in statuses):
        return "close"
    return "not_met"


def judge(
    targets: list[Target],
    year: int,
    times: dict[str, ProfileTimes],
    network: Network,
    city_ids: tuple[str, ...],
) -> list[dict[str, Any]]:
    """Judge every target; return one JSON-ready record per target.

    Parameters
    ----------
    targets
        The targets of the scenario.
    year
        The year of the network judged (a target due later is ``not yet due``).
    times
        Per profile, the solved minutes.
    network
        The state's network (for coverage targets).
    city_ids
        City ids in matrix order.
    """
    index = {c: i for i, c in enumerate(city_ids)}
    out = []
    wanted: dict[str, list[tuple[dict[str, Any], tuple[int, int, str]]]] = {}
    for t in targets:
        due = getattr(t, "due_year", None)
        record: dict[str, Any] = {
            "id": t.id,
            "title": t.title,
            "source": t.source,
            "note": t.note,
            "kind": t.kind,
            "profile": t.profile,
            "threshold_min": t.threshold_min,
            "due_year": due,
            "not_yet_due": bool(due is not None and year < due),
        }
        if t.kind == "travel_time":
            profile = t.profile or "rail"
            record.update(_travel_time(t, times[profile], index, wanted.setdefault(profile, [])))
        else:
            record.update(_coverage(t, network))
        record["status"] = "not_yet_due" if record["not_yet_due"] else record["readings"][record["headline"]]
        out.append(record)
    for profile, asks in wanted.items():
        lines = times[profile].main_lines([ask for _, ask in asks])
        for (row, _), line in zip(asks, lines, strict=True):
            row["line"] = line
    return out


def _travel_time(
    t: Target,
    times: ProfileTimes,
    index: dict[str, int],
    wanted: list[tuple[dict[str, Any], tuple[int, int, str]]],
) -> dict[str, Any]:
    headline = headline_of(t)
    margin = CLOSE_SHARE.get(t.profile or "rail", 0.1) * (t.threshold_min or 0.0)
    threshold = t.threshold_min or 0.0
    pairs = []
    per_reading: dict[str, list[str]] = {r: [] for r in READINGS}
    for group in t.groups:
        for a, b in group.pairs():
            i, j = index[a], index[b]
            row: dict[str, Any] = {"a": a, "b": b}
            for reading in READINGS:
                m = times.reading(reading)
                ab, ba = float(m[i, j]), float(m[j, i])
                worst = max(ab, ba)
                finite = bool(np.isfinite(worst))
                gap = worst - threshold if finite else None
                status = _status(gap, margin)
                per_reading[reading].append(status)
                row[reading] = round(worst, 1) if finite else None
                row[f"{reading}_status"] = status
                if reading == headline:
                    row["gap_min"] = None if gap is None else round(gap, 1)
                    row["status"] = status
                    row["line"] = "" if finite else "(no path)"
                    if status != "met" and finite:
                        wanted.append((row, ((i, j) if ab >= ba else (j, i)) + (reading,)))
            pairs.append(row)
    return {
        "headline": headline,
        "readings": {r: _overall(s) for r, s in per_reading.items()},
        "passed": {r: sum(s == "met" for s in v) for r, v in per_reading.items()},
        "checked": len(pairs),
        "close_margin_min": round(margin, 1),
        "pairs": pairs,
    }


def _coverage(t: Target, network: Network) -> dict[str, Any]:
    served = coverage(network, t.service or "", t.fast_rail_min_kmh)
    cities = []
    for city in network.cities:
        big = city.population is not None and city.population >= (t.min_population or 0)
        if (big and city.plan_status == "in-plan") or city.id in t.also:
            cities.append({"city": city.id, "status": "met" if city.id in served else "not_met"})
    overall = "met" if all(c["status"] == "met" for c in cities) else "not_met"
    passed = sum(c["status"] == "met" for c in cities)
    return {
        "headline": "coverage",
        "readings": {"coverage": overall},
        "passed": {"coverage": passed},
        "checked": len(cities),
        "service": t.service,
        "cities": cities,
    }

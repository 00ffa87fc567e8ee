"""Verdicts of the workbench: :mod:`sim.verdicts`' rules on the answers of the masked graphs.

Every rule is :func:`sim.verdicts.judge`'s, the one ``sim run`` applies: the two readings
and the headline of each target (``targets.toml``), close calls within the model's
measured error (``calibration.toml``: :mod:`sim.model_error`), "not yet due" before a
target's due year, coverage and length. This module only hands ``judge`` what it reads
from a :class:`sim.evaluate.ProfileResult` (minutes and itineraries under both readings),
taken from a solved state, and turns each :class:`~sim.verdicts.TargetResult` into the
record the page draws.

The page's status of a target is read off the result, nothing more: ``not_yet_due`` when
the network is of a year before the target's due year (the verdict it would have is
still shown), else ``met``, ``undetermined`` (a length that is a lower bound short of the
target), ``close`` (not met, but every pair that misses does so within the model's
error: sim.verdicts' close calls) or ``not_met``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model_error import ModelError
from sim.modes import PROFILES
from sim.network import Network
from sim.paths import Leg
from sim.targets import Target
from sim.verdicts import ReadingResult, TargetResult, gap_text, judge

__all__ = ["ProfileTimes", "judge_state", "page_status", "verdict_record"]


@dataclass(frozen=True)
class ProfileTimes:
    """Minutes between cities on one profile (rows not solved are NaN), and their itineraries.

    Attributes
    ----------
    door_to_door, timetable
        ``(n, n)`` minutes; ``inf`` where there is no path, NaN where not computed.
    legs
        ``legs([(i, j, reading), ...])``: the itinerary of each path from city i to city
        j, as :func:`sim.paths.itinerary` builds it.
    """

    door_to_door: np.ndarray
    timetable: np.ndarray
    legs: Callable[[list[tuple[int, int, str]]], list[list[Leg]]]

    def reading(self, name: str) -> np.ndarray:
        """Return the matrix of one reading."""
        return self.door_to_door if name == "door_to_door" else self.timetable


class _Itineraries:
    """``legs[i][j]`` of one reading, as :func:`sim.verdicts.judge` reads them; asked in one batch."""

    def __init__(self, times: ProfileTimes, reading: str, wanted: set[tuple[int, int]]) -> None:
        self._times = times
        self._reading = reading
        order = sorted(wanted)
        found = times.legs([(i, j, reading) for i, j in order]) if order else []
        self._legs: dict[tuple[int, int], list[Leg]] = dict(zip(order, found, strict=True))

    def get(self, i: int, j: int) -> list[Leg]:
        if (i, j) not in self._legs:
            self._legs[(i, j)] = self._times.legs([(i, j, self._reading)])[0]
        return self._legs[(i, j)]

    def __getitem__(self, i: int) -> _Row:
        return _Row(self, i)


@dataclass(frozen=True)
class _Row:
    itineraries: _Itineraries
    i: int

    def __getitem__(self, j: int) -> list[Leg]:
        return self.itineraries.get(self.i, j)


@dataclass(frozen=True)
class _ProfileResult:
    """What :func:`sim.verdicts.judge` reads of a :class:`sim.evaluate.ProfileResult`."""

    profile: Any
    minutes: np.ndarray
    legs: _Itineraries
    timetable_minutes: np.ndarray
    timetable_legs: _Itineraries


def _wanted(targets: list[Target], times: dict[str, ProfileTimes], index: dict[str, int]) -> dict:
    """Return the directed pairs whose itinerary each (profile, reading) will be asked for.

    A pair's time is the slower of its two directions, and ``judge`` reads the
    itinerary of that direction: the same choice is made here, so that one batch per
    reading answers every question.
    """
    out: dict[tuple[str, str], set[tuple[int, int]]] = {}
    for t in targets:
        if t.kind != "travel_time":
            continue
        for _, reading, profile in t.readings():
            m = times[profile].reading(reading)
            for a, b in t.pairs():
                i, j = index[a], index[b]
                ab, ba = float(m[i, j]), float(m[j, i])
                if np.isfinite(max(ab, ba)):
                    out.setdefault((profile, reading), set()).add((i, j) if ab >= ba else (j, i))
    return out


def judge_state(
    targets: list[Target],
    network: Network,
    times: dict[str, ProfileTimes],
    city_ids: tuple[str, ...],
    model_error: ModelError | None,
    year: int,
) -> list[TargetResult]:
    """Judge every target on a solved state, with :func:`sim.verdicts.judge`.

    Parameters
    ----------
    targets
        The scenario's targets.
    network
        The state's network (coverage and length are read from it).
    times
        Per profile that a target reads, the solved minutes and itineraries.
    city_ids
        City ids in matrix order.
    model_error
        The model's measured error (close calls); None: no close calls.
    year
        The year of the network judged ("not yet due" before a target's due year).
    """
    index = {c: k for k, c in enumerate(city_ids)}
    wanted = _wanted(targets, times, index)
    results = {
        name: _ProfileResult(
            PROFILES[name],
            pt.door_to_door,
            _Itineraries(pt, "door_to_door", wanted.get((name, "door_to_door"), set())),
            pt.timetable,
            _Itineraries(pt, "timetable", wanted.get((name, "timetable"), set())),
        )
        for name, pt in times.items()
    }
    return [judge(t, network, results, model_error, year) for t in targets]


def page_status(tr: TargetResult) -> str:
    """Return the page's status of a target (``not_yet_due``, ``met``, ``close``, ``not_met``...)."""
    if tr.not_yet_due:
        return "not_yet_due"
    return _verdict(tr.headline)


def _verdict(r: ReadingResult) -> str:
    if r.met is None:
        return "undetermined"
    if r.met:
        return "met"
    return "close" if r.failing and all(c.close for c in r.failing) else "not_met"


def _minutes(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def verdict_record(tr: TargetResult) -> dict[str, Any]:
    """Return the page's record of one target: its status, each reading, and what fails.

    Travel-time targets list every pair with, per reading (keyed as
    :meth:`sim.targets.Target.readings`), its minutes, gap, pass and close flag, and the
    binding line of the headline reading; coverage targets the cities (or ports) checked
    and what serves them or what they lack; length targets the length found.
    """
    t = tr.target
    readings = list(tr.readings.values())
    record: dict[str, Any] = {
        "id": t.id,
        "title": t.title,
        "source": t.source,
        "note": t.note,
        "kind": t.kind,
        "due_year": t.due_year,
        "network_year": tr.network_year,
        "not_yet_due": tr.not_yet_due,
        "status": page_status(tr),
        "verdict": _verdict(tr.headline),  # what it would be, when not yet due
        "headline": tr.headline.key,
        "headline_reason": t.headline_reason,
        "readings": [
            {
                "key": r.key,
                "reading": r.reading,
                "profile": r.profile,
                "label": r.label,
                "verdict": _verdict(r),
                "passed": r.n_passed,
                "checked": len(r.checks),
                "close": r.n_close,
            }
            for r in readings
        ],
        "passed": {r.key: r.n_passed for r in readings},
        "checked": len(tr.headline.checks),
    }
    if t.kind == "travel_time":
        record["profile"] = t.profile
        record["threshold_min"] = t.threshold_min
        pairs = []
        for k, check in enumerate(tr.headline.checks):
            cells = {}
            for r in readings:
                c = r.checks[k]
                cells[r.key] = {
                    "minutes": _minutes(c.minutes),
                    "gap": None if c.gap_min is None else gap_text(c.gap_min),
                    "passed": c.passed,
                    "close": c.close,
                    # where the judged trip first boards and last alights (None: a drive, no trip)
                    "stations": [c.first_terminal, c.last_terminal] if c.first_terminal else None,
                    "default_speed": list(c.default_speed),  # lines run at the mode's default speed
                }
            pairs.append(
                {
                    "a": check.origin,
                    "b": check.destination,
                    "passed": check.passed,
                    "close": check.close,
                    "gap_min": _minutes(check.gap_min),
                    "line": check.main_line,
                    "error_min": check.error_min,
                    "cells": cells,
                }
            )
        record["pairs"] = pairs
    elif t.kind == "coverage":
        record["service"] = t.service
        record["reading_text"] = t.reading()
        record["cities"] = [
            {"city": c.origin, "passed": c.passed, "detail": c.detail} for c in tr.headline.checks
        ]
    else:
        h = tr.headline
        record["length_km"] = None if h.value is None else round(h.value, 1)
        record["threshold_km"] = t.threshold_km
        record["lower_bound"] = h.lower_bound
    return record

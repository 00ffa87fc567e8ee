"""Verdicts on the targets: every travel-time target under both readings, with close calls.

The API a notebook or a web front end uses::

    result = evaluate(load_scenario("today"))
    for tr in result.targets:                       # TargetResult, in file order
        tr.target.id, tr.status, tr.not_yet_due     # 'met' | 'not met' | 'undetermined'
        tr.headline.key                             # 'timetable' or 'door_to_door' ...
        for key, r in tr.readings.items():          # ReadingResult, the headline first
            r.met, r.n_passed, len(r.checks), r.n_close
            [c for c in r.checks if not c.passed]   # TargetCheck: minutes, gap_min, close
        tr.as_dict()                                # the JSON of summary.json

Pure functions from travel times and the network to verdicts; no printing, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.model_error import ModelError
from sim.modes import Mode, TerminalKind
from sim.network import Network, great_circle_km
from sim.paths import main_line, trip_terminals
from sim.targets import READING_LABELS, Target, coverage

__all__ = [
    "READING_ROW_COLUMNS",
    "ReadingResult",
    "TargetCheck",
    "TargetResult",
    "checked_ids",
    "coverage",
    "gap_text",
    "judge",
    "network_length_km",
    "reading_rows",
    "served",
]

# the keys of :func:`reading_rows`, so that a table of no targets still has its columns
READING_ROW_COLUMNS = (
    "target",
    "title",
    "kind",
    "reading",
    "label",
    "headline",
    "checked",
    "passed",
    "close",
    "close_passed",
    "met",
    "not_yet_due",
    "value",
    "threshold",
    "lower_bound",
)


@dataclass(frozen=True)
class TargetCheck:
    """The verdict on one pair (travel time) or one city (coverage) under one reading.

    Attributes
    ----------
    target
        The target's id.
    origin, destination
        The pair as the target lists it; for coverage the city (of the port), and "".
    minutes
        The pair's time in the reading, the slower of its two directions (None: no path,
        or a coverage check).
    passed
        Whether the pair (or city) meets the target.
    gap_min
        ``minutes - threshold`` (negative: a margin).
    main_line
        The line of the trip's longest ride or drive.
    first_terminal, last_terminal
        Where the trip first boards and last alights (terminal ids; "" for a drive from
        centre to centre, or no trip). The trip is that of the slower direction, whose
        minutes are judged.
    default_speed
        Lines of the trip run at the mode's default speed, their speed being unknown in
        the data (:func:`sim.graph.runs_at_default_speed`): the minutes rest on that
        assumption.
    close
        True when ``|gap_min|`` is within the model's measured error (``error_min``).
    error_min
        The model error allowed on this trip (None: no calibration file).
    detail
        Coverage: what serves the city (or port), or what it lacks.
    """

    target: str
    origin: str
    destination: str
    minutes: float | None
    passed: bool
    gap_min: float | None
    main_line: str = ""
    close: bool = False
    error_min: float | None = None
    detail: str = ""
    first_terminal: str = ""
    last_terminal: str = ""
    default_speed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadingResult:
    """A target judged under one reading.

    Attributes
    ----------
    key
        ``timetable``, ``door_to_door``, ``door_to_door_<profile>`` (a profile shown
        beside), ``coverage`` or ``length``.
    reading
        ``timetable``, ``door_to_door``, ``coverage`` or ``length``.
    profile
        The profile of the travel times ("" for coverage and length).
    checks
        One per pair (or city, or port).
    value
        Length targets: the length found (km); else None.
    lower_bound
        Length targets: the data does not hold every line, so ``value`` is a lower bound.
    """

    key: str
    reading: str
    profile: str
    checks: tuple[TargetCheck, ...]
    value: float | None = None
    threshold: float | None = None
    lower_bound: bool = False

    @property
    def label(self) -> str:
        """The reading in words, with its profile: ``timetable (station to station ...), rail``."""
        words = READING_LABELS.get(self.key) or READING_LABELS.get(self.reading, self.reading)
        return f"{words}, {self.profile}" if self.profile else words

    @property
    def met(self) -> bool | None:
        """True when every check passes; None when a lower bound falls short (undetermined)."""
        if self.reading == "length":
            if self.value is None or self.threshold is None:
                return None
            if self.value >= self.threshold:
                return True
            return None if self.lower_bound else False
        return all(c.passed for c in self.checks)

    @property
    def n_passed(self) -> int:
        """Pairs (or cities) that pass."""
        return sum(c.passed for c in self.checks)

    @property
    def n_close(self) -> int:
        """Pairs whose time is within the model's error of the threshold (pass or fail)."""
        return sum(c.close for c in self.checks)

    @property
    def failing(self) -> list[TargetCheck]:
        """The checks that fail."""
        return [c for c in self.checks if not c.passed]


@dataclass(frozen=True)
class TargetResult:
    """The verdict on one target: each reading, the headline first, and whether it is due.

    Attributes
    ----------
    target
        The target as read from the file.
    readings
        Key -> :class:`ReadingResult`, in order, the headline first.
    network_year
        The year of the network judged (None when unknown).
    by_year
        Length targets: ``{year: km}`` of the data's network as built by every fifth
        year from 2010 up to the data's date, and the network judged at its own year.
    """

    target: Target
    readings: dict[str, ReadingResult]
    network_year: int | None = None
    by_year: dict[int, float] = field(default_factory=dict)

    @property
    def headline(self) -> ReadingResult:
        """The reading the verdict is given on."""
        return next(iter(self.readings.values()))

    @property
    def checks(self) -> tuple[TargetCheck, ...]:
        """The headline reading's checks."""
        return self.headline.checks

    @property
    def met(self) -> bool | None:
        """The headline verdict (None: undetermined)."""
        return self.headline.met

    @property
    def n_passed(self) -> int:
        """Pairs (or cities) passing under the headline reading."""
        return self.headline.n_passed

    @property
    def status(self) -> str:
        """``met``, ``not met`` or ``undetermined`` (a lower bound short of the target)."""
        return {True: "met", False: "not met", None: "undetermined"}[self.met]

    @property
    def not_yet_due(self) -> bool:
        """True when the network judged is of a year before the target's due year."""
        return self.network_year is not None and self.network_year < self.target.due_year

    def as_dict(self) -> dict[str, Any]:
        """Return the target's entry of ``summary.json`` (see the README for the fields)."""
        t = self.target
        out: dict[str, Any] = {
            "id": t.id,
            "title": t.title,
            "source": t.source,
            "kind": t.kind,
            "due_year": t.due_year,
            "network_year": self.network_year,
            "not_yet_due": self.not_yet_due,
            "status": self.status,
            "met": self.met,
        }
        if t.kind == "travel_time":
            out["headline"] = self.headline.key
            out["headline_reason"] = t.headline_reason
            out["threshold_min"] = t.threshold_min
            out["readings"] = {
                key: {"headline": n == 0, **_reading_dict(r)}
                for n, (key, r) in enumerate(self.readings.items())
            }
        elif t.kind == "coverage":
            h = self.headline
            unit = "ports" if t.service == "port_rail" else "cities"
            out.update(
                {
                    "service": t.service,
                    f"{unit}_met": h.n_passed,
                    f"{unit}_total": len(h.checks),
                    "failing": [{"city": c.origin, "detail": c.detail} for c in h.failing],
                }
            )
        else:
            h = self.headline
            out.update(
                {
                    "length_km": None if h.value is None else round(h.value, 1),
                    "threshold_km": t.threshold_km,
                    "lower_bound": h.lower_bound,
                    "by_year": {str(y): round(km, 1) for y, km in sorted(self.by_year.items())},
                }
            )
        if t.note:
            out["note"] = t.note
        return out


def gap_text(gap_min: float) -> str:
    """Return a gap in whole minutes as tables print it: ``+5``, ``-12``, ``±0`` (never ``-0``)."""
    whole = round(gap_min)
    return "±0" if whole == 0 else f"{whole:+d}"


def reading_rows(targets: list[TargetResult]) -> list[dict[str, Any]]:
    """One row per target and reading, the headline first: what the target charts and tables show.

    Keys: ``target``, ``title``, ``kind``, ``reading`` (key), ``label``, ``headline``
    (bool), ``checked``, ``passed``, ``close`` (close calls), ``close_passed`` (close calls
    that pass), ``met`` (True, False or None),
    ``not_yet_due``, and for length targets ``value`` and ``threshold`` (km) and
    ``lower_bound``.
    """
    rows = []
    for tr in targets:
        for n, (key, r) in enumerate(tr.readings.items()):
            row: dict[str, Any] = {
                "target": tr.target.id,
                "title": tr.target.title,
                "kind": tr.target.kind,
                "reading": key,
                "label": r.label,
                "headline": n == 0,
                "checked": len(r.checks),
                "passed": r.n_passed,
                "close": r.n_close,
                "close_passed": sum(c.close and c.passed for c in r.checks),
                "met": r.met,
                "not_yet_due": tr.not_yet_due,
            }
            if tr.target.kind == "length":
                row.update(value=r.value, threshold=r.threshold, lower_bound=r.lower_bound)
            rows.append(row)
    return rows


def _pair_minutes(c: TargetCheck) -> dict[str, Any]:
    """Return a pair's ends, minutes, gap (to 0.1 min; None: no path) and terminals for the JSON."""
    return {
        "origin": c.origin,
        "destination": c.destination,
        "minutes": None if c.minutes is None else round(c.minutes, 1),
        "gap_min": None if c.gap_min is None else round(c.gap_min, 1),
        "first_terminal": c.first_terminal,
        "last_terminal": c.last_terminal,
        "default_speed": list(c.default_speed),
    }


def _reading_dict(r: ReadingResult) -> dict[str, Any]:
    return {
        "reading": r.reading,
        "profile": r.profile,
        "label": r.label,
        "met": r.met,
        "pairs_met": r.n_passed,
        "pairs_total": len(r.checks),
        "pairs_close": r.n_close,
        "failing": [{**_pair_minutes(c), "close": c.close, "main_line": c.main_line} for c in r.failing],
        "close_passes": [
            {"origin": c.origin, "destination": c.destination, "minutes": round(c.minutes or 0.0, 1)}
            for c in r.checks
            if c.passed and c.close
        ],
        "pairs": [{**_pair_minutes(c), "passed": c.passed, "close": c.close} for c in r.checks],
    }


def judge(
    target: Target,
    network: Network,
    results: dict[str, Any],
    model_error: ModelError | None = None,
    network_year: int | None = None,
    full: Network | None = None,
    data_year: int | None = None,
) -> TargetResult:
    """Judge ``target`` on ``network`` with the travel times of ``results``.

    Parameters
    ----------
    target
        The target.
    network
        The network judged (cut to its year and scenario).
    results
        Profile name -> :class:`sim.evaluate.ProfileResult` for every profile the
        target's readings need.
    model_error
        The measured model error, for close calls (None: no close calls).
    network_year
        The year of ``network``, for "not yet due".
    full
        The full network data: length targets then give the length by year too.
    data_year
        The year the data is current to: the length by year stops there (None: at
        ``network_year``), then gives the network judged.
    """
    readings: dict[str, ReadingResult] = {}
    by_year: dict[int, float] = {}
    if target.kind == "travel_time":
        for key, reading, profile in target.readings():
            readings[key] = _travel_time(target, key, reading, results[profile], network, model_error)
    elif target.kind == "coverage":
        readings["coverage"] = ReadingResult("coverage", "coverage", "", _coverage_checks(target, network))
    else:
        km = network_length_km(network, target.modes, target.region)
        readings["length"] = ReadingResult(
            "length", "length", "", (), km, target.threshold_km, target.lower_bound
        )
        if full is not None:
            # as built by each fifth year up to the data's date (later years would show the
            # open lines only, not what the scenario adds), then the network judged
            last = network_year or 2025
            end = last if data_year is None else min(last, data_year + 1)
            for year in range(2010, end, 5):
                by_year[year] = network_length_km(full.as_of(year), target.modes, target.region)
            by_year[last] = km
    return TargetResult(target, readings, network_year, by_year)


def _travel_time(
    target: Target,
    key: str,
    reading: str,
    res: Any,
    network: Network,
    model_error: ModelError | None,
) -> ReadingResult:
    ids = [c.id for c in network.cities]
    index = {c: i for i, c in enumerate(ids)}
    if reading == "timetable":
        minutes, legs = res.timetable_minutes, res.timetable_legs
    else:
        minutes, legs = res.minutes, res.legs
    checks = []
    threshold = float(target.threshold_min or 0.0)
    for a, b in target.pairs():
        i, j = index[a], index[b]
        ab, ba = float(minutes[i, j]), float(minutes[j, i])
        wi, wj = (i, j) if ab >= ba else (j, i)
        worst = max(ab, ba)
        if not np.isfinite(worst):
            checks.append(TargetCheck(target.id, ids[wi], ids[wj], None, False, None, "(no path)"))
            continue
        gap = worst - threshold
        trip = legs[wi][wj]
        error = model_error.for_trip(trip) if model_error is not None else None
        first, last = trip_terminals(trip)
        checks.append(
            TargetCheck(
                target.id,
                a,
                b,
                worst,
                gap <= 1e-9,
                gap,
                main_line(trip),
                error is not None and abs(gap) <= error + 1e-9,
                error,
                first_terminal=first,
                last_terminal=last,
                default_speed=tuple(dict.fromkeys(line for leg in trip for line in leg.default_speed)),
            )
        )
    return ReadingResult(key, reading, res.profile.name, tuple(checks), threshold=threshold)


def checked_ids(target: Target, network: Network) -> list[str]:
    """Ids a coverage target checks: its ports (``port_rail``), or its cities.

    Cities: big enough, in plan (or all cities), in its provinces if given, or listed in
    ``also``.
    """
    if target.service == "port_rail":
        return list(target.ports)
    out = []
    for city in network.cities:
        big = city.population is not None and city.population >= (target.min_population or 0)
        in_scope = target.cities == "all" or city.plan_status == "in-plan"
        in_province = not target.provinces or city.province in target.provinces
        if (big and in_scope and in_province) or city.id in target.also:
            out.append(city.id)
    return out


def _coverage_checks(target: Target, network: Network) -> tuple[TargetCheck, ...]:
    if target.service == "port_rail":
        near = _ports_near_rail(network, target.ports)
        checks = []
        for port in target.ports:
            terminal = network.terminal_by_id[port]
            found = near.get(port)
            detail = (
                f"{port}: {found[1]} {found[0]:.1f} km"
                if found is not None
                else f"{port}: no conventional-rail station within {target.max_km:g} km"
            )
            ok = found is not None and found[0] <= (target.max_km or 0.0)
            checks.append(TargetCheck(target.id, terminal.city, "", None, ok, None, detail=detail))
        return tuple(checks)
    ok_cities = served(network, target)
    what = (target.service or "").replace("_", " ")
    return tuple(
        TargetCheck(
            target.id, c, "", None, c in ok_cities, None, detail="" if c in ok_cities else f"no {what}"
        )
        for c in checked_ids(target, network)
    )


def served(network: Network, target: Target) -> set[str]:
    """Ids served as a coverage target counts them: city ids, or port ids for ``port_rail``.

    Links are taken as given: cut the network to a year first. Served sets of parts of a
    network add up (a city or port served by the union is served by one of the parts),
    which the sweeps use.
    """
    if target.service == "port_rail":
        near = _ports_near_rail(network, target.ports)
        return {p for p, (km, _) in near.items() if km <= (target.max_km or 0.0)}
    return coverage(network, target.service or "", target.min_speed_kmh)


def _ports_near_rail(network: Network, ports: tuple[str, ...]) -> dict[str, tuple[float, str]]:
    """Per port: the nearest station of a conventional railway in the network, and its km."""
    stations = {
        node for lk in network.links if lk.mode is Mode.CONVENTIONAL for node in (lk.from_id, lk.to_id)
    }
    out: dict[str, tuple[float, str]] = {}
    for port in ports:
        p = network.terminal_by_id.get(port)
        if p is None or p.lat is None or p.lon is None:
            continue
        best: tuple[float, str] | None = None
        for sid in sorted(stations):
            s = network.terminal_by_id.get(sid)
            if s is None or s.kind is not TerminalKind.RAIL or s.lat is None or s.lon is None:
                continue
            km = great_circle_km(p.lat, p.lon, s.lat, s.lon)
            if best is None or km < best[0]:
                best = (km, sid)
        if best is not None:
            out[port] = best
    return out


def network_length_km(network: Network, modes: tuple[str, ...], region: tuple[str, ...]) -> float:
    """Kilometres of the links of ``modes`` with both ends in the cities of ``region``.

    Each link is counted once under its own line; links of unknown length count nothing,
    and links that cross the region's edge are left out (where the edge lies on them is
    not in the data), so the figure is a lower bound of the region's network in the data.
    """
    inside = set(region)
    city_of = {t.id: t.city for t in network.terminals}
    total = 0.0
    for lk in network.links:
        if lk.mode.value not in modes or lk.km is None:
            continue
        a, b = city_of.get(lk.from_id, lk.from_id), city_of.get(lk.to_id, lk.to_id)
        if a in inside and b in inside:
            total += lk.km
    return total

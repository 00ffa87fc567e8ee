"""Policy targets: read ``targets.toml`` and judge them from travel times and coverage.

Two kinds of target:

``travel_time``
    Pairs of cities must be within ``threshold_min`` on a profile. Pairs are given as
    groups ``{ from = SET, to = SET }`` (every city of ``from`` to every city of ``to``)
    or ``{ among = SET }`` (every unordered pair within the set). A pair's time is the
    slower of its two directions. ``measure`` is ``door_to_door`` (default) or
    ``in_vehicle`` (the time on board only, as a timetable would quote it).
``coverage``
    Every city with at least ``min_population`` residents (plus the cities of
    ``also``) must be served by ``service``: ``fast_rail`` (a station on a high-speed or
    intercity line, or a line of at least ``fast_rail_min_kmh``), ``rail`` (any station
    with a service) or ``expressway``.

A SET is the name of a list in the file's ``[sets]`` table or an inline list of ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.modes import PROFILES, Mode
from sim.network import Network
from sim.tomlfile import line_of_key, read_toml

__all__ = ["PairGroup", "Target", "TargetCheck", "TargetResult", "coverage", "load_targets"]

MEASURES = ("door_to_door", "in_vehicle")
SERVICES = ("fast_rail", "rail", "expressway")


@dataclass(frozen=True)
class PairGroup:
    """Origins and destinations of one group of pairs (``among``: within one set)."""

    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    among: bool = False

    def pairs(self) -> list[tuple[str, str]]:
        """Ordered list of distinct (a, b) pairs, each unordered pair once."""
        out: list[tuple[str, str]] = []
        seen: set[frozenset[str]] = set()
        for a in self.origins:
            for b in self.destinations:
                key = frozenset((a, b))
                if a != b and key not in seen:
                    seen.add(key)
                    out.append((a, b))
        return out


@dataclass(frozen=True)
class Target:
    """One policy target as written in the targets file."""

    id: str
    title: str
    source: str
    kind: str
    profile: str | None = None
    measure: str = "door_to_door"
    threshold_min: float | None = None
    groups: tuple[PairGroup, ...] = ()
    service: str | None = None
    min_population: int | None = None
    also: tuple[str, ...] = ()
    fast_rail_min_kmh: float = 160.0
    note: str = ""

    def reading(self) -> str:
        """Return how the target is read, in a few words: ``rail, door to door <= 120 min``."""
        if self.kind == "travel_time":
            return f"{self.profile}, {(self.measure or '').replace('_', ' ')} <= {self.threshold_min:g} min"
        return f"{(self.service or '').replace('_', ' ')} coverage"


@dataclass(frozen=True)
class TargetCheck:
    """The verdict on one pair (travel time) or one city (coverage)."""

    target: str
    origin: str
    destination: str
    minutes: float | None
    passed: bool
    gap_min: float | None
    main_line: str
    on_board_min: float | None = None


@dataclass(frozen=True)
class TargetResult:
    """The verdict on one target."""

    target: Target
    checks: tuple[TargetCheck, ...]

    @property
    def met(self) -> bool:
        """True when every pair or city passes."""
        return all(c.passed for c in self.checks)

    @property
    def n_passed(self) -> int:
        """Pairs (or cities) that pass."""
        return sum(c.passed for c in self.checks)


def load_targets(path: Path, network: Network) -> list[Target]:
    """Read and check a targets file against the cities of ``network``.

    Raises
    ------
    InputError
        For a malformed file, an unknown key, city id, set, profile, measure or service.
    """
    data = read_toml(path)
    sets_raw = data.get("sets", {})
    if not isinstance(sets_raw, dict):
        raise InputError("expected a table of named city lists", path, line_of_key(path, "sets"), "sets")
    city_ids = {c.id for c in network.cities}
    sets: dict[str, tuple[str, ...]] = {}
    for name, ids in sets_raw.items():
        sets[name] = _ids(ids, city_ids, path, f"sets.{name}", name)
    raw_targets = data.get("target", [])
    if not isinstance(raw_targets, list) or not raw_targets:
        raise InputError("no [[target]] entries", path, None, "target")
    targets = []
    seen: set[str] = set()
    for raw in raw_targets:
        t = _target(raw, sets, city_ids, path)
        if t.id in seen:
            raise InputError(f"duplicate target id '{t.id}'", path, line_of_key(path, "id"), "id")
        seen.add(t.id)
        targets.append(t)
    return targets


_TARGET_KEYS = {
    "id",
    "title",
    "source",
    "kind",
    "profile",
    "measure",
    "threshold_min",
    "pairs",
    "service",
    "min_population",
    "also",
    "fast_rail_min_kmh",
    "note",
}


def _target(raw: dict[str, Any], sets: dict[str, tuple[str, ...]], city_ids: set[str], path: Path) -> Target:
    tid = raw.get("id")
    if not isinstance(tid, str):
        raise InputError("every [[target]] needs a string id", path, None, "id")
    where = f"target '{tid}'"

    def fail(message: str, key: str) -> InputError:
        return InputError(f"{where}: {message}", path, line_of_key(path, key), key)

    for key in raw:
        if key not in _TARGET_KEYS:
            raise fail(f"unknown key (valid: {', '.join(sorted(_TARGET_KEYS))})", key)
    for key in ("title", "source", "kind"):
        if not isinstance(raw.get(key), str):
            raise fail("required text missing", key)
    kind = raw["kind"]
    if kind == "travel_time":
        profile = raw.get("profile", "rail")
        if profile not in PROFILES:
            raise fail(f"unknown profile '{profile}' (valid: {', '.join(PROFILES)})", "profile")
        measure = raw.get("measure", "door_to_door")
        if measure not in MEASURES:
            raise fail(f"unknown measure '{measure}' (valid: {', '.join(MEASURES)})", "measure")
        threshold = raw.get("threshold_min")
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
            raise fail("threshold_min must be a positive number of minutes", "threshold_min")
        groups = []
        for g in raw.get("pairs", []):
            if not isinstance(g, dict):
                raise fail("each pairs entry is a table { from = SET, to = SET } or { among = SET }", "pairs")
            if "among" in g:
                members = _resolve(g["among"], sets, city_ids, path)
                groups.append(PairGroup(members, members, among=True))
            elif "from" in g and "to" in g:
                groups.append(
                    PairGroup(
                        _resolve(g["from"], sets, city_ids, path), _resolve(g["to"], sets, city_ids, path)
                    )
                )
            else:
                raise fail("each pairs entry needs 'among', or 'from' and 'to'", "pairs")
        if not groups:
            raise fail("no pairs", "pairs")
        return Target(
            tid,
            raw["title"],
            raw["source"],
            kind,
            profile,
            measure,
            float(threshold),
            tuple(groups),
            note=raw.get("note", ""),
        )
    if kind == "coverage":
        service = raw.get("service")
        if service not in SERVICES:
            raise fail(f"unknown service '{service}' (valid: {', '.join(SERVICES)})", "service")
        min_pop = raw.get("min_population", 0)
        if isinstance(min_pop, bool) or not isinstance(min_pop, int) or min_pop < 0:
            raise fail("min_population must be a whole number >= 0", "min_population")
        also = _resolve(raw.get("also", []), sets, city_ids, path)
        return Target(
            tid,
            raw["title"],
            raw["source"],
            kind,
            service=service,
            min_population=min_pop,
            also=also,
            fast_rail_min_kmh=float(raw.get("fast_rail_min_kmh", 160.0)),
            note=raw.get("note", ""),
        )
    raise fail(f"unknown kind '{kind}' (valid: travel_time, coverage)", "kind")


def _resolve(value: Any, sets: dict[str, tuple[str, ...]], city_ids: set[str], path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        if value in sets:
            return sets[value]
        if value in city_ids:
            return (value,)
        raise InputError(
            f"'{value}' is neither a set in [sets] nor a city id", path, line_of_key(path, "pairs"), "pairs"
        )
    return _ids(value, city_ids, path, "pairs", "pairs")


def _ids(value: Any, city_ids: set[str], path: Path, field: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError("expected a list of city ids", path, line_of_key(path, key), field)
    for v in value:
        if v not in city_ids:
            raise InputError(f"unknown city id '{v}'", path, line_of_key(path, key), field)
    return tuple(value)


def coverage(network: Network, service: str, fast_rail_min_kmh: float = 160.0) -> set[str]:
    """City ids served by ``service`` in ``network`` (links as given: cut it to a year first).

    ``fast_rail``: a station on an ``hsr`` or ``intercity`` link, or on a rail link whose
    ``speed_kmh`` is at least ``fast_rail_min_kmh``. ``rail``: any rail link.
    ``expressway``: an end of any expressway link (a city entrance serves its city).
    """
    served: set[str] = set()
    city_of = {t.id: t.city for t in network.terminals}
    city_of.update({n.id: n.city for n in network.road_nodes if n.kind == "entrance" and n.city})
    for lk in network.links:
        if service == "expressway":
            ok = lk.mode is Mode.EXPRESSWAY
        elif service == "rail":
            ok = lk.mode.is_rail
        else:
            ok = lk.mode in (Mode.HSR, Mode.INTERCITY) or (
                lk.mode.is_rail and (lk.speed_kmh or 0) >= fast_rail_min_kmh
            )
        if ok:
            for node in (lk.from_id, lk.to_id):
                served.add(city_of.get(node, node))
    return served

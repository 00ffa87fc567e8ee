"""Policy targets as written in ``targets.toml``: what each asks, where, by when, how it is read.

Three kinds of target:

``travel_time``
    Pairs of cities must be within ``threshold_min`` on a ``profile``. Pairs are given as
    groups ``{ from = SET, to = SET }`` (every city of ``from`` to every city of ``to``)
    or ``{ among = SET }`` (every unordered pair within the set). A pair's time is the
    slower of its two directions. Every such target is judged under both readings
    (:data:`READINGS`): ``timetable`` (station to station by the fastest scheduled
    services, first boarding to last alighting, transfers included) and
    ``door_to_door`` (centre to centre: access, processing, waits, in-vehicle,
    transfers, egress). ``headline`` names the reading the verdict is given on, with
    ``headline_reason``; ``beside`` lists other profiles whose door-to-door figure is
    shown too (the 1-hour commuting circle by any mode, with rail alone beside it).
``coverage``
    Every city with at least ``min_population`` residents (in-plan cities, or ``cities =
    "all"``; only those of ``provinces`` if given; plus the cities of ``also``) must be
    served by ``service``: ``fast_rail`` (a station on a high-speed or intercity line, or
    on a line of at least ``min_speed_kmh``, default 160), ``high_speed_rail`` (a station
    on a line of at least ``min_speed_kmh``, default 250), ``rail`` (any station with a
    service) or ``expressway``. ``port_rail`` checks the ``ports`` listed instead of
    cities: a port has rail access when a station on a conventional (freight-carrying)
    railway lies within ``max_km`` of it.
``length``
    The length of the network of ``modes`` inside the ``region`` (links with both ends
    in it) must reach ``threshold_km``. ``lower_bound = true`` says the data does not hold
    every line: a length below the target then proves nothing (the verdict is
    undetermined), one above it proves the target met.

Every target has ``due_year``: a verdict on a network before that year is "not yet due".
A SET is the name of a list in the file's ``[sets]`` table or an inline list of ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.modes import PROFILES, Mode, TerminalKind
from sim.network import Network
from sim.tomlfile import line_of_key, line_of_table, read_toml

__all__ = [
    "KINDS",
    "MODELLED_RUN",
    "READINGS",
    "READING_LABELS",
    "SERVICES",
    "PairGroup",
    "Target",
    "coverage",
    "load_targets",
    "reading_name",
]

READINGS = ("timetable", "door_to_door")
MODELLED_RUN = "modelled_run"
"""The key of the timetable reading on a profile without published timetables (freight)."""
READING_LABELS = {
    "timetable": "timetable (station to station, fastest scheduled services)",
    "door_to_door": "door to door (centre to centre)",
    MODELLED_RUN: "modelled run (terminal to terminal by rail or water; no published freight timetable)",
}
"""Words for each reading, by its key where the key has its own (``modelled_run``)."""
_READING_NAMES = {"timetable": "timetable", "door_to_door": "door to door", MODELLED_RUN: "modelled run"}


def reading_name(key: str) -> str:
    """Return a reading's short name in tables and reports, from its key.

    ``door_to_door_<profile>`` (a reading shown beside) reads ``door to door (<profile>)``;
    a coverage or length reading is named by its kind.
    """
    if key.startswith("door_to_door_"):
        return f"door to door ({key.removeprefix('door_to_door_')})"
    return _READING_NAMES.get(key, key)


KINDS = ("travel_time", "coverage", "length")
SERVICES = ("fast_rail", "high_speed_rail", "rail", "expressway", "port_rail")
_DEFAULT_MIN_SPEED = {"fast_rail": 160.0, "high_speed_rail": 250.0}


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
    """One policy target as written in the targets file (see the module docstring)."""

    id: str
    title: str
    source: str
    kind: str
    due_year: int
    profile: str | None = None
    headline: str = "door_to_door"
    headline_reason: str = ""
    beside: tuple[str, ...] = ()
    threshold_min: float | None = None
    groups: tuple[PairGroup, ...] = ()
    service: str | None = None
    min_population: int | None = None
    cities: str = "in-plan"
    provinces: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    min_speed_kmh: float | None = None
    ports: tuple[str, ...] = ()
    max_km: float | None = None
    modes: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    threshold_km: float | None = None
    lower_bound: bool = False
    note: str = ""

    def pairs(self) -> list[tuple[str, str]]:
        """Every pair a travel-time target checks, each once, in file order."""
        out: list[tuple[str, str]] = []
        seen: set[frozenset[str]] = set()
        for group in self.groups:
            for a, b in group.pairs():
                if frozenset((a, b)) not in seen:
                    seen.add(frozenset((a, b)))
                    out.append((a, b))
        return out

    def readings(self) -> list[tuple[str, str, str]]:
        """``(key, reading, profile)`` of each reading judged, the headline first.

        A travel-time target has ``timetable`` and ``door_to_door`` on its profile (keys
        as the readings; on a profile without published timetables, freight, the
        timetable reading's key is ``modelled_run``), then ``door_to_door_<profile>`` for
        each profile in ``beside``.
        Coverage and length targets have one reading, keyed by their kind.
        """
        if self.kind != "travel_time":
            return [(self.kind, self.kind, "")]
        profile = self.profile or "rail"
        scheduled = PROFILES[profile].published_timetables

        def key(reading: str) -> str:  # freight keeps no timetable: its station-to-station run is modelled
            return MODELLED_RUN if reading == "timetable" and not scheduled else reading

        other = [r for r in READINGS if r != self.headline]
        out = [(key(self.headline), self.headline, profile)] + [(key(r), r, profile) for r in other]
        out += [(f"door_to_door_{p}", "door_to_door", p) for p in self.beside]
        return out

    def profiles(self) -> list[str]:
        """Profiles the target's readings need."""
        return sorted({p for _, _, p in self.readings() if p})

    def reading(self) -> str:
        """How the target is read, in a few words: ``rail, timetable <= 120 min (headline)``."""
        if self.kind == "travel_time":
            return f"{self.profile}, {self.headline.replace('_', ' ')} <= {self.threshold_min:g} min"
        if self.kind == "length":
            bound = " (data: lower bound)" if self.lower_bound else ""
            return f"{'/'.join(self.modes)} length >= {self.threshold_km:,.0f} km{bound}"
        detail = ""
        if self.service in _DEFAULT_MIN_SPEED:
            detail = f" (>= {self.min_speed_kmh:g} km/h)"
        if self.service == "port_rail":
            detail = f" (conventional-rail station within {self.max_km:g} km)"
        return f"{(self.service or '').replace('_', ' ')} coverage{detail}"


def load_targets(path: Path, network: Network) -> list[Target]:
    """Read and check a targets file against the cities (and ports) of ``network``.

    Raises
    ------
    InputError
        For a malformed file, an unknown key, city or port id, set, profile, reading,
        service or mode, or a missing or out-of-range value; the message names the
        file, the line and the key.
    """
    data = read_toml(path)
    sets_raw = data.get("sets", {})
    if not isinstance(sets_raw, dict):
        raise InputError("expected a table of named city lists", path, line_of_key(path, "sets"), "sets")
    city_ids = {c.id for c in network.cities}
    sets: dict[str, tuple[str, ...]] = {}
    for name, ids in sets_raw.items():
        sets[name] = _ids(ids, city_ids, path, line_of_key(path, name), f"sets.{name}")
    raw_targets = data.get("target", [])
    if not isinstance(raw_targets, list) or not raw_targets:
        raise InputError("no [[target]] entries", path, None, "target")
    ports = {t.id for t in network.terminals if t.kind is TerminalKind.PORT}
    targets = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_targets):
        t = _Reader(raw, index, sets, city_ids, ports, path).target()
        if t.id in seen:
            raise InputError(
                f"duplicate target id '{t.id}'", path, line_of_table(path, "target", index), "id"
            )
        seen.add(t.id)
        targets.append(t)
    return targets


_COMMON_KEYS = {"id", "title", "source", "kind", "due_year", "note"}
_KEYS = {
    "travel_time": _COMMON_KEYS
    | {"profile", "threshold_min", "pairs", "headline", "headline_reason", "beside"},
    "coverage": _COMMON_KEYS
    | {"service", "min_population", "cities", "provinces", "also", "min_speed_kmh", "ports", "max_km"},
    "length": _COMMON_KEYS | {"modes", "region", "threshold_km", "lower_bound"},
}


class _Reader:
    """Read one ``[[target]]`` table; every error names the file, the line and the key."""

    def __init__(
        self,
        raw: Any,
        index: int,
        sets: dict[str, tuple[str, ...]],
        city_ids: set[str],
        ports: set[str],
        path: Path,
    ) -> None:
        self.raw = raw if isinstance(raw, dict) else {}
        self.index = index
        self.sets = sets
        self.city_ids = city_ids
        self.ports = ports
        self.path = path
        self.where = f"target '{self.raw.get('id', index + 1)}'"

    def line(self, key: str) -> int | None:
        """Line of ``key`` inside this target's table (else of the table's header)."""
        start = line_of_table(self.path, "target", self.index)
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return start
        if start is None:
            return None
        for number in range(start, len(lines)):
            text = lines[number].strip()
            if text.startswith("[[") or (text.startswith("[") and not text.startswith("[[")):
                break
            if text.split("=", 1)[0].strip() == key:
                return number + 1
        return start

    def fail(self, message: str, key: str) -> InputError:
        return InputError(f"{self.where}: {message}", self.path, self.line(key), key)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail("required text missing", key)
        return value

    def number(self, key: str, default: float | None = None, *, whole: bool = False) -> float:
        value = self.raw.get(key, default)
        if value is None:
            raise self.fail("required number missing", key)
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
            what = "a positive whole number" if whole else "a positive number"
            raise self.fail(f"{key} must be {what}", key)
        return value

    def cities_of(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            if value in self.sets:
                return self.sets[value]
            if value in self.city_ids:
                return (value,)
            raise self.fail(f"'{value}' is neither a set in [sets] nor a city id", key)
        return _ids(value, self.city_ids, self.path, self.line(key), key)

    def target(self) -> Target:
        if not isinstance(self.raw.get("id"), str):
            raise InputError("every [[target]] needs a string id", self.path, self.line("id"), "id")
        kind = self.raw.get("kind")
        if kind not in KINDS:
            raise self.fail(f"unknown kind '{kind}' (valid: {', '.join(KINDS)})", "kind")
        if "measure" in self.raw:
            raise self.fail(
                "'measure' is replaced by 'headline' (timetable or door_to_door); both readings are "
                "always judged",
                "measure",
            )
        for key in self.raw:
            if key not in _KEYS[kind]:
                raise self.fail(
                    f"unknown key for a {kind} target (valid: {', '.join(sorted(_KEYS[kind]))})", key
                )
        due = int(self.number("due_year", whole=True))
        common = {
            "id": self.raw["id"],
            "title": self.text("title"),
            "source": self.text("source"),
            "kind": kind,
            "due_year": due,
            "note": self.text("note", ""),
        }
        if kind == "travel_time":
            return self.travel_time(common)
        if kind == "coverage":
            return self.coverage(common)
        return self.length(common)

    def travel_time(self, common: dict[str, Any]) -> Target:
        profile = self.raw.get("profile", "rail")
        if profile not in PROFILES:
            raise self.fail(f"unknown profile '{profile}' (valid: {', '.join(PROFILES)})", "profile")
        headline = self.raw.get("headline")
        if headline not in READINGS:
            raise self.fail(f"headline must name a reading ({', '.join(READINGS)})", "headline")
        beside = self.raw.get("beside", [])
        if not isinstance(beside, list) or any(p not in PROFILES or p == profile for p in beside):
            raise self.fail(f"beside lists other profiles ({', '.join(PROFILES)})", "beside")
        groups = []
        pairs = self.raw.get("pairs", [])
        if not isinstance(pairs, list):
            raise self.fail("pairs is a list of tables", "pairs")
        for g in pairs:
            if not isinstance(g, dict):
                raise self.fail(
                    "each pairs entry is a table { from = SET, to = SET } or { among = SET }", "pairs"
                )
            if "among" in g:
                members = self.cities_of(g["among"], "pairs")
                groups.append(PairGroup(members, members, among=True))
            elif "from" in g and "to" in g:
                groups.append(PairGroup(self.cities_of(g["from"], "pairs"), self.cities_of(g["to"], "pairs")))
            else:
                raise self.fail("each pairs entry needs 'among', or 'from' and 'to'", "pairs")
        if not groups:
            raise self.fail("no pairs", "pairs")
        return Target(
            **common,
            profile=profile,
            headline=headline,
            headline_reason=self.text("headline_reason"),
            beside=tuple(beside),
            threshold_min=float(self.number("threshold_min")),
            groups=tuple(groups),
        )

    def coverage(self, common: dict[str, Any]) -> Target:
        service = self.raw.get("service")
        if service not in SERVICES:
            raise self.fail(f"unknown service '{service}' (valid: {', '.join(SERVICES)})", "service")
        min_pop = self.raw.get("min_population", 0)
        if isinstance(min_pop, bool) or not isinstance(min_pop, int) or min_pop < 0:
            raise self.fail("min_population must be a whole number >= 0", "min_population")
        cities = self.raw.get("cities", "in-plan")
        if cities not in ("in-plan", "all"):
            raise self.fail("cities is 'in-plan' (default) or 'all'", "cities")
        provinces = self.raw.get("provinces", [])
        if not isinstance(provinces, list) or not all(isinstance(p, str) for p in provinces):
            raise self.fail("provinces is a list of province ids", "provinces")
        ports: tuple[str, ...] = ()
        max_km = None
        if service == "port_rail":
            raw_ports = self.raw.get("ports")
            if not isinstance(raw_ports, list) or not raw_ports:
                raise self.fail("a port_rail target lists its ports (port terminal ids)", "ports")
            for p in raw_ports:
                if p not in self.ports:
                    raise self.fail(f"unknown port '{p}'", "ports")
            ports = tuple(raw_ports)
            max_km = float(self.number("max_km"))
        elif "ports" in self.raw or "max_km" in self.raw:
            raise self.fail("ports and max_km belong to a port_rail target", "ports")
        speed = None
        if service in _DEFAULT_MIN_SPEED:
            speed = float(self.number("min_speed_kmh", _DEFAULT_MIN_SPEED[service]))
        elif "min_speed_kmh" in self.raw:
            raise self.fail("min_speed_kmh belongs to fast_rail and high_speed_rail", "min_speed_kmh")
        return Target(
            **common,
            service=service,
            min_population=min_pop,
            cities=cities,
            provinces=tuple(provinces),
            also=self.cities_of(self.raw.get("also", []), "also"),
            min_speed_kmh=speed,
            ports=ports,
            max_km=max_km,
        )

    def length(self, common: dict[str, Any]) -> Target:
        modes = self.raw.get("modes", ["hsr", "intercity", "conventional"])
        valid = [m.value for m in Mode]
        if not isinstance(modes, list) or not modes or any(m not in valid for m in modes):
            raise self.fail(f"modes is a list of link modes ({', '.join(valid)})", "modes")
        if "region" not in self.raw:
            raise self.fail("a length target names its region (a SET)", "region")
        lower = self.raw.get("lower_bound", False)
        if not isinstance(lower, bool):
            raise self.fail("lower_bound is true or false", "lower_bound")
        return Target(
            **common,
            modes=tuple(modes),
            region=self.cities_of(self.raw["region"], "region"),
            threshold_km=float(self.number("threshold_km")),
            lower_bound=lower,
        )


def _ids(value: Any, city_ids: set[str], path: Path, line: int | None, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError("expected a list of city ids", path, line, field)
    for v in value:
        if v not in city_ids:
            raise InputError(f"unknown city id '{v}'", path, line, field)
    return tuple(value)


def coverage(network: Network, service: str, min_speed_kmh: float | None = None) -> set[str]:
    """City ids served by ``service`` in ``network`` (links as given: cut it to a year first).

    ``fast_rail``: a station on an ``hsr`` or ``intercity`` link, or on a rail link whose
    ``speed_kmh`` is at least ``min_speed_kmh`` (default 160). ``high_speed_rail``: a
    station on a rail link whose ``speed_kmh`` is at least ``min_speed_kmh`` (default 250;
    a link of unknown speed does not count). ``rail``: any rail link. ``expressway``: an
    end of any expressway link (a city entrance serves its city).
    """
    served_ids: set[str] = set()
    city_of = {t.id: t.city for t in network.terminals}
    city_of.update({n.id: n.city for n in network.road_nodes if n.kind == "entrance" and n.city})
    for lk in network.links:
        if service == "expressway":
            ok = lk.mode is Mode.EXPRESSWAY
        elif service == "rail":
            ok = lk.mode.is_rail
        elif service == "high_speed_rail":
            ok = lk.mode.is_rail and (lk.speed_kmh or 0) >= (min_speed_kmh or 250.0)
        elif service == "fast_rail":
            ok = lk.mode in (Mode.HSR, Mode.INTERCITY) or (
                lk.mode.is_rail and (lk.speed_kmh or 0) >= (min_speed_kmh or 160.0)
            )
        else:
            raise ValueError(f"unknown service '{service}'")
        if ok:
            for node in (lk.from_id, lk.to_id):
                served_ids.add(city_of.get(node, node))
    return served_ids

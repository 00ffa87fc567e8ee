"""The workbench: states of the build-out, checked, solved and compared, with caches.

A :class:`State` is what the page shows and the URL holds: a bundled scenario, a year,
projects switched on (``add``) or off (``drop``) against the scenario's own network at that
year, and links cut. :meth:`Workbench.solve` answers a state from the compiled union graph
of its (scenario, year) (:mod:`sim.serve.compiled`): no graph is built per click, only a
mask, a few re-weighted boarding edges and Dijkstra from the city nodes.

Every method that takes input from the browser validates it and raises
:class:`~sim.errors.InputError` with a one-line message (the app answers 400).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import InputError
from sim.model_error import ModelError, load_model_error
from sim.modes import PROFILES
from sim.network import Link, Network
from sim.paths import Leg
from sim.scenario import BUNDLED_NETWORK, BUNDLED_SCENARIOS, Scenario, apply_scenario
from sim.serve.catalogue import Catalogue, load_catalogue
from sim.serve.compiled import CompiledGraph, Solved
from sim.serve.verdicts import ProfileTimes, judge_state, verdict_record
from sim.sweep.spec import line_sections
from sim.targets import Target, load_targets
from sim.validate import Problem, load_checked_network
from sim.verdicts import TargetResult

if TYPE_CHECKING:
    from sim.geo.isochrones import Isochrone

__all__ = ["YEAR_MAX", "YEAR_MIN", "Cut", "State", "StateResult", "Workbench"]

YEAR_MIN, YEAR_MAX = 2010, 2035
MAX_LIST = 200  # projects or cuts in one request; more is malformed
Cut = tuple[str, str, str]  # (line, a, b) with a < b


def cut_of(link: Link) -> Cut:
    """Return the cut that removes ``link`` (and any other link of its line between its ends)."""
    a, b = sorted((link.from_id, link.to_id))
    return (link.line, a, b)


def cut_text(cut: Cut) -> str:
    """``line:a-b``, the form of a cut in the URL."""
    return f"{cut[0]}:{cut[1]}-{cut[2]}"


@dataclass(frozen=True)
class State:
    """One view of the build-out (what the URL holds)."""

    scenario: str
    year: int
    add: frozenset[str] = frozenset()
    drop: frozenset[str] = frozenset()
    cuts: frozenset[Cut] = frozenset()

    def query(self) -> dict[str, str]:
        """Return the state as URL query parameters (sorted, so one state has one URL)."""
        out = {"scenario": self.scenario, "year": str(self.year)}
        if self.add:
            out["add"] = ",".join(sorted(self.add))
        if self.drop:
            out["drop"] = ",".join(sorted(self.drop))
        if self.cuts:
            out["cut"] = ",".join(cut_text(c) for c in sorted(self.cuts))
        return out


@dataclass
class YearNetwork:
    """A scenario's network at one year with every project in it, and its compiled graphs."""

    scenario: Scenario
    year: int
    union: Network
    default: np.ndarray  # per union link: in the scenario's own network at that year
    full_index: np.ndarray  # per union link: index in the full data (-1 if added by a modification)
    project_links: dict[str, np.ndarray]
    cut_links: dict[Cut, np.ndarray]
    targets: list[Target]
    graphs: dict[str, CompiledGraph] = field(default_factory=dict)

    def active(self, state: State) -> np.ndarray:
        """Boolean per union link: in the network of ``state``."""
        on = self.default.copy()
        for p in state.drop:
            on[self.project_links.get(p, _EMPTY)] = False
        for p in state.add:
            on[self.project_links.get(p, _EMPTY)] = True
        for c in state.cuts:
            on[self.cut_links.get(c, _EMPTY)] = False
        return on


_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class StateResult:
    """A solved state: minutes per profile, verdicts, and the network's active links."""

    state: State
    network: YearNetwork
    active: np.ndarray
    times: dict[str, ProfileTimes]
    targets: list[TargetResult]
    verdicts: list[dict[str, Any]]
    compute_ms: float


class Workbench:
    """Everything the web application computes, behind one lock.

    Parameters
    ----------
    network_folder
        The network folder (None: the bundled one).
    scenarios_folder
        The scenarios offered (default: the bundled ones).
    warn
        Called with each warning about the data and the scenarios (default: logged on
        the ``sim`` logger, as :func:`sim.validate.load_checked_network` does).

    Raises
    ------
    InputErrors
        For a network that ``sim validate`` rejects (the one gate,
        :func:`sim.validate.load_checked_network`).
    InputError
        For a targets file that cannot be read, or when no scenario applies.
    """

    def __init__(
        self,
        network_folder: Path | None = None,
        scenarios_folder: Path = BUNDLED_SCENARIOS,
        *,
        warn: Callable[[Problem], None] | None = None,
    ) -> None:
        folder = Path(network_folder) if network_folder is not None else BUNDLED_NETWORK
        report = warn or (lambda problem: logging.getLogger("sim").warning("%s", problem))
        self.full = load_checked_network(folder, warn=report)
        self.network_folder = network_folder
        self.catalogue: Catalogue = load_catalogue(self.full, network_folder, scenarios_folder, warn=report)
        # the model's measured error, for close calls, as sim run reads it (None: no calibration.toml)
        self.model_error: ModelError | None = load_model_error(folder)
        self.city_ids = tuple(c.id for c in self.full.cities)
        self.city_index = {c: i for i, c in enumerate(self.city_ids)}
        self._row_of = {(lk.file, lk.row): i for i, lk in enumerate(self.full.links)}
        self.cuts = {cut_of(lk) for lk in self.full.links}
        span = self.full.data_years
        self.data_end = span[1] if span else YEAR_MAX
        self.year_min = max(YEAR_MIN, span[0]) if span else YEAR_MIN
        names = self.catalogue.scenarios
        self.default_scenario = "today" if "today" in names else min(names)
        self._lock = threading.RLock()  # computing: one answer at a time (numpy keeps the core busy)
        self._cache_lock = threading.Lock()  # the answers kept, and the requests waiting
        self._waiting = 0  # requests waiting for (or holding) the lock: the warm-up lets them go first
        self._networks: OrderedDict[tuple[str, int], YearNetwork] = OrderedDict()
        self._results: OrderedDict[State, StateResult] = OrderedDict()
        self._targets: dict[Path, list[Target]] = {}
        self._region: Any = None  # the provinces of the region's cities, for isochrones
        self.stats = {"compiled": 0, "compile_ms": 0.0, "solved": 0, "cache_hits": 0}
        for scenario in self.catalogue.scenarios.values():  # bad targets fail now, not on a click
            self._targets_of(scenario, self.full)

    # ------------------------------------------------------------------ input

    def default_state(self, scenario: str | None = None) -> State:
        """Return the state a scenario opens with: its own year, nothing toggled or cut."""
        name = scenario or self.default_scenario
        s = self.catalogue.scenarios[name]
        year = s.year if s.year is not None else self.data_end
        return State(name, min(max(year, self.year_min), YEAR_MAX))

    def parse_state(self, params: dict[str, str]) -> State:
        """Check the query parameters of a state and return it.

        Raises
        ------
        InputError
            Naming the parameter and what is wrong with it.
        """
        name = params.get("scenario") or self.default_scenario
        if name not in self.catalogue.scenarios:
            raise InputError(
                f"unknown scenario '{_short(name)}' (bundled: {', '.join(self.catalogue.scenarios)})",
                field="scenario",
            )
        state = self.default_state(name)
        year_text = params.get("year")
        year = state.year
        if year_text not in (None, ""):
            try:
                year = int(str(year_text))
            except ValueError:
                message = f"year must be a whole number, got '{_short(year_text)}'"
                raise InputError(message, field="year") from None
            if not self.year_min <= year <= YEAR_MAX:
                raise InputError(f"year {year} outside {self.year_min}..{YEAR_MAX}", field="year")
        add = self._projects(params.get("add", ""), "add")
        drop = self._projects(params.get("drop", ""), "drop")
        both = add & drop
        if both:
            raise InputError(f"project '{min(both)}' is both added and dropped", field="add")
        cuts = self._cuts(params.get("cut", ""))
        state = State(name, year, add, drop, cuts)
        self._check_rules(state)
        return state

    def _projects(self, text: str, key: str) -> frozenset[str]:
        names = [t for t in str(text).split(",") if t]
        if len(names) > MAX_LIST:
            raise InputError(f"more than {MAX_LIST} projects", field=key)
        for n in names:
            if n not in self.catalogue.projects:
                raise InputError(f"unknown project '{_short(n)}'", field=key)
        return frozenset(names)

    def _cuts(self, text: str) -> frozenset[Cut]:
        items = [t for t in str(text).split(",") if t]
        if len(items) > MAX_LIST:
            raise InputError(f"more than {MAX_LIST} cuts", field="cut")
        out = set()
        for item in items:
            line, sep, ends = item.rpartition(":")
            a, dash, b = ends.partition("-")
            cut = (line, *sorted((a, b)))
            if not sep or not dash or cut not in self.cuts:
                raise InputError(f"no link '{_short(item)}' (expected LINE:FROM-TO of a link)", field="cut")
            out.add(cut)
        return frozenset(out)  # type: ignore[arg-type]

    def _check_rules(self, state: State) -> None:
        rules = self.catalogue.rules
        if not rules.requires and not rules.excludes:
            return
        on = self.projects_on(state)
        for p in sorted(state.add):
            reason = rules.blocked(p, on - {p})
            if reason:
                raise InputError(f"project '{p}' cannot be added: it {reason}", field="add")
        for p in sorted(state.drop):
            needers = rules.needed_by(p, on)
            if needers:
                message = f"project '{p}' cannot be dropped: {', '.join(needers)} requires it"
                raise InputError(message, field="drop")

    def city(self, text: str | None) -> int:
        """Return the index of a city id given by the browser."""
        if text not in self.city_index:
            raise InputError(f"unknown city '{_short(text or '')}'", field="city")
        return self.city_index[text]  # type: ignore[index]

    def profile(self, text: str | None) -> str:
        """Check a profile name given by the browser (default rail)."""
        name = text or "rail"
        if name not in PROFILES:
            message = f"unknown profile '{_short(name)}' (valid: {', '.join(PROFILES)})"
            raise InputError(message, field="profile")
        return name

    # ---------------------------------------------------------------- compute

    def year_network(self, scenario: str, year: int) -> YearNetwork:
        """Return the compiled (scenario, year), built on first use and kept (the 64 most recent)."""
        key = (scenario, year)
        with self._request():
            if key in self._networks:
                self._networks.move_to_end(key)
                return self._networks[key]
            t0 = time.perf_counter()
            s = self.catalogue.scenarios[scenario]
            expected = s.include_expected or year > self.data_end
            at_year = replace(s, year=year, include_expected=expected)
            every = tuple(self.catalogue.projects)
            union = apply_scenario(replace(at_year, add_projects=every, drop_projects=()), self.full)
            own = set(apply_scenario(at_year, self.full).links)
            default = np.array([lk in own for lk in union.links], dtype=bool)
            projects: dict[str, list[int]] = {}
            cuts: dict[Cut, list[int]] = {}
            for i, lk in enumerate(union.links):
                if lk.project:
                    projects.setdefault(lk.project, []).append(i)
                cuts.setdefault(cut_of(lk), []).append(i)
            yn = YearNetwork(
                s,
                year,
                union,
                default,
                np.array([self._row_of.get((lk.file, lk.row), -1) for lk in union.links], dtype=np.int64),
                {k: np.array(v, dtype=np.int64) for k, v in projects.items()},
                {k: np.array(v, dtype=np.int64) for k, v in cuts.items()},
                self._targets_of(s, union),
            )
            self._networks[key] = yn
            if len(self._networks) > 64:
                self._networks.popitem(last=False)
            self.stats["compiled"] += 1
            self.stats["compile_ms"] += (time.perf_counter() - t0) * 1e3
            return yn

    def _targets_of(self, scenario: Scenario, union: Network) -> list[Target]:
        path = scenario.targets_file
        if path is None:
            return []
        if path not in self._targets:
            self._targets[path] = load_targets(path, union)
        return self._targets[path]

    def compiled(self, yn: YearNetwork, profile: str) -> CompiledGraph:
        """Return the compiled graph of one profile of a (scenario, year)."""
        with self._request():
            if profile not in yn.graphs:
                t0 = time.perf_counter()
                yn.graphs[profile] = CompiledGraph(yn.union, PROFILES[profile], yn.scenario.parameters)
                self.stats["compile_ms"] += (time.perf_counter() - t0) * 1e3
            return yn.graphs[profile]

    def projects_on(self, state: State) -> set[str]:
        """Projects all of whose links are in the state's network."""
        yn = self.year_network(state.scenario, state.year)
        on = yn.active(replace(state, cuts=frozenset()))
        return {p for p, idx in yn.project_links.items() if len(idx) and on[idx].all()}

    def computing(self) -> AbstractContextManager[None]:
        """Return a context in which this thread alone computes (the warm-up waits for it)."""
        return self._request()

    @contextmanager
    def _request(self) -> Iterator[None]:
        """Hold the computing lock for a request, counted so that the warm-up waits for it."""
        with self._cache_lock:
            self._waiting += 1
        try:
            with self._lock:
                yield
        finally:
            with self._cache_lock:
                self._waiting -= 1

    def _cached(self, state: State) -> StateResult | None:
        with self._cache_lock:
            hit = self._results.get(state)
            if hit is not None:
                self._results.move_to_end(state)
                self.stats["cache_hits"] += 1
            return hit

    def solve(self, state: State) -> StateResult:
        """Solve a state (cached: the 256 most recent; a kept answer is returned at once)."""
        hit = self._cached(state)
        if hit is not None:
            return hit
        with self._request():
            return self._solve(state)

    def _solve(self, state: State) -> StateResult:
        """Solve a state; the caller holds the computing lock."""
        hit = self._cached(state)
        if hit is not None:
            return hit
        t0 = time.perf_counter()
        yn = self.year_network(state.scenario, state.year)
        active = yn.active(state)
        n = len(self.city_ids)
        needed: dict[str, set[int]] = {"rail": set(range(n))}  # rail: every city, for the map
        for t in yn.targets:
            if t.kind == "travel_time":
                cities = {self.city_index[c] for pair in t.pairs() for c in pair}
                for profile in t.profiles():
                    needed.setdefault(profile, set()).update(cities)
        times: dict[str, ProfileTimes] = {}
        for name in sorted(needed):
            rows = np.array(sorted(needed[name]), dtype=np.int64)
            times[name] = _profile_times(self.compiled(yn, name).solve(active, rows), n)
        kept = tuple(lk for lk, on in zip(yn.union.links, active, strict=True) if on)
        net = replace(yn.union, links=kept)
        judged = judge_state(yn.targets, net, times, self.city_ids, self.model_error, state.year)
        verdicts = [verdict_record(tr) for tr in judged]
        result = StateResult(state, yn, active, times, judged, verdicts, (time.perf_counter() - t0) * 1e3)
        with self._cache_lock:
            self._results[state] = result
            if len(self._results) > 256:
                self._results.popitem(last=False)
        self.stats["solved"] += 1
        return result

    def city_times(self, state: State, city: int, profile: str) -> tuple[np.ndarray, np.ndarray]:
        """Door-to-door and timetable minutes from one city to every city, on one profile."""
        with self._request():
            if profile == "rail":
                r = self.solve(state)
                return r.times["rail"].door_to_door[city], r.times["rail"].timetable[city]
            yn = self.year_network(state.scenario, state.year)
            solved = self.compiled(yn, profile).solve(yn.active(state), np.array([city]))
            return solved.door_to_door()[0], solved.timetable()[0]

    def isochrones(self, state: State, city: int, profile: str) -> list[Isochrone]:
        """Return the 1-, 2- and 3-hour isochrone polygons from one city, door to door.

        The reached points come from the state's masked graph; the polygons follow the
        rules of :func:`sim.geo.isochrones.isochrones` (the scenario's access speed,
        clipped to the provinces of the region's cities), so they equal those of ``sim
        export`` for the same network.
        """
        from sim.geo.basemap import region_outline
        from sim.geo.isochrones import ISOCHRONE_MINUTES, catchment_speed, catchments, reached_from
        from sim.geo.positions import positions

        with self._request():
            yn = self.year_network(state.scenario, state.year)
            cg = self.compiled(yn, profile)
            minutes = cg.node_minutes(yn.active(state), city)
            if self._region is None:
                self._region = region_outline(self.full)
            if getattr(yn, "_positions", None) is None:
                yn._positions = positions(yn.union)  # type: ignore[attr-defined]
            where = yn._positions  # type: ignore[attr-defined]
            region = self._region
        points = reached_from(cg.graph, minutes, where, self.city_ids[city])
        speed, fixed = catchment_speed(yn.scenario.parameters)
        return catchments(points, ISOCHRONE_MINUTES, speed, fixed, region)

    def scenario_of(self, state: State) -> Scenario:
        """Return the scenario ``sim run`` evaluates for ``state`` (projects and cuts as its own keys)."""
        s = self.catalogue.scenarios[state.scenario]
        yn = self.year_network(state.scenario, state.year)
        on = yn.active(State(state.scenario, state.year, state.add, state.drop))
        cuts = tuple(
            ({"type": "remove_link", "line": line, "from": a, "to": b}, None, None)
            for line, a, b in sorted(state.cuts)
            if on[yn.cut_links[(line, a, b)]].any()
        )
        return replace(
            s,
            name=f"{s.name}-workbench",
            year=state.year,
            include_expected=s.include_expected or state.year > self.data_end,
            add_projects=(*s.add_projects, *sorted(state.add)),
            drop_projects=(*s.drop_projects, *sorted(state.drop)),
            modifications=s.modifications + cuts,
        )

    def all_times(self, state: State, profile: str) -> ProfileTimes:
        """Every pair on one profile (for downloads)."""
        with self._request():
            yn = self.year_network(state.scenario, state.year)
            return _profile_times(self.compiled(yn, profile).solve(yn.active(state)), len(self.city_ids))

    def sections(self, yn: YearNetwork) -> list[tuple[str, list[int]]]:
        """Line sections between junctions of the (scenario, year), as full-data link indices."""
        with self._request():
            cached = getattr(yn, "_sections", None)
            if cached is not None:
                return cached
            links = [lk for lk in yn.union.links if lk.mode.value != "air"]
            out = []
            for failure in line_sections(links):
                idx = sorted(
                    {
                        int(yn.full_index[i])
                        for c in failure.links
                        for i in yn.cut_links.get(cut_of_triple(c), _EMPTY)
                        if yn.full_index[i] >= 0
                    }
                )
                if len(idx) > 1:
                    out.append((failure.label, idx))
            yn._sections = out  # type: ignore[attr-defined]
            return out

    def warm(self, scenario: str | None = None, stop: threading.Event | None = None) -> None:
        """Compile and solve every year of a scenario ahead of use (its own network each year).

        A later click at that year then starts from this answer and recomputes only the
        rows it can change.
        """
        name = scenario or self.default_scenario
        first = self.default_state(name).year
        for year in sorted(range(self.year_min, YEAR_MAX + 1), key=lambda y: (abs(y - first), y)):
            while self._waiting and not (stop is not None and stop.is_set()):
                time.sleep(0.005)  # a page is waiting: it goes first
            if stop is not None and stop.is_set():
                return
            with self._lock:
                self._solve(State(name, year))


def cut_of_triple(link: tuple[str, str, str]) -> Cut:
    """Return the cut of a ``(line, from, to)`` triple as sweep failures name links."""
    line, a, b = link
    x, y = sorted((a, b))
    return (line, x, y)


def _profile_times(solved: Solved, n: int) -> ProfileTimes:
    d2d = np.full((n, n), np.nan)
    tt = np.full((n, n), np.nan)
    d2d[solved.rows] = solved.door_to_door()
    tt[solved.rows] = solved.timetable()
    position = {int(c): k for k, c in enumerate(solved.rows)}

    def legs(asks: list[tuple[int, int, str]]) -> list[list[Leg]]:
        return solved.legs([(position[i], j, reading) for i, j, reading in asks])

    return ProfileTimes(d2d, tt, legs)


def _short(text: str, limit: int = 60) -> str:
    """Echo at most ``limit`` printable characters of a value from the browser."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return clean if len(clean) <= limit else clean[:limit] + "…"

"""Evaluate a scenario: network -> door-to-door times per profile -> target verdicts.

This is the Python API behind ``sim run``::

    from sim import evaluate, load_scenario
    result = evaluate(load_scenario("today"))
    result.travel_times()        # pandas DataFrame, long format
    result.targets_table()       # one row per pair or city checked
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.graph import COMPONENTS, Graph, build_graph
from sim.model_error import ModelError, load_model_error
from sim.modes import PROFILES, Profile
from sim.network import Network
from sim.parameters import Parameters
from sim.paths import Leg, itinerary, main_line, node_distances, shortest_path_tree
from sim.scenario import Scenario, apply_scenario
from sim.targets import load_targets
from sim.validate import load_checked_network
from sim.verdicts import TargetResult, judge

__all__ = ["Evaluation", "ProfileResult", "evaluate", "evaluate_profile"]


@dataclass(frozen=True)
class ProfileResult:
    """Times of one profile between every pair of cities, under both readings.

    Attributes
    ----------
    profile
        The profile.
    graph
        The compiled graph.
    minutes
        ``(n, n)`` door-to-door minutes (``inf`` unreachable, 0 on the diagonal).
    parts
        ``(n, n, 6)`` minutes per component (:data:`~sim.graph.COMPONENTS`).
    legs
        ``legs[i][j]``: the door-to-door itinerary from city i to city j (empty if none).
    timetable_minutes
        ``(n, n)`` station-to-station minutes, the timetable reading: first boarding to
        last alighting by scheduled services, transfers included, on the path that
        minimises that time (:meth:`sim.graph.Graph.timetable_view`); ``inf`` where no
        scheduled service joins the two cities, 0 on the diagonal.
    timetable_legs
        ``timetable_legs[i][j]``: that station-to-station itinerary (empty if none).
    """

    profile: Profile
    graph: Graph
    minutes: np.ndarray
    parts: np.ndarray
    legs: list[list[list[Leg]]]
    timetable_minutes: np.ndarray
    timetable_legs: list[list[list[Leg]]]

    def main_line(self, i: int, j: int) -> str:
        """Return the line of the longest ride (or drive) from city i to city j, door to door."""
        return main_line(self.legs[i][j])

    def timetable_main_line(self, i: int, j: int) -> str:
        """Return the line of the longest ride from city i to city j, station to station."""
        return main_line(self.timetable_legs[i][j])


DISTANCE_BLOCK_BYTES = 256 * 2**20
"""Distance rows held at once: origins are processed in blocks of at most this many bytes."""
ORIGINS_PER_BLOCK = 16
"""... and of at most this many origins, so that progress is heard on large graphs."""


def evaluate_profile(
    network: Network,
    profile: Profile,
    parameters: Parameters,
    backend: str = "scipy",
    progress: Callable[[str], None] | None = None,
) -> ProfileResult:
    """Compute times and itineraries between all cities on one profile, under both readings.

    Parameters
    ----------
    network
        The network as the scenario has it.
    profile
        Which modes may be used.
    parameters
        Model parameters.
    backend
        Shortest-path backend (``scipy``, ``igraph`` or ``networkx``).
    progress
        Called with a line of text as each phase advances (graph, paths and
        itineraries), at most every few seconds.

    Notes
    -----
    Origins are processed in blocks whose distance rows take at most
    :data:`DISTANCE_BLOCK_BYTES`, so memory stays bounded on large graphs.
    """
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    graph = build_graph(network, profile, parameters)
    say(
        f"{profile.name}: graph of {graph.n_nodes:,} nodes and {graph.n_edges:,} edges "
        f"({time.perf_counter() - started:.1f} s)"
    )
    minutes, parts, legs = _times_and_itineraries(graph, backend, say, f"{profile.name}, door to door")
    timetable_minutes, _, timetable_legs = _times_and_itineraries(
        graph.timetable_view(), backend, say, f"{profile.name}, station to station"
    )
    return ProfileResult(profile, graph, minutes, parts, legs, timetable_minutes, timetable_legs)


def _times_and_itineraries(
    graph: Graph, backend: str, say: Callable[[str], None], label: str
) -> tuple[np.ndarray, np.ndarray, list[list[list[Leg]]]]:
    """Minutes, components and itineraries between the graph's origin and destination nodes.

    Origins are taken in blocks (:data:`ORIGINS_PER_BLOCK`) whose distance rows fit in
    :data:`DISTANCE_BLOCK_BYTES`; ``say`` hears how far it got, at most every few seconds.
    """
    n = len(graph.city_ids)
    minutes = np.full((n, n), np.inf)
    parts = np.zeros((n, n, len(COMPONENTS)))
    legs: list[list[list[Leg]]] = []
    block = max(1, min(n, ORIGINS_PER_BLOCK, DISTANCE_BLOCK_BYTES // (8 * max(graph.n_nodes, 1))))
    matrix = graph.csr() if backend == "scipy" else None  # once, for every block
    started = last = time.perf_counter()
    for start in range(0, n, block):
        stop = min(n, start + block)
        dist = node_distances(graph, backend, sources=graph.origin_nodes[start:stop], matrix=matrix)
        minutes[start:stop] = dist[:, graph.dest_nodes] / 60.0
        for k, i in enumerate(range(start, stop)):
            reached = np.isfinite(minutes[i])
            reached[i] = False
            tree = shortest_path_tree(graph, int(graph.origin_nodes[i]), dist[k]) if reached.any() else None
            row: list[list[Leg]] = []
            for j in range(n):
                if tree is None or not reached[j]:
                    row.append([])
                    continue
                node = int(graph.dest_nodes[j])
                parts[i, j] = tree.components_to(node) / 60.0
                row.append(itinerary(graph, tree, node))
            legs.append(row)
            now = time.perf_counter()
            if now - last > 5 and i + 1 < n:
                last = now
                say(f"{label}: paths and itineraries from {i + 1:,} of {n:,} cities")
    np.fill_diagonal(minutes, 0.0)
    say(f"{label}: paths and itineraries between {n:,} cities ({time.perf_counter() - started:.1f} s)")
    return minutes, parts, legs


@dataclass(frozen=True)
class Evaluation:
    """Everything one scenario run produced.

    Attributes
    ----------
    scenario, network
        The scenario and the network it gives.
    results
        Profile name -> :class:`ProfileResult`.
    targets
        One :class:`~sim.verdicts.TargetResult` per target, in file order: each reading
        (the headline first), close calls, due year (see :mod:`sim.verdicts`).
    model_error
        The measured model error used for close calls (None: the network folder has no
        ``calibration.toml``, so no close calls are labelled).
    """

    scenario: Scenario
    network: Network
    results: dict[str, ProfileResult]
    targets: list[TargetResult]
    model_error: ModelError | None = None

    @property
    def city_ids(self) -> tuple[str, ...]:
        """City ids in matrix order."""
        return tuple(c.id for c in self.network.cities)

    def travel_times(self) -> pd.DataFrame:
        """Long table: one row per origin, destination and profile (unreachable rows omitted).

        ``minutes`` is door to door, with its parts in ``<component>_min``;
        ``station_to_station_min`` is the timetable reading (empty where no scheduled
        service joins the two cities, e.g. on the road profile).
        """
        rows = []
        ids = self.city_ids
        for name, res in self.results.items():
            for i, a in enumerate(ids):
                for j, b in enumerate(ids):
                    if i == j or not np.isfinite(res.minutes[i, j]):
                        continue
                    station = float(res.timetable_minutes[i, j])
                    row: dict[str, Any] = {
                        "origin": a,
                        "destination": b,
                        "profile": name,
                        "minutes": round(float(res.minutes[i, j]), 1),
                        "station_to_station_min": round(station, 1) if np.isfinite(station) else None,
                    }
                    for k, comp in enumerate(COMPONENTS):
                        row[f"{comp}_min"] = round(float(res.parts[i, j, k]), 1)
                    row["main_line"] = res.main_line(i, j)
                    rows.append(row)
        columns = [
            "origin",
            "destination",
            "profile",
            "minutes",
            "station_to_station_min",
            *[f"{c}_min" for c in COMPONENTS],
            "main_line",
        ]
        return pd.DataFrame(rows, columns=columns)

    def itineraries(self) -> pd.DataFrame:
        """One row per leg of every itinerary, under both readings.

        ``reading`` is ``door_to_door`` (centre to centre, access to egress) or
        ``timetable`` (first boarding to last alighting, on its own fastest path: the
        stations a timetable time runs between).
        """
        rows = []
        ids = self.city_ids
        for name, res in self.results.items():
            for reading, legs in (("door_to_door", res.legs), ("timetable", res.timetable_legs)):
                for i, a in enumerate(ids):
                    for j, b in enumerate(ids):
                        for n_leg, leg in enumerate(legs[i][j], start=1):
                            rows.append(
                                {
                                    "origin": a,
                                    "destination": b,
                                    "profile": name,
                                    "reading": reading,
                                    "leg": n_leg,
                                    "kind": leg.kind,
                                    "mode": leg.mode,
                                    "line": leg.line,
                                    "from": leg.from_id,
                                    "to": leg.to_id,
                                    "minutes": round(leg.minutes, 1),
                                    **{f"{k}_min": round(v, 1) for k, v in leg.parts.items()},
                                    "default_speed": "; ".join(leg.default_speed),
                                }
                            )
        return pd.DataFrame(rows)

    def targets_table(self) -> pd.DataFrame:
        """One row per target, reading and pair (or city) checked, the headline reading first.

        Columns: ``target``, ``title``, ``kind``, ``reading`` (its key), ``headline``
        (True on the rows of the headline reading), ``profile``, ``threshold``,
        ``origin``, ``destination``, ``minutes``, ``passed``, ``gap_min``, ``close``,
        ``error_min``, ``main_line``, ``first_terminal``, ``last_terminal`` (where the
        judged trip first boards and last alights: for the timetable reading, the
        stations its minutes run between), ``default_speed`` (the lines of that trip run at
        the mode's default speed, theirs being unknown in the data; "; "-joined),
        ``detail``, ``due_year``, ``not_yet_due``.
        Length targets give one row: ``minutes`` empty, ``passed`` True only when the
        length is proven to reach the target, the length and the verdict (met, not met or
        undetermined) in ``detail``.
        """
        rows = []
        for tr in self.targets:
            t = tr.target
            threshold = t.threshold_min if t.kind == "travel_time" else t.threshold_km
            for n, (key, reading) in enumerate(tr.readings.items()):
                common = {
                    "target": t.id,
                    "title": t.title,
                    "kind": t.kind,
                    "reading": key,
                    "headline": n == 0,
                    "profile": reading.profile,
                    "threshold": threshold,
                }
                due = {"due_year": t.due_year, "not_yet_due": tr.not_yet_due}
                if t.kind == "length":
                    bound = "at least " if reading.lower_bound else ""
                    detail = f"{bound}{reading.value or 0:,.0f} km of {'/'.join(t.modes)} ({tr.status})"
                    rows.append({**common, "passed": reading.met is True, "detail": detail, **due})
                    continue
                for c in reading.checks:
                    rows.append(
                        {
                            **common,
                            "origin": c.origin,
                            "destination": c.destination,
                            "minutes": None if c.minutes is None else round(c.minutes, 1),
                            "passed": c.passed,
                            "gap_min": None if c.gap_min is None else round(c.gap_min, 1),
                            "close": c.close,
                            "error_min": c.error_min,
                            "main_line": c.main_line,
                            "first_terminal": c.first_terminal,
                            "last_terminal": c.last_terminal,
                            "default_speed": "; ".join(c.default_speed),
                            "detail": c.detail,
                            **due,
                        }
                    )
        columns = [
            "target",
            "title",
            "kind",
            "reading",
            "headline",
            "profile",
            "threshold",
            "origin",
            "destination",
            "minutes",
            "passed",
            "gap_min",
            "close",
            "error_min",
            "main_line",
            "first_terminal",
            "last_terminal",
            "default_speed",
            "detail",
            "due_year",
            "not_yet_due",
        ]
        return pd.DataFrame(rows, columns=columns)

    def to_geodataframe(self, layer: str = "cities", full: Network | None = None) -> Any:
        """One GIS layer as a geopandas GeoDataFrame (needs the ``geo`` extra).

        ``layer`` is ``cities`` (with the indicators per profile), ``terminals`` or
        ``links_<mode>``; see :func:`sim.geo.layers`. Raises ImportError naming the extra
        when geopandas is missing.
        """
        from sim.geo.layers import to_geodataframe

        return to_geodataframe(self, layer, full)

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary: scenario, network, model error and each target's verdict.

        ``targets`` holds :meth:`sim.verdicts.TargetResult.as_dict` of every target.
        """
        s = self.scenario
        error = self.model_error
        return {
            "scenario": s.name,
            "description": s.description,
            "year": s.year,
            "data_current_to": s.data_current_to,
            "network": {
                "cities": len(self.network.cities),
                "terminals": len(self.network.terminals),
                "links": len(self.network.links),
            },
            "profiles": list(self.results),
            "readings": {
                "timetable": "station to station by the fastest scheduled services: first boarding to "
                "last alighting, transfers included, on the path that minimises that time",
                "door_to_door": "centre to centre: access, processing, waits, in-vehicle, transfers, egress",
            },
            "model_error": None
            if error is None
            else {
                "rail_mae_min": error.rail_mae_min,
                "road_mae_min": error.road_mae_min,
                "measured": error.measured,
                "close_call": "a pair within this many minutes of its threshold is labelled close",
            },
            "parameters": _parameters_dict(s.parameters),
            "targets": [tr.as_dict() for tr in self.targets],
        }


def _parameters_dict(p: Parameters) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(p)


def evaluate(
    scenario: Scenario,
    network: Network | None = None,
    backend: str = "scipy",
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Evaluate ``scenario``: every profile it names and every target of its targets file.

    Parameters
    ----------
    scenario
        The scenario (see :func:`sim.scenario.load_scenario`).
    network
        The full network; when None it is read from the scenario's folder through the
        checks of ``sim validate`` (:func:`sim.validate.load_checked_network`), so that
        nothing is computed from data known to be wrong.
    backend
        Shortest-path backend.
    progress
        Called with a line of text as each phase advances.
    """
    full = network if network is not None else load_checked_network(scenario.network_folder, scenario)
    net = apply_scenario(scenario, full)
    targets = load_targets(scenario.targets_file, net) if scenario.targets_file else []
    wanted = [p.name for p in scenario.profiles]
    for t in targets:
        for profile in t.profiles():
            if profile not in wanted:
                wanted.append(profile)
    results = {
        name: evaluate_profile(net, PROFILES[name], scenario.parameters, backend, progress) for name in wanted
    }
    error = load_model_error(scenario.network_folder)
    year = network_year(scenario)
    verdicts = [judge(t, net, results, error, year, full, data_year(scenario)) for t in targets]
    return Evaluation(scenario, net, results, verdicts, error)


def network_year(scenario: Scenario) -> int | None:
    """Return the year of the scenario's network: its ``year``, else the year its data is current to."""
    if scenario.year is not None:
        return scenario.year
    return data_year(scenario)


def data_year(scenario: Scenario) -> int | None:
    """Return the year the scenario's data is current to (``data_current_to``), else None."""
    text = scenario.data_current_to or ""
    return int(text[:4]) if text[:4].isdigit() else None

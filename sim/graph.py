"""Network + profile + parameters -> the door-to-door multimodal graph.

Node types (one row each in the node table):

``origin`` / ``dest``
    A city centre, split in two so that no path can pass *through* a centre: a trip
    starts at ``origin`` and ends at ``dest``.
``road``
    A point of the expressway network (road profiles only): a junction or a city
    entrance of ``road_nodes.csv``, or a city centre that a link names directly
    (centre-to-centre networks). Passable: through traffic drives on.
``road_out`` / ``road_in``
    A city seen by a driver who leaves it by road (from the centre, or driving off from
    one of its terminals) or who arrives in it by road (to end the trip at the centre,
    or to park and ride at one of its terminals). Each is joined to the city's entrances
    by the urban drive between centre and entrance, and to nothing else: a road trip
    passes through a city centre only where it starts or ends.
``dep`` / ``arr`` / ``xfer``
    A terminal seen by a traveller who comes from the city (``dep``: the first
    boarding, whose wait follows the ``first_wait`` policy), who just got off (``arr``),
    or who changes there (``xfer``: the wait at a transfer always counts).
``pnr``
    A terminal reached by car from the road network (``passenger`` and ``freight``).
``platform``
    A (terminal, line) pair where a traveller is ready to leave on that line: boarded,
    or staying on the train.
``train``
    A (terminal, line) pair reached on board: from here the traveller stays on
    (``stay``), gets off (``alight``), or rides on into another line on a declared
    through service (``through``). Through services start only from here, so boarding
    one line cannot be used to slip onto another without its wait.
``tt_origin`` / ``tt_dest``
    A city seen by a timetable: the first boarding and the last alighting at one of its
    own terminals (its main rail stations where ``timetable_stations.csv`` lists them,
    otherwise its rail stations within ``timetable_station_km`` of its centre; every
    airport and port), with nothing before or after (no access, processing, first wait
    or egress). ``tt_origin`` has only outgoing edges (``tt_board``, to every platform of
    the city, with the ride's in-vehicle start allowance) and ``tt_dest`` only incoming
    ones (``tt_alight``, from every ``arr`` of the city, at no cost), so they never
    shorten a door-to-door path. :meth:`Graph.timetable_view` keeps only the edges of
    scheduled services (:data:`TIMETABLE_EDGE_KINDS`): a timetable trip changes train,
    walks between a city's stations, but never drives.

Every edge carries its time split into the six components of a door-to-door trip
(:data:`COMPONENTS`), in whole seconds, so that path sums are exact in floating point and
every backend returns bit-identical distances.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from sim.modes import Mode, Profile, TerminalKind
from sim.network import Link, Network, RoadNode, Terminal, great_circle_km
from sim.parameters import Parameters
from sim.running_time import StopAllowance, stop_allowances

__all__ = [
    "COMPONENTS",
    "EDGE_KINDS",
    "TIMETABLE_EDGE_KINDS",
    "Graph",
    "board_parts",
    "build_graph",
    "component_seconds",
    "entrance_minutes",
    "link_minutes",
    "road_link_minutes",
    "runs_at_default_speed",
    "service_of",
    "timetable_terminal",
]

COMPONENTS = ("access", "processing", "wait", "in_vehicle", "transfer", "egress")
EDGE_KINDS = (
    "access",
    "board",
    "ride",
    "alight",
    "stay",
    "egress",
    "change",
    "through",
    "interchange",
    "road_access",
    "road",
    "road_egress",
    "park_and_ride",
    "drive_off",
    "tt_board",
    "tt_alight",
)
# the edges a timetable trip may use: scheduled services, changes of train or terminal
TIMETABLE_EDGE_KINDS = frozenset(
    {"tt_board", "board", "ride", "stay", "alight", "through", "change", "interchange", "tt_alight"}
)
_A, _P, _W, _V, _T, _E = range(6)


@dataclass(frozen=True)
class Graph:
    """The compiled graph: node and edge arrays with 0..n-1 indices.

    Attributes
    ----------
    city_ids
        City ids, in the order of ``origin_nodes`` and ``dest_nodes``.
    origin_nodes, dest_nodes
        Node index of each city's ``origin`` and ``dest``.
    timetable_origin_nodes, timetable_dest_nodes
        Node index of each city's ``tt_origin`` and ``tt_dest`` (the timetable reading:
        first boarding to last alighting, see :meth:`timetable_view`).
    node_kind, node_ref, node_line
        Per node: its type, the city or terminal id it belongs to, and the line (platforms).
    tail, head
        Edge endpoints (directed).
    components
        ``(n_edges, 6)`` int64 seconds, columns as :data:`COMPONENTS`.
    weight
        ``components.sum(axis=1)`` as float64 seconds.
    edge_kind
        Per edge: one of :data:`EDGE_KINDS`.
    edge_link
        Per edge: index into ``network.links`` for ``ride`` and ``road`` edges, else -1.
    edge_line, edge_mode
        Per edge: the line and mode ridden ("" when not a ride).
    edge_default_speed
        Per edge: True for a ride on a rail link whose speed the data leaves empty, run at
        the mode's ``default_speed_kmh`` (an assumption, which the verdicts name).
    """

    profile: Profile
    parameters: Parameters
    city_ids: tuple[str, ...]
    origin_nodes: np.ndarray
    dest_nodes: np.ndarray
    node_kind: tuple[str, ...]
    node_ref: tuple[str, ...]
    node_line: tuple[str, ...]
    tail: np.ndarray
    head: np.ndarray
    components: np.ndarray
    weight: np.ndarray
    edge_kind: tuple[str, ...]
    edge_link: np.ndarray
    edge_line: tuple[str, ...]
    edge_mode: tuple[str, ...]
    timetable_origin_nodes: np.ndarray
    timetable_dest_nodes: np.ndarray
    edge_default_speed: np.ndarray | None = None  # None: none (a graph built by hand)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_kind)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.tail)

    def csr(self) -> sp.csr_matrix:
        """Return the graph as a CSR matrix of seconds, parallel edges reduced to the minimum.

        scipy's constructors would *add* parallel entries; this keeps the shortest, as
        igraph and networkx do.
        """
        order = np.lexsort((self.weight, self.head, self.tail))
        t, h, w = self.tail[order], self.head[order], self.weight[order]
        first = np.ones(len(t), dtype=bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        return sp.csr_matrix((w[first], (t[first], h[first])), shape=(self.n_nodes, self.n_nodes))

    def timetable_view(self) -> Graph:
        """Return the graph as a timetable reads it: station to station by scheduled services.

        The same nodes, only the edges of :data:`TIMETABLE_EDGE_KINDS` (rides, boarding,
        alighting, changes of train and between a city's terminals; no access, egress or
        driving), and each city's ``tt_origin`` / ``tt_dest`` in place of its door-to-door
        ``origin`` / ``dest``. Every function of :mod:`sim.paths` then computes the
        timetable reading on it: ``all_pairs(graph.timetable_view())`` is the fastest
        first-boarding-to-last-alighting time between every pair of cities, on its own
        shortest path (``inf`` where no scheduled service joins them). Edge indices are
        those of the view; ``edge_link`` still points into the network's links.
        """
        keep = np.array([k in TIMETABLE_EDGE_KINDS for k in self.edge_kind], dtype=bool)
        index = np.flatnonzero(keep)
        return replace(
            self,
            origin_nodes=self.timetable_origin_nodes,
            dest_nodes=self.timetable_dest_nodes,
            tail=self.tail[index],
            head=self.head[index],
            components=self.components[index],
            weight=self.weight[index],
            edge_kind=tuple(self.edge_kind[e] for e in index),
            edge_link=self.edge_link[index],
            edge_line=tuple(self.edge_line[e] for e in index),
            edge_mode=tuple(self.edge_mode[e] for e in index),
            edge_default_speed=None if self.edge_default_speed is None else self.edge_default_speed[index],
        )


def service_of(link: Link) -> str:
    """Return the service a link belongs to: its line, or for air its own route.

    Rail and waterway rows are sections of a line that vehicles run along. Every air row
    is its own route: flying on from the next airport is a change of flight.
    """
    if link.mode is Mode.AIR:
        a, b = sorted((link.from_id, link.to_id))
        return f"{link.line} {a}–{b}"
    return link.line


def link_minutes(link: Link, parameters: Parameters) -> float:
    """In-vehicle minutes of one link: its scheduled minutes, else km / speed.

    Computed times use the line speed times the mode's ``speed_factor``; the per-link
    ``stop_loss_min`` of the mode is added in both cases. What stops cost (accelerating,
    braking, dwelling) is added where the traveller boards, stays on or gets off:
    :func:`_ride_allowances`.
    """
    if link.minutes is not None:
        base = link.minutes
    else:
        speed = link.speed_kmh or parameters.default_speed_kmh.get(link.mode.value)
        if speed is None or link.km is None:
            raise ValueError(f"link {link.from_id}-{link.to_id} has no time, speed or km")
        base = link.km / (speed * parameters.speed_factor.get(link.mode.value, 1.0)) * 60.0
    return base + parameters.stop_loss_min.get(link.mode.value, 0.0)


def _ride_allowances(
    network: Network, terminal_links: list[tuple[int, Link]], parameters: Parameters
) -> dict[tuple[str, str], StopAllowance]:
    """Return the in-vehicle allowance of each (terminal, service): start, stop, pass.

    See :mod:`sim.running_time`; boarding edges carry ``start``, alighting edges ``stop``,
    staying on ``passing`` (a stop of the fastest trains at a major stop), and a through
    service the ``half_loss`` of both lines plus ``through_dwell_min``.
    """
    modes = {lk.mode for _, lk in terminal_links}
    known = ((lk, service_of(lk)) for lk in network.all_links if lk.mode in modes)
    return stop_allowances(
        ((lk, service_of(lk)) for _, lk in terminal_links), network.major_stops, parameters, known
    )


def access_minutes(terminal: Terminal, network: Network, parameters: Parameters) -> float:
    """Minutes from the city centre to a terminal: the given figure, else an estimate.

    The estimate is ``access_fixed_min`` plus the straight-line distance times
    ``access_detour`` at ``access_speed_kmh``.
    """
    if terminal.access_min is not None:
        return terminal.access_min
    if terminal.lat is None or terminal.lon is None:  # excluded by validation
        raise ValueError(f"terminal {terminal.id} has neither access_min nor coordinates")
    city = network.city_by_id[terminal.city]
    km = great_circle_km(city.lat, city.lon, terminal.lat, terminal.lon)
    return parameters.access_fixed_min + km * parameters.access_detour / parameters.access_speed_kmh * 60


STANDARD_LANES = 4


def road_link_minutes(link: Link, parameters: Parameters) -> float:
    """Driving minutes of one expressway link.

    A car runs at the lesser of the section's speed limit (its ``speed_kmh``, the design
    speed, else the expressway default) and ``expressway_cruise_kmh``, the typical
    cruising speed of cars in mixed traffic, which grows by ``lane_speed_gain_kmh`` for
    each lane per direction beyond the standard two (a widened road); times the
    expressway ``speed_factor``; plus the expressway ``stop_loss_min``. A link's
    ``minutes``, where given, is used as it is (plus the stop loss).
    """
    mode = link.mode.value
    if link.minutes is not None:
        base = link.minutes
    else:
        limit = link.speed_kmh or parameters.default_speed_kmh.get(mode)
        if limit is None or link.km is None:
            raise ValueError(f"link {link.from_id}-{link.to_id} has no time, speed or km")
        extra_lanes = max((link.lanes or STANDARD_LANES) - STANDARD_LANES, 0) / 2
        cruise = parameters.expressway_cruise_kmh + parameters.lane_speed_gain_kmh * extra_lanes
        speed = min(limit, cruise) * parameters.speed_factor.get(mode, 1.0)
        base = link.km / speed * 60.0
    return base + parameters.stop_loss_min.get(mode, 0.0)


def entrance_minutes(node: RoadNode, network: Network, parameters: Parameters) -> float:
    """Minutes from a city's centre to one of its expressway entrances (and back).

    The given ``access_min``, else ``road_entrance_fixed_min`` plus the straight-line
    distance times ``access_detour`` at ``road_entrance_speed_kmh``.
    """
    if node.access_min is not None:
        return node.access_min
    if node.city is None:  # excluded by validation: only entrances are asked
        raise ValueError(f"road node {node.id} serves no city")
    city = network.city_by_id[node.city]
    km = great_circle_km(city.lat, city.lon, node.lat, node.lon)
    drive = km * parameters.access_detour / parameters.road_entrance_speed_kmh * 60
    return parameters.road_entrance_fixed_min + drive


def _seconds(minutes: float) -> int:
    return round(minutes * 60.0)


def component_seconds(parts: dict[int, float]) -> list[int]:
    """Whole seconds per component (:data:`COMPONENTS` order) of an edge given in minutes.

    ``parts`` maps a component's column to its minutes; each is rounded on its own, as
    every edge of :func:`build_graph` is.
    """
    row = [0] * len(COMPONENTS)
    for column, value in parts.items():
        row[column] += _seconds(value)
    return row


def board_parts(
    entry: str, headway_min: float, start_min: float, kind: TerminalKind, p: Parameters
) -> dict[int, float]:
    """Minutes per component of boarding a line at a platform whose headway is ``headway_min``.

    Parameters
    ----------
    entry
        Where the traveller boards from: ``dep`` (first boarding, whose wait follows the
        ``first_wait`` policy), ``xfer`` (a change of line: half the headway and the
        line-change penalty) or ``pnr`` (from a car: half the headway).
    headway_min
        The platform's headway: the shortest of the links of the line at the terminal.
    start_min
        The ride's in-vehicle start allowance at the platform (:func:`_ride_allowances`:
        accelerating away, and the mode's ``start_stop_min``).
    kind
        The kind of terminal (its line-change penalty).
    p
        Model parameters.
    """
    if entry == "dep":
        first = 0.0 if p.first_wait == "planned" else min(headway_min / 2, p.first_wait_cap_min)
        return {_W: first, _V: start_min}
    if entry == "xfer":
        return {_W: headway_min / 2, _T: p.line_change_min[kind.value], _V: start_min}
    if entry == "pnr":
        return {_W: headway_min / 2, _V: start_min}
    raise ValueError(f"unknown boarding entry '{entry}' (valid: dep, xfer, pnr)")


class _Builder:
    def __init__(self) -> None:
        self.node_index: dict[tuple[str, str, str], int] = {}
        self.node_kind: list[str] = []
        self.node_ref: list[str] = []
        self.node_line: list[str] = []
        self.tail: list[int] = []
        self.head: list[int] = []
        self.comp: list[list[int]] = []
        self.kind: list[str] = []
        self.link: list[int] = []
        self.line: list[str] = []
        self.mode: list[str] = []

    def node(self, kind: str, ref: str, line: str = "") -> int:
        key = (kind, ref, line)
        index = self.node_index.get(key)
        if index is None:
            index = len(self.node_kind)
            self.node_index[key] = index
            self.node_kind.append(kind)
            self.node_ref.append(ref)
            self.node_line.append(line)
        return index

    def edge(
        self,
        tail: int,
        head: int,
        kind: str,
        minutes: dict[int, float],
        *,
        link: int = -1,
        line: str = "",
        mode: str = "",
    ) -> None:
        row = component_seconds(minutes)
        self.tail.append(tail)
        self.head.append(head)
        self.comp.append(row)
        self.kind.append(kind)
        self.link.append(link)
        self.line.append(line)
        self.mode.append(mode)


def build_graph(network: Network, profile: Profile, parameters: Parameters) -> Graph:
    """Compile ``network`` into the door-to-door graph of ``profile``.

    Parameters
    ----------
    network
        The network, already cut to the year and scenario wanted.
    profile
        Which modes may be used.
    parameters
        Speeds, penalties, processing times (see :class:`~sim.parameters.Parameters`).

    Returns
    -------
    Graph
        Nodes and edges; see the module docstring for their meaning.
    """
    p = parameters
    b = _Builder()
    city_ids = tuple(c.id for c in network.cities)
    origin = np.array([b.node("origin", c) for c in city_ids], dtype=np.int64)
    dest = np.array([b.node("dest", c) for c in city_ids], dtype=np.int64)

    links = [(i, lk) for i, lk in enumerate(network.links) if lk.mode in profile.modes]
    terminal_links = [(i, lk) for i, lk in links if lk.mode.terminal_kind is not None]

    # platforms and the headway of each (terminal, line): the shortest given on its links
    headway: dict[tuple[str, str], float] = {}
    platform_kind: dict[tuple[str, str], TerminalKind] = {}
    for _, lk in terminal_links:
        h = p.headway(lk.mode, lk.headway_min)
        for node in (lk.from_id, lk.to_id):
            key = (node, service_of(lk))
            headway[key] = min(headway.get(key, h), h)
            platform_kind[key] = lk.mode.terminal_kind  # type: ignore[assignment]
    served = sorted({t for t, _ in headway})
    terminals = [network.terminal_by_id[t] for t in served]
    allowance = _ride_allowances(network, terminal_links, p)

    city_index = {c: i for i, c in enumerate(city_ids)}
    for t in terminals:
        kind = t.kind.value
        access = access_minutes(t, network, p)
        c = city_index[t.city]
        dep, arr, xfer = b.node("dep", t.id), b.node("arr", t.id), b.node("xfer", t.id)
        b.edge(int(origin[c]), dep, "access", {_A: access, _P: p.processing_min[kind]})
        b.edge(arr, int(dest[c]), "egress", {_E: access, _P: p.arrival_processing_min[kind]})
        b.edge(arr, xfer, "change", {})
    for (tid, line), h in sorted(headway.items()):
        kind = platform_kind[(tid, line)]
        plat = b.node("platform", tid, line)
        allow = allowance[(tid, line)]
        b.edge(b.node("dep", tid), plat, "board", board_parts("dep", h, allow.start, kind, p), line=line)
        b.edge(b.node("xfer", tid), plat, "board", board_parts("xfer", h, allow.start, kind, p), line=line)
        train = b.node("train", tid, line)
        b.edge(train, plat, "stay", {_V: allow.passing}, line=line)
        b.edge(train, b.node("arr", tid), "alight", {_V: allow.stop}, line=line)

    for i, lk in terminal_links:
        minutes = link_minutes(lk, p)
        line = service_of(lk)
        for u, v in ((lk.from_id, lk.to_id), (lk.to_id, lk.from_id)):
            b.edge(
                b.node("platform", u, line),
                b.node("train", v, line),
                "ride",
                {_V: minutes},
                link=i,
                line=line,
                mode=lk.mode.value,
            )

    for ts in network.through_services:
        ka, kb = (ts.station, ts.line_a), (ts.station, ts.line_b)
        if ka in headway and kb in headway:
            labels = (f"{ts.line_a}>{ts.line_b}", f"{ts.line_b}>{ts.line_a}")
            stop = allowance[ka].half_loss + allowance[kb].half_loss + p.through_dwell_min
            for (x, y), label in zip(((ka, kb), (kb, ka)), labels, strict=True):
                b.edge(b.node("train", *x), b.node("platform", *y), "through", {_V: stop}, line=label)

    _interchanges(b, network, terminals, p)
    tt_origin, tt_dest = _timetable_nodes(b, network, city_ids, terminals, headway, allowance, p)
    if profile.uses_road:
        _roads(b, network, links, terminals, headway, allowance, city_ids, origin, dest, p)

    comp = np.array(b.comp, dtype=np.int64).reshape(-1, 6)
    edge_link = np.array(b.link, dtype=np.int64)
    at_default = np.array([runs_at_default_speed(lk) for lk in network.links] + [False], dtype=bool)
    return Graph(
        profile=profile,
        parameters=p,
        city_ids=city_ids,
        origin_nodes=origin,
        dest_nodes=dest,
        node_kind=tuple(b.node_kind),
        node_ref=tuple(b.node_ref),
        node_line=tuple(b.node_line),
        tail=np.array(b.tail, dtype=np.int64),
        head=np.array(b.head, dtype=np.int64),
        components=comp,
        weight=comp.sum(axis=1).astype(np.float64),
        edge_kind=tuple(b.kind),
        edge_link=edge_link,
        edge_line=tuple(b.line),
        edge_mode=tuple(b.mode),
        timetable_origin_nodes=tt_origin,
        timetable_dest_nodes=tt_dest,
        edge_default_speed=at_default[edge_link],  # once per link; -1 (no link) reads the False at the end
    )


def runs_at_default_speed(link: Link) -> bool:
    """Return True for a rail link whose time rests on the mode's default speed.

    Its speed is unknown in the data (empty ``speed_kmh``, no ``minutes``): the model runs
    it at ``default_speed_kmh``. Expressways are left out: their default is the national
    design speed, and what a car runs at is capped by ``expressway_cruise_kmh`` anyway.
    """
    return link.mode.is_rail and link.minutes is None and link.speed_kmh is None


def timetable_terminal(terminal: Terminal, network: Network, parameters: Parameters) -> bool:
    """Return True when the timetable reading counts ``terminal`` as one of its city's own.

    Every airport and port counts. Where a city has stations listed in
    ``timetable_stations.csv`` (:attr:`Network.timetable_stations`, its main stations),
    only those count, each from its ``from_year`` on: so 武汉–南昌 is read to 南昌站, not
    to 乐化, an outlying station the same trains pass first, and 南昌南 counts from 2023,
    when the junction 横岗 became a passenger station. A city with none listed takes its
    rail stations within ``parameters.timetable_station_km`` of the centre (or of unknown
    position): a county-town station filed under its prefecture is not the city's
    station for a timetable.
    """
    if terminal.kind is not TerminalKind.RAIL:
        return True
    if terminal.city in network.timetable_cities:
        if terminal.id not in network.timetable_from:
            return False
        first = network.timetable_from[terminal.id]
        return first is None or network.year is None or network.year >= first
    if terminal.lat is None or terminal.lon is None:
        return True
    city = network.city_by_id[terminal.city]
    return great_circle_km(city.lat, city.lon, terminal.lat, terminal.lon) <= parameters.timetable_station_km


def _timetable_nodes(
    b: _Builder,
    network: Network,
    city_ids: tuple[str, ...],
    terminals: list[Terminal],
    headway: dict[tuple[str, str], float],
    allowance: dict[tuple[str, str], StopAllowance],
    p: Parameters,
) -> tuple[np.ndarray, np.ndarray]:
    """Each city's ``tt_origin`` and ``tt_dest``, joined to boarding and from alighting.

    ``tt_board`` reaches every platform of each of the city's own terminals
    (:func:`timetable_terminal`) that a scheduled service of the profile calls at, with
    the ride's in-vehicle start allowance but no wait; ``tt_alight`` leaves the ``arr``
    of each at no cost. Returns the node indices, in the order of ``city_ids``.
    """
    tt_origin = np.array([b.node("tt_origin", c) for c in city_ids], dtype=np.int64)
    tt_dest = np.array([b.node("tt_dest", c) for c in city_ids], dtype=np.int64)
    own = {t.id: t.city for t in terminals if timetable_terminal(t, network, p)}
    position = {c: k for k, c in enumerate(city_ids)}
    for (tid, line), _ in sorted(headway.items()):
        if tid not in own:
            continue
        start = allowance[(tid, line)].start
        origin = int(tt_origin[position[own[tid]]])
        b.edge(origin, b.node("platform", tid, line), "tt_board", {_V: start}, line=line)
    for t in terminals:
        if t.id in own:
            b.edge(b.node("arr", t.id), int(tt_dest[position[t.city]]), "tt_alight", {})
    return tt_origin, tt_dest


def _interchanges(b: _Builder, network: Network, terminals: list[Terminal], p: Parameters) -> None:
    """Edges between two terminals of one city: the listed transfer time, else via the centre."""
    known = {(t.from_id, t.to_id): t.minutes for t in network.transfers}
    known.update({(t.to_id, t.from_id): t.minutes for t in network.transfers})
    by_city: dict[str, list[Terminal]] = {}
    for t in terminals:
        by_city.setdefault(t.city, []).append(t)
    for group in by_city.values():
        for s in group:
            for t in group:
                if s.id == t.id:
                    continue
                minutes = known.get((s.id, t.id))
                if minutes is None:
                    minutes = access_minutes(s, network, p) + access_minutes(t, network, p)
                parts = {_T: minutes, _P: p.processing_min[t.kind.value]}
                if s.kind is not t.kind:
                    parts[_T] += p.mode_change_min
                    parts[_P] += p.arrival_processing_min[s.kind.value]
                b.edge(b.node("arr", s.id), b.node("xfer", t.id), "interchange", parts)


def _roads(
    b: _Builder,
    network: Network,
    links: list[tuple[int, Link]],
    terminals: list[Terminal],
    headway: dict[tuple[str, str], float],
    allowance: dict[tuple[str, str], StopAllowance],
    city_ids: tuple[str, ...],
    origin: np.ndarray,
    dest: np.ndarray,
    p: Parameters,
) -> None:
    """Road nodes, expressway edges, and the edges between road and terminals.

    Each city has a ``road_out`` node (reached from its origin, and by driving off at its
    terminals) and a ``road_in`` node (leading to its destination, and to park-and-ride
    at its terminals), joined to its entrances by the urban drive (:func:`_city_roads`).
    Driving to a terminal (``park_and_ride``) reaches a ``pnr`` node, from which the
    traveller boards after half a headway's wait (a wait at a change of mode counts, like
    any transfer wait) but with no line-change penalty: the mode-change penalty is on the
    drive. Leaving a terminal by road (``drive_off``) costs egress, the arrival
    processing and the mode-change penalty.
    """
    road_links = [(i, lk) for i, lk in links if lk.mode is Mode.EXPRESSWAY]
    _city_roads(b, network, road_links, city_ids, origin, dest, p)
    for i, lk in road_links:
        minutes = road_link_minutes(lk, p)
        u, v = b.node("road", lk.from_id), b.node("road", lk.to_id)
        for x, y in ((u, v), (v, u)):
            b.edge(x, y, "road", {_V: minutes}, link=i, line=lk.line, mode=lk.mode.value)
    for (tid, line), h in sorted(headway.items()):
        kind = network.terminal_by_id[tid].kind
        parts = board_parts("pnr", h, allowance[(tid, line)].start, kind, p)
        b.edge(b.node("pnr", tid), b.node("platform", tid, line), "board", parts, line=line)
    for t in terminals:
        kind = t.kind.value
        access = access_minutes(t, network, p)
        b.edge(
            b.node("road_in", t.city),
            b.node("pnr", t.id),
            "park_and_ride",
            {_A: access, _P: p.processing_min[kind], _T: p.mode_change_min},
        )
        b.edge(
            b.node("arr", t.id),
            b.node("road_out", t.city),
            "drive_off",
            {_E: access, _P: p.arrival_processing_min[kind], _T: p.mode_change_min},
        )


def _city_roads(
    b: _Builder,
    network: Network,
    road_links: list[tuple[int, Link]],
    city_ids: tuple[str, ...],
    origin: np.ndarray,
    dest: np.ndarray,
    p: Parameters,
) -> None:
    """Join every city to the road points it is reached by.

    A city's entrances (``road_nodes.csv``) on a link of the network are reached in
    :func:`entrance_minutes`; a city centre that a link names directly is a road point
    of its own, ``road_access_min`` away. Both ways, in the order of the road nodes
    table, so that the graph does not depend on the order of the links.
    """
    used = {end for _, lk in road_links for end in (lk.from_id, lk.to_id)}
    for c, cid in enumerate(city_ids):
        b.edge(int(origin[c]), b.node("road_out", cid), "road_access", {})
        b.edge(b.node("road_in", cid), int(dest[c]), "road_egress", {})
    points: list[tuple[str, str, float]] = [(cid, cid, p.road_access_min) for cid in city_ids if cid in used]
    points += [
        (n.id, n.city, entrance_minutes(n, network, p))
        for n in network.road_nodes
        if n.kind == "entrance" and n.city is not None and n.id in used
    ]
    for point, city, minutes in points:
        node = b.node("road", point)
        b.edge(b.node("road_out", city), node, "road_access", {_A: minutes})
        b.edge(node, b.node("road_in", city), "road_egress", {_E: minutes})

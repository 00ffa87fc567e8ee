"""Read and validate a network folder into typed records (no graph yet).

A network folder holds the CSV tables described in ``network/README.md``. Everything
here is about *what exists*: cities, terminals, links with their status and year,
declared through services and transfers, the major stops of the fastest trains, the
road nodes (expressway junctions and city entrances) that expressway links join, dated
changes of a line's speed or headway (``line_changes.csv``) and the projects with their
costs (``projects.csv``). :func:`load_network` reads a folder, collects every problem and
raises them together, each naming ``file:line: field``.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from sim.errors import InputError, InputErrors
from sim.modes import Mode, TerminalKind
from sim.tables import Column, Row, choice, non_negative, positive, read_table, to_float, to_int, to_str

__all__ = [
    "STATUSES",
    "City",
    "LineChange",
    "Link",
    "Network",
    "Project",
    "RoadNode",
    "Terminal",
    "ThroughService",
    "Transfer",
    "great_circle_km",
    "load_network",
]

STATUSES = ("open", "construction", "planned")
ROAD_NODE_KINDS = ("junction", "entrance")
# how a terminal's access_min is known: a source gives it (or the trip it is worked out
# from), or it is a recollection; an empty access_min is worked out by the formula
ACCESS_BASES = ("published", "recalled")
ROAD_NODES_FILE = "road_nodes.csv"
PLAN_STATUSES = ("in-plan", "connected", "external")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
MIN_YEAR, MAX_YEAR = 1850, 2100

TERMINAL_FILES = {
    TerminalKind.RAIL: "terminals_rail.csv",
    TerminalKind.AIR: "terminals_air.csv",
    TerminalKind.PORT: "terminals_port.csv",
}
LINK_FILES = ("links_rail.csv", "links_road.csv", "links_water.csv", "links_air.csv")
_LINK_FILE_OF_KIND = {
    TerminalKind.RAIL: "links_rail.csv",
    TerminalKind.AIR: "links_air.csv",
    TerminalKind.PORT: "links_water.csv",
}


@dataclass(frozen=True)
class City:
    """A city: its centre is where door-to-door trips start and end."""

    id: str
    name_zh: str
    name_en: str
    province: str
    lat: float
    lon: float
    population: int | None
    metro_area: str | None
    plan_status: str
    source: str


@dataclass(frozen=True)
class Terminal:
    """A rail station, airport or port serving one city.

    ``access_min`` is the trip from the city centre to the terminal (None: worked out by
    the formula of :func:`sim.graph.access_minutes`); ``access_basis`` says how it is
    known: ``published`` (a source gives the time, or the metro or bus trip it is worked
    out from), ``recalled`` (from memory, approximate), ``formula`` (no time given), or
    ``given`` (a time given in a table without the ``access_basis`` column).

    ``town`` is the county-level city, county or district (in Chinese: ``武穴``,
    ``黄梅县``, ``万州区``) a terminal stands in when that is not its city's central urban
    area, as its own name says; None otherwise (or in a table without the column).
    """

    id: str
    city: str
    kind: TerminalKind
    name_zh: str
    name_en: str
    lat: float | None
    lon: float | None
    access_min: float | None
    status: str
    open_year: int | None
    source: str
    file: str = ""
    row: int = 0
    access_basis: str = "formula"
    town: str | None = None


@dataclass(frozen=True)
class RoadNode:
    """A point of the expressway network: a junction (枢纽互通) or a city's entrance.

    An ``entrance`` is where a city's traffic joins the expressways (the interchange of
    its main access road); ``access_min`` is the drive from the city centre to it (None:
    estimated from the straight-line distance, see :mod:`sim.parameters`). A
    ``junction`` joins expressways and serves no city by itself (``city`` may name the
    city it lies in, for reference only).
    """

    id: str
    name_zh: str
    name_en: str
    kind: str
    city: str | None
    lat: float
    lon: float
    access_min: float | None
    access_note: str | None
    source: str
    file: str = ""
    row: int = 0


@dataclass(frozen=True)
class Link:
    """An undirected link between two terminals, or two road nodes for expressways.

    An expressway end may also be a city id: the city centre as a point of the road
    network (centre-to-centre networks), which through traffic may pass.
    ``lanes`` (expressways: both directions together; None: the standard four) is what a
    widening changes: a widened section is a row of its own, parallel to the road it
    widens, with its lanes and the year the widening was finished.
    """

    mode: Mode
    line: str
    from_id: str
    to_id: str
    km: float | None
    speed_kmh: float | None
    minutes: float | None
    headway_min: float | None
    status: str
    open_year: int | None
    project: str | None
    plan: str | None
    source: str
    file: str = ""
    row: int = 0
    lanes: int | None = None


@dataclass(frozen=True)
class ThroughService:
    """Trains pass from ``line_a`` onto ``line_b`` (and back) at ``station`` without a change."""

    station: str
    line_a: str
    line_b: str
    source: str


@dataclass(frozen=True)
class Transfer:
    """A known transfer time between two terminals of one city."""

    from_id: str
    to_id: str
    minutes: float
    source: str


@dataclass(frozen=True)
class LineChange:
    """A dated value of a line's speed and/or headway (a row of ``line_changes.csv``).

    Attributes
    ----------
    line
        The line name, as in the link tables.
    from_id, to_id
        One link of the line (either direction), or both None for every link of the line.
    year
        The year from whose end the values are in force.
    speed_kmh, headway_min
        The values in force from then on; None leaves that value unchanged.
    source
        Where the figure comes from.
    """

    line: str
    from_id: str | None
    to_id: str | None
    year: int
    speed_kmh: float | None
    headway_min: float | None
    source: str
    file: str = ""
    row: int = 0

    def applies_to(self, link: Link) -> bool:
        """Return True if this row is about ``link`` (its line, and its link or every link)."""
        if link.line != self.line:
            return False
        if self.from_id is None:
            return True
        return {self.from_id, self.to_id} == {link.from_id, link.to_id}


@dataclass(frozen=True)
class Project:
    """A project grouping links (a row of ``projects.csv``), with its investment.

    Attributes
    ----------
    id
        The slug used in the ``project`` column of the link tables.
    name_zh, name_en
        Display names.
    plan
        The document that names the project (None if none does).
    cost_yi_yuan
        Investment in 亿元 (100 million yuan), None when unknown.
    cost_year
        Year of the cost figure (its price base as published), None when unknown.
    cost_source
        Where the cost figure comes from (approval, 可研批复, start-of-works release).
    source
        Source of the row as a whole (names, plan).
    """

    id: str
    name_zh: str
    name_en: str
    plan: str | None
    cost_yi_yuan: float | None
    cost_year: int | None
    cost_source: str | None
    source: str
    file: str = ""
    row: int = 0


@dataclass(frozen=True)
class Network:
    """A validated network: the tables of one folder, possibly filtered to a year.

    Attributes
    ----------
    folder
        Where it was read from.
    cities, terminals, links, through_services, transfers
        The records, in file order.
    major_stops
        Station ids where every train stops, the fastest included (``major_stops.csv``;
        empty when the folder has none): the stops of the fastest service pattern.
    timetable_stations, timetable_cities
        The stations the timetable reading starts and ends at, each with the first year
        it counts (None: whenever it is open), from ``timetable_stations.csv`` (empty when
        the folder has none), and the cities they belong to: a listed city's main
        stations, where the plans' city-to-city times are read. A city with none
        listed takes every rail station near its centre
        (:func:`sim.graph.timetable_terminal`). Both are kept as read when the network is
        cut to a year, so a listed city keeps to its list whatever stations are open.
        ``timetable_from`` maps each listed station to its first year.
    all_links
        Every link of the folder whatever its status and year, as read (``links`` holds
        those of the network as cut): what is known of a line as a whole, such as its
        speed at a station, which the stop losses use whatever sections a scenario holds.
    line_changes
        Dated speeds and headways (``line_changes.csv``); :meth:`as_of` applies them.
    projects
        One :class:`Project` per project id of the link tables (``projects.csv``; empty
        when the folder has no such table).
    year
        None for the full data (every status); otherwise the year it was cut to.
    road_nodes
        Expressway junctions and city entrances (``road_nodes.csv``), in file order.
    """

    folder: Path
    cities: tuple[City, ...]
    terminals: tuple[Terminal, ...]
    links: tuple[Link, ...]
    through_services: tuple[ThroughService, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    year: int | None = None
    road_nodes: tuple[RoadNode, ...] = ()
    major_stops: frozenset[str] = frozenset()
    timetable_stations: tuple[tuple[str, int | None], ...] = ()
    timetable_cities: frozenset[str] = frozenset()
    all_links: tuple[Link, ...] = ()
    line_changes: tuple[LineChange, ...] = ()
    projects: tuple[Project, ...] = ()
    city_by_id: dict[str, City] = field(init=False, repr=False, compare=False)
    terminal_by_id: dict[str, Terminal] = field(init=False, repr=False, compare=False)
    road_node_by_id: dict[str, RoadNode] = field(init=False, repr=False, compare=False)
    project_by_id: dict[str, Project] = field(init=False, repr=False, compare=False)
    timetable_from: dict[str, int | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "city_by_id", {c.id: c for c in self.cities})
        object.__setattr__(self, "terminal_by_id", {t.id: t for t in self.terminals})
        object.__setattr__(self, "road_node_by_id", {n.id: n for n in self.road_nodes})
        object.__setattr__(self, "project_by_id", {p.id: p for p in self.projects})
        object.__setattr__(self, "timetable_from", dict(self.timetable_stations))

    @property
    def data_years(self) -> tuple[int, int] | None:
        """First and last ``open_year`` of the open links, or None if none is known."""
        years = [lk.open_year for lk in self.links if lk.open_year is not None and lk.status == "open"]
        return (min(years), max(years)) if years else None

    def values_in(self, year: int) -> tuple[Link, ...]:
        """Every link with the speed and headway in force at the end of ``year``.

        For each of ``speed_kmh`` and ``headway_min``, the value in force is that of the
        latest :attr:`line_changes` row about the link (its own, or its line's) with
        ``year`` at or before ``year`` and a value for it; a row about the link itself
        wins over a row about the whole line of the same year. Without such a row the
        link keeps its own value (the value in force today). Nothing is dropped.
        """
        if not self.line_changes:
            return self.links
        by_line: dict[str, list[LineChange]] = {}
        for change in self.line_changes:
            if change.year <= year:
                by_line.setdefault(change.line, []).append(change)
        out = []
        for link in self.links:
            rows = [c for c in by_line.get(link.line, ()) if c.applies_to(link)]
            if not rows:
                out.append(link)
                continue
            # latest year first; at equal years the link's own row before the line's
            rows.sort(key=lambda c: (c.year, c.from_id is not None), reverse=True)
            speed = next((c.speed_kmh for c in rows if c.speed_kmh is not None), link.speed_kmh)
            headway = next((c.headway_min for c in rows if c.headway_min is not None), link.headway_min)
            if speed == link.speed_kmh and headway == link.headway_min:
                out.append(link)
            else:
                out.append(replace(link, speed_kmh=speed, headway_min=headway))
        return tuple(out)

    def as_of(self, year: int, *, include_expected: bool = False) -> Network:
        """Return the network as built by the end of ``year``, with the values then in force.

        Parameters
        ----------
        year
            Links opened after this year are dropped; so are terminals. Speeds and
            headways are those in force at the end of the year (:meth:`values_in`).
        include_expected
            When True, links under construction or planned whose expected ``open_year``
            is at or before ``year`` are kept too (a build-out vision); planned links with
            no year are always dropped.

        Notes
        -----
        An open link or terminal whose ``open_year`` is unknown is taken to be older than
        any year asked for.
        """

        def kept(status: str, open_year: int | None) -> bool:
            if status == "open":
                return open_year is None or open_year <= year
            return include_expected and open_year is not None and open_year <= year

        terminals = tuple(t for t in self.terminals if kept(t.status, t.open_year))
        present = {t.id for t in terminals} | {c.id for c in self.cities} | set(self.road_node_by_id)
        links = tuple(
            lk
            for lk in self.values_in(year)
            if kept(lk.status, lk.open_year) and lk.from_id in present and lk.to_id in present
        )
        return replace(self, terminals=terminals, links=links, year=year)

    def open_only(self) -> Network:
        """Return the network with only links and terminals in service today.

        A link marked open that ends at a terminal not in service is dropped with it.
        """
        terminals = tuple(t for t in self.terminals if t.status == "open")
        present = {t.id for t in terminals} | {c.id for c in self.cities} | set(self.road_node_by_id)
        links = tuple(
            lk for lk in self.links if lk.status == "open" and lk.from_id in present and lk.to_id in present
        )
        return replace(self, terminals=terminals, links=links)

    def find_city(self, text: str) -> City:
        """Find a city by id, Chinese name (with or without 市) or English name.

        Raises
        ------
        InputError
            If nothing matches; the message suggests how to list the cities.
        """
        key = text.strip()
        if key in self.city_by_id:
            return self.city_by_id[key]
        low = key.lower()
        for city in self.cities:
            if low in (city.name_en.lower(), city.id) or key in (city.name_zh, city.name_zh + "市"):
                return city
            if key.endswith("市") and key[:-1] == city.name_zh:
                return city
        raise InputError(
            f"unknown city '{text}' (use an id, Chinese or English name from cities.csv)",
            self.folder / "cities.csv",
        )


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine, earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


# ---------------------------------------------------------------------------- parsing


def _slug(text: str) -> str:
    if not _SLUG.match(text):
        raise ValueError(f"'{text}' is not a lowercase ascii id (letters, digits, _)")
    return text


def _lat(text: str) -> float:
    value = to_float(text)
    if not -90 <= value <= 90:
        raise ValueError(f"latitude {value} outside -90..90")
    return value


def _lon(text: str) -> float:
    value = to_float(text)
    if not -180 <= value <= 180:
        raise ValueError(f"longitude {value} outside -180..180")
    return value


def _year(text: str) -> int:
    value = to_int(text)
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ValueError(f"year {value} outside {MIN_YEAR}..{MAX_YEAR}")
    return value


def _population(text: str) -> int:
    value = to_int(text)
    if value <= 0:
        raise ValueError(f"must be > 0, got {text}")
    return value


def _mode(text: str) -> Mode:
    return Mode.parse(text)


def _lanes(text: str) -> int:
    value = to_int(text)
    if not 2 <= value <= 16 or value % 2:
        raise ValueError(f"lanes counts both directions: an even number 2..16, got {text}")
    return value


CITY_COLUMNS = (
    Column("id", _slug),
    Column("name_zh", to_str),
    Column("name_en", to_str),
    Column("province", to_str),
    Column("lat", _lat),
    Column("lon", _lon),
    Column("population", _population, required=False),
    Column("metro_area", to_str, required=False),
    Column("plan_status", choice(*PLAN_STATUSES)),
    Column("source", to_str),
)
TERMINAL_COLUMNS = (
    Column("id", _slug),
    Column("city", to_str),
    Column("town", to_str, required=False, may_be_absent=True),
    Column("name_zh", to_str),
    Column("name_en", to_str),
    Column("lat", _lat, required=False),
    Column("lon", _lon, required=False),
    Column("access_min", non_negative, required=False),
    Column("access_basis", choice(*ACCESS_BASES), required=False, may_be_absent=True),
    Column("status", choice(*STATUSES)),
    Column("open_year", _year, required=False),
    Column("source", to_str),
)
LINK_COLUMNS = (
    Column("mode", _mode),
    Column("line", to_str),
    Column("from", to_str),
    Column("to", to_str),
    Column("km", positive, required=False),
    Column("speed_kmh", positive, required=False),
    Column("minutes", positive, required=False),
    Column("headway_min", positive, required=False),
    Column("status", choice(*STATUSES)),
    Column("open_year", _year, required=False),
    Column("project", to_str, required=False),
    Column("plan", to_str, required=False),
    Column("source", to_str),
    Column("lanes", _lanes, required=False, may_be_absent=True),
)
THROUGH_COLUMNS = (
    Column("station", to_str),
    Column("line_a", to_str),
    Column("line_b", to_str),
    Column("source", to_str),
)
ROAD_NODE_COLUMNS = (
    Column("id", _slug),
    Column("name_zh", to_str),
    Column("name_en", to_str),
    Column("kind", choice(*ROAD_NODE_KINDS)),
    Column("city", to_str, required=False),
    Column("lat", _lat),
    Column("lon", _lon),
    Column("access_min", non_negative, required=False),
    Column("access_note", to_str, required=False),
    Column("source", to_str),
)
TRANSFER_COLUMNS = (
    Column("from", to_str),
    Column("to", to_str),
    Column("minutes", non_negative),
    Column("source", to_str),
)
STATION_LIST_COLUMNS = (
    Column("station", to_str),
    Column("name_zh", to_str),
    Column("source", to_str),
)
TIMETABLE_STATION_COLUMNS = (
    Column("station", to_str),
    Column("name_zh", to_str),
    Column("from_year", _year, required=False),
    Column("source", to_str),
)
LINE_CHANGE_COLUMNS = (
    Column("line", to_str),
    Column("from", to_str, required=False),
    Column("to", to_str, required=False),
    Column("year", _year),
    Column("speed_kmh", positive, required=False),
    Column("headway_min", positive, required=False),
    Column("source", to_str),
)
PROJECT_COLUMNS = (
    Column("id", _slug),
    Column("name_zh", to_str),
    Column("name_en", to_str),
    Column("plan", to_str, required=False),
    Column("cost_yi_yuan", positive, required=False),
    Column("cost_year", _year, required=False),
    Column("cost_source", to_str, required=False),
    Column("source", to_str),
)


def load_network(folder: str | Path) -> Network:
    """Read and validate the network folder ``folder``.

    Parameters
    ----------
    folder
        A directory with ``cities.csv`` and at least one ``links_*.csv`` (see
        ``network/README.md`` for every table).

    Returns
    -------
    Network
        The full network, every status included; cut it with :meth:`Network.as_of`.

    Raises
    ------
    InputErrors
        Every problem found, each naming file, line and field.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError("network folder not found", root)
    errors: list[InputError] = []

    # ids whose absence follows from an earlier error (a row or a whole file that failed):
    # references to them are not reported again
    explained: set[str] = set()
    rejected: list[dict[str, str]] = []
    city_rows, errs = read_table(root / "cities.csv", CITY_COLUMNS, rejected)
    errors += errs
    if not errs and not city_rows:
        errs = [InputError("no cities: the table has a header but no rows", root / "cities.csv", 2)]
        errors += errs
    cities_failed = bool(errs) and not city_rows and not rejected
    explained |= {r.get("id", "") for r in rejected}
    cities = [_city(r) for r in city_rows]
    _unique(city_rows, "id", errors)

    terminals: list[Terminal] = []
    terminal_rows: list[Row] = []
    failed_kinds: set[TerminalKind] = set()
    for kind, name in TERMINAL_FILES.items():
        path = root / name
        if not path.exists():
            continue
        rejected = []
        rows, errs = read_table(path, TERMINAL_COLUMNS, rejected)
        errors += errs
        explained |= {r.get("id", "") for r in rejected}
        if errs and not rows and not rejected:
            failed_kinds.add(kind)
        terminal_rows += rows
        with_basis = _has_column(path, "access_basis")
        terminals += [_terminal(r, kind, with_basis) for r in rows]
        if with_basis:
            _check_access_basis(rows, errors)
    _unique(terminal_rows, "id", errors)
    city_ids = {c.id for c in cities}
    link_ends: set[str] | None = None
    for row in terminal_rows:
        if row["lat"] is None or row["lon"] is None:
            if row["status"] == "open" or row["access_min"] is None:
                link_ends = _link_ends(root) if link_ends is None else link_ends
            if row["status"] == "open" or (row["access_min"] is None and row["id"] in link_ends):
                errors.append(
                    InputError(
                        "a terminal in service (or on a link) needs coordinates, or at least access_min",
                        row.file,
                        row.line,
                        "lat" if row["lat"] is None else "lon",
                    )
                )
        if row["id"] in city_ids:
            errors.append(InputError("terminal id is also a city id", row.file, row.line, "id"))
        if row["city"] not in city_ids and not cities_failed and row["city"] not in explained:
            errors.append(InputError(f"unknown city id '{row['city']}'", row.file, row.line, "city"))

    road_nodes = _load_road_nodes(
        root, city_ids, {t.id for t in terminals}, errors, None if cities_failed else explained
    )
    road_node_ids = {n.id for n in road_nodes}

    link_files = [root / n for n in LINK_FILES if (root / n).exists()]
    if not link_files:
        errors.append(InputError(f"no link table found (expected one of {', '.join(LINK_FILES)})", root))
    for kind, name in TERMINAL_FILES.items():
        link_file = _LINK_FILE_OF_KIND[kind]
        if (root / name).exists() and not (root / link_file).exists():
            errors.append(
                InputError(
                    f"file not found ({name} lists terminals that only its links can serve)", root / link_file
                )
            )
    links: list[Link] = []
    terminal_kind = {t.id: t.kind for t in terminals}
    missing_kinds = {k for k, name in TERMINAL_FILES.items() if not (root / name).exists()}
    reported: set[TerminalKind] = failed_kinds  # terminal tables lost as a whole, already reported
    road_ends = city_ids | road_node_ids
    links_lost = any(
        (root / name).exists() and not (root / _LINK_FILE_OF_KIND[k]).exists()
        for k, name in TERMINAL_FILES.items()
    )
    for path in link_files:
        rows, errs = read_table(path, LINK_COLUMNS)
        errors += errs
        links_lost |= bool(errs) and not rows
        for row in rows:
            link = _link(row)
            link_errors = _check_link(link, row, road_ends, terminal_kind, explained)
            kind = link.mode.terminal_kind
            if kind in missing_kinds:  # one error for the missing terminal table, not one per link
                link_errors = [e for e in link_errors if e.field not in ("from", "to")]
                if kind not in reported:
                    reported.add(kind)
                    errors.append(
                        InputError(
                            f"file not found ({path.name} has {kind.value} links)",
                            root / TERMINAL_FILES[kind],
                        )
                    )
            consequence = cities_failed if kind is None else kind in failed_kinds
            errors += [e for e in link_errors if not (consequence and e.field in ("from", "to"))]
            links.append(link)
    _duplicate_links(links, errors)

    through: list[ThroughService] = []
    path = root / "through_services.csv"
    if path.exists() and (root / "links_rail.csv").exists():  # without rail links, that file is the error
        rows, errs = read_table(path, THROUGH_COLUMNS)
        errors += errs
        lines_at = _lines_at_stations(links)
        for row in rows:
            station = row["station"]
            if station not in terminal_kind:
                if station not in explained and TerminalKind.RAIL not in reported:
                    errors.append(InputError(f"unknown station '{station}'", row.file, row.line, "station"))
                continue
            for key in ("line_a", "line_b"):
                if row[key] not in lines_at.get(station, set()):
                    errors.append(
                        InputError(
                            f"line '{row[key]}' has no link at station '{station}'", row.file, row.line, key
                        )
                    )
            through.append(ThroughService(station, row["line_a"], row["line_b"], row["source"]))

    transfers: list[Transfer] = []
    path = root / "transfers.csv"
    if path.exists():
        rows, errs = read_table(path, TRANSFER_COLUMNS)
        errors += errs
        terminal_city = {t.id: t.city for t in terminals}
        for row in rows:
            bad = False
            for key in ("from", "to"):
                if row[key] not in terminal_city:
                    if row[key] not in explained and not reported:
                        errors.append(InputError(f"unknown terminal '{row[key]}'", row.file, row.line, key))
                    bad = True
            if not bad and terminal_city[row["from"]] != terminal_city[row["to"]]:
                errors.append(
                    InputError("transfer joins terminals of two different cities", row.file, row.line, "to")
                )
            transfers.append(Transfer(row["from"], row["to"], row["minutes"], row["source"]))

    rail_lost = TerminalKind.RAIL in reported
    stops = _station_list(
        root / "major_stops.csv", STATION_LIST_COLUMNS, terminals, errors, explained, rail_lost
    )
    listed = _station_list(
        root / "timetable_stations.csv", TIMETABLE_STATION_COLUMNS, terminals, errors, explained, rail_lost
    )
    timetable_stations = tuple((r["station"], r["from_year"]) for r in listed)
    later: list[InputError] = []  # about links: when a link table is lost, they follow from that
    changes = _line_changes(root / "line_changes.csv", links, later)
    projects = _projects(root / "projects.csv", links, later)
    errors += [] if links_lost else later

    if errors:
        raise InputErrors(errors)
    return Network(
        root,
        tuple(cities),
        tuple(terminals),
        tuple(links),
        tuple(through),
        tuple(transfers),
        road_nodes=tuple(road_nodes),
        major_stops=frozenset(r["station"] for r in stops),
        timetable_stations=timetable_stations,
        timetable_cities=frozenset(t.city for t in terminals if t.id in {s for s, _ in timetable_stations}),
        all_links=tuple(links),
        line_changes=tuple(changes),
        projects=tuple(projects),
    )


def _load_road_nodes(
    root: Path,
    city_ids: set[str],
    terminal_ids: set[str],
    errors: list[InputError],
    explained: frozenset[str] | set[str] | None = frozenset(),
) -> list[RoadNode]:
    """Read ``road_nodes.csv`` (optional), adding its problems to ``errors``.

    An entrance must name the city it serves; every id is unique and differs from the
    city and terminal ids (a link end must say unambiguously what it joins). A city id
    in ``explained`` (its row failed), or any city when ``explained`` is None (the city
    table failed), is not reported again.
    """
    path = root / ROAD_NODES_FILE
    if not path.exists():
        return []
    rows, errs = read_table(path, ROAD_NODE_COLUMNS)
    errors += errs
    _unique(rows, "id", errors)
    nodes = []
    for r in rows:
        if r["id"] in city_ids or r["id"] in terminal_ids:
            what = "city" if r["id"] in city_ids else "terminal"
            errors.append(InputError(f"road node id is also a {what} id", r.file, r.line, "id"))
        if r["kind"] == "entrance" and r["city"] is None:
            errors.append(InputError("an entrance needs the city it serves", r.file, r.line, "city"))
        if r["city"] is not None and r["city"] not in city_ids:
            if explained is not None and r["city"] not in explained:
                errors.append(InputError(f"unknown city id '{r['city']}'", r.file, r.line, "city"))
        nodes.append(
            RoadNode(
                r["id"],
                r["name_zh"],
                r["name_en"],
                r["kind"],
                r["city"],
                r["lat"],
                r["lon"],
                r["access_min"],
                r["access_note"],
                r["source"],
                r.file,
                r.line,
            )
        )
    return nodes


def _station_list(
    path: Path,
    columns: tuple[Column, ...],
    terminals: list[Terminal],
    errors: list[InputError],
    explained: set[str] = frozenset(),
    rail_lost: bool = False,
) -> list[Row]:
    """Read a list of rail stations (optional): ``major_stops.csv``, ``timetable_stations.csv``.

    Each station once, named as in the terminals, with its source. Returns the rows (none
    when the file is absent).

    A station unknown because its row of the terminal tables failed (``explained``), or
    because the rail terminal table was lost as a whole (``rail_lost``), is not reported
    again here: that error is the cause.
    """
    if not path.exists():
        return []
    rows, errs = read_table(path, columns)
    errors += errs
    by_id = {t.id: t for t in terminals}
    seen: dict[str, int] = {}
    for row in rows:
        station = by_id.get(row["station"])
        if station is None and (rail_lost or row["station"] in explained):
            pass
        elif station is None or station.kind is not TerminalKind.RAIL:
            errors.append(
                InputError(f"unknown rail station '{row['station']}'", row.file, row.line, "station")
            )
        elif row["name_zh"] != station.name_zh:
            errors.append(
                InputError(
                    f"'{row['name_zh']}' is not the name of {station.id} ('{station.name_zh}')",
                    row.file,
                    row.line,
                    "name_zh",
                )
            )
        if row["station"] in seen:
            errors.append(
                InputError(
                    f"station listed twice (first on line {seen[row['station']]})",
                    row.file,
                    row.line,
                    "station",
                )
            )
        seen.setdefault(row["station"], row.line)
    return rows


def _line_changes(path: Path, links: list[Link], errors: list[InputError]) -> list[LineChange]:
    """Read ``line_changes.csv`` (optional): every row about an existing line or link."""
    if not path.exists():
        return []
    rows, errs = read_table(path, LINE_CHANGE_COLUMNS)
    errors += errs
    lines = {lk.line for lk in links}
    pairs = {(lk.line, frozenset((lk.from_id, lk.to_id))) for lk in links}
    seen: dict[tuple[str, frozenset[str], int], Row] = {}
    out = []
    for row in rows:
        line, a, b = row["line"], row["from"], row["to"]
        if line not in lines:
            errors.append(
                InputError(f"no link of line '{line}' in the link tables", row.file, row.line, "line")
            )
            continue
        if (a is None) != (b is None):
            missing = "to" if b is None else "from"
            errors.append(
                InputError(
                    "give both from and to (one link), or neither (the whole line)",
                    row.file,
                    row.line,
                    missing,
                )
            )
            continue
        if a is not None and (line, frozenset((a, b))) not in pairs:
            errors.append(InputError(f"line '{line}' has no link {a}–{b}", row.file, row.line, "to"))
            continue
        if row["speed_kmh"] is None and row["headway_min"] is None:
            errors.append(
                InputError(
                    "gives neither speed_kmh nor headway_min: nothing changes",
                    row.file,
                    row.line,
                    "speed_kmh",
                )
            )
            continue
        key = (line, frozenset((a, b)) if a is not None else frozenset(), row["year"])
        if key in seen:
            first = seen[key]
            errors.append(
                InputError(
                    f"second row for the same line, link and year (first at {first.file}:{first.line})",
                    row.file,
                    row.line,
                    "year",
                )
            )
            continue
        seen[key] = row
        out.append(
            LineChange(
                line,
                a,
                b,
                row["year"],
                row["speed_kmh"],
                row["headway_min"],
                row["source"],
                row.file,
                row.line,
            )
        )
    return out


def _projects(path: Path, links: list[Link], errors: list[InputError]) -> list[Project]:
    """Read ``projects.csv`` (optional): a row for every project id of the link tables.

    A row may name a project that no link carries yet (a plan names it, its alignment is
    not known): ``sim validate`` warns about it.
    """
    if not path.exists():
        return []
    rows, errs = read_table(path, PROJECT_COLUMNS)
    errors += errs
    _unique(rows, "id", errors)
    used: dict[str, Link] = {}
    for link in links:
        if link.project:
            used.setdefault(link.project, link)
    out = []
    for row in rows:
        cost, year, source = row["cost_yi_yuan"], row["cost_year"], row["cost_source"]
        if cost is not None and source is None:
            errors.append(InputError("a cost needs its source", row.file, row.line, "cost_source"))
        if cost is None and year is not None:
            errors.append(InputError("a cost year without a cost", row.file, row.line, "cost_year"))
        out.append(
            Project(
                row["id"],
                row["name_zh"],
                row["name_en"],
                row["plan"],
                cost,
                year,
                source,
                row["source"],
                row.file,
                row.line,
            )
        )
    listed = {p.id for p in out} | {r["id"] for r in rows}
    for pid, link in used.items():
        if pid not in listed:
            errors.append(
                InputError(f"project '{pid}' has no row in {path.name}", link.file, link.row, "project")
            )
    return out


def _link_ends(root: Path) -> set[str]:
    ends: set[str] = set()
    for name in LINK_FILES:
        rows, _ = read_table(root / name, LINK_COLUMNS) if (root / name).exists() else ([], [])
        for r in rows:
            ends.update((r["from"], r["to"]))
    return ends


def _city(r: Row) -> City:
    return City(
        r["id"],
        r["name_zh"],
        r["name_en"],
        r["province"],
        r["lat"],
        r["lon"],
        r["population"],
        r["metro_area"],
        r["plan_status"],
        r["source"],
    )


def _has_column(path: Path, name: str) -> bool:
    """Whether the CSV file's header names the column (the file has been read without error)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    return name in {h.strip() for h in header}


def _check_access_basis(rows: list[Row], errors: list[InputError]) -> None:
    """Check that each ``access_min`` of a table with ``access_basis`` says how it is known."""
    for row in rows:
        if row["access_basis"] is not None and row["access_min"] is None:
            errors.append(
                InputError(
                    "access_basis without access_min (leave both empty for the formula)",
                    row.file,
                    row.line,
                    "access_basis",
                )
            )
        if row["access_min"] is not None and row["access_basis"] is None:
            errors.append(
                InputError(
                    f"access_min needs its access_basis ({' or '.join(ACCESS_BASES)})",
                    row.file,
                    row.line,
                    "access_basis",
                )
            )


def _terminal(r: Row, kind: TerminalKind, with_basis: bool) -> Terminal:
    return Terminal(
        r["id"],
        r["city"],
        kind,
        r["name_zh"],
        r["name_en"],
        r["lat"],
        r["lon"],
        r["access_min"],
        r["status"],
        r["open_year"],
        r["source"],
        r.file,
        r.line,
        "formula" if r["access_min"] is None else (r["access_basis"] if with_basis else "given"),
        r["town"],
    )


def _link(r: Row) -> Link:
    return Link(
        r["mode"],
        r["line"],
        r["from"],
        r["to"],
        r["km"],
        r["speed_kmh"],
        r["minutes"],
        r["headway_min"],
        r["status"],
        r["open_year"],
        r["project"],
        r["plan"],
        r["source"],
        r.file,
        r.line,
        r["lanes"],
    )


def _check_link(
    link: Link,
    row: Row,
    road_ends: set[str],
    terminal_kind: dict[str, TerminalKind],
    explained: set[str] | None = None,
) -> list[InputError]:
    """Problems of one link row; ``road_ends`` are the ids an expressway may join."""
    errors = []
    kind = link.mode.terminal_kind
    for key, node in (("from", link.from_id), ("to", link.to_id)):
        if explained and node in explained:
            continue  # its row failed: already reported
        if kind is None:
            if node not in road_ends:
                errors.append(
                    InputError(
                        f"{link.mode.value} links join road nodes (road_nodes.csv) or city ids; "
                        f"'{node}' is neither",
                        row.file,
                        row.line,
                        key,
                    )
                )
        elif node not in terminal_kind:
            errors.append(InputError(f"link to nowhere: no terminal '{node}'", row.file, row.line, key))
        elif terminal_kind[node] is not kind:
            errors.append(
                InputError(
                    f"'{node}' is a {terminal_kind[node].value} terminal, but the link mode is "
                    f"{link.mode.value}",
                    row.file,
                    row.line,
                    key,
                )
            )
    if link.from_id == link.to_id:
        errors.append(InputError("link joins a terminal to itself", row.file, row.line, "to"))
    if link.minutes is None and link.km is None:
        errors.append(InputError("needs km (with a speed) or minutes", row.file, row.line, "km"))
    if link.lanes is not None and link.mode is not Mode.EXPRESSWAY:
        errors.append(InputError("lanes is for expressways only", row.file, row.line, "lanes"))
    if link.status != "open" and not link.project:
        errors.append(
            InputError(
                "a link under construction or planned needs a project id", row.file, row.line, "project"
            )
        )
    return errors


def _unique(rows: list[Row], key: str, errors: list[InputError]) -> None:
    seen: dict[str, Row] = {}
    for row in rows:
        value = row[key]
        if value in seen:
            first = seen[value]
            errors.append(
                InputError(
                    f"duplicate id '{value}' (first at {first.file}:{first.line})", row.file, row.line, key
                )
            )
        else:
            seen[value] = row


def _duplicate_links(links: list[Link], errors: list[InputError]) -> None:
    seen: dict[tuple[str, str, str, str, str, int | None], Link] = {}
    for link in links:
        a, b = sorted((link.from_id, link.to_id))
        # a widened expressway section is a row of its own, told apart by its lanes
        key = (link.mode.value, link.line, a, b, link.status, link.lanes)
        if key in seen:
            first = seen[key]
            errors.append(
                InputError(
                    f"duplicate link {a}–{b} on '{link.line}' (first at {first.file}:{first.row})",
                    link.file,
                    link.row,
                    "to",
                )
            )
        else:
            seen[key] = link


def _lines_at_stations(links: list[Link]) -> dict[str, set[str]]:
    lines: dict[str, set[str]] = {}
    for link in links:
        for node in (link.from_id, link.to_id):
            lines.setdefault(node, set()).add(link.line)
    return lines

"""The one gate every network passes before anything is computed from it.

:func:`sim.network.load_network` rejects what cannot be read (types, ids, links to
nowhere, duplicates). This module looks at what *can* be read but is impossible (an
error) or merely unusual (a warning): speeds outside a mode's range, a link's km against
the straight line between its ends, years after the data's date, a city no link reaches,
a terminal far from its city's centre (unless it names the county town it is in), an
optional table that is missing (and what is then assumed), a scenario year outside
the data's range, the observed times of ``observed_times.csv``.

:func:`load_checked_network` is the gate: ``sim validate`` and every command that
computes (``run``, ``compare``, ``report``, ``map``, ``route``, ``export``, ``calibrate``,
``sweep``) load their network through it, so a network that ``sim validate`` rejects is
rejected everywhere, with the same messages. Call it from any other front end too.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import InputError, InputErrors
from sim.modes import Mode
from sim.network import Link, Network, Terminal, great_circle_km, load_network

if TYPE_CHECKING:
    from sim.scenario import Scenario

__all__ = [
    "SPEED_RANGE_KMH",
    "USUAL_SPEED_KMH",
    "Problem",
    "check_network",
    "check_observations",
    "check_scenario",
    "check_tables",
    "data_date",
    "load_checked_network",
    "validate_folder",
]

# operating speeds per mode (km/h) outside which a link is impossible: an error. For air,
# the block speed (km / scheduled minutes, taxiing included).
SPEED_RANGE_KMH: dict[Mode, tuple[float, float]] = {
    Mode.HSR: (160.0, 400.0),
    Mode.INTERCITY: (80.0, 350.0),
    Mode.CONVENTIONAL: (30.0, 200.0),
    Mode.EXPRESSWAY: (40.0, 130.0),
    Mode.WATERWAY: (3.0, 60.0),
    Mode.AIR: (100.0, 1100.0),
}
# ... and inside which it is usual; between the two a warning. No line in China runs above
# 350 km/h in service; HSR is built for 250 or more; expressway limits are 60-120 km/h.
USUAL_SPEED_KMH: dict[Mode, tuple[float, float]] = {
    Mode.HSR: (200.0, 350.0),
    Mode.INTERCITY: (120.0, 300.0),
    Mode.CONVENTIONAL: (60.0, 200.0),
    Mode.EXPRESSWAY: (60.0, 120.0),
    Mode.WATERWAY: (5.0, 30.0),
    Mode.AIR: (250.0, 900.0),
}
# route km against the straight line between a link's ends: a route longer than
# DETOUR_ERROR x straight + 50 km, or shorter than half of it (less 5 km for rounded
# coordinates), is impossible; longer than DETOUR_USUAL x straight + 10 km, or shorter
# than the straight line by more than 3 % (at least 2 km), unusual.
DETOUR_ERROR = 4.0
DETOUR_USUAL: dict[Mode, float] = {
    Mode.HSR: 2.0,
    Mode.INTERCITY: 2.0,
    Mode.CONVENTIONAL: 2.0,
    Mode.EXPRESSWAY: 2.0,
    Mode.WATERWAY: 2.5,  # rivers meander
    Mode.AIR: 1.5,
}
MAX_LINK_KM = 20_000.0  # half the earth's circumference: longer is impossible anywhere
# a terminal farther from its city's centre than FAR_TERMINAL_KM is a warning (a wrong
# city id or coordinates?) unless its row names the county town it serves (column
# `town`); then only beyond FAR_TOWN_KM. The bundled network's farthest town is 万州, 228
# km from 重庆's centre; its others are within 150 km of theirs. FAR_TOWN_KM still catches
# the id of a city across the region, not that of a neighbour (the price of the town).
FAR_TERMINAL_KM = 60.0
FAR_TOWN_KM = 300.0
_log = logging.getLogger("sim")


@dataclass(frozen=True)
class Problem:
    """One finding: ``error`` (exit status 2) or ``warning``.

    ``scope`` says what it concerns: ``table`` (a missing table, and what is then
    assumed) or ``scenario`` (a year outside the data, a modification) change what a run
    means and are worth showing every time; ``row`` findings are about the data itself.
    """

    severity: str
    error: InputError
    scope: str = "row"

    def __str__(self) -> str:
        return f"{self.severity}: {self.error}"


def _error(message: str, file: str | Path | None, line: int | None, field: str | None) -> Problem:
    return Problem("error", InputError(message, file, line, field))


def _warning(message: str, file: str | Path | None, line: int | None, field: str | None) -> Problem:
    return Problem("warning", InputError(message, file, line, field))


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.severity != "error")


# ---------------------------------------------------------------------------- the gate


def load_checked_network(
    folder: str | Path,
    scenarios: Scenario | Iterable[Scenario] = (),
    *,
    warn: Callable[[Problem], None] | None = None,
) -> Network:
    """Load a network folder through every check of ``sim validate``: the one gate.

    Parameters
    ----------
    folder
        The network folder.
    scenarios
        Scenarios about to be evaluated on it: their years and modifications are checked
        against the data too (:func:`check_scenario`).
    warn
        Called once with each warning, tables first, then scenarios, then rows. Default:
        logged on the ``sim`` logger.

    Returns
    -------
    Network
        The full network (every status), as :func:`sim.network.load_network` returns it.

    Raises
    ------
    InputErrors
        Every error, each naming file, line and field: the schema's (unreadable cells,
        unknown ids, duplicates) or the plausibility checks' (impossible speeds, lengths,
        years; bad observed times).
    """
    network, problems = validate_folder(folder, scenarios)
    errors = [p.error for p in problems if p.severity == "error"]
    if errors:
        raise InputErrors(errors)
    report = warn or (lambda problem: _log.warning("%s", problem))
    for problem in problems:
        report(problem)
    return network


def validate_folder(
    folder: str | Path, scenarios: Scenario | Iterable[Scenario] = ()
) -> tuple[Network, list[Problem]]:
    """Load a network folder and return it with every problem found, errors first.

    What ``sim validate`` prints. Schema errors (a table that cannot be read) still raise
    :class:`~sim.errors.InputErrors` from :func:`sim.network.load_network`.
    """
    network = load_network(folder)
    if not isinstance(scenarios, Iterable):
        scenarios = (scenarios,)
    problems = check_tables(network.folder)
    for scenario in scenarios:
        problems += check_scenario(scenario, network)
    problems += check_network(network)
    problems += check_observations(network)
    return network, _sorted(problems)


# ---------------------------------------------------------------------------- tables


def check_tables(folder: str | Path) -> list[Problem]:
    """Warn about each optional table that is missing, saying what is then assumed."""
    root = Path(folder)

    def has(name: str) -> bool:
        return (root / name).is_file()

    problems = []
    if has("links_rail.csv") and not has("through_services.csv"):
        problems.append(
            _warning(
                "not found: no through services, so a train that runs from one line onto another is "
                "modelled as a change (wait for the next service and a line-change penalty)",
                root / "through_services.csv",
                None,
                None,
            )
        )
    if not has("transfers.csv"):
        problems.append(
            _warning(
                "not found: a change between two terminals of one city is estimated as the trip to "
                "the centre and out again (access + access)",
                root / "transfers.csv",
                None,
                None,
            )
        )
    absent = {
        "links_rail.csv": "no railways: the rail profile finds no path",
        "links_road.csv": "no expressways: the road profile finds no path, and no profile drives",
        "links_air.csv": "no flights: air is left out of every profile",
        "links_water.csv": "no waterways: freight goes by road and rail only",
    }
    for name, assumed in absent.items():
        if not has(name):
            problems.append(_warning(f"not found: {assumed}", root / name, None, None))
    return [replace(p, scope="table") for p in problems]


# ---------------------------------------------------------------------------- rows


def _points(network: Network) -> dict[str, tuple[float, float]]:
    points = {c.id: (c.lat, c.lon) for c in network.cities}
    for t in network.terminals:
        if t.lat is not None and t.lon is not None:
            points[t.id] = (t.lat, t.lon)
    for node in getattr(network, "road_nodes", ()):  # expressway junctions, where the data has them
        points[node.id] = (node.lat, node.lon)
    return points


def _link_problems(
    lk: Link, points: dict[str, tuple[float, float]], *, lengths: bool = True
) -> list[Problem]:
    """Speed and length of one link against its mode and the straight line between its ends.

    ``lengths=False`` leaves the length against the straight line to another check
    (expressways: :func:`sim.validate_roads.check_roads`).
    """
    problems = []
    where = (lk.file, lk.row)
    low, high = SPEED_RANGE_KMH[lk.mode]
    usual_low, usual_high = USUAL_SPEED_KMH[lk.mode]
    speed, field = lk.speed_kmh, "speed_kmh"
    if lk.minutes is not None and lk.km is not None and (speed is None or lk.mode is Mode.AIR):
        speed, field = lk.km / lk.minutes * 60, "minutes"
    what = "block speed" if lk.mode is Mode.AIR and field == "minutes" else "speed"
    if speed is not None:
        if not low <= speed <= high:
            problems.append(
                _error(
                    f"{what} {speed:.0f} km/h is impossible for {lk.mode.value} (range {low:.0f}–{high:.0f})",
                    *where,
                    field,
                )
            )
        elif not usual_low <= speed <= usual_high:
            problems.append(
                _warning(
                    f"{what} {speed:.0f} km/h is unusual for {lk.mode.value} "
                    f"(usual {usual_low:.0f}–{usual_high:.0f})",
                    *where,
                    field,
                )
            )
    if lk.km is not None and lk.km > MAX_LINK_KM:
        problems.append(_error(f"{lk.km:g} km is longer than any link on earth can be", *where, "km"))
        return problems
    a, b = points.get(lk.from_id), points.get(lk.to_id)
    if a is None or b is None:
        return problems
    straight = great_circle_km(*a, *b)
    if lk.km is not None:
        if lengths:
            problems += _length_problems(lk, lk.km, straight)
    elif lk.minutes is not None and straight / lk.minutes * 60 > high:
        problems.append(
            _error(
                f"{lk.minutes:g} min is too fast for ends {straight:.0f} km apart in a straight line "
                f"(over {straight / lk.minutes * 60:.0f} km/h; {lk.mode.value} at most {high:.0f})",
                *where,
                "minutes",
            )
        )
    return problems


def _length_problems(lk: Link, km: float, straight: float) -> list[Problem]:
    """Judge a link's km against the straight line between its ends (``straight`` km)."""
    where = (lk.file, lk.row)
    ends = f"check km, or the coordinates of '{lk.from_id}' and '{lk.to_id}'"
    if km > DETOUR_ERROR * straight + 50 or km < 0.5 * straight - 5:
        return [
            _error(
                f"{km:g} km is impossible between ends {straight:.0f} km apart in a straight line ({ends})",
                *where,
                "km",
            )
        ]
    if km < straight - max(2.0, 0.03 * straight):
        return [
            _warning(
                f"{km:g} km is shorter than the straight line between its ends ({straight:.1f} km): {ends}",
                *where,
                "km",
            )
        ]
    if km > DETOUR_USUAL[lk.mode] * straight + 10:
        ratio = km / max(straight, 0.1)
        return [
            _warning(
                f"{km:g} km is {ratio:.1f} times the straight line between its ends ({straight:.0f} km)",
                *where,
                "km",
            )
        ]
    return []


def _far_terminal(t: Terminal, km: float) -> list[Problem]:
    """Warn about a terminal far from its city's centre (a wrong ``city`` id or coordinates).

    ``km`` is its distance from the centre. Beyond :data:`FAR_TERMINAL_KM` it is a
    warning unless the row names the county town it serves (``town``); with a town, only
    beyond :data:`FAR_TOWN_KM`, farther than any town of the bundled network lies from its
    city's centre.
    """
    if t.town is None and km > FAR_TERMINAL_KM:
        return [
            _warning(
                f"terminal '{t.id}' is {km:.0f} km from the centre of '{t.city}' "
                f"(> {FAR_TERMINAL_KM:.0f}): name the county town it serves in column 'town' "
                "if that is where it is",
                t.file,
                t.row,
                "lat",
            )
        ]
    if t.town is not None and km > FAR_TOWN_KM:
        return [
            _warning(
                f"terminal '{t.id}' of {t.town} is {km:.0f} km from the centre of '{t.city}' "
                f"(> {FAR_TOWN_KM:.0f}, even for a county town): check its city and coordinates",
                t.file,
                t.row,
                "town",
            )
        ]
    return []


def check_network(network: Network, *, today: int | None = None) -> list[Problem]:
    """Return every plausibility problem of a loaded network, errors first.

    Parameters
    ----------
    network
        The full network (every status).
    today
        The current year (default: the calendar's): an ``open`` link or terminal cannot
        have opened after it.
    """
    today = today or datetime.date.today().year
    problems: list[Problem] = []
    unknown_year: dict[str, list[int]] = {}
    terminals = network.terminal_by_id
    points = _points(network)
    for lk in network.links:
        problems += _link_problems(lk, points, lengths=lk.mode is not Mode.EXPRESSWAY)
        if lk.status == "open" and lk.open_year is not None and lk.open_year > today:
            problems.append(
                _error(
                    f"status is open but open_year {lk.open_year} is in the future (it is {today}): a link "
                    "not yet open is 'construction' or 'planned'",
                    lk.file,
                    lk.row,
                    "open_year",
                )
            )
        for end in (lk.from_id, lk.to_id):
            t = terminals.get(end)
            if t and t.open_year and lk.open_year and lk.status == "open" and lk.open_year < t.open_year:
                problems.append(
                    _error(
                        f"link opened {lk.open_year}, before its terminal '{end}' ({t.open_year})",
                        lk.file,
                        lk.row,
                        "open_year",
                    )
                )
            if t and lk.status == "open" and t.status != "open":
                problems.append(
                    _error(
                        f"open link ends at terminal '{end}' whose status is {t.status}",
                        lk.file,
                        lk.row,
                        "status",
                    )
                )
        if lk.status == "open" and lk.open_year is None:
            unknown_year.setdefault(lk.file, []).append(lk.row)
    problems += _cities_without_links(network)
    for t in network.terminals:
        if t.status == "open" and t.open_year is not None and t.open_year > today:
            problems.append(
                _error(
                    f"status is open but open_year {t.open_year} is in the future (it is {today})",
                    t.file,
                    t.row,
                    "open_year",
                )
            )
        city = network.city_by_id[t.city]
        if t.lat is None or t.lon is None:
            continue
        problems += _far_terminal(t, great_circle_km(city.lat, city.lon, t.lat, t.lon))
    problems += _branches(network)
    from sim.validate_roads import check_roads  # it uses Problem from here

    problems += check_roads(network)
    problems += _projects(network)
    for file, rows in unknown_year.items():
        problems.append(
            _warning(
                f"{len(rows)} open links of unknown open_year (first at line {rows[0]}): taken to "
                "predate every year asked for",
                file,
                None,
                "open_year",
            )
        )
    return _sorted(problems)


def _branches(network: Network) -> list[Problem]:
    problems = []
    degree: dict[tuple[str, str], list[Link]] = {}
    for lk in network.links:
        if lk.mode.is_rail or lk.mode is Mode.WATERWAY:
            for end in (lk.from_id, lk.to_id):
                degree.setdefault((lk.line, end), []).append(lk)
    for (line, station), links in degree.items():
        if len({lk.status for lk in links}) == 1 and len(links) > 2:
            first = links[0]
            problems.append(
                _warning(
                    f"line '{line}' branches at '{station}' ({len(links)} links): riding from one "
                    "branch onto another costs no change; give the branch its own line name "
                    "(and a through service) if trains do not run that way",
                    first.file,
                    first.row,
                    "line",
                )
            )
    return problems


def _projects(network: Network) -> list[Problem]:
    """Warn about projects no link carries and costs of no year (``projects.csv``)."""
    problems = []
    carried = {lk.project for lk in network.links if lk.project}
    for project in network.projects:
        if project.id not in carried:
            problems.append(
                _warning(
                    f"project '{project.id}' is on no link: listed, but no scenario can add it",
                    project.file,
                    project.row,
                    "id",
                )
            )
        if project.cost_yi_yuan is not None and project.cost_year is None:
            problems.append(
                _warning(
                    f"the cost of '{project.id}' has no year: prices of different years are compared "
                    "as they are",
                    project.file,
                    project.row,
                    "cost_year",
                )
            )
    return problems


def _cities_without_links(network: Network) -> list[Problem]:
    """Warn about each city that no link of any status reaches (by its terminals or roads)."""
    ends = {end for lk in network.links for end in (lk.from_id, lk.to_id)}
    linked = {c for c in network.city_by_id if c in ends}
    linked |= {t.city for t in network.terminals if t.id in ends}
    for node in getattr(network, "road_nodes", ()):  # a city entered by road through its entrances
        if node.id in ends and getattr(node, "city", None):
            linked.add(node.city)
    problems = []
    for city in network.cities:
        if city.id not in linked:
            path = network.folder / "cities.csv"
            problems.append(
                _warning(
                    f"no link reaches city '{city.id}' (no terminal of it has a link, no expressway ends "
                    "there): it is unreachable on every profile",
                    path,
                    _line_starting(path, f"{city.id},"),
                    "id",
                )
            )
    return problems


def _line(path: Path | None, number: int) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()[number - 1] if path else ""
    except (OSError, IndexError, UnicodeDecodeError):
        return ""


def _line_starting(path: Path, prefix: str) -> int | None:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            for number, text in enumerate(handle, start=1):
                if text.startswith(prefix):
                    return number
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------- scenarios


def data_date(scenario: Scenario) -> tuple[int, str]:
    """Return the year the data is current to and how it is known (for messages).

    The scenario's ``data_current_to`` when it says; otherwise this calendar year (the
    data cannot be more recent).
    """
    text = scenario.data_current_to
    if text:
        match = re.match(r"\s*(\d{4})", str(text))
        if match:
            return int(match.group(1)), f"the data's date, {text}"
    year = datetime.date.today().year
    return year, f"this year, {year}"


def check_scenario(scenario: Scenario, network: Network) -> list[Problem]:
    """Check a scenario against the data: its year, and the links its modifications add.

    Errors of the scenario itself (an unknown project, a modification of nothing, a
    year before the data starts) are found by applying it. A year after the data's date
    is a warning that says which network is used, unless the scenario adds projects by
    name (``vision-2035``: today's network and the projects it lists, judged in 2035).
    An open link that opened after the scenario's ``data_current_to`` is an error; a link
    a modification adds or changes is checked like a row of the tables.
    """
    from sim.scenario import apply_scenario
    from sim.tomlfile import line_of_key

    problems: list[Problem] = []
    where = scenario.file
    year_line = line_of_key(where, "year") if where else None
    year_where: tuple[Path | None, int | None] = (where, year_line)
    if year_line is None or not re.match(rf"\s*year\s*=\s*{scenario.year}\b", _line(where, year_line)):
        year_where = (None, None)  # the year was not set there (sim run --year)
    try:
        applied = apply_scenario(scenario, network)  # unknown projects, bad modifications
    except InputErrors as errors:
        return [Problem("error", e, "scenario") for e in errors.errors]
    except InputError as error:
        return [Problem("error", error, "scenario")]
    current, how = data_date(scenario)
    if scenario.data_current_to:
        for lk in network.links:
            if lk.status == "open" and lk.open_year is not None and lk.open_year > current:
                problems.append(
                    _error(
                        f"status is open but open_year {lk.open_year} is after {how} (scenario "
                        f"'{scenario.name}'): a link not yet open is 'construction' or 'planned'",
                        lk.file,
                        lk.row,
                        "open_year",
                    )
                )
    if scenario.year is not None:
        if scenario.year > current:
            expected = [lk.open_year for lk in network.links if lk.status != "open" and lk.open_year]
            if not scenario.include_expected:
                # a scenario that names the projects it adds says which future network it is
                if not scenario.add_projects:
                    problems.append(
                        _warning(
                            f"year {scenario.year} is after {how}: the network is the one built by "
                            f"{current}; projects not yet open are left out (include_expected = true adds "
                            f"those expected by {scenario.year}; add_projects adds any)",
                            *year_where,
                            "year",
                        )
                    )
            elif expected and scenario.year > max(expected):
                problems.append(
                    _warning(
                        f"year {scenario.year} is after the last expected opening in the data "
                        f"({max(expected)}): the network is the one expected by then",
                        *year_where,
                        "year",
                    )
                )
    if scenario.modifications:
        points = _points(applied)
        original = set(network.links)
        for lk in applied.links:
            if lk in original:
                continue
            for problem in _link_problems(lk, points):
                e = problem.error
                if lk.file.endswith(".csv"):  # a row changed by set_line: say so, point at the scenario
                    e = InputError(
                        f"{e.message} (link {lk.from_id}–{lk.to_id} of '{lk.line}' as changed by the "
                        "scenario's modifications)",
                        where,
                        None,
                        "modifications",
                    )
                problems.append(Problem(problem.severity, e))
    return [replace(p, scope="scenario") for p in problems]


# ---------------------------------------------------------------------------- observations


def check_observations(network: Network) -> list[Problem]:
    """Check ``observed_times.csv`` of the network's folder, if it has one (errors only)."""
    path = network.folder / "observed_times.csv"
    if not path.is_file():
        return []
    from sim.calibration import load_observations

    try:
        load_observations(path, network)
    except InputErrors as errors:
        return [Problem("error", e) for e in errors.errors]
    except InputError as error:
        return [Problem("error", error)]
    return []

"""Checks of a network folder beyond its schema: plausibility of what the rows say.

:func:`sim.network.load_network` already rejects what cannot be read (types, ids, links
to nowhere, duplicates). This module looks at what *can* be read but is probably wrong:
speeds outside a mode's range, stations far from their city, years in the wrong order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InputError
from sim.modes import Mode
from sim.network import Network, great_circle_km

__all__ = ["SPEED_RANGE_KMH", "Problem", "check_network"]

# plausible operating speeds per mode (km/h): outside is an error
SPEED_RANGE_KMH: dict[Mode, tuple[float, float]] = {
    Mode.HSR: (160.0, 400.0),
    Mode.INTERCITY: (80.0, 350.0),
    Mode.CONVENTIONAL: (30.0, 200.0),
    Mode.EXPRESSWAY: (40.0, 130.0),
    Mode.WATERWAY: (3.0, 60.0),
    Mode.AIR: (200.0, 1000.0),
}
FAR_TERMINAL_KM = 60.0


@dataclass(frozen=True)
class Problem:
    """One finding: ``error`` (exit status 2) or ``warning``."""

    severity: str
    error: InputError

    def __str__(self) -> str:
        return f"{self.severity}: {self.error}"


def check_network(network: Network) -> list[Problem]:
    """Return every plausibility problem of a loaded network, errors first."""
    problems: list[Problem] = []
    unknown_year: dict[str, list[int]] = {}
    terminals = network.terminal_by_id
    for t in network.terminals:
        city = network.city_by_id[t.city]
        if t.lat is None or t.lon is None:
            continue
        km = great_circle_km(city.lat, city.lon, t.lat, t.lon)
        if km > FAR_TERMINAL_KM:
            problems.append(
                Problem(
                    "warning",
                    InputError(
                        f"terminal '{t.id}' is {km:.0f} km from the centre of '{t.city}' "
                        f"(> {FAR_TERMINAL_KM:.0f})",
                        t.file,
                        t.row,
                        "lat",
                    ),
                )
            )
    for lk in network.links:
        low, high = SPEED_RANGE_KMH[lk.mode]
        speed = lk.speed_kmh
        if speed is None and lk.minutes is not None and lk.km is not None:
            speed = lk.km / lk.minutes * 60
        if speed is not None and not low <= speed <= high and lk.mode is not Mode.AIR:
            problems.append(
                Problem(
                    "error",
                    InputError(
                        f"{speed:.0f} km/h is outside the {lk.mode.value} range {low:.0f}–{high:.0f}",
                        lk.file,
                        lk.row,
                        "speed_kmh" if lk.speed_kmh is not None else "minutes",
                    ),
                )
            )
        for end in (lk.from_id, lk.to_id):
            t = terminals.get(end)
            if t and t.open_year and lk.open_year and lk.status == "open" and lk.open_year < t.open_year:
                problems.append(
                    Problem(
                        "error",
                        InputError(
                            f"link opened {lk.open_year}, before its terminal '{end}' ({t.open_year})",
                            lk.file,
                            lk.row,
                            "open_year",
                        ),
                    )
                )
            if t and lk.status == "open" and t.status != "open":
                problems.append(
                    Problem(
                        "error",
                        InputError(
                            f"open link ends at terminal '{end}' whose status is {t.status}",
                            lk.file,
                            lk.row,
                            "status",
                        ),
                    )
                )
        if lk.status == "open" and lk.open_year is None:
            unknown_year.setdefault(lk.file, []).append(lk.row)
    degree: dict[tuple[str, str], list] = {}
    for lk in network.links:
        if lk.mode.is_rail or lk.mode is Mode.WATERWAY:
            for end in (lk.from_id, lk.to_id):
                degree.setdefault((lk.line, end), []).append(lk)
    for (line, station), links in degree.items():
        if len({lk.status for lk in links}) == 1 and len(links) > 2:
            first = links[0]
            problems.append(
                Problem(
                    "warning",
                    InputError(
                        f"line '{line}' branches at '{station}' ({len(links)} links): riding from one "
                        "branch onto another costs no change; give the branch its own line name "
                        "(and a through service) if trains do not run that way",
                        first.file,
                        first.row,
                        "line",
                    ),
                )
            )
    for file, rows in unknown_year.items():
        problems.append(
            Problem(
                "warning",
                InputError(
                    f"{len(rows)} open links of unknown open_year (first at line {rows[0]}): taken to "
                    "predate every year asked for",
                    file,
                    None,
                    "open_year",
                ),
            )
        )
    from sim.validate_roads import check_roads  # it uses Problem from here

    problems += check_roads(network)
    carried = {lk.project for lk in network.links if lk.project}
    for project in network.projects:
        if project.id not in carried:
            problems.append(
                Problem(
                    "warning",
                    InputError(
                        f"project '{project.id}' is on no link: listed, but no scenario can add it",
                        project.file,
                        project.row,
                        "id",
                    ),
                )
            )
        if project.cost_yi_yuan is not None and project.cost_year is None:
            problems.append(
                Problem(
                    "warning",
                    InputError(
                        f"the cost of '{project.id}' has no year: prices of different years are compared "
                        "as they are",
                        project.file,
                        project.row,
                        "cost_year",
                    ),
                )
            )
    return sorted(problems, key=lambda p: p.severity != "error")

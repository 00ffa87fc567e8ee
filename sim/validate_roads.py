"""Plausibility checks of the expressway network: road nodes and the links between them.

:func:`sim.network.load_network` already rejects what cannot be read (ids, coordinates,
entrances without a city, links to unknown road nodes). These checks look at what can be
read but is probably wrong: an entrance far from its city, a link shorter than the
straight line between its ends, a node no link reaches, a city the roads never enter.
"""

from __future__ import annotations

from sim.errors import InputError
from sim.modes import Mode
from sim.network import Network, great_circle_km
from sim.validate import Problem

__all__ = ["FAR_ENTRANCE_KM", "SHORT_LINK_ERROR_RATIO", "check_roads"]

FAR_ENTRANCE_KM = 40.0
# a road link shorter than this share of the straight line between its ends is an error,
# shorter than the straight line itself a warning (coordinates and lengths are rounded)
SHORT_LINK_ERROR_RATIO = 0.8
LONG_LINK_RATIO = 2.5


def _problem(severity: str, message: str, file: str, line: int | None, field: str) -> Problem:
    return Problem(severity, InputError(message, file, line, field))


def check_roads(network: Network) -> list[Problem]:
    """Return the plausibility problems of the road nodes and expressway links."""
    problems: list[Problem] = []
    point: dict[str, tuple[float, float]] = {n.id: (n.lat, n.lon) for n in network.road_nodes}
    point.update({c.id: (c.lat, c.lon) for c in network.cities})
    for n in network.road_nodes:
        if n.kind == "entrance" and n.city in network.city_by_id:
            city = network.city_by_id[n.city]
            km = great_circle_km(city.lat, city.lon, n.lat, n.lon)
            if km > FAR_ENTRANCE_KM:
                problems.append(
                    _problem(
                        "warning",
                        f"entrance '{n.id}' is {km:.0f} km from the centre of '{n.city}' "
                        f"(> {FAR_ENTRANCE_KM:.0f})",
                        n.file,
                        n.row,
                        "lat",
                    )
                )
        if n.kind == "junction" and n.access_min is not None:
            problems.append(
                _problem(
                    "warning",
                    f"junction '{n.id}' has access_min, which only entrances use (ignored)",
                    n.file,
                    n.row,
                    "access_min",
                )
            )
    roads = [lk for lk in network.links if lk.mode is Mode.EXPRESSWAY]
    for lk in roads:
        if lk.km is None or lk.from_id not in point or lk.to_id not in point:
            continue
        straight = great_circle_km(*point[lk.from_id], *point[lk.to_id])
        if lk.km < straight:
            severity = "error" if lk.km < SHORT_LINK_ERROR_RATIO * straight else "warning"
            problems.append(
                _problem(
                    severity,
                    f"{lk.km:g} km is shorter than the straight line between '{lk.from_id}' and "
                    f"'{lk.to_id}' ({straight:.1f} km): a length or a position is wrong",
                    lk.file,
                    lk.row,
                    "km",
                )
            )
        elif lk.km > LONG_LINK_RATIO * straight + 10:
            problems.append(
                _problem(
                    "warning",
                    f"{lk.km:g} km is {lk.km / straight:.1f} times the straight line between "
                    f"'{lk.from_id}' and '{lk.to_id}' ({straight:.1f} km)",
                    lk.file,
                    lk.row,
                    "km",
                )
            )
    ends = {e for lk in roads for e in (lk.from_id, lk.to_id)}
    for n in network.road_nodes:
        if n.id not in ends:
            problems.append(
                _problem("warning", f"road node '{n.id}' is on no expressway link", n.file, n.row, "id")
            )
    if network.road_nodes and roads:
        entered = {network.road_node_by_id[e].city for e in ends if e in network.road_node_by_id} | ends
        for c in network.cities:
            if c.id not in entered:
                problems.append(
                    _problem(
                        "warning",
                        f"city '{c.id}' has no entrance on an expressway link: it cannot be reached by road",
                        str(network.folder / "road_nodes.csv"),
                        None,
                        "city",
                    )
                )
    return problems

"""How long a train takes: running at line speed, and what each stop costs.

A ride on one train from station A to station B is timed as

* the running time of each link, ``km / (speed x speed_factor)``
  (:func:`sim.graph.link_minutes`, which also adds the per-link ``stop_loss_min``);
* the time lost accelerating away from A and braking into B: a train that reaches line
  speed ``v`` from rest at a steady rate ``a`` covers in ``v / a`` seconds a distance it
  would have run at ``v`` in ``v / (2a)``, so it loses ``v / (2a)`` seconds; braking to
  rest at the same rate loses as much;
* at each station on the way where the fastest trains stop (a major stop,
  ``major_stops.csv``): braking, the dwell and accelerating again, ``v / a + dwell``;
* where a train runs from one line onto another (``through_services.csv``): it stops at
  the junction station, ``v_a / (2a) + v_b / (2a) + through_dwell_min``.

``v`` is the line speed at the station: the highest speed of the line's links that meet
there, those of the network built and those under construction or planned in the data
(as the data gives them, not as dated by ``line_changes.csv``). Trains pass every other
station at line speed. The ``acceleration_ms2`` and ``stop_dwell_min`` of each mode are in
:class:`~sim.parameters.Parameters`; a mode with no ``acceleration_ms2`` (road, water,
air) has no such losses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.network import Link
from sim.parameters import Parameters

__all__ = ["StopAllowance", "speed_change_minutes", "stop_allowances"]


def speed_change_minutes(speed_kmh: float, acceleration_ms2: float) -> float:
    """Minutes lost reaching ``speed_kmh`` from rest (or braking from it) at a steady rate.

    ``v / (2a)`` seconds, with ``v`` in m/s and ``a`` in m/s²: 350 km/h at 0.3 m/s² loses
    162 s, 2.7 minutes.
    """
    return speed_kmh / 3.6 / (2.0 * acceleration_ms2) / 60.0


@dataclass(frozen=True)
class StopAllowance:
    """In-vehicle minutes added at one station for one line.

    Attributes
    ----------
    start
        Boarding here: accelerating away (plus the mode's fixed ``start_stop_min``).
    stop
        Getting off here: braking to rest.
    passing
        Staying on through this station: a stop of the fastest trains (braking, dwell,
        accelerating) at a major stop, else 0.
    half_loss
        Accelerating to (or braking from) the line speed here, alone: what a through
        service adds on this line's side of the junction.
    """

    start: float
    stop: float
    passing: float
    half_loss: float


def stop_allowances(
    links: Iterable[tuple[Link, str]],
    major_stops: frozenset[str],
    parameters: Parameters,
    known: Iterable[tuple[Link, str]] = (),
) -> dict[tuple[str, str], StopAllowance]:
    """Return the allowance of every (station, service) the links serve.

    Parameters
    ----------
    links
        Pairs of a link and the service it belongs to (:func:`sim.graph.service_of`).
    major_stops
        Station ids where the fastest trains stop (``Network.major_stops``).
    parameters
        Gives ``acceleration_ms2``, ``stop_dwell_min``, ``start_stop_min`` and the
        default speeds.
    known
        Further links of the same lines, not in the network built (the data's sections
        under construction or planned, ``Network.all_links``): a line's speed at a
        station is the fastest of all its sections that meet there, so that adding a
        planned section to a scenario changes no allowance of the sections already there
        (the incremental sweep engine relies on it).
    """
    speed: dict[tuple[str, str], float] = {}
    mode_of: dict[tuple[str, str], str] = {}
    for link, service in links:
        mode = link.mode.value
        v = link.speed_kmh or parameters.default_speed_kmh.get(mode) or 0.0
        for station in (link.from_id, link.to_id):
            key = (station, service)
            speed[key] = max(speed.get(key, 0.0), v)
            mode_of.setdefault(key, mode)
    for link, service in known:
        v = link.speed_kmh or parameters.default_speed_kmh.get(link.mode.value) or 0.0
        for station in (link.from_id, link.to_id):
            key = (station, service)
            if key in speed:
                speed[key] = max(speed[key], v)
    out = {}
    for key, v in speed.items():
        mode = mode_of[key]
        rate = parameters.acceleration_ms2.get(mode)
        half = speed_change_minutes(v, rate) if rate and v > 0 else 0.0
        passing = 2 * half + parameters.stop_dwell_min.get(mode, 0.0) if key[0] in major_stops else 0.0
        out[key] = StopAllowance(
            start=half + parameters.start_stop_min.get(mode, 0.0),
            stop=half,
            passing=passing,
            half_loss=half,
        )
    return out

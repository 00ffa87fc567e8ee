"""Model parameters: the one place every default lives, with its reason.

A scenario overrides any of them in its ``[parameters]`` table, for example::

    [parameters]
    first_wait = "half_headway"
    line_change_min = { rail = 15 }
    default_speed_kmh = { expressway = 90 }

All times are minutes and all speeds km/h. Per-mode tables are keyed by mode
(``hsr``, ``intercity``, ``conventional``, ``expressway``, ``waterway``, ``air``) and
per-terminal tables by terminal kind (``rail``, ``air``, ``port``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.errors import InputError
from sim.modes import Mode, TerminalKind

__all__ = ["FIRST_WAIT_POLICIES", "Parameters"]

FIRST_WAIT_POLICIES = ("planned", "half_headway")


def _per_mode(**values: float) -> dict[str, float]:
    return dict(values)


@dataclass(frozen=True)
class Parameters:
    """Every tunable number of the travel-time model.

    Attributes
    ----------
    first_wait
        ``"planned"`` (default): intercity travellers time their trip to the timetable,
        so the first boarding costs no wait; ``"half_headway"``: the first wait is half
        the headway of the service boarded, capped at ``first_wait_cap_min``. Waits at
        transfers always count (half the headway of the service boarded, uncapped).
    first_wait_cap_min
        Cap on the first wait under ``"half_headway"`` (15: a traveller facing a sparse
        service looks at the timetable).
    default_headway_min
        Headway used where a link row leaves ``headway_min`` empty. Rail values are the
        typical daytime intervals on the region's main lines (about two trains an hour on
        HSR, one every two hours on conventional lines); air assumes four flights a day.
    default_speed_kmh
        Speed used where a link row leaves ``speed_kmh`` empty. Expressway 120: the
        speed limit (design speed) of a national expressway; what a car actually runs at
        is capped by ``expressway_cruise_kmh``.
    speed_factor
        Average running speed between stations as a share of the line's operating speed
        (curves, junctions, speed restrictions and the timetable's recovery margin).
        Fitted, one value for every rail mode, within 0.80–1.00: 0.84 (see below).
    acceleration_ms2
        The rate (m/s²) at which trains reach line speed from rest and brake back to rest.
        A stop costs ``v / (2a)`` seconds of acceleration and as much of braking (see
        :mod:`sim.running_time`): every ride pays one of each, every major stop on the way
        both plus a dwell. The fastest trains on every rail line of the region are
        multiple units (动车组), so one value serves every rail mode. Physical range
        0.30–0.50: the CR450 prototype reaches 350 km/h from rest in 4 min 40 s, 0.35 m/s²
        on average, the CR400 in service in 6 min 20 s, 0.26 m/s² (央视新闻, 2025-10,
        reported by wallstreetcn and others); as traction fades with speed, a train covers
        more than half the distance a steady rate would, so it loses less than ``v / (2a)``
        at its average rate: 0.30 is about what a CR400 loses. Fitted within that range, it
        comes out at 0.30, the low end: the timetables lose more per stop than acceleration
        and braking alone (slow running over station throats, stops at stations the data
        omits, lines run below their listed speed). A lower, unphysical rate fitted the
        observations a little better before the short trips' observations were corrected
        (0.20: MAPE 11.4 % against 12.1 %); with the speed factor at 0.84 it no longer
        does (10.1 % against 9.9 % in sample). It would make every stop of a planned line
        cost 10 minutes instead of 7; the bound keeps stops physical and leaves the rest as
        the model's measured error. At 0.30 a ride
        on a 350 km/h line loses 5.4 min, a stop on the way 7.4 with the dwell. Modes
        without a value (road, water, air) have no such loss. The plain model of the
        hand-calculated tests sets it so high (1e6) that the loss rounds to 0 s.
    stop_dwell_min
        Dwell at a major stop on the way (``network/major_stops.csv``), per mode: 2 min,
        the usual dwell of a G train at an intermediate station (the CRH380A test run
        贵阳北–长沙南 of 2014 stopped 2 min at each station, 3 at 怀化南 and 娄底南, as
        reported in a copy of the report on my558.net). Not fitted.
    stop_loss_min
        Minutes added per link travelled (counted as in-vehicle time), a fixed loss at
        every station whether the train stops or not. 0: the stops are modelled by
        ``acceleration_ms2`` and the major stops; kept for plain models (the
        hand-calculated tests use 2 min per hsr link).
    start_stop_min
        A fixed number of minutes added once per ride, on top of acceleration and
        braking. 0: it was a fitted 14 min per ride before the physical model, which
        added 10–15 min to 40-minute trips; kept for sensitivity tests.

        The rail ``speed_factor`` and ``acceleration_ms2`` come from ``sim calibrate
        --fit``: the values that minimise the mean absolute percentage error against the
        observed fastest trains of ``network/observed_times.csv`` (a linear programme,
        with the bounds above, on the paths the model chooses, repeated until the paths
        settle), rounded here. ``sim calibrate`` reports that in-sample error and the
        out-of-sample one, each city pair predicted by parameters refitted without it.
    line_change_min
        Penalty for changing service at a terminal, per terminal kind, on top of the wait
        for the next service (rail 10: walking between platforms and re-boarding; air 60:
        a typical minimum connecting time; port 30).
    mode_change_min
        Penalty each time a trip changes between road and a terminal-based mode in the
        ``passenger`` and ``freight`` profiles (parking, finding the way).
    through_dwell_min
        Dwell of a declared through service at the station where it passes from one line
        onto another (counted as in-vehicle time), on top of braking on one line and
        accelerating on the other: 2 min, as ``stop_dwell_min``.
    processing_min
        Time at the departure terminal before boarding, per terminal kind: rail 15
        (security check and ticket gates closing before departure), air 60 (check-in and
        security), port 30.
    arrival_processing_min
        Time from the vehicle to the terminal exit: rail 5, air 20 (including baggage),
        port 15.
    access_detour
        Ratio of street distance to straight-line distance for estimating access to a
        terminal whose ``access_min`` is not given.
    access_speed_kmh
        Door-to-door speed of that estimated access trip (taxi or metro in traffic).
    access_fixed_min
        Fixed part of an estimated access trip (getting a taxi, walking to the platform
        area).
    road_access_min
        Driving from a city centre to the expressway network where a road link names the
        centre itself (centre-to-centre networks, scenario ``add_link``); the bundled
        network joins cities through their entrances instead.
    timetable_station_km
        The timetable reading (station to station) runs between a city's own stations:
        its main stations where ``network/timetable_stations.csv`` lists them, otherwise
        those within this many km of its centre. 20: the main stations of the region's
        cities lie within 19 km of their centres (南昌南 18.6, 厦门北 17.9, 武汉东 17.4,
        广州南 15.5, 长沙南 14.6), while airport stations and the county-town stations the
        data files under their prefecture lie further out (天河机场站 22.7, 乐平北 24.8 km
        from 景德镇, 进贤北 50 km from 南昌, 万州北 228 km from 重庆); a few county towns
        close to their prefecture's centre stay in (贵溪 15 km, 云梦东 16). Measured on
        the bundled data. A rail station without coordinates counts; airports and ports
        all count (they serve the whole city). Door to door, every terminal counts,
        reached by its access time.
    expressway_cruise_kmh
        The speed a car cruises at on an expressway whose limit is higher (mixed traffic,
        lorries, toll plazas, off-peak): a section runs at the lesser of its limit and
        this. 105: fitted, with the two entrance parameters below, by a grid search
        (cruise 100-110, entrance speed 70-130, fixed part 6-12; ``python
        tools/fit_road_parameters.py``) minimising the MAPE of the 54 road pairs of
        ``network/observed_times.csv``: in-sample MAPE 4.7 %, worst pair 15 %; refitted
        with each pair left out in turn, the left-out pairs' MAPE is 5.1 % (worst 15 %).
        The optimum is flat: the defaults are a rounded point of it.
    road_entrance_fixed_min, road_entrance_speed_kmh
        The drive from a city centre to one of its expressway entrances whose
        ``access_min`` is not given: the fixed part (leaving the centre, the toll gate)
        plus the straight-line distance times ``access_detour`` at this speed (urban
        expressways and arterials, off-peak). 8 min and 90 km/h: fitted with
        ``expressway_cruise_kmh`` (the speed is high because urban expressways shorten the
        detour; the pair reads "8 minutes plus 0.9 minutes per straight-line km").
    lane_speed_gain_kmh
        Speed added to an expressway for each lane per direction beyond the standard two
        (a road widened from four lanes to eight gains twice this). 2.4: the adjustment
        of free-flow speed for the number of lanes in the Highway Capacity Manual 2000
        (Exhibit 23-6: 7.3 km/h less for two lanes per direction, 4.8 for three, 2.4 for
        four; recalled), whose steps are 2.4-2.5 km/h per lane.
    """

    first_wait: str = "planned"
    first_wait_cap_min: float = 15.0
    default_headway_min: dict[str, float] = field(
        default_factory=lambda: _per_mode(
            hsr=30.0, intercity=30.0, conventional=120.0, waterway=1440.0, air=240.0
        )
    )
    default_speed_kmh: dict[str, float] = field(
        default_factory=lambda: _per_mode(
            hsr=300.0, intercity=200.0, conventional=120.0, expressway=120.0, waterway=12.0
        )
    )
    stop_loss_min: dict[str, float] = field(
        default_factory=lambda: _per_mode(
            hsr=0.0, intercity=0.0, conventional=0.0, expressway=0.0, waterway=0.0, air=0.0
        )
    )
    start_stop_min: dict[str, float] = field(
        default_factory=lambda: _per_mode(
            hsr=0.0, intercity=0.0, conventional=0.0, expressway=0.0, waterway=0.0, air=0.0
        )
    )
    speed_factor: dict[str, float] = field(
        default_factory=lambda: _per_mode(
            hsr=0.84, intercity=0.84, conventional=0.84, expressway=1.0, waterway=1.0, air=1.0
        )
    )
    acceleration_ms2: dict[str, float] = field(
        default_factory=lambda: _per_mode(hsr=0.3, intercity=0.3, conventional=0.3)
    )
    stop_dwell_min: dict[str, float] = field(
        default_factory=lambda: _per_mode(hsr=2.0, intercity=2.0, conventional=2.0)
    )
    line_change_min: dict[str, float] = field(
        default_factory=lambda: {"rail": 10.0, "air": 60.0, "port": 30.0}
    )
    mode_change_min: float = 10.0
    through_dwell_min: float = 2.0
    processing_min: dict[str, float] = field(
        default_factory=lambda: {"rail": 15.0, "air": 60.0, "port": 30.0}
    )
    arrival_processing_min: dict[str, float] = field(
        default_factory=lambda: {"rail": 5.0, "air": 20.0, "port": 15.0}
    )
    access_detour: float = 1.3
    access_speed_kmh: float = 25.0
    access_fixed_min: float = 5.0
    road_access_min: float = 10.0
    timetable_station_km: float = 20.0
    expressway_cruise_kmh: float = 105.0
    road_entrance_fixed_min: float = 8.0
    road_entrance_speed_kmh: float = 90.0
    lane_speed_gain_kmh: float = 2.4

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, file: str | None = None) -> None:
        """Check every value is in range.

        Raises
        ------
        InputError
            Naming the parameter that is out of range.
        """
        if self.first_wait not in FIRST_WAIT_POLICIES:
            raise InputError(
                f"must be one of {', '.join(FIRST_WAIT_POLICIES)}, got '{self.first_wait}'",
                file,
                None,
                "first_wait",
            )
        modes = {m.value for m in Mode}
        kinds = {k.value for k in TerminalKind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                keys = kinds if f.name in _KIND_TABLES else modes
                for key, v in value.items():
                    if key not in keys:
                        raise InputError(
                            f"unknown key '{key}' (valid: {', '.join(sorted(keys))})",
                            file,
                            None,
                            f"{f.name}.{key}",
                        )
                    _check_number(v, f"{f.name}.{key}", file, positive=f.name in _POSITIVE)
            elif f.name != "first_wait":
                _check_number(value, f.name, file, positive=f.name in _POSITIVE)

    def headway(self, mode: Mode, given: float | None) -> float:
        """Headway in minutes of a link: the given one, else the mode default."""
        if given is not None:
            return given
        return self.default_headway_min.get(mode.value, 60.0)

    def with_overrides(self, overrides: Mapping[str, Any], file: str | None = None) -> Parameters:
        """Return a copy with ``overrides`` applied (a scenario's ``[parameters]`` table).

        Per-mode tables are merged key by key, so ``{"line_change_min": {"rail": 15}}``
        keeps the other kinds' defaults.

        Raises
        ------
        InputError
            For an unknown parameter name or a value of the wrong type or range.
        """
        known = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if name not in known:
                raise InputError(f"unknown parameter (valid: {', '.join(sorted(known))})", file, None, name)
            current = getattr(self, name)
            if isinstance(current, dict):
                if not isinstance(value, Mapping):
                    raise InputError("expected a table such as { rail = 10 }", file, None, name)
                merged = dict(current)
                merged.update({str(k): v for k, v in value.items()})
                changes[name] = merged
            else:
                changes[name] = value
        try:
            result = dataclasses.replace(self, **changes)
        except InputError as error:
            raise InputError(error.message, file, None, error.field) from None
        return result


_KIND_TABLES = {"line_change_min", "processing_min", "arrival_processing_min"}
_POSITIVE = {
    "default_headway_min",
    "default_speed_kmh",
    "access_detour",
    "access_speed_kmh",
    "speed_factor",
    "timetable_station_km",
    "acceleration_ms2",
    "road_entrance_speed_kmh",
    "expressway_cruise_kmh",
}


def _check_number(value: object, name: str, file: str | None, *, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"expected a number, got {value!r}", file, None, name)
    if positive and not value > 0:
        raise InputError(f"must be > 0, got {value}", file, None, name)
    if not positive and value < 0:
        raise InputError(f"must be >= 0, got {value}", file, None, name)

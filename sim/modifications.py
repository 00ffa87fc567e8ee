"""Scenario modifications: edits applied to a network after its year and projects.

Each ``[[modifications]]`` table of a scenario file has a ``type``:

``add_link``
    ``mode, line, from, to`` and ``km`` with ``speed_kmh``, or ``minutes``;
    optional ``headway_min``. An expressway joins two road nodes (``road_nodes.csv``)
    or city ids (a city id is its centre, ``road_access_min`` from it).
``add_line``
    ``mode, line, stations = [...]``, ``km = [...]`` (one per section),
    ``speed_kmh``, optional ``headway_min``: a whole new line by its stations.
``remove_link``
    ``line, from, to``: the link of that line between two adjacent terminals.
``remove_station``
    ``station``: every link touching the terminal (the terminal stays, unserved).
``close_terminal``
    ``terminal``: the same as ``remove_station``, for airports and ports.
``set_line``
    ``line`` and ``speed_kmh`` and/or ``headway_min``: changes every link of the line.
``remove_mode``
    ``mode``: every link of that mode (``mode = "air"``: no flights).

Parameters are changed in the scenario's ``[parameters]`` table, not here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.modes import Mode
from sim.network import Link, Network

__all__ = ["MODIFICATION_TYPES", "apply_modifications", "check_modification"]

MODIFICATION_TYPES = (
    "add_link",
    "add_line",
    "remove_link",
    "remove_station",
    "close_terminal",
    "set_line",
    "remove_mode",
)
_REQUIRED = {
    "add_link": ("mode", "line", "from", "to"),
    "add_line": ("mode", "line", "stations", "km", "speed_kmh"),
    "remove_link": ("line", "from", "to"),
    "remove_station": ("station",),
    "close_terminal": ("terminal",),
    "set_line": ("line",),
    "remove_mode": ("mode",),
}
_ALLOWED = {
    "add_link": {"km", "speed_kmh", "minutes", "headway_min", "source"},
    "add_line": {"headway_min", "source"},
    "set_line": {"speed_kmh", "headway_min"},
}


def check_modification(mod: dict[str, Any], file: Path | None, line: int | None) -> None:
    """Check the keys and value types of one modification table.

    Raises
    ------
    InputError
        Naming the file, the line of its ``[[modifications]]`` header and the key.
    """
    kind = mod.get("type")
    if kind not in MODIFICATION_TYPES:
        raise InputError(
            f"unknown type '{kind}' (valid: {', '.join(MODIFICATION_TYPES)})", file, line, "type"
        )
    allowed = {"type", *_REQUIRED[kind], *_ALLOWED.get(kind, set())}
    for key in mod:
        if key not in allowed:
            raise InputError(f"{kind}: unknown key (valid: {', '.join(sorted(allowed))})", file, line, key)
    for key in _REQUIRED[kind]:
        if key not in mod:
            raise InputError(f"{kind}: missing", file, line, key)
    for key in ("km", "speed_kmh", "minutes", "headway_min"):
        value = mod.get(key)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v <= 0):
                raise InputError(f"{kind}: must be a positive number, got {v!r}", file, line, key)
    if kind == "add_link" and "minutes" not in mod and not ("km" in mod and "speed_kmh" in mod):
        raise InputError("add_link: needs km and speed_kmh, or minutes", file, line, "km")
    if kind == "set_line" and "speed_kmh" not in mod and "headway_min" not in mod:
        raise InputError("set_line: needs speed_kmh and/or headway_min", file, line, "line")
    if kind == "add_line":
        stations, km = mod["stations"], mod["km"]
        if not isinstance(stations, list) or len(stations) < 2:
            raise InputError("add_line: needs at least two stations", file, line, "stations")
        if not isinstance(km, list) or len(km) != len(stations) - 1:
            raise InputError("add_line: km needs one value per section (stations - 1)", file, line, "km")
    if "mode" in mod:
        try:
            Mode.parse(str(mod["mode"]))
        except ValueError as error:
            raise InputError(str(error), file, line, "mode") from None


def apply_modifications(
    network: Network, mods: list[tuple[dict[str, Any], Path | None, int | None]], full: Network
) -> Network:
    """Apply modifications in order.

    Parameters
    ----------
    network
        The network after year and projects.
    mods
        ``(table, file, line)`` for each modification, already checked.
    full
        The full data, where the terminals of added links are looked up.

    Raises
    ------
    InputError
        For a terminal, line or link that does not exist.
    """
    links = list(network.links)
    terminals = {t.id: t for t in network.terminals}
    known_terminals = {t.id: t for t in full.terminals}
    for mod, file, line in mods:
        kind = mod["type"]

        if kind in ("add_link", "add_line"):
            mode = Mode.parse(str(mod["mode"]))
            ends = [mod["from"], mod["to"]] if kind == "add_link" else list(mod["stations"])
            keys = ["from", "to"] if kind == "add_link" else ["stations"] * len(ends)
            kms = [mod.get("km")] if kind == "add_link" else list(mod["km"])
            for tid, key in zip(ends, keys, strict=True):
                if mode.terminal_kind is None:
                    if tid not in network.city_by_id and tid not in network.road_node_by_id:
                        raise InputError(f"{kind}: no city or road node '{tid}'", file, line, key)
                else:
                    if tid not in known_terminals:
                        raise InputError(f"{kind}: no terminal '{tid}' in the network", file, line, key)
                    terminals.setdefault(tid, known_terminals[tid])
            for a, b, km in zip(ends[:-1], ends[1:], kms, strict=True):
                links.append(
                    Link(
                        mode,
                        str(mod["line"]),
                        a,
                        b,
                        km,
                        mod.get("speed_kmh"),
                        mod.get("minutes"),
                        mod.get("headway_min"),
                        "open",
                        network.year,
                        None,
                        None,
                        str(mod.get("source", "scenario modification")),
                        str(file or ""),
                        line or 0,
                    )
                )
        elif kind == "remove_link":
            pair = {mod["from"], mod["to"]}
            before = len(links)
            links = [lk for lk in links if not (lk.line == mod["line"] and {lk.from_id, lk.to_id} == pair)]
            if len(links) == before:
                raise InputError(
                    f"remove_link: no link of '{mod['line']}' between '{mod['from']}' and '{mod['to']}' "
                    "in this scenario",
                    file,
                    line,
                    "from",
                )
        elif kind in ("remove_station", "close_terminal"):
            key = "station" if kind == "remove_station" else "terminal"
            tid = mod[key]
            if tid not in terminals:
                raise InputError(f"{kind}: no terminal '{tid}' in this scenario", file, line, key)
            links = [lk for lk in links if tid not in (lk.from_id, lk.to_id)]
        elif kind == "remove_mode":
            mode = Mode.parse(str(mod["mode"]))
            links = [lk for lk in links if lk.mode is not mode]
        elif kind == "set_line":
            if not any(lk.line == mod["line"] for lk in links):
                raise InputError(f"set_line: no line '{mod['line']}' in this scenario", file, line, "line")
            changes = {k: mod[k] for k in ("speed_kmh", "headway_min") if k in mod}
            links = [replace(lk, **changes) if lk.line == mod["line"] else lk for lk in links]
    return replace(network, links=tuple(links), terminals=tuple(terminals.values()))

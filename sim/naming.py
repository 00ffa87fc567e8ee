"""Names a person reads, for the ids the program uses inside.

Pictures, the report and printed summaries show names (Chinese, and English where there
is room); machine tables (CSV, Parquet, JSON) keep the ids. Projects are named from
``network/projects.csv`` when the network carries it (``Network.project_by_id``);
until then, and for a project missing from it, by the lines its links belong to (the
``line`` column: ``长赣高铁``), and by its id only if it has no links in the network.
"""

from __future__ import annotations

import re

from sim.network import Network

__all__ = ["failure_name", "place_name", "project_name", "project_names"]


def place_name(network: Network, ref: str, *, english: bool = False) -> str:
    """Return the name of a city, terminal or road node (``english``: ``武汉站 Wuhan``), else ``ref``."""
    item = network.city_by_id.get(ref) or network.terminal_by_id.get(ref) or network.road_node_by_id.get(ref)
    if item is None:
        return ref
    return f"{item.name_zh} {item.name_en}" if english else item.name_zh


def project_name(network: Network, project: str, *, english: bool = False) -> str:
    """Return the name of a project: from ``projects.csv``, else its lines, else its id.

    Reads ``network.project_by_id`` when the network has it (records with ``name_zh`` and
    ``name_en``). Without a record, the distinct ``line`` names of the project's links in
    ``network`` (pass the full data, where planned links are) are joined with " + ".
    """
    record = getattr(network, "project_by_id", {}).get(project)
    if record is None:
        lines = list(dict.fromkeys(lk.line for lk in network.links if lk.project == project))
        return " + ".join(lines) if lines else project
    zh, en = getattr(record, "name_zh", "") or "", getattr(record, "name_en", "") or ""
    if english and zh and en:
        return f"{zh} {en}"
    return zh or en or project


def project_names(network: Network, projects: list[str], *, english: bool = False) -> dict[str, str]:
    """Return ``id -> name`` for several projects (see :func:`project_name`)."""
    return {p: project_name(network, p, english=english) for p in projects}


_FAILURE = re.compile(r"^(?P<line>[^:]+):(?P<a>[a-z0-9_]+)(?P<sep>\.\.|-)(?P<b>[a-z0-9_]+)$")


def failure_name(network: Network, label: str) -> str:
    """Return a sweep failure label with names (``京广高铁 武汉站–长沙南站 (section)``).

    A link failure (``line:a-b``) and a section failure (``line:a..b``, every link between
    two junctions) both read as the line and its two ends; other labels are returned as
    they are.
    """
    match = _FAILURE.match(label)
    if match is None:
        return label
    a, b = place_name(network, match["a"]), place_name(network, match["b"])
    kind = " (section)" if match["sep"] == ".." else ""
    return f"{match['line']} {a}–{b}{kind}"

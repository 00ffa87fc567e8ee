"""Scenario files: what network, which year and projects, which profiles and parameters.

A scenario is a small TOML file (the README and the documentation list every key)::

    name = "today"
    description = "The network as built at the end of 2025."
    year = 2025
    profiles = ["rail", "road", "passenger"]
    targets = "targets.toml"
    add_projects = []        # construction/planned projects to include whatever their year
    drop_projects = []       # projects to remove (e.g. a line closed)
    include_expected = false # also include projects expected by `year`

    [parameters]             # any model parameter, see sim.parameters
    first_wait = "planned"

Paths inside a scenario are relative to the scenario file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim import bundled
from sim.errors import InputError
from sim.modes import PROFILES, Profile
from sim.modifications import apply_modifications, check_modification
from sim.network import Network, load_network
from sim.output import check_plain_name
from sim.parameters import Parameters
from sim.tomlfile import line_of_key, line_of_table, read_toml

__all__ = [
    "BUNDLED_NETWORK",
    "BUNDLED_SCENARIOS",
    "Scenario",
    "apply_scenario",
    "find_scenario",
    "load_scenario",
]

BUNDLED_NETWORK = bundled.network_folder()
BUNDLED_SCENARIOS = bundled.scenarios_folder()
_KEYS = {
    "name",
    "description",
    "year",
    "profiles",
    "targets",
    "network",
    "add_projects",
    "drop_projects",
    "include_expected",
    "parameters",
    "data_current_to",
    "extends",
    "modifications",
}


@dataclass(frozen=True)
class Scenario:
    """A what-if, as read from its file.

    Attributes
    ----------
    name
        Short name; results go to ``results/<name>/``.
    description
        One paragraph: what it is and why.
    year
        Network as built by the end of this year (None: everything open today).
    profiles
        Profiles to evaluate.
    targets_file
        The targets to check (None: no targets).
    network_folder
        Network data folder.
    add_projects, drop_projects
        Project ids added whatever their status and year, or removed.
    include_expected
        Include construction/planned links whose expected year is at or before ``year``.
    parameters
        Model parameters after the scenario's overrides.
    modifications
        ``(table, file, line)`` of each modification, the parent's first.
    file
        The file it was read from (None if built in code).
    extends
        The file of the scenario it extends, if any.
    """

    name: str
    description: str = ""
    year: int | None = None
    profiles: tuple[Profile, ...] = (PROFILES["rail"], PROFILES["road"], PROFILES["passenger"])
    targets_file: Path | None = BUNDLED_SCENARIOS / "targets.toml"
    network_folder: Path = BUNDLED_NETWORK
    add_projects: tuple[str, ...] = ()
    drop_projects: tuple[str, ...] = ()
    include_expected: bool = False
    parameters: Parameters = field(default_factory=Parameters)
    data_current_to: str | None = None
    modifications: tuple[tuple[dict[str, Any], Path | None, int | None], ...] = ()
    file: Path | None = None
    extends: Path | None = None


def find_scenario(name_or_path: str) -> Path:
    """Resolve a scenario given as a file path or as the name of a bundled scenario.

    Raises
    ------
    InputError
        If neither a file nor a bundled scenario of that name exists.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = bundled.scenario_file(name_or_path)
    if shipped is not None:
        return shipped
    raise InputError(
        f"no scenario file or bundled scenario called '{name_or_path}' "
        f"(bundled: {', '.join(bundled.scenario_names())})",
        path,
    )


def load_scenario(name_or_path: str, network_folder: Path | None = None) -> Scenario:
    """Read a scenario file (path or bundled name), resolving ``extends`` and checking every key.

    A scenario that ``extends`` another starts from it: keys it sets replace the
    parent's, except ``add_projects``, ``drop_projects`` and ``modifications``, which
    add to the parent's, and ``parameters``, which are merged key by key.

    Parameters
    ----------
    name_or_path
        ``today`` or ``scenarios/today.toml``.
    network_folder
        Overrides the scenario's network (``sim run --network``).

    Raises
    ------
    InputError
        For a missing or malformed file, an unknown key, profile, parameter or
        modification, or a cycle of ``extends``.
    """
    scenario = _load(name_or_path, ())
    if network_folder is not None:
        scenario = replace(scenario, network_folder=Path(network_folder))
    return scenario


def _load(name_or_path: str, chain: tuple[Path, ...]) -> Scenario:
    path = find_scenario(name_or_path)
    if path.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, path.resolve()))
        raise InputError(
            f"extends makes a cycle ({cycle})", chain[-1], line_of_key(chain[-1], "extends"), "extends"
        )
    data = read_toml(path)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InputError(
            f"unknown key (valid: {', '.join(sorted(_KEYS))})",
            path,
            line_of_key(path, unknown[0]),
            unknown[0],
        )
    base = path.parent
    if "extends" in data:
        parent_name = _get(data, "extends", str, path, default="")
        candidate = base / parent_name
        parent_ref = str(candidate) if candidate.is_file() else parent_name
        parent = _load(parent_ref, (*chain, path.resolve()))
    else:
        parent = Scenario(name=path.stem)
    name = _get(data, "name", str, path, default=path.stem)
    check_plain_name(name, path, line_of_key(path, "name"), "name")
    changes: dict[str, Any] = {
        "name": name,
        "file": path,
        "extends": parent.file if "extends" in data else None,
    }
    if "description" in data:
        changes["description"] = _get(data, "description", str, path, default="")
    if "year" in data:
        changes["year"] = _get(data, "year", int, path, default=None)
    if "profiles" in data:
        profiles = []
        for p in _get(data, "profiles", list, path, default=[]):
            if not isinstance(p, str) or p not in PROFILES:
                raise InputError(
                    f"unknown profile '{p}' (valid: {', '.join(PROFILES)})",
                    path,
                    line_of_key(path, "profiles"),
                    "profiles",
                )
            profiles.append(PROFILES[p])
        if not profiles:
            raise InputError(
                "no profile: name at least one (valid: " + ", ".join(PROFILES) + ")",
                path,
                line_of_key(path, "profiles"),
                "profiles",
            )
        changes["profiles"] = tuple(profiles)
    if "targets" in data:
        targets = _get(data, "targets", str, path, default="")
        changes["targets_file"] = (base / targets) if targets else None
    if "network" in data:
        changes["network_folder"] = base / _get(data, "network", str, path, default="")
    if "include_expected" in data:
        changes["include_expected"] = _get(data, "include_expected", bool, path, default=False)
    if "data_current_to" in data:
        changes["data_current_to"] = _get(data, "data_current_to", str, path, default=None)
    add, drop = _str_list(data, "add_projects", path), _str_list(data, "drop_projects", path)
    both = sorted(set(add) & set(drop))
    if both:
        raise InputError(
            f"project '{both[0]}' is both added and dropped",
            path,
            line_of_key(path, "drop_projects"),
            "drop_projects",
        )
    # a scenario's own lists win over what it extends: adding undoes an inherited drop and back
    changes["add_projects"] = tuple(p for p in parent.add_projects if p not in drop) + tuple(
        p for p in add if p not in parent.add_projects
    )
    changes["drop_projects"] = tuple(p for p in parent.drop_projects if p not in add) + tuple(
        p for p in drop if p not in parent.drop_projects
    )
    try:
        changes["parameters"] = parent.parameters.with_overrides(
            _get(data, "parameters", dict, path, default={}), str(path)
        )
    except InputError as error:
        key = (error.field or "").split(".")[0]
        raise InputError(error.message, path, line_of_key(path, key), error.field) from None
    mods = _get(data, "modifications", list, path, default=[])
    own = []
    for n, mod in enumerate(mods):
        line = line_of_table(path, "modifications", n)
        if not isinstance(mod, dict):
            raise InputError("each modification is a [[modifications]] table", path, line, "modifications")
        check_modification(mod, path, line)
        own.append((mod, path, line))
    changes["modifications"] = parent.modifications + tuple(own)
    return replace(parent, **changes)


def apply_scenario(scenario: Scenario, network: Network | None = None) -> Network:
    """Return the network the scenario describes.

    Parameters
    ----------
    scenario
        The scenario.
    network
        The full network (every status); read from ``scenario.network_folder`` if None.

    Raises
    ------
    InputError
        For a project id that no link carries, or a year before the data starts.
    """
    full = network if network is not None else load_network(scenario.network_folder)
    where = scenario.file
    projects = {lk.project for lk in full.links if lk.project}
    for key, ids in (("add_projects", scenario.add_projects), ("drop_projects", scenario.drop_projects)):
        for pid in ids:
            if pid not in projects:
                raise InputError(f"unknown project id '{pid}'", where, line_of_key(where, key), key)
    if scenario.year is not None:
        span = full.data_years
        if span is not None and scenario.year < span[0]:
            raise InputError(
                f"year {scenario.year} is before the data starts ({span[0]})",
                where,
                line_of_key(where, "year"),
                "year",
            )
        net = full.as_of(scenario.year, include_expected=scenario.include_expected)
    else:
        net = full.open_only()
    if scenario.add_projects:
        added = set(scenario.add_projects)
        # with the speeds and headways in force in the scenario's year, like the rest
        dated = full.values_in(scenario.year) if scenario.year is not None else full.links
        present = set(net.links)
        extra = tuple(lk for lk in dated if lk.project in added and lk not in present)
        have = {t.id for t in net.terminals}
        ends = {n for lk in extra for n in (lk.from_id, lk.to_id)}
        terms = tuple(t for t in full.terminals if t.id in ends and t.id not in have)
        net = replace(net, links=net.links + extra, terminals=net.terminals + terms)
    if scenario.drop_projects:
        dropped = set(scenario.drop_projects)
        net = replace(net, links=tuple(lk for lk in net.links if lk.project not in dropped))
    if scenario.modifications:
        net = apply_modifications(net, list(scenario.modifications), full)
    return net


def _get(data: dict[str, Any], key: str, kind: type, path: Path, *, default: Any) -> Any:
    if key not in data:
        return default
    value = data[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise InputError(f"expected {kind.__name__}, got {value!r}", path, line_of_key(path, key), key)
    return value


def _str_list(data: dict[str, Any], key: str, path: Path) -> list[str]:
    values = _get(data, key, list, path, default=[])
    for v in values:
        if not isinstance(v, str):
            raise InputError(f"expected a list of project ids, got {v!r}", path, line_of_key(path, key), key)
    return values

"""What the workbench offers: scenarios, projects with their facts, and rules between them.

The rules are the ``requires`` / ``excludes`` of the bundled sweep files.

Everything here is read once when the server starts; nothing comes from the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import InputError
from sim.network import Network
from sim.scenario import BUNDLED_SCENARIOS, Scenario, load_scenario
from sim.sweep.spec import load_sweep
from sim.validate import Problem, check_scenario

__all__ = ["Catalogue", "ProjectInfo", "Rules", "load_catalogue"]

_STATUS_ORDER = {"open": 0, "construction": 1, "planned": 2}


@dataclass(frozen=True)
class ProjectInfo:
    """One project as the build-out panel shows it.

    Attributes
    ----------
    id
        The project id of the link tables.
    name_zh, name_en
        Names from ``projects.csv`` when the data has it, else the project's lines.
    lines
        The lines its links belong to.
    modes
        Modes of its links.
    status
        ``open``, ``construction`` or ``planned`` (the least built of its links).
    first_year, last_year
        Opening (or expected) years of its links; None when unknown.
    cost_yi_yuan, cost_year, cost_source
        Investment in 亿元 and where the figure comes from; None when unknown.
    plan
        The plan that names it, if any.
    source
        Where the facts come from.
    links
        How many links it has.
    """

    id: str
    name_zh: str
    name_en: str
    lines: tuple[str, ...]
    modes: tuple[str, ...]
    status: str
    first_year: int | None
    last_year: int | None
    cost_yi_yuan: float | None
    cost_year: int | None
    cost_source: str | None
    plan: str | None
    source: str
    links: int


@dataclass(frozen=True)
class Rules:
    """``requires`` and ``excludes`` between projects, each with the file it comes from."""

    requires: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excludes: tuple[tuple[str, ...], ...] = ()
    where: dict[str, str] = field(default_factory=dict)

    def blocked(self, project: str, active: set[str]) -> str | None:
        """Why ``project`` cannot be switched on while ``active`` are on (None: it can)."""
        for group in self.excludes:
            if project in group:
                clash = sorted(a for a in group if a != project and a in active)
                if clash:
                    return f"excludes {', '.join(clash)} ({self.where.get(project, 'sweep file')})"
        missing = [r for r in self.requires.get(project, ()) if r not in active]
        if missing:
            return f"requires {', '.join(missing)} ({self.where.get(project, 'sweep file')})"
        return None

    def needed_by(self, project: str, active: set[str]) -> list[str]:
        """Active projects that require ``project`` (it cannot be switched off under them)."""
        return sorted(a for a in active if project in self.requires.get(a, ()))


@dataclass(frozen=True)
class Catalogue:
    """Scenarios, projects and rules of one network folder."""

    network: Network
    scenarios: dict[str, Scenario]
    projects: dict[str, ProjectInfo]
    rules: Rules


def load_catalogue(
    full: Network,
    network_folder: Path | None = None,
    scenarios_folder: Path = BUNDLED_SCENARIOS,
    *,
    warn: Callable[[Problem], None] | None = None,
) -> Catalogue:
    """Read the scenarios and sweep files, and describe every project of ``full``.

    Each scenario is checked against the data as ``sim run`` checks it
    (:func:`sim.validate.check_scenario`): one with an error (a project or link this
    network lacks, a year before its data) is left out of the offer, with a warning that
    says why; its warnings are passed on.

    Parameters
    ----------
    full
        The full network (every status), loaded through :func:`sim.validate.load_checked_network`.
    network_folder
        The ``--network`` folder the scenarios are pointed at (None: their own).
    scenarios_folder
        Where the scenarios are (``*.toml``, sweep files in ``sweeps/``): the bundled ones.
    warn
        Called with each warning (default: none are reported).

    Raises
    ------
    InputError
        If no bundled scenario can be read against this network.
    """
    report = warn or (lambda _problem: None)
    scenarios: dict[str, Scenario] = {}
    for path in sorted(Path(scenarios_folder).glob("*.toml")):
        if path.stem == "targets":
            continue
        try:
            scenario = load_scenario(str(path), network_folder)
        except InputError as error:
            report(_left_out(path, error))
            continue
        problems = check_scenario(scenario, full)
        errors = [p.error for p in problems if p.severity == "error"]
        if errors:
            report(_left_out(path, errors[0]))
            continue
        for problem in problems:
            report(problem)
        scenarios[path.stem] = scenario
    if not scenarios:
        raise InputError("no scenario applies to this network", network_folder or scenarios_folder)
    return Catalogue(full, scenarios, _projects(full), _rules(full, Path(scenarios_folder)))


def _left_out(path: Path, error: InputError) -> Problem:
    message = f"scenario '{path.stem}' is not offered: {error}"
    return Problem("warning", InputError(message, None, None, None), "scenario")


def _projects(full: Network) -> dict[str, ProjectInfo]:
    by_id: dict[str, list] = {}
    for lk in full.links:
        if lk.project:
            by_id.setdefault(lk.project, []).append(lk)
    facts = getattr(full, "project_by_id", {})
    out: dict[str, ProjectInfo] = {}
    for pid in sorted(by_id):
        links = by_id[pid]
        lines = tuple(dict.fromkeys(lk.line for lk in links))
        years = [lk.open_year for lk in links if lk.open_year is not None]
        status = max((lk.status for lk in links), key=lambda s: _STATUS_ORDER.get(s, 3))
        row = facts.get(pid)
        plan = next((lk.plan for lk in links if lk.plan), None)
        out[pid] = ProjectInfo(
            id=pid,
            name_zh=row.name_zh if row else " / ".join(lines),
            name_en=row.name_en if row else pid.replace("_", " "),
            lines=lines,
            modes=tuple(dict.fromkeys(lk.mode.value for lk in links)),
            status=status,
            first_year=min(years) if years else None,
            last_year=max(years) if years else None,
            cost_yi_yuan=row.cost_yi_yuan if row else None,
            cost_year=row.cost_year if row else None,
            cost_source=row.cost_source if row else None,
            plan=(row.plan if row and row.plan else plan),
            source=row.source if row else links[0].source,
            links=len(links),
        )
    return out


def _rules(full: Network, folder: Path) -> Rules:
    """Return the union of the ``requires`` and ``excludes`` of the sweep files."""
    requires: dict[str, tuple[str, ...]] = {}
    excludes: list[tuple[str, ...]] = []
    where: dict[str, str] = {}
    for path in sorted((folder / "sweeps").glob("*.toml")):
        try:
            spec = load_sweep(path, full)
        except InputError:
            continue
        label = f"scenarios/sweeps/{path.name}"
        for name, needs in spec.requires.items():
            requires[name] = tuple(dict.fromkeys((*requires.get(name, ()), *needs)))
            where.setdefault(name, label)
        for group in spec.excludes:
            if group not in excludes:
                excludes.append(group)
            for name in group:
                where.setdefault(name, label)
    return Rules(requires, tuple(excludes), where)

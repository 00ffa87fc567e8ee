"""Sweep files: a base scenario, a profile, and axes combined as a product.

Example (``scenarios/sweeps/planned-rail.toml``)::

    name = "planned-rail"
    base = "today"                       # a scenario name or file
    profile = "rail"

    [projects]
    mode = "all-subsets"                 # one-at-a-time | leave-one-out | sample
    candidates = ["changjiu_hsr", ...]   # or "planned": every project not open, of the profile's modes
    excludes = [["wuxianyi_hsr", "wuxianchang_hsr"]]   # alternatives: never together
    requires = { branch = ["trunk"] }    # a branch needs its trunk
    # n = 1000, seed = 1                 # for mode = "sample"

    [parameters]                         # each key a parameter, "table.key" for per-mode ones
    "line_change_min.rail" = [5, 10, 15]

    [failures]
    mode = "n-1"                         # every link of the profile removed once
    # mode = "n-1-sections"              # every line section between junctions removed once
    # mode = "random", probability = 0.01, draws = 100, seed = 7

Every combination of the axes is one scenario. Subset axes honour ``requires`` and
``excludes`` and count only admissible sets.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.modes import PROFILES, Profile
from sim.network import Link, Network
from sim.output import check_plain_name
from sim.parameters import Parameters
from sim.scenario import Scenario, load_scenario
from sim.tomlfile import line_of_key, read_toml

__all__ = [
    "FAILURE_MODES",
    "NO_PROJECTS",
    "PROJECT_MODES",
    "Failure",
    "SweepSpec",
    "line_sections",
    "load_sweep",
]

PROJECT_MODES = ("all-subsets", "one-at-a-time", "leave-one-out", "sample")
FAILURE_MODES = ("n-1", "n-1-sections", "random")
NO_PROJECTS = "(none: the base network)"
"""How the tables name the empty project set (``projects`` of ``smallest_sets.csv``, ``pareto.csv``)."""
_KEYS = {"name", "description", "base", "profile", "metrics", "projects", "parameters", "failures"}


@dataclass(frozen=True)
class Failure:
    """Links removed in one failure scenario (each ``(line, from, to)``), and its label."""

    label: str
    links: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file."""

    name: str
    base: Scenario
    profile: Profile
    file: Path
    description: str = ""
    candidates: tuple[str, ...] = ()
    project_mode: str | None = None
    sample_n: int = 0
    seed: int = 0
    requires: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excludes: tuple[tuple[str, ...], ...] = ()
    parameter_grid: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    failure_mode: str | None = None
    failure_probability: float = 0.0
    failure_draws: int = 0
    failure_seed: int = 0

    def order(self) -> list[str]:
        """Candidates ordered so that every project comes after the projects it requires."""
        done: list[str] = []
        pending = list(self.candidates)
        while pending:
            for name in pending:
                if all(r in done for r in self.requires.get(name, ())):
                    done.append(name)
                    pending.remove(name)
                    break
            else:
                raise InputError(
                    f"requires makes a cycle among {', '.join(pending)}",
                    self.file,
                    line_of_key(self.file, "requires"),
                    "requires",
                )
        return done

    def admissible(self, names: set[str]) -> bool:
        """Return whether a project set honours every ``requires`` and ``excludes``."""
        for name in names:
            if any(r not in names for r in self.requires.get(name, ())):
                return False
        return all(len(names.intersection(group)) <= 1 for group in self.excludes)

    def project_sets(self, order: list[str]) -> list[int] | None:
        """Bit masks (over ``order``) of the project axis, or None for all admissible subsets."""
        k = len(order)
        full = (1 << k) - 1
        if self.project_mode is None:
            return [0]
        if self.project_mode == "all-subsets":
            return None
        if self.project_mode == "one-at-a-time":
            masks = [0, *[1 << i for i in range(k)]]
        elif self.project_mode == "leave-one-out":
            masks = [full, *[full & ~(1 << i) for i in range(k)]]
        else:
            rng = np.random.default_rng(self.seed)
            masks = [int(m) for m in rng.integers(0, 1 << k, size=self.sample_n)] if k else [0]
        names = [set(n for i, n in enumerate(order) if m >> i & 1) for m in masks]
        return [m for m, s in zip(masks, names, strict=True) if self.admissible(s)]

    def parameter_sets(self) -> list[dict[str, Any]]:
        """Every combination of the parameter axis (one empty dict if none)."""
        if not self.parameter_grid:
            return [{}]
        keys = list(self.parameter_grid)
        return [
            dict(zip(keys, values, strict=True))
            for values in itertools.product(*self.parameter_grid.values())
        ]

    def failures(self, network: Network) -> list[Failure]:
        """Return the failure axis on ``network`` (the base scenario's): none, N-1 or random draws."""
        links = [lk for lk in network.links if lk.mode in self.profile.modes]
        if self.failure_mode is None:
            return [Failure("", ())]
        if self.failure_mode == "n-1":
            return [Failure("", ())] + [
                Failure(f"{lk.line}:{lk.from_id}-{lk.to_id}", ((lk.line, lk.from_id, lk.to_id),))
                for lk in links
            ]
        if self.failure_mode == "n-1-sections":
            return [Failure("", ()), *line_sections(links)]
        rng = np.random.default_rng(self.failure_seed)
        out = [Failure("", ())]
        for draw in range(self.failure_draws):
            hit = rng.random(len(links)) < self.failure_probability
            chosen = tuple((lk.line, lk.from_id, lk.to_id) for lk, h in zip(links, hit, strict=True) if h)
            out.append(Failure(f"draw-{draw}", chosen))
        return out


def line_sections(links: list[Link]) -> list[Failure]:
    """Split each line into sections between junctions, one failure per section.

    A junction is a terminal where links of more than two neighbours meet (whatever the
    line), or where a line ends. A section is the run of one line's links between two
    junctions: what one incident on that line typically closes.
    """
    neighbours: dict[str, set[str]] = {}
    for lk in links:
        neighbours.setdefault(lk.from_id, set()).add(lk.to_id)
        neighbours.setdefault(lk.to_id, set()).add(lk.from_id)
    by_line: dict[str, list[Link]] = {}
    for lk in links:
        by_line.setdefault(lk.line, []).append(lk)
    out = []
    for line, group in by_line.items():
        line_degree: dict[str, int] = {}
        for lk in group:
            for end in (lk.from_id, lk.to_id):
                line_degree[end] = line_degree.get(end, 0) + 1
        junction = {n for n, d in line_degree.items() if d != 2 or len(neighbours[n]) > 2}
        unused = list(group)
        while unused:
            start = next((lk for lk in unused if lk.from_id in junction or lk.to_id in junction), unused[0])
            section = [start]
            unused.remove(start)
            end = start.to_id if start.from_id in junction else start.from_id
            while end not in junction:
                nxt = next((lk for lk in unused if end in (lk.from_id, lk.to_id)), None)
                if nxt is None:
                    break
                section.append(nxt)
                unused.remove(nxt)
                end = nxt.to_id if nxt.from_id == end else nxt.from_id
            first = start.from_id if start.from_id in junction else start.to_id
            label = f"{line}:{first}..{end}" if len(section) > 1 else f"{line}:{start.from_id}-{start.to_id}"
            out.append(Failure(label, tuple((lk.line, lk.from_id, lk.to_id) for lk in section)))
    return out


def parameter_overrides(values: dict[str, Any]) -> dict[str, Any]:
    """Turn ``{"line_change_min.rail": 5}`` into ``{"line_change_min": {"rail": 5}}``."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if "." in key:
            table, sub = key.split(".", 1)
            out.setdefault(table, {})[sub] = value
        else:
            out[key] = value
    return out


def load_sweep(path: str | Path, network: Network | None = None) -> SweepSpec:
    """Read and check a sweep file.

    Raises
    ------
    InputError
        For a missing or malformed file, an unknown key, mode, profile, project or parameter.
    """
    path = Path(path)
    if not path.is_file():
        from sim.bundled import sweep_file

        path = sweep_file(str(path)) or path
    data = read_toml(path)

    def fail(message: str, key: str) -> InputError:
        return InputError(message, path, line_of_key(path, key.split(".")[-1]), key)

    for key in data:
        if key not in _KEYS:
            raise fail(f"unknown key (valid: {', '.join(sorted(_KEYS))})", key)
    base_ref = str(data.get("base", "today"))
    candidate = path.parent / base_ref
    base = load_scenario(str(candidate) if candidate.is_file() else base_ref)
    if network is None:
        from sim.network import load_network

        network = load_network(base.network_folder)
    profile_name = data.get("profile", "rail")
    if profile_name not in PROFILES:
        raise fail(f"unknown profile '{profile_name}' (valid: {', '.join(PROFILES)})", "profile")
    spec: dict[str, Any] = {
        "name": check_plain_name(data.get("name", path.stem), path, line_of_key(path, "name"), "name"),
        "base": base,
        "profile": PROFILES[profile_name],
        "file": path,
        "description": str(data.get("description", "")),
    }
    projects = data.get("projects")
    if projects is not None:
        mode = projects.get("mode", "all-subsets")
        if mode not in PROJECT_MODES:
            raise fail(f"unknown mode '{mode}' (valid: {', '.join(PROJECT_MODES)})", "projects.mode")
        known = {lk.project for lk in network.links if lk.project}
        cands = projects.get("candidates", [])
        if cands == "planned":
            modes = PROFILES[profile_name].modes
            pending = (lk for lk in network.links if lk.project and lk.status != "open")
            cands = sorted({lk.project for lk in pending if lk.mode in modes})
        if not isinstance(cands, list) or not all(isinstance(c, str) for c in cands):
            raise fail('expected a list of project ids or "planned"', "projects.candidates")
        for c in cands:
            if c not in known:
                raise fail(f"unknown project id '{c}'", "projects.candidates")
        requires = {str(k): tuple(v) for k, v in projects.get("requires", {}).items()}
        excludes = tuple(tuple(g) for g in projects.get("excludes", []))
        for name in [
            *requires,
            *[r for v in requires.values() for r in v],
            *[e for g in excludes for e in g],
        ]:
            if name not in cands:
                raise fail(f"'{name}' is not among the candidates", "projects.requires")
        spec.update(
            candidates=tuple(cands),
            project_mode=mode,
            requires=requires,
            excludes=excludes,
            sample_n=int(projects.get("n", 0)),
            seed=int(projects.get("seed", 0)),
        )
        if mode == "sample" and spec["sample_n"] <= 0:
            raise fail("mode 'sample' needs n > 0", "projects.n")
    grid = data.get("parameters", {})
    checked: dict[str, tuple[Any, ...]] = {}
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise fail("expected a non-empty list of values", f"parameters.{key}")
        for v in values:
            try:
                Parameters().with_overrides(parameter_overrides({key: v}))
            except InputError as error:
                raise fail(error.message, f"parameters.{key}") from None
        checked[key] = tuple(values)
    spec["parameter_grid"] = checked
    failures = data.get("failures")
    if failures is not None:
        mode = failures.get("mode")
        if mode not in FAILURE_MODES:
            raise fail(f"unknown mode '{mode}' (valid: {', '.join(FAILURE_MODES)})", "failures.mode")
        spec.update(
            failure_mode=mode,
            failure_probability=float(failures.get("probability", 0.0)),
            failure_draws=int(failures.get("draws", 0)),
            failure_seed=int(failures.get("seed", 0)),
        )
        if mode == "random" and not (0 < spec["failure_probability"] < 1 and spec["failure_draws"] > 0):
            raise fail("random failures need 0 < probability < 1 and draws > 0", "failures.probability")
    return SweepSpec(**spec)

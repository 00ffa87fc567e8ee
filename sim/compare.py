"""Two evaluations -> what changed: OD times, target verdicts, indicators, and why.

Pure functions from two :class:`~sim.evaluate.Evaluation` objects to DataFrames;
writing and printing are the caller's job (``sim compare``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.accessibility import city_indicators, network_indicators
from sim.evaluate import Evaluation, ProfileResult
from sim.network import Link, Network
from sim.paths import node_distances, shortest_path_tree
from sim.targets import MODELLED_RUN, READINGS
from sim.verdicts import READING_ROW_COLUMNS, reading_rows

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    """Scenario ``before`` against scenario ``after``."""

    before: Evaluation
    after: Evaluation
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    @property
    def profiles(self) -> list[str]:
        """Profiles evaluated in both."""
        return [p for p in self.before.results if p in self.after.results]

    def od_changes(self) -> pd.DataFrame:
        """Per origin, destination, profile and reading: minutes before, after, the change, and why.

        ``reading`` is ``door_to_door`` or ``timetable`` (station to station). For a pair
        that gets faster, ``projects`` names the projects whose links the new itinerary
        uses and that the before scenario does not have (the projects that do it);
        ``new_links`` counts the added links it uses. A pair faster with no new link is
        faster for another reason (a parameter, a through service, a speed change).
        """
        if "od" not in self._cache:
            self._cache["od"] = self._od_changes()
        return self._cache["od"].copy()

    def _od_changes(self) -> pd.DataFrame:
        ids_a = self.before.city_ids
        ids_b = self.after.city_ids
        common = [c for c in ids_a if c in ids_b]
        ia = [ids_a.index(c) for c in common]
        ib = [ids_b.index(c) for c in common]
        added = set(self.after.network.links) - set(self.before.network.links)
        rows = []
        for profile in self.profiles:
            res_a, res_b = self.before.results[profile], self.after.results[profile]
            for reading in READINGS:
                field = "timetable_minutes" if reading == "timetable" else "minutes"
                ta = getattr(res_a, field)[np.ix_(ia, ia)]
                tb = getattr(res_b, field)[np.ix_(ib, ib)]
                why = _NewLinks(res_b, reading, self.after.network, added)
                for i, a in enumerate(common):
                    for j, b in enumerate(common):
                        if i == j:
                            continue
                        x, y = float(ta[i, j]), float(tb[i, j])
                        faster = np.isfinite(y) and (not np.isfinite(x) or y < x - 1e-9)
                        projects, n_new = why.used(ib[i], ib[j]) if faster else ((), 0)
                        main = res_b.timetable_main_line if reading == "timetable" else res_b.main_line
                        rows.append(
                            {
                                "origin": a,
                                "destination": b,
                                "profile": profile,
                                "reading": reading,
                                "before_min": _r(x),
                                "after_min": _r(y),
                                "delta_min": _r(y - x) if np.isfinite(x) and np.isfinite(y) else None,
                                "after_main_line": main(ib[i], ib[j]),
                                "projects": " + ".join(projects),
                                "new_links": n_new,
                            }
                        )
        return pd.DataFrame(rows)

    def target_changes(self) -> pd.DataFrame:
        """Per target, reading and pair (or city): verdict before and after, and the change."""
        before = self.before.targets_table()
        after = self.after.targets_table()
        keys = ["target", "reading", "origin", "destination"]
        merged = before.merge(after, on=keys, how="outer", suffixes=("_before", "_after"))
        change = np.where(
            merged["passed_before"].eq(True) & merged["passed_after"].eq(False),
            "newly missed",
            np.where(
                merged["passed_before"].eq(False) & merged["passed_after"].eq(True),
                "newly met",
                np.where(merged["passed_after"].eq(True), "still met", "still missed"),
            ),
        )
        out = merged[keys].copy()
        out["headline"] = merged["headline_after"].fillna(merged["headline_before"])
        out["before_min"] = merged["minutes_before"]
        out["after_min"] = merged["minutes_after"]
        out["passed_before"] = merged["passed_before"]
        out["passed_after"] = merged["passed_after"]
        out["close_after"] = merged["close_after"]
        out["change"] = change
        out["after_main_line"] = merged["main_line_after"]
        out["projects"] = self._projects_of_pairs(merged)
        return out

    def _projects_of_pairs(self, merged: pd.DataFrame) -> list[str]:
        """For each target row of a pair that got faster: the projects its new itineraries use."""
        od = self.od_changes()
        od = od[od["projects"] != ""]
        used: dict[tuple[str, str, str, str], set[str]] = {}
        for o, d, prof, reading, projects in zip(
            od["origin"], od["destination"], od["profile"], od["reading"], od["projects"], strict=True
        ):
            for key in ((o, d, prof, reading), (d, o, prof, reading)):
                used.setdefault(key, set()).update(projects.split(" + "))
        out = []
        for o, d, key, prof_a, prof_b, before, after in zip(
            merged["origin"],
            merged["destination"],
            merged["reading"],
            merged["profile_after"],
            merged["profile_before"],
            merged["minutes_before"],
            merged["minutes_after"],
            strict=True,
        ):
            reading = "door_to_door" if str(key).startswith("door_to_door") else str(key)
            reading = "timetable" if reading == MODELLED_RUN else reading  # freight's, computed alike
            profile = prof_a if isinstance(prof_a, str) else prof_b
            faster = pd.notna(after) and (pd.isna(before) or after < before - 0.05)
            names = used.get((o, d, profile, reading), set()) if faster else set()
            out.append(" + ".join(sorted(names)))
        return out

    def target_summary(self) -> pd.DataFrame:
        """Per target and reading (the headline first): pairs (or cities) passing before and after.

        Columns as :func:`sim.verdicts.reading_rows` for the before scenario, plus
        ``passed_after``, ``close_after``, ``close_passed_after``, ``met_after`` and, for
        length targets, ``value_after``.
        """
        columns = list(READING_ROW_COLUMNS)
        before = pd.DataFrame(reading_rows(self.before.targets), columns=columns)
        after = pd.DataFrame(reading_rows(self.after.targets), columns=columns)
        wanted = ["passed", "close", "close_passed", "met", "value"]
        right = after[["target", "reading", *wanted]].rename(columns={c: f"{c}_after" for c in wanted})
        out = before.merge(right, on=["target", "reading"], how="left")
        out["not_yet_due"] = out["target"].map({tr.target.id: tr.not_yet_due for tr in self.after.targets})
        return out

    def city_changes(self) -> pd.DataFrame:
        """Per city and profile: every indicator before, after and the change."""
        a = city_indicators(self.before)
        b = city_indicators(self.after)
        merged = a.merge(b, on=["city", "profile"], suffixes=("_before", "_after"))
        for col in [c for c in a.columns if c not in ("city", "profile")]:
            merged[f"{col}_delta"] = merged[f"{col}_after"] - merged[f"{col}_before"]
        return merged

    def network_changes(self) -> pd.DataFrame:
        """Network-wide indicators before and after, one row per profile and indicator."""
        a = network_indicators(self.before).set_index("profile")
        b = network_indicators(self.after).set_index("profile")
        rows = []
        for profile in a.index.intersection(b.index):
            for col in a.columns:
                x, y = a.loc[profile, col], b.loc[profile, col]
                rows.append({"profile": profile, "indicator": col, "before": x, "after": y, "delta": y - x})
        return pd.DataFrame(rows)

    def differences(self) -> dict[str, Any]:
        """List what differs between the two scenarios: year, projects, links, modifications, parameters."""
        sa, sb = self.before.scenario, self.after.scenario
        la, lb = set(self.before.network.links), set(self.after.network.links)
        added, removed = lb - la, la - lb
        params_a, params_b = asdict(sa.parameters), asdict(sb.parameters)
        return {
            "before": sa.name,
            "after": sb.name,
            "year": {"before": sa.year, "after": sb.year},
            "projects_added": sorted({lk.project for lk in added if lk.project}),
            "projects_removed": sorted({lk.project for lk in removed if lk.project}),
            "links_added": [_describe(lk) for lk in sorted(added, key=_key)],
            "links_removed": [_describe(lk) for lk in sorted(removed, key=_key)],
            "modifications": {
                "before": [m for m, _, _ in sa.modifications],
                "after": [m for m, _, _ in sb.modifications],
            },
            "parameters_changed": {
                k: {"before": params_a[k], "after": params_b[k]}
                for k in params_a
                if params_a[k] != params_b[k]
            },
        }


class _NewLinks:
    """Which added links (and their projects) the after itinerary of a pair uses."""

    def __init__(self, result: ProfileResult, reading: str, network: Network, added: set[Link]) -> None:
        self.graph = result.graph.timetable_view() if reading == "timetable" else result.graph
        self.links = network.links
        self.added = added
        self.trees: dict[int, object] = {}

    def used(self, i: int, j: int) -> tuple[tuple[str, ...], int]:
        """Return the projects (sorted) and the number of added links on the chosen path i -> j."""
        if not self.added:
            return (), 0
        g = self.graph
        if i not in self.trees:
            source = int(g.origin_nodes[i])
            self.trees[i] = shortest_path_tree(g, source, node_distances(g, sources=[source])[0])
        tree = self.trees[i]
        new = {
            self.links[int(g.edge_link[e])]
            for e in tree.edges_to(int(g.dest_nodes[j]))  # type: ignore[attr-defined]
            if g.edge_link[e] >= 0 and self.links[int(g.edge_link[e])] in self.added
        }
        projects = sorted({lk.project or f"(no project: {lk.line})" for lk in new})
        return tuple(projects), len(new)


def compare(before: Evaluation, after: Evaluation) -> Comparison:
    """Compare two evaluations (``before`` first)."""
    return Comparison(before, after)


def _r(x: float) -> float | None:
    return round(x, 1) if np.isfinite(x) else None


def _key(lk: Link) -> tuple[str, str, str, str]:
    return (lk.mode.value, lk.line, lk.from_id, lk.to_id)


def _describe(lk: Link) -> str:
    speed = f", {lk.speed_kmh:g} km/h" if lk.speed_kmh else ""
    project = f" [{lk.project}]" if lk.project else ""
    return f"{lk.mode.value} {lk.line} {lk.from_id}–{lk.to_id}{speed}{project}"

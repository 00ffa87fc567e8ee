"""Two evaluations -> what changed: OD times, target verdicts, indicators, and why.

Pure functions from two :class:`~sim.evaluate.Evaluation` objects to DataFrames;
writing and printing are the caller's job (``sim compare``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.accessibility import city_indicators, network_indicators
from sim.evaluate import Evaluation
from sim.network import Link

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    """Scenario ``before`` against scenario ``after``."""

    before: Evaluation
    after: Evaluation

    @property
    def profiles(self) -> list[str]:
        """Profiles evaluated in both."""
        return [p for p in self.before.results if p in self.after.results]

    def od_changes(self) -> pd.DataFrame:
        """Per origin, destination and profile: minutes before, after and the change."""
        ids_a = self.before.city_ids
        ids_b = self.after.city_ids
        common = [c for c in ids_a if c in ids_b]
        ia = [ids_a.index(c) for c in common]
        ib = [ids_b.index(c) for c in common]
        rows = []
        for profile in self.profiles:
            ta = self.before.results[profile].minutes[np.ix_(ia, ia)]
            tb = self.after.results[profile].minutes[np.ix_(ib, ib)]
            res_b = self.after.results[profile]
            for i, a in enumerate(common):
                for j, b in enumerate(common):
                    if i == j:
                        continue
                    x, y = float(ta[i, j]), float(tb[i, j])
                    rows.append(
                        {
                            "origin": a,
                            "destination": b,
                            "profile": profile,
                            "before_min": _r(x),
                            "after_min": _r(y),
                            "delta_min": _r(y - x) if np.isfinite(x) and np.isfinite(y) else None,
                            "after_main_line": res_b.main_line(ib[i], ib[j]),
                        }
                    )
        return pd.DataFrame(rows)

    def target_changes(self) -> pd.DataFrame:
        """Per target and pair (or city): verdict before and after, and the change."""
        before = self.before.targets_table()
        after = self.after.targets_table()
        keys = ["target", "origin", "destination"]
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
        out["before_min"] = merged["minutes_before"]
        out["after_min"] = merged["minutes_after"]
        out["passed_before"] = merged["passed_before"]
        out["passed_after"] = merged["passed_after"]
        out["change"] = change
        out["after_main_line"] = merged["main_line_after"]
        return out

    def target_summary(self) -> pd.DataFrame:
        """Per target: met before and after, and pairs (or cities) passing."""
        rows = []
        after = {tr.target.id: tr for tr in self.after.targets}
        for tr in self.before.targets:
            other = after.get(tr.target.id)
            rows.append(
                {
                    "target": tr.target.id,
                    "checked": len(tr.checks),
                    "passed_before": tr.n_passed,
                    "passed_after": other.n_passed if other else None,
                    "met_before": tr.met,
                    "met_after": other.met if other else None,
                }
            )
        return pd.DataFrame(rows)

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

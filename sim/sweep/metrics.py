"""Metrics of many scenarios at once, from their city-to-city minutes under both readings (vectorised)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.network import Network
from sim.targets import READINGS, Target
from sim.verdicts import checked_ids

__all__ = ["MetricSet"]

THRESHOLDS = (60, 120, 180)


@dataclass
class _TimeTarget:
    id: str
    headline: str
    i: np.ndarray
    j: np.ndarray
    threshold: float
    labels: list[str]
    keys: dict[str, str]  # reading -> the target's key for it (``modelled_run`` for freight's timetable)


class MetricSet:
    """Compiled metrics: which pairs each target checks, which cities count, their weights.

    Every travel-time target on the swept profile is counted under both readings
    (``pass_<target>:timetable``, ``pass_<target>:modelled_run`` on freight, and
    ``pass_<target>:door_to_door``); ``targets_met``
    counts targets met under their headline reading, ``targets_met:<reading>`` under one
    reading for all. Coverage targets give ``pass_<target>`` (cities or ports served).

    Parameters
    ----------
    network
        A network with every city (names, populations, plan status).
    targets
        The targets; travel-time targets on another profile than ``profile`` (and the
        readings shown beside on other profiles) and length targets are left out, listed
        in :attr:`skipped`.
    profile
        The profile swept.
    """

    def __init__(self, network: Network, targets: list[Target], profile: str) -> None:
        ids = [c.id for c in network.cities]
        index = {c: k for k, c in enumerate(ids)}
        self.city_ids = ids
        self.time_targets: list[_TimeTarget] = []
        self.coverage_targets: list[tuple[str, set[str], Target]] = []
        self.skipped: list[str] = []
        for t in targets:
            if t.kind == "travel_time":
                if t.profile != profile:
                    self.skipped.append(t.id)
                    continue
                pairs = t.pairs()
                self.time_targets.append(
                    _TimeTarget(
                        t.id,
                        t.headline,
                        np.array([index[a] for a, _ in pairs], dtype=np.int64),
                        np.array([index[b] for _, b in pairs], dtype=np.int64),
                        float(t.threshold_min or 0.0),
                        [f"{a}-{b}" for a, b in pairs],
                        {reading: key for key, reading, p in t.readings() if p == t.profile},
                    )
                )
            elif t.kind == "coverage":
                self.coverage_targets.append((t.id, set(checked_ids(t, network)), t))
            else:
                self.skipped.append(t.id)
        region = [k for k, c in enumerate(network.cities) if c.plan_status != "external" and c.population]
        self.region = np.array(region)
        self.population = np.array([network.cities[k].population for k in region], dtype=np.float64)

    @property
    def target_ids(self) -> list[str]:
        """Targets evaluated, travel-time ones first."""
        return [t.id for t in self.time_targets] + [t[0] for t in self.coverage_targets]

    @property
    def coverage(self) -> list[Target]:
        """The coverage targets counted (their served sets are the caller's input)."""
        return [t for _, _, t in self.coverage_targets]

    def checked(self) -> dict[str, int]:
        """Pairs (or cities, ports) each pass column checks, keyed by the column's suffix."""
        out = {f"{t.id}:{t.keys[r]}": len(t.i) for t in self.time_targets for r in READINGS}
        out.update({tid: len(ids) for tid, ids, _ in self.coverage_targets})
        return out

    def headline_columns(self) -> dict[str, str]:
        """Target id -> the suffix of its headline pass column."""
        out = {t.id: f"{t.id}:{t.keys[t.headline]}" for t in self.time_targets}
        out.update({tid: tid for tid, _, _ in self.coverage_targets})
        return out

    def evaluate(
        self, minutes: dict[str, np.ndarray], served: list[dict[str, set[str]]]
    ) -> dict[str, np.ndarray | list]:
        """Metrics of a batch of scenarios.

        Parameters
        ----------
        minutes
            Reading -> ``(B, n, n)`` minutes of B scenarios (``inf`` unreachable):
            ``door_to_door`` and ``timetable``.
        served
            For each scenario, coverage target id -> the ids (cities, ports) it serves.

        Returns
        -------
        dict
            Column name -> array of B values.
        """
        door = minutes["door_to_door"]
        b = door.shape[0]
        out: dict[str, np.ndarray | list] = {}
        met = {key: np.zeros(b, dtype=np.int64) for key in ("", *READINGS)}
        worst_gap = np.full(b, -np.inf)
        worst_pair = np.array([""] * b, dtype=object)
        for t in self.time_targets:
            for reading in READINGS:
                m = minutes[reading]
                times = np.maximum(m[:, t.i, t.j], m[:, t.j, t.i])
                passed = (times <= t.threshold + 1e-9).sum(axis=1)
                out[f"pass_{t.id}:{t.keys[reading]}"] = passed
                met[reading] += passed == len(t.i)
                if reading != t.headline:
                    continue
                met[""] += passed == len(t.i)
                gap = times - t.threshold
                k = np.argmax(gap, axis=1)
                g = gap[np.arange(b), k]
                better = g > worst_gap
                worst_gap = np.where(better, g, worst_gap)
                worst_pair[better] = np.array(t.labels, dtype=object)[k[better]]
        for tid, ids, _ in self.coverage_targets:
            passed = np.array([len(s.get(tid, set()) & ids) for s in served], dtype=np.int64)
            out[f"pass_{tid}"] = passed
            for key in met:
                met[key] += passed == len(ids)
        out["targets_met"] = met[""]
        for reading in READINGS:
            out[f"targets_met:{reading}"] = met[reading]
        sub = door[:, self.region][:, :, self.region]
        off = ~np.eye(len(self.region), dtype=bool)
        for h in THRESHOLDS:
            out[f"pairs_within_{h}"] = ((sub <= h) & off).sum(axis=(1, 2))
        station = minutes["timetable"][:, self.region][:, :, self.region]
        out["pairs_within_120:timetable"] = ((station <= 120) & off).sum(axis=(1, 2))
        reach = np.isfinite(sub) & off
        w = np.where(reach, self.population[None, None, :], 0.0)
        wat = (np.where(reach, sub, 0.0) * w).sum(axis=2) / np.maximum(w.sum(axis=2), 1.0)
        out["weighted_avg_min"] = np.round((wat * self.population).sum(axis=1) / self.population.sum(), 2)
        out["pairs_unreachable"] = (~np.isfinite(sub) & off).sum(axis=(1, 2))
        out["worst_pair"] = list(worst_pair)
        out["worst_gap_min"] = np.round(worst_gap, 1)
        return out

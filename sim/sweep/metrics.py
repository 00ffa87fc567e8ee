"""Metrics of many scenarios at once, from their city-to-city minutes (vectorised)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.network import Network
from sim.targets import Target

__all__ = ["MetricSet"]

THRESHOLDS = (60, 120, 180)


@dataclass
class _TimeTarget:
    id: str
    i: np.ndarray
    j: np.ndarray
    threshold: float
    labels: list[str]


class MetricSet:
    """Compiled metrics: which pairs each target checks, which cities count, their weights.

    Parameters
    ----------
    network
        A network with every city (names, populations, plan status).
    targets
        The targets; travel-time targets on other profiles than ``profile`` and those read
        ``in_vehicle`` are left out (they need itineraries), and listed in :attr:`skipped`.
    profile
        The profile swept.
    """

    def __init__(self, network: Network, targets: list[Target], profile: str) -> None:
        ids = [c.id for c in network.cities]
        index = {c: k for k, c in enumerate(ids)}
        self.city_ids = ids
        self.time_targets: list[_TimeTarget] = []
        self.coverage_targets: list[tuple[str, list[str], str, float]] = []
        self.skipped: list[str] = []
        for t in targets:
            if t.kind == "travel_time":
                if t.profile != profile or t.measure != "door_to_door":
                    self.skipped.append(t.id)
                    continue
                pairs = [p for g in t.groups for p in g.pairs()]
                self.time_targets.append(
                    _TimeTarget(
                        t.id,
                        np.array([index[a] for a, _ in pairs]),
                        np.array([index[b] for _, b in pairs]),
                        float(t.threshold_min),
                        [f"{a}-{b}" for a, b in pairs],
                    )
                )
            else:
                checked = [
                    c.id
                    for c in network.cities
                    if ((c.population or 0) >= (t.min_population or 0) and c.plan_status == "in-plan")
                    or c.id in t.also
                ]
                self.coverage_targets.append((t.id, checked, t.service or "", t.fast_rail_min_kmh))
        region = [k for k, c in enumerate(network.cities) if c.plan_status != "external" and c.population]
        self.region = np.array(region)
        self.population = np.array([network.cities[k].population for k in region], dtype=np.float64)

    @property
    def target_ids(self) -> list[str]:
        """Targets evaluated, travel-time ones first."""
        return [t.id for t in self.time_targets] + [t[0] for t in self.coverage_targets]

    def checked(self) -> dict[str, int]:
        """Pairs (or cities) each target checks."""
        out = {t.id: len(t.i) for t in self.time_targets}
        out.update({t[0]: len(t[1]) for t in self.coverage_targets})
        return out

    def evaluate(
        self, minutes: np.ndarray, served: list[dict[str, set[str]]]
    ) -> dict[str, np.ndarray | list]:
        """Metrics of a batch of scenarios.

        Parameters
        ----------
        minutes
            ``(B, n, n)`` door-to-door minutes of B scenarios (``inf`` unreachable).
        served
            For each scenario, the cities served by each coverage service.

        Returns
        -------
        dict
            Column name -> array of B values.
        """
        b = minutes.shape[0]
        out: dict[str, np.ndarray | list] = {}
        met = np.zeros(b, dtype=np.int64)
        worst_gap = np.full(b, -np.inf)
        worst_pair = np.array([""] * b, dtype=object)
        for t in self.time_targets:
            times = np.maximum(minutes[:, t.i, t.j], minutes[:, t.j, t.i])
            passed = (times <= t.threshold + 1e-9).sum(axis=1)
            out[f"pass_{t.id}"] = passed
            met += passed == len(t.i)
            gap = times - t.threshold
            k = np.argmax(gap, axis=1)
            g = gap[np.arange(b), k]
            better = g > worst_gap
            worst_gap = np.where(better, g, worst_gap)
            worst_pair[better] = np.array(t.labels, dtype=object)[k[better]]
        for tid, cities, service, _ in self.coverage_targets:
            passed = np.array([sum(c in s.get(service, set()) for c in cities) for s in served])
            out[f"pass_{tid}"] = passed
            met += passed == len(cities)
        out["targets_met"] = met
        sub = minutes[:, self.region][:, :, self.region]
        off = ~np.eye(len(self.region), dtype=bool)
        for h in THRESHOLDS:
            out[f"pairs_within_{h}"] = ((sub <= h) & off).sum(axis=(1, 2))
        reach = np.isfinite(sub) & off
        w = np.where(reach, self.population[None, None, :], 0.0)
        wat = (np.where(reach, sub, 0.0) * w).sum(axis=2) / np.maximum(w.sum(axis=2), 1.0)
        out["weighted_avg_min"] = np.round((wat * self.population).sum(axis=1) / self.population.sum(), 2)
        out["pairs_unreachable"] = (~np.isfinite(sub) & off).sum(axis=(1, 2))
        out["worst_pair"] = list(worst_pair)
        out["worst_gap_min"] = np.round(worst_gap, 1)
        return out

"""Indicator tables of an evaluation: per city and network-wide, per profile.

The arithmetic lives in :mod:`sim.indicators`; this module picks the cities (the
region: in-plan and connected cities, not the external gateways, unless asked) and
lays the results out as DataFrames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.evaluate import Evaluation
from sim.indicators import (
    DEFAULT_BETA,
    coefficient_of_variation,
    daily_accessibility,
    gini,
    potential_accessibility,
    share_within,
    unreachable_population,
    weighted_average_time,
)

__all__ = ["REGION", "city_indicators", "network_indicators"]

REGION = ("in-plan", "connected")


def _region(evaluation: Evaluation, statuses: tuple[str, ...]) -> tuple[list[int], list[str], np.ndarray]:
    cities = evaluation.network.cities
    index = [i for i, c in enumerate(cities) if c.plan_status in statuses and c.population]
    return index, [cities[i].id for i in index], np.array([cities[i].population for i in index], float)


def city_indicators(
    evaluation: Evaluation, statuses: tuple[str, ...] = REGION, beta: float = DEFAULT_BETA, alpha: float = 1.0
) -> pd.DataFrame:
    """One row per city and profile: weighted average time, potential, daily accessibility.

    Parameters
    ----------
    evaluation
        A scenario evaluation.
    statuses
        ``plan_status`` values of the cities taken as origins and destinations.
    beta, alpha
        Decay parameters of the exponential and power potentials.
    """
    index, ids, pop = _region(evaluation, statuses)
    rows = []
    for profile, res in evaluation.results.items():
        t = res.minutes[np.ix_(index, index)]
        wat = weighted_average_time(t, pop)
        pot_e = potential_accessibility(t, pop, "exponential", beta=beta)
        pot_p = potential_accessibility(t, pop, "power", alpha=alpha)
        daily = daily_accessibility(t, pop)
        lost = unreachable_population(t, pop)
        for k, cid in enumerate(ids):
            rows.append(
                {
                    "city": cid,
                    "profile": profile,
                    "weighted_avg_min": round(float(wat[k]), 1),
                    "potential_exp": round(float(pot_e[k])),
                    "potential_power": round(float(pot_p[k])),
                    "pop_within_60": int(daily[60.0][k]),
                    "pop_within_120": int(daily[120.0][k]),
                    "pop_within_180": int(daily[180.0][k]),
                    "pop_unreachable": int(lost[k]),
                }
            )
    return pd.DataFrame(rows)


def network_indicators(evaluation: Evaluation, statuses: tuple[str, ...] = REGION) -> pd.DataFrame:
    """One row per profile: share of pairs within 2 hours; mean, CV and Gini of accessibility."""
    index, _, pop = _region(evaluation, statuses)
    table = city_indicators(evaluation, statuses)
    rows = []
    for profile, res in evaluation.results.items():
        t = res.minutes[np.ix_(index, index)]
        sub = table[table["profile"] == profile]
        pot = sub["potential_exp"].to_numpy(float)
        wat = sub["weighted_avg_min"].to_numpy(float)
        finite = np.isfinite(wat)
        rows.append(
            {
                "profile": profile,
                "cities": len(index),
                "share_pairs_within_120": round(share_within(t, 120.0), 4),
                "mean_weighted_avg_min": round(float(np.average(wat[finite], weights=pop[finite])), 1)
                if finite.any()
                else float("nan"),
                "mean_potential_exp": round(float(pot.mean())),
                "cv_potential_exp": round(coefficient_of_variation(pot), 4),
                "gini_potential_exp": round(gini(pot), 4),
                "cv_weighted_avg": round(coefficient_of_variation(wat[finite]), 4),
                "gini_weighted_avg": round(gini(wat[finite]), 4),
                "cities_reaching_none": int((~finite).sum()),
                "pairs_unreachable": int((~np.isfinite(t)).sum()),
            }
        )
    return pd.DataFrame(rows)

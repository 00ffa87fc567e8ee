"""Accessibility indicators from a matrix of travel times (pure functions, no I/O).

Methods
-------
Weighted average travel time (Gutiérrez 2001, "Location, economic potential and daily
accessibility", J. Transport Geography 9(4)):
    ``A_i = sum_j T_ij P_j / sum_j P_j`` over the destinations j != i that i can reach.
Potential accessibility (Hansen 1959, "How accessibility shapes land use", JAIP 25(2)):
    ``P_i = sum_j P_j f(T_ij)`` over j != i, with ``f(t) = exp(-beta t)`` (exponential,
    default ``beta = ln 2 / 60``: an opportunity an hour away counts half) or
    ``f(t) = t ** -alpha`` (power, default ``alpha = 1``).
Daily accessibility / cumulative opportunities (Gutiérrez 2001):
    the population of the other cities reachable within 60, 120 and 180 minutes.
Equity across cities: mean, coefficient of variation (population standard deviation /
mean) and Gini coefficient of an indicator.

Unreachable pairs carry ``inf``: they add nothing to potential or daily accessibility and
are left out of the weighted average time (see :func:`unreachable_population`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "DEFAULT_BETA",
    "coefficient_of_variation",
    "daily_accessibility",
    "gini",
    "potential_accessibility",
    "share_within",
    "unreachable_population",
    "weighted_average_time",
]

DEFAULT_BETA = math.log(2) / 60.0


def _check(times: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times, dtype=float)
    p = np.asarray(population, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1] or t.shape[0] != p.shape[0]:
        raise ValueError(f"times must be (n, n) and population (n,), got {t.shape} and {p.shape}")
    return t, p


def _off_diagonal(n: int) -> np.ndarray:
    return ~np.eye(n, dtype=bool)


def weighted_average_time(times: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Population-weighted mean time from each city to the other cities it can reach (minutes).

    Unreachable destinations are left out of both sums (their population is reported by
    :func:`unreachable_population`); a city that reaches none gets ``inf``.
    """
    t, p = _check(times, population)
    reach = _off_diagonal(len(p)) & np.isfinite(t)
    w = np.where(reach, p[None, :], 0.0)
    total = np.where(reach, t, 0.0) * w
    weight = w.sum(axis=1)
    out = np.full(len(p), np.inf)
    ok = weight > 0
    out[ok] = total.sum(axis=1)[ok] / weight[ok]
    return out


def unreachable_population(times: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Return the population of the other cities each city cannot reach at all."""
    t, p = _check(times, population)
    missing = _off_diagonal(len(p)) & ~np.isfinite(t)
    return np.where(missing, p[None, :], 0.0).sum(axis=1)


def potential_accessibility(
    times: np.ndarray,
    population: np.ndarray,
    decay: str = "exponential",
    beta: float = DEFAULT_BETA,
    alpha: float = 1.0,
) -> np.ndarray:
    """Hansen potential: population of the other cities, discounted by travel time.

    Parameters
    ----------
    times
        ``(n, n)`` minutes.
    population
        ``(n,)`` persons.
    decay
        ``"exponential"`` (``exp(-beta t)``) or ``"power"`` (``t ** -alpha``).
    beta, alpha
        Decay parameters (per minute; dimensionless).
    """
    t, p = _check(times, population)
    off = _off_diagonal(len(p)) & np.isfinite(t)
    safe = np.where(off, t, 1.0)
    if decay == "exponential":
        f = np.exp(-beta * safe)
    elif decay == "power":
        if np.any(safe[off] <= 0):
            raise ValueError("power decay needs positive times between distinct cities")
        f = safe**-alpha
    else:
        raise ValueError(f"unknown decay '{decay}' (valid: exponential, power)")
    return np.where(off, f * p[None, :], 0.0).sum(axis=1)


def daily_accessibility(
    times: np.ndarray, population: np.ndarray, thresholds: tuple[float, ...] = (60.0, 120.0, 180.0)
) -> dict[float, np.ndarray]:
    """Return the population of the other cities reachable within each threshold (minutes)."""
    t, p = _check(times, population)
    off = _off_diagonal(len(p))
    return {h: np.where(off & (t <= h), p[None, :], 0.0).sum(axis=1) for h in thresholds}


def share_within(times: np.ndarray, threshold: float = 120.0) -> float:
    """Share of ordered pairs of distinct cities within ``threshold`` minutes."""
    t = np.asarray(times, dtype=float)
    off = _off_diagonal(t.shape[0])
    return float((t[off] <= threshold).mean())


def coefficient_of_variation(values: np.ndarray) -> float:
    """Return the population standard deviation divided by the mean (NaN for no values)."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0 or v.mean() == 0:
        return float("nan")
    return float(v.std() / v.mean())


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: all equal; towards 1: concentrated).

    Uses the mean absolute difference: ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mean)``.
    """
    v = np.asarray(values, dtype=float)
    if np.any(v < 0):
        raise ValueError("gini needs non-negative values")
    n = len(v)
    if n == 0 or v.sum() == 0:
        return 0.0
    return float(np.abs(v[:, None] - v[None, :]).sum() / (2 * n * n * v.mean()))

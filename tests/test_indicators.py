"""Indicators on a hand-computed three-city case."""

import math

import numpy as np
import pytest

from sim.indicators import (
    coefficient_of_variation,
    daily_accessibility,
    gini,
    potential_accessibility,
    share_within,
    unreachable_population,
    weighted_average_time,
)

# three cities, populations 100, 200, 300; times in minutes (asymmetric on purpose)
T = np.array([[0.0, 60.0, 120.0], [60.0, 0.0, 90.0], [150.0, 90.0, 0.0]])
P = np.array([100.0, 200.0, 300.0])


def test_weighted_average_time():
    # city 0: (60*200 + 120*300) / 500 = 96; city 1: (60*100 + 90*300) / 400 = 82.5
    # city 2: (150*100 + 90*200) / 300 = 110
    assert weighted_average_time(T, P) == pytest.approx([96.0, 82.5, 110.0])


def test_weighted_average_time_leaves_out_unreachable():
    t = T.copy()
    t[0, 2] = np.inf
    out = weighted_average_time(t, P)
    # city 0 reaches only city 1: 60 * 200 / 200
    assert out[0] == pytest.approx(60.0) and out[1] == pytest.approx(82.5)
    assert list(unreachable_population(t, P)) == [300, 0, 0]
    t[0, 1] = np.inf
    assert math.isinf(weighted_average_time(t, P)[0])


def test_potential_exponential_half_life_one_hour():
    # beta = ln2/60: 60 min -> 1/2, 120 -> 1/4, 90 -> 2**-1.5, 150 -> 2**-2.5
    out = potential_accessibility(T, P)
    assert out[0] == pytest.approx(200 / 2 + 300 / 4)
    assert out[1] == pytest.approx(100 / 2 + 300 * 2**-1.5)
    assert out[2] == pytest.approx(100 * 2**-2.5 + 200 * 2**-1.5)


def test_potential_power():
    out = potential_accessibility(T, P, decay="power", alpha=1.0)
    assert out[0] == pytest.approx(200 / 60 + 300 / 120)


def test_potential_ignores_unreachable():
    t = T.copy()
    t[0, 2] = np.inf
    assert potential_accessibility(t, P)[0] == pytest.approx(100.0)


def test_daily_accessibility():
    d = daily_accessibility(T, P)
    assert list(d[60.0]) == [200, 100, 0]
    assert list(d[120.0]) == [500, 400, 200]
    assert list(d[180.0]) == [500, 400, 300]


def test_share_within_two_hours():
    # 6 ordered pairs, 5 within 120 (only 150 is not)
    assert share_within(T, 120) == pytest.approx(5 / 6)


def test_equity():
    v = np.array([1.0, 1.0, 1.0, 1.0])
    assert gini(v) == 0.0 and coefficient_of_variation(v) == 0.0
    # one holds all: G = (n-1)/n
    assert gini(np.array([0.0, 0.0, 0.0, 4.0])) == pytest.approx(0.75)
    # [1, 3]: mean 2, std 1 -> CV 0.5; sum|xi-xj| = 4, G = 4 / (2*4*2) = 0.25
    assert coefficient_of_variation(np.array([1.0, 3.0])) == pytest.approx(0.5)
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)

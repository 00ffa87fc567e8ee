"""Calibration: the linear fit, leave-one-pair-out, the summary, the command and the README table.

The fit is checked against the parameters that generated the observations (the model run
with known values on the tiny network, see tests/test_graph.py for its layout), the linear
programme against a weighted median worked by hand, the linearised graph against the
graph rebuilt, and out of sample against leakage: an observation's own value must not
change its out-of-sample prediction.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration import calibrate, summarise
from sim.fitting import (
    FITTED,
    FittedParameter,
    LinearGraph,
    ObservedTrip,
    _solve,
    apply_fit,
    cross_validate,
    fit,
    modelled_minutes,
    pair_groups,
)
from sim.graph import build_graph
from sim.modes import PROFILES
from sim.network import ThroughService
from tests.conftest import HAND_PARAMETERS, TINY

PHYSICAL = HAND_PARAMETERS.with_overrides(
    {
        "stop_loss_min": {"hsr": 0.0, "intercity": 0.0, "conventional": 0.0},
        "acceleration_ms2": {"hsr": 0.4, "intercity": 0.4, "conventional": 0.4},
        "speed_factor": {"hsr": 0.95, "intercity": 0.95, "conventional": 0.95},
    }
)
TRUTH = (0.9, 0.3)  # speed factor and acceleration that generate the observations


def trip(origin, destination, observed, group=None, station=True, tolerance=0.0, bound=None):
    """A trip between two cities, station to station (timetable reading) or door to door."""
    group = group or "–".join(sorted((origin, destination)))
    ends = (
        (("tt_origin", origin), ("tt_dest", destination))
        if station
        else (("origin", origin), ("dest", destination))
    )
    return ObservedTrip(None, *ends, station, observed, tolerance, bound, group)


@pytest.fixture
def network(tiny_today):
    """The tiny network with a through service L1 > L2 at st_b (so a-c has two ride patterns)."""
    return replace(tiny_today, through_services=(ThroughService("st_b", "L1", "L2", "test"),))


def truth_minutes(network, pairs):
    graph = build_graph(network, PROFILES["rail"], apply_fit(PHYSICAL, FITTED["rail"], TRUTH))
    return [modelled_minutes(graph, trip(a, b, 1.0)) for a, b in pairs]


PAIRS = [("aa", "bb"), ("bb", "cc"), ("cc", "aa"), ("bb", "aa")]


# ------------------------------------------------------------------ the linear model


def test_linear_graph_matches_the_rebuilt_graph(network):
    lin = LinearGraph(network, "rail", PHYSICAL, FITTED["rail"])
    for values in [(0.8, 0.2), (0.9, 0.3), (1.0, 0.5), (0.85, 0.45)]:
        u = np.array([f.u(v) for f, v in zip(FITTED["rail"], values, strict=True)])
        rebuilt = build_graph(network, PROFILES["rail"], apply_fit(PHYSICAL, FITTED["rail"], values))
        assert np.max(np.abs(lin.weights(u) - rebuilt.weight)) <= 1.0  # whole seconds, rounded


def test_linear_row_is_the_station_to_station_time(network):
    lin = LinearGraph(network, "rail", PHYSICAL, FITTED["rail"])
    graph = build_graph(network, PROFILES["rail"], PHYSICAL)
    for a, b in PAIRS:
        x, c = lin.row(lin.path(lin.u0, trip(a, b, 1.0)), station_to_station=True)
        assert float(x @ lin.u0 + c) == pytest.approx(modelled_minutes(graph, trip(a, b, 1.0)), abs=0.05)


# ------------------------------------------------------------------ the linear programme


def test_fit_minimises_percentage_error_a_weighted_median_by_hand():
    # one parameter, modelled = u minutes; observed 10, 20, 30: minimising
    # |u-10|/10 + |u-20|/20 + |u-30|/30 is the median weighted 1/10, 1/20, 1/30: u = 10
    trips = [trip("a", "b", 10), trip("a", "c", 20), trip("b", "c", 30)]
    u = _solve(np.ones((3, 1)), np.zeros(3), trips, [(0.0, 100.0)])
    assert u[0] == pytest.approx(10.0)


def test_fit_takes_bounds_as_bounds_and_point_values_within_tolerance():
    # "under 20" is met by anything up to 20; the bounds start at 25: the fit takes 25
    u = _solve(np.ones((1, 1)), np.zeros(1), [trip("a", "b", 20, bound="upper")], [(25.0, 40.0)])
    assert u[0] == pytest.approx(25.0)
    # "under 20" and "about 10": 10 (the bound costs nothing there)
    trips = [trip("a", "b", 20, bound="upper"), trip("a", "c", 10, tolerance=5)]
    assert _solve(np.ones((2, 1)), np.zeros(2), trips, [(0.0, 40.0)])[0] == pytest.approx(10.0)
    # 30 ± 10: anything in 20..40 is within the tolerance; the point value decides: 30
    u = _solve(np.ones((1, 1)), np.zeros(1), [trip("a", "b", 30, tolerance=10)], [(0.0, 100.0)])
    assert u[0] == pytest.approx(30.0)


def test_fit_recovers_the_parameters_that_made_the_observations(network):
    observed = truth_minutes(network, PAIRS)
    trips = [trip(a, b, m) for (a, b), m in zip(PAIRS, observed, strict=True)]
    result = fit(trips, {None: LinearGraph(network, "rail", PHYSICAL, FITTED["rail"])})
    assert result.values == pytest.approx(TRUTH, abs=0.005)
    assert result.mape_pct == pytest.approx(0.0, abs=0.1)
    assert result.settled


def test_fitted_values_stay_in_their_physical_bounds(network):
    # observations three times too long: the fit stops at the slowest values allowed
    observed = [3 * m for m in truth_minutes(network, PAIRS)]
    trips = [trip(a, b, m) for (a, b), m in zip(PAIRS, observed, strict=True)]
    result = fit(trips, {None: LinearGraph(network, "rail", PHYSICAL, FITTED["rail"])})
    assert result.values == pytest.approx((0.80, 0.30))


# ------------------------------------------------------------------ out of sample


def test_pairs_are_held_out_together():
    trips = [trip("aa", "bb", 1), trip("bb", "aa", 1), trip("aa", "cc", 1), trip("bb", "cc", 1)]
    assert pair_groups(trips) == [[0, 1], [2], [3]]
    folds = pair_groups(trips, folds=2, seed=7)
    assert folds == pair_groups(trips, folds=2, seed=7)  # seeded: the same folds each time
    assert sorted(i for f in folds for i in f) == [0, 1, 2, 3] and len(folds) == 2
    assert any({0, 1} <= set(f) for f in folds)  # a pair is never split


def test_an_observation_does_not_predict_itself(network):
    observed = truth_minutes(network, PAIRS)
    lin = {None: LinearGraph(network, "rail", PHYSICAL, FITTED["rail"])}
    trips = [trip(a, b, m) for (a, b), m in zip(PAIRS, observed, strict=True)]
    honest = cross_validate(trips, lin, "rail")
    # the others still carry the truth: each is predicted as the truth would have it
    assert honest.modelled == pytest.approx(observed, abs=0.05)
    # a wildly wrong bb->cc changes the prediction of the others' fits, never its own
    wrong = [replace(t, observed_min=t.observed_min * 3) if t.group == "bb–cc" else t for t in trips]
    cv = cross_validate(wrong, lin, "rail")
    k = next(i for i, t in enumerate(trips) if t.group == "bb–cc")
    assert cv.modelled[k] == pytest.approx(honest.modelled[k])


def test_a_lone_pair_has_no_out_of_sample_figure(network):
    lin = {None: LinearGraph(network, "rail", PHYSICAL, FITTED["rail"])}
    cv = cross_validate([trip("aa", "bb", 60), trip("bb", "aa", 62)], lin, "rail")
    assert np.isnan(cv.modelled).all()


def test_a_scalar_parameter_fits_too(tiny_today):
    # road: door to door = 2 x road_access_min + km / 100 km/h; observations made with 12 min
    access = FittedParameter("road_access_min", (), 0.0, 30.0, reciprocal=False)
    made = build_graph(tiny_today, PROFILES["road"], PHYSICAL.with_overrides({"road_access_min": 12.0}))
    pairs = [("aa", "bb"), ("bb", "cc"), ("aa", "cc")]
    trips = [
        trip(a, b, modelled_minutes(made, trip(a, b, 1.0, station=False)), station=False) for a, b in pairs
    ]
    assert trips[0].observed_min == pytest.approx(12 + 120 + 12)
    result = fit(trips, {None: LinearGraph(tiny_today, "road", PHYSICAL, (access,))})
    assert result.values == pytest.approx((12.0,), abs=0.01)


# ------------------------------------------------------------------ summary


def test_summary_by_hand():
    table = pd.DataFrame(
        {
            "origin": ["a", "b", "c"],
            "destination": ["x", "y", "z"],
            "profile": ["rail"] * 3,
            "year": [2020, None, 2021],
            "modelled_min": [110.0, 45.0, 20.0],
            "error_min": [10.0, -5.0, 0.0],
            "error_pct": [10.0, -10.0, 0.0],
            "counted_error_min": [5.0, 0.0, 0.0],
            "counted_error_pct": [5.0, 0.0, 0.0],
            "modelled_cv_min": [120.0, 40.0, 20.0],
            "error_cv_pct": [20.0, -20.0, 0.0],
            "counted_error_cv_pct": [15.0, -16.0, 0.0],
        }
    )
    s = summarise(table)["rail"]
    assert (s["n"], s["mape"], s["worst"], s["worst_pair"]) == (3, round(20 / 3, 1), 10.0, "a–x, 2020")
    assert (s["mape_beyond_tolerance"], s["worst_beyond_tolerance"]) == (round(5 / 3, 1), 5.0)
    assert (s["mape_cv"], s["worst_cv"], s["worst_cv_pair"]) == (round(40 / 3, 1), 20.0, "a–x, 2020")
    assert (s["mape_beyond_tolerance_cv"], s["worst_beyond_tolerance_cv"]) == (round(31 / 3, 1), 16.0)
    assert (s["over_15_pct_cv"], s["over_20_pct_cv"]) == (2, 0)


# ------------------------------------------------------------------ the command


HEADER = (
    "origin,destination,profile,measure,observed_min,bound,tolerance_min,"
    "origin_terminal,destination_terminal,km,year,source\n"
)
OBSERVED = """aa,bb,rail,in_vehicle,{ab},,,,,,,made by the model with speed factor 0.9 and 0.3 m/s²
bb,cc,rail,in_vehicle,{bc},,,,,,,made by the model with speed factor 0.9 and 0.3 m/s²
cc,aa,rail,in_vehicle,{ca},,,st_c,st_a2,,,made by the model with speed factor 0.9 and 0.3 m/s²
aa,bb,road,door_to_door,150,,,,,,,test
bb,cc,road,door_to_door,80,,,,,,,test
"""


@pytest.fixture
def calibration_folder(tmp_path: Path, tiny_today) -> Path:
    net = tmp_path / "net"
    shutil.copytree(TINY, net)
    ab, bc = truth_minutes(tiny_today, [("aa", "bb"), ("bb", "cc")])
    # st_c -> st_a2 by L3, named: from cc to aa L2 + L1 with a change is nearly as fast
    graph = build_graph(tiny_today, PROFILES["rail"], apply_fit(PHYSICAL, FITTED["rail"], TRUTH))
    named = replace(trip("cc", "aa", 1.0), origin=("dep", "st_c"), destination=("arr", "st_a2"))
    ca = modelled_minutes(graph, named)
    (net / "observed_times.csv").write_text(HEADER + OBSERVED.format(ab=ab, bc=bc, ca=ca), encoding="utf-8")
    # the default parameters: PHYSICAL but for the two values the fit must find
    scenario = f'name = "tiny"\nyear = 2025\nnetwork = "{net.as_posix()}"\n'
    (tmp_path / "tiny.toml").write_text(scenario, encoding="utf-8")
    return tmp_path


def test_calibrate_json_gives_in_and_out_of_sample_figures(calibration_folder: Path, capsys):
    from sim.cli import main

    code = main(["calibrate", "--scenario", str(calibration_folder / "tiny.toml"), "--json",
                 "--out", str(calibration_folder / "out")])  # fmt: skip
    assert code == 0
    stats = json.loads(capsys.readouterr().out)
    assert set(stats) == {"rail", "road"}
    for profile, n in (("rail", 3), ("road", 2)):
        assert stats[profile]["n"] == n
        assert {"mape", "mape_cv", "worst", "worst_cv", "mape_beyond_tolerance_cv"} <= set(stats[profile])
    # the rail observations were made by the model at speed factor 0.9 and 0.3 m/s²
    assert stats["rail"]["fitted"] == pytest.approx({"speed_factor": 0.9, "acceleration_ms2": 0.3}, abs=0.005)
    assert stats["rail"]["mape_cv"] == pytest.approx(0.0, abs=0.1)
    table = pd.read_csv(calibration_folder / "out" / "calibration.csv")
    assert {"modelled_cv_min", "counted_error_cv_pct", "cv_speed_factor"} <= set(table.columns)


def test_calibrate_markdown_prints_the_readme_block(calibration_folder: Path, capsys):
    from sim.calibration_report import MARKDOWN_BEGIN, MARKDOWN_END
    from sim.cli import main

    code = main(["calibrate", "--scenario", str(calibration_folder / "tiny.toml"), "--markdown",
                 "--out", str(calibration_folder / "out")])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith(MARKDOWN_BEGIN) and out.rstrip().endswith(MARKDOWN_END)
    assert "| rail | 3 |" in out and "| road | 2 |" in out


def test_calibrate_folds_are_seeded(calibration_folder: Path, capsys):
    from sim.cli import main

    args = ["calibrate", "--scenario", str(calibration_folder / "tiny.toml"), "--json", "--folds", "2"]
    outs = []
    for k in range(2):
        assert main([*args, "--seed", "3", "--out", str(calibration_folder / f"out{k}")]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["rail"]["out_of_sample"] == "2 folds of pairs, seed 3"


def test_calibrate_compares_what_the_full_evaluation_reports(tiny_today, calibration_folder: Path):
    """The quick per-observation routing equals the all-pairs evaluation's itineraries."""
    from sim.calibration import load_observations
    from sim.evaluate import evaluate_profile
    from sim.network import load_network
    from sim.paths import station_to_station
    from sim.scenario import load_scenario

    scenario = load_scenario(str(calibration_folder / "tiny.toml"))
    full = load_network(scenario.network_folder)
    observations = load_observations(scenario.network_folder / "observed_times.csv", full)
    table = calibrate(scenario, full, observations)
    for profile in ("rail", "road"):
        res = evaluate_profile(full.as_of(2025), PROFILES[profile], scenario.parameters)
        ids = list(res.graph.city_ids)
        for _, row in table[table["profile"] == profile].iterrows():
            i, j = ids.index(row["origin"]), ids.index(row["destination"])
            slow = station_to_station(res.legs[i][j]) if profile == "rail" else res.minutes[i, j]
            assert row["modelled_min"] == pytest.approx(slow, abs=0.05)


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("aa,bb,rail,in_vehicle,60,,,st_x,,,,test", "origin_terminal", "'st_x' is not a terminal of 'aa'"),
        (
            "aa,bb,rail,in_vehicle,60,,,,st_c,,,test",
            "destination_terminal",
            "'st_c' is not a terminal of 'bb'",
        ),
        ("aa,bb,road,door_to_door,60,,,st_a,,,,test", "origin_terminal", "only for station-to-station"),
    ],
)
def test_a_bad_named_terminal_is_reported(tmp_path: Path, row: str, field: str, words: str):
    from sim.calibration import load_observations
    from sim.errors import InputErrors
    from sim.network import load_network

    path = tmp_path / "observed.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        load_observations(path, load_network(TINY))
    assert f"observed.csv:2: field '{field}'" in str(caught.value) and words in str(caught.value)


def test_the_readme_calibration_table_is_what_the_command_prints():
    """README.md holds `sim calibrate --markdown` as it prints on the bundled data, unedited."""
    from sim.calibration import calibrate_in_and_out_of_sample, load_observations
    from sim.calibration_report import MARKDOWN_BEGIN, MARKDOWN_END, markdown_table
    from sim.network import load_network
    from sim.scenario import load_scenario

    scenario = load_scenario("today")
    full = load_network(scenario.network_folder)
    observations = load_observations(scenario.network_folder / "observed_times.csv", full)
    stats = calibrate_in_and_out_of_sample(scenario, full, observations).stats
    expected = markdown_table(stats, full, scenario.name)
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index(MARKDOWN_BEGIN)
    block = readme[start : readme.index(MARKDOWN_END, start) + len(MARKDOWN_END)] + "\n"
    assert block == expected, "README out of date: paste the output of `sim calibrate --markdown`"


def test_a_parameter_that_bends_is_fitted_by_relinearising(tiny_today):
    # door to door under the half-headway policy, the first wait is min(headway / 2, cap):
    # flat in the cap above half the headway. Observations made with a 12-minute cap; the
    # fit starts at 30, where L1 (headway 30) does not feel the cap at all.
    cap = FittedParameter("first_wait_cap_min", (), 1.0, 40.0, reciprocal=False, linear=False)
    params = PHYSICAL.with_overrides({"first_wait": "half_headway", "first_wait_cap_min": 30.0})
    made = build_graph(tiny_today, PROFILES["rail"], params.with_overrides({"first_wait_cap_min": 12.0}))
    pairs = [("aa", "bb"), ("bb", "cc"), ("cc", "bb")]
    trips = [
        trip(a, b, modelled_minutes(made, trip(a, b, 1.0, station=False)), station=False) for a, b in pairs
    ]
    result = fit(trips, {None: LinearGraph(tiny_today, "rail", params, (cap,))})
    assert result.values == pytest.approx((12.0,), abs=0.05)
    assert result.mape_pct == pytest.approx(0.0, abs=0.05)

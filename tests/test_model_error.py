"""The stored model error (network/calibration.toml) is what `sim calibrate` measures now.

If this fails, the data or the running-time model changed: run `sim calibrate` and copy its
rail and road MAE (and pair counts) into network/calibration.toml, with the date and commit.
"""

import pytest

from sim.calibration import calibrate, load_observations, summarise
from sim.errors import InputError
from sim.model_error import load_model_error
from sim.network import load_network
from sim.paths import Leg
from sim.scenario import BUNDLED_NETWORK, load_scenario
from sim.tomlfile import read_toml


def test_stored_mae_matches_sim_calibrate_on_the_bundled_data():
    scenario = load_scenario("today")
    full = load_network(BUNDLED_NETWORK)
    observations = load_observations(BUNDLED_NETWORK / "observed_times.csv", full)
    measured = summarise(calibrate(scenario, full, observations))
    stored = read_toml(BUNDLED_NETWORK / "calibration.toml")
    for profile in ("rail", "road"):
        assert stored[profile]["pairs"] == measured[profile]["n"], profile
        assert stored[profile]["mae_min"] == pytest.approx(measured[profile]["mae_min"], abs=0.05), (
            f"{profile}: network/calibration.toml says {stored[profile]['mae_min']} min, "
            f"sim calibrate measures {measured[profile]['mae_min']} min: update the file"
        )
    error = load_model_error(BUNDLED_NETWORK)
    assert error is not None and error.rail_mae_min == stored["rail"]["mae_min"]


def leg(mode, minutes, kind="ride"):
    return Leg(kind, mode, "L", "a", "b", minutes, {})


def test_error_follows_the_main_leg(tmp_path):
    (tmp_path / "calibration.toml").write_text(
        "[rail]\nmae_min = 10\n[road]\nmae_min = 20\n[measured]\ncommand = 'sim calibrate'\n",
        encoding="utf-8",
    )
    error = load_model_error(tmp_path)
    assert error.for_trip([leg("hsr", 80), leg("expressway", 30, "drive")]) == 10
    assert error.for_trip([leg("hsr", 20), leg("expressway", 30, "drive")]) == 20
    assert error.for_trip([leg("air", 90)]) == 20  # not calibrated: the larger of the two
    assert load_model_error(tmp_path / "none") is None


def test_a_bad_figure_names_file_and_field(tmp_path):
    (tmp_path / "calibration.toml").write_text(
        "[rail]\nmae_min = -1\n[road]\nmae_min = 5\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"calibration\.toml:2.*rail\.mae_min"):
        load_model_error(tmp_path)

"""The model's measured error, read from ``calibration.toml`` in the network folder.

``sim calibrate`` measures how far modelled times are from observed ones (fastest
scheduled trains, driving times). Running it on every ``sim run`` would cost more than the
run, so its two mean absolute errors are stored, with how and when they were measured, in
``<network>/calibration.toml``; ``tests/test_model_error.py`` recomputes them on the
bundled data and fails when the stored figures no longer match, so a change to the data or
to the running-time model cannot leave them stale.

A verdict on a pair whose time is within this error of its threshold is a close call: the
pass or fail stands, labelled ``close``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.errors import InputError
from sim.paths import Leg
from sim.tomlfile import line_of_key, read_toml

__all__ = ["CALIBRATION_FILE", "ModelError", "load_model_error"]

CALIBRATION_FILE = "calibration.toml"
_RAIL_MODES = ("hsr", "intercity", "conventional")


@dataclass(frozen=True)
class ModelError:
    """Mean absolute errors of the model as measured by ``sim calibrate``.

    Attributes
    ----------
    rail_mae_min
        Rail: modelled station-to-station time against the fastest scheduled train.
    road_mae_min
        Road: modelled door-to-door driving time against observed driving times.
    measured
        How and when the figures were measured (command, date, commit).
    file
        The file they were read from.
    """

    rail_mae_min: float
    road_mae_min: float
    measured: str
    file: Path

    def for_trip(self, legs: list[Leg]) -> float:
        """Minutes of error to allow on a trip, by the mode of its longest ride or drive.

        Rail rides take the rail error, drives the road error; a trip whose main leg is a
        flight or a boat (modes not calibrated) takes the larger of the two.
        """
        best, best_minutes = "", -1.0
        for leg in legs:
            if leg.kind in ("ride", "drive") and leg.minutes > best_minutes:
                best, best_minutes = leg.mode, leg.minutes
        if best in _RAIL_MODES:
            return self.rail_mae_min
        if best == "expressway":
            return self.road_mae_min
        return max(self.rail_mae_min, self.road_mae_min)


def load_model_error(folder: Path) -> ModelError | None:
    """Read ``folder/calibration.toml``; None when the folder has none (no close calls then).

    Raises
    ------
    InputError
        When the file exists but a figure is missing or not a positive number.
    """
    path = Path(folder) / CALIBRATION_FILE
    if not path.is_file():
        return None
    data = read_toml(path)
    figures = {}
    for profile in ("rail", "road"):
        table = data.get(profile)
        value = table.get("mae_min") if isinstance(table, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise InputError(
                f"[{profile}] mae_min must be a positive number of minutes",
                path,
                line_of_key(path, "mae_min"),
                f"{profile}.mae_min",
            )
        figures[profile] = float(value)
    measured = data.get("measured", {})
    how = " ".join(str(measured.get(k, "")) for k in ("command", "date", "commit")).strip()
    return ModelError(figures["rail"], figures["road"], how, path)

from pathlib import Path

import pytest

from sim.network import Network, load_network
from sim.parameters import Parameters

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture
def tiny() -> Network:
    """The hand-made three-city network, every status included."""
    return load_network(TINY)


@pytest.fixture
def tiny_today(tiny: Network) -> Network:
    """The tiny network as built by 2025 (the planned line L4 excluded)."""
    return tiny.as_of(2025)


# Hand calculations in the tests use a plain running-time model, pinned here so that they
# do not move when the calibrated defaults of sim/parameters.py are refitted: a ride takes
# km / line speed, plus 2 min per hsr link, 1.5 per intercity and 3 per conventional link
# (trains reach line speed at once: an acceleration of 1e6 m/s² loses under a millisecond,
# 0 s once rounded, so no stop costs anything but the per-link minutes and dwells);
# a drive km / 100 km/h (a link's own speed where given, no cruising cap), and a city
# entrance whose access is not given 5 min + straight-line km x 1.3 at 30 km/h.
HAND = {
    "start_stop_min": {"hsr": 0.0, "intercity": 0.0, "conventional": 0.0},
    "speed_factor": {"hsr": 1.0, "intercity": 1.0, "conventional": 1.0, "expressway": 1.0},
    "stop_loss_min": {"hsr": 2.0, "intercity": 1.5, "conventional": 3.0},
    "acceleration_ms2": {"hsr": 1e6, "intercity": 1e6, "conventional": 1e6},
    "default_speed_kmh": {"expressway": 100.0},
    "expressway_cruise_kmh": 200.0,
    "road_access_min": 10.0,
    "road_entrance_fixed_min": 5.0,
    "road_entrance_speed_kmh": 30.0,
    "access_detour": 1.3,
    "lane_speed_gain_kmh": 2.4,
}
HAND_PARAMETERS = Parameters().with_overrides(HAND)
HAND_TOML_KEYS = (
    "start_stop_min = { hsr = 0.0, intercity = 0.0, conventional = 0.0 }\n"
    "speed_factor = { hsr = 1.0, intercity = 1.0, conventional = 1.0, expressway = 1.0 }\n"
    "stop_loss_min = { hsr = 2.0, intercity = 1.5, conventional = 3.0 }\n"
    "acceleration_ms2 = { hsr = 1e6, intercity = 1e6, conventional = 1e6 }\n"
    "default_speed_kmh = { expressway = 100.0 }\n"
    "expressway_cruise_kmh = 200.0\n"
    "road_access_min = 10.0\n"
    "road_entrance_fixed_min = 5.0\n"
    "road_entrance_speed_kmh = 30.0\n"
    "access_detour = 1.3\n"
    "lane_speed_gain_kmh = 2.4\n"
)


def with_hand_parameters(text: str) -> str:
    """Add the pinned running-time parameters to a scenario file's text."""
    if "[parameters]\n" in text:
        return text.replace("[parameters]\n", "[parameters]\n" + HAND_TOML_KEYS, 1)
    return text.rstrip("\n") + "\n\n[parameters]\n" + HAND_TOML_KEYS


def with_town(
    folder: Path, towns: dict[str, str], *, lat_lon: dict[str, tuple[float, float]] | None = None
) -> None:
    """Give ``folder/terminals_rail.csv`` (the tiny network's layout) a ``town`` column after ``city``.

    ``towns`` by station id (others empty); ``lat_lon`` moves some stations.
    """
    path = folder / "terminals_rail.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,city,name_zh,name_en,lat,lon,"), lines[0]
    out = [lines[0].replace("id,city,", "id,city,town,", 1)]
    for line in lines[1:]:
        cells = line.split(",")
        if lat_lon and cells[0] in lat_lon:
            cells[4:6] = [str(v) for v in lat_lon[cells[0]]]
        cells.insert(2, towns.get(cells[0], ""))
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")

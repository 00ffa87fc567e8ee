"""Target verdicts on the tiny network, against hand-computed times."""

from pathlib import Path

import pytest

from sim.errors import InputError
from sim.evaluate import evaluate
from sim.scenario import Scenario
from tests.conftest import HAND_PARAMETERS

TINY = Path(__file__).parent / "data" / "tiny"

TARGETS = """
[sets]
pair = ["aa", "bb"]
all3 = ["aa", "bb", "cc"]

[[target]]
id = "ab-2h"
title = "aa and bb within 2 hours"
source = "test"
kind = "travel_time"
profile = "rail"
threshold_min = 120
pairs = [{ among = "pair" }]

[[target]]
id = "all-2h"
title = "all within 2 hours"
source = "test"
kind = "travel_time"
threshold_min = 120
pairs = [{ from = "aa", to = "all3" }]

[[target]]
id = "ab-1h-onboard"
title = "aa-bb within an hour on board"
source = "test"
kind = "travel_time"
measure = "in_vehicle"
threshold_min = 61
pairs = [{ among = "pair" }]

[[target]]
id = "rail-300k"
title = "rail to every city over 300,000"
source = "test"
kind = "coverage"
service = "fast_rail"
min_population = 300000
"""


def run(tmp_path: Path, text: str = TARGETS):
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    scenario = Scenario(
        name="t", year=2025, targets_file=path, network_folder=TINY, parameters=HAND_PARAMETERS
    )
    return {tr.target.id: tr for tr in evaluate(scenario).targets}


def test_travel_time_verdicts(tmp_path):
    res = run(tmp_path)
    # aa-bb 112 min by hand (test_graph): met
    assert res["ab-2h"].met and res["ab-2h"].checks[0].minutes == pytest.approx(112)
    # aa-cc 158 min: missed by 38
    all2 = res["all-2h"]
    assert not all2.met and all2.n_passed == 1
    miss = next(c for c in all2.checks if not c.passed)
    assert (miss.origin, miss.destination) == ("aa", "cc")
    assert miss.gap_min == pytest.approx(38)
    assert miss.main_line == "L3"


def test_in_vehicle_measure(tmp_path):
    # on board aa-bb: 300 km at 300 km/h + 2 min stop loss = 62 > 61
    check = run(tmp_path)["ab-1h-onboard"].checks[0]
    assert check.minutes == pytest.approx(62) and not check.passed


def test_coverage_counts_only_cities_above_the_threshold(tmp_path):
    cov = run(tmp_path)["rail-300k"]
    # cc has 200,000 people: not checked; aa and bb are on hsr lines
    assert [c.origin for c in cov.checks] == ["aa", "bb"] and cov.met


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ('pairs = [{ among = "nowhere" }]', "pairs"),
        ("threshold_min = -5", "threshold_min"),
        ('profile = "bicycle"', "profile"),
    ],
)
def test_bad_targets_name_the_field(tmp_path, bad, field):
    key = bad.split(" =")[0]
    lines = [ln for ln in TARGETS.splitlines()]
    first = next(i for i, ln in enumerate(lines) if ln.startswith(key))
    lines[first] = bad
    with pytest.raises(InputError) as info:
        run(tmp_path, "\n".join(lines))
    assert "targets.toml" in str(info.value) and f"'{field}'" in str(info.value)

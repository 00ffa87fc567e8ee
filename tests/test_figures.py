"""Figures read as a planner reads them: labels apart, bounded scales, names not ids."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.text import Annotation

from sim import figures
from sim.network import load_network
from sim.scenario import apply_scenario, load_scenario
from tests.conftest import TINY


@pytest.fixture(scope="module")
def today():
    scenario = load_scenario("today")
    full = load_network(scenario.network_folder)
    return apply_scenario(scenario, full), full


def _label_boxes(fig) -> dict[str, object]:
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    return {
        a.get_text(): a.get_window_extent(renderer)
        for a in ax.texts
        if isinstance(a, Annotation) and a.get_text()
    }


def test_city_labels_do_not_overlap(today) -> None:
    net, full = today
    boxes = _label_boxes(figures.plot_network(net, context=full, title="t"))
    assert {"黄冈", "鄂州", "株洲", "湘潭"} <= set(boxes)
    overlaps = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2) if ba.overlaps(bb)]
    assert overlaps == []


def test_change_map_scale_is_one_sided_when_every_change_is_a_gain(today) -> None:
    net, _ = today
    gains = {c.id: -float(k + 1) for k, c in enumerate(net.cities)}
    fig = figures.plot_change_map(net, gains, "t", "minutes")
    points = fig.axes[0].collections[-1]
    assert points.norm.vmax == 0 and points.norm.vmin <= float(points.get_array().min()) < 0
    mixed = dict(gains, wuhan=25.0)
    norm = figures.plot_change_map(net, mixed, "t", "minutes").axes[0].collections[-1].norm
    assert norm.vmin == -norm.vmax  # diverging, centred on no change


def test_change_map_draws_and_counts_new_links(today) -> None:
    net, full = today
    added = [lk for lk in full.links if lk not in set(net.links)][:3]
    fig = figures.plot_change_map(net, {"wuhan": -5.0}, "t", "minutes", added=added)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(text.startswith("new links (3") for text in legend)


def test_failure_scale_never_reaches_black(today) -> None:
    net, _ = today
    links = [(lk.line, lk.from_id, lk.to_id) for lk in net.links[:4]]
    delays = {links[0]: 10.0, links[1]: 200.0, links[2]: float("inf")}
    fig = figures.plot_failure_map(net, delays, "t")
    solids = fig.axes[1].collections[0]  # the colour bar's swatches
    darkest = min(sum(to_rgb(solids.cmap(x))) for x in np.linspace(0, 1, 21))
    assert darkest > 0.3  # black, which means "disconnected", is (0, 0, 0)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "failure disconnects city pairs" in legend


def test_travel_time_colour_classes_are_bounded() -> None:
    net = load_network(TINY).as_of(2025)
    minutes = {"bb": 70.0, "cc": 400.0}
    fig = figures.plot_travel_time_map(net, minutes, "aa", "t")
    cax = fig.axes[1]
    ticks = list(cax.get_yticks())
    assert ticks[-1] >= 400.0 and cax.get_ylim()[1] == ticks[-1]  # the top class has a bound
    labels = [t.get_text() for t in cax.get_yticklabels()]
    assert labels[-1] == f"{ticks[-1]:.0f}"


def test_sweep_charts_show_names_and_note_left_out_projects() -> None:
    values = pd.DataFrame(
        {
            "project": ["a_hsr", "b_hsr"],
            "metric": "weighted_avg_min",
            "alone": [1.0, 2.0],
            "last": [1.0, 2.0],
            "shapley": [1.0, 2.0],
        }
    )
    fig = figures.plot_project_values(values, "weighted_avg_min", "t", {"a_hsr": "甲高铁", "b_hsr": "乙高铁"})
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["甲高铁", "乙高铁"]
    order = pd.DataFrame(
        {
            "step": [1],
            "add": ["b_hsr"],
            "weighted_avg_min": [100.0],
            "gain": [5.0],
            "targets_met": [1],
            "pairs_within_120": [2],
        }
    )
    fig = figures.plot_build_order(
        order, "weighted_avg_min", "t", {"a_hsr": "甲高铁", "b_hsr": "乙高铁"}, {"a_hsr": "excludes 乙高铁"}
    )
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["base network", "+ 乙高铁"]
    assert any("甲高铁 (excludes 乙高铁)" in t.get_text() for t in fig.texts)


def test_map_folder_is_deterministic(tmp_path: Path) -> None:
    from dataclasses import replace

    from sim.evaluate import evaluate
    from sim.modes import PROFILES
    from sim.results import write_map

    scenario = replace(
        load_scenario("today"),
        network_folder=TINY,
        year=2025,
        targets_file=None,
        profiles=(PROFILES["rail"],),
    )
    result = evaluate(scenario)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        write_map(result, "aa", "rail", tmp_path / name)
    for file in ("map.png", "map.svg", "isochrones.geojson", "minutes.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file

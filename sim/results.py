"""What each command writes into its results folder (tables and pictures).

Called with a temporary folder by :func:`sim.output.atomic_folder`, so a folder appears
only complete. Figures are saved as PNG and SVG with fixed metadata, so that the same
inputs give byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.accessibility import city_indicators, network_indicators
from sim.compare import Comparison
from sim.evaluate import Evaluation
from sim.figures.bounds import MAX_HEATMAP_CITIES, drawable
from sim.network import Network
from sim.output import write_csv, write_json
from sim.verdicts import READING_ROW_COLUMNS, reading_rows

__all__ = [
    "RUN_FILES",
    "change_maps",
    "network_map",
    "rail_od_heatmap",
    "save_figure",
    "write_comparison",
    "write_map",
    "write_run",
]

RUN_FILES = (
    "travel_times.csv",
    "itineraries.csv",
    "targets.csv",
    "indicators.csv",
    "network_indicators.csv",
    "summary.json",
    "network.png",
    "network.svg",
    "od_rail.png",
    "od_rail.svg",
    "targets.png",
    "targets.svg",
)


def save_figure(fig: Figure, folder: Path, stem: str) -> None:
    """Save ``fig`` as ``stem.png`` and ``stem.svg`` with reproducible metadata."""
    with matplotlib.rc_context({"svg.hashsalt": "sim", "svg.fonttype": "path"}):
        fig.savefig(folder / f"{stem}.png", metadata={"Software": None})
        fig.savefig(folder / f"{stem}.svg", metadata={"Date": None, "Creator": None})


def network_map(result: Evaluation, full: Network) -> Figure:
    """Return the scenario's network map, the links not in it dashed.

    On large networks links are merged on a grid (:func:`sim.figures.bounds.drawable`),
    and the title says so.
    """
    from sim import figures

    s = result.scenario
    built = f"as built by end of {s.year}" if s.year else "open today"
    network, context, note = drawable(result.network, full)
    title = f"{s.name}: network {built}" + (f"\n({note})" if note else "")
    return figures.plot_network(network, context=context, title=title)


def rail_od_heatmap(result: Evaluation) -> Figure | None:
    """Return the rail door-to-door matrix of the region's cities (None without rail)."""
    from sim import figures

    if "rail" not in result.results:
        return None
    cities = figures.od_order([c for c in result.network.cities if c.plan_status != "external"])
    if len(cities) > MAX_HEATMAP_CITIES:
        return None
    index = [result.city_ids.index(c.id) for c in cities]
    matrix = result.results["rail"].minutes[np.ix_(index, index)]
    return figures.plot_od_heatmap(cities, matrix, f"{result.scenario.name}: rail, door to door")


def change_maps(comparison: Comparison) -> dict[str, Figure]:
    """Return, per profile, the map of the change in each city's weighted average time."""
    from sim import figures

    a, b = comparison.before.scenario.name, comparison.after.scenario.name
    cities = comparison.city_changes()
    from sim.geo.layers import added_and_removed

    added, removed = added_and_removed(comparison.before.network, comparison.after.network)
    out = {}
    for profile in comparison.profiles:
        rows = cities[cities["profile"] == profile]
        change = dict(zip(rows["city"], rows["weighted_avg_min_delta"], strict=True))
        out[profile] = figures.plot_change_map(
            drawable(comparison.after.network, max_cities=None)[0],
            change,
            f"{a} → {b}: change in population-weighted average door-to-door time ({profile})",
            "minutes, after − before (negative: faster)",
            added=added,
            removed=removed,
        )
    return out


def target_counts(result: Evaluation) -> pd.DataFrame:
    """Return one row per target and reading: pairs (or cities) checked, passing, close."""
    return pd.DataFrame(reading_rows(result.targets), columns=list(READING_ROW_COLUMNS))


def write_run(
    result: Evaluation, full: Network, folder: Path, progress: Callable[[str], None] | None = None
) -> None:
    """Write the results of ``sim run`` (see :data:`RUN_FILES`).

    ``progress`` is called with a line of text before each table and figure. On large
    networks the network map merges links on a grid and says so in its title; the
    origin-destination picture is skipped beyond :data:`~sim.figures.bounds.MAX_HEATMAP_CITIES`
    cities (``progress`` is told).
    """
    from sim import figures

    say = progress or (lambda _message: None)
    say("writing tables")
    write_csv(result.travel_times(), folder / "travel_times.csv")
    write_csv(result.itineraries(), folder / "itineraries.csv")
    write_csv(result.targets_table(), folder / "targets.csv")
    write_csv(city_indicators(result), folder / "indicators.csv")
    write_csv(network_indicators(result), folder / "network_indicators.csv")
    write_json(result.summary(), folder / "summary.json")
    say("drawing network.png/.svg")
    save_figure(network_map(result, full), folder, "network")
    heatmap = rail_od_heatmap(result)
    if heatmap is not None:
        say("drawing od_rail.png/.svg")
        save_figure(heatmap, folder, "od_rail")
    elif "rail" in result.results:
        say(
            f"od_rail.png/.svg skipped: more than {MAX_HEATMAP_CITIES} cities cannot be drawn legibly "
            "(travel_times.csv has every pair)"
        )
    if not result.targets:
        say("targets.png/.svg skipped: the scenario checks no targets")
        return
    say("drawing targets.png/.svg")
    save_figure(
        figures.plot_targets(target_counts(result), f"{result.scenario.name}: targets met"), folder, "targets"
    )


def write_comparison(comparison: Comparison, folder: Path) -> None:
    """Write the results of ``sim compare``: changes per pair, target, city and network."""
    from sim import figures

    a, b = comparison.before.scenario.name, comparison.after.scenario.name
    write_csv(comparison.od_changes(), folder / "od_changes.csv")
    write_csv(comparison.target_changes(), folder / "target_changes.csv")
    summary = comparison.target_summary()
    write_csv(summary, folder / "target_summary.csv")
    write_csv(comparison.city_changes(), folder / "city_changes.csv")
    write_csv(comparison.network_changes(), folder / "network_changes.csv")
    write_json(comparison.differences(), folder / "differences.json")
    for profile, fig in change_maps(comparison).items():
        save_figure(fig, folder, f"change_{profile}")
    save_figure(figures.plot_targets(summary, f"targets met: {a} (light) → {b} (dark)"), folder, "targets")


def write_map(
    result: Evaluation, origin: str, profile: str, folder: Path, speed_kmh: float | None = None
) -> None:
    """Write the travel-time map from one city, its table of minutes and its isochrones.

    ``isochrones.geojson`` holds the 60/120/180-minute polygons drawn on the map (see
    :func:`sim.geo.isochrones`; ``speed_kmh`` overrides their straight-line speed).
    """
    from sim import figures
    from sim.export.geojson import geojson_text, layer_collection
    from sim.geo import isochrone_layer, isochrones

    res = result.results[profile]
    i = result.city_ids.index(origin)
    minutes = {c: float(res.minutes[i, j]) for j, c in enumerate(result.city_ids) if c != origin}
    city = result.network.city_by_id[origin]
    title = f"{result.scenario.name}: door-to-door minutes from {city.name_zh} {city.name_en} ({profile})"
    isos = isochrones(result, origin, profile, speed_kmh=speed_kmh)
    network = drawable(result.network, max_cities=None)[0]
    save_figure(figures.plot_travel_time_map(network, minutes, origin, title, isochrones=isos), folder, "map")
    layer = isochrone_layer(isos, origin, profile, result.scenario.name)
    (folder / "isochrones.geojson").write_text(geojson_text(layer_collection(layer)), encoding="utf-8")
    table = pd.DataFrame(
        [
            {"origin": origin, "destination": c, "profile": profile, "minutes": round(m, 1)}
            for c, m in minutes.items()
        ]
    )
    write_csv(table, folder / "minutes.csv")

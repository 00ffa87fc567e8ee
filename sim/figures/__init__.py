"""Matplotlib figures. Every function returns a Figure; saving is the caller's job.

Nothing here touches pyplot or the matplotlib backend: figures are built with
``matplotlib.figure.Figure`` directly, so importing ``sim`` never changes global state.
"""

from sim.figures.charts import (
    od_order,
    plot_build_order,
    plot_calibration,
    plot_od_heatmap,
    plot_project_values,
    plot_targets,
)
from sim.figures.maps import plot_change_map, plot_failure_map, plot_network, plot_travel_time_map

__all__ = [
    "od_order",
    "plot_build_order",
    "plot_calibration",
    "plot_change_map",
    "plot_failure_map",
    "plot_network",
    "plot_od_heatmap",
    "plot_project_values",
    "plot_targets",
    "plot_travel_time_map",
]

"""Matplotlib figures. Every function returns a Figure; saving is the caller's job.

Nothing here touches pyplot or the matplotlib backend: figures are built with
``matplotlib.figure.Figure`` directly, so importing ``sim`` never changes global state.
"""

from sim.figures.charts import plot_calibration
from sim.figures.maps import plot_network

__all__ = ["plot_calibration", "plot_network"]

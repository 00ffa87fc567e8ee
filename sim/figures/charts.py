"""Charts: observed against modelled times, OD matrices, target verdicts."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.figures.style import with_fonts

__all__ = ["plot_calibration"]


@with_fonts
def plot_calibration(table: pd.DataFrame) -> Figure:
    """Observed against modelled minutes, one panel per profile, with the 1:1 line and ±10 %.

    Parameters
    ----------
    table
        From :func:`sim.calibration.calibration_table`.
    """
    profiles = sorted(table["profile"].unique())
    fig = Figure(figsize=(6 * max(len(profiles), 1), 5.6), dpi=110)
    axes = fig.subplots(1, max(len(profiles), 1), squeeze=False)[0]
    for ax, profile in zip(axes, profiles, strict=False):
        group = table[table["profile"] == profile].dropna(subset=["modelled_min"])
        top = float(max(group["observed_min"].max(), group["modelled_min"].max())) * 1.08
        xs = [0, top]
        ax.fill_between(xs, [0, top * 0.9], [0, top * 1.1], color="#dddddd", label="±10 %")
        ax.plot(xs, xs, color="#555555", lw=1, label="modelled = observed")
        counted = group["counted_error_min"].abs() > 0
        ax.errorbar(
            group["observed_min"],
            group["modelled_min"],
            xerr=group["tolerance_min"],
            fmt="none",
            ecolor="#999999",
            elinewidth=0.8,
            zorder=2,
        )
        ax.scatter(
            group.loc[~counted, "observed_min"],
            group.loc[~counted, "modelled_min"],
            s=22,
            color="#1f77b4",
            zorder=3,
            label="within tolerance",
        )
        ax.scatter(
            group.loc[counted, "observed_min"],
            group.loc[counted, "modelled_min"],
            s=22,
            color="#d62728",
            zorder=3,
            label="error beyond tolerance",
        )
        worst = group.reindex(group["counted_error_pct"].abs().sort_values(ascending=False).index).head(5)
        for _, row in worst.iterrows():
            if abs(row["counted_error_pct"]) > 0:
                ax.annotate(
                    f"{row['origin']}–{row['destination']}",
                    (row["observed_min"], row["modelled_min"]),
                    xytext=(4, -10),
                    textcoords="offset points",
                    fontsize=7,
                    color="#d62728",
                )
        measure = "station to station, fastest train" if profile == "rail" else "door to door, driving"
        ax.set_title(f"{profile}: {len(group)} pairs ({measure})", fontsize=11)
        ax.set_xlabel("observed minutes")
        ax.set_ylabel("modelled minutes")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_aspect("equal")
        ax.grid(color="#eeeeee", lw=0.5)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig

"""What a sweep's project sets cost against what they achieve: the Pareto frontiers."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.figures.style import HALO, with_fonts

__all__ = ["plot_pareto"]

PANELS = (
    ("targets_met", "targets met"),
    ("weighted_avg_min", "population-weighted average door-to-door time (min)"),
)


@with_fonts
def plot_pareto(
    sets: pd.DataFrame,
    frontier: pd.DataFrame,
    n_targets: int,
    title: str,
    unpriced: list[str],
    names: dict[str, str] | None = None,
) -> Figure:
    """Investment against targets met and against the average time, every priced set and the frontier.

    Parameters
    ----------
    sets
        Every project set of known cost: ``cost_yi_yuan``, ``targets_met``,
        ``weighted_avg_min``.
    frontier
        :func:`sim.sweep.costs.pareto_frontier`: the frontier sets (``priced``, numbered and
        listed under the panels) and the sets of unknown cost that might be on it
        (``at least``: drawn hollow at the cost of their priced projects, with an arrow:
        they cost more by an unknown amount).
    n_targets
        Number of targets swept (the top of the left panel).
    title
        Figure title.
    unpriced
        The projects of unknown cost (named under the title).
    names
        ``id -> name`` used in the listing and the title (see
        :func:`sim.naming.project_names`); ids without a name are shown as they are.
    """
    names = names or {}

    def named(projects: str, unknown: set[str] = frozenset()) -> str:
        """Name a set as pareto.csv writes it (``a + b``, or the empty set's words); ``?``: unknown cost."""
        return " + ".join(names.get(p, p) + ("?" if p in unknown else "") for p in projects.split(" + "))

    lines = min(len(frontier), MAX_LISTED + 1)
    fig = Figure(figsize=(14, 6.4 + 0.14 * lines), dpi=110)
    grid = fig.add_gridspec(2, 2, height_ratios=(5, 0.2 + 0.14 * lines))
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])]
    notes = fig.add_subplot(grid[1, :])
    notes.axis("off")
    listing: list[str] = []
    span = (
        float(np.nanmax(sets["cost_yi_yuan"])) if len(sets) and np.nanmax(sets["cost_yi_yuan"]) > 0 else 1.0
    )
    for ax, (metric, label) in zip(axes, PANELS, strict=True):
        ax.scatter(
            sets["cost_yi_yuan"],
            sets[metric],
            s=10 if len(sets) < 5000 else 3,
            color="#999999",
            alpha=0.5,
            lw=0,
            rasterized=True,
            label=f"every admissible set of known cost ({len(sets):,})",
        )
        front = frontier[frontier["frontier"] == metric]
        priced = front[front["cost_status"] == "priced"]
        ax.step(
            priced["cost_yi_yuan"],
            priced[metric],
            where="post",
            color="#1f77b4",
            lw=1.4,
            marker="o",
            ms=5,
            label=f"Pareto frontier ({len(priced)} sets)",
        )
        lower = front[front["cost_status"] == "at least"]
        if len(lower):
            ax.scatter(
                lower["cost_yi_yuan"],
                lower[metric],
                s=40,
                facecolors="none",
                edgecolors="#d62728",
                lw=1.0,
                zorder=4,
                label=f"with a project of unknown cost: cost at least ({len(lower)})",
            )
            for k, (_, r) in enumerate(lower.iterrows(), start=1):
                ax.annotate(
                    "",
                    (r["cost_yi_yuan"] + 0.05 * span, r[metric]),
                    (r["cost_yi_yuan"], r[metric]),
                    arrowprops={"arrowstyle": "->", "color": "#d62728", "lw": 0.8},
                )
                ax.annotate(
                    f"{'TU' if metric == 'targets_met' else 'AU'}{k}",
                    (r["cost_yi_yuan"], r[metric]),
                    xytext=(4, -11 if k % 2 else 5),  # alternate below and above: neighbours crowd
                    textcoords="offset points",
                    fontsize=8,
                    color="#d62728",
                    path_effects=HALO,
                )
        tag = "T" if metric == "targets_met" else "A"
        for k, (_, r) in enumerate(priced.iterrows(), start=1):
            ax.annotate(
                f"{tag}{k}",
                (r["cost_yi_yuan"], r[metric]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
                color="#1f77b4",
                path_effects=HALO,
            )
            value = f"{int(r[metric])} targets" if metric == "targets_met" else f"{r[metric]:.1f} min"
            listing.append(f"{tag}{k}: {r['cost_yi_yuan']:,.0f} 亿元, {value}: {named(str(r['projects']))}")
        for k, (_, r) in enumerate(lower.iterrows(), start=1):
            value = f"{int(r[metric])} targets" if metric == "targets_met" else f"{r[metric]:.1f} min"
            unknown = set(str(r["unpriced"]).split(", "))
            marked = named(str(r["projects"]), unknown)
            cost = f"{r['cost_yi_yuan']:,.0f} 亿元 + the unknown cost of {len(unknown)}"
            listing.append(f"{tag}U{k}: {cost}, {value}: {marked}")
        if metric == "targets_met":
            ax.set_yticks(range(n_targets + 1))
            ax.set_ylim(-0.3, n_targets + 0.6)
        ax.set_xlabel("investment (亿元; each project's figure in the prices of its year)")
        ax.set_ylabel(label)
        ax.grid(color="#eeeeee", lw=0.5)
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
    if any("U" in line.split(":")[0] for line in listing):
        listing.append("?: cost unknown")
    shown = listing[:MAX_LISTED]
    if len(listing) > MAX_LISTED:
        shown.append(f"... {len(listing) - MAX_LISTED} more in pareto.csv")
    notes.text(
        0.0,
        1.0,
        "\n".join(textwrap.shorten(line, 190, placeholder=" ...") for line in shown),
        va="top",
        fontsize=7,
        family=None,
    )
    missing = ", ".join(names.get(p, p) for p in unpriced) if unpriced else "none"
    fig.suptitle(
        title
        + "\n"
        + textwrap.shorten(f"projects of unknown cost ({len(unpriced)}): {missing}", 180, placeholder=" ..."),
        fontsize=10,
    )
    fig.tight_layout()
    return fig


MAX_LISTED = 16

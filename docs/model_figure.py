"""The README's figure of the model at rest: ``docs/model.png``, drawn from a results folder.

The status quo must not drift by itself (docs/ODD.md section 5), so that every effect the
model reports is a difference from a flat baseline. The figure shows it: weekly means over
replicates, with 95% confidence bands, of a few state variables of ``traditional`` beside a
scenario that changes the world (a time bank), from week 0 (the end of the warm-up) on.

Made from a real run, nothing else::

    coprod compare traditional timebank --replicates 10 --out results/rest
    python docs/model_figure.py results/rest docs/model.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from scipy import stats

import coprod
from coprod.experiments.reports.figures import label

PANELS = (
    "users_in_care",
    "wemwbs_mean",
    "agency_mean",
    "package_hours",
    "carer_strain_mean",
    "cost_week",
)


def bands(timeseries: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean and 95% t-interval over replicates, per scenario and week."""
    grouped = timeseries.groupby(["scenario", "week"], observed=True)[metric]
    summary = grouped.agg(["mean", "sem", "count"]).reset_index()
    half = summary["sem"] * stats.t.ppf(0.975, summary["count"] - 1)
    return summary.assign(lo=summary["mean"] - half, hi=summary["mean"] + half)


def draw(folder: Path, out: Path) -> Path:
    """The six panels of :data:`PANELS`, one line and band per scenario."""
    timeseries = coprod.load(folder).timeseries
    fig, axes = plt.subplots(2, 3, figsize=(9.0, 4.8), sharex=True, layout="constrained")
    for ax, metric in zip(axes.flat, PANELS, strict=True):
        for scenario, d in bands(timeseries, metric).groupby("scenario", observed=True):
            (line,) = ax.plot(d["week"], d["mean"], lw=1.3, label=str(scenario))
            ax.fill_between(d["week"], d["lo"], d["hi"], color=line.get_color(), alpha=0.2, lw=0)
        ax.set_title(label(metric), fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("week after the warm-up", fontsize=8)
    axes.flat[0].legend(fontsize=7, frameon=False)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python docs/model_figure.py RESULTS_FOLDER OUT.png")
    print(draw(Path(sys.argv[1]), Path(sys.argv[2])))

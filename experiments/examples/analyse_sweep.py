"""Start here to analyse a sweep in pandas: load it, group it, pair it, plot it.

    coprod sweep experiments/examples/power_timebank.toml --out results/power_timebank
    python experiments/examples/analyse_sweep.py results/power_timebank

Prints a few tables and writes figures to RESULTS_DIR/analysis/. Copy it and change it: every
step is ordinary pandas on the tables of ``coprod.load`` (their columns are documented in
the folder's DATA.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import seaborn as sns

import coprod
from coprod.experiments.reports.analysis import (
    coordinates,
    cost_crossing,
    heatmap,
    response_curves,
    summarise,
    varied,
)


def main(folder: Path) -> None:
    res = coprod.load(folder)
    params = varied(res)  # the parameters in the experiment file's [vary]
    if not params:
        raise SystemExit(f"{folder} is not a sweep (its job varied no parameter)")
    baseline = res.manifest["job"].get("baseline")
    out = folder / "analysis"
    out.mkdir(exist_ok=True)
    print(f"{len(res.runs)} runs; varied: {', '.join(params)}; baseline: {baseline}\n")
    print("Design points:")
    print(coordinates(res).to_string(), "\n")

    # 1. One row per run: parameters and run summaries are columns, so groupby just works.
    # Every row of every table carries its design point's values of the varied parameters,
    # the baseline's too (the baseline ran with its own policy levers, but it is paired with
    # the point it ran beside), so grouping by a varied parameter lines the arms up.
    by_point = res.runs.groupby([*params, "scenario"], observed=True)["total_cost"].mean()
    print("Mean cost over the horizon (GBP):")
    print(by_point.unstack("scenario").round(0).to_string(), "\n")

    # 2. Tidy means with 95% CIs across replicates ("end" = the last 8 weeks): one row per
    # scenario, design point and metric, ready for filtering, pivoting or plotting.
    table = summarise(res, metrics=["wemwbs_mean", "dependence"], window="end")
    wellbeing = table[table["metric"] == "wemwbs_mean"].drop(columns="metric")
    print("WEMWBS over the last 8 weeks:")
    print(wellbeing.round(3).to_string(index=False), "\n")

    # 3. Where is the swept scenario cheaper than the baseline within two years, and from when?
    if baseline:
        crossing = cost_crossing(res, baseline=baseline, horizon_weeks=104)
        cheaper = crossing[crossing["ci_high"] < 0]
        columns = [*params, "scenario", "diff", "ci_low", "ci_high", "crossing_week"]
        print(f"Cheaper than {baseline} (whole 95% CI below zero):")
        print(cheaper[columns].round({"diff": 0, "ci_low": 0, "ci_high": 0}).to_string(index=False))
        print()

    # 4. Figures from the analysis module...
    response_curves(res, ["wemwbs_mean", "dependence", "total_cost"], out / "curves.png")
    if len(params) >= 2:
        heatmap(res, params[0], params[1], "total_cost", out / "cost.png", baseline=baseline)

    # 5. ...and your own: cumulative cost week by week, one line per value of the first
    # parameter (seaborn's errorbar="se" is fast; its default bootstrap takes seconds).
    grid = sns.relplot(
        data=res.timeseries,
        x="week",
        y="cost_cumulative",
        hue=params[0],
        col="scenario",
        kind="line",
        errorbar="se",
        height=3.5,
    )
    grid.savefig(out / "cost_over_time.png", dpi=110)
    plt.close("all")
    print(f"Figures in {out}/")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Analyse a coprod sweep's results folder.")
    parser.add_argument("folder", type=Path, metavar="RESULTS_DIR")
    main(parser.parse_args().folder)

"""Tables for the terminal: metrics as rows, each with its unit and one number format.

A row is one metric, so it keeps one scale (wellbeing in WEMWBS points, as the report gives it,
never beside a 0-1 value) and one format: the format is chosen from the row's largest value,
and a row of whole numbers (people, counts) is printed without decimals. Units come from
``coprod.simulation.outputs.METRICS``, the same source as the data dictionary's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from coprod.simulation.outputs import METRICS

HEADLINE = (
    "wemwbs_mean",
    "wellbeing_p10",
    "agency_mean",
    "dependence",
    "cost_week",
    "cost_cumulative",
    "community_hours",
    "trust_mean",
)
WEMWBS = "WEMWBS points"
ON_WEMWBS = ("wellbeing_p10",)
"""0-1 wellbeing metrics shown on the WEMWBS scale (14 + 56 x wellbeing, a linear map, so a
percentile maps to the same percentile); ``wellbeing_mean`` is ``wemwbs_mean`` already."""


def summary_table(runs: pd.DataFrame, baseline: str) -> str:
    """End-of-horizon means over replicates of the headline metrics, scenarios as columns."""
    from coprod.experiments.reports.stats import END_WINDOW

    span = min(END_WINDOW, int(runs["weeks"].min()))  # a shorter run's window is the run
    metrics = [m for m in HEADLINE if f"end_{m}" in runs]
    by_scenario = runs.groupby("scenario", observed=True)
    means = by_scenario[[f"end_{m}" for m in metrics]].mean().T
    means.index = pd.Index(metrics)
    if "cost_cumulative" in means.index:
        means.loc["cost_cumulative"] = by_scenario["total_cost"].mean()
    return (
        f"Means over replicates of the last {span} weeks (baseline {baseline}; cost_cumulative "
        "at the horizon):\n" + metric_table(means)
    )


def metric_table(frame: pd.DataFrame) -> str:
    """``frame`` (one row per metric name, any columns) as aligned text with a unit column;
    wellbeing on the WEMWBS scale, and ``wellbeing_mean`` left out beside ``wemwbs_mean``."""
    rows = [["metric", "unit", *map(str, frame.columns)]]
    for metric, values in frame.iterrows():
        if metric == "wellbeing_mean" and "wemwbs_mean" in frame.index:
            continue
        unit = METRICS.get(str(metric), ("", ""))[0]
        numbers = [float(v) for v in values]
        if metric in ON_WEMWBS:
            numbers, unit = [14.0 + 56.0 * v for v in numbers], WEMWBS
        rows.append([str(metric), unit, *formatted(numbers)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def formatted(values: Iterable[float]) -> list[str]:
    """One row's numbers in one format: whole numbers without decimals, else as many
    decimals as the row's largest value needs for three or four significant figures."""
    values = list(values)
    finite = [abs(v) for v in values if math.isfinite(v)]
    if all(float(v).is_integer() for v in values if math.isfinite(v)):
        decimals = 0
    else:
        largest = max(finite, default=0.0)
        decimals = 0 if largest >= 100 else 1 if largest >= 10 else 2 if largest >= 1 else 3
    return [f"{v:,.{decimals}f}" if math.isfinite(v) else "-" for v in values]

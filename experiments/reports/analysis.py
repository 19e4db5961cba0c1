"""Sweep analysis for pandas users: tidy summaries, the cost crossing, and two figures.

Everything takes the :class:`~coprod.Results` of ``coprod.load`` and
returns a plain DataFrame (or a PNG path), so it composes with ordinary pandas. Intervals are
95% t-CIs across replicates from :mod:`.stats`, as in the comparison report (a level's cut at
its metric's range, so a cost or a share never gets a negative bound).
Comparisons with the baseline are paired by replicate within each design point: under common
random numbers replicate i of every point and scenario has the same people, so the paired
difference carries far less noise than a difference of means.

A run's value of a metric depends on ``window``: ``"end"`` and ``"early"`` are the model's own
run summaries (means over the last, or first, 8 weeks, computed from every week, so recording
every k weeks does not change them); ``"final"`` is the value at the run's last week (what a
running total such as ``cost_cumulative`` usually wants). A column of ``runs`` that is not a
timeseries metric (``total_cost``, ``survey_*``) is taken as it is.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from coprod.experiments.jobs.results import Results
from coprod.experiments.reports.figures import _gbp, _save, label, palette
from coprod.experiments.reports.stats import (
    break_even_weeks,
    ci_table,
    paired_over_time,
    ranges,
)

WINDOWS = ("end", "early", "final")
DEFAULT_METRICS = ("wemwbs_mean", "agency_mean", "dependence", "cost_week", "total_cost")
MAX_LEVELS = 12  # more distinct values than this (a sampled design): bin them
BINS = 8
RUN_KEYS = ["run_id", "scenario", "point", "replicate"]
# Where more is better (elsewhere, as for costs, dependence and unmet demand, less is).
HIGHER_IS_BETTER = ("wemwbs_mean", "wellbeing_mean", "wellbeing_p10", "agency_mean", "trust_mean",
                    "connectedness_mean", "community_hours")  # fmt: skip


def varied(results: Results) -> list[str]:
    """The parameters a sweep varied, in the order of its experiment file ([] otherwise)."""
    return list(results.manifest.get("job", {}).get("vary", {}))


def coordinates(results: Results, params: Sequence[str] | None = None) -> pd.DataFrame:
    """Each design point's values of ``params`` (default: the varied parameters), indexed by
    ``point``: every row of a sweep's tables carries them (written at consolidation)."""
    columns = list(varied(results) if params is None else params)
    return results.runs.groupby("point")[columns].first()


def run_values(results: Results, metrics: Sequence[str], window: str = "end") -> pd.DataFrame:
    """One row per run: its keys, then one column per metric for ``window``."""
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}, not {window!r}")
    runs, ts = results.runs, results.timeseries
    out = runs[RUN_KEYS].copy()
    last = None
    for metric in metrics:
        if window == "final" and metric in ts.columns and metric not in RUN_KEYS:
            if last is None:
                last = ts.groupby("run_id", sort=False).tail(1).set_index("run_id")
            out[metric] = out["run_id"].map(last[metric]).to_numpy()
        elif f"{window}_{metric}" in runs.columns:
            out[metric] = runs[f"{window}_{metric}"]
        elif metric in runs.columns and metric not in RUN_KEYS:
            out[metric] = runs[metric]
        else:
            raise ValueError(
                f"no metric {metric!r} for window {window!r}: name a timeseries metric "
                "(wellbeing_mean, cost_week, ...) or a column of runs (total_cost, ...)"
            )
    return out


def summarise(
    results: Results,
    by: Sequence[str] | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    window: str = "end",
) -> pd.DataFrame:
    """Mean, 95% CI and n across replicates of each metric, per scenario and ``by`` group.

    ``by`` (default: the varied parameters) are columns of ``runs``: parameters or ``point``
    (a varied parameter holds the design point's value, in the baseline's rows too).
    ``scenario`` is always a group, so a baseline is never averaged with what it is compared
    with. Tidy: one row per group and metric; columns ``[scenario, *by, metric, mean,
    ci_low, ci_high, n]``.
    """
    groups = ["scenario", *[b for b in (varied(results) if by is None else by) if b != "scenario"]]
    values = run_values(results, metrics, window)
    values = values.join(results.runs[[b for b in groups if b not in values.columns]])
    out = ci_table(values, groups, list(metrics), ranges(metrics))
    out = out.rename(columns={"lo": "ci_low", "hi": "ci_high"})
    return out[[*groups, "metric", "mean", "ci_low", "ci_high", "n"]]


def cost_crossing(
    results: Results, baseline: str = "traditional", horizon_weeks: int = 104
) -> pd.DataFrame:
    """Per design point and scenario, cumulative cost against ``baseline`` up to a horizon.

    Columns: ``point``, ``scenario``, the varied parameters, ``week`` (the last recorded week
    up to ``horizon_weeks``), ``n`` pairs, mean ``cost`` and ``baseline_cost`` there, the
    paired ``diff`` (scenario - baseline) with ``ci_low``/``ci_high``, and ``crossing_week``:
    the first recorded week from which the scenario's mean cumulative cost stays below the
    baseline's up to the horizon (``<NA>``: not within it).
    """
    ts = results.timeseries
    scenarios = set(ts["scenario"].astype(str))
    if baseline not in scenarios:
        raise ValueError(f"no baseline {baseline!r} in these results: {sorted(scenarios)}")
    ts = ts.loc[ts["week"] <= horizon_weeks, [*RUN_KEYS[1:], "week", "cost_cumulative"]]
    ts = ts.assign(scenario=ts["scenario"].astype(str))
    diff = paired_over_time(ts, baseline, "cost_cumulative", by=("point",))
    at = diff[diff["week"] == diff.groupby(["point", "scenario"])["week"].transform("max")]
    arms = ts.groupby(["point", "scenario", "week"])["cost_cumulative"].mean()

    def mean_cost(scenario: pd.Series | list[str]) -> np.ndarray:
        keys = pd.MultiIndex.from_arrays([at["point"], scenario, at["week"]])
        return arms.reindex(keys).to_numpy()

    at = at.assign(cost=mean_cost(at["scenario"]), baseline_cost=mean_cost([baseline] * len(at)))
    crossing = break_even_weeks(diff, by=("point",)).rename("crossing_week")
    at = at.join(crossing, on=["point", "scenario"])
    params = varied(results)
    at = at.join(coordinates(results, params), on="point")
    at = at.rename(columns={"lo": "ci_low", "hi": "ci_high"})
    columns = ["point", "scenario", *params, "week", "n", "cost", "baseline_cost", "diff"]
    return at[[*columns, "ci_low", "ci_high", "crossing_week"]].reset_index(drop=True)


def response_curves(
    results: Results, metric: str | Sequence[str], path: str | Path, window: str = "end"
) -> Path:
    """Each metric (rows) against each varied parameter (columns): per scenario, the mean
    and 95% CI over the runs at each value, pooled over the other varied parameters (the
    marginal response). A sampled design's values are binned into quantiles first."""
    metrics = [metric] if isinstance(metric, str) else list(metric)
    params = _params(results)
    values = run_values(results, metrics, window)
    colours = palette(_order(results), results.manifest.get("job", {}).get("baseline") or "")
    fig, axes = plt.subplots(
        len(metrics), len(params), figsize=(4.2 * len(params), 3.2 * len(metrics)), squeeze=False
    )
    for col, param in enumerate(params):
        at = values.assign(x=_levels(results.runs[param]))
        table = ci_table(at, ["scenario", "x"], metrics, ranges(metrics))
        for row, m in enumerate(metrics):
            ax = axes[row, col]
            for scenario, d in table[table["metric"] == m].groupby("scenario", observed=True):
                ax.errorbar(
                    d["x"], d["mean"], yerr=[d["mean"] - d["lo"], d["hi"] - d["mean"]],
                    color=colours[str(scenario)], marker="o", ms=3, capsize=2, label=scenario,
                )  # fmt: skip
            ax.set(xlabel=parameter_label(param), ylabel=label(m) if col == 0 else "")
            if values[m].abs().max() >= 10_000:
                _gbp(ax)  # thousands separators rather than a 1e6 offset
    axes[0, 0].legend(fontsize=8, frameon=False)
    fig.suptitle(f"Marginal response ({window}; mean and 95% CI over runs)", fontsize=10)
    fig.tight_layout()
    return _png(fig, path)


def heatmap(
    results: Results,
    x: str,
    y: str,
    metric: str,
    path: str | Path,
    window: str = "end",
    baseline: str | None = None,
) -> Path:
    """The mean of ``metric`` over two varied parameters, one panel per scenario; with a
    ``baseline``, the paired difference (scenario - baseline) instead, centred on zero."""
    values = run_values(results, [metric], window)
    values["scenario"] = values["scenario"].astype(str)
    if baseline is not None:
        wide = values.pivot_table(index=["point", "replicate"], columns="scenario", values=metric)
        diffs = wide.drop(columns=baseline).sub(wide[baseline], axis=0)
        values = diffs.stack().rename(metric).reset_index()
    cells = coordinates(results, [x, y])
    levels = pd.DataFrame({x: _levels(cells[x]), y: _levels(cells[y])})
    values = values.join(levels, on="point")
    panels = [s for s in _order(results) if s in set(values["scenario"])]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2), squeeze=False)
    for ax, scenario in zip(axes.flat, panels, strict=True):
        grid = values[values["scenario"] == scenario].pivot_table(index=y, columns=x, values=metric)
        big = grid.abs().max().max() >= 100
        sns.heatmap(
            grid.sort_index(ascending=False), ax=ax, annot=True, fmt=",.0f" if big else ".3g",
            cmap=_diverging(metric) if baseline else "viridis", center=0 if baseline else None,
            xticklabels=[f"{v:.3g}" if isinstance(v, float) else v for v in grid.columns],
            yticklabels=[f"{v:.3g}" if isinstance(v, float) else v for v in grid.index[::-1]],
        )  # fmt: skip
        what = f"{scenario} - {baseline}; blue is better" if baseline else scenario
        ax.set_title(f"{label(metric)} ({window}): {what}", fontsize=9)
        ax.set(xlabel=parameter_label(x), ylabel=parameter_label(y))
    fig.tight_layout()
    return _png(fig, path)


def parameter_label(name: str) -> str:
    """A varied parameter on an axis: its name (what the experiment file says), its meaning
    and unit from the parameter documentation."""
    from coprod.simulation.params import PARAMETER_NAMES, describe

    if name not in PARAMETER_NAMES:
        return name
    doc = describe(name)
    return textwrap.fill(f"{name}: {doc['meaning']} ({doc['unit']})", 44)


def _diverging(metric: str) -> str:
    """Colours of a difference map, blue where the scenario does better than the baseline,
    red where worse: a gain in wellbeing and a saving in cost read alike."""
    return "RdBu" if metric in HIGHER_IS_BETTER else "RdBu_r"


def _params(results: Results) -> list[str]:
    params = varied(results)
    if not params:
        raise ValueError(f"{results.path} is not a sweep: its job varied no parameter")
    return params


def _order(results: Results) -> list[str]:
    """The job's scenarios in job order (the baseline first in a sweep)."""
    return [str(s) for s in results.runs["scenario"].cat.categories]


def _levels(values: pd.Series) -> pd.Series:
    """Where to put each value on an axis: itself when there are few distinct values (a
    grid, a list), else the mean of its quantile bin (a sampled design)."""
    if values.nunique() <= MAX_LEVELS or not pd.api.types.is_numeric_dtype(values):
        return values
    bins = pd.qcut(values, BINS, duplicates="drop")
    return values.groupby(bins, observed=True).transform("mean")


def _png(fig: plt.Figure, path: str | Path) -> Path:
    """Save the figure where asked, making the folder if needed."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return _save(fig, Path(path))

"""The report's figures: PNGs drawn from precomputed summaries, never from the model.

Bands and intervals are 95% t-CIs computed once in :mod:`.stats` and drawn with
``fill_between``/``hlines``: seaborn's default bootstrap costs seconds per figure and the
default compare job has a two-minute budget. The Agg backend is set here, before pyplot is
imported, so a report builds on a machine with no display (a batch node, CI).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import StrMethodFormatter

from coprod.simulation.outputs import LABELS, METRICS

DPI = 110
Change = tuple[str, int, str]  # a policy timeline's change: scenario, week, what changed
TITLE_CHARS = 50
# One value per run shown beside the weekly metrics: name -> (unit, words). Sweeps plot the
# runs' total cost; the report counts rare events over the horizon (comparison.TOTALLED).
RUN_SUMMARIES = {
    "total_cost": ("GBP", "Cost over the whole horizon"),
    "placements_total": ("people", "Care-home placements over the horizon"),
    "carer_breakdowns_total": ("people", "Carers' breakdowns over the horizon"),
}
SUBGROUP_WORDS = {"baseline_need": "baseline need", "agency": "agency"}  # week-0 quartile columns
WEEK = "Week of the scenario's policy (0 = its start)"
# Wellbeing is shown on the WEMWBS scale (14 + 56 x wellbeing), the unit readers know.
ON_WEMWBS = ("wellbeing_mean", "wellbeing_p10")
WEMWBS_OFFSET, WEMWBS_SCALE = 14.0, 56.0
# Panels of the time-series figure: outcomes, the worst-off, cost, community, workforce.
TIMESERIES_PANELS = [
    "wellbeing_mean",
    "wellbeing_p10",
    "agency_mean",
    "dependence",
    "cost_week",
    "community_hours",
    "trust_mean",
    "unmet_demand_hours",
    "burnout_mean",
]
# Panels of the social-care figure: home care, care homes, and the family carers beside them.
CARE_PANELS = [
    "package_hours",
    "residents_in_placement",
    "placements",
    "carer_strain_mean",
    "carer_breakdowns",
    "carer_wellbeing_mean",
]


def unit(metric: str) -> str:
    """The unit a metric is shown in: its documented one, WEMWBS points for wellbeing."""
    if metric in ON_WEMWBS:
        return "WEMWBS points"
    return METRICS.get(metric, RUN_SUMMARIES.get(metric, ("",)))[0]


def shown(metric: str, values: np.ndarray | pd.Series | float, difference: bool = False):
    """Values of a metric in the unit :func:`unit` names: wellbeing on the WEMWBS scale (a
    difference scales without the offset); every other metric as it is."""
    if metric not in ON_WEMWBS:
        return values
    return np.asarray(values, dtype=float) * WEMWBS_SCALE + (0.0 if difference else WEMWBS_OFFSET)


def label(metric: str) -> str:
    """Axis label in words with the unit, from the metric documentation, e.g. "Cost (GBP a
    week)"; a column with no documented words keeps its name."""
    words = unit(metric).replace("/user", " per user").replace("/week", " a week")
    name = LABELS.get(metric, RUN_SUMMARIES.get(metric, ("", metric))[1])
    return f"{name} ({words})" if words else name


def title(metric: str) -> str:
    """Panel title: the metric's meaning from METRICS when it is short enough to read whole on
    a panel, else its label's words (a definition cut mid-sentence helps nobody)."""
    meaning = METRICS.get(metric, ("", ""))[1]
    words = meaning if 0 < len(meaning) <= TITLE_CHARS else LABELS.get(metric, metric)
    return textwrap.fill(words, 48)


def palette(order: list[str], baseline: str) -> dict[str, tuple]:
    """One fixed colour per scenario across every figure; the baseline is black. (seaborn,
    and scipy.stats with it, is imported here, not with the module: a pool worker that draws
    a figure imports this module, and seaborn would be most of that import.)"""
    import seaborn as sns

    others = [s for s in order if s != baseline]
    colours = dict(zip(others, sns.color_palette("tab10", max(len(others), 1)), strict=False))
    return {baseline: (0.0, 0.0, 0.0), **colours}


def _grid(n: int, ncols: int = 3) -> tuple[plt.Figure, np.ndarray]:
    """Panels with fixed margins: tight_layout would cost a full extra draw per figure."""
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    fig.subplots_adjust(
        left=0.09,
        right=0.98,
        bottom=0.75 / (3.6 * nrows),
        top=1 - 0.45 / (3.6 * nrows),
        wspace=0.32,
        hspace=0.55,
    )
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def _legend(fig: plt.Figure, order: list[str], colours: dict, height: float) -> None:
    """One legend for the whole figure, in a strip above the panels, so it hides no data."""
    handles = [Line2D([], [], color=colours[s], lw=2, label=s) for s in order]
    rows = int(np.ceil(len(order) / 5))
    fig.legend(handles=handles, loc="upper center", ncol=min(len(order), 5), fontsize=8,
               frameon=False)  # fmt: skip
    fig.subplots_adjust(top=1 - (0.45 + 0.2 * rows) / height)  # room for two-line titles


def _gbp(ax: plt.Axes, axis: str = "y") -> None:
    """Pounds with thousands separators, not matplotlib's 1e6 offset."""
    getattr(ax, f"{axis}axis").set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, pil_kwargs={"compress_level": 1})  # encoding speed over size
    plt.close(fig)
    return path


def _bands(
    ax: plt.Axes, df: pd.DataFrame, value: str, colours: dict, order: list[str], metric: str = ""
) -> None:
    """Mean line and 95% CI band per scenario, against week (in the metric's shown unit)."""
    groups = dict(tuple(df.sort_values("week").groupby("scenario", sort=False)))
    difference = value == "diff"
    for scen in [s for s in order if s in groups]:
        d = groups[scen]
        mean, lo, hi = (shown(metric, d[c], difference) for c in (value, "lo", "hi"))
        ax.plot(d["week"], mean, color=colours[scen], lw=1.4, label=scen)
        ax.fill_between(d["week"], lo, hi, color=colours[scen], alpha=0.18, lw=0)


def _changes(ax: plt.Axes, changes: Sequence[Change], colours: dict) -> None:
    """A dotted vertical line per policy change of a scenario's timeline, labelled briefly
    at the top of the panel in the scenario's colour."""
    for scenario, week, text in changes:
        colour = colours.get(scenario, "grey")
        ax.axvline(week, color=colour, ls=":", lw=1.1)
        ax.text(week, 0.98, f" {text}", transform=ax.get_xaxis_transform(), rotation=90,
                va="top", ha="left", fontsize=6.5, color=colour)  # fmt: skip


def timeseries(
    over_time: pd.DataFrame,
    order: list[str],
    colours: dict,
    path: Path,
    changes: Sequence[Change] = (),
    panels: Sequence[str] = TIMESERIES_PANELS,
) -> Path:
    """``panels`` (the key metrics by default) week by week: mean across replicates with the
    95% CI band; ``changes`` (scenario, week, label) mark the scenarios' policy timelines."""
    metrics = [m for m in panels if m in set(over_time["metric"])]
    fig, axes = _grid(len(metrics))
    by_metric = dict(tuple(over_time[over_time["metric"].isin(metrics)].groupby("metric")))
    for ax, m in zip(axes, metrics, strict=False):
        _bands(ax, by_metric[m], "mean", colours, order, m)
        _changes(ax, changes, colours)
        ax.set(xlabel=WEEK, ylabel=label(m), title=title(m))
        ax.title.set_fontsize(9)
        ax.xaxis.label.set_fontsize(8)
        if unit(m).startswith("GBP"):
            _gbp(ax)
    _legend(fig, order, colours, fig.get_figheight())
    return _save(fig, path)


def cumulative_cost(
    over_time: pd.DataFrame,
    cost_diff: pd.DataFrame,
    order: list[str],
    colours: dict,
    baseline: str,
    path: Path,
    changes: Sequence[Change] = (),
) -> Path:
    """Cumulative cost per scenario, and its paired difference from the baseline.

    The right panel is where break-even shows: the week the difference crosses zero for good.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.12, top=0.92, wspace=0.3)
    _bands(left, over_time[over_time["metric"] == "cost_cumulative"], "mean", colours, order)
    left.set(xlabel=WEEK, ylabel=label("cost_cumulative"), title="Cumulative cost")
    _bands(right, cost_diff, "diff", colours, [s for s in order if s != baseline])
    right.axhline(0, color="black", lw=0.8)
    right.set(
        xlabel=WEEK,
        ylabel=f"Difference from {baseline} (GBP)",
        title=f"Paired difference in cumulative cost from {baseline} (95% CI)",
    )
    for ax in (left, right):
        _changes(ax, changes, colours)
    _legend(fig, order, colours, fig.get_figheight())
    _gbp(left)
    _gbp(right)
    return _save(fig, path)


def end_distributions(
    end: pd.DataFrame, metrics: list[str], order: list[str], colours: dict, path: Path
) -> Path:
    """End-of-horizon value of each replicate: box and points per scenario (spread, not only
    the mean). Plain matplotlib: seaborn's categorical machinery costs a second here."""
    data = end.reset_index()
    scen = data["scenario"].astype(str)
    jitter = np.random.default_rng(0)  # fixed: the same figure from the same tables
    fig, axes = _grid(len(metrics), ncols=2)
    fig.subplots_adjust(left=0.11, hspace=0.75, bottom=0.16)
    x = np.arange(len(order))
    for ax, m in zip(axes, metrics, strict=False):
        vals = [shown(m, data.loc[scen == s, m].dropna().to_numpy()) for s in order]
        ax.boxplot(vals, positions=x, widths=0.6, showfliers=False, medianprops={"color": "black"})
        for xi, v, s in zip(x, vals, order, strict=True):
            ax.scatter(
                xi + jitter.uniform(-0.18, 0.18, len(v)),
                v,
                s=9,
                alpha=0.8,
                color=colours[s],
                zorder=3,
            )
        ax.set_xticks(x, order, rotation=30, ha="right", fontsize=8)
        ax.set(ylabel=label(m), title=title(m))
        ax.title.set_fontsize(9)
        if unit(m).startswith("GBP"):
            _gbp(ax)
    return _save(fig, path)


def forest(
    diffs: pd.DataFrame,
    metrics: list[str],
    order: list[str],
    colours: dict,
    mids: dict[str, float],
    baseline: str,
    path: Path,
) -> Path:
    """Paired difference vs the baseline at the end with its 95% CI; dashed lines mark the
    minimal important difference where one is defined."""
    others = [s for s in order if s != baseline]
    fig, axes = _grid(len(metrics), ncols=2)
    fig.subplots_adjust(left=0.16, wspace=0.5)
    for ax, m in zip(axes, metrics, strict=False):
        d = diffs[diffs["metric"] == m].set_index("scenario").reindex(others)
        lo, mean, hi = (shown(m, d[c], difference=True) for c in ("lo", "diff", "hi"))
        y = np.arange(len(others))[::-1]
        ax.hlines(y, lo, hi, colors=[colours[s] for s in others], lw=2)
        ax.scatter(mean, y, c=[colours[s] for s in others], zorder=3, s=18)
        ax.axvline(0, color="black", lw=0.8)
        mid = shown(m, mids.get(m, np.nan), difference=True)
        for line in (mid, -mid):
            if np.isfinite(line):
                ax.axvline(line, color="grey", ls="--", lw=0.8)
        ax.set_yticks(y, others, fontsize=8)
        ax.locator_params(axis="x", nbins=5)
        ax.set(xlabel=f"Difference from {baseline}: {label(m)}", title=title(m))
        ax.title.set_fontsize(9)
        ax.xaxis.label.set_fontsize(8)
        if unit(m).startswith("GBP"):
            _gbp(ax, "x")
    return _save(fig, path)


def subgroups(
    individual: pd.DataFrame, by: str, order: list[str], colours: dict, path: Path
) -> Path:
    """Users' end wellbeing by quartile at week 0: whole distributions per scenario (box =
    quartiles, whiskers = 5th-95th percentiles), so the worst-off are seen and not only the
    average. Box statistics are computed once with pandas: 90,000 people would take seaborn a
    second per figure."""
    words = SUBGROUP_WORDS.get(by, by)
    points = individual.assign(wellbeing=shown("wellbeing_mean", individual["wellbeing"]))
    q = (
        points.groupby(["quartile", "scenario"])["wellbeing"]
        .quantile([0.05, 0.25, 0.5, 0.75, 0.95])
        .unstack()
    )
    fig, ax = plt.subplots(figsize=(12, 5))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.92)
    width = 1 / (len(order) + 1)
    for i, scen in enumerate(order):
        rows = q.xs(scen, level="scenario") if scen in q.index.get_level_values(1) else q[:0]
        box = [
            {
                "whislo": r[0.05],
                "q1": r[0.25],
                "med": r[0.5],
                "q3": r[0.75],
                "whishi": r[0.95],
                "fliers": [],
            }
            for _, r in rows.iterrows()
        ]
        art = ax.bxp(
            box,
            positions=rows.index + (i - len(order) / 2 + 0.5) * width,
            widths=0.8 * width,
            manage_ticks=False,
        )
        for lines in art.values():
            plt.setp(lines, color=colours[scen])
    quartiles = sorted(q.index.get_level_values("quartile").unique())
    ax.set_xticks(quartiles, [f"Q{k}" for k in quartiles])
    ax.set(
        xlabel=f"Quartile of {words} at week 0 (Q1 = lowest)",
        ylabel="Wellbeing at the last snapshot (WEMWBS points)",
        title=f"Users' end wellbeing by {words} quartile (box: quartiles; whiskers: 5-95%)",
    )
    _legend(fig, order, colours, fig.get_figheight())
    return _save(fig, path)

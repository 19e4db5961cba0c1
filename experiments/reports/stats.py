"""Paired comparisons of scenarios, computed from the results tables alone.

Why paired: under common random numbers (docs/ODD.md section 10) replicate i of every scenario
has the same people on the same network, so a within-replicate difference removes most of the
between-replicate noise. Paired differences with 95% t-CIs, in the metric's own units, lead; a
Wilcoxon signed-rank test is kept to a handful of headline metrics, because with 10 replicates
the smallest two-sided p is about 0.002 and a correction over every metric could never pass.

Levels (a scenario's mean of a count, a cost, a share) cannot leave their range, so their
t-intervals are cut at it (:func:`level_bounds` says why not a bootstrap or a log scale):
never below zero. Differences can be negative and keep the plain t-interval.
Nothing here imports the model: a report must be rebuildable from stored tables years later
(the metric documentation in ``coprod.simulation.outputs`` gives units, hence ranges).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from coprod.simulation.outputs import METRICS

EARLY_WEEKS = (1, 8)  # the ODD's "early" = weeks 1-8 (docs/ODD.md section 1)
END_WINDOW = 8  # ... and "end" = the last 8 weeks, averaged per run
WEMWBS_PER_UNIT = 56.0  # WEMWBS = 14 + 56 x wellbeing (METRICS["wemwbs_mean"])
# Minimal important differences: 1 WEMWBS point, 0.02 dependence (what "no gain" is measured
# against).
MID = {"wellbeing_mean": 1 / WEMWBS_PER_UNIT, "dependence": 0.02}
# The only metrics tested: a handful, Holm-corrected within each scenario's comparison.
HEADLINE = ("wellbeing_mean", "agency_mean", "dependence", "cost_cumulative")
KEYS = ["scenario", "replicate"]
SIGNIFICANCE = 0.05
# The range of a level, by the unit its metric is documented in: every unit of METRICS is here
# (a test checks), so a new unit needs a decision; a column with no documented unit gets none.
COUNTS_AND_COSTS = (
    "hours/week",
    "events/week",
    "contacts/week",
    "people",
    "people/week",
    "GBP",
    "GBP/week",
    "GBP/year",  # commissioning budgets (issue 17)
    "GBP/user/week",
    "posts",
    "share/year",
    "years",  # mean age of residents
)  # fmt: skip  (a yearly turnover rate may pass 1)
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "0-1": (0.0, 1.0),
    "share": (0.0, 1.0),
    "WEMWBS points": (14.0, 70.0),
    **dict.fromkeys(COUNTS_AND_COSTS, (0.0, np.inf)),
}
RUN_RANGES = {"total_cost": (0.0, np.inf)}  # run summaries that are not a weekly metric


def ranges(metrics: Iterable[str]) -> dict[str, tuple[float, float]]:
    """The range of each of ``metrics`` whose level is bounded (by its documented unit, or a
    survey share of ``runs``); others are left out and keep the plain t-interval."""
    out = {}
    for metric in metrics:
        base = metric.removeprefix("early_").removeprefix("end_")
        unit = METRICS.get(base, ("",))[0]
        if unit in UNIT_RANGES:
            out[metric] = UNIT_RANGES[unit]
        elif metric in RUN_RANGES:
            out[metric] = RUN_RANGES[metric]
        elif metric.startswith("survey_") and metric != "survey_participants":
            out[metric] = (0.0, 1.0)
    return out


def scenario_order(df: pd.DataFrame) -> list[str]:
    """Scenarios present, in job order (the Categorical's order) when the column has one."""
    col = df["scenario"]
    present = set(col.astype(str).unique())
    names = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else col.unique()
    return [str(s) for s in names if str(s) in present]


def metric_columns(ts: pd.DataFrame, metrics: dict) -> list[str]:
    """The documented metrics this timeseries has, in METRICS order."""
    return [m for m in metrics if m in ts.columns]


def window_values(ts: pd.DataFrame, metrics: list[str], window: str) -> pd.DataFrame:
    """One value per run and metric: the mean over the early or end window of that run.

    Each run's own last week defines its end, so scenarios with different horizons still
    compare like with like. Running totals (``*_cumulative``) are taken at the window's last
    week instead of averaged: cumulative cost "at the end" means at the last week.
    """
    ts = ts.reset_index(drop=True)
    last = ts.groupby("run_id")["week"].transform("max")
    if window == "early":
        lo, hi = pd.Series(EARLY_WEEKS[0], index=ts.index), last.clip(upper=EARLY_WEEKS[1])
    else:
        lo, hi = (last - END_WINDOW + 1).clip(lower=1), last
    rows = ts[(ts["week"] >= lo) & (ts["week"] <= hi)]
    rows = rows.assign(
        scenario=pd.Categorical(rows["scenario"].astype(str), categories=scenario_order(ts))
    )
    flows = [m for m in metrics if not m.endswith("_cumulative")]
    out = rows.groupby(KEYS, observed=True)[flows].mean()
    stocks = [m for m in metrics if m.endswith("_cumulative")]
    if stocks:
        at_end = rows[rows["week"] == hi[rows.index]].groupby(KEYS, observed=True)[stocks].mean()
        out = out.join(at_end)
    out.index.names = KEYS
    return out[metrics]


def _t_bounds(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% t-interval; NaN where fewer than 2 values (no spread to estimate)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, np.where(n >= 2, n - 1, np.nan)) * sd / np.sqrt(n)
    return mean - half, mean + half


def level_bounds(
    mean: np.ndarray, sd: np.ndarray, n: np.ndarray, low: float, high: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """95% interval of a mean that lies in [low, high]: the t-interval cut at the range.

    The true mean is inside the range, so cutting loses no coverage, and the interval still
    holds the sample mean. Measured on skewed counts (Gamma(0.5), 3 replicates, 4,000 draws):
    a percentile bootstrap covered 64% (it cannot be wider than the 3 values), a t-interval on
    the log scale 93% but with upper bounds up to 250 times the mean (from runs 0, 0, 750 it
    gives 250 (3 to 18,474)); the cut t-interval covers as the t-interval does (82% there;
    95% for the near-normal means of 1,000 people over 8 weeks) at a third of the log width.
    """
    lo, hi = _t_bounds(np.asarray(mean, dtype=float), np.asarray(sd, dtype=float), n)
    return np.clip(lo, low, high), np.clip(hi, low, high)


def ci_table(
    df: pd.DataFrame,
    by: list[str],
    metrics: list[str],
    bounds: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Long table of mean and 95% CI of each metric across replicates, per ``by`` group.

    A metric in ``bounds`` (:func:`ranges`: a level that cannot leave its range) gets
    :func:`level_bounds`; any other (a difference) the plain t-interval.
    """
    g = df.reset_index().groupby(by, observed=True)[metrics]
    mean, sd, n = (g.agg(f).stack().rename(f) for f in ("mean", "std", "count"))
    out = pd.concat([n, mean, sd], axis=1).rename_axis([*by, "metric"]).reset_index()
    out["lo"], out["hi"] = _t_bounds(out["mean"].to_numpy(), out["std"].to_numpy(), out["count"])
    for metric, (low, high) in (bounds or {}).items():
        rows = out["metric"] == metric
        if rows.any():
            part = out.loc[rows]
            lo, hi = level_bounds(part["mean"], part["std"], part["count"], low, high)
            out.loc[rows, "lo"], out.loc[rows, "hi"] = lo, hi
    return out.rename(columns={"count": "n"}).drop(columns="std")


def _paired(values: pd.DataFrame, baseline: str) -> dict[str, pd.DataFrame]:
    """Per non-baseline scenario, scenario minus baseline on the replicates both have."""
    base = values.xs(baseline, level="scenario")
    scenarios = [s for s in values.index.get_level_values("scenario").unique() if s != baseline]
    return {str(s): (values.xs(s, level="scenario") - base).dropna(how="all") for s in scenarios}


def paired_differences(values: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Paired difference (scenario - baseline) per metric: mean, 95% t-CI and d_z.

    d_z = mean difference / SD of the differences: how consistently the arms differ run by
    run. Under common random numbers the SD of the differences is small, so d_z is large even
    for a small effect, and it is not Cohen's d (which divides by the SD of the outcome): the
    report leads with the difference in natural units. NaN when the differences have no
    spread (identical arms, or a constant shift) or n < 2.
    """
    rows = []
    for scen, diff in _paired(values, baseline).items():
        n, mean, sd = diff.count(), diff.mean(), diff.std()
        lo, hi = _t_bounds(mean.to_numpy(), sd.to_numpy(), n.to_numpy())
        spread = sd > 1e-9 * diff.abs().max()  # not float rounding of a constant difference
        dz = (mean / sd).where(spread)
        cols = {"n": n, "diff": mean, "lo": lo, "hi": hi, "d_z": dz}
        rows.append(pd.DataFrame(cols).rename_axis("metric").reset_index().assign(scenario=scen))
    cols = ["scenario", "metric", "n", "diff", "lo", "hi", "d_z"]
    return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment: controls the family-wise error over a small family."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    adjusted = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def smallest_wilcoxon_p(pairs: int) -> float:
    """The smallest two-sided p an exact signed-rank test of ``pairs`` differences can give
    (all of one sign): 2 / 2^n, so with 5 pairs or fewer no result reaches 5%."""
    return 2.0 / 2.0**pairs if pairs >= 1 else np.nan


def wilcoxon_tests(values: pd.DataFrame, baseline: str, metrics: list[str]) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank p per scenario and headline metric, with Holm's p.

    The family is one scenario's headline metrics. All-zero differences (identical arms) get
    p = 1: no evidence of a difference. Fewer than 2 pairs: p is NaN (no test).
    """
    rows = []
    for scen, diff in _paired(values, baseline).items():
        p = []
        for m in metrics:
            d = diff[m].dropna().to_numpy()
            if len(d) < 2:
                p.append(np.nan)
            elif not np.any(d):
                p.append(1.0)
            else:
                p.append(float(stats.wilcoxon(d).pvalue))
        p = np.asarray(p)
        ok = ~np.isnan(p)
        p_holm = np.full_like(p, np.nan)
        p_holm[ok] = holm(p[ok])
        rows.append(pd.DataFrame({"scenario": scen, "metric": metrics, "p": p, "p_holm": p_holm}))
    cols = ["scenario", "metric", "p", "p_holm"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def gain_verdict(lo: float, hi: float, mid: float) -> str:
    """The stylised facts' reading in words: a gain exceeds the MID, or "no gain" rules it out.

    ``lo``/``hi`` bound the gain (positive = better). "No gain" needs the upper bound below
    the MID; a non-significant test is never read as no gain.
    """
    if np.isnan(lo) or np.isnan(hi):
        return "cannot say (no 95% CI: fewer than 2 paired replicates)"
    if lo > mid:
        return "a gain larger than the minimal important difference (whole 95% CI above it)"
    if hi < 0:
        return "no gain: a loss (whole 95% CI below zero)"
    if hi < mid:
        small = " (a smaller gain is likely: the 95% CI is above zero)" if lo > 0 else ""
        return "no gain: a gain as large as the minimal important difference is ruled out" + small
    if lo > 0:
        return "a gain, but it may be smaller than the minimal important difference"
    return "inconclusive: the 95% CI includes both no change and a gain of the MID"


def paired_over_time(
    ts: pd.DataFrame, baseline: str, metric: str, by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Weekly paired difference (scenario - baseline) of one metric with its 95% t-CI.

    ``by`` names columns that split the job further, each group with its own baseline runs:
    a sweep's design ``point``, whose runs pair with the baseline's at the same point.
    """
    keys = [*by, "week", "replicate"]
    wide = ts.assign(scenario=ts["scenario"].astype(str)).pivot_table(
        index=keys, columns="scenario", values=metric
    )
    diffs = wide.drop(columns=baseline).sub(wide[baseline], axis=0)
    long = diffs.stack().rename("diff").reset_index()
    long.columns = [*keys, "scenario", "diff"]
    out = ci_table(long, [*by, "scenario", "week"], ["diff"]).drop(columns="metric")
    return out.rename(columns={"mean": "diff"})


def break_even_weeks(cost_diff: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.Series:
    """First week from which each scenario's mean cumulative cost stays below the baseline's.

    ``cost_diff`` is :func:`paired_over_time` of ``cost_cumulative`` (with the same ``by``).
    One value per ``by`` group and scenario, ``<NA>`` where it does not happen within the
    horizon (still dearer, or not yet stably cheaper, at the last week).
    """
    keys = [*by, "scenario"]
    d = cost_diff[cost_diff["week"] >= 1].sort_values([*keys, "week"], ascending=False)
    # walking back from the last week: still below the baseline in every week since
    below = (d["diff"] < 0).astype(int).groupby([d[k] for k in keys], observed=True).cummin()
    first = d[below.astype(bool)].groupby(keys, observed=True)["week"].min()
    groups = pd.MultiIndex.from_frame(d[keys].drop_duplicates()).sort_values()
    if len(keys) == 1:
        groups = groups.get_level_values(0)
    return first.reindex(groups).astype("Int64").rename("break_even_week")


def break_even_week(cost_diff: pd.DataFrame, scenario: str) -> int | None:
    """:func:`break_even_weeks` of one scenario: the week, or None if it does not happen."""
    weeks = break_even_weeks(cost_diff[cost_diff["scenario"] == scenario])
    return None if weeks.empty or pd.isna(weeks.iloc[0]) else int(weeks.iloc[0])


def cost_per_point(cost_diff: float, gain: float, lo: float, hi: float) -> tuple[float, str]:
    """Incremental cost per WEMWBS point gained, or the quadrant in words where a ratio
    misleads: dominant (cheaper and better), dominated, or a wellbeing difference whose 95% CI
    includes zero (a ratio would divide by noise). ``lo``/``hi`` bound the gain."""
    if np.isnan(cost_diff) or np.isnan(gain) or gain == 0:
        return np.nan, "undefined (no wellbeing difference)"
    if lo <= 0 <= hi:
        side = "cheaper" if cost_diff < 0 else "dearer"
        return np.nan, f"no clear wellbeing difference (95% CI includes 0); {side}"
    if gain > 0 and cost_diff <= 0:
        return np.nan, "dominant (cheaper and better)"
    if gain < 0 and cost_diff >= 0:
        return np.nan, "dominated (dearer and worse)"
    if gain < 0:
        return cost_diff / gain, "cheaper but worse: saving per point lost"
    return cost_diff / gain, "cost per point gained"


def survey_shares(survey: pd.DataFrame, baseline: str, questions: list[str]) -> pd.DataFrame:
    """Share answering "yes" to each question, with denominators, pooled over replicates.

    Three groups per scenario: its participants, its participating users, and the very same
    participants (same replicate and agent_id) in the baseline run: how many would have
    "improved" anyway, which is regression to the mean and not the intervention.
    """
    key = ["replicate", "agent_id"]
    scenario = survey["scenario"].astype(str)
    base = survey[scenario == baseline].set_index(key)[questions]
    rows = []
    for scen in scenario_order(survey):
        part = survey[(scenario == scen) & survey["participant"].astype(bool)]
        groups = {"participants": part, "participating users": part[part["agent_type"] == "user"]}
        if scen != baseline:
            groups[f"same people under {baseline}"] = base.reindex(
                pd.MultiIndex.from_frame(part[key])
            ).dropna()
        for group, df in groups.items():
            rows.append(
                {
                    "scenario": scen,
                    "group": group,
                    "n": len(df),
                    **{q: df[q].astype(bool).sum() for q in questions},
                }
            )
    return pd.DataFrame(rows)


def quartile_end_wellbeing(agents: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Users' end wellbeing with their quartile (1-4) of each ``by`` column at week 0.

    Quartiles are cut within each run; under common random numbers the week-0 people of a
    replicate are the same in every scenario, so the quartiles pair across scenarios. "End" is
    each run's last snapshot week. One row per user and run (individuals, for distributions):
    scenario, replicate, wellbeing and one quartile column per ``by``.
    """
    # the columns used, before the rows: filtering all of a snapshot table's columns (a
    # million rows of arrow strings among them) cost a second in the default report
    used = ["run_id", "agent_id", "scenario", "replicate", "week", "wellbeing", *by]
    users = agents.loc[agents["agent_type"] == "user", used]
    start = users[users["week"] == 0]
    ranks = start.groupby("run_id")[by].rank(method="first", pct=True)
    quartiles = np.ceil(4 * ranks).astype(int).set_axis(by, axis=1)
    start = pd.concat([start[["run_id", "agent_id"]], quartiles], axis=1)
    last = users["week"] == users.groupby("run_id")["week"].transform("max")
    end = users.loc[
        last & (users["week"] > 0), ["run_id", "agent_id", "scenario", "replicate", "wellbeing"]
    ]
    out = end.merge(start, on=["run_id", "agent_id"])
    out["scenario"] = out["scenario"].astype(str)
    return out.drop(columns=["run_id", "agent_id"])

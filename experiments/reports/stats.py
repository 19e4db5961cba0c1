"""Paired comparisons of scenarios, computed from the results tables alone.

Why paired: under common random numbers (MODEL.md section 9) replicate i of every scenario has
the same people on the same network, so a within-replicate difference removes most of the
between-replicate noise. Estimates with 95% t-CIs and Cohen's d_z lead; a Wilcoxon signed-rank
test is kept to a handful of headline metrics, because with 10 replicates the smallest
two-sided p is about 0.002 and a correction over every metric could never pass.
Nothing here imports the model: a report must be rebuildable from stored tables years later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

EARLY_WEEKS = (1, 8)  # MODEL.md section 7: "early" = weeks 1-8
END_WINDOW = 8  # ... and "end" = the last 8 weeks, averaged per run
WEMWBS_PER_UNIT = 56.0  # WEMWBS = 14 + 56 x wellbeing (METRICS["wemwbs_mean"])
# Minimal important differences (MODEL.md section 7): 1 WEMWBS point, 0.02 dependence.
MID = {"wellbeing_mean": 1 / WEMWBS_PER_UNIT, "dependence": 0.02}
# The only metrics tested: a handful, Holm-corrected within each scenario's comparison.
HEADLINE = ("wellbeing_mean", "agency_mean", "dependence", "cost_cumulative")
KEYS = ["scenario", "replicate"]


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


def ci_table(df: pd.DataFrame, by: list[str], metrics: list[str]) -> pd.DataFrame:
    """Long table of mean and 95% t-CI of each metric across replicates, per ``by`` group."""
    g = df.reset_index().groupby(by, observed=True)[metrics]
    mean, sd, n = (g.agg(f).stack().rename(f) for f in ("mean", "std", "count"))
    out = pd.concat([n, mean, sd], axis=1).rename_axis([*by, "metric"]).reset_index()
    out["lo"], out["hi"] = _t_bounds(out["mean"].to_numpy(), out["std"].to_numpy(), out["count"])
    return out.rename(columns={"count": "n"}).drop(columns="std")


def _paired(values: pd.DataFrame, baseline: str) -> dict[str, pd.DataFrame]:
    """Per non-baseline scenario, scenario minus baseline on the replicates both have."""
    base = values.xs(baseline, level="scenario")
    scenarios = [s for s in values.index.get_level_values("scenario").unique() if s != baseline]
    return {str(s): (values.xs(s, level="scenario") - base).dropna(how="all") for s in scenarios}


def paired_differences(values: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Paired difference (scenario - baseline) per metric: mean, 95% t-CI and Cohen's d_z.

    d_z = mean difference / SD of differences: the paired standardised effect. It is NaN when
    the differences have no spread (identical arms, or a constant shift) or n < 2.
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
    """MODEL.md section 7 in words: a gain exceeds the MID, or "no gain" rules it out.

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
    users = agents[agents["agent_type"] == "user"]
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

"""Is an arm worth its cost, and how sure are we? Increments, ICERs, net benefit and the value
of information, from per-run outcomes (``costing.run_outcomes``).

Two kinds of uncertainty are kept apart:

- **Replicates** (same parameters, different random people): common random numbers pair each
  arm's replicate ``i`` with the baseline's, and :func:`summarise` gives the mean increment
  with a t interval of that mean: how well the runs pin the expected value down.
- **Parameter draws** of a PSA (replicates averaged first, :func:`psa_table`): the spread
  across draws is what we do not know about the world. :func:`summarise` with
  ``interval="draws"`` reports its 2.5-97.5 percentiles, and the CEAC, the frontier, EVPI
  and EVPPI read the draws.

Net monetary benefit at a threshold ``lambda`` (GBP per QALY) is ``lambda x QALYs - cost``;
the arm with the largest expected net benefit is the one to choose.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from coprod.experiments.methods.economics.costing import DEFAULT, Evaluation, run_outcomes
from coprod.simulation.errors import CoprodError

THRESHOLDS = np.arange(0, 50_001, 1_000)
"""GBP per QALY from 0 to 50,000: the CEAC's range (NICE reads 20,000 and 30,000)."""
NICE_THRESHOLDS = (20_000, 30_000)
PAIR = ["point", "replicate"]


def evaluate(
    timeseries: pd.DataFrame,
    runs: pd.DataFrame,
    baseline: str,
    evaluation: Evaluation = DEFAULT,
    thresholds: Sequence[float] = NICE_THRESHOLDS,
) -> pd.DataFrame:
    """The verdict of a compare (or of each arm over all points of a sweep): per arm against
    ``baseline``, paired by replicate, the table :func:`summarise` gives."""
    return summarise(increments(run_outcomes(timeseries, runs, evaluation), baseline), thresholds)


def increments(outcomes: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each arm's run minus the baseline's run of the same design point and replicate:
    ``d_cost``, ``d_qalys`` (and ``d_wemwbs`` when the outcomes have it), one row per pair."""
    measures = [m for m in ("cost", "qalys", "wemwbs") if m in outcomes]
    if baseline not in set(outcomes["scenario"]):
        raise CoprodError(
            f"baseline {baseline!r} is not among the scenarios: {sorted(set(outcomes['scenario']))}"
        )
    base = outcomes.loc[outcomes["scenario"] == baseline, [*PAIR, *measures]]
    arms = outcomes[outcomes["scenario"] != baseline]
    joined = arms.merge(base, on=PAIR, suffixes=("", "_base"), how="inner")
    if len(joined) < len(arms):
        raise CoprodError(
            "some runs have no baseline run with the same point and replicate to pair with."
        )
    out = joined[["scenario", *PAIR]].copy()
    for m in measures:
        out[f"d_{m}"] = joined[m] - joined[f"{m}_base"]
    return out.reset_index(drop=True)


def icer(d_cost: float, d_qalys: float) -> tuple[float, str]:
    """The incremental cost-effectiveness ratio and the quadrant that says how to read it.

    ``dominant`` (no dearer and no worse, better in one), ``dominated`` (no cheaper and no
    better, worse in one), ``cost per QALY gained`` (north-east: compare with the threshold),
    ``saving per QALY lost`` (south-west: worth it only if the saving per QALY lost exceeds
    the threshold), or ``no difference``."""
    if d_qalys >= 0 and d_cost <= 0 and (d_qalys > 0 or d_cost < 0):
        return np.nan, "dominant"
    if d_qalys <= 0 and d_cost >= 0 and (d_qalys < 0 or d_cost > 0):
        return np.nan, "dominated"
    if d_qalys > 0:
        return d_cost / d_qalys, "cost per QALY gained"
    if d_qalys < 0:
        return d_cost / d_qalys, "saving per QALY lost"
    return np.nan, "no difference"


def summarise(
    incr: pd.DataFrame,
    thresholds: Sequence[float] = NICE_THRESHOLDS,
    interval: str = "mean",
    level: float = 0.95,
) -> pd.DataFrame:
    """Per arm: mean incremental cost and QALYs with intervals, the ICER and its quadrant,
    and at each threshold the INMB with its interval and the share of pairs (or draws) in
    which it is positive.

    ``interval="mean"``: t interval of the mean over pairs (replicates; stochastic
    uncertainty). ``interval="draws"``: percentiles over PSA draws (parameter uncertainty)."""
    if interval not in ("mean", "draws"):
        raise CoprodError(f"unknown interval {interval!r}; allowed: mean, draws")
    rows = []
    for arm, group in incr.groupby("scenario", sort=False):
        row: dict[str, object] = {"scenario": arm, "n": len(group)}
        for m in ("d_cost", "d_qalys", "d_wemwbs"):
            if m in group:
                row[m], row[f"{m}_lo"], row[f"{m}_hi"] = _interval(group[m], interval, level)
        row["icer"], row["quadrant"] = icer(row["d_cost"], row["d_qalys"])
        for lam in thresholds:
            nmb = lam * group["d_qalys"] - group["d_cost"]
            key = f"inmb_{int(lam)}"
            row[key], row[f"{key}_lo"], row[f"{key}_hi"] = _interval(nmb, interval, level)
            row[f"p_ce_{int(lam)}"] = float((nmb > 0).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def psa_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per parameter draw (design ``point``) and arm, replicates averaged: the
    expected cost and QALYs of that arm in that possible world."""
    measures = [m for m in ("cost", "qalys", "wemwbs") if m in outcomes]
    table = outcomes.groupby(["point", "scenario"], sort=False)[measures].mean()
    return table.reset_index().rename(columns={"point": "draw", "scenario": "arm"})


def plane(psa: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """The cost-effectiveness plane: each draw's incremental QALYs (x) and cost (y) of every
    arm against the baseline, and its WEMWBS gain where the table has wellbeing."""
    wide = by_draw(psa, [m for m in ("cost", "qalys", "wemwbs") if m in psa])
    measures = sorted({m for m, _ in wide.columns}, key=["qalys", "cost", "wemwbs"].index)
    rows = [
        pd.DataFrame(
            {
                "draw": wide.index,
                "scenario": arm,
                **{f"d_{m}": wide[(m, arm)] - wide[(m, baseline)] for m in measures},
            }
        )
        for arm in arm_order(psa)
        if arm != baseline
    ]
    return pd.concat(rows, ignore_index=True)


def net_benefit(psa: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Net monetary benefit of every arm (columns) in every draw (rows) at ``threshold``."""
    wide = by_draw(psa)
    arms = arm_order(psa)
    return pd.DataFrame({a: threshold * wide[("qalys", a)] - wide[("cost", a)] for a in arms})


def ceac(psa: pd.DataFrame, thresholds: Sequence[float] = THRESHOLDS) -> pd.DataFrame:
    """Cost-effectiveness acceptability curves: at each threshold (rows), the share of draws
    in which each arm (columns) has the highest net benefit. Rows sum to 1."""
    rows = {}
    for lam in thresholds:
        nb = net_benefit(psa, lam)
        best = nb.to_numpy().argmax(axis=1)
        rows[lam] = np.bincount(best, minlength=nb.shape[1]) / len(nb)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=arm_order(psa))
    return table.rename_axis("threshold")


def ceaf(psa: pd.DataFrame, thresholds: Sequence[float] = THRESHOLDS) -> pd.DataFrame:
    """The cost-effectiveness acceptability frontier: at each threshold, the arm with the
    highest *expected* net benefit (the one to choose) and the probability that it is the
    best. It differs from the CEAC's highest curve where net benefit is skewed."""
    curves = ceac(psa, thresholds)
    rows = []
    for lam in thresholds:
        chosen = net_benefit(psa, lam).mean().idxmax()
        rows.append({"threshold": lam, "arm": chosen, "probability": curves.loc[lam, chosen]})
    return pd.DataFrame(rows).set_index("threshold")


def evpi(psa: pd.DataFrame, thresholds: Sequence[float] = THRESHOLDS) -> pd.Series:
    """Expected value of perfect information per person, in GBP, at each threshold:
    ``E[max_arm NB] - max_arm E[NB]``, what removing all parameter uncertainty would be worth
    to one person's decision. Multiply by the people affected over the decision's life."""
    values = {}
    for lam in thresholds:
        nb = net_benefit(psa, lam).to_numpy()
        values[lam] = max(nb.max(axis=1).mean() - nb.mean(axis=0).max(), 0.0)  # no -1e-13
    return pd.Series(values, name="evpi").rename_axis("threshold")


def by_draw(psa: pd.DataFrame, measures: Sequence[str] = ("cost", "qalys")) -> pd.DataFrame:
    """Draws as rows, (measure, arm) as columns; every arm must have every draw."""
    wide = psa.pivot(index="draw", columns="arm", values=list(measures))
    if wide.isna().to_numpy().any():
        raise CoprodError("some draws lack an arm: every arm must be run at every draw.")
    return wide


def arm_order(psa: pd.DataFrame) -> list[str]:
    """The arms in their order of first appearance."""
    return list(dict.fromkeys(psa["arm"]))


def _interval(values: pd.Series, interval: str, level: float) -> tuple[float, float, float]:
    """Mean and interval of ``values`` (module docstring)."""
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    if interval == "draws":
        tail = (1 - level) / 2 * 100
        lo, hi = np.percentile(values, [tail, 100 - tail])
        return mean, float(lo), float(hi)
    half = stats.t.ppf((1 + level) / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return mean, mean - half, mean + half

"""What a comparison report computes once from a results folder's tables: window values,
paired differences, tests and the cost path (:func:`compare`), shared by every section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from coprod.experiments.reports import stats as st
from coprod.simulation.outputs import METRICS

#: Weekly flows also counted over the whole horizon (:func:`horizon_totals`).
TOTALLED = ("placements", "carer_breakdowns")


class ResultsLike(Protocol):
    """What the report needs: a results folder's tables and its manifest."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    agents: pd.DataFrame
    survey: pd.DataFrame
    manifest: dict


@dataclass
class Comparison:
    """Every paired statistic the sections share, computed once from the timeseries."""

    order: list[str]
    baseline: str
    metrics: list[str]
    end: pd.DataFrame
    d_end: pd.DataFrame
    d_early: pd.DataFrame
    tests: pd.DataFrame
    cost_diff: pd.DataFrame
    weeks: int
    n_users: float | None
    totals: pd.DataFrame  # per run: weekly flows summed over weeks 1 to its end (TOTALLED)

    @property
    def others(self) -> list[str]:
        return [s for s in self.order if s != self.baseline]

    def est(self, scen: str, metric: str, scale: float = 1.0, table: str = "end") -> list[float]:
        """[diff, lo, hi] of a paired difference times ``scale`` (negative flips the bounds),
        then d_z."""
        t = self.d_end if table == "end" else self.d_early
        hit = t[(t["scenario"] == scen) & (t["metric"] == metric)]
        d = hit.iloc[0] if len(hit) else pd.Series(np.nan, ["diff", "lo", "hi", "d_z"])
        v = [d["diff"] * scale, d["lo"] * scale, d["hi"] * scale]
        return [*(v if scale >= 0 else [v[0], v[2], v[1]]), d["d_z"]]


def compare(results: ResultsLike) -> Comparison:
    """Window values, paired differences, tests and the cost path, once for every section."""
    ts, runs = results.timeseries, results.runs
    order = st.scenario_order(ts)
    baseline = results.manifest.get("job", {}).get("baseline", "traditional")
    baseline = baseline if baseline in order else order[0]
    metrics = st.metric_columns(ts, METRICS)
    end, early = (st.window_values(ts, metrics, w) for w in ("end", "early"))
    heads = [m for m in st.HEADLINE if m in metrics]
    n_users = runs["n_users"].unique() if "n_users" in runs.columns else []
    d_end, d_early = (st.paired_differences(v, baseline) for v in (end, early))
    tests = st.wilcoxon_tests(end, baseline, heads)
    cost_diff = st.paired_over_time(ts, baseline, "cost_cumulative")
    n_users = float(n_users[0]) if len(n_users) == 1 else None
    weeks = int(ts["week"].max())
    totals = horizon_totals(ts, [m for m in TOTALLED if m in metrics], order)
    return Comparison(
        order, baseline, metrics, end, d_end, d_early, tests, cost_diff, weeks, n_users, totals
    )


def horizon_totals(ts: pd.DataFrame, flows: list[str], order: list[str]) -> pd.DataFrame:
    """Each run's weekly ``flows`` summed over its weeks 1 to its end, as ``<flow>_total``
    (index scenario, replicate): a placement or a carer's breakdown is a rare event, so an
    8-week end window of them is mostly noise while the count over the horizon is what a
    commissioner would be told ("12 people placed in two years")."""
    rows = ts[ts["week"] >= 1]
    scenario = pd.Categorical(rows["scenario"].astype(str), categories=order)
    out = rows.assign(scenario=scenario).groupby(st.KEYS, observed=True)[flows].sum()
    return out.rename(columns=lambda m: f"{m}_total")

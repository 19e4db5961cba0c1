"""Write ``report.md`` and its figures from a results folder's tables.

Reads only the tables it is given plus the metric documentation in ``simulation/outputs.py``,
so a report can be rebuilt years later without the model. Statistics live in
:mod:`.stats`, pictures in :mod:`.figures`; this file decides what a
reader sees first (plain-words headlines, then the tables behind them). The prose is kept in
:mod:`.report_text`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from coprod.experiments.reports import figures
from coprod.experiments.reports import stats as st
from coprod.experiments.reports.report_text import (
    BASE,
    CAVEATS,
    HEADLINE,
    INTRO,
    LONG,
    MID_AND_COST,
    NO_SURVEY,
    OVERLAP,
    SHORT,
    SUBGROUPS,
    SURVEY,
    TESTS,
    WORLD,
)
from coprod.simulation.outputs import METRICS, SURVEY_QUESTIONS

# The metrics of the early-window table (MODEL.md section 7, fact 2: dearer early).
EARLY_METRICS = ["cost_week", "professional_hours", "wellbeing_mean", "agency_mean", "dependence"]
W, POINTS = st.WEMWBS_PER_UNIT, "{} WEMWBS points"


class ResultsLike(Protocol):
    """What the report needs: a results folder's tables and its manifest."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    agents: pd.DataFrame
    survey: pd.DataFrame
    manifest: dict


def fmt(x: float, metric: str = "", sign: bool = False) -> str:
    """A number rounded by its unit: shares to 3 places, WEMWBS to 2, GBP to whole pounds."""
    if x is None or not np.isfinite(x):
        return "n/a"
    unit = METRICS.get(metric, ("",))[0]
    places = 3 if unit in ("0-1", "share") else 2 if unit.startswith("WEMWBS") or not unit else 1
    places = 0 if unit.startswith("GBP") or (unit and abs(x) >= 1000) else places
    x = 0.0 if round(x, places) == 0 else x  # no "-0.000"
    return f"{x:{'+' if sign else ''},.{places}f}"


def fmt_p(p: float) -> str:
    return "n/a" if not np.isfinite(p) else "<0.001" if p < 0.001 else f"{p:.3f}"


def with_ci(est: list[float], metric: str = "", sign: bool = False) -> str:
    """'+0.050 (0.030 to 0.070)' from [estimate, lower, upper]; 'no CI' with too few runs."""
    x, lo, hi = est
    ci = "no CI" if not np.isfinite(lo) else f"{fmt(lo, metric)} to {fmt(hi, metric)}"
    return f"{fmt(x, metric, sign)} ({ci})"


def md_rows(rows: list[list[str]]) -> str:
    """Rows of a GitHub Markdown table (pandas' to_markdown needs tabulate: not a dependency)."""
    return "\n".join("| " + " | ".join(str(c).replace("|", "/") for c in r) + " |" for r in rows)


def md_table(header: list[str], rows: list[list[str]]) -> str:
    return md_rows([header, ["---"] * len(header), *rows])


def change(verbs: str, what: str, est: list[float], metric: str, unit: str = "{}") -> str:
    """'raised X by 2.1 WEMWBS points (95% CI 1.5 to 2.7)'; the CI is flipped for a fall."""
    up, down = verbs.split("/")
    diff, lo, hi = est
    if not np.isfinite(diff):
        return f"left {what} unknown"
    verb, m, a, b = (up, diff, lo, hi) if diff >= 0 else (down, -diff, -hi, -lo)
    ci = "no 95% CI: fewer than 2 replicates" if not np.isfinite(a) else "95% CI {} to {}"
    ci = ci.format(fmt(a, metric), fmt(b, metric))
    return " ".join(filter(None, [verb, what, "by", unit.format(fmt(m, metric)), f"({ci})"]))


def _param(runs: pd.DataFrame, col: str) -> str:
    """A run parameter in words; each scenario's value when they differ."""
    if runs is None or runs.empty or col not in runs.columns:
        return "unstated"
    by = runs.groupby(runs["scenario"].astype(str), sort=False)[col].first().astype(str)
    return by.iloc[0] if by.nunique() == 1 else ", ".join(f"{v} ({s})" for s, v in by.items())


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
    return Comparison(
        order, baseline, metrics, end, d_end, d_early, tests, cost_diff, weeks, n_users
    )


def write_report(results: ResultsLike, out_dir: Path) -> Path:
    """Write ``out_dir/report.md``, ``out_dir/figures/*.png`` and ``report_over_time.csv``
    (weekly mean and 95% CI of every metric); return the report's path."""
    out_dir, c, ts = Path(out_dir), compare(results), results.timeseries
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    over_time = st.ci_table(
        ts.assign(scenario=ts["scenario"].astype(str)), ["scenario", "week"], c.metrics
    )
    over_time.to_csv(out_dir / "report_over_time.csv", index=False)
    colours = figures.palette(c.order, c.baseline)
    heads = [m for m in st.HEADLINE if m in c.metrics]
    figures.timeseries(over_time, c.order, colours, fig_dir / "timeseries.png")
    figures.cumulative_cost(
        over_time, c.cost_diff, c.order, colours, c.baseline, fig_dir / "cumulative_cost.png"
    )
    figures.end_distributions(c.end, heads, c.order, colours, fig_dir / "end_distributions.png")
    if c.others:
        figures.forest(c.d_end, heads, c.order, colours, st.MID, c.baseline, fig_dir / "forest.png")
    n_reps = c.end.groupby(level="scenario", observed=True).size()
    reps = f"{n_reps.min()}" if n_reps.min() == n_reps.max() else f"{n_reps.min()}-{n_reps.max()}"
    early = f"{st.EARLY_WEEKS[0]}-{st.EARLY_WEEKS[1]}"
    seed = results.manifest.get("job", {}).get("seed", "n/a")
    intro = dict(scenarios=", ".join(c.order), baseline=c.baseline, reps=reps, weeks=c.weeks)
    out = [INTRO.format(**intro, seed=seed, end=st.END_WINDOW, early=early)]
    base = results.manifest.get("job", {}).get("base")
    out += [BASE.format(base=base)] if base else []
    out += _world(results.runs, c.baseline)
    facts = {s: _facts(c, s) for s in c.others}
    out += [HEADLINE.format(**f) for f in facts.values()] or ["Only the baseline ran."]
    out += _tests(c) + _mid_and_cost(c, facts) + _tables(c, early)
    survey_week = _param(results.runs, "survey_week")
    if results.survey is not None and not results.survey.empty:
        out += _survey(results.survey, c.baseline, survey_week)
    elif survey_week.isdigit() and c.weeks < int(survey_week):
        out.append(NO_SURVEY.format(weeks=c.weeks, survey_week=survey_week))
    if results.agents is not None and not results.agents.empty:
        out += _subgroups(results.agents, c, colours, fig_dir)
    overlap = OVERLAP if c.weeks < st.EARLY_WEEKS[1] + st.END_WINDOW else ""
    out.append(
        CAVEATS.format(
            horizon=(SHORT if c.weeks < 52 else LONG).format(weeks=c.weeks, overlap=overlap),
            reps=reps,
            no_ci=": no CIs and no tests" if n_reps.min() < 2 else "",
            n_tests=int(c.tests["p"].notna().sum()),
            **{k: _param(results.runs, k) for k in ("price_year", "cost_basis", "discount_rate")},
        )
    )
    path = out_dir / "report.md"
    path.write_text("\n\n".join(x for x in out if x) + "\n", encoding="utf-8")
    return path


def _world(runs: pd.DataFrame, baseline: str) -> list[str]:
    """A warning for each scenario that differs from the baseline in more than policy levers
    (read from the runs' parameter columns), since its differences then mix world and policy."""
    from coprod.simulation.params import PARAMETER_NAMES, world_differences

    if runs is None or runs.empty:
        return []
    columns = [name for name in PARAMETER_NAMES if name in runs.columns]
    values = runs.groupby(runs["scenario"].astype(str))[columns].first()
    if baseline not in values.index or len(columns) < len(PARAMETER_NAMES):
        return []
    differences = world_differences(values.to_dict("index"), baseline)
    return [
        WORLD.format(
            scenario=name,
            baseline=baseline,
            keys=", ".join(f"`{k}` {a!r} (not {b!r})" for k, (a, b) in sorted(keys.items())),
        )
        for name, keys in differences.items()
        if keys
    ]


def _facts(c: Comparison, s: str) -> dict[str, str]:
    """One scenario against the baseline in words: the headline's and the tables' cells."""
    wb, gain = c.est(s, "wellbeing_mean", W), c.est(s, "wellbeing_mean")
    dep = c.est(s, "dependence")
    cost = c.est(s, "cost_cumulative", 1 / (c.n_users or 1))
    unit = "per user" if c.n_users else "for all users"
    ratio, per_point = st.cost_per_point(cost[0], *wb[:3])
    be = st.break_even_week(c.cost_diff, s)
    return {
        "s": s,
        "baseline": c.baseline,
        "weeks": str(c.weeks),
        "dz": fmt(wb[3]),
        "wellbeing": change("raised/lowered", "end wellbeing", wb[:3], "wemwbs_mean", POINTS),
        "wb_verdict": st.gain_verdict(gain[1], gain[2], st.MID["wellbeing_mean"]),
        "dependence": change("raised/cut", "dependence", dep[:3], "dependence"),
        "dep_verdict": st.gain_verdict(-dep[2], -dep[1], st.MID["dependence"]),
        "cost": change(
            "raised/cut", "cumulative cost", cost[:3], "cost_cumulative", "GBP {} " + unit
        ),
        "break_even": f"week {be}" if be is not None else "not within horizon",
        "per_point": per_point
        + ("" if np.isnan(ratio) else f": GBP {fmt(ratio, 'cost_cumulative')} {unit}"),
        "p10": change("rose/fell", "", c.est(s, "wellbeing_p10", W)[:3], "wemwbs_mean", POINTS),
        "wb_ci": with_ci(wb[:3], "wemwbs_mean", True),
        "dep_ci": with_ci(c.est(s, "dependence", -1)[:3], "dependence", True),
        "cost_ci": with_ci(cost[:3], "cost_cumulative", True),
        "unit": unit,
    }


def _tests(c: Comparison) -> list[str]:
    """The handful of headline tests, with their number stated."""
    rows = [
        [
            r.scenario,
            r.metric,
            with_ci(c.est(r.scenario, r.metric)[:3], r.metric, True),
            fmt(c.est(r.scenario, r.metric)[3]),
            fmt_p(r.p),
            fmt_p(r.p_holm),
        ]
        for r in c.tests.itertuples()
    ]
    if not rows:
        return []
    n, k = int(c.tests["p"].notna().sum()), len(c.tests["metric"].unique())
    pairs = int(c.d_end["n"].max())
    p_min = (f"With {pairs} pairs the smallest attainable p is {2 / 2**pairs:.3g}." if pairs > 1
             else "With one pair there is no test.")  # fmt: skip
    return [TESTS.format(n=n, k=k, m=len(c.others), rows=md_rows(rows), p_min=p_min)]


def _mid_and_cost(c: Comparison, facts: dict[str, dict[str, str]]) -> list[str]:
    """MODEL.md section 7's "no gain" verdicts, then break-even and cost per point."""
    if not facts:
        return []
    keys = (
        ["wb_ci", "wb_verdict", "dep_ci", "dep_verdict"],
        ["cost_ci", "break_even", "wb_ci", "per_point"],
    )
    mid, cost = ([[s, *(f[k] for k in ks)] for s, f in facts.items()] for ks in keys)
    unit = next(iter(facts.values()))["unit"]
    text = dict(weeks=c.weeks, unit=unit, baseline=c.baseline)
    return [MID_AND_COST.format(mid=md_rows(mid), cost=md_rows(cost), **text)]


def _tables(c: Comparison, early: str) -> list[str]:
    """Every metric's level and paired difference at the end, then early differences."""
    lv = st.ci_table(c.end, ["scenario"], c.metrics).set_index(["scenario", "metric"])

    def diff(s: str, m: str, table: str) -> str:
        e = c.est(s, m, table=table)
        return f"{with_ci(e[:3], m, True)}; d_z {fmt(e[3])}"

    def rows(metrics: list[str], cell: Callable, scenarios: list[str]) -> list[list[str]]:
        return [[figures.label(m), *(cell(s, m) for s in scenarios)] for m in metrics]

    def level(s: str, m: str) -> str:
        return with_ci(lv.loc[(s, m), ["mean", "lo", "hi"]].tolist(), m)

    out = [
        "## Every metric at the end: mean (95% CI) across replicates",
        md_table(["metric (unit)", *c.order], rows(c.metrics, level, c.order)),
        "![end-of-horizon distributions](figures/end_distributions.png)",
        "Week-by-week means and 95% CIs of every metric are in `report_over_time.csv`.",
        "![time series](figures/timeseries.png)",
    ]
    if c.others:
        early_metrics = [m for m in EARLY_METRICS if m in c.metrics]
        out += [
            "## Every metric at the end: paired difference vs baseline (95% CI; d_z)",
            md_table(
                ["metric (unit)", *c.others],
                rows(c.metrics, lambda s, m: diff(s, m, "end"), c.others),
            ),
            f"## Early (weeks {early}): paired difference vs baseline (95% CI; d_z)",
            md_table(
                ["metric (unit)", *c.others],
                rows(early_metrics, lambda s, m: diff(s, m, "early"), c.others),
            ),
        ]
    return out


def _survey(survey: pd.DataFrame, baseline: str, week: str) -> list[str]:
    """The week-52 survey as an evaluation reports it, beside its counterfactual."""
    qs = [q for q in SURVEY_QUESTIONS if q in survey.columns]
    shares = st.survey_shares(survey, baseline, qs)
    rows = [
        [
            r["scenario"],
            r["group"],
            f"{r['n']:,}",
            *(f"{100 * r[q] / r['n']:.0f}% ({r[q]:,})" if r["n"] else "n/a" for q in qs),
        ]
        for _, r in shares.iterrows()
    ]
    questions = "; ".join(f"`{q}`: {SURVEY_QUESTIONS[q]}" for q in qs)
    table = dict(header=" | ".join(qs), rules=" | ".join(["---"] * len(qs)), rows=md_rows(rows))
    return [SURVEY.format(week=week, baseline=baseline, questions=questions, **table)]


def _subgroups(agents: pd.DataFrame, c: Comparison, colours: dict, fig_dir: Path) -> list[str]:
    """End wellbeing by week-0 quartile of need and of agency: who gains, not only how much."""
    by_cols = [b for b in ("baseline_need", "agency") if b in agents.columns]
    people = st.quartile_end_wellbeing(agents, by_cols) if by_cols else pd.DataFrame()
    if people.empty or c.baseline not in set(people["scenario"]):
        return []
    out = [SUBGROUPS.format(baseline=c.baseline)]
    for by in by_cols:
        indiv = people[["scenario", "replicate", "wellbeing", by]].rename(columns={by: "quartile"})
        per_run = indiv.groupby(["scenario", "replicate", "quartile"])["wellbeing"].mean()
        wide = per_run.unstack("quartile").rename(columns=lambda q: f"Q{q}")
        d = st.paired_differences(wide * W, c.baseline).set_index(["scenario", "metric"])
        d = d[["diff", "lo", "hi"]]
        cis = {k: with_ci(v.tolist(), "wemwbs_mean", True) for k, v in d.iterrows()}
        rows = [[c.baseline, *(fmt(v, "wellbeing_mean") for v in wide.xs(c.baseline).mean())]]
        rows += [[s, *(cis[(s, q)] for q in wide.columns)] for s in c.others if s in d.index]
        figures.subgroups(indiv, by, c.order, colours, fig_dir / f"subgroups_{by}.png")
        out += [
            f"### By {by} at week 0 (Q1 = lowest)",
            md_table(["scenario", *wide.columns], rows),
            f"![end wellbeing by {by}](figures/subgroups_{by}.png)",
        ]
    return out

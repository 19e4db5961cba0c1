"""Write ``report.md`` and its figures from a results folder's tables.

Reads only the tables it is given plus the metric documentation in ``simulation/outputs.py``,
so a report can be rebuilt years later without the model. Statistics live in
:mod:`.stats`, pictures in :mod:`.figures`, what every section shares in :mod:`.comparison`
(computed once), numbers in words in :mod:`.formatting`, the commissioner's table that opens
the page in :mod:`.verdict`; this file decides what a reader sees first (the verdict, then
plain-words headlines, then the tables behind them). The prose is kept in :mod:`.report_text`.
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import pandas as pd

from coprod.experiments.jobs.launch import failures_in_words
from coprod.experiments.reports import figures
from coprod.experiments.reports import stats as st
from coprod.experiments.reports.budget import budget_section
from coprod.experiments.reports.comparison import Comparison, ResultsLike, compare
from coprod.experiments.reports.drawing import Drawing
from coprod.experiments.reports.formatting import (
    change,
    count_words,
    fmt,
    fmt_p,
    param_words,
    population,
    with_ci,
)
from coprod.experiments.reports.html import write_html
from coprod.experiments.reports.markdown import md_rows, md_table
from coprod.experiments.reports.report_text import (
    BASE,
    CAVEATS,
    HEADLINE,
    HEADLINES,
    INTRO,
    LONG,
    MID_AND_COST,
    NO_SURVEY,
    OVERLAP,
    SCENARIOS,
    SHORT,
    SUBGROUPS,
    SURVEY,
    TESTED,
    TESTS,
    TOO_FEW,
    WORLD,
)
from coprod.experiments.reports.verdict import section_or_reason
from coprod.simulation.outputs import SURVEY_QUESTIONS

# The metrics of the early-window table (the ODD's pattern 2: dearer early).
EARLY_METRICS = ["cost_week", "professional_hours", "wellbeing_mean", "agency_mean", "dependence"]
# Shown in WEMWBS points as wellbeing_mean is (figures.ON_WEMWBS): the same row twice otherwise.
NOT_TABULATED = ("wemwbs_mean",)
# Levers every scenario's line names; any other lever only where it differs from the baseline.
KEY_LEVERS = ("power_rule", "reciprocity", "power_sharing", "involvement", "capacity_factor")
W, POINTS = st.WEMWBS_PER_UNIT, "{} WEMWBS points"
# "Social care and carers": end-window levels, and the rows in the order a reader follows a
# person (home care, a care home, the carer beside them); ``*_total`` from comparison.TOTALLED.
CARE_LEVELS = ["package_hours", "cost_packages", "residents_in_placement", "cost_placements",
               "carers", "carer_strain_mean", "carer_wellbeing_mean"]  # fmt: skip
CARE_ROWS = ["package_hours", "cost_packages", "residents_in_placement", "placements_total",
             "cost_placements", "carers", "carer_strain_mean", "carer_breakdowns_total",
             "carer_wellbeing_mean"]  # fmt: skip
SOCIAL_CARE = """## Social care and carers

Home-care packages, care homes and the family carers beside them. Levels are each run's mean
over its last {end} weeks (mean and 95% CI across replicates); placements and carers'
breakdowns are counted over the whole horizon (weeks 1-{weeks}), since they are rare. A
placement is decided at a review or after a crisis for someone whose support at home broke
down: under `expert` the professional decides it *to* the person (Carol's story in the
sources: "without further discussion he insisted that she move to a residential care home");
under sharing rules the person and their carer weigh the alternatives at home. A carer breaks
down when their strain passes its threshold: they stop caring for a while and the person is
re-assessed. Strain and wellbeing are on a 0-1 scale."""


def _failures(results: ResultsLike) -> list[str]:
    """A warning at the top when runs failed: how many, which, the first error of each kind
    (from the folder's status log, read by storage's own reader), so no reader takes a
    partial comparison for a whole one."""
    from coprod.experiments.jobs.storage import ResultsFolder

    failed = results.manifest.get("failed_runs") or []
    if not failed:
        return []
    logged = ResultsFolder(Path(results.path)).recover_status()
    lines = {
        run_id: ((logged.get(run_id, {}).get("error") or "").strip().splitlines() or [""])[-1]
        if run_id in logged
        else "error not logged"
        for run_id in failed
    }
    total = results.manifest.get("counts", {}).get("runs", len(lines))
    return [f"**Warning: {failures_in_words(lines, total)}** The figures below leave them out."]


def write_report(results: ResultsLike, out_dir: Path, drawing: Executor | None = None) -> Path:
    """Write ``out_dir/report.md``, the same page as a self-contained ``report.html``,
    ``out_dir/figures/*.png`` and ``report_over_time.csv`` (weekly mean and 95% CI of every
    metric); return the Markdown report's path. ``drawing``: a local process pool to draw the
    figures on while the page is written (:mod:`.drawing`), the largest first; None draws
    them here."""
    out_dir, c, ts, draw = Path(out_dir), compare(results), results.timeseries, Drawing(drawing)
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    over_time = st.ci_table(
        ts.assign(scenario=ts["scenario"].astype(str)),
        ["scenario", "week"],
        c.metrics,
        st.ranges(c.metrics),
    )
    over_time.to_csv(out_dir / "report_over_time.csv", index=False)
    colours = figures.palette(c.order, c.baseline)
    heads = [m for m in st.HEADLINE if m in c.metrics]
    timelines = _timelines(results.manifest, c.order)
    marks = [(s, t["week"], _lever_words(t)) for s, changes in timelines.items() for t in changes]
    panels = {"timeseries": figures.TIMESERIES_PANELS}  # the largest figures first
    panels |= {"social_care": figures.CARE_PANELS} if _care_levels(c) else {}
    for name, chosen in panels.items():
        draw(
            figures.timeseries, over_time, c.order, colours, fig_dir / f"{name}.png", marks, chosen
        )
    cost = fig_dir / "cumulative_cost.png"
    draw(figures.cumulative_cost, over_time, c.cost_diff, c.order, colours, c.baseline, cost, marks)
    ends = fig_dir / "end_distributions.png"
    draw(figures.end_distributions, c.end, heads, c.order, colours, ends)
    if c.others:
        forest = fig_dir / "forest.png"
        draw(figures.forest, c.d_end, heads, c.order, colours, st.MID, c.baseline, forest)
    n_reps = c.end.groupby(level="scenario", observed=True).size()
    reps = f"{n_reps.min()}" if n_reps.min() == n_reps.max() else f"{n_reps.min()}-{n_reps.max()}"
    early = f"{st.EARLY_WEEKS[0]}-{st.EARLY_WEEKS[1]}"
    title, intro = _intro(results, c, reps, early).split("\n\n", 1)
    verdict = section_or_reason(results, c.baseline, "replicates") if c.others else ""
    out = [title, verdict, intro, *_failures(results)]
    base = results.manifest.get("job", {}).get("base")
    out += [BASE.format(base=base)] if base else []
    out += _world(results.runs, c.baseline)
    out += _scenarios(results.manifest, c, timelines)
    facts = {s: _facts(c, s) for s in c.others}
    out += [HEADLINES, *(HEADLINE.format(**f) for f in facts.values())]
    if not facts:
        out.append(
            "Only the baseline ran: every run of the other scenarios failed (above)."
            if results.manifest.get("failed_runs")
            else "Only the baseline ran."
        )
    out += _tests(c) + _mid_and_cost(c, facts) + _tables(c, early)
    out += _social_care(c)
    out += budget_section(ts, fig_dir, [])  # commissioning (issue 17): the yearly split
    survey_week = param_words(results.runs, "survey_week")
    if results.survey is not None and not results.survey.empty:
        out += _survey(results.survey, c.baseline, survey_week)
    elif survey_week.isdigit() and c.weeks < int(survey_week):
        out.append(NO_SURVEY.format(weeks=c.weeks, survey_week=survey_week))
    if results.agents is not None and not results.agents.empty:
        out += _subgroups(results.agents, c, colours, fig_dir, draw)
    overlap = OVERLAP if c.weeks < st.EARLY_WEEKS[1] + st.END_WINDOW else ""
    out.append(
        CAVEATS.format(
            horizon=(SHORT if c.weeks < 52 else LONG).format(weeks=c.weeks, overlap=overlap),
            reps=reps,
            no_ci=": no CIs and no tests" if n_reps.min() < 2 else "",
            n_tests=_n_tests(c),
            **{
                k: param_words(results.runs, k)
                for k in ("price_year", "cost_basis", "discount_rate")
            },
        )
    )
    path = out_dir / "report.md"
    path.write_text("\n\n".join(x for x in out if x) + "\n", encoding="utf-8")
    draw.finish()  # the page inlines the figures
    write_html(path)
    return path


def _intro(results: ResultsLike, c: Comparison, reps: str, early: str) -> str:
    """The title, then who, how long, how many and which seed: what every number rests on."""
    return INTRO.format(
        scenarios=", ".join(c.order),
        baseline=c.baseline,
        reps=reps,
        weeks=c.weeks,
        warmup=count_words(results.runs, "warmup_weeks"),
        population=population(results.runs),
        seed=results.manifest.get("job", {}).get("seed", "unstated"),
        end=st.END_WINDOW,
        early=early,
    )


def _timelines(manifest: dict, order: list[str]) -> dict[str, list[dict]]:
    """Each scenario's policy timeline (lever changes at given weeks), in week order, from
    the manifest's resolved scenarios; scenarios without one are left out."""
    scenarios = manifest.get("scenarios") or manifest.get("job", {}).get("scenarios") or {}
    out = {}
    for name in order:
        timeline = (scenarios.get(name) or {}).get("timeline") or []
        if timeline:
            out[name] = sorted(timeline, key=lambda change: int(change["week"]))
    return out


def _lever_words(change: dict) -> str:
    """One timeline entry's levers, briefly: "capacity_factor 0.8, reciprocity none" (a
    lever the entry leaves unset, None in a dumped schema, is not a change)."""
    return ", ".join(f"{k} {v}" for k, v in change.items() if k != "week" and v is not None)


def _scenarios(manifest: dict, c: Comparison, timelines: dict[str, list[dict]]) -> list[str]:
    """Each scenario's policy in one line: its key levers (others where they differ from
    the baseline's) and the changes of its timeline, week by week."""
    from coprod.simulation.params import LEVERS

    scenarios = manifest.get("scenarios") or manifest.get("job", {}).get("scenarios") or {}
    if not all(scenarios.get(name) for name in c.order):
        return []  # a job that did not record its scenarios' parameters
    base = scenarios[c.baseline]
    rows = []
    for name in c.order:
        values = scenarios[name]
        levers = [
            k
            for k in LEVERS
            if k in values and k != "timeline" and (k in KEY_LEVERS or values[k] != base.get(k))
        ]  # a timeline is listed on its own, below
        line = f"- **{name}**{' (baseline)' if name == c.baseline else ''}: " + ", ".join(
            f"`{k}` {values[k]}" for k in levers
        )
        changes = "; ".join(f"week {t['week']}: {_lever_words(t)}" for t in timelines.get(name, []))
        rows.append(line + (f". Timeline: {changes}." if changes else "."))
    which = ", ".join(f"`{k}`" for k in KEY_LEVERS)
    return [SCENARIOS.format(which=which, baseline=c.baseline, rows="\n".join(rows))]


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


def _pairs(c: Comparison) -> int:
    """The most paired replicates any comparison has."""
    return int(c.d_end["n"].max()) if len(c.d_end) else 0


def _can_reach_significance(c: Comparison) -> bool:
    return st.smallest_wilcoxon_p(_pairs(c)) <= st.SIGNIFICANCE


def _n_tests(c: Comparison) -> int:
    """Tests reported: none when no test could reach 5%."""
    return int(c.tests["p"].notna().sum()) if _can_reach_significance(c) else 0


def _tests(c: Comparison) -> list[str]:
    """The handful of headline tests, with their number stated; with too few pairs to reach
    5%, the differences without p values and the reason."""
    show = _can_reach_significance(c)
    rows = [
        [
            r.scenario,
            figures.label(r.metric),
            with_ci(_shown_est(c, r.scenario, r.metric), r.metric, True),
            fmt(c.est(r.scenario, r.metric)[3]),
            fmt_p(r.p) if show else "-",
            fmt_p(r.p_holm) if show else "-",
        ]
        for r in c.tests.itertuples()
    ]
    if not rows:
        return []
    pairs, k = _pairs(c), len(c.tests["metric"].unique())
    p_min = st.smallest_wilcoxon_p(pairs)
    words = dict(n=_n_tests(c), k=k, m=len(c.others), pairs=pairs, p_min=p_min)
    tested = (TESTED if show else TOO_FEW).format(**words)
    return [TESTS.format(tested=tested, baseline=c.baseline, rows=md_rows(rows))]


def _shown_est(c: Comparison, scen: str, metric: str, table: str = "end") -> list[float]:
    """[diff, lo, hi] of a paired difference in the unit the metric is shown in."""
    return list(figures.shown(metric, c.est(scen, metric, table=table)[:3], difference=True))


def _mid_and_cost(c: Comparison, facts: dict[str, dict[str, str]]) -> list[str]:
    """The "no gain" verdicts against minimal important differences, then break-even and
    cost per point."""
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


def _level_table(
    values: pd.DataFrame, metrics: list[str], order: list[str], bounds: dict | None = None
) -> str:
    """Each metric's mean (95% CI) across replicates per scenario, in its shown unit; a level
    stays in its documented range (``bounds``, :func:`stats.ranges` by default)."""
    bounds = st.ranges(metrics) if bounds is None else bounds
    lv = st.ci_table(values, ["scenario"], metrics, bounds)
    # one lookup, not a .loc per cell (hundreds of cells: most of this table's time); Python
    # floats, as a row's Series gives them: numpy's own formatting rounds 0.05 to "0.0"
    keys = zip(lv["scenario"], lv["metric"], strict=True)
    cells = dict(zip(keys, lv[["mean", "lo", "hi"]].to_numpy().tolist(), strict=True))
    rows = [
        [figures.label(m), *(with_ci(list(figures.shown(m, cells[(s, m)])), m) for s in order)]
        for m in metrics
    ]
    return md_table(["metric (unit)", *order], rows)


def _difference_table(diffs: pd.DataFrame, metrics: list[str], others: list[str]) -> str:
    """Each metric's paired difference (95% CI) from the baseline per scenario, from a
    :func:`stats.paired_differences` table; "n/a" where a pair is missing."""
    d = diffs.set_index(["scenario", "metric"])[["diff", "lo", "hi"]]

    def cell(s: str, m: str) -> str:
        est = d.loc[(s, m)].tolist() if (s, m) in d.index else [np.nan] * 3
        return with_ci(list(figures.shown(m, est, difference=True)), m, True)

    rows = [[figures.label(m), *(cell(s, m) for s in others)] for m in metrics]
    return md_table(["metric (unit)", *others], rows)


def _tables(c: Comparison, early: str) -> list[str]:
    """Every metric's level and paired difference at the end, then early differences."""
    metrics = [m for m in c.metrics if m not in NOT_TABULATED]
    out = [
        "## Every metric at the end: mean (95% CI) across replicates",
        _level_table(c.end, metrics, c.order),
        "![end-of-horizon distributions](figures/end_distributions.png)",
        "Week-by-week means and 95% CIs of every metric are in `report_over_time.csv`.",
        "![time series](figures/timeseries.png)",
    ]
    if c.others:
        early_metrics = [m for m in EARLY_METRICS if m in c.metrics]
        out += [
            f"## Every metric at the end: paired difference from {c.baseline} (95% CI)",
            _difference_table(c.d_end, metrics, c.others),
            f"## Early (weeks {early}): paired difference from {c.baseline} (95% CI)",
            _difference_table(c.d_early, early_metrics, c.others),
        ]
    return out


def _care_levels(c: Comparison) -> list[str]:
    """The social-care levels the results have: none before version 2 of the model."""
    return [m for m in CARE_LEVELS if m in c.metrics]


def _social_care(c: Comparison) -> list[str]:
    """Home care, care homes and family carers per scenario (issue 12): levels over the end
    window, placements and breakdowns counted over the horizon, paired differences from the
    baseline, and the weeks behind them (``social_care.png``, drawn with the other figures).
    Left out for results from before version 2."""
    levels = _care_levels(c)
    if not levels:
        return []
    values = c.end[levels].join(c.totals)
    rows = [m for m in CARE_ROWS if m in values.columns]
    bounds = {**st.ranges(levels), **dict.fromkeys(c.totals.columns, (0.0, np.inf))}
    out = [
        SOCIAL_CARE.format(end=st.END_WINDOW, weeks=c.weeks, baseline=c.baseline),
        _level_table(values, rows, c.order, bounds),
    ]
    if c.others:
        out += [
            f"Paired difference from {c.baseline} on the same people and seeds (95% CI):",
            _difference_table(st.paired_differences(values[rows], c.baseline), rows, c.others),
        ]
    return [*out, "![social care and carers over time](figures/social_care.png)"]


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
    questions = "; ".join(f"*{_words(q)}*: {SURVEY_QUESTIONS[q]}" for q in qs)
    header = " | ".join(map(_words, qs))
    table = dict(header=header, rules=" | ".join(["---"] * len(qs)), rows=md_rows(rows))
    return [SURVEY.format(week=week, baseline=baseline, questions=questions, **table)]


def _words(name: str) -> str:
    """A column name read as words: better_quality_of_life -> Better quality of life."""
    return name.replace("_", " ").capitalize()


def _subgroups(
    agents: pd.DataFrame, c: Comparison, colours: dict, fig_dir: Path, draw: Drawing
) -> list[str]:
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
        base = figures.shown("wellbeing_mean", wide.xs(c.baseline).mean())
        rows = [[c.baseline, *(fmt(v, "wemwbs_mean") for v in base)]]
        rows += [[s, *(cis[(s, q)] for q in wide.columns)] for s in c.others if s in d.index]
        draw(figures.subgroups, indiv, by, c.order, colours, fig_dir / f"subgroups_{by}.png")
        words = figures.SUBGROUP_WORDS.get(by, by)
        out += [
            f"### By {words} at week 0 (Q1 = lowest)",
            md_table(["scenario", *wide.columns], rows),
            f"![end wellbeing by {by}](figures/subgroups_{by}.png)",
        ]
    return out

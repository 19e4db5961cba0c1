"""``sweep.md``: the short summary ``coprod sweep`` writes into its results folder.

A sweep's full story lives in its tables, and an analyst continues in pandas
(:mod:`.analysis`); this page answers the first question at a glance (where does
the swept scenario cost less than the baseline, and from which week) and points to the
figures and the code that go further. Like the comparison report it reads only the results
folder, so it can be rebuilt from the folder alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod.experiments.jobs.results import Results
from coprod.experiments.reports.analysis import (
    cost_crossing,
    heatmap,
    response_curves,
    summarise,
    varied,
)
from coprod.experiments.reports.formatting import fmt, population, with_ci
from coprod.experiments.reports.html import write_html
from coprod.experiments.reports.markdown import md_table
from coprod.experiments.reports.report import CARE_LEVELS
from coprod.experiments.reports.verdict import section_or_reason

CURVE_METRICS = ("wemwbs_mean", "dependence", "cost_week", "total_cost")
HORIZON_WEEKS = 104  # "within two years": the question sweeps are mostly asked
MAX_ROWS = 24  # a longer table goes to pandas, not to a page


def write_sweep_report(results: Results, out_dir: Path) -> Path:
    """Write ``sweep.md``, the same page as a self-contained ``sweep.html``, and its figures
    under ``out_dir``; return the Markdown page's path."""
    job = results.manifest["job"]
    baseline = job.get("baseline")
    params = varied(results)
    figures = out_dir / "figures"
    lines = [f"# Sweep: {Path(job['experiment']).stem}", "", job.get("description", ""), ""]
    if baseline:
        lines += [section_or_reason(results, baseline, "points"), ""]
    lines += [_setup(results), ""]
    if baseline:
        lines += _crossing(results, baseline)
    else:
        lines += _means(results)
    lines += _social_care(results)
    shown = [response_curves(results, CURVE_METRICS, figures / "response_curves.png")]
    numeric = [p for p in params if pd.api.types.is_numeric_dtype(results.runs[p])]
    if len(numeric) >= 2:
        x, y = numeric[:2]
        for metric in ("total_cost", "wemwbs_mean"):
            path = figures / f"heatmap_{metric}.png"
            shown.append(heatmap(results, x, y, metric, path, baseline=baseline))
    lines += ["", "## Figures", ""]
    lines += [f"![{path.stem}](figures/{path.name})" for path in shown]
    lines += ["", "## Go on in pandas", "", "```python", *_snippet(out_dir, baseline), "```", ""]
    page = out_dir / "sweep.md"
    page.write_text("\n".join(lines), encoding="utf-8")
    write_html(page)
    return page


def _setup(results: Results) -> str:
    """What was run, in one paragraph."""
    job, counts = results.manifest["job"], results.manifest.get("counts", {})
    scenarios = list(job["scenarios"])
    ranges = "; ".join(f"{name} {_dimension(dim)}" for name, dim in job["vary"].items())
    weeks = results.timeseries["week"].max()
    return (
        f"Experiment file `{job['experiment']}`: {job['design']} design of "
        f"{len(job['points'])} points x {len(scenarios)} scenarios ({', '.join(scenarios)}) x "
        f"{job['replicates']} replicates = {counts.get('runs')} runs ({counts.get('done')} done, "
        f"{counts.get('failed')} failed); {weeks} weeks; seed {job['seed']}. Varied: {ranges}. "
        f"Population: {population(results.runs)}."
    )


def _dimension(dim: dict | list) -> str:
    if isinstance(dim, list):
        return "in " + ", ".join(map(str, dim))
    spacing = ", log-spaced" if dim["log"] else ""
    steps = f", {dim['steps']} steps{spacing}" if dim["steps"] else spacing
    return f"{dim['min']:g} to {dim['max']:g}{steps}"


def _crossing(results: Results, baseline: str) -> list[str]:
    """The cost crossing table: where the swept scenario is cheaper than the baseline."""
    table = cost_crossing(results, baseline, HORIZON_WEEKS)
    week = int(table["week"].max())
    cheaper = int((table["ci_high"] < 0).sum())
    lines = [
        f"## Cumulative cost against {baseline} at week {week}",
        "",
        f"Paired by replicate within each design point: the mean difference (scenario - "
        f"{baseline}) with its 95% t-CI; *cheaper from* is the first recorded week from which "
        f"the scenario's mean cumulative cost stays below {baseline}'s. Cheaper with the whole "
        f"CI below zero at {cheaper} of {len(table)} design points and scenarios.",
        "",
    ]
    if len(table) > MAX_ROWS:
        lines += [f"The {MAX_ROWS} cheapest rows (all of them: `cost_crossing` below):", ""]
        table = table.nsmallest(MAX_ROWS, "diff")
    params = varied(results)
    rows = [
        [
            *(f"{row[p]:.3g}" if isinstance(row[p], float) else str(row[p]) for p in params),
            row["scenario"],
            fmt(row["cost"], "cost_cumulative"),
            fmt(row["baseline_cost"], "cost_cumulative"),
            with_ci([row["diff"], row["ci_low"], row["ci_high"]], "cost_cumulative", sign=True),
            "-" if pd.isna(row["crossing_week"]) else str(row["crossing_week"]),
        ]
        for _, row in table.iterrows()
    ]
    header = [*params, "scenario", "cost (GBP)", baseline, "difference (95% CI)", "cheaper from"]
    return [*lines, md_table(header, rows)]


def _means(results: Results) -> list[str]:
    """Without a baseline: end-of-horizon means of wellbeing and cost per design point."""
    table = summarise(results, metrics=["wemwbs_mean", "total_cost"])
    wide = table.pivot_table(index=["scenario", *varied(results)], columns="metric", values="mean")
    lines = ["## Means over replicates (wellbeing over the last 8 weeks; cost at the end)", ""]
    rows = [
        [
            *map(str, key),
            fmt(row["wemwbs_mean"], "wemwbs_mean"),
            fmt(row["total_cost"], "cost_cumulative"),
        ]
        for key, row in wide.head(MAX_ROWS).iterrows()
    ]
    return [*lines, md_table([*wide.index.names, "wemwbs_mean", "total_cost (GBP)"], rows)]


def _social_care(results: Results) -> list[str]:
    """Home care, care homes and carers per scenario and design point: end-window means with
    their 95% CI across replicates (MODEL.md 10.10). Left out for results from before
    version 2, which have no social care."""
    levels = [m for m in CARE_LEVELS if f"end_{m}" in results.runs.columns]
    if not levels:
        return []
    table = summarise(results, metrics=levels)
    keys = ["scenario", *varied(results)]
    cells = table.assign(
        cell=[
            with_ci([row["mean"], row["ci_low"], row["ci_high"]], row["metric"])
            for _, row in table.iterrows()
        ]
    ).pivot_table(index=keys, columns="metric", values="cell", aggfunc="first", sort=False)
    lines = [
        "",
        "## Social care and carers",
        "",
        "Levels over each run's end window: mean and 95% CI across replicates. A sweep that "
        "moves need, carers or the power rule moves these first; the comparison report "
        "(`coprod report`) tells the story of one design point.",
        "",
    ]
    if len(cells) > MAX_ROWS:
        lines += [
            f"The first {MAX_ROWS} rows of {len(cells)} (all of them: `summarise` in pandas):"
        ]
        lines += [""]
    rows = [
        [*map(str, key), *(row[m] for m in levels)] for key, row in cells.head(MAX_ROWS).iterrows()
    ]
    return [*lines, md_table([*keys, *levels], rows)]


def _snippet(out_dir: Path, baseline: str | None) -> list[str]:
    return [
        "import coprod",
        "from coprod.experiments.reports.analysis import cost_crossing, summarise",
        "",
        f'res = coprod.load("{out_dir}")',
        'summarise(res, metrics=["wemwbs_mean", "dependence", "total_cost"])',
        *([f'cost_crossing(res, baseline="{baseline}")'] if baseline else []),
    ]

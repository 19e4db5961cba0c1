"""The analysis of a sensitivity study, from its results folder alone: indices and a report.

Each output is read from every run, paired with its ``minus`` scenario at the same design point
and replicate (common random numbers), and averaged over replicates per design point before
SALib's estimators see it: the indices describe the model's response, not replicate noise, and
the report says how much of the run-to-run variance that noise was. The design is rebuilt from
the manifest (method, ranges, N, seed) and checked against the stored points, so a report can
be rebuilt later from the folder, and a SALib that samples differently is caught, not trusted.
"""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats

from coprod.experiments.designs.design import Range
from coprod.experiments.jobs.results import Results
from coprod.experiments.methods.sensitivity import (
    OVER,
    Output,
    salib_seed,
    unit_problem,
    unit_sample,
)
from coprod.experiments.reports.figures import _save
from coprod.experiments.reports.html import write_html
from coprod.experiments.reports.markdown import md_table
from coprod.simulation.errors import CoprodError
from coprod.simulation.params import describe

RESAMPLES = 1000  # bootstrap resamples of SALib's confidence intervals
CONF_LEVEL = 0.95
HEADLINE = {"sobol": ("ST", "S1"), "morris": ("mu_star", "sigma")}
TOP = 3  # assumptions named per conclusion


def output_values(results: Results, output: Output) -> pd.Series:
    """One value per run of ``output.scenario`` (minus its pair in ``output.minus``), indexed
    by design point and replicate."""
    values = _scenario_values(results, output, output.scenario)
    if output.minus is not None:
        values = values - _scenario_values(results, output, output.minus)
    return values.dropna()


def _scenario_values(results: Results, output: Output, scenario: str) -> pd.Series:
    runs = results.runs[results.runs["scenario"] == scenario].set_index("run_id")
    if output.week is None and output.over is None:
        values = runs[output.metric]
    elif output.over in ("end", "early"):
        values = runs[f"{output.over}_{output.metric}"]
    else:
        ts = results.timeseries
        ts = ts[ts["scenario"] == scenario]
        if output.week is not None:
            values = ts[ts["week"] == output.week].set_index("run_id")[output.metric]
        else:
            values = ts[ts["week"] >= 1].groupby("run_id")[output.metric].agg(output.over)
    index = pd.MultiIndex.from_frame(runs[["point", "replicate"]])
    return pd.Series(values.reindex(runs.index).to_numpy(), index=index, name=output.name)


def point_means(values: pd.Series, points: int) -> tuple[np.ndarray, dict[str, float]]:
    """Replicate means per design point, in design order, and how noisy the runs were:
    ``noise_share``, the share of the runs' sum of squares that lies between replicates of one
    point, and ``residual_share``, the pooled noise variance over the replicates per point,
    relative to the variance of the point means (what the indices still carry; near or above
    1, the means are mostly noise)."""
    by_point = values.groupby(level="point")
    means = by_point.mean().reindex(range(points))
    if means.isna().any():
        missing = int(means.isna().sum())
        raise CoprodError(
            f"output {values.name}: {missing} of {points} design points have no value. Either "
            "runs are missing (rerun with --resume) or the output is undefined there (a survey "
            "share with no participants, a week a run did not reach); SALib needs a value at "
            "every point, so choose an output defined everywhere."
        )
    deviations = values - by_point.transform("mean")
    within_ss, total_ss = float((deviations**2).sum()), float(((values - values.mean()) ** 2).sum())
    noise_var = within_ss / max(len(values) - points, 1)  # pooled within-point variance
    spread = float(means.var(ddof=1))
    noise = {
        "noise_share": within_ss / total_ss if total_ss > 0 else np.nan,
        "residual_share": noise_var / (len(values) / points) / spread if spread > 0 else np.nan,
    }
    return means.to_numpy(), noise


def indices(
    method: str,
    unit: np.ndarray,
    y: np.ndarray,
    names: list[str],
    base: int,
    levels: int,
    seed: int,
) -> pd.DataFrame:
    """SALib's indices at ``base`` and ``2 * base`` base samples (the first half of the design
    is itself a design at ``base``): tidy rows of parameter, index, value, ci (the half-width
    of the 95% bootstrap interval), base_samples. Sobol adds the Spearman correlation of each
    parameter with the output (``spearman``: the direction of its effect)."""
    from SALib.analyze import morris, sobol

    problem = unit_problem(names)
    rows = []
    for n in (base, 2 * base):
        if method == "sobol":
            count = n * (len(names) + 2)
            found = sobol.analyze(
                problem,
                y[:count],
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=seed,
            )
            pairs = {"S1": "S1_conf", "ST": "ST_conf"}
        else:
            count = n * (len(names) + 1)
            found = morris.analyze(
                problem,
                unit[:count],
                y[:count],
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=levels,
                seed=seed,
            )
            pairs = {"mu_star": "mu_star_conf", "sigma": None, "mu": None}
        for index, conf in pairs.items():
            for j, name in enumerate(names):
                ci = float(found[conf][j]) if conf else np.nan
                rows.append((name, index, float(found[index][j]), ci, n))
    if method == "sobol":
        for j, name in enumerate(names):
            rho = stats.spearmanr(unit[:, j], y).statistic
            rows.append((name, "spearman", float(rho), np.nan, 2 * base))
    return pd.DataFrame(rows, columns=["parameter", "index", "value", "ci", "base_samples"])


def analyse(results: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy indices of every output, and per output its noise and spread over points."""
    job = results.manifest["job"]
    names = list(job["vary"])
    unit = unit_sample(job["method"], names, job["base_samples"], job["levels"], job["seed"])
    _check_design(job, unit)
    tables, summaries = [], []
    for name, spec in job["outputs"].items():
        output = Output(**spec)
        y, noise = point_means(output_values(results, output), len(job["points"]))
        seed = salib_seed(job["seed"] + 1)  # the bootstrap's own stream, not the sampler's
        constant = np.ptp(y) == 0  # SALib divides by the spread: nothing moves this output
        with warnings.catch_warnings():
            if constant:
                warnings.simplefilter("ignore")
            found = indices(job["method"], unit, y, names, job["base_samples"], job["levels"], seed)
        found = found.assign(value=0.0, ci=0.0) if constant else found
        tables.append(found.assign(output=name))
        summaries.append(
            {
                "output": name,
                **noise,
                "min": y.min(),
                "median": np.median(y),
                "max": y.max(),
                "below_zero": float((y < 0).mean()),
            }
        )
    table = pd.concat(tables, ignore_index=True)
    columns = ["output", "parameter", "index", "value", "ci", "base_samples"]
    return table[columns], pd.DataFrame(summaries).set_index("output")


def _check_design(job: dict[str, Any], unit: np.ndarray) -> None:
    """The rebuilt design must be the one that was run."""
    for j, (name, dim) in enumerate(job["vary"].items()):
        stored = [point[name] for point in job["points"]]
        if not np.allclose(Range(**dim).scale(unit[:, j]), stored):
            raise CoprodError(
                f"this SALib draws another design than the one run (parameter {name}): "
                "rebuild the report with the SALib version in the manifest"
            )


def write_sensitivity_report(results: Results, out_dir: Path) -> Path:
    """Write the indices (Parquet, CSV), a chart per output, ``sensitivity.md`` and the same
    page as a self-contained ``sensitivity.html``."""
    job = results.manifest["job"]
    table, summary = analyse(results)
    table.to_parquet(out_dir / "sensitivity_indices.parquet", index=False)
    table.to_csv(out_dir / "sensitivity_indices.csv", index=False)
    figures = out_dir / "figures"
    figures.mkdir(exist_ok=True)
    lines = [f"# Sensitivity: {Path(job['experiment']).stem} ({job['method']})", ""]
    lines += [f"{text}\n" for text in (job.get("description"), _setup(results)) if text]
    lines += ["## What each conclusion leans on", ""]
    for name, spec in job["outputs"].items():
        rows = table[table["output"] == name]
        lines += _conclusion(Output(**spec), rows, summary.loc[name], job)
        chart = bar_chart(rows, job["method"], spec["label"], figures / f"sensitivity_{name}.png")
        lines += [f"![{name}](figures/{chart.name})", ""]
    lines += _noise(summary, job["replicates"]) + _convergence(table, job)
    lines += [
        "## Tables",
        "",
        "`sensitivity_indices.parquet` (and `.csv`): one row per output, "
        "parameter, index and base sample size; `ci` is the half-width of SALib's 95% "
        "bootstrap interval (value +- ci). Runs are in `runs.parquet` as in a sweep.",
        "",
    ]
    page = out_dir / "sensitivity.md"
    page.write_text("\n".join(lines), encoding="utf-8")
    write_html(page)
    return page


def bar_chart(rows: pd.DataFrame, method: str, title: str, path: Path) -> Path:
    """The indices at the larger sample, parameters ranked by the headline index, with CIs."""
    first, second = HEADLINE[method]
    shown = rows[(rows["base_samples"] == rows["base_samples"].max())]
    shown = shown[shown["index"].isin([first, second])]
    order = shown[shown["index"] == first].sort_values("value", ascending=False)["parameter"]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(order) + 1.6))
    sns.barplot(
        shown,
        y="parameter",
        x="value",
        hue="index",
        order=list(order),
        hue_order=[first, second],
        errorbar=None,
        ax=ax,
    )
    for bars, index in zip(list(ax.containers), (first, second), strict=True):
        ci = shown[shown["index"] == index].set_index("parameter").loc[list(order), "ci"]
        centres = [bar.get_y() + bar.get_height() / 2 for bar in bars]
        widths = [bar.get_width() for bar in bars]
        ax.errorbar(widths, centres, xerr=ci.fillna(0).to_numpy(), fmt="none", color="black")
    ax.set(xlabel="index (95% bootstrap CI)", ylabel="")
    ax.set_title(textwrap.fill(title, 70), fontsize=10)
    ax.legend(title=None, loc="lower right")
    fig.tight_layout()
    return _save(fig, path)


def _setup(results: Results) -> str:
    """What was run, in one paragraph."""
    job, counts = results.manifest["job"], results.manifest.get("counts", {})
    ranges = "; ".join(f"{k} {d['min']:g}-{d['max']:g}" for k, d in job["vary"].items())
    size = "base samples N" if job["method"] == "sobol" else "trajectories r"
    fixed = ", ".join(f"{k} = {v}" for k, v in job["fixed"].items()) or "none"
    return (
        f"`{job['experiment']}`, {job['method']}: {size} = {job['base_samples']}, run at twice "
        f"that for the convergence check: {len(job['points'])} design points x "
        f"{len(job['scenarios'])} scenarios ({', '.join(job['scenarios'])}) x "
        f"{job['replicates']} replicates = {counts.get('runs')} runs; seed {job['seed']}; "
        f"fixed: {fixed}. Varied (uniform): {ranges}."
    )


def _conclusion(output: Output, rows: pd.DataFrame, summary: pd.Series, job: dict) -> list[str]:
    """The three assumptions an output leans on most, in plain words."""
    first, second = HEADLINE[job["method"]]
    final = rows[rows["base_samples"] == rows["base_samples"].max()].pivot(
        index="parameter", columns="index", values=["value", "ci"]
    )
    ranked = final[("value", first)].sort_values(ascending=False)
    what = f"{output.scenario} minus {output.minus}" if output.minus else output.scenario
    when = f"week {output.week}" if output.week is not None else OVER.get(output.over or "")
    when = when or "one value per run"
    lines = [
        f"### {output.label}",
        "",
        f"`{output.metric}` ({what}; {when}) ranges from {_num(summary['min'])} to "
        f"{_num(summary['max'])} over the design points (median {_num(summary['median'])}).",
    ]
    if output.minus:
        lines[-1] += f" It is below zero at {summary['below_zero']:.0%} of them."
    if summary["min"] == summary["max"]:
        return [*lines, "", "No assumption moves it: it is the same at every design point.", ""]
    lines += ["", "It leans most on:", ""]
    direction = "spearman" if job["method"] == "sobol" else "mu"
    for rank, name in enumerate(ranked.index[:TOP], start=1):
        info, dim = describe(name), job["vary"][name]
        value, ci = final.loc[name, ("value", first)], final.loc[name, ("ci", first)]
        trend = final.loc[name, ("value", direction)]
        trend = trend / value if direction == "mu" and value > 0 else trend  # mu / mu*
        effect = _direction(trend) if value > 0 else "no effect at all on this output"
        lines.append(
            f"{rank}. **{name}**: {info['meaning'].lower()} ({dim['min']:g} to {dim['max']:g} "
            f"{info['unit']}): {first} {value:.3g} +- {ci:.2g}, {second} "
            f"{final.loc[name, ('value', second)]:.3g}; {effect}"
            + (" (within noise: its CI reaches zero)." if 0 < value <= ci else ".")
        )
    if job["method"] == "sobol":
        s1 = final[("value", "S1")].clip(lower=0).sum()
        share = f"about {1 - s1:.0%} of the variance comes from interactions between assumptions"
        additive = "the assumptions act nearly additively, interactions explain little"
        noisy = (
            "above 1, which variance shares cannot be: the estimates are still noisy at this "
            "N (raise `samples`)"
        )
        reading = noisy if s1 > 1.1 else additive if s1 >= 0.9 else share
        lines += ["", f"First-order indices sum to {s1:.2f}: {reading}."]
    return [*lines, ""]


def _num(value: float) -> str:
    """Pounds and counts in full with separators, shares and rates to three figures."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _direction(trend: float) -> str:
    """Plain words for a rank correlation (Sobol) or mu / mu* (Morris), both within [-1, 1]."""
    if abs(trend) < 0.3:
        return "no steady direction (it acts through interactions or changes sign)"
    return "higher values raise it" if trend > 0 else "higher values lower it"


def _noise(summary: pd.DataFrame, replicates: int) -> list[str]:
    """How much of the runs' variance is replicate noise, and what is left in the means."""
    rows = [
        [name, f"{row['noise_share']:.1%}", f"{row['residual_share']:.1%}"]
        if replicates > 1
        else [name, "not measured", "not measured"]  # one run per point: noise is unseen
        for name, row in summary.iterrows()
    ]
    return [
        "## Replicate noise",
        "",
        f"Replicates ({replicates} per design point and scenario) are averaged before the "
        "indices are estimated. *Noise share*: the share of the runs' total sum of squares "
        "that lies between replicates of one design point. *Left in the means*: the noise "
        "variance divided by the replicates, over the variance of the point means: what the "
        "indices still carry (near or above 100%, an output is mostly noise at these ranges).",
        "",
        md_table(["output", "noise share", "left in the means"], rows),
        "",
    ]


def _convergence(table: pd.DataFrame, job: dict) -> list[str]:
    """The headline indices at N and 2N side by side, per output."""
    first, second = HEADLINE[job["method"]]
    n = job["base_samples"]
    lines = ["## Convergence: N against 2N", ""]
    for name in job["outputs"]:
        rows = table[(table["output"] == name) & table["index"].isin([first, second])]
        wide = rows.pivot_table(
            index="parameter", columns=["index", "base_samples"], values="value"
        )
        wide = wide.sort_values((first, 2 * n), ascending=False)
        top = [set(wide[(first, size)].nlargest(TOP).index) for size in (n, 2 * n)]
        shift = (wide[(first, 2 * n)] - wide[(first, n)]).abs().max()
        same = "the same" if top[0] == top[1] else "NOT the same"
        cells = [
            [p, *(f"{wide.loc[p, (i, s)]:.3f}" for i in (first, second) for s in (n, 2 * n))]
            for p in wide.index
        ]
        header = ["parameter", *(f"{i} at {s}" for i in (first, second) for s in (n, 2 * n))]
        lines += [
            f"**{name}**: top {TOP} {same} at {n} and {2 * n}; largest change of {first} "
            f"{shift:.3f}.",
            "",
            md_table(header, cells),
            "",
        ]
    return lines

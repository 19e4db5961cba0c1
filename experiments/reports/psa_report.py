"""``psa.md`` (and ``psa.html``): the verdict a commissioner reads first, then the evidence.

Reads only the results folder (its manifest records the draws, the evaluation and the
groups), so the page can be rebuilt without the model: ``coprod report DIR``. The tables
come from ``methods.psa.analyse_folder``; how to read each is in docs/ECONOMICS.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from coprod.experiments.methods.economics.decision import NICE_THRESHOLDS
from coprod.experiments.reports.figures import _save, palette
from coprod.experiments.reports.html import write_html
from coprod.experiments.reports.markdown import md_table
from coprod.experiments.reports.verdict import break_even_weeks, horizon_of, verdict_section

THRESHOLDS = NICE_THRESHOLDS
"""NICE's range of cost per QALY gained below which an intervention is normally funded."""


def write_psa_report(results: Any, out: Path) -> Path:
    """Analyse the PSA of ``results`` and write ``psa.md``, ``psa.html`` and their figures."""
    from coprod.experiments.methods.psa import analyse_folder

    outcome = analyse_folder(results)
    job = results.manifest["job"]
    figures = Path(out) / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    arms = list(outcome.plane["scenario"].unique())
    colours = palette([job["baseline"], *arms], job["baseline"])
    plane_png = _plane(outcome.plane, colours, figures / "ce_plane.png")
    ceac_png = _ceac(outcome.ceac, colours, figures / "ceac.png")
    lines = [
        f"# Probabilistic sensitivity analysis: {Path(job['experiment']).stem}",
        "",
        *([job["description"], ""] if job.get("description") else []),
        psa_verdict(results, outcome),
        "",
        _population(results, job),
        "",
        _distributions(job),
        "",
        "## The cost-effectiveness plane",
        "",
        f"![Cost-effectiveness plane]({plane_png.relative_to(out)})",
        "",
        "Each point is one draw of the uncertain parameters: right of zero the arm gains QALYs,"
        " below zero it saves money. The dashed lines are GBP 20,000 and 30,000 per QALY: "
        "points below a line are cost-effective at that threshold.",
        "",
        "## Acceptability",
        "",
        f"![Cost-effectiveness acceptability curves]({ceac_png.relative_to(out)})",
        "",
        "The share of draws in which each arm has the highest net benefit, by the value put on "
        "a QALY. The frontier (the arm with the highest *expected* net benefit, the one to "
        "choose):",
        "",
        _frontier(outcome.ceaf),
        "",
        "## What more evidence would be worth",
        "",
        information(outcome.evpi, outcome.evppi),
        "",
        "## When it pays",
        "",
        boxes_words(outcome.boxes),
        "",
    ]
    page = Path(out) / "psa.md"
    page.write_text("\n".join(lines), encoding="utf-8")
    write_html(page)
    return page


def psa_verdict(results: Any, outcome: Any, heading: str = "## The verdict") -> str:
    """The commissioner's table of a PSA folder (``reports.verdict``), intervals over draws."""
    job = results.manifest["job"]
    return verdict_section(
        outcome.verdict,
        break_even_weeks(results.timeseries, job["baseline"]),
        horizon_of(results.runs, results.timeseries),
        job["evaluation"],
        "draws",
        job["baseline"],
        heading,
    )


def _population(results: Any, job: dict[str, Any]) -> str:
    """What was run: draws, arms, replicates and seed (who and how long: under the table)."""
    return (
        f"**{job['samples']} parameter draws** x {len(job['scenarios'])} arms (baseline "
        f"included) x {job['replicates']} replicate(s) = {len(results.runs):,} runs; seed "
        f"{job['seed']}."
    )


def _distributions(job: dict[str, Any]) -> str:
    """The mapping's source and weakness, and each uncertain parameter's distribution and
    source (folders older than the record of them show the mapping only)."""
    mapping = job["evaluation"]
    text = (
        f"The utility mapping `{mapping['utility_mapping']}` and its coefficients' "
        f"uncertainty, drawn in every draw: {mapping['utility_source']} "
        f"{mapping['utility_weakness']}"
    )
    stated = job.get("uncertain") or {}
    if not stated:
        return text
    rows = [[f"`{name}`", d["distribution"], d["source"]] for name, d in stated.items()]
    table = md_table(["parameter", "drawn from", "source"], rows)
    return f"{text}\n\nThe uncertain parameters:\n\n{table}"


def _frontier(ceaf: Any) -> str:
    chosen = ceaf.loc[[t for t in ceaf.index if t in (0, 10_000, *THRESHOLDS, 50_000)]]
    rows = [
        [f"{threshold:,.0f}", str(row["arm"]), f"{row['probability']:.0%}"]
        for threshold, row in chosen.iterrows()
    ]
    return md_table(["GBP per QALY", "arm to choose", "probability it is best"], rows)


def information(evpi: Any, evppi: Any) -> str:
    """EVPI and partial EVPI at NICE's thresholds, per person affected."""
    rows = [
        [f"{lam:,}", f"{evpi.get(lam, float('nan')):,.0f}"]
        + [f"{evppi.loc[lam, group]:,.0f}" for group in evppi.columns]
        for lam in THRESHOLDS
        if lam in evppi.index
    ]
    header = ["GBP per QALY", "EVPI (all)", *(f"EVPPI: {g}" for g in evppi.columns)]
    return (
        md_table(header, rows) + "\n\nGBP per person affected by the decision: the most it "
        "would be worth paying to remove all uncertainty (EVPI) or that of one group of "
        "parameters (EVPPI, by a regression metamodel). Multiply by the people affected over "
        "the decision's life; zero means more evidence would not change the choice."
    )


def boxes_words(boxes: dict[str, list[Any]]) -> str:
    """PRIM's readable rules for where each arm's net benefit at GBP 20,000 is positive."""
    lines = []
    for arm, found in boxes.items():
        if not found:
            lines.append(
                f"- **{arm}**: no box: it pays in every draw or in none, or no region stands out."
            )
        for box in found:
            lines.append(
                f"- **{arm}**: {box.rule('INMB at GBP 20,000 > 0')} (coverage "
                f"{box.coverage:.0%}, density {box.density:.0%}, {box.mass:.0%} of draws)"
            )
    return "\n".join(lines)


def _plane(plane: Any, colours: dict, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    for arm, rows in plane.groupby("scenario", sort=False):
        ax.scatter(rows["d_qalys"], rows["d_cost"], s=14, alpha=0.7, color=colours[arm], label=arm)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    low, high = ax.get_xlim()
    for lam in THRESHOLDS:
        ax.plot([low, high], [lam * low, lam * high], ls="--", lw=0.8, color="black")
    ax.set_xlim(low, high)
    ax.set_xlabel("QALYs gained per person (discounted)")
    ax.set_ylabel("Extra cost per person (GBP, discounted)")
    ax.legend(frameon=False)
    return _save(fig, path)


def _ceac(ceac: Any, colours: dict, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for arm in ceac.columns:
        ax.plot(ceac.index, ceac[arm], color=colours.get(arm), label=arm, lw=2)
    for lam in THRESHOLDS:
        ax.axvline(lam, ls="--", lw=0.8, color="black")
    ax.set_ylim(0, 1)
    ax.set_xlabel("Value of a QALY (GBP)")
    ax.set_ylabel("Probability cost-effective")
    ax.legend(frameon=False)
    return _save(fig, path)

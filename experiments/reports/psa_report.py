"""``psa.md`` (and ``psa.html``): the verdict a commissioner reads first, then the evidence.

Reads only the results folder (its manifest records the draws, the evaluation and the
groups), so the page can be rebuilt without the model: ``coprod report DIR``. The tables
come from ``methods.psa.analyse_folder``; how to read each is in docs/ECONOMICS.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from coprod.experiments.reports.figures import _save, palette
from coprod.experiments.reports.html import write_html
from coprod.experiments.reports.report import md_table

THRESHOLDS = (20_000, 30_000)
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
        _population(results, job),
        "",
        "## The verdict",
        "",
        "Against " + job["baseline"] + ", per person over the horizon, discounted; intervals "
        "are the 2.5th to 97.5th percentiles over the parameter draws (replicates averaged "
        "within each draw, so they show parameter uncertainty, not replicate noise).",
        "",
        _verdict(outcome.verdict),
        "",
        _settings(job["evaluation"]),
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
        _information(outcome.evpi, outcome.evppi),
        "",
        "## When it pays",
        "",
        _boxes(outcome.boxes),
        "",
    ]
    page = Path(out) / "psa.md"
    page.write_text("\n".join(lines), encoding="utf-8")
    write_html(page)
    return page


def _population(results: Any, job: dict[str, Any]) -> str:
    """Who and how long the figures are for."""
    runs = results.runs
    people = int(runs["n_users"].iloc[0]) if "n_users" in runs else "?"
    weeks = int(runs["weeks"].iloc[0]) if "weeks" in runs else job.get("steps")
    return (
        f"**{job['samples']} parameter draws** x {len(job['scenarios'])} arms (baseline "
        f"included) x {job['replicates']} replicate(s); {people:,} service "
        f"users; a horizon of {weeks} weeks ({weeks / 52:.1f} years); seed {job['seed']}. "
        "The population is a closed cohort (no entries into care, exits or deaths yet): "
        "read per-person figures as per place in the service."
    )


def _verdict(verdict: Any) -> str:
    rows = []
    for _, row in verdict.iterrows():
        cells = [
            str(row["scenario"]),
            _range(row, "d_qalys", "{:+.4f}"),
            _range(row, "d_cost", "{:+,.0f}"),
            _icer(row),
        ]
        for lam in THRESHOLDS:
            cells.append(_range(row, f"inmb_{lam}", "{:+,.0f}"))
            cells.append(f"{row[f'p_ce_{lam}']:.0%}")
        rows.append(cells)
    header = ["arm", "QALYs gained", "extra cost (GBP)", "ICER"]
    for lam in THRESHOLDS:
        header += [f"INMB at {lam:,} (GBP)", f"P(cost-effective at {lam:,})"]
    return md_table(header, rows)


def _range(row: Any, key: str, form: str) -> str:
    return (
        f"{form.format(row[key])} ({form.format(row[key + '_lo'])} to "
        f"{form.format(row[key + '_hi'])})"
    )


def _icer(row: Any) -> str:
    """The ICER in words where a ratio would mislead (dominance, a saving per QALY lost)."""
    quadrant = row["quadrant"]
    if quadrant in ("dominant", "dominated", "no difference"):
        return quadrant
    return f"GBP {row['icer']:,.0f} ({quadrant})"


def _settings(stated: dict[str, Any]) -> str:
    """The evaluation's perspective, rates and mapping, in the reader's words."""
    text = (
        f"Perspective: {stated['perspective']}. Costs discounted at "
        f"{stated['cost_discount_rate']:.1%} a year and QALYs at "
        f"{stated['qaly_discount_rate']:.1%}. Utilities from wellbeing by "
        f"{stated['utility_mapping']} ({stated['utility_source']}): {stated['utility_weakness']}"
    )
    if "hour_value_gbp" in stated:
        text += (
            f" Unpaid hours valued at GBP {stated['hour_value_gbp']:.2f} "
            f"({stated['hour_value_source']})."
        )
    return text


def _frontier(ceaf: Any) -> str:
    chosen = ceaf.loc[[t for t in ceaf.index if t in (0, 10_000, *THRESHOLDS, 50_000)]]
    rows = [
        [f"{threshold:,.0f}", str(row["arm"]), f"{row['probability']:.0%}"]
        for threshold, row in chosen.iterrows()
    ]
    return md_table(["GBP per QALY", "arm to choose", "probability it is best"], rows)


def _information(evpi: Any, evppi: Any) -> str:
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


def _boxes(boxes: dict[str, list[Any]]) -> str:
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

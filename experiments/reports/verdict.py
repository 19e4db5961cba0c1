"""The commissioner's 30-second table that opens every report (compare, sweep and PSA).

Per arm against the baseline: the wellbeing gain in WEMWBS points and the QALYs gained per
person, the discounted extra cost per person over the horizon, the ICER or dominance, the
incremental net monetary benefit (INMB) at GBP 20,000 and 30,000 per QALY, the probability
of being cost-effective at those thresholds, and the break-even week; under it, the
population and horizon the figures are for, the perspective, discounting and utility mapping,
and what the intervals and probabilities mean. One function writes it
(:func:`verdict_section`) from ``economics.summarise``'s table, so the three reports cannot
drift apart; :func:`replicate_verdict` makes that table for a results folder without
parameter draws (a compare, or a sweep over its design points).

Two kinds of probability are kept apart in the words: in a PSA, the share of parameter draws
in which the arm is cost-effective (a probability over what we do not know about the world);
without a PSA, the share of paired replicates with a positive INMB (noise between random
populations only: no parameter uncertainty is in it, and the table says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coprod.experiments.methods.economics.costing import DEFAULT, Evaluation
from coprod.experiments.methods.economics.decision import NICE_THRESHOLDS, evaluate
from coprod.experiments.reports import stats as st
from coprod.experiments.reports.markdown import md_table
from coprod.simulation.errors import CoprodError

BASES = {
    "draws": (
        "Intervals: 2.5th to 97.5th percentiles over the parameter draws (replicates averaged "
        "within each draw). P(cost-effective): the share of draws with a positive INMB, the "
        "probability the arm is cost-effective given the distributions of the uncertain "
        "parameters."
    ),
    "replicates": (
        "Intervals: 95% t-intervals of the mean over paired replicates. **No PSA was run**: "
        "P(cost-effective) here is the share of paired replicates with a positive INMB, which "
        "reflects only the noise between random populations, not the uncertainty of the "
        "parameters (run `coprod psa` for that)."
    ),
    "points": (
        "Pooled over every design point of the sweep, paired by point and replicate: the "
        "figures average over the swept ranges as if each point were equally likely. "
        "Intervals: 95% t-intervals over those pairs. **No PSA was run**: P(cost-effective) "
        "is the share of pairs with a positive INMB, not a probability over parameter "
        "uncertainty."
    ),
}
"""What the intervals and P(cost-effective) of each kind of folder mean."""


@dataclass(frozen=True)
class Horizon:
    """The population and horizon a verdict's figures are for."""

    people: int | None
    weeks: int

    def words(self) -> str:
        """The sentence under the table."""
        who = f"{self.people:,}" if self.people else "the runs' `n_users`"
        return (
            f"**For** each of {who} places in the service (`n_users`; about as many residents "
            f"are in care at rest), over a horizon of {self.weeks} weeks "
            f"({self.weeks / 52:.1f} years); an open cohort: residents age, die and are "
            "replaced, and enter and leave care, so per person means per place in the service."
        )


def verdict_section(
    verdict: pd.DataFrame,
    break_even: Mapping[str, int | None],
    horizon: Horizon,
    settings: Mapping[str, Any],
    basis: str,
    baseline: str,
    heading: str = "## The verdict",
) -> str:
    """``heading``, the table, then who and how long, how it is counted, and what its
    intervals and probabilities mean (``basis``: a key of :data:`BASES`)."""
    header = ["arm", "WEMWBS gain", "QALYs gained", "extra cost (GBP)", "ICER"]
    header += [f"INMB at {lam:,} (GBP)" for lam in NICE_THRESHOLDS]
    header += [f"P(cost-effective at {lam:,})" for lam in NICE_THRESHOLDS]
    header += ["break-even week"]
    rows = []
    for _, row in verdict.iterrows():
        cells = [
            str(row["scenario"]),
            _range(row, "d_wemwbs", "{:+.2f}"),
            _range(row, "d_qalys", "{:+.4f}"),
            _range(row, "d_cost", "{:+,.0f}"),
            _icer(row, noise_only=basis != "draws"),
        ]
        cells += [_range(row, f"inmb_{lam}", "{:+,.0f}") for lam in NICE_THRESHOLDS]
        cells += [f"{row[f'p_ce_{lam}']:.0%}" for lam in NICE_THRESHOLDS]
        week = break_even.get(str(row["scenario"]))
        cells.append("not within horizon" if week is None else str(week))
        rows.append(cells)
    return "\n\n".join(
        [
            heading,
            f"Each arm against **{baseline}**, per person over the horizon: WEMWBS points "
            "(mean over the horizon), QALYs and cost discounted; break-even is the first week "
            f"from which the mean cumulative cost (undiscounted) stays below {baseline}'s.",
            md_table(header, rows),
            horizon.words(),
            settings_words(settings),
            BASES[basis],
        ]
    )


def settings_words(stated: Mapping[str, Any]) -> str:
    """The evaluation's perspective, rates and mapping (``Evaluation.settings``), in words."""
    text = (
        f"Perspective: {stated['perspective']}. Costs discounted at "
        f"{stated['cost_discount_rate']:.1%} a year and QALYs at "
        f"{stated['qaly_discount_rate']:.1%}. Utilities from wellbeing by the mapping "
        f"`{stated['utility_mapping']}` to {stated['utility_target']}: its source and how weak "
        "it is are in docs/ECONOMICS.md, section 2."
    )
    if "hour_value_gbp" in stated:
        text += (
            f" Unpaid hours valued at GBP {stated['hour_value_gbp']:.2f} "
            f"({stated['hour_value_source']})."
        )
    return text


def replicate_verdict(
    timeseries: pd.DataFrame,
    runs: pd.DataFrame,
    baseline: str,
    evaluation: Evaluation = DEFAULT,
) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """A folder's verdict table and break-even weeks from its paired replicates (and design
    points): ``economics.evaluate`` with intervals over pairs. Raises ``CoprodError`` when
    the folder cannot be evaluated (costs already discounted by the model, no horizon)."""
    ts = _with_point(timeseries)
    verdict = evaluate(ts, _with_point(runs), baseline, evaluation)
    return verdict, break_even_weeks(ts, baseline)


def break_even_weeks(timeseries: pd.DataFrame, baseline: str) -> dict[str, int | None]:
    """Per arm, the break-even week of the mean cumulative cost difference (means over
    replicates and, in a sweep or PSA, over design points)."""
    diff = st.paired_over_time(timeseries, baseline, "cost_cumulative")
    weeks = st.break_even_weeks(diff)
    return {str(arm): None if pd.isna(week) else int(week) for arm, week in weeks.items()}


def horizon_of(runs: pd.DataFrame, timeseries: pd.DataFrame) -> Horizon:
    """The population (service users; None where the runs differ) and horizon of a folder."""
    users = runs["n_users"].unique() if "n_users" in runs else []
    people = int(users[0]) if len(users) == 1 else None
    return Horizon(people, int(timeseries["week"].max()))


def section_or_reason(results: Any, baseline: str, basis: str) -> str:
    """The verdict section of a compare or sweep folder, or one line saying why there is
    none (a report must still be written when the economics cannot be)."""
    try:
        verdict, break_even = replicate_verdict(results.timeseries, results.runs, baseline)
    except (CoprodError, KeyError) as exc:
        return f"## The verdict\n\nNo cost-effectiveness table for this folder: {exc}"
    horizon = horizon_of(results.runs, results.timeseries)
    return verdict_section(verdict, break_even, horizon, DEFAULT.settings(), basis, baseline)


def _with_point(table: pd.DataFrame) -> pd.DataFrame:
    """A compare's tables have no design point: all their runs are point 0."""
    return table if "point" in table else table.assign(point=0)


def _range(row: Any, key: str, form: str) -> str:
    """``value (low to high)``, or the value alone where there is no interval."""
    if key not in row or pd.isna(row[key]):
        return "n/a"
    low, high = row.get(f"{key}_lo"), row.get(f"{key}_hi")
    if low is None or pd.isna(low):
        return _signed(form, row[key])
    return f"{_signed(form, row[key])} ({_signed(form, low)} to {_signed(form, high)})"


def _signed(form: str, value: float) -> str:
    """``form`` of ``value``, with no sign on a value that rounds to zero (no "-0.00")."""
    text = form.format(value)
    return form.format(0.0).lstrip("+") if float(text.replace(",", "")) == 0 else text


def _icer(row: Any, noise_only: bool) -> str:
    """The ICER in words where a ratio would mislead: dominance, or, where the intervals are
    of replicate noise (``noise_only``), a QALY difference whose interval includes 0 (the
    ratio would divide by noise: GBP millions per QALY). Over PSA draws the ratio of the
    expected values is the one to report, its uncertainty being in P(cost-effective)."""
    quadrant = row["quadrant"]
    if quadrant == "no difference":
        return quadrant
    low, high = row.get("d_qalys_lo"), row.get("d_qalys_hi")
    if noise_only and low is not None and not pd.isna(low) and low <= 0 <= high:
        # "dominated" would read as a QALY loss that the replicates cannot tell from none
        side = "dearer" if row["d_cost"] > 0 else "cheaper"
        return f"no clear QALY difference (interval includes 0); {side}"
    if quadrant in ("dominant", "dominated"):
        return quadrant
    return f"GBP {row['icer']:,.0f} per QALY ({quadrant})"

"""Discounted cost and QALYs per person for every run of a results folder.

The inputs are the tables ``coprod.load(folder)`` gives: ``timeseries`` (one row per run and
recorded week) and ``runs`` (one row per run, with its parameters). Week 0 is the state when
the policy starts; the horizon is weeks 1..T, as in ``cost_cumulative``.

- **Discounting** (HM Treasury Green Book; NICE's reference case): week ``w`` is weighted by
  ``(1 + r) ** -((w - 1) / 52)``, so the first week is not discounted and week 53 carries
  exactly one year's factor ``1 / (1 + r)``. 3.5% a year by default for costs and QALYs
  alike; 1.5% is the sensitivity case NICE names; 0 is allowed.
- **Perspective**: ``nhs_pss`` (NHS and personal social services, the default) counts the
  model's ``cost_week``; ``societal`` adds the time of volunteers (``community_hours``) and of
  carers (a ``carer_hours`` metric, once the model has one), valued at a stated rate.
- **Per person**: totals are divided by the run's ``n_users``, the places in the service
  (about as many residents are in care at rest). The cohort is open (residents die and are
  replaced, enter and leave care), so this is "per place in the service", not per
  individual followed over the horizon.
- **Price year**: the runs' ``price_year``; runs that disagree are refused.

When a run recorded every k-th week only (``[record] every``), the weeks between are filled
in: cost from ``cost_cumulative`` (so undiscounted totals stay exact, spread evenly over the
gap), wellbeing and hours by linear interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coprod.experiments.methods.economics.utility import DEFAULT_MAPPING, UtilityMapping
from coprod.simulation.errors import CoprodError

WEEKS_PER_YEAR = 52
PERSPECTIVES = {
    "nhs_pss": "NHS and personal social services",
    "societal": "societal: NHS and PSS plus volunteers' and carers' time",
}
TIME_METRICS = ("community_hours", "carer_hours")
"""Unpaid hours a societal perspective values, where the model reports them."""
HOUR_VALUE = 11.44
HOUR_VALUE_SOURCE = (
    "National Living Wage for workers aged 21 and over from 1 April 2024 (GOV.UK), a "
    "conservative replacement cost for an hour of unpaid help"
)
KEYS = ["run_id", "scenario", "point", "replicate"]


@dataclass(frozen=True)
class Evaluation:
    """How costs and outcomes are counted: discount rates, perspective, the value of an unpaid
    hour, and the utility mapping."""

    cost_rate: float = 0.035
    qaly_rate: float = 0.035
    perspective: str = "nhs_pss"
    hour_value: float = HOUR_VALUE
    mapping: UtilityMapping = field(default=DEFAULT_MAPPING)

    def __post_init__(self) -> None:
        if self.perspective not in PERSPECTIVES:
            raise CoprodError(
                f"unknown perspective {self.perspective!r}; allowed: {', '.join(PERSPECTIVES)}"
            )
        for name in ("cost_rate", "qaly_rate"):
            rate = getattr(self, name)
            if not 0 <= rate <= 0.2:
                raise CoprodError(f"`{name}` = {rate} must be between 0 and 0.2 (a year).")
        if self.hour_value < 0:
            raise CoprodError(f"`hour_value` = {self.hour_value} must be at least 0 (GBP/hour).")

    def settings(self) -> dict[str, object]:
        """What a report or manifest states of the evaluation, in words and numbers."""
        stated: dict[str, object] = {
            "perspective": PERSPECTIVES[self.perspective],
            "cost_discount_rate": self.cost_rate,
            "qaly_discount_rate": self.qaly_rate,
            "utility_mapping": self.mapping.name,
            "utility_target": self.mapping.target,
            "utility_source": self.mapping.source,
            "utility_weakness": self.mapping.weakness,
        }
        if self.perspective == "societal":
            stated["hour_value_gbp"] = self.hour_value
            stated["hour_value_source"] = (
                HOUR_VALUE_SOURCE if self.hour_value == HOUR_VALUE else "set by the user"
            )
        return stated


DEFAULT = Evaluation()
"""NICE's reference case: 3.5% for both, NHS and PSS, the provisional mapping."""


def discount_factors(weeks: np.ndarray, annual_rate: float) -> np.ndarray:
    """The discount factor of each week of the horizon (week 1 = now)."""
    years = (np.asarray(weeks, dtype=float) - 1) / WEEKS_PER_YEAR
    return (1 + annual_rate) ** -years


def price_year(runs: pd.DataFrame) -> int:
    """The one price year of the runs' costs."""
    years = runs["price_year"].unique()
    if len(years) != 1:
        raise CoprodError(f"the runs mix price years {sorted(years)}: costs cannot be added.")
    return int(years[0])


def run_outcomes(
    timeseries: pd.DataFrame,
    runs: pd.DataFrame,
    evaluation: Evaluation = DEFAULT,
    coefficients: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per run: discounted ``cost`` and ``qalys`` per person over the horizon, their
    undiscounted twins, the mean WEMWBS over the horizon and the horizon in weeks.

    ``coefficients`` (indexed by ``point``, columns ``utility_intercept`` and
    ``utility_slope``) gives each design point its own draw of the mapping, as a PSA does;
    without it every run uses the mapping's point estimates."""
    _refuse_discounted(runs)
    weekly = _complete_weeks(timeseries)
    cost = weekly["cost_week"].to_numpy()
    if evaluation.perspective == "societal":
        hours = sum(weekly[m].to_numpy() for m in TIME_METRICS if m in weekly)
        cost = cost + evaluation.hour_value * hours
    intercept, slope = _coefficients(evaluation.mapping, coefficients, weekly["point"])
    utility = evaluation.mapping.utility(weekly["wemwbs_mean"], intercept, slope)
    life_years = utility / WEEKS_PER_YEAR
    weeks = weekly["week"].to_numpy()
    parts = pd.DataFrame(
        {
            "run_id": weekly["run_id"],
            "cost": cost * discount_factors(weeks, evaluation.cost_rate),
            "qalys": life_years * discount_factors(weeks, evaluation.qaly_rate),
            "cost_undiscounted": cost,
            "qalys_undiscounted": life_years,
        }
    )
    totals = parts.groupby("run_id", sort=False).sum()
    people = runs.set_index("run_id")["n_users"].reindex(totals.index).to_numpy()
    for column in ("cost", "cost_undiscounted"):
        totals[column] /= people
    by_run = weekly.groupby("run_id", sort=False)
    totals["wemwbs"] = by_run["wemwbs_mean"].mean()
    totals["weeks"] = by_run.size()
    keys = timeseries.drop_duplicates("run_id").set_index("run_id")[KEYS[1:]]
    return keys.join(totals, how="inner").reset_index()


def _complete_weeks(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Weeks 1..T of every run, in one long table: as recorded where every week was, filled
    in (module docstring) for runs that recorded only some."""
    ordered = timeseries.sort_values(["run_id", "week"], kind="stable")
    last = ordered.groupby("run_id", sort=False)["week"].transform("max")
    if (last < 1).any():
        raise CoprodError("some runs have no week after week 0: there is no horizon to count.")
    counts = ordered.groupby("run_id", sort=False)["week"].transform("size")
    whole = ordered[counts == last + 1]
    thinned = [_filled(series) for _, series in ordered[counts != last + 1].groupby("run_id")]
    complete = pd.concat([whole, *thinned], ignore_index=True)
    return complete[complete["week"] >= 1].reset_index(drop=True)


def _filled(series: pd.DataFrame) -> pd.DataFrame:
    """One run's weeks 0..T from the weeks it recorded: cost spread evenly over each gap from
    ``cost_cumulative``, wellbeing and hours interpolated."""
    recorded = series.set_index("week")
    weeks = pd.RangeIndex(0, int(recorded.index.max()) + 1, name="week")
    cumulative = recorded["cost_cumulative"]
    per_week = cumulative.diff() / cumulative.index.to_series().diff()  # each gap's mean week
    filled = pd.DataFrame({"week": weeks, "cost_week": per_week.reindex(weeks).bfill().to_numpy()})
    for key in KEYS:
        filled[key] = series[key].iloc[0]
    for metric in ("wemwbs_mean", *TIME_METRICS):
        if metric in recorded:
            filled[metric] = recorded[metric].reindex(weeks).interpolate().to_numpy()
    return filled


def _coefficients(
    mapping: UtilityMapping, coefficients: pd.DataFrame | None, points: pd.Series
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """The (intercept, slope) of each row's design point: its draw, or the point estimates."""
    if coefficients is None:
        return mapping.intercept, mapping.slope
    unknown = sorted(set(points) - set(coefficients.index))
    if unknown:
        raise CoprodError(f"no mapping coefficients for design points {unknown[:5]}")
    drawn = coefficients.reindex(points.to_numpy())
    return drawn["utility_intercept"].to_numpy(), drawn["utility_slope"].to_numpy()


def _refuse_discounted(runs: pd.DataFrame) -> None:
    """Costs the model already discounted would be discounted twice."""
    if "discount_rate" in runs and (runs["discount_rate"] > 0).any():
        raise CoprodError(
            "some runs set discount_rate > 0, so their cost_week is already discounted; "
            "run them undiscounted (discount_rate = 0): the evaluation discounts costs itself."
        )

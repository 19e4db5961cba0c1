"""The status quo's magnitudes beside the published UK record (MODEL.md section 10.10).

Each :class:`Magnitude` is one figure of ``traditional`` at rest (a mean over replicates with
its 95% interval) beside a published figure and its source, with a plain line on where the
model is off. :mod:`.validation` runs the worlds and writes ``docs/VALIDATION.md`` with this
table first and the sources' claims after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from coprod.simulation.params import Params


@dataclass(frozen=True)
class Estimate:
    """A mean over replicates with its two-sided 95% t interval."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: np.ndarray) -> Estimate:
        values = np.asarray(values, dtype=float)
        if len(values) < 2 or np.allclose(values, values[0]):
            return cls(float(values.mean()), float(values.min()), float(values.max()))
        low, high = stats.t.interval(
            0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values)
        )
        return cls(float(values.mean()), float(low), float(high))

    def show(self, digits: int) -> str:
        return f"{self.mean:,.{digits}f} [{self.low:,.{digits}f}, {self.high:,.{digits}f}]"


@dataclass(frozen=True)
class Magnitude:
    """One figure of the status quo beside its published value."""

    name: str
    unit: str
    model: Estimate
    published: float | None
    published_text: str
    source: str
    digits: int = 2

    def off(self) -> str:
        """Where the model is off, in plain words."""
        if self.published is None:
            return "No published comparator found; the figure is reported for the record."
        ratio = self.model.mean / self.published
        if abs(ratio - 1) <= 0.2:
            return f"Within 20% of the published figure ({ratio:.2f} times it)."
        side = "above" if ratio > 1 else "below"
        return f"{ratio:.2f} times the published figure: the model is {side} the record."


def magnitudes(runs: list[pd.DataFrame], params: Params) -> list[Magnitude]:
    """The status quo's figures a reviewer would put beside the UK record."""
    years = (runs[0]["week"] > 0).sum() / 52.0
    policy = [run[run["week"] > 0] for run in runs]

    def per_user_year(metric: str) -> Estimate:
        return Estimate.of([run[metric].sum() / params.n_users / years for run in policy])

    full_year = [run[run["week"] >= 52] for run in runs]  # a whole 52-week turnover window
    skills = "Skills for Care (2024), The state of the adult social care sector and workforce "
    skills += "in England, 2023/24"
    return [
        Magnitude(
            "Professional turnover",
            "share of filled posts a year",
            Estimate.of([run["turnover_annualised"].mean() for run in full_year]),
            0.248,
            "24.8%",
            skills + " (adult social care, all job roles)",
        ),
        Magnitude(
            "Vacancy rate",
            "share of posts",
            Estimate.of([run["vacancies"].mean() / params.n_professionals for run in policy]),
            0.083,
            "8.3%",
            skills,
            digits=3,
        ),
        Magnitude(
            "GP consultations",
            "per service user a year",
            per_user_year("gp_contacts"),
            2.6,
            "about 2.6 GP-led (5.8 appointments of every kind, 45% led by GPs)",
            "NHS England, Appointments in General Practice, 2024, as summarised by the "
            "Institute for Government (367.4m appointments, 63.7m registered patients) and "
            "RCGP (45% of appointments GP-led, April 2024); every registered patient, not only "
            "people in care, who consult more",
        ),
        Magnitude(
            "Professional contact hours",
            "per service user a year",
            per_user_year("professional_hours"),
            None,
            "not found",
            "No published hours of community health and social care contact per user were "
            "found in the stored sources",
            digits=1,
        ),
        Magnitude(
            "Cost",
            f"GBP per service user a year ({params.price_year} prices)",
            per_user_year("cost_week"),
            None,
            "not found",
            "Unit costs: the parameters' sources in docs/ODD.md section 14; the PSSRU/Kent "
            "Unit Costs of Health and Social Care 2023 manual could not be read here, so the "
            "GP and hour costs are not checked against it",
            digits=0,
        ),
    ]


def pooled_ratio(
    runs: list[pd.DataFrame], numerator: str, denominator: str, scale: float = 1.0
) -> Estimate:
    """``scale`` x the ratio of two metrics' sums over all runs, with a delete-one jackknife
    95% interval: for ratios whose denominator is a handful of events in each run."""
    tops = np.array([run[numerator].sum() for run in runs], dtype=float)
    bottoms = np.array([run[denominator].sum() for run in runs], dtype=float)
    pooled = scale * tops.sum() / bottoms.sum()
    left_out = scale * (tops.sum() - tops) / (bottoms.sum() - bottoms)
    n = len(runs)
    spread = np.sqrt((n - 1) / n * np.sum((left_out - left_out.mean()) ** 2))
    half = stats.t.ppf(0.975, n - 1) * spread
    return Estimate(float(pooled), float(pooled - half), float(pooled + half))


def care_magnitudes(series: dict[str, list[pd.DataFrame]], params: Params) -> list[Magnitude]:
    """Version 2's residents, social care, carers and time bank beside the UK record: the
    status quo's, and the time bank's membership after two years of the `timebank` arm."""
    policy = [run[run["week"] > 0] for run in series["traditional"]]
    years = len(policy[0]) / 52.0

    def ratio(numerator: str, denominator: str, scale: float = 1.0) -> Estimate:
        return Estimate.of(
            [scale * run[numerator].sum() / run[denominator].sum() for run in policy]
        )

    def per_resident_year(metric: str, scale: float) -> Estimate:
        return Estimate.of(
            [scale * run[metric].sum() / run["residents"].mean() / years for run in policy]
        )

    last = [run[run["week"] == run["week"].max()].iloc[0] for run in series["timebank"]]
    ascfr = "NHS England, Adult Social Care Activity and Finance Report, England, 2022-23 "
    return [
        Magnitude(
            "Residents in care",
            "share of residents",
            ratio("users_in_care", "residents"),
            835_335 / 57.1e6,
            "1.5% receive long-term support (835,335 in 2022-23 of about 57.1 million)",
            ascfr + "(reported by Community Care, 12 Dec 2023); ONS mid-2022 population of "
            "England. The model's 'in care' is any contact with community health and social "
            "care above care_eligibility, far wider than council long-term support, and its "
            "n_users was kept from version 1 so the 60 posts stay busy",
            digits=3,
        ),
        Magnitude(
            "Residents with a home-care package",
            "share of residents",
            ratio("users_with_package", "residents"),
            835_335 / 57.1e6,
            "under 1.5% (all long-term support, of which home care is a part)",
            ascfr + "as above; an upper bound for home care alone",
            digits=3,
        ),
        Magnitude(
            "Hours of a home-care package",
            "hours a week",
            ratio("package_hours", "users_with_package"),
            12.4,
            "12.4 contact hours a week per household",
            "NHS Digital, Community Care Statistics: Home help and care services, England, "
            "2008 (the last year the hours were published)",
            digits=1,
        ),
        Magnitude(
            "Care-home placements",
            "per 1,000 residents aged 65+ a year",
            ratio("placements", "residents_65_plus", 1000.0 * 52.0),
            5.84,
            "5.8 per 1,000 people aged 65+ a year (584 per 100,000)",
            "ASCOF 2A(2) 2019/20, permanent admissions of people aged 65+ to residential and "
            "nursing homes, via Nuffield Trust QualityWatch (the model places nobody under "
            "placement_min_age, 65)",
            digits=1,
        ),
        Magnitude(
            "Length of a care-home stay",
            "years (mean)",
            pooled_ratio(policy, "residents_in_placement", "placements", 1.0 / 52.0),
            801 / 365.25,
            "2.2 (801 days; median 462 days)",
            "Forder and Fernandez (2011), Length of stay in care homes, PSSRU Discussion Paper "
            "2769 (11,565 residents who died in Bupa homes, 2008-10). The model's figure is "
            "Little's law, residents in care homes over admissions a week, pooled over the "
            "replicates (a few admissions a year each) with a jackknife interval",
            digits=1,
        ),
        Magnitude(
            "Family carers' hours",
            "hours a week per carer",
            ratio("carer_hours", "carers"),
            (4.5 * 1.67 + 14.5 * 0.63 + 27 * 0.45 + 42 * 0.52 + 60 * 1.40) / 4.67,
            "about 29 (mid-points of the Census bands)",
            "ONS Census 2021, TS039 (England): unpaid carers by hours a week (9 or less "
            "1.67m, 10-19 0.63m, 20-34 0.45m, 35-49 0.52m, 50+ 1.40m); the mean is an estimate "
            "from the band mid-points 4.5, 14.5, 27, 42 and 60 hours",
            digits=1,
        ),
        Magnitude(
            "Deaths",
            "per 1,000 residents a year",
            per_resident_year("deaths", 1000.0),
            1000.0 / ((79.0 + 82.9) / 2.0),
            "12.4 in a stationary population with the UK's life tables (1,000 / life "
            "expectancy at birth, 81.0); the crude rate of the real population is 9.6",
            "ONS, National life tables, UK: 2018 to 2020 (life expectancy at birth 79.0 men, "
            "82.9 women; their mean for persons). The model's population is stationary (each "
            "death replaced), so its death rate is 1,000 over its own life expectancy; the "
            "UK's is not (577,160 deaths in England and Wales in 2022 among about 60.2 "
            "million, ONS), and its crude rate is lower. Deaths are above the stationary "
            "figure because need raises the hazard and care-home residents die faster "
            "(placement_mortality_ratio)",
            digits=1,
        ),
        Magnitude(
            "Time-bank members after two years (`timebank`)",
            "share of residents",
            Estimate.of([row["timebank_registered"] / row["residents"] for row in last]),
            None,
            "a bank of 20-30 up to 500 people; about 80 per community",
            "Time Banks UK as reported by Third Sector; NSW Timebanking interim evaluation "
            "2015 (5,462 members in 69 communities). No share of residents is published",
            digits=3,
        ),
        Magnitude(
            "Active share of time-bank members after two years (`timebank`)",
            "share of members",
            Estimate.of(
                [row["timebank_active"] / max(row["timebank_registered"], 1) for row in last]
            ),
            368 / 5462,
            "7% (368 of 5,462 members had traded)",
            "NSW Timebanking interim evaluation 2015",
            digits=2,
        ),
    ]


def render_magnitudes(rows: list[Magnitude]) -> str:
    lines = [
        "| figure | unit | model: mean [95% CI] | published | where the model is off |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | {row.unit} | {row.model.show(row.digits)} | "
            f"{row.published_text} | {row.off()} |"
        )
    sources = "\n".join(f"- **{row.name}**: {row.source}." for row in rows)
    return "\n".join(lines) + "\n\nSources:\n\n" + sources

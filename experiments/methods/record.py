"""The status quo's magnitudes beside the published UK record (MODEL.md section 10.10).

Each :class:`Magnitude` is one figure of ``traditional`` at rest, or of the ``timebank`` arm
(a mean over replicates with its 95% interval), beside a published figure and its source,
with a plain line on where the model is off. :mod:`.validation` runs the worlds and writes
``docs/VALIDATION.md`` with this table first and the sources' claims after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from coprod.simulation.params import Params

#: Years from the NSW Timebanking launch (November 2012) to its 16 June 2015 count.
NSW_YEARS = (date(2015, 6, 16) - date(2012, 11, 1)).days / 365.25
#: WEMWBS spans 14-70: 56 points over the model's 0-1 wellbeing.
WEMWBS_POINTS = 56.0
YEAR = 52  # the wellbeing gain is read over the last WINDOW weeks of the first year
WINDOW = 8  # "early" = weeks 1-8, "end" = the last 8 weeks (MODEL.md section 7)


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
    status quo's, the `timebank` arm's membership and hours over its two years, and its
    wellbeing gain over `traditional` at one year (runs paired by replicate)."""
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

    def wemwbs(arm: pd.DataFrame, status_quo: pd.DataFrame) -> float:
        """One replicate's gain in mean wellbeing over the last weeks of year one."""

        def year_end(run: pd.DataFrame) -> float:
            return run.loc[run["week"].between(YEAR - WINDOW + 1, YEAR), "wellbeing_mean"].mean()

        return (year_end(arm) - year_end(status_quo)) * WEMWBS_POINTS

    bank = [run[run["week"] > 0] for run in series["timebank"]]
    last = [run[run["week"] == run["week"].max()].iloc[0] for run in series["timebank"]]
    ascfr = "NHS England, Adult Social Care Activity and Finance Report, England, 2022-23 "
    nsw = "Holbrook, Smith et al. (2015), Evaluation of the NSW Volunteering Strategy, Interim "
    nsw += "Report: Phase 2 Timebanking, University of Newcastle (NSW), executive summary, "
    nsw += "https://vdocument.in/report-phase-2-timebanking-report-phase-2-timebanking-june-"
    nsw += "2015-the-timebanking.html"
    fee = 23.26  # GBP an hour, the mean council fee rate for home care in 2024-25
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
            "Carers living with the person they care for",
            "share of carers caring",
            ratio("carers_at_home", "carers"),
            0.34,
            "34% of unpaid carers live with someone they care for",
            "NHS England, Health Survey for England 2022 part 2, Social care provision (adults "
            "16+ giving unpaid care; 65% care for someone outside their household). In the "
            "model a household partner who can care is the carer first, and other carers are "
            "ties, which often live next door on the ring and so in the same household",
            digits=2,
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
        Magnitude(
            "Time-bank hours per member (`timebank`)",
            "hours exchanged a year per registered member",
            Estimate.of(
                [
                    run["timebank_hours"].sum() / row["timebank_registered"] / years
                    for run, row in zip(bank, last, strict=True)
                ]
            ),
            19_044 / 5_462 / NSW_YEARS,
            "1.3 (19,044 hours in 2,878 trades from November 2012 to 16 June 2015, 5,462 "
            "members at the end; about 20 a year per member who traded, 368)",
            nsw + ". Both figures are all hours exchanged over the bank's life, over the "
            "members registered at its end, over the years it ran (for the model, the "
            f"{years:.0f} years of the `timebank` arm). The NSW membership grew throughout "
            "(44% since 2013), so its hours per average member are somewhat higher. No UK "
            "figure was found: the Spice Time Credits (Apteligen 2014) and Reading (Stone "
            "Houghton and Musson 2014) evaluations and Seyfang's time-bank papers were "
            "searched, and none gave hours per member in the text read",
            digits=1,
        ),
        Magnitude(
            "Wellbeing gain of the time bank at one year (`timebank` minus `traditional`)",
            "WEMWBS points (of 14-70), service users in care",
            Estimate.of(
                [
                    wemwbs(bank_run, trad_run)
                    for bank_run, trad_run in zip(bank, policy, strict=True)
                ]
            ),
            None,
            "no single UK figure read: before-after changes of -0.6 to 10.6 points in 12 mental "
            "health intervention studies; social prescribing in Luton (SWEMWBS) changed "
            "significantly but 'not of clinical relevance'",
            "Maheswaran, Weich, Powell and Stewart-Brown (2012), Evaluating the "
            "responsiveness of the Warwick Edinburgh Mental Well-Being Scale (WEMWBS): group "
            "and individual level analysis, Health and Quality of Life Outcomes 10:156 (12 "
            "mental health intervention studies in different populations, mean change -0.6 "
            "to 10.6); Pescheny, Gunn, Pappas and Randhawa (2019), The impact of the Luton "
            "social prescribing programme on mental well-being: a quantitative before-and-"
            "after study, Journal of Public Health (N = 63; abstract read, not its numbers); "
            "the systematic review of UK social prescribing for mental health and wellbeing in "
            "BMJ Open (2022), PMC9328101 (15 of its 17 studies were uncontrolled before-and-"
            "after designs). The published changes are "
            "of participants before and after a programme, with no counterfactual; the "
            "model's is a paired difference between arms with the same seed, weeks "
            f"{YEAR - WINDOW + 1}-{YEAR}, at 56 points per unit of wellbeing. No time-bank "
            "evaluation with WEMWBS figures was found",
            digits=1,
        ),
        Magnitude(
            "Cost of a home-care package",
            f"GBP a week per holder ({params.price_year} prices)",
            ratio("cost_packages", "users_with_package"),
            fee * 12.4,
            f"about {fee * 12.4:.0f} (GBP {fee} an hour, the mean fee councils paid in "
            "2024-25, times 12.4 hours a week)",
            "Homecare Association (1 Aug 2024), report on fee rates for state-funded "
            "homecare in 2024-25: the average fee rate for regular homecare contracts with "
            "local authorities and HSC Trusts was GBP 23.26 an hour (https://"
            "homecareassociation.org.uk/resource/homecare-association-report-reveals-"
            "critically-low-fee-rates-for-state-funded-homecare.html); times the 12.4 hours "
            "a week of NHS Digital 2008 (above), so the comparator mixes two sources and "
            "years. The model prices an hour at package_hour_cost, GBP "
            f"{params.package_hour_cost:.2f}, the Homecare Association's Minimum Price for "
            "2024-25, which only 1% of council contracts met; its packages are also longer "
            "than 12.4 hours",
            digits=0,
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

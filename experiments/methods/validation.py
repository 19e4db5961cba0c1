"""The model against the record: magnitudes beside published UK figures, and the sources'
claims tested at rest (MODEL.md sections 10.9 and 10.10).

``python -m coprod.experiments.methods.validation docs/VALIDATION.md`` runs the shipped
scenarios at the defaults (ten replicates, common random numbers, 104 weeks after the
warm-up) and writes the document: the status quo's turnover, vacancy rate, GP consultations,
professional contact hours and cost per user beside their published sources, each with a plain
line on where the model is off; then the stylised facts of the sources (2, 3 and 5) as the
model finds them, with paired 95% confidence intervals and a verdict that is computed, never
assumed. ``tests/test_stylised_facts.py`` regenerates the text from a fresh run and fails when
the shipped document differs. Facts 1 and 4 (mechanism checks) are asserted there too.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from coprod.simulation import simulate
from coprod.simulation.params import Params
from coprod.simulation.scenario import load_scenario
from coprod.simulation.seeds import parse_seed, replicate_seeds

REPLICATES = 10
SEED = 0
WINDOW = 8  # "early" = weeks 1-8, "end" = the last 8 weeks (MODEL.md section 7)
SWITCH_WEEK = 52  # facts 1 and 4: the timeline's switch
MID_WELLBEING = 1 / 56  # one WEMWBS point
MID_DEPENDENCE = 0.02
SHIPPED = (
    "traditional",
    "tokenistic",
    "coproduction",
    "timebank",
    "austerity",
    "coproduction_austerity",
)
#: Agency frozen and no community help at all: what co-production has left.
KNOCKED_OUT = {
    "agency_gain_rate": 0.0,
    "agency_loss_rate": 0.0,
    "agency_recovery": 0.0,
    "giving_agency_gain": 0.0,
    "user_give_hours": 0.0,
    "n_neighbours": 0,
}


def worlds() -> dict[str, Params]:
    """Every run the document and the facts need, by name."""
    shipped = {name: load_scenario(name).params for name in SHIPPED}
    switch = {"week": SWITCH_WEEK}
    return {
        **shipped,
        "coproduction_to_expert": shipped["coproduction"].model_copy(
            update={"timeline": [{**switch, "power_rule": "expert"}]}
        ),
        "timebank_funding_ends": shipped["timebank"].model_copy(
            update={"timeline": [{**switch, "coordinator_posts": 0.0}]}
        ),
        # fact 4's counterfactual: the same policy with no coordinator, so no bank
        "timebank_unfunded": shipped["timebank"].model_copy(update={"coordinator_posts": 0.0}),
        "traditional_knocked_out": shipped["traditional"].model_copy(update=KNOCKED_OUT),
        "coproduction_knocked_out": shipped["coproduction"].model_copy(update=KNOCKED_OUT),
    }


def _run(job: tuple[str, int, str, Params]) -> tuple[str, int, pd.DataFrame]:
    """One run's weekly series (a top-level function, so a process pool can call it)."""
    name, replicate, seed, params = job
    return name, replicate, simulate(params, parse_seed(seed)).timeseries


def run_all(replicates: int = REPLICATES, workers: int = 2) -> dict[str, list[pd.DataFrame]]:
    """The weekly series of every world, replicate i of each with the same seed."""
    seeds = replicate_seeds(SEED, replicates)
    jobs = [(n, i, s, p) for n, p in worlds().items() for i, s in enumerate(seeds)]
    out: dict[str, list[pd.DataFrame]] = {name: [None] * replicates for name in worlds()}
    # spawn, not fork: a forked copy of a threaded parent (pytest, Dask) may deadlock
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        for name, replicate, series in pool.map(_run, jobs):
            out[name][replicate] = series
    return out


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


def window(runs: list[pd.DataFrame], metric: str, first: int, last: int) -> np.ndarray:
    """Per replicate, the mean of ``metric`` over weeks ``first..last``."""
    return np.array([run.loc[run["week"].between(first, last), metric].mean() for run in runs])


def early(runs: list[pd.DataFrame], metric: str) -> np.ndarray:
    return window(runs, metric, 1, WINDOW)


def end(runs: list[pd.DataFrame], metric: str) -> np.ndarray:
    weeks = int(runs[0]["week"].max())
    return window(runs, metric, weeks - WINDOW + 1, weeks)


# --- magnitudes of the status quo ---------------------------------------------------------


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


# --- the sources' claims, tested ----------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One claim of a source, as a paired difference whose sign or size decides it."""

    fact: str
    claim: str
    difference: Estimate
    verdict: str


def direction(fact: str, claim: str, gain: np.ndarray) -> Claim:
    """A claim that ``gain`` is positive: holds when its CI is above zero, fails when below."""
    estimate = Estimate.of(gain)
    if estimate.low > 0:
        verdict = "holds"
    elif estimate.high < 0:
        verdict = "the opposite holds"
    else:
        verdict = "not shown (the CI spans zero)"
    return Claim(fact, claim, estimate, verdict)


def no_gain(fact: str, claim: str, gain: np.ndarray, mid: float) -> Claim:
    """A claim of no gain: holds when the CI's upper bound is below the MID (MODEL.md s. 7)."""
    estimate = Estimate.of(gain)
    verdict = "holds" if estimate.high < mid else f"not shown (upper bound >= MID {mid:.3f})"
    return Claim(fact, claim, estimate, verdict)


def claims(series: dict[str, list[pd.DataFrame]]) -> list[Claim]:
    """Facts 2, 3 and 5 of MODEL.md section 7, as the model finds them at the defaults."""
    trad, co, token = series["traditional"], series["coproduction"], series["tokenistic"]

    def cumulative(runs: list[pd.DataFrame]) -> np.ndarray:
        return np.array([run["cost_cumulative"].iloc[-1] for run in runs])

    loss_traditional = end(trad, "wellbeing_mean") - end(series["austerity"], "wellbeing_mean")
    loss_bank = end(series["timebank"], "wellbeing_mean") - end(
        series["coproduction_austerity"], "wellbeing_mean"
    )
    return [
        direction(
            "2",
            "co-production costs more per week early (GBP)",
            early(co, "cost_week") - early(trad, "cost_week"),
        ),
        direction(
            "2",
            "co-production costs less per week at the end (GBP)",
            end(trad, "cost_week") - end(co, "cost_week"),
        ),
        direction(
            "2",
            "co-production: higher wellbeing at the end",
            end(co, "wellbeing_mean") - end(trad, "wellbeing_mean"),
        ),
        direction(
            "2",
            "co-production: lower dependence at the end",
            end(trad, "dependence") - end(co, "dependence"),
        ),
        direction(
            "3",
            "tokenism: cumulative cost above traditional's (GBP)",
            cumulative(token) - cumulative(trad),
        ),
        no_gain(
            "3",
            "tokenism: no gain in wellbeing at the end",
            end(token, "wellbeing_mean") - end(trad, "wellbeing_mean"),
            MID_WELLBEING,
        ),
        no_gain(
            "3",
            "tokenism: no fall in dependence at the end",
            end(trad, "dependence") - end(token, "dependence"),
            MID_DEPENDENCE,
        ),
        direction(
            "3",
            "tokenism: lower trust at the end",
            end(trad, "trust_mean") - end(token, "trust_mean"),
        ),
        direction(
            "5",
            "austerity: the time bank loses less wellbeing than traditional",
            loss_traditional - loss_bank,
        ),
    ]


def render_claims(rows: list[Claim]) -> str:
    lines = [
        "| fact | claim | paired difference, claimed direction positive: mean [95% CI] | verdict |",
        "|---|---|---|---|",
    ]
    for row in rows:
        digits = 0 if "GBP" in row.claim else 4
        lines.append(
            f"| {row.fact} | {row.claim} | {row.difference.show(digits)} | {row.verdict} |"
        )
    return "\n".join(lines)


HEADER = """# coprod against the record

Generated by `python -m coprod.experiments.methods.validation docs/VALIDATION.md` from a real
run: the shipped scenarios at the defaults, {replicates} replicates (replicate i of every
scenario with the same seed), {weeks} weeks after a {warmup}-week warm-up, {residents:,}
residents (`n_users` {users:,} + `n_neighbours` {neighbours}; who is in care is the model's
outcome), {pros} professionals. `tests/test_stylised_facts.py` regenerates it and fails when
this file differs. Model version 2 (docs/ODD.md section 7); the calibration in
`scenarios/calibrated/` (docs/CALIBRATION.md) is not used here.

## Magnitudes of the status quo (`traditional`)

"""

CLAIMS = """

## The sources' claims, tested (MODEL.md section 7, facts 2, 3 and 5)

Each claim is a paired difference between scenarios, signed so that the claim says it is
positive, over the replicates' means of the first 8 weeks ("early") or the last 8 ("end").
"Holds" means the 95% CI lies on the claimed side of zero (for "no gain": its upper bound is
below the minimal important difference, 1 WEMWBS point or 0.02 of dependence). These are
findings of this version of the model at its defaults, not targets: no mechanism was tuned to
make them hold. Facts 1 and 4 (mechanism checks) are asserted in `tests/test_stylised_facts.py`.

"""


def generate(series: dict[str, list[pd.DataFrame]]) -> str:
    """The whole document from the runs of :func:`run_all`."""
    params = load_scenario("traditional").params
    head = HEADER.format(
        replicates=len(series["traditional"]),
        weeks=params.weeks,
        warmup=params.warmup_weeks,
        users=params.n_users,
        residents=params.n_users + params.n_neighbours,
        pros=params.n_professionals,
        neighbours=params.n_neighbours,
    )
    rows = magnitudes(series["traditional"], params) + care_magnitudes(series, params)
    body = render_magnitudes(rows)
    return head + body + CLAIMS + render_claims(claims(series)) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document to the path given (or print it)."""
    args = sys.argv[1:] if argv is None else argv
    text = generate(run_all())
    if not args:
        sys.stdout.write(text)
        return 0
    Path(args[0]).write_text(text, encoding="utf-8")
    print(f"{args[0]}: written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

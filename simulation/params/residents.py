"""Residents: ages, households, deaths, and entry into and exit from care (MODEL.md 10.2)."""

from __future__ import annotations

from coprod.simulation.params.schema import Part, param

ADASS = (
    "ADASS (2022), waiting-list snapshot of 30 April 2022: 294,449 people awaiting a first "
    "assessment in England, 73,792 (one in four) for over six months"
)
CENSUS_2021 = (
    "ONS Census 2021, England and Wales: 18.6% of residents aged 65 and over, median age 40"
)
LIFE_TABLES = (
    "(assumption) Gompertz approximation of ONS National life tables, UK (persons, 2020-2022): "
    "qx about 0.018 at 70, doubling about every 7.3 years; the exact qx values were not found "
    "with the search tool. Checked against ONS National life tables, UK: 2018 to 2020: the "
    "Gompertz modal age at death, 70 + ln(0.095 / 0.018) / 0.095 = 87.5 years, lies between "
    "the published modal ages 86.7 (men) and 89.3 (women), and its life expectancy at birth "
    "(about 81) is the published 79.0 (men) and 82.9 (women)"
)


class ResidentParams(Part):
    """Residents: ages, households, deaths, and entry into and exit from care."""

    care_eligibility: float = param(
        0.18,
        "need",
        "Need at which a resident is referred for a Care Act-style assessment; one whose need "
        "is still at or above it when the assessment ends enters care, and a user whose need "
        "is below it at a care review leaves care",
        ge=0,
        le=1,
        group="residents",
        source="(assumption; calibrated so that about n_users residents are in care at rest)",
    )
    assessment_weeks: int = param(
        8,
        "weeks",
        "How long an assessment takes from referral to decision",
        ge=0,
        le=104,
        group="residents",
        source=ADASS + "; a typical wait of 8 weeks is an assumption within that record",
    )
    care_review_weeks: int = param(
        26,
        "weeks",
        "Weeks between care reviews of a user's eligibility (the first one after entry)",
        ge=1,
        le=520,
        group="residents",
        source="MODEL.md section 10.3 (reviews about every 26 weeks)",
    )
    age_newcomer_mean: float = param(
        10.0,
        "years",
        "Mean age of a new resident who takes a dead resident's place (Gamma; movers-in and "
        "births are young); the population's age structure is the one this and mortality make "
        "stationary",
        ge=1,
        le=100,
        group="residents",
        source="(assumption; chosen so the stationary structure matches " + CENSUS_2021 + ")",
    )
    age_newcomer_shape: float = param(
        1.0,
        "-",
        "Gamma shape of newcomers' ages (1: exponential, most newcomers are born or come "
        "as children)",
        ge=1,
        le=100,
        group="residents",
        source="(assumption; chosen with age_newcomer_mean)",
    )
    mortality_hazard_70: float = param(
        0.018,
        "1/year",
        "Annual death hazard at age 70 for a resident of the need typical of their age "
        "(Gompertz level)",
        ge=0,
        le=1,
        group="residents",
        source=LIFE_TABLES,
    )
    mortality_age_slope: float = param(
        0.095,
        "1/year",
        "Gompertz slope: the log of the death hazard rises by this much per year of age",
        ge=0,
        le=0.5,
        group="residents",
        source=LIFE_TABLES,
    )
    mortality_need_ratio: float = param(
        3.0,
        "x",
        "Death hazard ratio per unit of need above the mean baseline need of the person's age",
        ge=1,
        le=100,
        group="residents",
    )
    placement_mortality_ratio: float = param(
        7.0,
        "x",
        "Death hazard ratio of a resident living in a care home against one of the same age "
        "and need at home (the frailty that brings a placement and that need does not measure)",
        ge=1,
        le=20,
        group="residents",
        source="Espuny Pujol, Hancock and Morciano (2021), Soc Sci Med 282:113883 (CPRD, "
        "England 2006-2015): adjusted 1-year relative risk of death of care home residents "
        "against community residents matched on age, sex, deprivation and region, 5.4 rising "
        "to 8.8 at ages 65-74 (lower at older ages); the middle of that range, since the "
        "model's median age at placement is 74. The length of stay it gives is set beside "
        "Forder and Fernandez (2011) in docs/VALIDATION.md",
    )
    age_need_slope: float = param(
        0.012,
        "1/year",
        "Rise of mean baseline need with age: the mean is baseline_need_mean x "
        "exp(slope x (age - 50))",
        ge=0,
        le=0.2,
        group="residents",
    )
    gp_age_slope: float = param(
        0.01,
        "1/year",
        "Rise of GP contacts with age at a given need: the rate is gp_rate x need x "
        "exp(slope x (age - 50))",
        ge=0,
        le=0.05,
        group="residents",
    )
    household_size_mean: float = param(
        2.4,
        "people",
        "Mean household size (1 + Poisson); the first two residents of a household aged 18 "
        "or over are partners",
        ge=1,
        le=10,
        group="residents",
        source="ONS, Families and households in the UK (average household size about 2.4)",
    )

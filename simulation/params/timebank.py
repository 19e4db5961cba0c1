"""The time bank as it is run, and the survey's measurement model (MODEL.md 10.5 and 10.8).

A bank is a coordinator post with a capacity to match exchanges and to recruit, a finite pool
of residents who would ever join, registered members of whom only some are active, matching
between members who live near each other, and funding that can end (``coordinator_posts``
set to 0 on a timeline closes it). The survey answers are read through measurement
properties fixed in advance from published studies: they are never fitted.
"""

from __future__ import annotations

from coprod.simulation.params.schema import PROTOTYPE, Part, param

TIMEBANKS_UK_BUDGET = (
    "Time Banks UK, 'Sample budget for one year to run a time bank' (timebanks.co.uk, early "
    "2000s prices): a broker at about GBP 18,000 a year full time (GBP 12,500 with NI and "
    "pension for 3 days a week) and GBP 8,850 of other running costs; a full-time post is "
    "about GBP 29,700, uprated x1.5 to 2024 prices (the uprating is an assumption); "
    "consistent with Knapp et al. 2010, PSSRU DP2772 (GBP 450 per member-year) for a bank "
    "of about 100 members"
)
MAHESWARAN_2012 = (
    "Maheswaran et al. 2012, Health Qual Life Outcomes 10:156 (WEMWBS responsiveness): SEM "
    "2.4-3.1 points; Warwick Medical School WEMWBS user guide: 3 points is a change that "
    "matters to a person"
)
SRH_RETEST = (
    "Set so that about a third of answers change category at a retest a month apart: "
    "Zajacova and Dowd 2011, Am J Epidemiol 174:977 (NHANES: nearly 40% changed); Pan et al. "
    "2022, BMC Public Health 22:1830 (CHARLS: 31% changed, kappa 0.54); Martikainen et al. "
    "1999, Soc Sci Med 48:1117 (Mini-Finland: kappa about 0.5). Set on version 1; over "
    "version 2's residents 25.8% change category (below the record) with kappa 0.575 (on it): "
    "tests/test_survey.py"
)


class TimeBankParams(Part):
    """The time bank as it is run, and the survey's measurement model."""

    coordinator_posts: float = param(
        1.0,
        "FTE posts",
        "Time-bank coordinator (broker) posts, full-time equivalents; 0 = the bank is "
        "unfunded and closed",
        ge=0,
        le=20,
        group="levers",
        source="Time Banks UK sample budget: 'the ideal situation is to have the broker work "
        "full time'",
    )
    coordinator_cost: float = param(
        45_000.0,
        "GBP/post-year",
        "Full cost of a coordinator post: salary, on-costs and the bank's running costs",
        ge=0,
        le=1e6,
        group="costs",
        source=TIMEBANKS_UK_BUDGET,
    )
    coordinator_capacity: float = param(
        20.0,
        "exchanges/week/post",
        "Exchanges a full-time coordinator can match in a week (one exchange: one member's "
        "request met in a week)",
        ge=0,
        le=10_000,
        group="timebank",
    )
    coordinator_outreach: float = param(
        0.5,
        "people/week/post",
        "Residents of the reachable pool a full-time coordinator signs up by outreach in a week",
        ge=0,
        le=1000,
        group="timebank",
    )
    timebank_reach: float = param(
        0.1,
        "share",
        "Share of residents who would ever join a time bank (a fixed draw per person: the "
        "finite reachable pool)",
        ge=0,
        le=1,
        group="timebank",
    )
    timebank_uptake: float = param(
        0.2,
        "share",
        "Share of the reachable pool registered as founding members when the bank opens",
        ge=0,
        le=1,
        group="timebank",
    )
    recruit_rate: float = param(
        0.005,
        "1/week",
        "Word of mouth: weekly chance that one tie to an active member brings a reachable "
        "resident in",
        ge=0,
        le=1,
        group="timebank",
    )
    membership_lapse: float = param(
        0.005,
        "1/week",
        "Weekly chance a registered member leaves the bank (moves, loses touch)",
        ge=0,
        le=1,
        group="timebank",
    )
    timebank_activation: float = param(
        0.01,
        "1/week",
        "Weekly chance a registered but inactive member starts trading again",
        ge=0,
        le=1,
        group="timebank",
    )
    timebank_activity_lapse: float = param(
        0.03,
        "1/week",
        "Weekly chance an active member stops trading (stays registered)",
        ge=0,
        le=1,
        group="timebank",
    )
    timebank_exchange_hours: float = param(
        2.0,
        "hours",
        "Length of one exchange: a member asks for help in whole exchanges, as often as the "
        "help they would welcome adds up to one",
        gt=0,
        le=40,
        group="timebank",
        source="(assumption; NSW Timebanking interim report 2015, University of Newcastle: "
        "19,044 hours in 2,878 trades, 6.6 hours a trade, is an upper reference)",
    )
    timebank_area_size: int = param(
        400,
        "residents",
        "Residents of one matching area: the broker matches members of the same stretch of "
        "the neighbourhood (a segment of the network's ring)",
        ge=1,
        le=10_000_000,
        group="timebank",
    )
    timebank_min_tie_hours: float = param(
        1.0,
        "hours/week",
        "Least time-bank hours (given plus received) in a week for the exchange to count as "
        "a bank tie for connectedness",
        ge=0,
        le=168,
        group="timebank",
        source="Time Banks UK: one hour of help is the unit of exchange (one time credit)",
    )
    credit_limit: float = param(
        10.0,
        "hours",
        "How far credits may fall below zero",
        ge=0,
        le=1000,
        group="timebank",
        source=PROTOTYPE,
    )
    free_rider_share: float = param(
        0.1,
        "share",
        "Share of members who draw more than they give",
        ge=0,
        le=1,
        group="timebank",
        source=PROTOTYPE,
    )
    free_rider_draw: float = param(
        3.0, "x", "How much more free riders ask of the bank", ge=1, le=20, group="timebank"
    )

    survey_wemwbs_change: float = param(
        3.0,
        "WEMWBS points",
        "Least rise in a person's reported WEMWBS score that they answer as 'better'",
        ge=0,
        le=56,
        group="survey",
        source=MAHESWARAN_2012,
    )
    survey_wemwbs_sem: float = param(
        2.8,
        "WEMWBS points",
        "Standard error of measurement of a reported WEMWBS score (reporting noise)",
        ge=0,
        le=20,
        group="survey",
        source=MAHESWARAN_2012,
    )
    survey_srh_noise: float = param(
        0.06,
        "need",
        "Reporting noise of self-rated health: SD, in need units, of the need a person "
        "reports on the five-category item (categories 0.2 need wide)",
        ge=0,
        le=1,
        group="survey",
        source=SRH_RETEST,
    )

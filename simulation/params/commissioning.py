"""The yearly commissioning cycle (MODEL.md section 10.12, issue 17) and the prevention line.

Once every 52 policy weeks a commissioner splits a budget across four service lines (posts,
packages, time-bank coordination, prevention) under a named rule; what it monitors and who
decides sets the split, never a parameter. ``commissioning_split_*`` only say which contracts
are in force when the first cycle starts (by default the spend of the first policy year).
"""

from __future__ import annotations

from pydantic import field_validator, model_validator

from coprod.simulation.params.schema import Part, param

ARRS_LINK_WORKER = (
    "NHS England Network Contract DES, ARRS 2022/23: maximum reimbursable GBP 36,428 a year "
    "(salary and on-costs, Agenda for Change band 5) for a social prescribing link worker, "
    "as reported by Management in Practice, 17 February 2023; over 37.5 h x 52 weeks"
)
LINK_WORKER_CASELOAD = (
    "Surrey Training Hub, Social prescriber role: a caseload of 200-250 people a year over 6-12 "
    "contacts each, about 1 contact per working hour"
)
NOTICE = (
    "Employment Rights Act 1996 s.86: an employer's statutory minimum notice is a week per "
    "complete year of service, at most 12 weeks (the most a long-serving team is owed)"
)
NEWBIGGING = (
    "Newbigging, ESRC seminar 4 (sources/esrc-seminar-commissioning.txt): the four-stage "
    "cycle; contracts make the split move slowly (share itself an assumption)"
)


class CommissioningParams(Part):
    """The commissioner's rule, budget and pace, and the prevention line it can buy."""

    commissioning: str = param(
        "block",
        "rule",
        "Commissioning rule: block (last year's split, inflation only: the status quo), "
        "activity (money follows counted outputs), outcomes (money follows outcomes per pound "
        "in a survey of users and carers), co_commissioning (users and carers deliberate with "
        "the commissioner)",
        group="levers",
        source="MODEL.md section 10.12",
    )
    commissioning_voice: float = param(
        0.5,
        "share",
        "Weight of users' and carers' own priorities in a co_commissioning decision (the rest "
        "is the commissioner's outcome-based view)",
        ge=0,
        le=1,
        group="levers",
    )
    commissioning_max_shift: float = param(
        0.2,
        "share/year",
        "Share of every line's contract re-let each year: the split moves this part of the "
        "way from last year's to the rule's target (0 = frozen, 1 = all at once)",
        ge=0,
        le=1,
        group="levers",
        source=NEWBIGGING,
    )
    commissioning_notice_weeks: int = param(
        12,
        "weeks",
        "Notice a staffed line's cut posts are given: professionals who leave meanwhile are "
        "not replaced (attrition), the rest go when it ends",
        ge=0,
        le=520,
        group="commissioning",
        source=NOTICE,
    )
    commissioning_budget: float = param(
        0.0,
        "GBP/year",
        "Yearly budget of the four lines, in the price year (0 = computed: the first policy "
        "year's measured spend on the four lines, so the commissioner starts where the "
        "scenario stands)",
        ge=0,
        le=1e10,
        group="levers",
    )
    commissioning_budget_factor: float = param(
        1.0,
        "x",
        "Scales the yearly budget from the next cycle (0.8 = a 20% cut; on a timeline: a cut "
        "or growth)",
        ge=0,
        le=10,
        group="levers",
    )
    commissioning_split_posts: float = param(
        0.0,
        "share",
        "Share of the budget contracted to professional posts at the first cycle (the four "
        "commissioning_split_* add up to 1; all 0 = the first year's spend shares)",
        ge=0,
        le=1,
        group="levers",
    )
    commissioning_split_packages: float = param(
        0.0,
        "share",
        "Share of the budget contracted to care packages at the first cycle (the four "
        "commissioning_split_* add up to 1; all 0 = the first year's spend shares)",
        ge=0,
        le=1,
        group="levers",
    )
    commissioning_split_timebank: float = param(
        0.0,
        "share",
        "Share of the budget contracted to time-bank coordination at the first cycle (the four "
        "commissioning_split_* add up to 1; all 0 = the first year's spend shares)",
        ge=0,
        le=1,
        group="levers",
    )
    commissioning_split_prevention: float = param(
        0.0,
        "share",
        "Share of the budget contracted to prevention at the first cycle (the four "
        "commissioning_split_* add up to 1; all 0 = the first year's spend shares)",
        ge=0,
        le=1,
        group="levers",
    )
    commissioning_isolated: float = param(
        0.2,
        "share",
        "Connectedness below which a survey respondent counts as isolated (and values the "
        "community lines)",
        ge=0,
        le=1,
        group="commissioning",
    )
    commissioning_high_need: float = param(
        0.6,
        "0-1",
        "Need at or above which a respondent values care packages most",
        ge=0,
        le=1,
        group="commissioning",
    )
    prevention_hours: float = param(
        0.0,
        "hours/week",
        "Community development worker hours a week (the prevention line): they reach the "
        "least connected residents and raise their motivation to help",
        ge=0,
        le=10_000,
        group="levers",
    )
    prevention_hour_cost: float = param(
        18.68,
        "GBP/hour",
        "Cost of a community development worker hour",
        ge=0,
        le=10_000,
        group="costs",
        source=ARRS_LINK_WORKER,
    )
    prevention_reach: float = param(
        1.0,
        "people/hour",
        "Residents a community development worker reaches per hour (a contact)",
        ge=0,
        le=100,
        group="commissioning",
        source=LINK_WORKER_CASELOAD,
    )
    prevention_effect: float = param(
        0.1,
        "share",
        "Share of the gap to full motivation a contact closes",
        ge=0,
        le=1,
        group="commissioning",
    )

    @field_validator("commissioning")
    @classmethod
    def _known_commissioning(cls, value: str) -> str:
        from coprod.simulation.commissioning import COMMISSIONING_RULES

        if value not in COMMISSIONING_RULES:
            raise ValueError(
                f"unknown rule {value!r}; allowed: {', '.join(sorted(COMMISSIONING_RULES))}"
            )
        return value

    @model_validator(mode="after")
    def _split_adds_up(self) -> CommissioningParams:
        """A starting split is all zero (measured) or shares that add up to 1."""
        from coprod.simulation.commissioning import LINES

        shares = [getattr(self, f"commissioning_split_{line}") for line in LINES]
        if any(shares) and abs(sum(shares) - 1.0) > 1e-6:
            given = ", ".join(f"{line} {v:g}" for line, v in zip(LINES, shares, strict=True))
            raise ValueError(
                f"the commissioning_split_* shares add up to {sum(shares):g}, not 1 ({given}); "
                "set all four to add up to 1, or all to 0 for the first year's spend shares."
            )
        return self

    @model_validator(mode="after")
    def _split_not_on_timeline(self) -> CommissioningParams:
        """The starting contracts are read once; a later split must come from a rule."""
        for entry in getattr(self, "timeline", []):
            if split := [key for key in entry if key.startswith("commissioning_split_")]:
                raise ValueError(
                    f"[[timeline]] week {entry.get('week')!r}: `{split[0]}` sets the contracts "
                    "at the first cycle only; later splits come from the `commissioning` rule "
                    "(a timeline may change commissioning_budget_factor)."
                )
        return self

"""Social care as delivered: home-care packages, residential placements and family carers.

MODEL.md sections 10.2 (carers) and 10.3 (packages and placements). Unit costs of packages and
placements are in ``params/costs.py`` with the other prices.
"""

from __future__ import annotations

from pydantic import model_validator

from coprod.simulation.params.schema import Part, param

CENSUS_2021 = (
    "ONS (2023), Census 2021 table TS039, Provision of unpaid care, England: of 4.68 million "
    "carers 1.67m give 9 h or less a week, 0.63m 10-19 h, 0.45m 20-34 h, 0.52m 35-49 h and "
    "1.40m 50 h or more"
)


class ServicesParams(Part):
    """Social care as delivered: home-care packages, residential placements and family carers."""

    package_hours_factor: float = param(
        1.0,
        "x",
        "Council generosity: scales every package's weekly hours, from the next review (0 = no "
        "packages)",
        ge=0,
        le=3,
        group="levers",
    )
    package_need: float = param(
        0.4,
        "need",
        "Need at which an assessment finds a person eligible for a home-care package (a Care "
        "Act-style threshold for council-funded care, above that for care itself)",
        ge=0,
        le=1,
        group="services",
    )
    package_hours_per_need: float = param(
        40.0,
        "hours/week",
        "Home-care hours a week an assessment gives for a need of 1 that the person cannot "
        "manage and no carer meets; also the hours that meet a need of 1",
        gt=0,
        le=168,
        group="services",
    )
    package_hours_cap: float = param(
        28.0,
        "hours/week",
        "Most hours a package may have before the factor (four hours a day): what home care "
        "can meet is limited, which is why a placement can be the only way to meet high need",
        ge=0,
        le=168,
        group="services",
        source="(assumption) about twice the mean package; below the cost-parity ceiling of "
        "GBP 1,400 / GBP 28.53 = 49 hours a week",
    )
    package_min_hours: float = param(
        2.0,
        "hours/week",
        "Smallest package commissioned: a smaller assessed need gets no package",
        ge=0,
        le=40,
        group="services",
    )
    review_weeks: int = param(
        26,
        "weeks",
        "Weeks between reviews of a person's package (each person on their own phase); a crisis "
        "or a carer's breakdown brings a re-assessment forward",
        ge=1,
        le=520,
        group="services",
        source="(assumption) twice the legal minimum: Care Act 2014 statutory guidance 13.32 "
        "asks for a review no later than every 12 months; NHS Digital ASC-FR/SALT 2019-20: "
        "60.8% of long-term clients reviewed within the year",
    )
    placement_need: float = param(
        0.6,
        "need",
        "Need above which a person whose informal support broke down may be placed in a care home",
        ge=0,
        le=1,
        group="services",
    )
    placement_min_age: float = param(
        65.0,
        "years",
        "Youngest age at which a person may be placed in a care home",
        ge=0,
        le=120,
        group="services",
        source="(assumption) permanent admissions of adults 18-64 are about 40 times rarer per "
        "head than of people 65 and over (NHS Digital, ASCOF 2A(1) and 2A(2), 2022-23: about 14 "
        "and 560 per 100,000), so the model places only people of 65 and over",
    )
    placement_professional: float = param(
        0.25,
        "probability",
        "Chance that a decision about an eligible person places them in a care home (under "
        "sharing rules only when support at home cannot meet their need)",
        ge=0,
        le=1,
        group="services",
    )
    placement_tie_loss: float = param(
        0.8,
        "share",
        "Share of a placed person's community ties that become inactive (they stay in the network)",
        ge=0,
        le=1,
        group="services",
    )
    carer_share: float = param(
        0.6,
        "share",
        "Share of people who have a family carer: their partner if out of care, else one of "
        "their ties out of care (a fixed draw per person; fewer have one where nobody can care)",
        ge=0,
        le=1,
        group="carers",
        source="(assumption) below the Health Survey for England 2013 (ch. 2) figure that 71% "
        "(women) to 88% (men) of people 65+ helped with daily living were helped by informal "
        "helpers only: council clients have formal care too",
    )
    carer_hours_per_need: float = param(
        60.0,
        "hours/week",
        "Hours a week a carer gives for a need of 1 (hours scale with the person's need)",
        ge=0,
        le=168,
        group="carers",
        source=CENSUS_2021 + ": a mean of about 32 h a week (band mid-points, 70 h for 50+), "
        "reached at a need of 0.53",
    )
    carer_efficacy: float = param(
        0.3,
        "x",
        "Need met by a carer's hour relative to a paid home-care hour (much of a carer's time "
        "is being there)",
        ge=0,
        le=1,
        group="carers",
    )
    carer_strain_hours: float = param(
        35.0,
        "hours/week",
        "Weekly caring load, net of respite, at which strain comes to rest at 0.5",
        gt=0,
        le=168,
        group="carers",
        source="(assumption) the full-time caring load of the UK Carer's Allowance rule: at "
        "least 35 hours a week (DWP, gov.uk/carers-allowance/eligibility)",
    )
    carer_respite: float = param(
        1.0,
        "x",
        "Caring hours taken off a carer's load per hour of the person's home-care package",
        ge=0,
        le=10,
        group="carers",
    )
    carer_strain_rate: float = param(
        0.05,
        "1/week",
        "Share of the gap to its resting level that strain closes each week",
        ge=0,
        le=1,
        group="carers",
    )
    carer_breakdown_strain: float = param(
        0.5,
        "strain",
        "Strain above which a carer may break down (0.5: a load beyond carer_strain_hours)",
        ge=0,
        le=1,
        group="carers",
    )
    carer_breakdown_prob: float = param(
        0.01,
        "1/week",
        "Weekly chance that a carer above the breakdown strain breaks down",
        ge=0,
        le=1,
        group="carers",
    )
    carer_break_weeks: int = param(
        26,
        "weeks",
        "Weeks a carer who broke down stops caring before taking it up again",
        ge=1,
        le=520,
        group="carers",
    )
    carer_strain_wellbeing: float = param(
        0.3,
        "wellbeing",
        "Wellbeing a carer loses at full strain (below their own community wellbeing)",
        ge=0,
        le=1,
        group="carers",
    )
    carer_involvement_gain: float = param(
        0.05,
        "wellbeing",
        "Wellbeing a carer gains per unit of the power shared in the person's encounter (taking "
        "part in decisions and plans: kept small)",
        ge=0,
        le=1,
        group="carers",
    )

    @model_validator(mode="after")
    def _packages_can_be_given(self) -> ServicesParams:
        """A smallest package above the largest would silently give nobody a package."""
        if self.package_min_hours > self.package_hours_cap:
            raise ValueError(
                f"`package_min_hours` ({self.package_min_hours}) must not exceed "
                f"`package_hours_cap` ({self.package_hours_cap}): no package could be given"
            )
        return self

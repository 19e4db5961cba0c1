"""What a run produces: the names, units and meanings of every output column.

The results folder's data dictionary, the report and ``coprod.load``'s documentation are
read from here, so a column is described once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# Weekly model metrics (MODEL.md section 5): name -> (unit, meaning).
METRICS: dict[str, tuple[str, str]] = {
    "wellbeing_mean": ("0-1", "Mean wellbeing of service users in care this week"),
    "wellbeing_p10": (
        "0-1",
        "10th percentile of the wellbeing of users in care (the worst-off tenth)",
    ),
    "wellbeing_gini": ("0-1", "Gini coefficient of the wellbeing of users in care"),
    "wemwbs_mean": ("WEMWBS points", "Mean wellbeing on the WEMWBS scale: 14 + 56 x wellbeing"),
    "agency_mean": ("0-1", "Mean agency (patient activation) of users in care"),
    "dependence": (
        "share",
        "Of the requests for professional contact made this week, the share for low-acuity "
        "need the person could have managed: the need beyond their capability, after "
        "community help, is below acuity_threshold",
    ),
    "professional_hours": (
        "hours/week",
        "Delivered professional hours: contact, consultation and forum",
    ),
    "unmet_demand_hours": ("hours/week", "Requested professional hours not served"),
    "crises": ("events/week", "A&E visits plus emergency admissions"),
    "gp_contacts": ("contacts/week", "GP consultations"),
    "community_hours": (
        "hours/week",
        "Hours given by users and neighbours: informal and time bank",
    ),
    "timebank_hours": ("hours/week", "Hours exchanged through the time bank"),
    "active_givers": ("people", "Users and neighbours who gave any help this week"),
    "timebank_members": ("people", "Time-bank members (registered; as timebank_registered)"),
    # time bank as run (MODEL.md 10.5, 10.10)
    "timebank_registered": ("people", "Registered time-bank members, active or not"),
    "timebank_active": ("people", "Registered members who are trading (offer and ask)"),
    "matched_exchanges": (
        "events/week",
        "Members' requests the coordinator matched this week (one per member helped)",
    ),
    "coordinator_posts": (
        "posts",
        "Funded time-bank coordinator posts, full-time equivalents (0: no bank open)",
    ),
    "cost_week": ("GBP/week", "Total cost this week (undiscounted unless discount_rate > 0)"),
    "cost_cumulative": ("GBP", "Cost since week 1"),
    "cost_per_user_week": ("GBP/user/week", "cost_week divided by the number of users"),
    "cost_professional": (
        "GBP/week",
        "Employed professionals' hours cost (activity or establishment)",
    ),
    "cost_locum": ("GBP/week", "Locum and agency hours covering vacancies, at the premium"),
    "cost_crises": ("GBP/week", "A&E and emergency admission cost"),
    "cost_gp": ("GBP/week", "GP consultation cost"),
    "cost_brokerage": (
        "GBP/week",
        "Time-bank coordination cost: funded coordinator posts x coordinator_cost / 52",
    ),
    "cost_recruitment": ("GBP/week", "Cost of replacing professionals who left"),
    # social care and carers (MODEL.md 10.10; packages.py, carers.py)
    "package_hours": ("hours/week", "Home-care package hours this week, all packages"),
    "users_with_package": ("people", "People in care with a home-care package"),
    "cost_packages": ("GBP/week", "Home-care packages: hours x package_hour_cost"),
    "placements": ("people/week", "People placed in a care home this week"),
    "residents_in_placement": ("people", "People living in a care home"),
    "cost_placements": ("GBP/week", "Care-home placements: residents x placement_week_cost"),
    "carer_hours": ("hours/week", "Hours of care given by family carers this week"),
    "carer_strain_mean": ("0-1", "Mean strain of carers caring this week"),
    "carer_breakdowns": ("people/week", "Carers who broke down this week"),
    "carer_wellbeing_mean": ("0-1", "Mean wellbeing of carers caring this week"),
    "carers": ("people", "Family carers caring this week"),
    "carers_at_home": ("people", "Carers caring this week who live with the person cared for"),
    # commissioning (issue 17): the prevention line and the yearly budget split
    "cost_prevention": ("GBP/week", "Community development (prevention) worker hours"),
    "prevention_reached": ("contacts/week", "Residents a community development worker met"),
    **{
        f"budget_{line}": (
            "GBP/year",
            f"The commissioner's budget for {what} this year (set once a year; NaN in the first "
            "policy year, before the first cycle)",
        )
        for line, what in (
            ("posts", "professional posts"),
            ("packages", "care packages"),
            ("timebank", "time-bank coordination"),
            ("prevention", "prevention (community development)"),
        )
    },
    "burnout_mean": ("0-1", "Mean burnout of professionals in post"),
    "professional_turnover": ("people/week", "Professionals who left this week"),
    "turnover_annualised": (
        "share/year",
        "Leavers over the last 52 weeks per filled post (as Skills for Care reports turnover)",
    ),
    "vacancies": ("posts", "Professional posts vacant this week"),
    "locum_hours": (
        "hours/week",
        "Contact hours delivered by locum or agency staff on vacant posts",
    ),
    "trust_mean": ("0-1", "Mean trust in professionals of users in care"),
    "connectedness_mean": (
        "share",
        "Mean share of the ties of users in care with an exchange in the reciprocity window",
    ),
    # residents (MODEL.md 10.2, 10.10)
    "residents": ("people", "Residents on the community network (constant: deaths are replaced)"),
    "users_in_care": ("people", "Residents in care this week (service users)"),
    "care_entries": ("people/week", "Residents who entered care this week, after an assessment"),
    "care_exits": ("people/week", "Users who left care at a review this week"),
    "deaths": ("people/week", "Residents who died this week (each replaced by a newcomer)"),
    "mean_age": ("years", "Mean age of the residents"),
    "residents_65_plus": ("people", "Residents aged 65 and over (the denominator of placements)"),
    "wellbeing_residents_mean": ("0-1", "Mean wellbeing of all residents, in care or not"),
}

# A few words naming each metric on a figure's axis or in a report table, the unit beside
# them: a policy reader should not have to decode column names.
LABELS: dict[str, str] = {
    "wellbeing_mean": "Wellbeing",
    "wellbeing_p10": "Wellbeing of the worst-off tenth",
    "wellbeing_gini": "Inequality of wellbeing, Gini",
    "wemwbs_mean": "Wellbeing",
    "agency_mean": "Agency, or patient activation",
    "dependence": "Dependence",
    "professional_hours": "Professional hours delivered",
    "unmet_demand_hours": "Unmet demand for professional hours",
    "crises": "A&E visits and emergency admissions",
    "gp_contacts": "GP consultations",
    "community_hours": "Community hours given",
    "timebank_hours": "Time-bank hours exchanged",
    "active_givers": "People giving help",
    "timebank_members": "Time-bank members",
    "timebank_registered": "Registered time-bank members",
    "timebank_active": "Active time-bank members",
    "matched_exchanges": "Time-bank exchanges matched",
    "coordinator_posts": "Time-bank coordinator posts",
    "cost_week": "Cost",
    "cost_cumulative": "Cumulative cost",
    "cost_per_user_week": "Cost per user",
    "cost_professional": "Cost of professional hours",
    "cost_crises": "Cost of crises",
    "cost_gp": "Cost of GP consultations",
    "cost_brokerage": "Time-bank coordination cost",
    "cost_recruitment": "Recruitment cost",
    "package_hours": "Home-care package hours",
    "users_with_package": "People with a home-care package",
    "cost_packages": "Cost of home-care packages",
    "placements": "Care-home placements",
    "residents_in_placement": "People living in a care home",
    "cost_placements": "Cost of care-home placements",
    "carer_hours": "Hours of family care",
    "carer_strain_mean": "Carers' strain",
    "carer_breakdowns": "Carers breaking down",
    "carer_wellbeing_mean": "Carers' wellbeing",
    "carers": "Family carers caring",
    "carers_at_home": "Carers living with the person",
    "cost_prevention": "Cost of community development",
    "prevention_reached": "Community development contacts",
    "budget_posts": "Budget for professional posts",
    "budget_packages": "Budget for care packages",
    "budget_timebank": "Budget for time-bank coordination",
    "budget_prevention": "Budget for prevention",
    "burnout_mean": "Burnout of professionals",
    "professional_turnover": "Professionals leaving",
    "trust_mean": "Users' trust in professionals",
    "connectedness_mean": "Connectedness",
    "residents": "Residents",
    "users_in_care": "Users in care",
    "care_entries": "Entries into care",
    "care_exits": "Exits from care",
    "deaths": "Deaths",
    "mean_age": "Mean age of residents",
    "residents_65_plus": "Residents aged 65 and over",
    "wellbeing_residents_mean": "Wellbeing of all residents",
}

# Agent snapshot columns beyond the keys (MODEL.md section 5): name -> (unit, meaning).
AGENT_COLUMNS: dict[str, tuple[str, str]] = {
    "need": ("0-1", "Current need (residents)"),
    "baseline_need": ("0-1", "Need the person drifts back to (residents; rises with age)"),
    "wellbeing": ("0-1", "Wellbeing (residents, in care or not)"),
    "agency": ("0-1", "Agency (residents; it moves in encounters, so in care)"),
    "capability": ("0-1", "Share of need manageable with full agency (residents, fixed)"),
    "trust": ("0-1", "Trust in professionals (residents)"),
    "credits": ("hours", "Time-bank credits"),
    "member": ("bool", "Time-bank member (registered)"),
    "bank_active": ("bool", "Active time-bank member (trading)"),
    "burnout": ("0-1", "Burnout (professionals)"),
    "crises": ("events", "Crises since week 0"),
    "gp_contacts": ("contacts", "GP contacts since week 0"),
    "professional_hours": (
        "hours",
        "Professional hours received (users) or delivered (professionals) since week 0",
    ),
    "hours_given": ("hours", "Community hours given since week 0"),
    "hours_received": ("hours", "Community hours received since week 0"),
    "age": ("years", "Age (residents)"),
    "in_care": ("bool", "In care at the snapshot week (care status; agent_type says it too)"),
    "household": ("id", "Household (residents); partners share one"),
    "package_hours": ("hours/week", "Weekly hours of the person's home-care package"),
    "placed": ("bool", "Lives in a care home"),
    "carer_of": ("slot", "Slot of the person this person cares for, or -1"),
}

# The survey at ``survey_week`` (52 by default; MODEL.md section 5): did each outcome improve?
SURVEY_QUESTIONS: dict[str, str] = {
    "better_quality_of_life": "Reported WEMWBS score (with measurement error) rose by at least "
    "survey_wemwbs_change points since week 0",
    "feel_healthier": "Self-rated health (five categories, with reporting noise) in a better "
    "category than at week 0",
    "less_social_care": "Care package hours lower than at week 0 (packages change at reviews)",
    "fewer_doctor_visits": "GP contacts plus crises in the 12 weeks up to the survey week "
    "below weeks 1-12",
}


@dataclass
class RunResult:
    """Everything one run produces, as tables the results folder stores unchanged.

    ``timeseries``: one row per week 0..weeks (week 0 is the state when the policy starts),
    columns ``week`` and every name of :data:`METRICS`.
    ``agents``: one row per person per snapshot week: ``week``, ``agent_id``, ``agent_type``
    and the columns of :data:`AGENT_COLUMNS` (NaN where a column does not apply).
    ``survey``: one row per user and neighbour: ``agent_id``, ``agent_type``,
    ``participant`` and one bool per :data:`SURVEY_QUESTIONS` key, at ``survey_week``
    (empty when the horizon is shorter).
    ``summary``: scalar summaries for the run's row in ``runs.parquet``.
    """

    timeseries: pd.DataFrame
    agents: pd.DataFrame
    survey: pd.DataFrame
    summary: dict[str, float] = field(default_factory=dict)

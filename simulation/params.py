"""Every parameter of the model, in one place: name, type, default, unit, range, meaning, source.

This schema is the single source of truth. Scenario validation, ``coprod show``, ``--set``, the
page's sliders, sweep ranges and the parameter table of ``docs/ODD.md`` are all read from it.
A default marked *(assumption)* has no empirical source: it is a modelling choice that the
sensitivity analysis questions. Outputs are not parameters: a scenario that names one is
rejected as an unknown key (MODEL.md section 8, "emergence, not wiring").
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ASSUMPTION = "(assumption)"
PROTOTYPE = "(assumption; MODEL.md v1.2 prototype default)"


def param(
    default: Any,
    unit: str,
    meaning: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    source: str = ASSUMPTION,
    group: str,
) -> Any:
    """A pydantic field carrying the documentation every consumer of the schema reads."""
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        description=meaning,
        json_schema_extra={"unit": unit, "source": source, "group": group},
    )


class Params(BaseModel):
    """The validated parameters of one model run (flat keys, as in scenario files)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    # --- time ---------------------------------------------------------------------------
    weeks: int = param(
        104,
        "weeks",
        "Horizon after warm-up",
        ge=1,
        le=2000,
        group="time",
        source="MODEL.md section 2",
    )
    warmup_weeks: int = param(
        12,
        "weeks",
        "Status-quo weeks (expert, no reciprocity) before week 0",
        ge=0,
        le=520,
        group="time",
        source="MODEL.md section 2",
    )
    snapshot_every: int = param(
        13,
        "weeks",
        "Agent snapshot interval (0 = none)",
        ge=0,
        le=2000,
        group="time",
        source=PROTOTYPE,
    )
    survey_week: int = param(
        52,
        "week",
        "Week of the participant survey (MODEL.md section 5)",
        ge=24,
        le=2000,
        group="time",
        source="Spice evaluation of Cardiff time bank: after a year",
    )

    # --- population and network ---------------------------------------------------------
    n_users: int = param(
        1000, "people", "Service users", ge=2, le=1_000_000, group="population", source=PROTOTYPE
    )
    n_professionals: int = param(
        60, "people", "Professionals", ge=1, le=100_000, group="population", source=PROTOTYPE
    )
    n_neighbours: int = param(
        600,
        "people",
        "Neighbours (community members without care needs)",
        ge=0,
        le=1_000_000,
        group="population",
        source=PROTOTYPE,
    )
    network_degree: int = param(
        6,
        "ties",
        "Mean ties per person (Watts-Strogatz k; odd values are rounded down to even)",
        ge=2,
        le=100,
        group="population",
        source=PROTOTYPE,
    )
    network_rewiring: float = param(
        0.1,
        "probability",
        "Watts-Strogatz rewiring",
        ge=0,
        le=1,
        group="population",
        source=PROTOTYPE,
    )
    professional_hours_mean: float = param(
        20.0,
        "hours/week",
        "Mean contact hours per professional (Normal)",
        gt=0,
        le=80,
        group="population",
        source=PROTOTYPE,
    )
    professional_hours_sd: float = param(
        3.0, "hours/week", "SD of contact hours", ge=0, le=40, group="population", source=PROTOTYPE
    )
    neighbour_hours_mean: float = param(
        1.5,
        "hours/week",
        "Mean hours a neighbour could give (Gamma)",
        gt=0,
        le=40,
        group="population",
        source=PROTOTYPE,
    )
    neighbour_hours_shape: float = param(
        2.0, "-", "Gamma shape of neighbours' hours", gt=0, le=100, group="population"
    )
    baseline_need_mean: float = param(
        0.3, "share", "Mean baseline need (Beta)", gt=0, le=0.95, group="population"
    )
    baseline_need_concentration: float = param(
        6.0, "-", "Beta concentration of baseline need", gt=0, le=1000, group="population"
    )
    initial_wellbeing_mean: float = param(
        0.55,
        "share",
        "Mean starting wellbeing before the warm-up (Normal)",
        ge=0,
        le=1,
        group="population",
    )
    initial_wellbeing_sd: float = param(
        0.1, "share", "SD of starting wellbeing", ge=0, le=1, group="population"
    )
    capability_mean: float = param(
        0.5,
        "share",
        "Mean capability: share of need a person could manage with full agency (Beta)",
        gt=0,
        le=0.95,
        group="population",
    )
    capability_concentration: float = param(
        6.0, "-", "Beta concentration of capability", gt=0, le=1000, group="population"
    )
    initial_agency_mean: float = param(
        0.5,
        "share",
        "Mean initial agency (patient activation, Beta)",
        gt=0,
        le=0.95,
        group="population",
    )
    initial_agency_concentration: float = param(
        6.0, "-", "Beta concentration of initial agency", gt=0, le=1000, group="population"
    )
    initial_trust_mean: float = param(
        0.6,
        "share",
        "Mean initial trust in professionals (Beta)",
        gt=0,
        le=0.95,
        group="population",
    )
    initial_trust_concentration: float = param(
        8.0, "-", "Beta concentration of trust", gt=0, le=1000, group="population"
    )
    assets_mean: float = param(
        0.3,
        "share",
        "Mean assets: time and skills a user can offer (Beta)",
        gt=0,
        le=0.95,
        group="population",
    )
    assets_concentration: float = param(
        4.0, "-", "Beta concentration of assets", gt=0, le=1000, group="population"
    )
    motivation_mean: float = param(
        0.5, "share", "Mean initial motivation to give (Beta)", gt=0, le=0.95, group="population"
    )
    motivation_concentration: float = param(
        4.0, "-", "Beta concentration of motivation", gt=0, le=1000, group="population"
    )
    sharing_mean: float = param(
        0.6,
        "share",
        "Mean professional willingness to share power (Beta)",
        gt=0,
        le=0.95,
        group="levers",
        source=PROTOTYPE,
    )
    sharing_concentration: float = param(
        8.0, "-", "Beta concentration of sharing", gt=0, le=1000, group="levers", source=PROTOTYPE
    )
    lived_experience_share: float = param(
        0.0,
        "share",
        "Share of professionals with lived experience (exact count round(share*n))",
        ge=0,
        le=1,
        group="levers",
    )
    lived_experience_sharing_bonus: float = param(
        0.2,
        "share",
        "Added to the sharing of professionals with lived experience",
        ge=0,
        le=1,
        group="levers",
    )
    lived_experience_trust_factor: float = param(
        2.0,
        "x",
        "How much faster trust grows with a professional with lived experience",
        ge=1,
        le=10,
        group="levers",
    )

    # --- rules and levers ---------------------------------------------------------------
    power_rule: str = param(
        "expert",
        "rule",
        "Power-sharing rule (Arnstein's ladder)",
        group="levers",
        source="MODEL.md section 3",
    )
    reciprocity: str = param(
        "none", "rule", "Reciprocity rule", group="levers", source="MODEL.md section 3"
    )
    power_sharing: float = param(
        0.05,
        "share",
        "Policy intent to share power",
        ge=0,
        le=1,
        group="levers",
        source="MODEL.md section 6",
    )
    involvement: float = param(
        0.0,
        "share",
        "Intensity of consultation",
        ge=0,
        le=1,
        group="levers",
        source="MODEL.md section 6",
    )
    capacity_factor: float = param(
        1.0,
        "x",
        "Scales every professional's hours (0.8 = a 20% cut)",
        gt=0,
        le=3,
        group="levers",
        source="MODEL.md section 6",
    )
    pressure_effect: float = param(
        0.5,
        "share",
        "How much pressure cuts effective sharing ('when pushed for time')",
        ge=0,
        le=1,
        group="levers",
    )
    s_neutral: float = param(
        0.15,
        "share",
        "Sharing below which encounters are tokenism and lower agency",
        ge=0,
        le=1,
        group="levers",
        source=PROTOTYPE,
    )

    # --- encounters -----------------------------------------------------------------------
    hours_per_need: float = param(
        4.0,
        "hours/week",
        "Professional hours a need of 1 asks for each week",
        gt=0,
        le=40,
        group="encounters",
    )
    agency_gain_rate: float = param(
        0.04,
        "per encounter",
        "Agency gain per encounter per unit of (s - s_neutral), scaled by trust",
        ge=0,
        le=5,
        group="encounters",
    )
    agency_loss_rate: float = param(
        0.008,
        "per encounter",
        "Share of agency lost in an encounter at or below s_neutral, scaled by trust",
        ge=0,
        le=1,
        group="encounters",
    )
    agency_recovery: float = param(
        0.004,
        "1/week",
        "Weekly drift of agency back toward the person's own starting level",
        ge=0,
        le=1,
        group="encounters",
    )
    trust_gain_rate: float = param(
        0.03,
        "per encounter",
        "Trust gain per encounter (times 0.5 + s)",
        ge=0,
        le=1,
        group="encounters",
    )
    trust_gain_base: float = param(
        0.5,
        "x",
        "Trust gain factor of an encounter at s = 0 (the factor is base + s)",
        ge=0,
        le=5,
        group="encounters",
    )
    trust_unmet_loss: float = param(
        0.05,
        "per week",
        "Trust lost per week at fully unmet requests",
        ge=0,
        le=1,
        group="encounters",
    )
    tokenism_trust_loss: float = param(
        0.15,
        "per consultation",
        "Share of trust lost when consulted without power (s < s_neutral)",
        ge=0,
        le=1,
        group="encounters",
    )
    help_seeking_floor: float = param(
        0.3,
        "probability",
        "Weekly chance that a user with no trust asks for help (rises to 1 with trust)",
        ge=0,
        le=1,
        group="encounters",
    )
    plan_time_factor: float = param(
        0.6,
        "x",
        "Extra encounter time per unit of s while the plan is unmade",
        ge=0,
        le=5,
        group="encounters",
        source=PROTOTYPE,
    )
    plan_rate: float = param(
        0.2,
        "per week",
        "Plan progress per served week per unit of s",
        ge=0,
        le=1,
        group="encounters",
        source=PROTOTYPE,
    )
    referral_base: float = param(
        0.005,
        "probability",
        "Chance an encounter refers to community support at s = 0",
        ge=0,
        le=1,
        group="encounters",
    )
    referral_rate: float = param(
        0.03, "probability", "Added referral chance per unit of s", ge=0, le=1, group="encounters"
    )

    referral_weight: float = param(
        2.0,
        "x",
        "How much more weight community givers give to a referred user, for the reciprocity window",
        ge=1,
        le=20,
        group="encounters",
    )

    # --- need, crises and primary care --------------------------------------------------
    need_reversion: float = param(
        0.08, "1/week", "Pull of need toward baseline", ge=0, le=1, group="need"
    )
    need_noise: float = param(0.02, "share", "SD of weekly need noise", ge=0, le=0.5, group="need")
    acute_prob: float = param(
        0.02, "1/week", "Weekly chance of an acute episode", ge=0, le=1, group="need"
    )
    acute_size: float = param(
        0.15, "share", "Need added by an acute episode", ge=0, le=1, group="need"
    )
    unmet_escalation: float = param(
        0.12,
        "1/week",
        "Need added per unit of unmet need (waiting makes things worse)",
        ge=0,
        le=2,
        group="need",
    )
    community_relief: float = param(
        0.3,
        "x",
        "Low-level need relieved per unit of need met by community help",
        ge=0,
        le=2,
        group="need",
    )
    community_need_share: float = param(
        0.4,
        "share",
        "Share of need that community help can meet (practical and social)",
        ge=0,
        le=1,
        group="need",
    )
    community_efficacy: float = param(
        0.5,
        "x",
        "Need met by a community hour relative to a professional hour",
        ge=0,
        le=2,
        group="need",
    )
    crisis_threshold: float = param(
        0.6, "need", "Need at which crisis risk is half its maximum", ge=0, le=1, group="need"
    )
    crisis_scale: float = param(
        0.08, "need", "Width of the logistic crisis curve", gt=0, le=1, group="need"
    )
    crisis_max: float = param(
        0.06, "1/week", "Weekly crisis probability at very high need", ge=0, le=1, group="need"
    )
    crisis_relief: float = param(
        0.25, "share", "Need relieved by a crisis (A&E or admission)", ge=0, le=1, group="need"
    )
    admission_share: float = param(
        0.4,
        "probability",
        "Share of crises that are emergency admissions (the rest are A&E visits)",
        ge=0,
        le=1,
        group="need",
        source=PROTOTYPE,
    )
    gp_rate: float = param(
        0.15, "contacts/week", "GP contacts per week at need 1 (Poisson)", ge=0, le=10, group="need"
    )

    # --- community and reciprocity ------------------------------------------------------
    user_give_hours: float = param(
        2.0,
        "hours/week",
        "Hours a user with full assets, agency and motivation can give",
        ge=0,
        le=40,
        group="community",
    )
    neighbour_demand: float = param(
        0.3,
        "hours/week",
        "Help a neighbour would welcome (odd jobs, company)",
        ge=0,
        le=40,
        group="community",
    )
    min_exchange_hours: float = param(
        0.1,
        "hours",
        "Least help along a tie in a week that counts as an exchange (less is not given)",
        ge=0,
        le=40,
        group="community",
    )
    running_mean_weight: float = param(
        0.25,
        "share",
        "Weight of this week in running means (recent contribution, bank fill)",
        gt=0,
        le=1,
        group="community",
    )
    motivation_rate: float = param(
        0.05,
        "1/week",
        "Speed at which motivation follows recognition",
        ge=0,
        le=1,
        group="community",
    )
    recognition_none: float = param(
        0.15,
        "share",
        "Recognition of informal goodwill help",
        ge=0,
        le=1,
        group="community",
        source=PROTOTYPE,
    )
    recognition_reciprocated: float = param(
        0.6,
        "share",
        "Recognition when help is returned (direct reciprocity)",
        ge=0,
        le=1,
        group="community",
    )
    recognition_timebank: float = param(
        0.8,
        "share",
        "Recognition of a time-bank member who can spend what they earn",
        ge=0,
        le=1,
        group="community",
    )
    unreciprocated_share: float = param(
        0.5,
        "share",
        "Under direct reciprocity, the share of help still given to those who have not helped back",
        ge=0,
        le=1,
        group="community",
        source=PROTOTYPE,
    )
    reciprocity_window: int = param(
        8,
        "weeks",
        "How recent help must be to count as reciprocated, and for a tie to count as active",
        ge=1,
        le=104,
        group="community",
        source="MODEL.md section 4 (8 weeks)",
    )
    timebank_uptake: float = param(
        0.1,
        "share",
        "Share of users and neighbours who are members at week 0",
        ge=0,
        le=1,
        group="community",
        source=PROTOTYPE,
    )
    credit_limit: float = param(
        10.0,
        "hours",
        "How far credits may fall below zero",
        ge=0,
        le=1000,
        group="community",
        source=PROTOTYPE,
    )
    free_rider_share: float = param(
        0.1,
        "share",
        "Share of members who draw more than they give",
        ge=0,
        le=1,
        group="community",
        source=PROTOTYPE,
    )
    free_rider_draw: float = param(
        3.0, "x", "How much more free riders ask of the bank", ge=1, le=20, group="community"
    )
    membership_lapse: float = param(
        0.005,
        "1/week",
        "Weekly chance a time-bank member drifts away",
        ge=0,
        le=1,
        group="community",
    )
    recruit_rate: float = param(
        0.005,
        "1/week",
        "Weekly chance a member user at full agency recruits a tie into the bank",
        ge=0,
        le=1,
        group="community",
    )

    # --- forum and consultation -----------------------------------------------------------
    forum_every: int = param(
        13,
        "weeks",
        "Weeks between co-design forums",
        ge=1,
        le=104,
        group="forum",
        source="MODEL.md section 3",
    )
    forum_size: int = param(
        50,
        "people",
        "Forum members (highest agency)",
        ge=1,
        le=100_000,
        group="forum",
        source=PROTOTYPE,
    )
    flag_rise: float = param(
        0.1,
        "need",
        "Rise in need over 4 weeks that gets a person flagged",
        ge=0,
        le=1,
        group="forum",
    )
    isolation_threshold: float = param(
        0.2, "share", "Connectedness below which a person is flagged", ge=0, le=1, group="forum"
    )
    max_proactive_share: float = param(
        0.15,
        "share",
        "Most capacity that goes first to flagged people",
        ge=0,
        le=1,
        group="forum",
        source=PROTOTYPE,
    )
    forum_staff_hours: float = param(
        20.0, "hours/forum", "Professional hours a forum takes", ge=0, le=10_000, group="forum"
    )
    consult_rate: float = param(
        0.05,
        "1/week",
        "Share of users consulted per week at full involvement",
        ge=0,
        le=1,
        group="forum",
    )
    consult_hours: float = param(
        1.0, "hours", "Staff time per consultation", ge=0, le=40, group="forum"
    )

    # --- workforce --------------------------------------------------------------------------
    burnout_rise: float = param(
        0.08, "1/week", "Burnout gained per unit of pressure", ge=0, le=1, group="workforce"
    )
    burnout_recovery: float = param(
        0.04,
        "1/week",
        "Share of burnout lost in a week without pressure",
        ge=0,
        le=1,
        group="workforce",
    )
    burnout_capacity_loss: float = param(
        0.3, "share", "Capacity lost at full burnout", ge=0, le=1, group="workforce"
    )
    burnout_leave_threshold: float = param(
        0.6,
        "burnout",
        "Burnout above which a professional may leave",
        ge=0,
        le=1,
        group="workforce",
    )
    leave_prob: float = param(
        0.05,
        "1/week",
        "Weekly chance of leaving above the threshold",
        ge=0,
        le=1,
        group="workforce",
    )
    vacancy_weeks: int = param(
        8, "weeks", "How long a post stays empty", ge=0, le=520, group="workforce"
    )

    # --- wellbeing --------------------------------------------------------------------------
    wellbeing_rate: float = param(
        0.1, "1/week", "Speed at which wellbeing follows its target", ge=0, le=1, group="wellbeing"
    )
    wellbeing_base: float = param(
        0.25, "share", "Wellbeing target with nothing else", ge=0, le=1, group="wellbeing"
    )
    weight_met_need: float = param(
        0.25, "share", "Target weight of met need", ge=0, le=1, group="wellbeing"
    )
    weight_connectedness: float = param(
        0.2, "share", "Target weight of connectedness", ge=0, le=1, group="wellbeing"
    )
    weight_agency: float = param(
        0.2, "share", "Target weight of agency", ge=0, le=1, group="wellbeing"
    )
    weight_contribution: float = param(
        0.1, "share", "Target weight of giving (being valued)", ge=0, le=1, group="wellbeing"
    )
    contribution_hours: float = param(
        1.0,
        "hours/week",
        "Giving that counts as a full contribution",
        gt=0,
        le=40,
        group="wellbeing",
    )
    giving_agency_gain: float = param(
        0.01,
        "per week",
        "Agency gained in a week of full contribution",
        ge=0,
        le=1,
        group="wellbeing",
    )

    # --- costs (GBP, one price year) -----------------------------------------------------
    hour_cost: float = param(
        55.0,
        "GBP/hour",
        "Cost of a professional hour (activity-based)",
        ge=0,
        le=10_000,
        group="costs",
        source=PROTOTYPE,
    )
    ae_cost: float = param(
        300.0, "GBP", "An A&E visit", ge=0, le=1e6, group="costs", source=PROTOTYPE
    )
    admission_cost: float = param(
        3000.0, "GBP", "An emergency admission", ge=0, le=1e6, group="costs", source=PROTOTYPE
    )
    gp_cost: float = param(
        42.0,
        "GBP",
        "A GP consultation",
        ge=0,
        le=10_000,
        group="costs",
        source="PSSRU unit costs, about 2022",
    )
    brokerage_cost: float = param(
        450.0,
        "GBP/member-year",
        "Time-bank brokerage",
        ge=0,
        le=1e5,
        group="costs",
        source="Knapp et al. 2010, PSSRU DP2772 (upper cost)",
    )
    recruitment_cost: float = param(
        6000.0,
        "GBP",
        "Replacing a professional who left",
        ge=0,
        le=1e6,
        group="costs",
        source=PROTOTYPE,
    )
    cost_basis: Literal["activity", "establishment"] = param(
        "activity",
        "-",
        "activity: delivered hours are costed; establishment: funded "
        "capacity costs the same whatever is delivered",
        group="costs",
        source="MODEL.md section 4",
    )
    discount_rate: float = param(
        0.0,
        "1/year",
        "Annual discount rate of costs (0.035 = HM Treasury Green Book)",
        ge=0,
        le=0.5,
        group="costs",
    )
    price_year: int = param(
        2024, "year", "Price year of every cost (a label)", ge=1990, le=2100, group="costs"
    )

    @field_validator("power_rule")
    @classmethod
    def _known_power_rule(cls, value: str) -> str:
        from coprod.simulation.rules import POWER_RULES

        return _check_rule(value, POWER_RULES)

    @field_validator("reciprocity")
    @classmethod
    def _known_reciprocity(cls, value: str) -> str:
        from coprod.simulation.rules import RECIPROCITY_RULES

        return _check_rule(value, RECIPROCITY_RULES)


def _check_rule(value: str, registry: dict[str, Any]) -> str:
    """Reject a rule name that no registered rule answers to."""
    if value not in registry:
        raise ValueError(f"unknown rule {value!r}; allowed: {', '.join(sorted(registry))}")
    return value


def describe(name: str) -> dict[str, Any]:
    """The documentation of one parameter: default, unit, bounds, meaning, source, group."""
    field = Params.model_fields[name]
    extra = field.json_schema_extra or {}
    bounds = {"ge": None, "le": None, "gt": None, "lt": None}
    for meta in field.metadata:
        for key in bounds:
            if hasattr(meta, key):
                bounds[key] = getattr(meta, key)
    return {
        "name": name,
        "default": field.default,
        "type": field.annotation
        if isinstance(field.annotation, str)
        else getattr(field.annotation, "__name__", str(field.annotation)),
        "unit": extra.get("unit", ""),
        "meaning": field.description or "",
        "source": extra.get("source", ASSUMPTION),
        "group": extra.get("group", ""),
        "min": bounds["ge"] if bounds["ge"] is not None else bounds["gt"],
        "max": bounds["le"] if bounds["le"] is not None else bounds["lt"],
        "min_exclusive": bounds["gt"] is not None,
    }


PARAMETER_NAMES: tuple[str, ...] = tuple(Params.model_fields)

LEVERS: tuple[str, ...] = tuple(n for n in PARAMETER_NAMES if describe(n)["group"] == "levers")
"""The policy levers: what a scenario may choose. Every other parameter describes the world
(people, needs, mechanisms, costs), which every arm of a fair comparison shares."""
HORIZON = ("weeks", "snapshot_every", "survey_week")
"""When a run stops and what it records: not the world a run simulates."""


def world_differences(
    values: dict[str, dict[str, Any]], baseline: str
) -> dict[str, dict[str, tuple[Any, Any]]]:
    """For each scenario, the parameters other than policy levers whose value differs from the
    baseline's, as (scenario's value, baseline's value).

    A comparison is fair when its arms differ in policy only. A scenario that also changes a
    mechanism (a calibrated ``gp_rate``, say) or the population changes the world: its
    week-0 people differ from the baseline's and its differences mix world with policy.
    """
    base = values[baseline]
    return {
        name: {
            key: (own[key], base[key])
            for key in PARAMETER_NAMES
            if key not in LEVERS and key not in HORIZON and own[key] != base[key]
        }
        for name, own in values.items()
        if name != baseline
    }

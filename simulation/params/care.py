"""Encounters, need, crises, primary care and wellbeing: how care meets need."""

from __future__ import annotations

from coprod.simulation.params.schema import PROTOTYPE, Part, param


class CareParams(Part):
    """Encounters, need, crises, primary care and wellbeing: how care meets need."""

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
    acuity_threshold: float = param(
        0.05,
        "need",
        "Least unmanaged need (after community help) a person asks a professional about; a "
        "request is dependence when the need beyond their capability is below it",
        ge=0,
        le=1,
        group="encounters",
        source="MODEL.md section 10.7 (the stated acuity)",
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
        0.08, "need", "Width of the logistic crisis curve", ge=0.001, le=1, group="need"
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

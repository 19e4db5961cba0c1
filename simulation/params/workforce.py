"""Professionals under pressure: burnout, leaving, vacancies."""

from __future__ import annotations

from coprod.simulation.params.schema import Part, param

SKILLS_FOR_CARE = (
    "Skills for Care (2024), The state of the adult social care sector and workforce in "
    "England, 2023/24"
)


class WorkforceParams(Part):
    """Professionals under pressure: burnout, leaving, vacancies."""

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
    turnover_annual: float = param(
        0.248,
        "share/year",
        "Leavers a year per filled post at no burnout (the baseline leaving hazard is this / 52 "
        "a week)",
        ge=0,
        le=2,
        group="workforce",
        source=SKILLS_FOR_CARE + ": turnover rate 24.8%",
    )
    burnout_turnover_factor: float = param(
        2.0,
        "x",
        "How much burnout raises the leaving hazard: x (1 + factor x burnout)",
        ge=0,
        le=20,
        group="workforce",
    )
    vacancy_weeks: int = param(
        19,
        "weeks",
        "How long a post stays empty after its holder leaves",
        ge=0,
        le=520,
        group="workforce",
        source=SKILLS_FOR_CARE + ": vacancy rate 8.3% and turnover 24.8% imply a mean vacancy "
        "of 0.083 / (0.248 x 0.917) years = 19 weeks (Little's law)",
    )
    locum_cover_share: float = param(
        0.5,
        "share",
        "Share of a vacant post's hours covered by locum or agency staff (the rest go unmet)",
        ge=0,
        le=1,
        group="workforce",
    )
    continuity_trust_loss: float = param(
        0.1,
        "share",
        "Share of trust lost at the first encounter with a new professional or a locum "
        "(continuity of care)",
        ge=0,
        le=1,
        group="workforce",
    )

"""Professionals under pressure: burnout, leaving, vacancies."""

from __future__ import annotations

from coprod.simulation.params.schema import Part, param


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

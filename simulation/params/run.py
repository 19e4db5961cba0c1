"""When a run starts and stops and what it records."""

from __future__ import annotations

from coprod.simulation.params.schema import PROTOTYPE, Part, param


class RunParams(Part):
    """When a run starts and stops and what it records."""

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

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
        156,
        "weeks",
        "Status-quo weeks (expert, no reciprocity) before week 0, the first half sped up "
        "(warmup_speedup) so that week 0 is at rest",
        ge=0,
        le=520,
        group="time",
        source="MODEL.md section 10.1; trust in care comes to rest over about 90 weeks and "
        "in-care need follows it (docs/ODD.md section 5): 78 weeks left package hours falling "
        "by 10% over the next two years",
    )
    warmup_speedup: float = param(
        3.0,
        "x",
        "Factor on the slow state variables' rates in the first half of the warm-up "
        "(moves how soon the status quo comes to rest, not where)",
        ge=1,
        le=100,
        group="time",
        source="MODEL.md section 10.1; chosen so traditional shows no trend (tests/test_rest.py)",
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

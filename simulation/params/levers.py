"""The policy levers a scenario chooses; every arm of a fair comparison shares the rest."""

from __future__ import annotations

from typing import Any

from coprod.simulation.params.schema import PROTOTYPE, Part, param


class LeverParams(Part):
    """The policy levers a scenario chooses; every arm of a fair comparison shares the rest."""

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
        8.0, "-", "Beta concentration of sharing", ge=0.1, le=1000, group="levers", source=PROTOTYPE
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
    timeline: list[dict[str, Any]] = param(
        [],
        "entries",
        "Lever changes at the start of given weeks: [[timeline]] entries of `week` and lever "
        "keys (a child scenario's timeline replaces its parent's)",
        group="levers",
        source="MODEL.md section 10.6",
    )

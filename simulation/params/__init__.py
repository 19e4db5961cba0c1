"""Every parameter of the model, in one place: name, type, default, unit, range, meaning, source.

This schema is the single source of truth. Scenario validation, ``coprod show``, ``--set``, the
page's sliders, sweep ranges and the parameter table of ``docs/ODD.md`` are all read from it.
The parameters are written in groups by what they describe (one module each: ``run``,
``population``, ``levers``, ``care``, ``community``, ``workforce``, ``costs``) and
:class:`Params` inherits them all, so a scenario stays one flat set of keys. A default marked
*(assumption)* has no empirical source: it is a modelling choice that the sensitivity analysis
questions. Outputs are not parameters: a scenario that names one is rejected as an unknown key
(MODEL.md section 8, "emergence, not wiring").
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError, field_validator, model_validator

from coprod.simulation.params.care import CareParams
from coprod.simulation.params.commissioning import CommissioningParams
from coprod.simulation.params.community import CommunityParams
from coprod.simulation.params.costs import CostParams
from coprod.simulation.params.levers import LeverParams
from coprod.simulation.params.population import PopulationParams
from coprod.simulation.params.residents import ResidentParams
from coprod.simulation.params.run import RunParams
from coprod.simulation.params.schema import ASSUMPTION, PROTOTYPE
from coprod.simulation.params.services import ServicesParams
from coprod.simulation.params.timebank import TimeBankParams
from coprod.simulation.params.workforce import WorkforceParams

__all__ = [
    "ASSUMPTION",
    "HORIZON",
    "LEVERS",
    "PARAMETER_NAMES",
    "PROTOTYPE",
    "Params",
    "describe",
    "world_differences",
]


class Params(
    ServicesParams,
    TimeBankParams,
    CommissioningParams,
    CostParams,
    WorkforceParams,
    CommunityParams,
    CareParams,
    LeverParams,
    ResidentParams,
    PopulationParams,
    RunParams,
):
    """The validated parameters of one model run (flat keys, as in scenario files)."""

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

    @model_validator(mode="after")
    def _valid_timeline(self) -> Params:
        """Each timeline entry: a week within the horizon and valid values of policy levers."""
        from coprod.simulation.timeline import WEEK, label, shape_problems

        problems = shape_problems(self.timeline, self.weeks, LEVERS)
        if not problems:
            for index, entry in enumerate(self.timeline):
                changes = {k: v for k, v in entry.items() if k != WEEK}
                try:
                    type(self).model_validate(changes)
                except ValidationError as exc:
                    problems += [
                        f"{label(index, entry)}: `{error['loc'][0]}` = {error['input']!r}: "
                        f"{error['msg']}."
                        for error in exc.errors()
                    ]
        if problems:
            raise ValueError(" ".join(problems))
        return self


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

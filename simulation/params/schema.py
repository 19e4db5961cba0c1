"""The schema helper every parameter group is written with: one field, its documentation.

A parameter is a pydantic field carrying its unit, meaning, source and group, so that
validation, ``coprod show``, ``--set``, the page's sliders, sweep ranges and the parameter
table of ``docs/ODD.md`` all read one definition. A default marked *(assumption)* has no
empirical source: it is a modelling choice that the sensitivity analysis questions.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ASSUMPTION = "(assumption)"
PROTOTYPE = "(assumption; MODEL.md v1.2 prototype default)"


class Part(BaseModel):
    """A group of parameters; :class:`coprod.simulation.params.Params` inherits them all."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


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
    distribution: dict[str, Any] | None = None,
) -> Any:
    """A pydantic field carrying the documentation every consumer of the schema reads.

    ``distribution`` (optional) is the parameter's uncertainty for a probabilistic
    sensitivity analysis, in an experiment file's form (``{"dist": "beta", "mean": 0.3,
    "sd": 0.05}``), when ``source`` also publishes its spread; without one, ``coprod psa``
    falls back on ``params.uncertainty`` (its stated distributions, then its default rule)."""
    extra: dict[str, Any] = {"unit": unit, "source": source, "group": group}
    if distribution is not None:
        extra["distribution"] = dict(distribution)
    return Field(default, ge=ge, le=le, gt=gt, description=meaning, json_schema_extra=extra)

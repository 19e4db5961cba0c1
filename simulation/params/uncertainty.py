"""The uncertainty of each parameter, for a probabilistic sensitivity analysis (PSA).

Every numeric parameter of the world (not a policy lever, not the horizon) has a distribution
``coprod psa`` can draw it from, found in this order:

1. **Its own**: a ``distribution`` given to ``param()`` in the schema, with the parameter's
   ``source`` (for a parameter whose source publishes a spread).
2. **Stated here** (:data:`STATED`): a family and a coefficient of variation around the
   schema's default, with a source for each. The mean is always the current default, so a
   recalibrated default moves its distribution with it.
3. **The default rule** (:func:`default_rule`) for every other parameter: a triangular
   distribution from half the default to one and a half times it, with the default as its
   mode, cut to the parameter's schema bounds. It says "we believe the default to within
   +/- 50%, likeliest as set", which is an assumption, not evidence; a parameter whose
   default is 0 has no scale for such a rule and must be given a distribution in the file.

Specifications are plain mappings in an experiment file's form (``{"dist": "gamma", "mean":
55.0, "sd": 11.0}``); ``coprod.experiments.designs.distributions`` checks and draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coprod.simulation.params import PARAMETER_NAMES, Params, describe

DEFAULT_SPREAD = 0.5
"""The default rule's half-width, as a share of the default."""
DEFAULT_RULE_SOURCE = (
    "default rule (assumption): triangular from 0.5x to 1.5x the schema default, mode at the "
    "default, cut to the parameter's bounds"
)
UNIT_COST_SPREAD = (
    "gamma for a cost (Briggs, Claxton & Sculpher 2006, Decision Modelling for Health Economic "
    "Evaluation, ch. 4), mean = the schema default; the source gives a point estimate only, so "
    "the sd of 20% of the mean is an assumption"
)


@dataclass(frozen=True)
class Stated:
    """A distribution around the schema default: a family with a mean and sd
    (``gamma``, ``lognormal``, ``normal``, ``beta``), ``sd = cv x default``."""

    family: str
    cv: float
    source: str

    def spec(self, default: float) -> dict[str, Any]:
        """The specification at the parameter's current default."""
        return {"dist": self.family, "mean": float(default), "sd": self.cv * float(default)}


STATED: dict[str, Stated] = {
    "hour_cost": Stated("gamma", 0.2, f"mean: MODEL.md v1.2 prototype; {UNIT_COST_SPREAD}"),
    "gp_cost": Stated("gamma", 0.2, f"mean: PSSRU unit costs, about 2022; {UNIT_COST_SPREAD}"),
    "ae_cost": Stated("gamma", 0.2, f"mean: MODEL.md v1.2 prototype; {UNIT_COST_SPREAD}"),
    "admission_cost": Stated("gamma", 0.2, f"mean: MODEL.md v1.2 prototype; {UNIT_COST_SPREAD}"),
}
"""Parameters whose distribution is stated here, with its source. None of today's sources
publishes a standard error: every spread here is an assumption, named as one."""


def distribution(name: str) -> tuple[dict[str, Any], str]:
    """The parameter's distribution (module docstring's order) and where it comes from."""
    info = describe(name)
    own = (Params.model_fields[name].json_schema_extra or {}).get("distribution")
    if own is not None:
        return dict(own), str(info["source"])
    if name in STATED:
        return STATED[name].spec(info["default"]), STATED[name].source
    return default_rule(info), DEFAULT_RULE_SOURCE


def default_rule(info: dict[str, Any]) -> dict[str, Any]:
    """Triangular over ``[0.5, 1.5] x default`` cut to the schema bounds (``describe``'s
    ``min``/``max``), mode at the default. A default of 0 gives an empty range, which the
    distribution's checks then report for the parameter."""
    default = float(info["default"])
    low, high = sorted((default * (1 - DEFAULT_SPREAD), default * (1 + DEFAULT_SPREAD)))
    if info["min"] is not None:
        low = max(low, float(info["min"]))
    if info["max"] is not None:
        high = min(high, float(info["max"]))
    return {"dist": "triangular", "min": low, "mode": default, "max": high}


def stated_names() -> list[str]:
    """The parameters with a distribution of their own or stated here (not the default
    rule's): what a PSA file without an ``[uncertain]`` table draws."""
    own = [
        name
        for name in PARAMETER_NAMES
        if "distribution" in (Params.model_fields[name].json_schema_extra or {})
    ]
    return [*own, *(name for name in STATED if name not in own)]

"""Health-economic evaluation of a results folder: QALYs, discounted costs, paired
increments, and the decision analysis of a probabilistic sensitivity analysis.

From ``coprod.load(folder)``'s tables: :func:`run_outcomes` (per run: discounted cost and
QALYs per person), :func:`increments` and :func:`summarise` (per arm against the baseline:
incremental cost and QALYs, ICER or dominance, INMB with intervals), :func:`evaluate` (the
two in one), and for a PSA :func:`psa_table`, :func:`plane`, :func:`ceac`, :func:`ceaf`,
:func:`evpi` and :func:`evppi`, or all of them at once with :func:`analyse`, after
:func:`psa_draws` drew the parameters. ``docs/ECONOMICS.md`` says how to read each.
"""

from coprod.experiments.methods.economics.costing import (
    PERSPECTIVES,
    Evaluation,
    discount_factors,
    price_year,
    run_outcomes,
)
from coprod.experiments.methods.economics.decision import (
    NICE_THRESHOLDS,
    THRESHOLDS,
    ceac,
    ceaf,
    evaluate,
    evpi,
    icer,
    increments,
    net_benefit,
    plane,
    psa_table,
    summarise,
)
from coprod.experiments.methods.economics.evppi import evppi
from coprod.experiments.methods.economics.psa import PSAResult, analyse, psa_draws
from coprod.experiments.methods.economics.utility import (
    DEFAULT_MAPPING,
    DERIVED_JOHNSON_2016,
    UtilityMapping,
)

__all__ = [
    "DEFAULT_MAPPING",
    "DERIVED_JOHNSON_2016",
    "NICE_THRESHOLDS",
    "PERSPECTIVES",
    "THRESHOLDS",
    "Evaluation",
    "PSAResult",
    "UtilityMapping",
    "analyse",
    "ceac",
    "ceaf",
    "discount_factors",
    "evaluate",
    "evpi",
    "evppi",
    "icer",
    "increments",
    "net_benefit",
    "plane",
    "price_year",
    "psa_draws",
    "psa_table",
    "run_outcomes",
    "summarise",
]

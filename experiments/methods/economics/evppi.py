"""Partial EVPI: how much would it be worth to learn one group of parameters exactly?

The regression (metamodel) method of Strong, Oakley & Brennan (2014, Medical Decision
Making 34:311-326): in a PSA, each arm's incremental net benefit over the baseline is
regressed on the group's parameters with a flexible smoother; the fitted values estimate
``E[INB | group]``, and

    EVPPI = mean over draws of max(0, fitted INB of each arm) - max(0, mean INB of each arm).

The smoother is scikit-learn's cubic B-splines (``SplineTransformer``) of each parameter, with
all pairwise products of the basis functions for groups of up to three parameters (an
interaction surface, like the GAM tensor products Strong et al. use), fitted by ridge
regression with the penalty chosen by leave-one-out cross-validation (``RidgeCV``), which
keeps the fit from chasing noise; an over-fitted smoother biases EVPPI upwards.
Incremental cost and QALYs are fitted separately so that one pair of fits serves every
threshold. ``scikit-learn`` comes with the ``economics`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from coprod.experiments.methods.economics.decision import THRESHOLDS, arm_order, by_draw
from coprod.simulation.errors import CoprodError

INTERACTION_LIMIT = 3
"""Up to this many parameters in a group, the smoother includes their interactions."""
ALPHAS = np.logspace(-6, 3, 19)


def evppi(
    psa: pd.DataFrame,
    draws: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    baseline: str,
    thresholds: Sequence[float] = THRESHOLDS,
) -> pd.DataFrame:
    """EVPPI per person in GBP: one row per threshold, one column per named group.

    ``psa`` is :func:`decision.psa_table`'s table; ``draws`` has one row per draw (its index)
    and one column per uncertain parameter (``distributions.sample``'s table, with the
    mapping's coefficients if they were drawn)."""
    missing = sorted({p for group in groups.values() for p in group} - set(draws.columns))
    if missing:
        raise CoprodError(
            f"EVPPI groups name parameters that were not drawn: {', '.join(missing)}; "
            f"drawn: {', '.join(draws.columns)}"
        )
    wide = by_draw(psa)
    x_all = draws.loc[wide.index]
    arms = [arm for arm in arm_order(psa) if arm != baseline]
    d_qalys = {arm: wide[("qalys", arm)] - wide[("qalys", baseline)] for arm in arms}
    d_cost = {arm: wide[("cost", arm)] - wide[("cost", baseline)] for arm in arms}
    table = {}
    for name, params in groups.items():
        x = x_all[list(params)].to_numpy(dtype=float)
        fitted_q = np.column_stack([_fit(x, d_qalys[arm].to_numpy()) for arm in arms])
        fitted_c = np.column_stack([_fit(x, d_cost[arm].to_numpy()) for arm in arms])
        table[name] = [_value(lam * fitted_q - fitted_c) for lam in thresholds]
    return pd.DataFrame(table, index=pd.Index(thresholds, name="threshold"))


def _value(fitted_inb: np.ndarray) -> float:
    """EVPPI from fitted incremental net benefits (draws x arms; the baseline's is 0)."""
    with_base = np.column_stack([np.zeros(len(fitted_inb)), fitted_inb])
    return max(float(with_base.max(axis=1).mean() - with_base.mean(axis=0).max()), 0.0)


def _fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fitted values of ``y`` from a penalised spline surface of ``x`` (module docstring)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, SplineTransformer, StandardScaler

    steps: list = [SplineTransformer(n_knots=5, degree=3)]
    if x.shape[1] <= INTERACTION_LIMIT:
        steps.append(PolynomialFeatures(degree=2, interaction_only=True, include_bias=False))
    model = make_pipeline(*steps, StandardScaler(), RidgeCV(alphas=ALPHAS))
    return model.fit(x, y).predict(x)

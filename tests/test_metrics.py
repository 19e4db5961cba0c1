"""The weekly row's shortcuts against what they stand in for, to the bit (issue 16): every
comparison is exact equality, never a tolerance, since the results must not move."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from coprod.simulation import CoProductionModel, Params
from coprod.simulation.metrics import gini, mean, percentile_of_sorted
from coprod.simulation.model import _reporter
from coprod.simulation.outputs import METRICS

SIZES = [1, 2, 3, 9, 10, 11, 12, 21, 99, 100, 101, 127, 128, 129, 600, 1001, 4097]


@pytest.mark.parametrize("n", SIZES)
def test_percentile_of_sorted_is_numpys_percentile(n):
    rng = np.random.default_rng(n)
    for values in (rng.random(n), rng.beta(0.5, 0.5, n), np.round(rng.random(n), 1)):
        ranked = np.sort(values)
        for q in (0, 1, 10, 25, 50, 90, 99.5, 100):
            assert percentile_of_sorted(ranked, q) == np.percentile(values, q), (n, q)


@pytest.mark.parametrize("n", SIZES)
def test_mean_and_gini_of_sorted_values_are_numpys(n):
    values = np.random.default_rng(n).random(n)
    assert mean(values) == values.mean()
    assert gini(values, np.sort(values)) == gini(values)


def test_the_weekly_table_is_what_mesas_own_collector_records():
    """``WeeklyRows`` appends the row without Mesa's calls and copies: a collector of Mesa's
    own, collecting beside it every week, records the same table."""
    model = CoProductionModel(
        Params(n_users=120, n_neighbours=80, n_professionals=8, weeks=6), seed=2
    )
    plain = mesa.DataCollector({name: _reporter(name) for name in ("week", *METRICS)})
    plain.collect(model)
    for _ in range(6):
        model.step()
        plain.collect(model)
    assert model.datacollector.get_model_vars_dataframe().equals(plain.get_model_vars_dataframe())
    assert model.datacollector._collection_steps == plain._collection_steps
    assert all(isinstance(value, int | float) for value in model.latest.values())

"""The weekly row's shortcuts against what they stand in for, to the bit (issue 16): every
comparison is exact equality, never a tolerance, since the results must not move."""

from __future__ import annotations

import os
import subprocess
import sys

import mesa
import numpy as np
import pytest

from coprod.simulation import CoProductionModel, Params
from coprod.simulation.compiled import pairwise_sum
from coprod.simulation.metrics import gini, percentile_of_sorted, state_metrics, wemwbs
from coprod.simulation.model import _reporter
from coprod.simulation.outputs import METRICS
from coprod.simulation.workforce import turnover_annualised

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
    assert pairwise_sum(values) / n == values.mean()
    assert gini(values, np.sort(values)) == gini(values)


GINI_OF_A_CITY = """
import numpy as np
from coprod.simulation.metrics import gini
print(repr(gini(np.random.default_rng(0).random(600_000))))
"""


def test_the_gini_of_a_city_does_not_depend_on_the_blas_threads():
    """600,000 users in care (a city's): the same bits with one BLAS thread and with two (a
    BLAS ``dot`` split the sum among its threads)."""
    printed = {
        threads: subprocess.run(
            [sys.executable, "-c", GINI_OF_A_CITY],
            env=os.environ | {"OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for threads in ("1", "2")
    }
    assert printed["1"] == printed["2"] and printed["1"].startswith("0.")


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


def reference_state_metrics(users, comm, pros, week):
    """``metrics.state_metrics`` as it was, with numpy's own reductions and indexing."""
    in_care = comm.is_user
    wellbeing = comm.wellbeing[in_care] if in_care.any() else np.zeros(1)
    in_post = pros.in_post(week)
    return {
        "residents": float(len(in_care)),
        "users_in_care": float(np.count_nonzero(in_care)),
        "mean_age": float(users.age.mean()),
        "residents_65_plus": float(np.count_nonzero(users.age >= 65.0)),
        "wellbeing_residents_mean": float(comm.wellbeing.mean()),
        "wellbeing_mean": float(wellbeing.mean()),
        "wellbeing_p10": float(np.percentile(wellbeing, 10)),
        "wellbeing_gini": gini(wellbeing),
        "wemwbs_mean": float(wemwbs(wellbeing.mean())),
        "agency_mean": float(users.agency[in_care].mean()) if in_care.any() else 0.0,
        "timebank_members": float(np.count_nonzero(comm.member)),
        "burnout_mean": float(pros.burnout[in_post].mean()) if in_post.any() else 0.0,
        "vacancies": float(np.count_nonzero(~in_post)),
        "turnover_annualised": turnover_annualised(pros),
        "trust_mean": float(users.trust[in_care].mean()) if in_care.any() else 0.0,
        "connectedness_mean": float(comm.connectedness[in_care].mean()) if in_care.any() else 0.0,
    }


@pytest.mark.parametrize("share", [0.0, 0.01, 0.5, 1.0])
def test_state_metrics_are_the_array_versions(share):
    """Nobody, a few, half and everyone in care, with members among them."""
    model = CoProductionModel(Params(n_users=300, n_neighbours=180, n_professionals=20), seed=4)
    comm = model.community
    draws = np.random.default_rng(1)
    for week in range(5):
        comm.is_user = draws.random(len(comm.is_user)) < share
        comm.member = draws.random(len(comm.is_user)) < 0.3
        want = reference_state_metrics(model.users, comm, model.professionals, week)
        assert state_metrics(model.users, comm, model.professionals, week) == want

"""Model metrics (MODEL.md section 5): the weekly row.

Metrics are read from the population arrays after the week's phases; none is set by a
scenario. The week-52 survey, as people answer it, is in ``survey``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from coprod.simulation.population import Community, Professionals, Users
from coprod.simulation.workforce import turnover_annualised


def wemwbs(wellbeing: np.ndarray | float) -> np.ndarray | float:
    """The Warwick-Edinburgh scale (14-70) for a 0-1 wellbeing."""
    return 14.0 + 56.0 * wellbeing


def gini(values: np.ndarray, ranked: np.ndarray | None = None) -> float:
    """Gini coefficient of non-negative values (0 = equal); ``ranked``, the values sorted, if
    the caller has them already (the weekly row sorts wellbeing once for this and the tenth
    percentile). The total is summed in the values' own order, as it always was.

    The rank-weighted sum is numpy's own (pairwise) sum, not a BLAS ``dot``: above 10,000
    values OpenBLAS splits a dot among its threads, and the last bits then depended on how
    many it had (a city run in a notebook against the same run in a job's worker, which has
    one)."""
    total = values.sum()
    if len(values) == 0 or total <= 0:
        return 0.0
    ranked = np.sort(values) if ranked is None else ranked
    n = len(ranked)
    return float(np.sum((2.0 * np.arange(1, n + 1) - n - 1) * ranked) / (n * total))


def percentile_of_sorted(ranked: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` (its default, linear method) of values already sorted,
    to the bit: the same virtual index, neighbours and interpolation, without the 40 us of
    ``np.percentile``'s own partition and checks that a weekly row at 1,000 people pays.
    tests/test_metrics.py compares it with ``np.percentile`` on many sizes."""
    n = len(ranked)
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1:  # one value, or the top: numpy takes the last
        return float(ranked[-1])
    below = math.floor(virtual)
    a, b = float(ranked[below]), float(ranked[below + 1])
    gamma = virtual - below
    return b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma


def mean(values: np.ndarray) -> float:
    """``values.mean()`` as a float, to the bit (numpy's own sum over the count), without the
    method's few microseconds of dispatch: the weekly row takes a dozen means."""
    return float(values.sum() / len(values))


def state_metrics(
    users: Users, comm: Community, pros: Professionals, week: int
) -> dict[str, float]:
    """Metrics of the population's state (not of the week's flows). User metrics are over
    the users in care this week; ``wellbeing_residents_mean`` and the residents' counts over
    everyone."""
    in_care, chosen = selected(
        comm.is_user, (comm.wellbeing, users.agency, users.trust, comm.connectedness)
    )
    anyone = in_care > 0
    wellbeing, agency, trust, connectedness = chosen
    wellbeing = wellbeing if anyone else np.zeros(1)
    ranked = np.sort(wellbeing)
    wellbeing_mean = mean(wellbeing)
    in_post = pros.in_post(week)
    return {
        "residents": float(len(comm.is_user)),
        "users_in_care": float(in_care),
        "mean_age": mean(users.age),
        "residents_65_plus": float(np.count_nonzero(users.age >= 65.0)),
        "wellbeing_residents_mean": mean(comm.wellbeing),
        "wellbeing_mean": wellbeing_mean,
        "wellbeing_p10": percentile_of_sorted(ranked, 10),
        "wellbeing_gini": gini(wellbeing, ranked),
        "wemwbs_mean": float(wemwbs(wellbeing_mean)),
        "agency_mean": mean(agency) if anyone else 0.0,
        "timebank_members": float(np.count_nonzero(comm.member)),
        "burnout_mean": mean(pros.burnout[in_post]) if in_post.any() else 0.0,
        "vacancies": float(np.count_nonzero(~in_post)),
        "turnover_annualised": turnover_annualised(pros),
        "trust_mean": mean(trust) if anyone else 0.0,
        "connectedness_mean": mean(connectedness) if anyone else 0.0,
    }


@numba.njit(cache=True, nogil=True)
def selected(mask: np.ndarray, values: tuple) -> tuple[int, np.ndarray]:
    """(how many of ``mask`` are true, a row for each of ``values`` holding its entries where
    ``mask`` is, in order) in one pass: the entries boolean indexing gives, so means summed
    from the rows are the same bits, without an indexing operation and its mask per value."""
    count = 0
    for person in range(len(mask)):
        count += mask[person]
    rows = np.empty((len(values), count))
    column = 0
    for person in range(len(mask)):
        if mask[person]:
            for row in range(len(values)):
                rows[row, column] = values[row][person]
            column += 1
    return count, rows

"""Model metrics (MODEL.md section 5): the weekly row.

Metrics are read from the population arrays after the week's phases; none is set by a
scenario. The week-52 survey, as people answer it, is in ``survey``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from coprod.simulation.compiled import kernel, pairwise_sum
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
    return float(_rank_weighted(ranked) / (n * total))


@kernel
def _rank_weighted(ranked: np.ndarray) -> float:
    """``np.sum((2.0 * np.arange(1, n + 1) - n - 1) * ranked)``, to the bit: the same weights
    (whole numbers, exact as floats), products and pairwise sum, in one call, not five."""
    n = len(ranked)
    products = np.empty(n)
    for k in range(n):
        products[k] = (2.0 * (k + 1) - n - 1) * ranked[k]
    return pairwise_sum(products)


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


def state_metrics(
    users: Users, comm: Community, pros: Professionals, week: int
) -> dict[str, float]:
    """Metrics of the population's state (not of the week's flows). User metrics are over
    the users in care this week; ``wellbeing_residents_mean`` and the residents' counts over
    everyone. Counts and means come from one compiled pass (:func:`_state`)."""
    counts, means, wellbeing = _state(
        comm.is_user,
        comm.wellbeing,
        users.agency,
        users.trust,
        comm.connectedness,
        users.age,
        comm.member,
        pros.burnout,
        pros.vacant_until,
        week,
    )
    in_care, over_65, members, vacancies = counts
    mean_age, residents_wellbeing, wellbeing_mean, agency, trust, connectedness, burnout = means
    anyone = in_care > 0
    wellbeing = wellbeing if anyone else np.zeros(1)
    ranked = np.sort(wellbeing)
    return {
        "residents": float(len(comm.is_user)),
        "users_in_care": float(in_care),
        "mean_age": mean_age,
        "residents_65_plus": float(over_65),
        "wellbeing_residents_mean": residents_wellbeing,
        "wellbeing_mean": wellbeing_mean,
        "wellbeing_p10": percentile_of_sorted(ranked, 10),
        "wellbeing_gini": gini(wellbeing, ranked),
        "wemwbs_mean": float(wemwbs(wellbeing_mean)),
        "agency_mean": agency,
        "timebank_members": float(members),
        "burnout_mean": burnout,
        "vacancies": float(vacancies),
        "turnover_annualised": turnover_annualised(pros),
        "trust_mean": trust,
        "connectedness_mean": connectedness,
    }


@kernel
def _state(
    in_care: np.ndarray,
    wellbeing: np.ndarray,
    agency: np.ndarray,
    trust: np.ndarray,
    connectedness: np.ndarray,
    age: np.ndarray,
    member: np.ndarray,
    burnout: np.ndarray,
    vacant_until: np.ndarray,
    week: int,
) -> tuple[tuple[int, int, int, int], tuple[float, ...], np.ndarray]:
    """((users in care, residents 65 and over, time-bank members, vacant posts), (mean age,
    residents' mean wellbeing, users' mean wellbeing, agency, trust and connectedness, the
    mean burnout of posts in post), the users' wellbeing in slot order).

    Each mean is numpy's (``values.mean()``: the pairwise sum of the entries boolean
    indexing gives, over their count), 0.0 over nobody (wellbeing's is the mean of one 0.0)."""
    count, rows = selected(in_care, (wellbeing, agency, trust, connectedness))
    over_65 = members = 0
    for person in range(len(age)):
        over_65 += age[person] >= 65.0
        members += member[person]
    _, posts = selected(vacant_until <= week, (burnout,))
    vacancies = len(vacant_until) - posts.shape[1]
    users = np.zeros(4)
    if count:
        for row in range(4):
            users[row] = pairwise_sum(rows[row]) / count
    burnout_mean = pairwise_sum(posts[0]) / posts.shape[1] if posts.shape[1] else 0.0
    means = (
        pairwise_sum(age) / len(age),
        pairwise_sum(wellbeing) / len(wellbeing),
        users[0],
        users[1],
        users[2],
        users[3],
        burnout_mean,
    )
    return (count, over_65, members, vacancies), means, rows[0].copy()


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

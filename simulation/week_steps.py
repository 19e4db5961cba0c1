"""Small steps of the week between its phases, compiled (issue 16): each is a few array
operations that cost as much at 1,000 people as at 10,000, done element by element in the
order of the expressions they replaced, so the same bits (tests/test_week_kernels.py)."""

from __future__ import annotations

import numpy as np

from coprod.simulation.compiled import kernel, maximum, pairwise_sum


@kernel
def home_terms(
    need: np.ndarray,
    agency: np.ndarray,
    capability: np.ndarray,
    cover: np.ndarray,
    carer_met: np.ndarray,
    largest_package: float,
    age: np.ndarray,
    min_age: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(need the person cannot manage, need met at home at best, need counted for a
    placement: none under ``min_age``) for packages' reviews and placements."""
    unmanaged, home, old_enough = np.empty(len(need)), np.empty(len(need)), np.zeros(len(need))
    for person in range(len(need)):
        unmanaged[person] = need[person] * (1.0 - agency[person] * capability[person])
        home[person] = (
            need[person] - unmanaged[person] + cover[person] + carer_met[person] + largest_package
        )
        if age[person] >= min_age:
            old_enough[person] = need[person]
    return unmanaged, home, old_enough


@kernel
def not_placed(
    requested: np.ndarray, dependent: np.ndarray, placed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Requests and dependence with those in a care home left out: the home cares for them."""
    requested, dependent = requested.copy(), dependent.copy()
    for person in range(len(placed)):
        if placed[person]:
            requested[person], dependent[person] = 0.0, False
    return requested, dependent


@kernel
def care_received(
    clinical: np.ndarray,
    met_elsewhere: np.ndarray,
    carer_met: np.ndarray,
    hours_per_need: float,
    sharing: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(care received as clinical hours: packages, care homes and carers count as clinical
    hours do; a carer's involvement, the power shared in encounters that took place)."""
    equivalent, involved = np.empty(len(clinical)), np.empty(len(clinical))
    for person in range(len(clinical)):
        equivalent[person] = (
            clinical[person] + (met_elsewhere[person] + carer_met[person]) * hours_per_need
        )
        involved[person] = sharing[person] * (clinical[person] > 0)
    return equivalent, involved


@kernel
def week_totals(
    crises: np.ndarray,
    admissions: np.ndarray,
    gp_contacts: np.ndarray,
    running_crises: np.ndarray,
    running_gp_contacts: np.ndarray,
    requested: np.ndarray,
    dependent: np.ndarray,
    clinical: np.ndarray,
    staff_time: np.ndarray,
    delivered: np.ndarray,
    in_post: np.ndarray,
    post_hours: np.ndarray,
) -> tuple[int, int, int, int, int, float, float, float, float, float, np.ndarray]:
    """The week's totals for its row, numpy's own sums (integers, and the pairwise sums of
    :func:`compiled.pairwise_sum`): (crises, admissions, GP contacts, requests made,
    dependent requests, unmet demand hours, staff time, hours delivered on vacant posts and
    on filled ones, the filled posts' hours; each person's doctor visits, GP contacts plus
    crises). The week's crises and GP contacts are added to the running totals in place."""
    n = len(crises)
    n_crises = n_admissions = gp_total = asked = dependent_asks = 0
    unmet, doctor = np.empty(n), np.empty(n, np.int64)
    for person in range(n):
        n_crises += crises[person]
        n_admissions += admissions[person]
        gp_total += gp_contacts[person]
        running_crises[person] += crises[person]
        running_gp_contacts[person] += gp_contacts[person]
        doctor[person] = gp_contacts[person] + crises[person]
        asked += requested[person] != 0
        dependent_asks += dependent[person]
        unmet[person] = maximum(requested[person] - clinical[person], 0.0)
    return (
        n_crises,
        n_admissions,
        gp_total,
        asked,
        dependent_asks,
        pairwise_sum(unmet),
        pairwise_sum(staff_time),
        pairwise_sum(delivered[~in_post]),
        pairwise_sum(delivered[in_post]),
        pairwise_sum(post_hours * in_post),
        doctor,
    )

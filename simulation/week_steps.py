"""Small steps of the week between its phases, compiled (issue 16): each is a few array
operations that cost as much at 1,000 people as at 10,000, done element by element in the
order of the expressions they replaced, so the same bits (tests/test_week_kernels.py)."""

from __future__ import annotations

import numpy as np

from coprod.simulation.compiled import kernel


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

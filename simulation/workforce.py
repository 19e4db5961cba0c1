"""Professionals who burn out, leave and are replaced: phase 5 of a week (MODEL.md 10.4).

Pressure is demand beyond capacity; burnout rises with it and falls without it and lowers
effective capacity. Professionals leave at a baseline hazard set from published UK adult
social-care turnover (``turnover_annual`` / 52 a week), raised by burnout. A post then stays
vacant for ``vacancy_weeks``; locum or agency staff cover ``locum_cover_share`` of its hours at
a premium (``costs``), and a replacement costs ``recruitment_cost``. The caseload stays with
the post, so its users meet a locum and then a newcomer: the first encounter with someone new
costs trust (continuity of care).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from coprod.simulation.compiled import kernel
from coprod.simulation.params import Params
from coprod.simulation.population import FILLED, Professionals, Users, set_willingness

WEEKS_PER_YEAR = 52


def update_workforce(
    pros: Professionals,
    params: Params,
    demand: np.ndarray,
    capacity: np.ndarray,
    delivered: np.ndarray,
    week: int,
    behaviour: np.random.Generator,
) -> tuple[int, int]:
    """Pressure, burnout, leaving and recruitment; returns (leavers, recruits) this week.

    The posts' arithmetic is one compiled pass (:func:`_posts_week`): a post is a few numbers
    and there are 60 at the defaults, so as two dozen array operations the phase cost the
    same at 60 posts as at 600, all of it overhead."""
    leaves, counts = _posts_week(
        pros.vacant_until,
        pros.holder,
        pros.hours_delivered,
        pros.burnout,
        np.asarray(demand, np.float64),
        np.asarray(capacity, np.float64),
        np.asarray(delivered, np.float64),
        behaviour.random(len(demand)),
        week,
        params.burnout_rise,
        params.burnout_recovery,
        params.turnover_annual / WEEKS_PER_YEAR,
        params.burnout_turnover_factor,
        params.vacancy_weeks,
    )
    pros.pressure, pros.burnout = counts.pressure, counts.burnout
    slot = week % WEEKS_PER_YEAR
    pros.leavers[slot], pros.filled[slot] = counts.leavers, counts.in_post
    if counts.leavers:
        pros.willingness_quantile[leaves] = behaviour.random(counts.leavers)
        set_willingness(pros, params, leaves)
    return counts.leavers, counts.recruits


class PostsWeek(NamedTuple):
    """What :func:`_posts_week` returns beside the leavers: the posts' new pressure and
    burnout, and the week's counts."""

    pressure: np.ndarray
    burnout: np.ndarray
    leavers: int
    recruits: int
    in_post: int


@numba.njit(cache=True, nogil=True)
def _posts_week(
    vacant_until: np.ndarray,
    holder: np.ndarray,
    hours_delivered: np.ndarray,
    burnout: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    delivered: np.ndarray,
    draw: np.ndarray,
    week: int,
    rise: float,
    recovery: float,
    base_hazard: float,
    turnover_factor: float,
    vacancy_weeks: int,
) -> tuple[np.ndarray, PostsWeek]:
    """One week of every post, in place on ``vacant_until``, ``holder`` and
    ``hours_delivered``: the array version's operations element by element, in its order.

    A post filled this week takes its recruit; pressure is the load beyond capacity (0-1) of
    a post in post; burnout rises with pressure or eases; a post in post is left at
    ``base_hazard`` raised by burnout (``draw``, one uniform a post), is vacant until
    ``week + vacancy_weeks + 1`` and its successor starts fresh. Recruits, then leavers'
    locums, get new holder ids in post order, counting on from the largest."""
    m = len(vacant_until)
    next_holder = holder.max() + 1
    in_post = vacant_until <= week
    recruits = 0
    for post in range(m):
        if in_post[post] and vacant_until[post] == week:
            vacant_until[post] = FILLED
            holder[post] = next_holder
            next_holder += 1
            recruits += 1
    pressure = np.zeros(m)
    eased = np.empty(m)
    for post in range(m):
        load = demand[post] / capacity[post] if capacity[post] > 0 else 0.0
        if in_post[post]:
            pressure[post] = min(max(load - 1.0, 0.0), 1.0)
        b = burnout[post]
        if pressure[post] > 0:
            eased[post] = b + rise * pressure[post] * (1.0 - b)
        else:
            eased[post] = b * (1.0 - recovery)
        hours_delivered[post] += delivered[post]
    leaves = np.zeros(m, np.bool_)
    leavers = 0
    for post in range(m):
        hazard = base_hazard * (1.0 + turnover_factor * eased[post])
        if in_post[post] and draw[post] < hazard:
            leaves[post] = True
            leavers += 1
            vacant_until[post] = week + vacancy_weeks + 1
            pressure[post] = 0.0
            eased[post] = 0.0
    for post in range(m):
        if leaves[post]:
            holder[post] = next_holder
            next_holder += 1
    return leaves, PostsWeek(pressure, eased, leavers, recruits, int(in_post.sum()))


def turnover_annualised(pros: Professionals) -> float:
    """Leavers over the last 52 weeks per filled post: the turnover rate Skills for Care
    publishes (weeks not yet run count as nothing)."""
    filled = pros.filled.sum()
    return float(pros.leavers.sum() / filled * WEEKS_PER_YEAR) if filled > 0 else 0.0


def lose_continuity(users: Users, pros: Professionals, params: Params, served: np.ndarray) -> None:
    """A served user who meets someone new on their post (a locum, a newcomer) loses a share
    ``continuity_trust_loss`` of their trust; either way they now know this holder."""
    users.trust, users.seen_holder = _continuity(
        served,
        users.professional,
        pros.holder,
        users.seen_holder,
        users.trust,
        params.continuity_trust_loss,
    )


@kernel
def _continuity(
    served: np.ndarray,
    post: np.ndarray,
    holder: np.ndarray,
    seen_holder: np.ndarray,
    trust: np.ndarray,
    loss: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`lose_continuity`'s (trust, holder last seen), one pass (as array operations
    it was six calls a week whatever the population: tests/test_phase_kernels.py)."""
    new_trust, seen = trust.copy(), seen_holder.copy()
    for person in range(len(served)):
        if served[person]:
            now = holder[post[person]]
            if seen_holder[person] != now:
                new_trust[person] = trust[person] * (1.0 - loss)
            seen[person] = now
    return new_trust, seen

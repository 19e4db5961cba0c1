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

import numpy as np

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
    """Pressure, burnout, leaving and recruitment; returns (leavers, recruits) this week."""
    in_post = pros.in_post(week)
    recruits = in_post & (pros.vacant_until == week)
    pros.vacant_until[recruits] = FILLED
    pros.new_holders(recruits)
    load = np.divide(demand, capacity, out=np.zeros_like(demand), where=capacity > 0)
    pros.pressure = np.where(in_post, np.clip(load - 1.0, 0.0, 1.0), 0.0)
    rising = pros.burnout + params.burnout_rise * pros.pressure * (1.0 - pros.burnout)
    easing = pros.burnout * (1.0 - params.burnout_recovery)
    pros.burnout = np.where(pros.pressure > 0, rising, easing)
    pros.hours_delivered += delivered
    hazard = (
        params.turnover_annual
        / WEEKS_PER_YEAR
        * (1.0 + params.burnout_turnover_factor * pros.burnout)
    )
    leaves = in_post & (behaviour.random(len(demand)) < hazard)
    # Empty for weeks week+1 .. week+vacancy_weeks; filled again the week after.
    pros.vacant_until[leaves] = week + params.vacancy_weeks + 1
    pros.pressure[leaves] = 0.0
    pros.burnout[leaves] = 0.0  # the successor starts fresh
    pros.new_holders(leaves)  # a locum takes the caseload
    slot = week % WEEKS_PER_YEAR
    pros.leavers[slot], pros.filled[slot] = np.count_nonzero(leaves), np.count_nonzero(in_post)
    if leaves.any():
        pros.willingness_quantile[leaves] = behaviour.random(int(leaves.sum()))
        set_willingness(pros, params)
    return int(np.count_nonzero(leaves)), int(np.count_nonzero(recruits))


def turnover_annualised(pros: Professionals) -> float:
    """Leavers over the last 52 weeks per filled post: the turnover rate Skills for Care
    publishes (weeks not yet run count as nothing)."""
    filled = pros.filled.sum()
    return float(pros.leavers.sum() / filled * WEEKS_PER_YEAR) if filled > 0 else 0.0


def lose_continuity(users: Users, pros: Professionals, params: Params, served: np.ndarray) -> None:
    """A served user who meets someone new on their post (a locum, a newcomer) loses a share
    ``continuity_trust_loss`` of their trust; either way they now know this holder."""
    holder = pros.holder[users.professional]
    stranger = served & (users.seen_holder != holder)
    users.trust = np.where(
        stranger, users.trust * (1.0 - params.continuity_trust_loss), users.trust
    )
    users.seen_holder = np.where(served, holder, users.seen_holder)

"""Professionals under pressure: phase 5 of a week (MODEL.md section 4).

Pressure is demand beyond capacity; burnout rises with it and falls without it, lowers
effective capacity, and above a threshold may drive a professional out. The post then stays
empty for ``vacancy_weeks`` and a replacement costs ``recruitment_cost``.
"""

from __future__ import annotations

import numpy as np

from coprod.simulation.params import Params
from coprod.simulation.population import FILLED, Professionals, assign_lived_experience, beta


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
    load = np.divide(demand, capacity, out=np.zeros_like(demand), where=capacity > 0)
    pros.pressure = np.where(in_post, np.clip(load - 1.0, 0.0, 1.0), 0.0)
    rising = pros.burnout + params.burnout_rise * pros.pressure * (1.0 - pros.burnout)
    easing = pros.burnout * (1.0 - params.burnout_recovery)
    pros.burnout = np.where(pros.pressure > 0, rising, easing)
    pros.hours_delivered += delivered
    leaves = (
        in_post
        & (pros.burnout > params.burnout_leave_threshold)
        & (behaviour.random(len(demand)) < params.leave_prob)
    )
    # Empty for weeks week+1 .. week+vacancy_weeks; filled again the week after.
    pros.vacant_until[leaves] = week + params.vacancy_weeks + 1
    pros.pressure[leaves] = 0.0
    pros.burnout[leaves] = 0.0  # the successor starts fresh
    if leaves.any():
        mean, concentration = params.sharing_mean, params.sharing_concentration
        pros.willingness[leaves] = beta(behaviour, mean, concentration, int(leaves.sum()))
        assign_lived_experience(pros, params)
    return int(np.count_nonzero(leaves)), int(np.count_nonzero(recruits))

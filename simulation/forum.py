"""Forum and consultation: phase 7 of a week (MODEL.md section 3 and 4).

Under co-design a forum of bridge builders (the users and neighbours with the highest agency;
neighbours' motivation stands for their agency) meets every ``forum_every`` weeks and flags
people in their network neighbourhood whose need rose sharply or who are isolated. Under
consultation (and at forums) some users are consulted: it costs staff time, flags nobody, and
lowers the trust of those consulted without power (tokenism).
"""

from __future__ import annotations

import numpy as np

from coprod.simulation.network import Ties
from coprod.simulation.params import Params
from coprod.simulation.population import Community, Professionals, Users


def hold_forum(
    users: Users, comm: Community, ties: Ties, params: Params, behaviour: np.random.Generator
) -> np.ndarray:
    """Flag users near the forum's members; return the members (person indices)."""
    in_care = comm.is_user
    standing = np.where(in_care, users.agency, comm.motivation)
    order = np.lexsort((behaviour.random(len(standing)), -standing))  # ties broken by rng
    members = order[: min(params.forum_size, len(order))]
    seen = np.zeros(len(standing), dtype=bool)
    for_members = np.isin(ties.source, members)
    seen[ties.target[for_members]] = True
    rise = users.need - users.need_history[0]
    at_risk = (rise > params.flag_rise) | (comm.connectedness < params.isolation_threshold)
    users.flagged = seen & at_risk & in_care
    return members


def consult(
    users: Users,
    in_care: np.ndarray,
    pros: Professionals,
    params: Params,
    sharing: np.ndarray,
    week: int,
    behaviour: np.random.Generator,
) -> float:
    """Consult a share of users (by professionals in post); return staff hours, reserved
    from next week's capacity."""
    chance = params.involvement * params.consult_rate
    staffed = pros.in_post(week)[users.professional]
    consulted = (behaviour.random(len(users.need)) < chance) & staffed & in_care
    tokenism = consulted & (sharing < params.s_neutral)
    users.trust = np.where(tokenism, users.trust * (1.0 - params.tokenism_trust_loss), users.trust)
    hours = consulted * params.consult_hours
    pros.reserved = np.bincount(users.professional, hours, minlength=len(pros.hours))
    return float(hours.sum())

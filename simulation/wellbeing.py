"""Wellbeing: phase 6 of a week (MODEL.md section 4).

Wellbeing moves toward a target built from met need, connectedness, agency and contribution
(being valued rather than "useless"). Neighbours have no care needs: their need counts as met,
and their motivation stands for agency.
"""

from __future__ import annotations

import numpy as np

from coprod.simulation.params import Params
from coprod.simulation.population import Community, Users


def update_wellbeing(comm: Community, users: Users, params: Params) -> None:
    """Move everyone's wellbeing a step toward their target."""
    n_neighbours = len(comm.is_user) - len(users.need)
    met = np.r_[users.met_share, np.ones(n_neighbours)]
    agency = np.r_[users.agency, comm.motivation[len(users.need) :]]
    target = (
        params.wellbeing_base
        + params.weight_met_need * met
        + params.weight_connectedness * comm.connectedness
        + params.weight_agency * agency
        + params.weight_contribution * comm.contribution
    )
    target = np.clip(target, 0.0, 1.0)
    comm.wellbeing += params.wellbeing_rate * (target - comm.wellbeing)

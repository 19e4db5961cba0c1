"""Wellbeing: phase 6 of a week (MODEL.md section 4).

Wellbeing moves toward a target built from met need, connectedness, agency and contribution
(being valued rather than "useless"). Out of care a resident's need counts as met (lived with,
asked of nobody), and their motivation stands for agency.
"""

from __future__ import annotations

import numpy as np

from coprod.simulation.params import Params
from coprod.simulation.population import Community, Users


def update_wellbeing(comm: Community, users: Users, params: Params) -> None:
    """Move everyone's wellbeing a step toward their target."""
    in_care = comm.is_user
    met = np.where(in_care, users.met_share, 1.0)
    agency = np.where(in_care, users.agency, comm.motivation)
    target = (
        params.wellbeing_base
        + params.weight_met_need * met
        + params.weight_connectedness * comm.connectedness
        + params.weight_agency * agency
        + params.weight_contribution * comm.contribution
    )
    target = np.clip(target, 0.0, 1.0)
    comm.wellbeing += params.wellbeing_rate * (target - comm.wellbeing)

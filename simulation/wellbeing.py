"""Wellbeing: phase 6 of a week (MODEL.md section 4).

Wellbeing moves toward a target built from met need, connectedness, agency and contribution
(being valued rather than "useless"). Out of care a resident's need counts as met (lived with,
asked of nobody), and their motivation stands for agency.
"""

from __future__ import annotations

import numpy as np

from coprod.simulation.compiled import kernel
from coprod.simulation.params import Params
from coprod.simulation.population import Community, Users


def update_wellbeing(comm: Community, users: Users, params: Params) -> None:
    """Move everyone's wellbeing a step toward their target (in place)."""
    _wellbeing_week(
        comm.wellbeing,
        comm.is_user,
        users.met_share,
        users.agency,
        comm.motivation,
        comm.connectedness,
        comm.contribution,
        params.wellbeing_base,
        params.weight_met_need,
        params.weight_connectedness,
        params.weight_agency,
        params.weight_contribution,
        params.wellbeing_rate,
    )


@kernel
def _wellbeing_week(
    wellbeing: np.ndarray,
    in_care: np.ndarray,
    met_share: np.ndarray,
    agency: np.ndarray,
    motivation: np.ndarray,
    connectedness: np.ndarray,
    contribution: np.ndarray,
    base: float,
    weight_met: float,
    weight_connectedness: float,
    weight_agency: float,
    weight_contribution: float,
    rate: float,
) -> None:
    """The phase in one compiled pass: the target's terms added in the array version's order
    and clipped to 0-1, then the step toward it (a dozen array operations a week were the same
    cost at 1,000 people as at 10,000; tests/test_week_kernels.py compares to the bit)."""
    for person in range(len(wellbeing)):
        met = met_share[person] if in_care[person] else 1.0
        acting = agency[person] if in_care[person] else motivation[person]
        target = (
            base
            + weight_met * met
            + weight_connectedness * connectedness[person]
            + weight_agency * acting
            + weight_contribution * contribution[person]
        )
        target = np.minimum(np.maximum(target, 0.0), 1.0)
        wellbeing[person] += rate * (target - wellbeing[person])

"""Dependence as observed (MODEL.md 10.7): counted from requests actually made, it is not an
identity in agency; it moves with agency held fixed."""

from __future__ import annotations

import numpy as np

from coprod.simulation import CoProductionModel, Params
from coprod.simulation.care import seek_help

FROZEN_AGENCY = {
    "agency_loss_rate": 0.0,
    "agency_gain_rate": 0.0,
    "agency_recovery": 0.0,
    "giving_agency_gain": 0.0,
}
SMALL = {"n_users": 300, "n_neighbours": 200, "n_professionals": 18, "warmup_weeks": 10}


def run(weeks: int, **changes) -> tuple[CoProductionModel, float]:
    """A model with agency frozen; its agency after ``weeks`` and mean dependence."""
    model = CoProductionModel(Params(**SMALL, **FROZEN_AGENCY, **changes), seed=11)
    shares = []
    for _ in range(weeks):
        model.step()
        shares.append(model.latest["dependence"])
    return model, float(np.mean(shares))


def test_community_help_moves_dependence_with_agency_fixed():
    """Community help meets need beyond people's capability, so what they still ask
    professionals for is more often what they could have managed: dependence rises while
    every person's agency stays exactly what it was."""
    alone, without = run(20, community_efficacy=0.0)
    helped, with_help = run(20, community_efficacy=1.5, neighbour_hours_mean=4.0)
    np.testing.assert_array_equal(alone.users.agency, helped.users.agency)
    assert with_help > without + 0.05, (with_help, without)


def test_a_request_is_dependent_only_when_the_need_beyond_capability_is_low():
    model = CoProductionModel(Params(**SMALL, help_seeking_floor=1.0), seed=1)
    users = model.users
    users.need[:] = 0.4
    users.agency[:] = 0.0
    users.cover[:] = 0.0
    users.capability[:] = np.where(np.arange(len(users.need)) % 2 == 0, 0.95, 0.2)
    requested, dependent = seek_help(users, model.params, model.rng)
    assert (requested > 0).all()  # everyone asks: need 0.4 unmanaged, trust-free asking
    # beyond capability: 0.4 x 0.05 = 0.02 < 0.05 (dependent) against 0.4 x 0.8 = 0.32
    np.testing.assert_array_equal(dependent, users.capability > 0.5)

"""A workforce that turns over (MODEL.md 10.4): vacancies, locum cover, continuity of care."""

from __future__ import annotations

import numpy as np
import pytest

from coprod.simulation import CoProductionModel, Params, simulate
from coprod.simulation.care import effective_capacity
from coprod.simulation.costs import weekly_costs
from coprod.simulation.population import FILLED, stationary_vacancies
from coprod.simulation.workforce import lose_continuity, turnover_annualised

SMALL = {"n_users": 60, "n_neighbours": 20, "n_professionals": 4, "warmup_weeks": 0}


def test_a_vacant_post_has_the_locum_share_of_its_hours():
    model = CoProductionModel(Params(**SMALL, locum_cover_share=0.4), seed=1)
    pros = model.professionals
    pros.burnout[:] = 0.0
    pros.vacant_until[:] = FILLED
    pros.vacant_until[1] = 10  # vacant until week 10
    capacity = effective_capacity(pros, model.params, week=3)
    assert capacity[1] == pytest.approx(0.4 * pros.hours[1])
    assert capacity[0] == pytest.approx(pros.hours[0])


def test_meeting_a_new_professional_costs_trust_once():
    model = CoProductionModel(Params(**SMALL, continuity_trust_loss=0.2), seed=2)
    users, pros = model.users, model.professionals
    users.trust[:] = 0.5
    pros.new_holders(np.array([True, False, False, False]))
    served = model.community.is_user.copy()  # users in care (out of care nobody is served)
    lose_continuity(users, pros, model.params, served)
    on_post0 = served & (users.professional == 0)
    assert on_post0.any()
    assert np.allclose(users.trust[on_post0], 0.4) and np.allclose(users.trust[~on_post0], 0.5)
    lose_continuity(users, pros, model.params, served)  # the same locum again: no loss
    assert np.allclose(users.trust[on_post0], 0.4)


def test_vacancies_start_at_their_steady_share():
    params = Params(turnover_annual=0.5, vacancy_weeks=26, warmup_weeks=0)
    rng = np.random.default_rng(0)
    until = stationary_vacancies(params, rng.random(20_000), rng.random(20_000))
    hd = 0.5 / 52 * 26
    assert (until > 0).mean() == pytest.approx(hd / (1 + hd), abs=0.01)
    assert until[until > 0].max() <= 26


def test_annualised_turnover_and_locum_costs_at_the_defaults():
    """At the defaults turnover is near its published baseline (24.8%; docs/VALIDATION.md has
    0.24 [0.18, 0.29] over ten runs), some posts are vacant, and locum hours are paid at the
    premium. One run's year is noisy (0.20 to 0.36 over six seeds), so four are averaged."""
    runs = [simulate(Params(weeks=52), seed).timeseries for seed in range(4)]
    turnover = np.mean([series["turnover_annualised"].iloc[-1] for series in runs])
    assert 0.5 * 0.248 < turnover < 1.5 * 0.248
    assert all(s["vacancies"].mean() > 0 and s["locum_hours"].mean() > 0 for s in runs)
    p = Params()
    costs = weekly_costs(
        p,
        delivered_hours=0,
        locum_hours=10,
        funded_hours=0,
        crises=0,
        admissions=0,
        gp_contacts=0,
        coordinator_posts=0.0,
        recruits=0,
        week=0,
    )
    assert costs["cost_locum"] == pytest.approx(10 * p.hour_cost * (1 + p.locum_premium))


def test_turnover_counts_leavers_per_filled_post_year():
    model = CoProductionModel(Params(**SMALL), seed=0)
    pros = model.professionals
    pros.leavers[:] = 0
    pros.filled[:] = 4
    pros.leavers[:13] = [1] + [0] * 12  # one leaver in a year of four filled posts
    assert turnover_annualised(pros) == pytest.approx(0.25)

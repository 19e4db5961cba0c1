"""The time bank as it is run (MODEL.md 10.5): coordinator, pool, members, matching, funding."""

from __future__ import annotations

import numpy as np
import pytest

from coprod.simulation import CoProductionModel, Params, simulate
from coprod.simulation.community import after_exchange
from coprod.simulation.costs import weekly_costs
from coprod.simulation.errors import CoprodError
from coprod.simulation.rules import RECIPROCITY_RULES
from coprod.simulation.scenario import load_scenario
from coprod.simulation.timebank import bank_exchange, within_capacity

SMALL = {"n_users": 120, "n_neighbours": 80, "n_professionals": 8}
BANK = RECIPROCITY_RULES["timebank"]


def timebank(**changes) -> Params:
    """The shipped time-bank scenario at a small population."""
    return Params(**{**load_scenario("timebank").params.model_dump(), **SMALL, **changes})


def bank_of(n: int, areas: int = 1, **changes) -> CoProductionModel:
    """``n`` users, all active members, in ``areas`` matching areas, no neighbours."""
    params = Params(
        n_users=n,
        n_neighbours=0,
        n_professionals=1,
        warmup_weeks=0,
        reciprocity="timebank",
        timebank_area_size=max(n // areas, 1),
        **changes,
    )
    model = CoProductionModel(params, seed=2)
    model.community.member[:] = True
    model.bank.active[:] = True
    model.community.credits[:] = 0.0
    model.community.free_rider[:] = False
    model.bank.uniforms[:] = 0.0  # everyone who would welcome help asks for it
    return model


def test_credit_limit_stops_free_riders_draining_the_bank():
    model = bank_of(20, timebank_exchange_hours=1.0)
    comm = model.community
    comm.free_rider[0] = True
    hours, wanted = np.full(20, 5.0), np.zeros(20)
    wanted[0] = 100.0
    for week in range(15):
        bank_exchange(comm, model.bank, model.params, week, hours, wanted)
    assert comm.credits[0] == pytest.approx(-model.params.credit_limit)
    assert comm.credits.sum() == pytest.approx(0.0)  # every hour earned was spent by someone


def test_a_bank_short_of_givers_meets_a_smaller_share_of_requests():
    model = bank_of(20)
    model.community.credits[:] = 10.0
    wanted = np.where(np.arange(20) < 15, 5.0, 0.0)  # fifteen ask, five give a little
    *_, fill = bank_exchange(model.community, model.bank, model.params, 0, np.full(20, 0.5), wanted)
    assert 0 < fill < 0.5


def test_the_coordinator_matches_at_most_posts_times_capacity_exchanges():
    model = bank_of(100, coordinator_posts=0.5, coordinator_capacity=10)
    wanted = np.where(np.arange(100) % 2 == 0, 2.0, 0.0)  # half ask, half can only give
    give, take, _ = bank_exchange(
        model.community, model.bank, model.params, 0, np.full(100, 3.0), wanted
    )
    assert model.bank.exchanges == np.count_nonzero(take > 0) == 5
    assert give.sum() == pytest.approx(take.sum())
    assert np.count_nonzero(give > 0) < 10  # a few givers give whole offers, not slivers


def test_within_capacity_keeps_the_first_in_the_random_order():
    candidates = np.array([True, True, False, True])
    order = np.array([0.9, 0.1, 0.0, 0.5])
    assert within_capacity(candidates, order, 2).tolist() == [False, True, False, True]
    assert within_capacity(candidates, order, 5).tolist() == candidates.tolist()
    assert not within_capacity(candidates, order, 0).any()


def test_members_are_matched_only_within_their_area():
    model = bank_of(40, areas=2)
    area = model.bank.area
    assert set(area.tolist()) == {0, 1}
    giver = (area == 0) & (np.arange(40) % 2 == 0)  # every giver lives in area 0
    hours, wanted = np.where(giver, 3.0, 0.0), np.where(giver, 0.0, 2.0)
    _, take, _ = bank_exchange(model.community, model.bank, model.params, 0, hours, wanted)
    assert take[area == 0].sum() > 0
    assert take[area == 1].sum() == 0


def test_areas_are_stretches_of_the_ring_so_members_of_one_area_live_near_each_other():
    model = CoProductionModel(Params(n_users=600, n_neighbours=600, warmup_weeks=0), seed=1)
    area, ties = model.bank.area, model.ties
    same_area_ties = np.mean(area[ties.source] == area[ties.target])
    assert model.bank.n_areas == 3
    assert same_area_ties > 0.8  # random areas would give about a third


def test_an_exchange_below_the_minimum_makes_no_bank_tie():
    for minimum, tied in ((1.0, False), (0.2, True)):
        model = bank_of(2, timebank_min_tie_hours=minimum, timebank_exchange_hours=0.5)
        comm = model.community
        bank_exchange(comm, model.bank, model.params, 5, np.array([0.5, 0.0]), np.array([0, 1.0]))
        after_exchange(
            comm, model.users, model.ties, model.ledger, BANK, model.params, 5, model.bank
        )
        assert (comm.bank_last[:2] == 5).all() == tied
        assert (comm.connectedness[:2] > 0).all() == tied


def test_no_coordinator_from_week_0_means_no_bank():
    ts = simulate(timebank(coordinator_posts=0.0, weeks=20), 1).timeseries
    for metric in ("timebank_hours", "timebank_registered", "matched_exchanges", "cost_brokerage"):
        assert (ts[metric] == 0).all(), metric
    assert (ts["coordinator_posts"] == 0).all()


def test_funding_that_ends_closes_the_bank_and_givers_lose_heart():
    params = timebank(weeks=60, timeline=[{"week": 30, "coordinator_posts": 0.0}])
    model = CoProductionModel(params, seed=3)
    for _ in range(29):
        model.step()
    members = model.community.member.copy()
    assert members.any() and model.latest["cost_brokerage"] > 0
    motivation = model.community.motivation[members].mean()
    for _ in range(31):
        model.step()
    ts = model.timeseries()
    after = ts[ts["week"] >= 30]
    assert (after["timebank_registered"] == 0).all() and (after["timebank_hours"] == 0).all()
    assert (after["cost_brokerage"] == 0).all() and (model.community.credits == 0).all()
    assert model.community.motivation[members].mean() < motivation


def test_membership_stays_in_the_reachable_pool_and_the_active_are_a_minority():
    """At the default population: a small world has too few members for a share to mean much."""
    model = CoProductionModel(Params(reciprocity="timebank", weeks=104), seed=4)
    registered, active = [], []
    for _ in range(104):
        model.step()
        comm, bank = model.community, model.bank
        assert not (comm.member & ~bank.reachable).any()
        assert not (bank.active & ~comm.member).any() or not model.reciprocity.bank
        registered.append(comm.member.sum())
        active.append((bank.active & comm.member).sum())
    people = len(model.community.is_user)
    assert registered[-1] > registered[0]  # outreach and word of mouth recruit
    assert registered[-1] <= model.bank.reachable.sum() < 0.2 * people
    assert np.mean(active[52:]) < 0.5 * np.mean(registered[52:])


def test_coordination_costs_its_posts_whatever_is_exchanged():
    common = {
        "delivered_hours": 0,
        "locum_hours": 0,
        "funded_hours": 0,
        "crises": 0,
        "admissions": 0,
        "gp_contacts": 0,
        "recruits": 0,
        "week": 0,
    }
    p = Params(coordinator_cost=52_000.0)
    assert weekly_costs(p, coordinator_posts=1.5, **common)["cost_brokerage"] == 1500.0
    assert weekly_costs(p, coordinator_posts=0.0, **common)["cost_brokerage"] == 0.0


@pytest.mark.parametrize(
    "changes",
    [
        {"coordinator_posts": -1.0},
        {"coordinator_posts": 21.0},
        {"timebank_reach": 1.5},
        {"timebank_area_size": 0},
        {"timeline": [{"week": 10, "timebank_reach": 0.5}]},  # the pool is not a lever
    ],
)
def test_bad_time_bank_keys_are_refused(changes):
    with pytest.raises((CoprodError, ValueError)):
        Params(**changes)


def test_coordinator_posts_is_a_lever_a_timeline_may_move():
    from coprod.simulation.params import LEVERS

    assert "coordinator_posts" in LEVERS
    Params(weeks=104, timeline=[{"week": 52, "coordinator_posts": 2.0}])

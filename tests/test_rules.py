"""Unit tests of each named rule and of the weekly mechanisms the rules steer."""

from __future__ import annotations

import numpy as np
import pytest

from coprod.simulation.care import allocate
from coprod.simulation.community import TieLedger, informal_help
from coprod.simulation.costs import weekly_costs
from coprod.simulation.model import CoProductionModel
from coprod.simulation.network import ties_of
from coprod.simulation.params import Params
from coprod.simulation.rules import POWER_RULES, RECIPROCITY_RULES
from coprod.simulation.workforce import update_workforce

P = Params()


def test_registries_name_every_rule_of_the_spec():
    assert set(POWER_RULES) == {"expert", "consultation", "shared_decisions", "co_design"}
    assert set(RECIPROCITY_RULES) == {"none", "direct", "timebank"}


def test_expert_shares_nothing_whatever_the_policy():
    willing, pressure = np.array([0.9, 0.5]), np.array([0.0, 0.0])
    params = P.model_copy(update={"power_sharing": 1.0})
    assert POWER_RULES["expert"].sharing(params, willing, pressure).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name", ["consultation", "shared_decisions", "co_design"])
def test_sharing_is_policy_times_willingness_cut_by_pressure(name):
    params = P.model_copy(update={"power_sharing": 0.7, "pressure_effect": 0.5})
    s = POWER_RULES[name].sharing(params, np.array([0.6, 0.6]), np.array([0.0, 1.0]))
    assert s == pytest.approx([0.42, 0.21])


def test_only_consultation_consults_and_only_co_design_holds_forums():
    assert [r.name for r in POWER_RULES.values() if r.consults] == ["consultation"]
    assert [r.name for r in POWER_RULES.values() if r.forums] == ["co_design"]


def test_direct_reciprocity_scales_down_help_to_those_who_did_not_help_back():
    params = P.model_copy(update={"unreciprocated_share": 0.3})
    assert RECIPROCITY_RULES["direct"].unhelped_share(params) == 0.3
    assert RECIPROCITY_RULES["none"].unhelped_share(params) == 1.0


def test_timebank_recognition_follows_whether_members_can_spend_credits():
    rule, member = RECIPROCITY_RULES["timebank"], np.array([True, False])
    full = rule.recognition(P, np.zeros(2), member, bank_fill=1.0)
    drained = rule.recognition(P, np.zeros(2), member, bank_fill=0.0)
    assert full[0] == pytest.approx(P.recognition_timebank)
    assert drained[0] == pytest.approx(P.recognition_none)
    assert full[1] == drained[1] == pytest.approx(P.recognition_none)


def test_allocate_serves_highest_priority_first_within_each_capacity():
    group = np.array([0, 0, 0, 1, 1])
    priority = np.array([0.1, 0.9, 0.5, 0.2, 0.8])
    demand = np.array([2.0, 2.0, 2.0, 3.0, 3.0])
    served = allocate(group, priority, demand, np.array([3.0, 10.0]))
    assert served.tolist() == [0.0, 2.0, 1.0, 3.0, 3.0]


def _pair_ties():
    import networkx as nx

    return ties_of(nx.path_graph(3))  # 0 - 1 - 2: person 1 has two ties


def test_informal_help_under_direct_gives_less_to_who_has_not_helped_back():
    ties = _pair_ties()
    back = (ties.source == 0) & (ties.target == 1)  # 0 helped 1 last week
    ledger = TieLedger.of(np.where(back, 9, -100), ties.reverse)
    hours, wanted = np.array([0.0, 10.0, 0.0]), np.array([1.0, 0.0, 1.0])
    flow = informal_help(
        ties, ledger, RECIPROCITY_RULES["direct"], P, 10, hours, wanted, np.zeros(3, bool)
    )
    to = {int(t): f for s, t, f in zip(ties.source, ties.target, flow, strict=True) if s == 1}
    assert to[0] == pytest.approx(1.0)
    assert to[2] == pytest.approx(P.unreciprocated_share)
    flow = informal_help(
        ties, ledger, RECIPROCITY_RULES["none"], P, 10, hours, wanted, np.zeros(3, bool)
    )
    assert flow.sum() == pytest.approx(2.0)


class Halves:
    """A stand-in generator whose every uniform draw is 0.5: who leaves is then decided by
    whether their hazard is above one half."""

    def random(self, n: int) -> np.ndarray:
        return np.full(n, 0.5)


def test_burnout_rises_under_pressure_and_raises_the_hazard_of_leaving_a_vacancy():
    model = CoProductionModel(
        Params(
            n_users=10,
            n_neighbours=0,
            n_professionals=3,
            warmup_weeks=0,
            turnover_annual=2.0,
            burnout_turnover_factor=20.0,
            vacancy_weeks=4,
        ),
        seed=3,
    )
    pros = model.professionals
    pros.vacant_until[:] = -(10**9)  # every post filled, whatever the stationary draw
    capacity = np.array([10.0, 10.0, 10.0])
    pros.burnout[:] = [0.0, 0.0, 0.99]
    before = pros.holder.copy()
    leavers, _ = update_workforce(
        pros, model.params, np.array([20.0, 5.0, 20.0]), capacity, np.zeros(3), 1, Halves()
    )
    # hazard 2/52 x (1 + 20 x burnout): 0.8 at 0.99 burnout, 0.10 at 0.08, 0.04 at none
    assert pros.burnout[0] > 0 and pros.burnout[1] == 0
    assert leavers == 1
    assert [bool(pros.in_post(week)[2]) for week in range(2, 8)] == [False] * 4 + [True] * 2
    assert pros.holder[2] != before[2] and (pros.holder[:2] == before[:2]).all()  # a locum
    _, hired = update_workforce(pros, model.params, np.zeros(3), capacity, np.zeros(3), 6, Halves())
    assert hired == 1 and pros.burnout[2] == 0


def test_establishment_costs_capacity_and_discounting_lowers_later_costs():
    common = {
        "crises": 0,
        "admissions": 0,
        "gp_contacts": 0,
        "coordinator_posts": 0.0,
        "recruits": 0,
        "locum_hours": 0,
    }
    activity = weekly_costs(P, delivered_hours=10, funded_hours=100, week=0, **common)
    establishment = weekly_costs(
        P.model_copy(update={"cost_basis": "establishment"}),
        delivered_hours=10,
        funded_hours=100,
        week=0,
        **common,
    )
    assert establishment["cost_professional"] == 10 * activity["cost_professional"]
    discounted = weekly_costs(
        P.model_copy(update={"discount_rate": 0.035}),
        delivered_hours=10,
        funded_hours=100,
        week=52,
        **common,
    )
    assert discounted["cost_professional"] == pytest.approx(activity["cost_professional"] / 1.035)


def test_segment_order_is_the_two_key_sort_it_replaces():
    """The padded per-group sort gives exactly lexsort's order, ties (by index) included."""
    from coprod.simulation.care import segment_order

    rng = np.random.default_rng(0)
    for trial in range(200):
        n, groups = int(rng.integers(1, 300)), int(rng.integers(1, 40))
        group = rng.integers(0, groups, n)
        priority = rng.integers(0, 4, n) * 0.5 if trial % 2 else rng.random(n)
        expected = np.lexsort((-priority, group))
        np.testing.assert_array_equal(segment_order(group, priority, groups), expected)

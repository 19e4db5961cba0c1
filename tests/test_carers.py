"""Family carers (MODEL.md 10.2): who cares, hours, strain and respite, breakdowns, wellbeing,
the Mesa ``Carer`` agents and the snapshot's carer links."""

from __future__ import annotations

import numpy as np

from coprod.simulation import CoProductionModel, Params, simulate
from coprod.simulation.agents import Carer
from coprod.simulation.carers import (
    NONE,
    build_carers,
    carer_metrics,
    choose_carers,
    give_care,
    rest_strain,
    rest_wellbeing,
)
from coprod.simulation.network import build_ties

SMALL = {"n_users": 300, "n_neighbours": 200, "n_professionals": 18, "warmup_weeks": 20}


def test_no_carers_means_no_carer_hours_and_more_package_hours():
    with_carers = simulate(Params(**SMALL, weeks=26), 4).timeseries
    without = simulate(Params(**SMALL, weeks=26, carer_share=0.0), 4).timeseries
    assert with_carers["carer_hours"].min() > 0 and with_carers["carers"].min() > 0
    assert (without["carer_hours"] == 0).all() and (without["carers"] == 0).all()
    assert without["package_hours"].mean() > with_carers["package_hours"].mean()


def test_carers_are_distinct_partners_or_ties_who_can_care_and_more_share_only_adds_carers():
    rng = np.random.default_rng(3)
    n = 1000
    ties = build_ties(n, 6, 0.1, rng)
    nobody = np.full(n, NONE)
    can_care = rng.random(n) < 0.4
    has, pick = rng.random(n), rng.random(n)
    low = choose_carers(Params(carer_share=0.3), ties, nobody, can_care, has, pick)
    high = choose_carers(Params(carer_share=0.7), ties, nobody, can_care, has, pick)
    for carer in (low, high):
        people = np.flatnonzero(carer >= 0)
        assert can_care[carer[people]].all()
        assert len(np.unique(carer[people])) == len(people)  # one person each
        for person in people[:50]:
            assert carer[person] in ties.target[ties.start[person] : ties.start[person + 1]]
    assert (high >= 0).sum() > (low >= 0).sum() > 0
    assert 0.15 < (low >= 0).mean() < 0.3


def test_a_partner_who_can_care_is_the_carer_before_any_tie():
    """Partners pair slots 2i and 2i+1 in the first half; the ties' own choices would pick
    others, and a person whose partner cannot care is cared for by a tie."""
    rng = np.random.default_rng(5)
    n = 400
    ties = build_ties(n, 6, 0.1, rng)
    partner = np.where(np.arange(n) < n // 2, np.arange(n) ^ 1, NONE)
    can_care = np.arange(n) % 4 != 0  # slots 0, 4, 8, ... cannot care
    has, pick = np.zeros(n), rng.random(n)  # everyone wants a carer
    carer = choose_carers(Params(carer_share=1.0), ties, partner, can_care, has, pick)
    by_partner = (partner >= 0) & can_care[partner]
    np.testing.assert_array_equal(carer[by_partner], partner[by_partner])
    widowed = np.flatnonzero((partner >= 0) & ~by_partner & (carer >= 0))
    assert len(widowed) > 0  # partner cannot care: a tie does
    cared = np.flatnonzero(carer >= 0)
    assert len(np.unique(carer[cared])) == len(cared)  # still one person per carer
    no_partner = choose_carers(Params(carer_share=1.0), ties, np.full(n, NONE), can_care, has, pick)
    assert (no_partner[by_partner] != partner[by_partner]).mean() > 0.5


def test_carers_at_home_are_those_in_the_household_of_the_person_they_care_for():
    carers = build_carers(np.array([1, 0, 3, NONE, 2]))
    active = np.array([True, True, True, False, True])
    household = np.array([7, 7, 8, 9, 8])  # 0 and 1 live together, 2 and 4; 3 alone
    out = carer_metrics(carers, active, household)
    assert out["carers"] == 4 and out["carers_at_home"] == 3  # all but 3, who cares for 2
    apart = carer_metrics(carers, active, np.arange(5))
    assert apart["carers_at_home"] == 0


def test_strain_rises_with_hours_and_falls_with_respite():
    p = Params()
    hours = np.array([0.0, 10.0, 30.0, 60.0])
    none = rest_strain(p, hours, np.zeros(4))
    assert none[0] == 0 and (np.diff(none) > 0).all()
    assert rest_strain(p, np.array([p.carer_strain_hours]), np.zeros(1))[0] == 0.5
    respite = rest_strain(p, hours, np.full(4, 10.0))
    assert (respite[1:] < none[1:]).all()


def test_a_strained_carer_breaks_down_and_stops_caring_for_the_break():
    p = Params(carer_breakdown_prob=1.0, carer_strain_rate=1.0, carer_strain_hours=10.0)
    carers = build_carers(np.array([1, NONE, 3, NONE]))
    need = np.array([0.9, 0.0, 0.1, 0.0])
    active = carers.carer >= 0
    give_care(carers, p, need, active, np.zeros(4), np.zeros(4), week=5)
    assert carers.breakdowns.tolist() == [True, False, False, False]  # only above the threshold
    assert carers.hours[0] == 0 and carers.hours[2] > 0
    assert carers.broken_until[0] == 5 + p.carer_break_weeks


def test_a_breakdown_brings_a_reassessment_and_a_larger_package():
    params = Params(**SMALL, weeks=80, carer_breakdown_prob=0.5, carer_breakdown_strain=0.1)
    model = CoProductionModel(params, seed=9)
    rose = 0
    for _ in range(80):
        before = model.packages.hours.copy()
        model.step()
        broke = model.carers.breakdowns & ~model.packages.placed
        rose += int((model.packages.hours[broke] > before[broke]).sum())
    assert rose > 0


def test_carer_wellbeing_falls_with_strain_and_rises_with_involvement():
    p = Params()
    carers = build_carers(np.array([1, NONE]))
    own = np.array([0.5, 0.6])
    carers.strain = np.array([0.0, 0.0])
    calm = rest_wellbeing(carers, p, own, np.zeros(2))[0]
    carers.strain = np.array([0.8, 0.0])
    strained = rest_wellbeing(carers, p, own, np.zeros(2))[0]
    involved = rest_wellbeing(carers, p, own, np.array([0.5, 0.0]))[0]
    assert calm == own[1] and strained < calm and involved > strained


def test_carers_are_mesa_agents_tied_to_the_person_they_care_for():
    model = CoProductionModel(Params(**SMALL, weeks=4), seed=1)
    carers = list(model.agents_by_type[Carer])
    assert len(carers) == int((model.carers.carer >= 0).sum()) > 0
    agent = carers[0]
    assert model.carers.carer[agent.cared_for] == agent.person
    assert agent.hours == model.carers.hours[agent.cared_for]
    model.step()
    assert agent.strain == model.carers.strain[agent.cared_for]


def test_snapshot_links_each_carer_to_the_person_cared_for():
    params = Params(**SMALL, weeks=4, snapshot_every=4)
    model = CoProductionModel(params, seed=2)
    snapshot = model.snapshot()
    people = snapshot.iloc[: SMALL["n_users"] + SMALL["n_neighbours"]]
    carers = people[people["carer_of"] >= 0]
    assert len(carers) == int((model.carers.carer >= 0).sum()) > 0
    cared_for = carers["carer_of"].astype(int).to_numpy()
    np.testing.assert_array_equal(model.carers.carer[cared_for], carers.index.to_numpy())
    assert set(people["placed"].unique()) <= {0.0, 1.0}
    assert snapshot.iloc[len(people) :]["carer_of"].isna().all()  # professionals

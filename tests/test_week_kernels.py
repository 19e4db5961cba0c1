"""The weekly phases' compiled passes against the array versions they replaced, kept here as
references: the same state and draws in, the same bits out (issue 16). Every comparison is
exact equality, never a tolerance: the model's results must not move by a bit."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import special

from coprod.simulation import CoProductionModel, Params, carers, timebank
from coprod.simulation.care import allocate
from coprod.simulation.population import (
    FILLED,
    MAX_MEAN_NEED,
    NEVER,
    SHAPE_FLOOR,
    baseline_need_at,
    set_willingness,
)
from coprod.simulation.residents import age_one_week, annual_hazard, dying, posts_for, review_care
from coprod.simulation.scenario import load_scenario
from coprod.simulation.week_steps import care_received, home_terms, not_placed
from coprod.simulation.wellbeing import update_wellbeing
from coprod.simulation.workforce import WEEKS_PER_YEAR, update_workforce

SMALL = {"n_users": 300, "n_neighbours": 180, "n_professionals": 20}


def reference_update_workforce(pros, params, demand, capacity, delivered, week, behaviour):
    """``workforce.update_workforce`` as array operations, before the compiled pass."""
    in_post = pros.in_post(week)
    recruits = in_post & (pros.vacant_until == week)
    pros.vacant_until[recruits] = FILLED
    pros.new_holders(recruits)
    load = np.divide(demand, capacity, out=np.zeros_like(demand), where=capacity > 0)
    pros.pressure = np.where(in_post, np.clip(load - 1.0, 0.0, 1.0), 0.0)
    rising = pros.burnout + params.burnout_rise * pros.pressure * (1.0 - pros.burnout)
    easing = pros.burnout * (1.0 - params.burnout_recovery)
    pros.burnout = np.where(pros.pressure > 0, rising, easing)
    pros.hours_delivered += delivered
    hazard = (
        params.turnover_annual
        / WEEKS_PER_YEAR
        * (1.0 + params.burnout_turnover_factor * pros.burnout)
    )
    leaves = in_post & (behaviour.random(len(demand)) < hazard)
    pros.vacant_until[leaves] = week + params.vacancy_weeks + 1
    pros.pressure[leaves] = 0.0
    pros.burnout[leaves] = 0.0
    pros.new_holders(leaves)
    slot = week % WEEKS_PER_YEAR
    pros.leavers[slot], pros.filled[slot] = np.count_nonzero(leaves), np.count_nonzero(in_post)
    if leaves.any():
        pros.willingness_quantile[leaves] = behaviour.random(int(leaves.sum()))
        set_willingness(pros, params)  # every post redrawn, as it was
    return int(np.count_nonzero(leaves)), int(np.count_nonzero(recruits))


def reference_review_care(users, comm, params, week):
    """``residents.review_care`` as array operations, before the compiled pass."""
    in_care = comm.is_user
    eligible = users.need >= params.care_eligibility
    referred = ~in_care & eligible & (users.assessment_due == NEVER)
    users.assessment_due[referred] = week + params.assessment_weeks
    decided = users.assessment_due == week
    entrants = np.flatnonzero(decided & eligible)
    users.assessment_due[decided] = NEVER
    reviewed = in_care & (users.review_due == week)
    leavers = np.flatnonzero(reviewed & ~eligible)
    users.review_due[reviewed] += params.care_review_weeks
    users.review_due[leavers] = NEVER
    comm.is_user[leavers] = False
    caseload = np.bincount(users.professional[comm.is_user], minlength=params.n_professionals)
    users.professional[entrants] = posts_for(caseload, len(entrants))
    users.seen_holder[entrants] = -1
    users.agency[entrants] = users.own_agency[entrants]
    users.trust[entrants] = users.own_trust[entrants]
    users.plan[entrants] = 0.0
    users.care_since[entrants] = week
    users.care_since[leavers] = NEVER
    users.review_due[entrants] = week + params.care_review_weeks
    comm.is_user[entrants] = True
    in_care_hours = users.assets * params.user_give_hours
    comm.give_hours = np.where(comm.is_user, in_care_hours, comm.spare_hours)
    return entrants, leavers


def assert_same_state(a: object, b: object) -> None:
    """Every array of two state dataclasses equal, bit for bit, with the same dtype."""
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        assert x.dtype == y.dtype, field.name
        np.testing.assert_array_equal(x, y, strict=True, err_msg=field.name)


@pytest.mark.parametrize("seed", range(4))
def test_a_week_of_posts_is_the_array_versions(seed):
    """Random loads on a warmed-up workforce, turnover raised so that posts leave and fill:
    the same posts, holders, counts and generator state after every week."""
    params = Params(**SMALL, turnover_annual=2.0, vacancy_weeks=2)
    model = CoProductionModel(params, seed=seed)
    pros, reference = model.professionals, copy.deepcopy(model.professionals)
    draws = np.random.default_rng(seed)
    behaviour, behaviour_ref = np.random.default_rng(seed + 10), np.random.default_rng(seed + 10)
    left = 0
    for week in range(1, 40):
        m = len(pros.hours)
        capacity = np.where(draws.random(m) < 0.1, 0.0, draws.gamma(4.0, 5.0, m))
        demand, delivered = draws.gamma(4.0, 6.0, m), draws.gamma(4.0, 5.0, m)
        got = update_workforce(pros, params, demand, capacity, delivered, week, behaviour)
        want = reference_update_workforce(
            reference, params, demand, capacity, delivered, week, behaviour_ref
        )
        assert got == want
        assert_same_state(pros, reference)
        assert behaviour.random() == behaviour_ref.random()
        left += got[0]
    assert left > 10  # the comparison saw leavers and recruits


@pytest.mark.parametrize("seed", range(4))
def test_care_reviews_are_the_array_versions(seed):
    """Need redrawn each week around the eligibility threshold, so people are referred,
    enter and leave: the same entrants, leavers and state after every week."""
    params = Params(**SMALL, assessment_weeks=2, care_review_weeks=3)
    model = CoProductionModel(params, seed=seed)
    users, comm = model.users, model.community
    users_ref, comm_ref = copy.deepcopy(users), copy.deepcopy(comm)
    draws = np.random.default_rng(seed)
    moved = 0
    for week in range(1, 30):
        need = np.clip(params.care_eligibility + draws.normal(0.0, 0.1, len(users.need)), 0, 1)
        users.need, users_ref.need = need, need.copy()
        got = review_care(users, comm, params, week)
        want = reference_review_care(users_ref, comm_ref, params, week)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b, strict=True)
        assert_same_state(users, users_ref)
        assert_same_state(comm, comm_ref)
        moved += len(got[0]) + len(got[1])
    assert moved > 100


def test_the_agents_table_is_the_weeks_snapshots_one_after_another():
    params = Params(**SMALL, weeks=9, snapshot_every=3)
    model = CoProductionModel(params, seed=5)
    frames = [model.snapshot()]
    for _ in range(9):
        model.step()
        if model.week % 3 == 0:
            frames.append(model.snapshot())
    pd.testing.assert_frame_equal(model.agents_table(), pd.concat(frames, ignore_index=True))
    assert model.agents_table()["week"].unique().tolist() == [0, 3, 6, 9]


def reference_caring_week(c, params, in_care, placed, need, package_hours, draw, week, own):
    """``carers``' phase as array operations, before the compiled passes: who cares, their
    hours, strain and breakdowns, the need met, and wellbeing; returns (active, met)."""
    active = (c.carer >= 0) & in_care & ~placed & (week >= c.broken_until)
    hours = np.where(active, np.minimum(params.carer_hours_per_need * need, 168.0), 0.0)
    load = np.maximum(hours - params.carer_respite * package_hours, 0.0)
    target = load / (load + params.carer_strain_hours)
    c.strain = c.strain + params.carer_strain_rate * (target - c.strain)
    c.breakdowns = (
        active & (c.strain > params.carer_breakdown_strain) & (draw < params.carer_breakdown_prob)
    )
    c.broken_until = np.where(c.breakdowns, week + params.carer_break_weeks, c.broken_until)
    c.hours = np.where(c.breakdowns, 0.0, hours)
    met = np.minimum(c.hours * params.carer_efficacy / params.package_hours_per_need, need)
    involvement = np.where(draw < 0.5, draw, 0.0)
    base = np.where(c.carer >= 0, own[np.maximum(c.carer, 0)], 0.0)
    rest = np.clip(
        base
        - params.carer_strain_wellbeing * c.strain
        + params.carer_involvement_gain * involvement,
        0.0,
        1.0,
    )
    c.wellbeing = c.wellbeing + params.wellbeing_rate * (rest - c.wellbeing)
    return active, met


def reference_carer_metrics(c, active, household):
    """``carers.carer_metrics`` as it was, with numpy's own indexing and means."""
    count = int(np.count_nonzero(active))
    cared_for = np.flatnonzero(active)
    at_home = household[c.carer[cared_for]] == household[cared_for]
    return {
        "carers": float(count),
        "carers_at_home": float(np.count_nonzero(at_home)),
        "carer_hours": float(c.hours.sum()),
        "carer_strain_mean": float(c.strain[active].mean()) if count else 0.0,
        "carer_breakdowns": float(np.count_nonzero(c.breakdowns)),
        "carer_wellbeing_mean": float(c.wellbeing[active].mean()) if count else 0.0,
    }


def reference_update_wellbeing(comm, users, params):
    """``wellbeing.update_wellbeing`` as array operations, before the compiled pass."""
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
    comm.wellbeing += params.wellbeing_rate * (np.clip(target, 0.0, 1.0) - comm.wellbeing)


@pytest.mark.parametrize("seed", range(4))
def test_a_week_of_caring_is_the_array_versions(seed):
    """Carers under strain enough to break down, in and out of care and care homes."""
    params = Params(**SMALL, carer_share=0.9, carer_breakdown_strain=0.2)
    model = CoProductionModel(params, seed=seed)
    c, reference = model.carers, copy.deepcopy(model.carers)
    draws = np.random.default_rng(seed)
    broke = 0
    for week in range(1, 30):
        n = len(c.carer)
        in_care, placed = draws.random(n) < 0.7, draws.random(n) < 0.1
        need, package_hours = draws.random(n), draws.gamma(1.0, 5.0, n) * (draws.random(n) < 0.5)
        draw, own = draws.random(n), draws.random(n)
        active = carers.caring(c, in_care, placed, week)
        carers.give_care(c, params, need, active, package_hours, draw, week)
        met = carers.care_met(params, c.hours, need)
        carers.update_carer_wellbeing(c, params, own, np.where(draw < 0.5, draw, 0.0))
        want = reference_caring_week(
            reference, params, in_care, placed, need, package_hours, draw, week, own
        )
        np.testing.assert_array_equal(active, want[0], strict=True)
        np.testing.assert_array_equal(met, want[1], strict=True)
        assert_same_state(c, reference)
        household = draws.integers(0, n // 2, n)
        assert carers.carer_metrics(c, active, household) == reference_carer_metrics(
            reference, want[0], household
        )
        broke += int(c.breakdowns.sum())
    assert broke > 5


@pytest.mark.parametrize("seed", range(4))
def test_a_week_of_wellbeing_is_the_array_versions(seed):
    """Targets above 1 among them (base and weight stretched), so the clip acts."""
    params = Params(**SMALL, wellbeing_base=0.5, weight_met_need=0.9)
    model = CoProductionModel(params, seed=seed)
    comm, users = model.community, model.users
    reference = copy.deepcopy(comm)
    draws = np.random.default_rng(seed)
    for _ in range(10):
        users.met_share = draws.random(len(users.met_share))
        comm.is_user = reference.is_user = draws.random(len(comm.is_user)) < 0.6
        update_wellbeing(comm, users, params)
        reference_update_wellbeing(reference, users, params)
        assert_same_state(comm, reference)


def reference_posts_for(caseload: np.ndarray, count: int) -> np.ndarray:
    """``residents.posts_for`` as it was: water-filling in array operations."""
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    ordered = np.sort(caseload)
    needed = ordered * np.arange(1, len(ordered) + 1) - np.cumsum(ordered)
    below = np.searchsorted(needed, count, side="right")
    level = (count + np.sum(ordered[:below])) // below
    extra = np.maximum(level - caseload, 0)
    remainder = count - int(extra.sum())
    at_level = np.flatnonzero(caseload + extra == level)[:remainder]
    extra[at_level] += 1
    first_level = np.repeat(caseload, extra)
    posts = np.repeat(np.arange(len(caseload)), extra)
    offset = np.arange(len(posts)) - np.repeat(np.cumsum(extra) - extra, extra)
    return posts[np.lexsort((posts, first_level + offset))]


@pytest.mark.parametrize("seed", range(8))
def test_posts_for_entrants_are_the_water_fillings(seed):
    rng = np.random.default_rng(seed)
    for _ in range(20):
        caseload = rng.integers(0, 40, size=int(rng.integers(1, 300)))
        count = int(rng.integers(0, 600))
        np.testing.assert_array_equal(
            posts_for(caseload, count), reference_posts_for(caseload, count), strict=True
        )


def test_a_week_older_is_the_array_versions():
    """Ages a hair below a birthday among them, so whole years tick over."""
    params = Params(**SMALL)
    model = CoProductionModel(params, seed=3)
    users = model.users
    users.age[:50] = np.floor(users.age[:50]) + 1.0 - 0.5 / 52
    reference = copy.deepcopy(users)
    for _ in range(60):
        age_one_week(users, params)
        before = np.floor(reference.age)
        reference.age += 1.0 / 52
        birthday = np.flatnonzero(np.floor(reference.age) > before)
        reference.baseline_need[birthday] = baseline_need_at(
            params, reference.age[birthday], reference.need_quantile[birthday]
        )
        assert_same_state(users, reference)


def test_the_steps_between_phases_are_the_array_expressions():
    """``model``'s small kernels against the expressions they replaced, on random arrays."""
    draws = np.random.default_rng(9)
    n = 1000
    need, agency, capability, cover, met = (draws.random(n) for _ in range(5))
    age, placed, dependent = draws.random(n) * 100, draws.random(n) < 0.2, draws.random(n) < 0.5
    requested = np.where(draws.random(n) < 0.3, 0.0, draws.random(n))
    unmanaged, home, old_enough = home_terms(need, agency, capability, cover, met, 0.37, age, 65.0)
    np.testing.assert_array_equal(unmanaged, need * (1.0 - agency * capability), strict=True)
    np.testing.assert_array_equal(home, need - unmanaged + cover + met + 0.37, strict=True)
    np.testing.assert_array_equal(old_enough, np.where(age >= 65.0, need, 0.0), strict=True)
    for got, want in zip(
        not_placed(requested, dependent, placed),
        (np.where(placed, 0.0, requested), dependent & ~placed),
        strict=True,
    ):
        np.testing.assert_array_equal(got, want, strict=True)
    clinical = np.where(draws.random(n) < 0.5, 0.0, draws.random(n) * 3)
    equivalent, involved = care_received(clinical, cover, met, 2.5, agency)
    np.testing.assert_array_equal(equivalent, clinical + (cover + met) * 2.5, strict=True)
    np.testing.assert_array_equal(involved, agency * (clinical > 0), strict=True)


def typical_need(params, age):
    """The mean baseline need at ``age``, as ``population.typical_need`` computed it."""
    rise = np.exp(params.age_need_slope * (np.asarray(age, dtype=float) - 50.0))
    return np.minimum(params.baseline_need_mean * rise, MAX_MEAN_NEED)


def reference_baseline_need_at(params, age, quantile):
    """``population.baseline_need_at`` as array operations, before the compiled passes."""
    mean = typical_need(params, age)
    concentration = params.baseline_need_concentration
    a = np.maximum(mean * concentration, SHAPE_FLOOR)
    return special.betaincinv(a, np.maximum((1.0 - mean) * concentration, SHAPE_FLOOR), quantile)


def test_baseline_need_is_the_array_version():
    """Ages from birth to great age (the mean's cap acts), and a low mean and concentration
    that take a shape to its floor."""
    draws = np.random.default_rng(2)
    age, quantile = draws.random(3000) * 115, draws.random(3000)
    for mean, concentration in ((0.005, 0.1), (0.2, 6.0), (0.95, 1000.0)):
        params = Params(**SMALL, baseline_need_mean=mean, baseline_need_concentration=concentration)
        got = baseline_need_at(params, age, quantile)
        assert got.tobytes() == reference_baseline_need_at(params, age, quantile).tobytes()


def test_deaths_are_the_array_versions():
    """Care-home residents among them (their hazard raised), mortality raised so many die."""
    params = Params(**SMALL, mortality_hazard_70=1.0, placement_mortality_ratio=20.0)
    model = CoProductionModel(params, seed=6)
    users = model.users
    draws = np.random.default_rng(6)
    died = 0
    for _ in range(20):
        placed = draws.random(len(users.age)) < 0.2
        exogenous, reference = np.random.default_rng(died), np.random.default_rng(died)
        excess = users.need - typical_need(params, users.age)
        annual = annual_hazard(params, users.age) * params.mortality_need_ratio**excess
        annual = np.where(placed, annual * params.placement_mortality_ratio, annual)
        weekly = -np.expm1(-annual / 52.0)
        want = np.flatnonzero(reference.random(len(users.age)) < weekly)
        got = dying(users, params, exogenous, placed)
        np.testing.assert_array_equal(got, want, strict=True)
        died += len(got)
    assert died > 10


def reference_bank_exchange(comm, bank, params, week, hours, still_wanted):
    """``timebank.bank_exchange`` as array operations, before the compiled passes."""
    engaged = np.flatnonzero(bank.active & comm.member)
    give, take = np.zeros(len(hours)), np.zeros(len(hours))
    bank.exchanges = 0
    if len(engaged) == 0:
        return give, take, 1.0
    area = bank.area[engaged]
    thrift = np.where(comm.free_rider[engaged], params.free_rider_draw, 1.0)
    headroom = np.maximum(comm.credits[engaged] + params.credit_limit, 0.0)
    wants = still_wanted[engaged] * thrift / params.timebank_exchange_hours
    asks = bank.uniforms[timebank.ASK, engaged] < wants
    request = np.where(asks, np.minimum(params.timebank_exchange_hours, headroom), 0.0)
    offer = np.where(request > 0, 0.0, hours[engaged] / thrift)
    supply = np.bincount(area, offer, minlength=bank.n_areas)
    capacity = int(params.coordinator_posts * params.coordinator_capacity)
    served = timebank.within_capacity(
        (request > 0) & (supply[area] > 0), bank.uniforms[timebank.SERVE, engaged], capacity
    )
    asked = np.where(served, request, 0.0)
    matched = np.minimum(np.bincount(area, asked, minlength=bank.n_areas), supply)
    take[engaged] = allocate(area, bank.uniforms[timebank.SERVE, engaged], asked, matched)
    give[engaged] = allocate(area, bank.uniforms[timebank.GIVE, engaged], offer, matched)
    comm.credits += give - take
    bank.exchanges = int(np.count_nonzero(take > 0))
    tie = (give + take > 0) & (give + take >= params.timebank_min_tie_hours)
    comm.bank_last[tie] = week
    return give, take, float(take.sum() / request.sum()) if request.sum() > 0 else 1.0


def reference_churn(bank, comm, ties, params):
    """``timebank.churn`` as array operations, before the compiled passes."""
    u = bank.uniforms
    trading = bank.active & comm.member
    candidates = bank.reachable & ~comm.member
    pool = np.count_nonzero(candidates)
    outreach = params.coordinator_posts * params.coordinator_outreach / pool if pool else 0.0
    contacts = np.bincount(ties.target, trading[ties.source], minlength=len(trading))
    word_of_mouth = 1.0 - (1.0 - params.recruit_rate) ** contacts
    joining = candidates & (
        (u[timebank.OUTREACH] < outreach) | (u[timebank.WORD_OF_MOUTH] < word_of_mouth)
    )
    leaving = comm.member & (u[timebank.LEAVE] < params.membership_lapse)
    stops = trading & (u[timebank.ACTIVITY] < params.timebank_activity_lapse)
    starts = comm.member & ~bank.active & (u[timebank.ACTIVITY] < params.timebank_activation)
    bank.active = ((bank.active & ~stops) | starts | joining) & ~leaving
    comm.member = (comm.member & ~leaving) | joining


@pytest.mark.parametrize("posts", [0.2, 1.0, 5.0])
def test_a_week_of_the_time_bank_is_the_array_versions(posts):
    """Members asking and offering, the coordinator's capacity binding or not, free riders
    and credit limits among them."""
    params = Params(
        **{**load_scenario("timebank").params.model_dump(), **SMALL, "coordinator_posts": posts}
    )
    model = CoProductionModel(params, seed=8)
    comm, bank = model.community, model.bank
    comm_ref, bank_ref = copy.deepcopy(comm), copy.deepcopy(bank)
    draws = np.random.default_rng(8)
    for week in range(1, 15):
        bank.draw()
        bank_ref.uniforms = bank.uniforms.copy()
        n = len(comm.member)
        hours, wanted = draws.gamma(1.0, 2.0, n), draws.gamma(1.0, 2.0, n) * (draws.random(n) < 0.6)
        got = timebank.bank_exchange(comm, bank, params, week, hours, wanted)
        want = reference_bank_exchange(comm_ref, bank_ref, params, week, hours, wanted)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b, strict=True)
        assert bank.exchanges == bank_ref.exchanges
        timebank.churn(bank, comm, model.ties, params)
        reference_churn(bank_ref, comm_ref, model.ties, params)
        np.testing.assert_array_equal(bank.active, bank_ref.active, strict=True)
        assert_same_state(comm, comm_ref)
    assert bank.exchanges > 0

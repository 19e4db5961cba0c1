"""The weekly phases' compiled passes of round 2 (issue 16) against the array versions they
replaced, kept here as references: the same state and draws in, the same bits out.

Comparisons are of the bytes (``same_bits``), not of values: ``-0.0 == 0.0`` and an equality
test would let a compiled pass that turns a zero's sign pass, though a later division by it
would tell. Each test runs the phase on states from a warmed-up model (so the arrays have the
values runs give them), pushed where the phase branches (crises, the clip's bounds, flagged
people, placements, posts vacant)."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from coprod.simulation import CoProductionModel, Params, care, community, packages
from coprod.simulation.commissioning import Commissioner, Establishment
from coprod.simulation.compiled import clip, maximum, minimum, pairwise_sum
from coprod.simulation.metrics import gini
from coprod.simulation.residents import replace
from coprod.simulation.rules import POWER_RULES, RECIPROCITY_RULES
from coprod.simulation.scenario import load_scenario
from coprod.simulation.week_steps import week_totals
from coprod.simulation.workforce import lose_continuity

SMALL = {"n_users": 300, "n_neighbours": 180, "n_professionals": 20}
SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, np.nan, np.inf, -np.inf, 1e-300, -1e-300])


def same_bits(a: object, b: object) -> bool:
    """The same dtype, shape and bytes (so the same signs of zero, and NaN where NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_state(a: object, b: object) -> None:
    """Every array field of two state dataclasses the same to the byte."""
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert same_bits(x, y), field.name


def warmed(scenario: str = "traditional", seed: int = 0, **overrides: object) -> CoProductionModel:
    """A model of a shipped scenario at a small size, through week 0 and three weeks."""
    base = load_scenario(scenario).params.model_dump()
    model = CoProductionModel(Params(**{**base, **SMALL, **overrides}), seed=seed)
    for _ in range(3):
        model.step()
    return model


# --- numpy's element rules and sum ---------------------------------------------------------


def test_the_element_rules_are_numpys_to_the_sign_of_zero():
    """Every pair of special values (signed zeros, NaN, infinities, tiny ones) and random
    ones, against numpy's array loops (an array long enough for its vector paths)."""
    rng = np.random.default_rng(0)
    a = np.r_[np.repeat(SPECIAL, len(SPECIAL)), rng.normal(size=200)]
    b = np.r_[np.tile(SPECIAL, len(SPECIAL)), rng.normal(size=200)]
    ours_max = np.array([maximum(x, y) for x, y in zip(a, b, strict=True)])
    ours_min = np.array([minimum(x, y) for x, y in zip(a, b, strict=True)])
    assert same_bits(ours_max, np.maximum(a, b))
    assert same_bits(ours_min, np.minimum(a, b))
    for low, high in ((0.0, 1.0), (-0.0, 1.0), (0.0, 0.0), (-1.0, np.inf)):
        ours = np.array([clip(x, low, high) for x in a])
        assert same_bits(ours, np.clip(a, low, high)), (low, high)


@pytest.mark.parametrize("kind", ["uniform", "signed", "wide"])
def test_pairwise_sum_is_numpys_sum_on_every_length(kind):
    rng = np.random.default_rng(len(kind))
    for n in [*range(0, 3000), 4096, 8191, 8192, 8193, 16385, 20000, 100_003]:
        if kind == "uniform":
            values = rng.random(n)
        elif kind == "signed":
            values = rng.normal(0.0, 1e3, n)
        else:
            values = rng.random(n) * 10.0 ** rng.uniform(-8, 8, n)
        assert same_bits(pairwise_sum(values), values.sum()), n


# --- need, help-seeking, encounters ---------------------------------------------------------


def reference_drift_need(users, params, exogenous, behaviour):
    """``care.drift_need`` as array operations, before the compiled passes."""
    n = len(users.need)
    noise = exogenous.normal(0.0, params.need_noise, n)
    acute = exogenous.random(n) < params.acute_prob
    crisis_draw, admission_draw = exogenous.random(n), exogenous.random(n)
    need = users.need + params.need_reversion * (users.baseline_need - users.need) + noise
    need = np.clip(need + acute * params.acute_size, 0.0, 1.0)
    risk = params.crisis_max / (
        1.0 + np.exp(-(need - params.crisis_threshold) / params.crisis_scale)
    )
    crises = crisis_draw < risk
    users.need = np.where(crises, np.maximum(need - params.crisis_relief, 0.0), need)
    by_age = np.exp(params.gp_age_slope * (users.age - 50.0))
    gp = behaviour.poisson(params.gp_rate * users.need * by_age)
    return crises, crises & (admission_draw < params.admission_share), gp


def reference_seek_help(users, params, behaviour, in_care):
    """``care.seek_help`` as array operations, before the compiled pass."""
    unmanaged = users.need * (1.0 - users.agency * users.capability)
    remaining = np.maximum(unmanaged - users.cover, 0.0)
    asks = (
        (
            behaviour.random(len(remaining))
            < params.help_seeking_floor + (1 - params.help_seeking_floor) * users.trust
        )
        & (remaining >= params.acuity_threshold)
        & in_care
    )
    requested = np.where(asks, remaining * params.hours_per_need, 0.0)
    beyond = users.need * (1.0 - users.capability) - users.cover
    return requested, asks & (beyond < params.acuity_threshold)


@pytest.mark.parametrize("seed", range(3))
def test_need_drift_and_help_seeking_are_the_array_versions(seed):
    """Noise and acute episodes large enough to reach both bounds of the clip, crises
    common; the same events, need and generator states after every week."""
    model = warmed(seed=seed)
    params = model.params.model_copy(update={"need_noise": 0.3, "crisis_max": 0.5})
    users, ref = model.users, copy.deepcopy(model.users)
    streams = [np.random.default_rng(seed + k) for k in (10, 10, 20, 20)]
    crises = 0
    for _ in range(8):
        events = care.drift_need(users, params, streams[0], streams[2])
        want = reference_drift_need(ref, params, streams[1], streams[3])
        for got, expected in zip(
            (events.crises, events.admissions, events.gp_contacts), want, strict=True
        ):
            assert same_bits(got, expected)
        in_care = model.community.is_user
        for got, expected in zip(
            care.seek_help(users, params, streams[2], in_care),
            reference_seek_help(ref, params, streams[3], in_care),
            strict=True,
        ):
            assert same_bits(got, expected)
        assert_same_state(users, ref)
        assert streams[0].random() == streams[1].random()
        assert streams[2].random() == streams[3].random()
        crises += int(events.crises.sum())
    assert crises > 50
    assert (users.need == 0.0).any() and (users.need == 1.0).any()  # both bounds reached
    everyone, _ = care.seek_help(users, params, np.random.default_rng(1))  # default: everyone
    assert same_bits(everyone, reference_seek_help(ref, params, np.random.default_rng(1), True)[0])


def reference_effective_capacity(pros, params, week):
    """``care.effective_capacity`` as array operations."""
    worked = np.where(
        pros.in_post(week),
        1.0 - params.burnout_capacity_loss * pros.burnout,
        params.locum_cover_share,
    )
    return pros.hours * params.capacity_factor * worked


def reference_encounters(users, pros, params, requested, sharing, proactive_share, capacity):
    """``care.encounters`` as array operations, before the compiled passes."""
    s = sharing[users.professional]
    factor = 1.0 + params.plan_time_factor * s * (1.0 - users.plan)
    proactive_demand = np.where(
        users.flagged,
        users.need * (1 - users.agency * users.capability) * params.hours_per_need * factor,
        0.0,
    )
    available = np.maximum(capacity - pros.reserved, 0.0)
    proactive = (
        care.allocate(users.professional, users.need, proactive_demand, available * proactive_share)
        if proactive_share > 0
        else np.zeros_like(requested)
    )
    used = np.bincount(users.professional, proactive, minlength=len(capacity))
    contacted = proactive > 0
    demand = np.maximum(requested * factor - proactive, 0.0)
    reactive = care.allocate(users.professional, users.need, demand, available - used)
    staff_time = proactive + reactive
    professional_demand = (
        np.bincount(users.professional, demand + proactive, minlength=len(capacity)) + pros.reserved
    )
    users.flagged &= ~contacted
    return care.CareWeek(
        requested=requested,
        clinical=staff_time / factor,
        staff_time=staff_time,
        sharing=s,
        professional_demand=professional_demand,
    )


def reference_apply_encounters(users, pros, params, week, behaviour):
    """``care.apply_encounters`` as array operations, before the compiled pass."""
    served = week.clinical > 0
    s = week.sharing
    up = params.agency_gain_rate * (s - params.s_neutral) * (1.0 - users.agency)
    down = -params.agency_loss_rate * users.agency
    delta = np.where(s > params.s_neutral, up, down) * users.trust
    recovery = params.agency_recovery * (users.own_agency - users.agency)
    users.agency = np.clip(users.agency + served * delta + recovery, 0.0, 1.0)
    lived = pros.lived_experience[users.professional]
    gain = (
        params.trust_gain_rate
        * (params.trust_gain_base + s)
        * np.where(lived, params.lived_experience_trust_factor, 1.0)
    )
    unserved = np.divide(
        np.maximum(week.requested - week.clinical, 0.0),
        week.requested,
        out=np.zeros_like(s),
        where=week.requested > 0,
    )
    trust = users.trust + served * gain * (1.0 - users.trust)
    users.trust = np.clip(trust - params.trust_unmet_loss * unserved * trust, 0.0, 1.0)
    users.plan = np.minimum(users.plan + served * params.plan_rate * s, 1.0)
    users.professional_hours += week.clinical
    referral_chance = (params.referral_base + params.referral_rate * s) * users.trust
    return served & (behaviour.random(len(s)) < referral_chance)


def reference_lose_continuity(users, pros, params, served):
    """``workforce.lose_continuity`` as array operations."""
    holder = pros.holder[users.professional]
    stranger = served & (users.seen_holder != holder)
    users.trust = np.where(
        stranger, users.trust * (1.0 - params.continuity_trust_loss), users.trust
    )
    users.seen_holder = np.where(served, holder, users.seen_holder)


def reference_update_need(users, params, clinical, in_care):
    """``care.update_need`` as array operations, before the compiled pass."""
    need = users.need
    met = np.minimum(
        need * users.agency * users.capability + users.cover + clinical / params.hours_per_need,
        need,
    )
    users.met_share = np.divide(met, need, out=np.ones_like(need), where=need > 0)
    escalation = params.unmet_escalation * (need - met) * in_care
    change = escalation - params.community_relief * users.cover
    users.need = np.clip(need + change, 0.0, 1.0)
    users.need_history[:-1] = users.need_history[1:]
    users.need_history[-1] = users.need


@pytest.mark.parametrize(("scenario", "proactive_share"), [("traditional", 0.0), ("codesign", 0.3)])
def test_encounters_and_their_effects_are_the_array_versions(scenario, proactive_share):
    """Capacity short of demand (so people are served in part), some posts vacant, flagged
    people contacted first under co-design, and people with need 0 (their share met is 1)."""
    model = warmed(scenario, seed=5, capacity_factor=0.5)
    params = model.params
    users, pros, in_care = model.users, model.professionals, model.community.is_user
    pros.vacant_until[:3] = model.week + 5
    draws = np.random.default_rng(5)
    contacted = served_in_part = 0
    for week in range(model.week + 1, model.week + 7):
        users.flagged = draws.random(len(users.need)) < 0.2
        users.need[draws.random(len(users.need)) < 0.05] = 0.0
        ref_users, ref_pros = copy.deepcopy(users), copy.deepcopy(pros)
        capacity = care.effective_capacity(pros, params, week)
        assert same_bits(capacity, reference_effective_capacity(ref_pros, params, week))
        requested, _ = care.seek_help(users, params, np.random.default_rng(week), in_care)
        sharing = draws.random(len(pros.hours)) * 0.8
        got = care.encounters(users, pros, params, requested, sharing, proactive_share, capacity)
        want = reference_encounters(
            ref_users, ref_pros, params, requested, sharing, proactive_share, capacity
        )
        for field in dataclasses.fields(got):
            assert same_bits(getattr(got, field.name), getattr(want, field.name)), field.name
        behaviour, behaviour_ref = np.random.default_rng(week), np.random.default_rng(week)
        referred = care.apply_encounters(users, pros, params, got, behaviour)
        assert same_bits(
            referred, reference_apply_encounters(ref_users, ref_pros, params, want, behaviour_ref)
        )
        lose_continuity(users, pros, params, got.clinical > 0)
        reference_lose_continuity(ref_users, ref_pros, params, want.clinical > 0)
        clinical = got.clinical + draws.random(len(users.need)) * (
            draws.random(len(users.need)) < 0.1
        )
        care.update_need(users, params, clinical, in_care)
        reference_update_need(ref_users, params, clinical.copy(), in_care)
        assert_same_state(users, ref_users)
        assert_same_state(pros, ref_pros)
        contacted += int(np.count_nonzero(want.staff_time > 0))
        served_in_part += int(np.count_nonzero((want.clinical > 0) & (want.clinical < requested)))
    assert contacted > 100 and served_in_part > 0
    if proactive_share:
        assert not users.flagged.all()  # flagged people were contacted


# --- packages, placements, lost ties --------------------------------------------------------


def reference_review(pk, params, decided, in_care, need, unmanaged, carer_met):
    """``packages.review`` as array operations (``assessed_hours`` folded in)."""
    net = np.maximum(unmanaged - carer_met, 0.0)
    hours = np.minimum(params.package_hours_per_need * net, params.package_hours_cap)
    given = (need >= params.package_need) & (hours >= params.package_min_hours)
    assessed = params.package_hours_factor * np.where(given, hours, 0.0)
    new = np.where(in_care & ~pk.placed, assessed, 0.0)
    pk.last_change = np.where(decided, new - pk.hours, pk.last_change)
    pk.hours = np.where(decided, new, pk.hours)


def reference_place(pk, params, rule, decided, eligible_need, unsupported, home_support, draw):
    """``packages.place`` as array operations."""
    eligible = decided & ~pk.placed & unsupported & (eligible_need > params.placement_need)
    if rule.weighs_alternatives:
        eligible &= home_support < eligible_need
    placed = eligible & (draw < params.placement_professional)
    pk.placed |= placed
    pk.last_change = np.where(placed, -pk.hours, pk.last_change)
    pk.hours = np.where(placed, 0.0, pk.hours)
    pk.placements = int(np.count_nonzero(placed))
    return placed


def reference_count_lost_ties(connectedness, active, full, bank_ties):
    """``packages.count_lost_ties`` as array operations."""
    counted, total = active.degree + bank_ties, full.degree + bank_ties
    return np.divide(
        connectedness * counted, total, out=np.zeros_like(connectedness), where=total > 0
    )


@pytest.mark.parametrize("rule", ["expert", "shared_decisions"])
def test_package_reviews_and_placements_are_the_array_versions(rule):
    """Reviews by phase and re-assessments, placements likely (a professional decides often,
    or the alternatives are weighed), and ties lost by placement counted with and without a
    time bank's tie."""
    model = warmed(seed=7, placement_professional=0.6, placement_need=0.2)
    params, power = model.params, POWER_RULES[rule]
    pk, users, comm = model.packages, model.users, model.community
    draws = np.random.default_rng(7)
    placed_total = 0
    for week in range(model.week + 1, model.week + 10):
        n = len(users.need)
        reassess = draws.random(n) < 0.05
        decided = packages.due(pk, params, week, reassess) & comm.is_user
        want_due = (week % params.review_weeks == pk.review_phase) | reassess
        assert same_bits(packages.due(pk, params, week, reassess), want_due)
        unmanaged, carer_met = draws.random(n) * users.need, draws.random(n) * 0.1
        home, draw = draws.random(n), draws.random(n)
        unsupported = draws.random(n) < 0.7
        ref = copy.deepcopy(pk)
        packages.review(pk, params, decided, comm.is_user, users.need, unmanaged, carer_met)
        reference_review(ref, params, decided, comm.is_user, users.need, unmanaged, carer_met)
        got = packages.place(pk, params, power, decided, users.need, unsupported, home, draw)
        want = reference_place(ref, params, power, decided, users.need, unsupported, home, draw)
        assert same_bits(got, want) and pk.placements == ref.placements
        assert_same_state(pk, ref)
        placed_total += pk.placements
    assert placed_total > 5 and (pk.hours > 0).any()
    connectedness = draws.random(len(comm.is_user))
    cut = copy.deepcopy(model.ties)
    start = np.maximum(cut.start - np.arange(len(cut.start)) % 2, 0).astype(cut.start.dtype)
    start[0] = 0
    active = dataclasses.replace(cut, start=np.maximum.accumulate(start))
    for bank_ties in (
        comm.member | (draws.random(len(comm.member)) < 0.3),
        np.zeros(len(comm.member)),
    ):
        assert same_bits(
            packages.count_lost_ties(connectedness, active, pk.full_ties, bank_ties),
            reference_count_lost_ties(connectedness, active, pk.full_ties, bank_ties),
        )


# --- after the exchange ---------------------------------------------------------------------


def reference_after_exchange(comm, users, ties, ledger, rule, params, week, bank):
    """``community.after_exchange`` as array operations, before the compiled pass."""
    recent = week - params.reciprocity_window
    n = len(comm.is_user)
    active_ties, gave_to, gave_and_back = community._tie_counts(
        ties.source, ledger.last_given, ledger.last_back, recent, n
    )
    bank_tie = comm.member & (comm.bank_last > recent) if rule.bank else np.zeros(n, bool)
    ties_total = ties.degree + bank_tie
    comm.connectedness = np.divide(
        active_ties + bank_tie, ties_total, out=np.zeros(n), where=ties_total > 0
    )
    reciprocated = np.divide(gave_and_back, gave_to, out=np.zeros(n), where=gave_to > 0)
    full = np.minimum(comm.given / params.contribution_hours, 1.0)
    comm.contribution += params.running_mean_weight * (full - comm.contribution)
    gain = params.giving_agency_gain * full * comm.is_user
    users.agency = np.minimum(users.agency + gain * (1.0 - users.agency), 1.0)
    trading = bank.active & comm.member
    recognition = rule.recognition(params, reciprocated, trading, ledger.bank_fill)
    comm.motivation += params.motivation_rate * (recognition - comm.motivation)


@pytest.mark.parametrize("scenario", ["traditional", "coproduction", "timebank"])
def test_after_the_exchange_is_the_array_version(scenario):
    """Each reciprocity rule, with some people given more than the contribution's full
    hours and some isolated (no ties at all)."""
    model = warmed(scenario, seed=3)
    comm, users, params = model.community, model.users, model.params
    rule = RECIPROCITY_RULES[params.reciprocity]
    draws = np.random.default_rng(3)
    for week in range(model.week + 1, model.week + 4):
        comm.given = draws.random(len(comm.given)) * 2 * params.contribution_hours
        comm.bank_last = np.where(draws.random(len(comm.given)) < 0.5, week, comm.bank_last)
        ties = model.ties
        isolated = dataclasses.replace(ties, start=np.r_[ties.start[:1], ties.start[:-1]])
        for network in (ties, isolated):
            ref_comm, ref_users = copy.deepcopy(comm), copy.deepcopy(users)
            args = (network, model.ledger, rule, params, week, model.bank)
            community.after_exchange(comm, users, *args)
            reference_after_exchange(ref_comm, ref_users, *args)
            assert_same_state(comm, ref_comm)
            assert_same_state(users, ref_users)


# --- the week's totals, carers' and newcomers' writes, commissioning's shortcuts ------------


@pytest.mark.parametrize("seed", range(3))
def test_the_week_totals_are_numpys_sums(seed):
    draws = np.random.default_rng(seed)
    n, m = 1000 + seed * 777, 60
    crises, admissions = draws.random(n) < 0.1, draws.random(n) < 0.05
    gp = draws.poisson(0.3, n)
    running, running_gp = draws.random(n), draws.random(n)
    want_running, want_gp = running + crises, running_gp + gp
    requested = np.where(draws.random(n) < 0.5, 0.0, draws.random(n))
    dependent = draws.random(n) < 0.2
    clinical = requested * draws.random(n) * 1.2
    staff_time, delivered, hours = draws.random(n), draws.random(m), draws.random(m) * 30
    in_post = draws.random(m) < 0.8
    got = week_totals(
        crises, admissions, gp, running, running_gp, requested, dependent, clinical,
        staff_time, delivered, in_post, hours,
    )  # fmt: skip
    want = (
        crises.sum(),
        admissions.sum(),
        gp.sum(),
        np.count_nonzero(requested),
        dependent.sum(),
        np.maximum(requested - clinical, 0.0).sum(),
        staff_time.sum(),
        delivered[~in_post].sum(),
        delivered[in_post].sum(),
        (hours * in_post).sum(),
    )
    for a, b in zip(got[:10], want, strict=True):
        assert same_bits(np.float64(a), np.float64(b)) and type(a) in (int, float)
    assert same_bits(got[10], gp + crises)
    assert same_bits(running, want_running) and same_bits(running_gp, want_gp)


def test_newcomers_are_written_as_with_an_ellipsis():
    """``residents.replace``'s plain indexing of one-dimensional arrays writes what indexing
    every array with ``[..., slots]`` wrote (``need_history`` is two-dimensional)."""
    model = warmed(seed=2)
    fresh_model = warmed(seed=9)
    for slots in (np.array([4]), np.array([1, 7, 250])):
        users, ref = copy.deepcopy(model.users), copy.deepcopy(model.users)
        fresh = fresh_model.users
        fresh = dataclasses.replace(
            fresh,
            **{
                f.name: getattr(fresh, f.name)[..., : len(slots)].copy()
                for f in dataclasses.fields(fresh)
            },
        )
        replace(users, slots, fresh)
        for field in dataclasses.fields(ref):
            getattr(ref, field.name)[..., slots] = getattr(fresh, field.name)
        assert_same_state(users, ref)


def test_budget_columns_follow_each_new_split_and_budget():
    """The columns are kept between cycles: NaN before the first, then each split's."""
    commissioner = Commissioner(10)
    first = commissioner.budget_columns()
    assert all(np.isnan(value) for value in first.values())
    assert commissioner.budget_columns() is first  # kept while nothing moved
    commissioner.ref = object()
    for shares, budget in ((np.array([0.1, 0.2, 0.3, 0.4]), 100.0), (np.ones(4) / 4, 80.0)):
        commissioner.shares, commissioner.budget = shares, budget
        assert list(commissioner.budget_columns().values()) == [s * budget for s in shares]
    commissioner.budget = 60.0  # the budget alone moving is seen too
    assert list(commissioner.budget_columns().values()) == [15.0] * 4


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 100, 101, 129, 999, 1000, 4097, 20001])
def test_the_gini_is_numpys_rank_weighted_sum(n):
    """The compiled rank-weighted sum against the array expression, ties and zeros among
    the values (so products of 0.0 and a zero weight of either sign would show)."""
    values = np.round(np.random.default_rng(n).random(n), 2)
    ranked = np.sort(values)
    want = float(np.sum((2.0 * np.arange(1, n + 1) - n - 1) * ranked) / (n * values.sum()))
    assert same_bits(gini(values, ranked), want)


def reference_advance(post, week, attrition):
    """``Establishment.advance`` without its shortcut for nothing pending."""
    recruited = sum(amount for due, amount in post.hiring if due <= week)
    post.hiring = [(due, amount) for due, amount in post.hiring if due > week]
    post.staffed += recruited
    cutting = sum(amount for _, amount in post.leaving)
    left = min(attrition * post.staffed, cutting)
    ending = sum(amount for due, amount in post.leaving if due <= week)
    post.leaving = [(due, amount) for due, amount in post.leaving if due > week]
    post.staffed = max(post.staffed - left - ending, 0.0)
    return recruited


@pytest.mark.parametrize("staffed", [0.0, -0.0, 0.7, 12.5, -1.0])
def test_an_establishment_with_nothing_pending_moves_as_the_full_step(staffed):
    post, ref = Establishment(staffed), Establishment(staffed)
    for week, attrition in ((3, 0.0), (4, 0.02), (5, 1.0), (6, 0.5)):
        got, want = post.advance(week, attrition), reference_advance(ref, week, attrition)
        assert got == want and type(got) is type(want)
        assert same_bits(post.staffed, ref.staffed) and post.hiring == ref.hiring == []

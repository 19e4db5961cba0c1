"""Residents age, die and are replaced, and enter and leave care (MODEL.md section 10.2).

Every person on the community network is a resident with an age and a need. Each week
everyone ages a week; a resident dies at a Gompertz hazard by age, raised by need above the
need typical of their age, and a newcomer takes their slot (their house and its ties) with a
new agent id and running totals from zero: an open cohort of constant size. Newcomers' ages
come from a Gamma distribution of movers-in and births; initial ages come from the age
structure that this entry and mortality keep stationary (:func:`stationary_ages`), so the
age and death processes are at rest from the first week of the warm-up.

A resident whose need reaches ``care_eligibility`` is referred for an assessment; if their
need is still at or above it ``assessment_weeks`` later they enter care, on the post with the
smallest caseload. Every ``care_review_weeks`` in care a review lets a user whose need fell
below the threshold leave. Who dies is drawn from the exogenous stream (one uniform per
resident per week, whatever happens), and entry and exit follow need without a draw, so the
arms of a comparison stay aligned (MODEL.md section 9).
"""

from __future__ import annotations

import functools
import heapq
from dataclasses import dataclass, fields

import numba
import numpy as np
from scipy import stats

from coprod.simulation.compiled import kernel, minimum
from coprod.simulation.params import Params
from coprod.simulation.population import (
    MAX_MEAN_NEED,
    NEVER,
    Community,
    Users,
    baseline_need_at,
    build_community,
    build_users,
    gamma_at,
)

WEEKS_PER_YEAR = 52.0
SETTLE_WEEKS = 260
"""Weeks of the care-status pre-run before the warm-up (:func:`settle_care_status`)."""
CARE_UPLIFT = 0.02
"""How far above their baseline the pre-run holds the need of users in care: the stand-in
for unmet need escalating and crises relieving it, chosen so the pre-run ends near the full
model's own balance of users in care (measured at the defaults, 3 seeds: 985 at the end of
the pre-run against about 980-990 at rest; 0.095, chosen before placements and deaths were
wired together, ended at 1,140 and set off a slow swing in users in care that outlasted a
six-year warm-up)."""
AGE_GRID = np.linspace(0.0, 115.0, 2301)  # years, for the stationary age structure


@dataclass
class ResidentsWeek:
    """The week's demographic and care-status flows (slots of the people concerned)."""

    deaths: np.ndarray
    entries: np.ndarray
    exits: np.ndarray


def annual_hazard(params: Params, age: np.ndarray) -> np.ndarray:
    """Gompertz death hazard a year at ``age`` for the need typical of that age."""
    return params.mortality_hazard_70 * np.exp(params.mortality_age_slope * (age - 70.0))


def stationary_density(params: Params) -> np.ndarray:
    """Age density on :data:`AGE_GRID` that newcomer entry and mortality keep unchanged.

    With newcomers entering at density g and deaths at hazard h, the stationary density is
    p(a) = integral_0^a g(x) exp(-(H(a) - H(x))) dx, H the cumulative hazard: on the grid,
    each step's survivors plus its entrants (a recursion that stays finite at any hazard).
    """
    step = AGE_GRID[1] - AGE_GRID[0]
    shape = params.age_newcomer_shape
    entry = stats.gamma.pdf(AGE_GRID, shape, scale=params.age_newcomer_mean / shape) * step
    survive = np.exp(-annual_hazard(params, AGE_GRID) * step)
    density = np.empty_like(AGE_GRID)
    alive = 0.0
    for index, (entering, staying) in enumerate(zip(entry, survive, strict=True)):
        alive = alive * staying + entering
        density[index] = alive
    return density / (density.sum() * step)


def stationary_ages(params: Params, quantile: np.ndarray) -> np.ndarray:
    """Ages at the given quantiles of the stationary age structure (inverse CDF: exactly one
    uniform per person, for common random numbers)."""
    cdf = np.cumsum(stationary_density(params))
    cdf = cdf / cdf[-1]
    return np.interp(quantile, cdf, AGE_GRID)


def newcomer_ages(params: Params, quantile: np.ndarray) -> np.ndarray:
    """Ages of newcomers at the given quantiles of their Gamma distribution."""
    return gamma_at(quantile, params.age_newcomer_mean, params.age_newcomer_shape)


def age_one_week(users: Users, params: Params) -> None:
    """Everyone is a week older; whoever passed a birthday has their baseline need moved to
    their new age (only they, so the quantile function runs on a 52nd of the people)."""
    birthday = _a_week_older(users.age, 1.0 / WEEKS_PER_YEAR)
    if len(birthday):
        users.baseline_need[birthday] = baseline_need_at(
            params, users.age[birthday], users.need_quantile[birthday]
        )


def dying(
    users: Users, params: Params, exogenous: np.random.Generator, placed: np.ndarray
) -> np.ndarray:
    """Who dies this week: a uniform per resident against the weekly hazard, by age and need,
    raised for residents of care homes (``placed``)."""
    # numpy's own exp, power and expm1 (its SIMD ones, which a compiled loop's need not match
    # to the bit), in place, between compiled passes: the two exponents of age (need typical
    # of the age, the Gompertz hazard), the need above the typical, the weekly exponent
    n = len(users.age)
    by_age = _age_exponents(users.age, params.age_need_slope, params.mortality_age_slope)
    np.exp(by_age, out=by_age)
    excess = _excess_need(users.need, by_age[0], params.baseline_need_mean, MAX_MEAN_NEED)
    np.power(params.mortality_need_ratio, excess, out=excess)
    weekly = _weekly_exponent(
        by_age[1],
        excess,
        placed,
        params.mortality_hazard_70,
        params.placement_mortality_ratio,
    )
    np.expm1(weekly, out=weekly)
    return _deaths(exogenous.random(n), weekly)


def replace(target: object, slots: np.ndarray, fresh: object) -> None:
    """Write a fresh person's value into ``slots`` of every array of a state dataclass (the
    last axis is the person), so a field added later is reset without a change here."""
    for name in _field_names(type(target)):
        values = getattr(target, name)
        if values.ndim == 1:  # plain fancy indexing: with an Ellipsis it costs 15 times more
            values[slots] = getattr(fresh, name)
        else:
            values[..., slots] = getattr(fresh, name)


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    """The fields of a state dataclass, looked up once (``dataclasses.fields`` is slow)."""
    return tuple(field.name for field in fields(kind))


def renew(
    users: Users,
    comm: Community,
    params: Params,
    slots: np.ndarray,
    rng: np.random.Generator,
    first_id: int,
) -> None:
    """Newcomers take the slots of the dead: drawn as at the start (from their own stream),
    out of care, with running totals at zero and new agent ids from ``first_id``; they move
    into the dead resident's house, and the widowed partner is now alone."""
    household = comm.household[slots]
    widowed = comm.partner[slots]
    ages = newcomer_ages(params, rng.random(len(slots)))
    fresh = build_users(params, rng, ages)
    replace(users, slots, fresh)
    replace(comm, slots, build_community(params, fresh, np.zeros(len(slots), bool), rng))
    comm.household[slots] = household
    comm.partner[widowed[widowed >= 0]] = -1
    comm.agent_id[slots] = first_id + np.arange(len(slots))


@numba.njit(cache=True, nogil=True)
def posts_for(caseload: np.ndarray, count: int) -> np.ndarray:
    """Posts for ``count`` entrants, each to the post with the smallest caseload at the time,
    ties by post index: one at a time, through a heap of keys ``caseload * posts + post`` (the
    smallest key is the smallest caseload, ties by index; a post taking an entrant moves up by
    ``posts``), so ``count log(posts)`` steps. The array water-filling this replaced cost
    20 us a week in numpy calls whatever the count (tests/test_week_kernels.py keeps it)."""
    posts = len(caseload)
    heap = [caseload[post] * posts + post for post in range(posts)]
    heapq.heapify(heap)
    chosen = np.empty(count, np.int64)
    for entrant in range(count):
        key = heap[0]
        chosen[entrant] = key % posts
        heapq.heapreplace(heap, key + posts)
    return chosen


def settle_care_status(
    users: Users, comm: Community, params: Params, rng: np.random.Generator
) -> None:
    """Bring who is in care to rest before the warm-up, with a cheap stand-in for the weeks.

    Users in care and out of it turn over slowly (an acute episode brings a referral; a
    review, a way out): their count relaxes over about three years, far beyond the warm-up.
    So :data:`SETTLE_WEEKS` weeks of need alone run first (drift to a baseline raised by
    :data:`CARE_UPLIFT` in care, noise, acute episodes) with the true referrals,
    assessments and reviews, from the population stream. Starting from need at its
    baseline, users in care rose by a tenth over the first two years.
    """
    n = len(users.need)
    for week in range(-params.warmup_weeks - SETTLE_WEEKS, -params.warmup_weeks):
        target = users.baseline_need + CARE_UPLIFT * comm.is_user
        noise = rng.normal(0.0, params.need_noise, n)
        acute = rng.random(n) < params.acute_prob
        change = params.need_reversion * (target - users.need) + noise + acute * params.acute_size
        users.need = np.clip(users.need + change, 0.0, 1.0)
        review_care(users, comm, params, week)
    spread_reviews(users, comm, params, rng)


def spread_reviews(users: Users, comm: Community, params: Params, rng: np.random.Generator) -> None:
    """Give those in care at the end of the pre-run review weeks spread evenly over the cycle,
    as entries spread over time give them at rest: everyone eligible when the pre-run starts
    enters in one week and would keep that week's phase (measured: half of those in care at
    week 0 shared one review week, and exits from care peaked every 26 weeks)."""
    in_care = np.flatnonzero(comm.is_user)
    phase = np.floor(rng.random(len(in_care)) * params.care_review_weeks).astype(np.int64)
    users.review_due[in_care] = -params.warmup_weeks + 1 + phase


def review_care(
    users: Users, comm: Community, params: Params, week: int
) -> tuple[np.ndarray, np.ndarray]:
    """Referrals, assessments that end, and care reviews; return (entrants, leavers).

    An entrant is given the post with the smallest caseload and meets its holder as a
    stranger (continuity of care); a spell of care starts from the person's own agency and
    trust and a new plan, whatever an earlier spell left (so what people bring to care does
    not drift with the history of the population: out of care both stood still, and
    re-entrants carrying them made trust in care creep up for six years). A leaver's care
    state stays as it was, unused.
    """
    entrants, leavers = _care_status(
        users.need,
        params.care_eligibility,
        comm.is_user,
        users.assessment_due,
        users.review_due,
        users.care_since,
        week,
        params.assessment_weeks,
        params.care_review_weeks,
    )
    comm.give_hours = _admit(
        entrants,
        week,
        params.care_review_weeks,
        params.n_professionals,
        comm.is_user,
        users.professional,
        users.seen_holder,
        users.agency,
        users.own_agency,
        users.trust,
        users.own_trust,
        users.plan,
        users.care_since,
        users.review_due,
        users.assets * params.user_give_hours,
        comm.spare_hours,
    )
    return entrants, leavers


@numba.njit(cache=True, nogil=True)
def _care_status(
    need: np.ndarray,
    threshold: float,
    in_care: np.ndarray,
    assessment_due: np.ndarray,
    review_due: np.ndarray,
    care_since: np.ndarray,
    week: int,
    assessment_weeks: int,
    review_weeks: int,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`review_care`'s referrals, assessments and reviews in one pass, in place (a
    leaver's spell of care ends), and the slots of (entrants, leavers): each person's own
    few comparisons, which as arrays were a dozen operations over everyone every week (and
    260 more weeks of them in the pre-run).

    Per person, in the array version's order: referral when eligible out of care with no
    assessment pending; an assessment ending this week (an entrant if still eligible); a
    review due this week (the next one set, or, no longer eligible, a leaver out of care)."""
    entrants = np.empty(len(need), np.int64)
    leavers = np.empty(len(need), np.int64)
    entering = leaving = 0
    for person in range(len(need)):
        eligible = need[person] >= threshold
        if not in_care[person] and eligible and assessment_due[person] == NEVER:
            assessment_due[person] = week + assessment_weeks
        if assessment_due[person] == week:
            if eligible:
                entrants[entering] = person
                entering += 1
            assessment_due[person] = NEVER
        if in_care[person] and review_due[person] == week:
            review_due[person] += review_weeks
            if not eligible:
                leavers[leaving] = person
                leaving += 1
                review_due[person] = NEVER
                care_since[person] = NEVER
                in_care[person] = False
    return entrants[:entering], leavers[:leaving]


@numba.njit(cache=True, nogil=True)
def _admit(
    entrants: np.ndarray,
    week: int,
    review_weeks: int,
    n_posts: int,
    in_care: np.ndarray,
    professional: np.ndarray,
    seen_holder: np.ndarray,
    agency: np.ndarray,
    own_agency: np.ndarray,
    trust: np.ndarray,
    own_trust: np.ndarray,
    plan: np.ndarray,
    care_since: np.ndarray,
    review_due: np.ndarray,
    in_care_hours: np.ndarray,
    spare_hours: np.ndarray,
) -> np.ndarray:
    """:func:`review_care`'s entrants start their spell of care, in place: posts by
    :func:`posts_for` on the caseloads of those in care, a stranger on the post, their own
    agency and trust, a new plan, the first review. Returns everyone's hours to give now:
    a user's from their assets (``in_care_hours``), anyone else's spare hours."""
    if len(entrants):
        caseload = np.zeros(n_posts, np.int64)
        for person in range(len(in_care)):
            if in_care[person]:
                caseload[professional[person]] += 1
        posts = posts_for(caseload, len(entrants))
        for entrant, person in enumerate(entrants):
            professional[person] = posts[entrant]
            seen_holder[person] = -1
            agency[person] = own_agency[person]
            trust[person] = own_trust[person]
            plan[person] = 0.0
            care_since[person] = week
            review_due[person] = week + review_weeks
            in_care[person] = True
    give_hours = np.empty(len(in_care))
    for person in range(len(in_care)):
        give_hours[person] = in_care_hours[person] if in_care[person] else spare_hours[person]
    return give_hours


@numba.njit(cache=True, nogil=True)
def _a_week_older(age: np.ndarray, week: float) -> np.ndarray:
    """Add ``week`` (years) to every age, in place; the slots of those whose whole years
    went up (a pass, not four array operations and their temporaries)."""
    birthdays = np.empty(len(age), np.int64)
    count = 0
    for person in range(len(age)):
        before = np.floor(age[person])
        age[person] += week
        if np.floor(age[person]) > before:
            birthdays[count] = person
            count += 1
    return birthdays[:count]


@kernel
def _age_exponents(age: np.ndarray, need_slope: float, mortality_slope: float) -> np.ndarray:
    """The exponents of the typical need's (``population.baseline_need_at``) and
    :func:`annual_hazard`'s rise with age, as
    two rows (one ``exp`` call for both)."""
    exponents = np.empty((2, len(age)))
    for person in range(len(age)):
        exponents[0, person] = need_slope * (age[person] - 50.0)
        exponents[1, person] = mortality_slope * (age[person] - 70.0)
    return exponents


@kernel
def _excess_need(need: np.ndarray, rise: np.ndarray, mean: float, most: float) -> np.ndarray:
    """Need above the need typical of the age (``population.baseline_need_at``'s mean, from
    its ``exp``)."""
    excess = np.empty(len(need))
    for person in range(len(need)):
        excess[person] = need[person] - minimum(mean * rise[person], most)
    return excess


@kernel
def _weekly_exponent(
    rise: np.ndarray,
    need_ratio: np.ndarray,
    placed: np.ndarray,
    hazard_70: float,
    placed_ratio: float,
) -> np.ndarray:
    """``-annual / 52``: the annual hazard (:func:`annual_hazard` from its ``exp``, times
    the need's ratio), raised ``placed_ratio`` times in a care home."""
    exponent = np.empty(len(rise))
    for person in range(len(rise)):
        annual = hazard_70 * rise[person] * need_ratio[person]
        hazard = annual * placed_ratio if placed[person] else annual
        exponent[person] = -hazard / WEEKS_PER_YEAR
    return exponent


@numba.njit(cache=True, nogil=True)
def _deaths(draw: np.ndarray, expm1_of_exponent: np.ndarray) -> np.ndarray:
    """Slots whose uniform falls below the weekly death probability, ``-expm1(exponent)``."""
    dead = np.empty(len(draw), np.int64)
    count = 0
    for person in range(len(draw)):
        if draw[person] < -expm1_of_exponent[person]:
            dead[count] = person
            count += 1
    return dead[:count]

"""The people of the model as arrays: one entry per person, one array per state variable.

Mesa agents (``agents.py``) are the model's face: each reads its state from these arrays, so
the weekly phases can work on a whole population at once (the step loop is the hot path).
Every person is a resident of the community network (a slot ``0..n_people-1``): ``Community``
holds what everyone has (wellbeing, giving, identity and household) and ``Users`` their age,
need and care state, for everyone too; ``Community.is_user`` marks who is in care this week
(``residents.py`` moves people in and out of care and replaces the dead). Every draw here
comes from the population stream (or, for newcomers, a stream of their own), so the arms of a
comparison start with the same people (MODEL.md section 9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from coprod.simulation.compiled import kernel, maximum, minimum
from coprod.simulation.params import Params
from coprod.simulation.warmup import fast_weeks

SHAPE_FLOOR = 1e-3
"""Smallest Beta shape drawn from: a mean near 0 or 1 puts (nearly) all mass at that end
already, and a shape of 1e-300 makes scipy's quantile function overflow."""
FILLED = -(10**9)  # ``vacant_until`` of a filled post: before any week, warm-up included
NEVER = -(10**6)  # "no exchange yet", "no assessment pending", "no review due"
MAX_MEAN_NEED = 0.9  # mean baseline need never rises above this at great age
ADULT = 18.0  # years: residents from this age may be partners


def beta(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    """Beta draws parameterised by mean and concentration (a + b).

    Drawn by inverse CDF from exactly ``n`` uniforms: numpy's own Beta sampler uses a number
    of uniforms that depends on the parameters, which would shift every later draw of the
    stream and break common random numbers between scenarios that differ in a mean.
    """
    return beta_at(rng.random(n), mean, concentration)


def beta_at(quantile: np.ndarray, mean: float, concentration: float) -> np.ndarray:
    """The Beta(mean, concentration) values at the given quantiles: a person keeps their place
    in the distribution when a policy moves its mean."""
    a, b = max(mean * concentration, SHAPE_FLOOR), max((1.0 - mean) * concentration, SHAPE_FLOOR)
    return special.betaincinv(a, b, quantile)  # stats.beta.ppf's own kernel, 5x less overhead


def gamma(rng: np.random.Generator, mean: float, shape: float, n: int) -> np.ndarray:
    """Gamma draws by mean and shape, from exactly ``n`` uniforms (see :func:`beta`)."""
    return gamma_at(rng.random(n), mean, shape)


def gamma_at(quantile: np.ndarray, mean: float, shape: float) -> np.ndarray:
    """The Gamma(mean, shape) values at the given quantiles (``stats.gamma.ppf``'s own kernel,
    without its per-call overhead: newcomers arrive a few a week)."""
    return special.gammaincinv(shape, quantile) * (mean / shape)


def poisson_at(quantile: np.ndarray, mean: float) -> np.ndarray:
    """The Poisson(mean) counts at the given quantiles: the smallest count whose CDF
    (``special.pdtr``, scipy's own) reaches the quantile, searched in a table of the CDF.
    The same counts as ``stats.poisson.ppf`` (checked on a million quantiles at five means;
    a quantile of exactly 0 gives 0 here, -1 there), 100 times faster: a city's million
    households took 2.9 s of its build."""
    counts = np.arange(int(mean + 40.0 * np.sqrt(mean) + 40.0))  # the CDF is 1.0 beyond
    return np.searchsorted(special.pdtr(counts, mean), quantile, side="left")


def baseline_need_at(params: Params, age: np.ndarray, quantile: np.ndarray) -> np.ndarray:
    """Baseline need of people at their fixed frailty ``quantile`` of the Beta need of their
    age: ageing moves a person up with their age group, keeping their place in it.

    The Beta's mean at an age (the typical need) rises exponentially with age (frailty), to
    at most :data:`MAX_MEAN_NEED`: ``min(baseline_need_mean * exp(age_need_slope * (age -
    50)), MAX_MEAN_NEED)``. Its arithmetic is compiled around numpy's own ``exp`` (issue 16:
    birthdays are a few a week, and as array operations they cost a dozen calls)."""
    rise = _need_exponent(np.asarray(age, dtype=float), params.age_need_slope)
    np.exp(rise, out=rise)
    a, b = _need_shapes(rise, params.baseline_need_mean, params.baseline_need_concentration)
    return special.betaincinv(a, b, quantile)


@kernel
def _need_exponent(age: np.ndarray, slope: float) -> np.ndarray:
    """The exponent of the typical need's rise with age."""
    exponent = np.empty(len(age))
    for person in range(len(age)):
        exponent[person] = slope * (age[person] - 50.0)
    return exponent


@kernel
def _need_shapes(
    rise: np.ndarray, mean: float, concentration: float
) -> tuple[np.ndarray, np.ndarray]:
    """The Beta's two shapes at the typical need (from its ``exp``), each at least
    :data:`SHAPE_FLOOR`."""
    a, b = np.empty(len(rise)), np.empty(len(rise))
    for person in range(len(rise)):
        typical = minimum(mean * rise[person], MAX_MEAN_NEED)
        a[person] = maximum(typical * concentration, SHAPE_FLOOR)
        b[person] = maximum((1.0 - typical) * concentration, SHAPE_FLOOR)
    return a, b


@dataclass
class Users:
    """Age, need and care state of every resident (MODEL.md sections 2 and 10.2); the care
    state of someone out of care is kept, unused, until they return."""

    age: np.ndarray  # years
    need_quantile: np.ndarray  # fixed frailty: place in the need distribution of one's age
    need: np.ndarray
    baseline_need: np.ndarray
    agency: np.ndarray
    own_agency: np.ndarray  # the level agency drifts back to without encounters
    capability: np.ndarray
    trust: np.ndarray
    own_trust: np.ndarray  # the trust in services a person brings to each spell of care
    plan: np.ndarray
    assets: np.ndarray
    professional: np.ndarray  # the post of the person's care (the last one, out of care)
    seen_holder: np.ndarray  # holder of that post at the user's last encounter (continuity)
    flagged: np.ndarray  # flagged by a forum, until contacted or the next forum
    referred_until: np.ndarray  # week until which community givers are pointed to them
    need_history: np.ndarray  # (4, n): need over the last four weeks, for forum flags
    met_share: np.ndarray  # share of last week's need that was met
    cover: np.ndarray  # community help received last week, in need units
    care_since: np.ndarray  # week the present spell of care began, or NEVER
    assessment_due: np.ndarray  # week an assessment in progress ends, or NEVER
    review_due: np.ndarray  # week of a user's next care review, or NEVER
    # running totals since week 0
    crises: np.ndarray
    gp_contacts: np.ndarray
    professional_hours: np.ndarray


@dataclass
class Community:
    """State every person on the network has: users and neighbours alike."""

    is_user: np.ndarray  # in care this week
    agent_id: np.ndarray  # one id for life; a newcomer in the slot gets a new one
    household: np.ndarray  # household id; a newcomer moves into the dead resident's house
    partner: np.ndarray  # slot of the person's partner (same household), or -1
    spare_hours: np.ndarray  # hours a week they could give out of care, at full motivation
    wellbeing: np.ndarray
    motivation: np.ndarray
    give_hours: np.ndarray  # hours a week the person could give at full motivation
    member: np.ndarray
    credits: np.ndarray
    free_rider: np.ndarray
    join_draw: np.ndarray  # fixed uniform: member at week 0 when below timebank_uptake
    contribution: np.ndarray  # recent giving relative to contribution_hours (0-1)
    connectedness: np.ndarray
    given: np.ndarray  # this week
    received: np.ndarray  # this week
    bank_last: np.ndarray  # last week with a time-bank exchange
    hours_given: np.ndarray  # since week 0
    hours_received: np.ndarray  # since week 0


@dataclass
class Professionals:
    """Professionals' posts: capacity, willingness to share, pressure, burnout, vacancies."""

    hours: np.ndarray  # contracted contact hours a week
    willingness: np.ndarray  # the post-holder's own willingness to share power
    willingness_quantile: np.ndarray  # its place in the Beta(sharing_mean, ...) distribution
    lived_rank: np.ndarray  # fixed random order in which posts go to people with lived experience
    sharing: np.ndarray  # willingness, raised for lived experience
    lived_experience: np.ndarray
    pressure: np.ndarray
    burnout: np.ndarray
    vacant_until: np.ndarray  # week the post is filled again; FILLED when in post
    holder: np.ndarray  # who works the post: a new id for each post-holder and each locum
    reserved: np.ndarray  # staff hours already committed to consultation this week
    hours_delivered: np.ndarray  # since week 0
    leavers: np.ndarray  # (52,) leavers in each of the last 52 weeks, by week % 52
    filled: np.ndarray  # (52,) filled posts in each of those weeks

    def in_post(self, week: int) -> np.ndarray:
        """Posts that are filled this week (warm-up weeks are negative)."""
        return self.vacant_until <= week

    def new_holders(self, posts: np.ndarray) -> None:
        """A new person works each of ``posts`` (a recruit or a locum): users meet a stranger."""
        self.holder[posts] = self.holder.max() + 1 + np.arange(np.count_nonzero(posts))


def build_users(params: Params, rng: np.random.Generator, ages: np.ndarray) -> Users:
    """Draw residents of the given ages: need by age and frailty, capability, agency, trust
    and assets. Agency starts at the person's own level; ``at_rest_in_care`` moves it for
    those in care at the start."""
    n = len(ages)
    quantile = rng.random(n)
    baseline = baseline_need_at(params, ages, quantile)
    agency = beta(rng, params.initial_agency_mean, params.initial_agency_concentration, n)
    caseload = (rng.permutation(n) % params.n_professionals).astype(np.int64)  # balanced
    capability = beta(rng, params.capability_mean, params.capability_concentration, n)
    trust = beta(rng, params.initial_trust_mean, params.initial_trust_concentration, n)
    zeros = np.zeros(n)
    return Users(
        age=np.asarray(ages, dtype=float).copy(),
        need_quantile=quantile,
        need=baseline.copy(),
        baseline_need=baseline,
        agency=agency.copy(),
        own_agency=agency,
        capability=capability,
        trust=trust,
        own_trust=trust.copy(),
        plan=zeros.copy(),
        assets=beta(rng, params.assets_mean, params.assets_concentration, n),
        professional=caseload,
        seen_holder=caseload.copy(),  # post i's first holder has id i
        flagged=np.zeros(n, dtype=bool),
        referred_until=np.full(n, NEVER, dtype=np.int64),  # -1 pointed everyone in warm-up weeks
        need_history=np.tile(baseline, (4, 1)),
        met_share=np.ones(n),
        cover=zeros.copy(),
        care_since=np.full(n, NEVER, dtype=np.int64),
        assessment_due=np.full(n, NEVER, dtype=np.int64),
        review_due=np.full(n, NEVER, dtype=np.int64),
        crises=zeros.copy(),
        gp_contacts=zeros.copy(),
        professional_hours=zeros.copy(),
    )


def at_rest_in_care(users: Users, params: Params, in_care: np.ndarray) -> None:
    """Those in care at the start begin with agency where the status quo has brought it in
    their time in care so far, and know their post's holder.

    A spell of care starts at the person's own agency, which then relaxes toward its balance
    at the rate of :func:`agency_rates`; so after t weeks agency is
    ``balance + (own - balance) * exp(-rate * t)``, the balance :func:`rest_agency_factor`
    share of the own level, t counted so that it holds at week 0, after the warm-up.
    Starting everyone at the balance left agency rising by 0.018 over two years as newcomers
    to care, at their own level, replaced them.
    """
    balance, rate = agency_rates(params, users.trust[in_care])
    # the warm-up's sped-up half does (speedup - 1) x its weeks of relaxation more
    ahead = (params.warmup_speedup - 1.0) * fast_weeks(params)
    weeks = np.maximum(-params.warmup_weeks - users.care_since[in_care] - ahead, 0.0)
    share = balance + (1.0 - balance) * np.exp(-rate * weeks)
    users.agency[in_care] = users.own_agency[in_care] * share
    users.seen_holder[in_care] = users.professional[in_care]
    users.need_history[:] = users.need


def agency_rates(params: Params, trust: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(balance as a share of the own level, weekly rate of approach) of agency under the
    status quo at the given trust.

    Under ``expert`` a served week costs ``agency_loss_rate * trust`` of agency and every week
    recovers ``agency_recovery`` of the gap to the person's own level; a person asks (and is,
    mostly, served) with probability ``help_seeking_floor + (1 - floor) * trust``. Agency
    closes its gap to the balance at ``r + l * trust * asks`` a week, and the balance is
    ``r / (r + l * trust * asks)`` of the own level.
    """
    asks = params.help_seeking_floor + (1.0 - params.help_seeking_floor) * trust
    recovery = params.agency_recovery
    rate = recovery + params.agency_loss_rate * trust * asks
    balance = np.divide(recovery, rate, out=np.ones_like(rate), where=rate > 0)
    return balance, rate


def build_community(
    params: Params, users: Users, in_care: np.ndarray, rng: np.random.Generator
) -> Community:
    """Everyone on the network: Gamma-distributed hours to give out of care, a user's assets
    in care. Identity and household are placeholders (slot = id, alone) that
    :func:`build_households` and the model set."""
    n = len(users.need)
    spare = gamma(rng, params.neighbour_hours_mean, params.neighbour_hours_shape, n)
    zeros = np.zeros(n)
    return Community(
        is_user=in_care.copy(),
        agent_id=np.arange(n, dtype=np.int64),
        household=np.arange(n, dtype=np.int64),
        partner=np.full(n, -1, dtype=np.int64),
        spare_hours=spare,
        wellbeing=np.clip(
            rng.normal(params.initial_wellbeing_mean, params.initial_wellbeing_sd, n), 0.0, 1.0
        ),
        motivation=beta(rng, params.motivation_mean, params.motivation_concentration, n),
        give_hours=np.where(in_care, users.assets * params.user_give_hours, spare),
        member=np.zeros(n, dtype=bool),
        credits=zeros.copy(),
        free_rider=rng.random(n) < params.free_rider_share,
        join_draw=rng.random(n),
        contribution=zeros.copy(),
        connectedness=zeros.copy(),
        given=zeros.copy(),
        received=zeros.copy(),
        bank_last=np.full(n, NEVER, dtype=np.int64),
        hours_given=zeros.copy(),
        hours_received=zeros.copy(),
    )


def build_households(
    params: Params, ages: np.ndarray, ring_position: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Households of neighbours along the network's ring (so tied, unless a tie was rewired),
    of size 1 + Poisson, and the partner of each of a household's first two adults; returns
    (household, partner) per slot. Slots are shuffled along the ring, so households of
    consecutive *slots* would be strangers to each other."""
    n = len(ages)
    sizes = 1 + poisson_at(rng.random(n), params.household_size_mean - 1.0)
    along = np.argsort(ring_position)  # the slot at each place of the ring
    household_along = np.repeat(np.arange(n), sizes)[:n].astype(np.int64)
    adult = ages[along] >= ADULT
    starts = np.r_[0, np.flatnonzero(np.diff(household_along)) + 1]
    adults_before = np.cumsum(adult) - adult
    rank = adults_before - np.repeat(adults_before[starts], np.diff(np.r_[starts, n]))
    first = np.flatnonzero(adult & (rank == 0))
    second = np.flatnonzero(adult & (rank == 1))
    # the first adult of each household with a second: pair them
    pairs_first = first[np.isin(household_along[first], household_along[second])]
    household = np.empty(n, dtype=np.int64)
    household[along] = household_along
    partner = np.full(n, -1, dtype=np.int64)
    partner[along[pairs_first]], partner[along[second]] = along[second], along[pairs_first]
    return household, partner


def build_professionals(params: Params, rng: np.random.Generator) -> Professionals:
    """Draw the professionals' posts (hours below 1 a week are raised to 1: a post exists).

    Lived experience is assigned by :func:`assign_lived_experience` when a policy starts, so
    the warm-up runs the same workforce in every scenario. Posts start vacant as often as
    they are at rest (:func:`stationary_vacancies`), so vacancies need no warm-up.
    """
    m = params.n_professionals
    hours = np.maximum(
        rng.normal(params.professional_hours_mean, params.professional_hours_sd, m), 1.0
    )
    quantile = rng.random(m)
    willingness = beta_at(quantile, params.sharing_mean, params.sharing_concentration)
    zeros = np.zeros(m)
    vacant_until = stationary_vacancies(params, rng.random(m), rng.random(m))
    return Professionals(
        hours=hours,
        willingness=willingness,
        willingness_quantile=quantile,
        lived_rank=rng.permutation(m),
        sharing=willingness.copy(),
        lived_experience=np.zeros(m, dtype=bool),
        pressure=zeros.copy(),
        burnout=zeros.copy(),
        vacant_until=vacant_until,
        holder=np.arange(m, dtype=np.int64),
        reserved=zeros.copy(),
        hours_delivered=zeros.copy(),
        leavers=np.zeros(52),
        filled=np.zeros(52),
    )


def stationary_vacancies(params: Params, vacant: np.ndarray, left: np.ndarray) -> np.ndarray:
    """``vacant_until`` of posts drawn from the vacancies' steady state at the warm-up's start.

    With a weekly leaving hazard h and vacancies of D weeks, a post is vacant a share
    hD / (1 + hD) of the time (Little's law), and a vacant post has 1..D weeks to go,
    uniformly. Burnout raises h later; the warm-up absorbs that small difference.
    """
    h, weeks = params.turnover_annual / 52.0, params.vacancy_weeks
    share = h * weeks / (1.0 + h * weeks)
    start = -params.warmup_weeks
    to_go = 1 + np.floor(left * weeks).astype(np.int64)
    return np.where(vacant < share, start + to_go, FILLED).astype(np.int64)


def set_willingness(
    pros: Professionals, params: Params, posts: np.ndarray | slice = slice(None)
) -> None:
    """Each post-holder's willingness at their quantile of Beta(``sharing_mean``,
    ``sharing_concentration``), then lived experience on top: a timeline that moves the mean
    moves everyone, in order.

    ``posts`` (a mask or indices; all by default) limits the redraw to those posts' holders:
    a new holder's (``workforce.update_workforce``), the others keeping what the same Beta
    gave them when the levers last moved. The quantile function costs 1-2 us a post, and at
    10,000 people someone leaves most weeks."""
    pros.willingness[posts] = beta_at(
        pros.willingness_quantile[posts], params.sharing_mean, params.sharing_concentration
    )
    assign_lived_experience(pros, params)


def assign_lived_experience(pros: Professionals, params: Params) -> None:
    """Give an exact count, ``round(lived_experience_share * n)``, of posts to people with
    lived experience (in a fixed random order) and raise their sharing."""
    pros.lived_experience = pros.lived_rank < round(params.lived_experience_share * len(pros.hours))
    bonus = np.where(pros.lived_experience, params.lived_experience_sharing_bonus, 0.0)
    pros.sharing = np.minimum(pros.willingness + bonus, 1.0)

"""The people of the model as arrays: one entry per person, one array per state variable.

Mesa agents (``agents.py``) are the model's face: each reads its state from these arrays, so
the weekly phases can work on a whole population at once (the step loop is the hot path).
Persons ``0..n_users-1`` are service users and the rest neighbours; both live on the community
network and share the community arrays (``Community``); users' care state is in ``Users``.
Every draw here comes from the population stream, so the arms of a comparison start with the
same people (MODEL.md section 9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from coprod.simulation.params import Params

SHAPE_FLOOR = 1e-3
"""Smallest Beta shape drawn from: a mean near 0 or 1 puts (nearly) all mass at that end
already, and a shape of 1e-300 makes scipy's quantile function overflow."""
FILLED = -(10**9)  # ``vacant_until`` of a filled post: before any week, warm-up included


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
    return stats.beta.ppf(quantile, a, b)


def gamma(rng: np.random.Generator, mean: float, shape: float, n: int) -> np.ndarray:
    """Gamma draws by mean and shape, from exactly ``n`` uniforms (see :func:`beta`)."""
    return stats.gamma.ppf(rng.random(n), shape, scale=mean / shape)


@dataclass
class Users:
    """Care state of service users (MODEL.md section 2)."""

    need: np.ndarray
    baseline_need: np.ndarray
    agency: np.ndarray
    own_agency: np.ndarray  # the level agency drifts back to without encounters
    capability: np.ndarray
    trust: np.ndarray
    plan: np.ndarray
    assets: np.ndarray
    professional: np.ndarray  # index of the assigned professional's post
    seen_holder: np.ndarray  # holder of that post at the user's last encounter (continuity)
    flagged: np.ndarray  # flagged by a forum, until contacted or the next forum
    referred_until: np.ndarray  # week until which community givers are pointed to them
    need_history: np.ndarray  # (4, n): need over the last four weeks, for forum flags
    met_share: np.ndarray  # share of last week's need that was met
    cover: np.ndarray  # community help received last week, in need units
    # running totals since week 0
    crises: np.ndarray
    gp_contacts: np.ndarray
    professional_hours: np.ndarray


@dataclass
class Community:
    """State every person on the network has: users and neighbours alike."""

    is_user: np.ndarray
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


def build_users(params: Params, rng: np.random.Generator) -> Users:
    """Draw the service users: heterogeneous need, capability, agency, trust and assets."""
    n = params.n_users
    baseline = beta(rng, params.baseline_need_mean, params.baseline_need_concentration, n)
    agency = beta(rng, params.initial_agency_mean, params.initial_agency_concentration, n)
    caseload = (rng.permutation(n) % params.n_professionals).astype(np.int64)  # balanced
    capability = beta(rng, params.capability_mean, params.capability_concentration, n)
    trust = beta(rng, params.initial_trust_mean, params.initial_trust_concentration, n)
    zeros = np.zeros(n)
    return Users(
        need=baseline.copy(),
        baseline_need=baseline,
        agency=agency * rest_agency_factor(params, trust),
        own_agency=agency,
        capability=capability,
        trust=trust,
        plan=zeros.copy(),
        assets=beta(rng, params.assets_mean, params.assets_concentration, n),
        professional=caseload,
        seen_holder=caseload.copy(),  # post i's first holder has id i
        flagged=np.zeros(n, dtype=bool),
        referred_until=np.full(n, -1, dtype=np.int64),
        need_history=np.tile(baseline, (4, 1)),
        met_share=np.ones(n),
        cover=zeros.copy(),
        crises=zeros.copy(),
        gp_contacts=zeros.copy(),
        professional_hours=zeros.copy(),
    )


def rest_agency_factor(params: Params, trust: np.ndarray) -> np.ndarray:
    """Where agency comes to rest under the status quo, as a share of the person's own level.

    Under ``expert`` a served week costs ``agency_loss_rate * trust`` of agency and every week
    recovers ``agency_recovery`` of the gap to the person's own level; a person asks (and is,
    mostly, served) with probability ``help_seeking_floor + (1 - floor) * trust``. The balance
    of the two is ``r / (r + l * trust * asks)``. Starting there, at the person's starting
    trust, spares the warm-up most of agency's 113-week relaxation (MODEL.md section 10.1).
    """
    asks = params.help_seeking_floor + (1.0 - params.help_seeking_floor) * trust
    loss = params.agency_loss_rate * trust * asks
    recovery = params.agency_recovery
    return np.divide(recovery, recovery + loss, out=np.ones_like(trust), where=recovery + loss > 0)


def build_community(params: Params, users: Users, rng: np.random.Generator) -> Community:
    """Everyone on the network: users first, then neighbours with Gamma-distributed hours."""
    n_users, n = params.n_users, params.n_users + params.n_neighbours
    neighbour_hours = gamma(
        rng, params.neighbour_hours_mean, params.neighbour_hours_shape, params.n_neighbours
    )
    zeros = np.zeros(n)
    is_user = np.arange(n) < n_users
    return Community(
        is_user=is_user,
        wellbeing=np.clip(
            rng.normal(params.initial_wellbeing_mean, params.initial_wellbeing_sd, n), 0.0, 1.0
        ),
        motivation=beta(rng, params.motivation_mean, params.motivation_concentration, n),
        give_hours=np.concatenate([users.assets * params.user_give_hours, neighbour_hours]),
        member=np.zeros(n, dtype=bool),
        credits=zeros.copy(),
        free_rider=rng.random(n) < params.free_rider_share,
        join_draw=rng.random(n),
        contribution=zeros.copy(),
        connectedness=zeros.copy(),
        given=zeros.copy(),
        received=zeros.copy(),
        bank_last=np.full(n, -(10**6), dtype=np.int64),
        hours_given=zeros.copy(),
        hours_received=zeros.copy(),
    )


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


def set_willingness(pros: Professionals, params: Params) -> None:
    """Each post-holder's willingness at their quantile of Beta(``sharing_mean``,
    ``sharing_concentration``), then lived experience on top: a timeline that moves the mean
    moves everyone, in order."""
    pros.willingness = beta_at(
        pros.willingness_quantile, params.sharing_mean, params.sharing_concentration
    )
    assign_lived_experience(pros, params)


def assign_lived_experience(pros: Professionals, params: Params) -> None:
    """Give an exact count, ``round(lived_experience_share * n)``, of posts to people with
    lived experience (in a fixed random order) and raise their sharing."""
    pros.lived_experience = pros.lived_rank < round(params.lived_experience_share * len(pros.hours))
    bonus = np.where(pros.lived_experience, params.lived_experience_sharing_bonus, 0.0)
    pros.sharing = np.minimum(pros.willingness + bonus, 1.0)

"""The time bank as it is run (MODEL.md section 10.5): a coordinator, a pool, members, matching.

Version 1's bank signed up a tenth of everyone at once, grew to nearly half the population and
let every member trade with every other through a broker of unlimited capacity. A bank as run
is smaller and slower: a funded coordinator post matches a limited number of exchanges a week
and recruits by outreach, members recruit their ties by word of mouth, only a finite pool of
residents would ever join, registered members drift in and out of activity (the inactive are
the usual majority), and the broker matches members who live in the same area. A bank tie
counts for connectedness only above a minimum exchange, and a bank whose funding ends closes:
its members' credits lapse and, no longer recognised, givers' motivation falls back.

Every draw that decides who joins, leaves or trades comes from the bank's own stream, which
draws the same number of uniforms every week whatever happens, so replicate i of every
scenario sees the same uniforms in the same week (MODEL.md section 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

from coprod.simulation.care import allocate
from coprod.simulation.compiled import kernel
from coprod.simulation.network import Ties
from coprod.simulation.params import Params
from coprod.simulation.population import Community
from coprod.simulation.rules import RECIPROCITY_RULES, ReciprocityRule

#: Rows of the bank's weekly uniforms, one per decision, so that no decision shifts another's.
OUTREACH, WORD_OF_MOUTH, LEAVE, ACTIVITY, ASK, SERVE, GIVE = range(7)


@dataclass
class TimeBank:
    """Who could join, where they live for matching, who trades, and the bank's own stream."""

    reachable: np.ndarray  # bool, fixed: would ever join (the finite reachable pool)
    area: np.ndarray  # int, fixed: the matching area (a segment of the network's ring)
    n_areas: int
    active: np.ndarray  # bool: a registered member who offers and asks this week
    rng: np.random.Generator
    uniforms: np.ndarray = field(init=False)  # this week's draws, (7, n)
    exchanges: int = 0  # matched exchanges this week

    def __post_init__(self) -> None:
        self.uniforms = np.zeros((GIVE + 1, len(self.reachable)))

    def draw(self) -> None:
        """This week's uniforms: the same count every week, bank open or not."""
        self.uniforms = self.rng.random((GIVE + 1, len(self.reachable)))


def build_timebank(params: Params, ring_position: np.ndarray, rng: np.random.Generator) -> TimeBank:
    """The pool and the areas, from a stream of the bank's own (a child of ``rng``), so no
    other draw of the population moves when a time-bank parameter changes."""
    stream = rng.spawn(1)[0]
    n = len(ring_position)
    n_areas = max(1, round(n / params.timebank_area_size))
    return TimeBank(
        reachable=stream.random(n) < params.timebank_reach,
        area=(ring_position * n_areas // max(n, 1)).astype(np.int64),
        n_areas=n_areas,
        active=np.zeros(n, dtype=bool),
        rng=stream,
    )


def funded(rule: ReciprocityRule, params: Params) -> ReciprocityRule:
    """The rule as it acts: a time bank without a coordinator post is closed, and its
    neighbourhood helps along ties as under ``none`` (MODEL.md sections 3 and 10.5)."""
    if rule.bank and params.coordinator_posts <= 0:
        return RECIPROCITY_RULES["none"]
    return rule


def open_bank(bank: TimeBank, comm: Community, params: Params) -> None:
    """A bank opens with founding members: a share ``timebank_uptake`` of its reachable pool
    (the same people in every scenario: a fixed uniform per person), all active."""
    comm.member = bank.reachable & (comm.join_draw < params.timebank_uptake)
    bank.active = comm.member.copy()


def close_bank(bank: TimeBank, comm: Community) -> None:
    """Funding ends: membership and credits lapse; recognition, and with it givers'
    motivation, falls back to that of unrecognised goodwill over the following weeks."""
    comm.member[:] = False
    comm.credits[:] = 0.0
    bank.active[:] = False


def refer(bank: TimeBank, comm: Community, referred: np.ndarray) -> None:
    """Professionals refer people to the bank: those of the reachable pool join, active."""
    joining = referred & bank.reachable & ~comm.member
    comm.member |= joining
    bank.active |= joining


def bank_exchange(
    comm: Community,
    bank: TimeBank,
    params: Params,
    week: int,
    hours: np.ndarray,
    still_wanted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, float]:
    """The coordinator matches active members' requests with offers in the same area.

    A member asks for one exchange of ``timebank_exchange_hours`` with a chance that makes
    the hours asked, on average, the help they would still welcome (help comes in visits, not
    slivers); a member who asks this week does not also offer. Free riders ask
    ``free_rider_draw`` times as often and offer as much less; nobody may draw below
    ``-credit_limit``. At most ``coordinator_posts * coordinator_capacity``
    requests are met a week (in a random order); within an area the broker asks givers in a
    random order until the matched requests are covered, so a few givers give their whole
    offer rather than everyone a sliver. Returns hours given and taken, and the share of
    requests met (``bank_fill``: givers stay only if they can spend what they earn).
    """
    engaged = np.flatnonzero(bank.active & comm.member)
    bank.exchanges = 0
    if len(engaged) == 0:
        return np.zeros(len(hours)), np.zeros(len(hours)), 1.0
    area, request, offer, supply, candidates, serve_draw, give_draw = _bank_offers(
        engaged,
        bank.area,
        comm.free_rider,
        comm.credits,
        np.asarray(still_wanted, np.float64),
        np.asarray(hours, np.float64),
        bank.uniforms,
        params.free_rider_draw,
        params.credit_limit,
        params.timebank_exchange_hours,
        bank.n_areas,
    )
    capacity = int(params.coordinator_posts * params.coordinator_capacity)
    served = within_capacity(candidates, serve_draw, capacity)
    asked, matched = _bank_matched(area, request, supply, served)
    give, take = np.zeros(len(hours)), np.zeros(len(hours))
    take[engaged] = allocate(area, serve_draw, asked, matched)
    give[engaged] = allocate(area, give_draw, offer, matched)
    bank.exchanges = _bank_settle(
        give, take, comm.credits, comm.bank_last, week, params.timebank_min_tie_hours
    )
    return give, take, float(take.sum() / request.sum()) if request.sum() > 0 else 1.0


# bank_exchange's arithmetic, compiled around the coordinator's choice (numpy's argpartition
# stays as it was) and the allocations: thirty array operations on the members a week cost
# 75 us at any size (issue 16). Each step is the array version's, element by element in its
# order, bincounts as running sums in index order as numpy's are (tests/test_week_kernels.py
# compares).
@kernel
def _bank_offers(
    engaged: np.ndarray,
    area_of: np.ndarray,
    free_rider: np.ndarray,
    credits: np.ndarray,
    still_wanted: np.ndarray,
    hours: np.ndarray,
    uniforms: np.ndarray,
    free_rider_draw: float,
    credit_limit: float,
    exchange_hours: float,
    n_areas: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per engaged member: (area, hours requested, hours offered, each area's supply, who
    can be served, their SERVE and GIVE uniforms)."""
    k = len(engaged)
    area, request, offer = np.empty(k, np.int64), np.empty(k), np.empty(k)
    serve_draw, give_draw = np.empty(k), np.empty(k)
    supply = np.zeros(n_areas)
    for j in range(k):
        person = engaged[j]
        area[j] = area_of[person]
        thrift = free_rider_draw if free_rider[person] else 1.0
        headroom = np.maximum(credits[person] + credit_limit, 0.0)
        wants = still_wanted[person] * thrift / exchange_hours
        asks = uniforms[ASK, person] < wants
        request[j] = np.minimum(exchange_hours, headroom) if asks else 0.0
        offer[j] = 0.0 if request[j] > 0 else hours[person] / thrift
        supply[area[j]] += offer[j]
        serve_draw[j], give_draw[j] = uniforms[SERVE, person], uniforms[GIVE, person]
    candidates = np.empty(k, np.bool_)
    for j in range(k):
        candidates[j] = request[j] > 0 and supply[area[j]] > 0
    return area, request, offer, supply, candidates, serve_draw, give_draw


@kernel
def _bank_matched(
    area: np.ndarray, request: np.ndarray, supply: np.ndarray, served: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(hours asked of those the coordinator serves, each area's matched hours: what they
    ask, at most its supply)."""
    asked = np.where(served, request, 0.0)
    matched = np.zeros(len(supply))
    for j in range(len(area)):
        matched[area[j]] += asked[j]
    return asked, np.minimum(matched, supply)


@kernel
def _bank_settle(
    give: np.ndarray,
    take: np.ndarray,
    credits: np.ndarray,
    bank_last: np.ndarray,
    week: int,
    min_tie_hours: float,
) -> int:
    """Credits moved and bank ties dated, in place; returns the exchanges matched."""
    exchanges = 0
    for person in range(len(credits)):
        credits[person] += give[person] - take[person]
        exchanges += take[person] > 0
        both = give[person] + take[person]
        if both > 0 and both >= min_tie_hours:
            bank_last[person] = week
    return exchanges


def within_capacity(candidates: np.ndarray, order: np.ndarray, capacity: int) -> np.ndarray:
    """The candidates the coordinator gets to: all of them, or the ``capacity`` first in a
    random ``order`` (lowest uniforms) when there are more."""
    chosen = np.flatnonzero(candidates)
    if len(chosen) <= capacity:
        return candidates
    keep = np.zeros(len(candidates), dtype=bool)
    if capacity > 0:
        keep[chosen[np.argpartition(order[chosen], capacity - 1)[:capacity]]] = True
    return keep


def churn(bank: TimeBank, comm: Community, ties: Ties, params: Params) -> None:
    """Who joins, leaves, starts and stops trading this week.

    Outreach: the coordinator signs up ``coordinator_posts * coordinator_outreach`` residents
    a week (in expectation) from the reachable pool not yet registered. Word of mouth: each tie
    to an active member brings a reachable resident in with chance ``recruit_rate``.
    Newcomers start active. Registered members leave at ``membership_lapse`` a week (keeping
    their credits, should they come back); active members stop trading at
    ``timebank_activity_lapse`` and inactive ones start again at ``timebank_activation``.
    """
    trading, candidates, contacts = _bank_contacts(
        bank.active, comm.member, bank.reachable, ties.source, ties.target
    )
    pool = np.count_nonzero(candidates)
    outreach = params.coordinator_posts * params.coordinator_outreach / pool if pool else 0.0
    word_of_mouth = 1.0 - (1.0 - params.recruit_rate) ** contacts  # numpy's own power
    bank.active, comm.member = _bank_turnover(
        bank.uniforms,
        trading,
        candidates,
        bank.active,
        comm.member,
        outreach,
        word_of_mouth,
        params.membership_lapse,
        params.timebank_activity_lapse,
        params.timebank_activation,
    )


@numba.njit(cache=True, nogil=True)
def _bank_contacts(
    active: np.ndarray,
    member: np.ndarray,
    reachable: np.ndarray,
    source: np.ndarray,
    target: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(members trading, reachable residents not registered, each resident's ties to a
    member trading: a running sum in tie order, as ``np.bincount`` adds)."""
    trading = active & member
    candidates = reachable & ~member
    contacts = np.zeros(len(member))
    for tie in range(len(target)):
        contacts[target[tie]] += trading[source[tie]]
    return trading, candidates, contacts


@numba.njit(cache=True, nogil=True)
def _bank_turnover(
    uniforms: np.ndarray,
    trading: np.ndarray,
    candidates: np.ndarray,
    active: np.ndarray,
    member: np.ndarray,
    outreach: float,
    word_of_mouth: np.ndarray,
    lapse: float,
    activity_lapse: float,
    activation: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The week's joiners, leavers, stops and starts from the bank's uniforms; returns the
    new (active, member) flags."""
    now_active, now_member = np.empty(len(member), np.bool_), np.empty(len(member), np.bool_)
    for person in range(len(member)):
        joining = candidates[person] and (
            uniforms[OUTREACH, person] < outreach
            or uniforms[WORD_OF_MOUTH, person] < word_of_mouth[person]
        )
        leaving = member[person] and uniforms[LEAVE, person] < lapse
        stops = trading[person] and uniforms[ACTIVITY, person] < activity_lapse
        starts = member[person] and not active[person] and uniforms[ACTIVITY, person] < activation
        now_active[person] = ((active[person] and not stops) or starts or joining) and not leaving
        now_member[person] = (member[person] and not leaving) or joining
    return now_active, now_member


def bank_metrics(bank: TimeBank, comm: Community, posts: float) -> dict[str, float]:
    """The bank's state as its records show it (MODEL.md 10.10): registered members (the
    same count as ``timebank_members``), active members, and the coordinator posts funded
    (0 while no bank is open)."""
    return {
        "timebank_registered": float(np.count_nonzero(comm.member)),
        "timebank_active": float(np.count_nonzero(bank.active & comm.member)),
        "coordinator_posts": posts,
    }

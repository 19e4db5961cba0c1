"""Community exchange under the reciprocity rule: phase 4 of a week (MODEL.md section 4).

Givers split the hours their motivation allows among their ties in proportion to what each
would welcome (users' low-level need; a little for neighbours). Under direct reciprocity help
to those who have not helped back is scaled down; under a time bank members give and take
through a broker across the whole bank, earning and spending credits. Help received meets
low-level need next week and breaks isolation; giving raises the giver's sense of being valued
and, for users, their agency. Motivation follows recognition: low for unrecognised goodwill,
higher when help is returned or credits can be spent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coprod.simulation.care import allocate
from coprod.simulation.network import Ties
from coprod.simulation.params import Params
from coprod.simulation.population import Community, Users
from coprod.simulation.rules import ReciprocityRule


@dataclass
class TieLedger:
    """Memory of the community: when help last flowed along each directed tie."""

    last_given: np.ndarray  # week of the last help along each edge
    bank_fill: float = 1.0  # running share of members' requests the bank met


@dataclass
class ExchangeWeek:
    """Totals of one week's community exchange."""

    community_hours: float
    timebank_hours: float
    active_givers: int


def welcome_hours(users: Users, params: Params, in_care: np.ndarray) -> np.ndarray:
    """Hours of help each person would welcome this week (MODEL.md: low-level need)."""
    wanted = users.need * params.community_need_share * params.hours_per_need
    return np.where(in_care, wanted, params.neighbour_demand)


def informal_help(
    ties: Ties,
    ledger: TieLedger,
    rule: ReciprocityRule,
    params: Params,
    week: int,
    hours: np.ndarray,
    wanted: np.ndarray,
    pointed: np.ndarray,
) -> np.ndarray:
    """Hours given along each directed tie.

    Each giver helps the ties who need it most first, as far as their hours go; a ``pointed``
    (referred) person's need counts ``referral_weight`` times in that order. Under direct
    reciprocity givers offer those who have not helped back only ``unreciprocated_share`` of
    what they need. A person offered more than they want takes a proportional part from each
    giver; gifts below ``min_exchange_hours`` are not made.
    """
    helped_back = ledger.last_given[ties.reverse] > week - params.reciprocity_window
    factor = rule.tie_factor(params, helped_back)
    offer = wanted[ties.target] * factor
    priority = offer * np.where(pointed, params.referral_weight, 1.0)[ties.target]
    flow = allocate(ties.source, priority, offer, hours)
    received = np.bincount(ties.target, flow, minlength=len(hours))
    scale = np.divide(wanted, received, out=np.ones_like(wanted), where=received > wanted)
    flow = flow * scale[ties.target]
    return np.where(flow >= params.min_exchange_hours, flow, 0.0)


def bank_exchange(
    comm: Community,
    ledger: TieLedger,
    params: Params,
    week: int,
    hours: np.ndarray,
    still_wanted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The broker matches members' offers and requests across the whole bank.

    Free riders ask ``free_rider_draw`` times what they need and offer as much less; nobody
    may draw below ``-credit_limit``, which is what protects the bank from being drained.
    """
    member = comm.member
    thrift = np.where(comm.free_rider, params.free_rider_draw, 1.0)
    offer = np.where(member, hours / thrift, 0.0)
    headroom = np.maximum(comm.credits + params.credit_limit, 0.0)
    request = np.where(member, np.minimum(still_wanted * thrift, headroom), 0.0)
    offered, requested = offer.sum(), request.sum()
    matched = min(offered, requested)
    give = offer * (matched / offered) if offered > 0 else offer
    take = request * (matched / requested) if requested > 0 else request
    comm.credits += give - take
    fill = matched / requested if requested > 0 else 1.0
    ledger.bank_fill += params.running_mean_weight * (fill - ledger.bank_fill)
    comm.bank_last[(give > 0) | (take > 0)] = week
    return give, take


def exchange(
    comm: Community,
    users: Users,
    ties: Ties,
    ledger: TieLedger,
    rule: ReciprocityRule,
    params: Params,
    week: int,
) -> ExchangeWeek:
    """Phase 4: one week of community help under the reciprocity rule."""
    wanted = welcome_hours(users, params, comm.is_user)
    capacity = comm.give_hours * comm.motivation * np.where(comm.is_user, users.agency, 1.0)
    informal_giver = ~comm.is_user | rule.users_give
    if rule.bank:
        informal_giver &= ~comm.member
    pointed = (users.referred_until >= week) & comm.is_user
    flow = informal_help(
        ties, ledger, rule, params, week, capacity * informal_giver, wanted, pointed
    )
    ledger.last_given[flow > 0] = week
    given = np.bincount(ties.source, flow, minlength=len(wanted))
    received = np.bincount(ties.target, flow, minlength=len(wanted))
    bank_hours = 0.0
    if rule.bank:
        give, take = bank_exchange(
            comm, ledger, params, week, capacity, np.maximum(wanted - received, 0.0)
        )
        given, received, bank_hours = given + give, received + take, float(give.sum())
    comm.given, comm.received = given, received
    comm.hours_given += given
    comm.hours_received += received
    users.cover = np.where(
        comm.is_user,
        np.minimum(
            params.community_efficacy * received / params.hours_per_need,
            users.need * params.community_need_share,
        ),
        0.0,
    )
    return ExchangeWeek(
        community_hours=float(given.sum()),
        timebank_hours=bank_hours,
        active_givers=int(np.count_nonzero(given > 0)),
    )


def after_exchange(
    comm: Community,
    users: Users,
    ties: Ties,
    ledger: TieLedger,
    rule: ReciprocityRule,
    params: Params,
    week: int,
) -> None:
    """Giving and being helped change people: connectedness, contribution, agency, motivation."""
    recent = week - params.reciprocity_window
    gave = ledger.last_given > recent
    back = ledger.last_given[ties.reverse] > recent
    n = len(comm.is_user)
    active_ties = np.bincount(ties.source, gave | back, minlength=n)
    bank_tie = comm.member & (comm.bank_last > recent) if rule.bank else np.zeros(n, bool)
    ties_total = ties.degree + (comm.member if rule.bank else 0)
    comm.connectedness = np.divide(
        active_ties + bank_tie, ties_total, out=np.zeros(n), where=ties_total > 0
    )
    gave_to = np.bincount(ties.source, gave, minlength=n)
    reciprocated = np.divide(
        np.bincount(ties.source, gave & back, minlength=n),
        gave_to,
        out=np.zeros(n),
        where=gave_to > 0,
    )
    full = np.minimum(comm.given / params.contribution_hours, 1.0)
    comm.contribution += params.running_mean_weight * (full - comm.contribution)
    gain = params.giving_agency_gain * full * comm.is_user
    users.agency = np.minimum(users.agency + gain * (1.0 - users.agency), 1.0)
    recognition = rule.recognition(params, reciprocated, comm.member, ledger.bank_fill)
    comm.motivation += params.motivation_rate * (recognition - comm.motivation)


def churn_members(
    comm: Community, users: Users, ties: Ties, params: Params, behaviour: np.random.Generator
) -> None:
    """Who joins and leaves the bank: bridge builders bring people in (a member user may
    recruit one of their ties, the more readily the higher their agency), and members drift
    away at ``membership_lapse`` a week. Referrals from encounters join elsewhere."""
    leaving = comm.member & (behaviour.random(len(comm.member)) < params.membership_lapse)
    n = len(users.need)
    degree = ties.degree
    tries = comm.member & comm.is_user & (degree > 0)
    chance = behaviour.random(n) < params.recruit_rate * users.agency
    pick = ties.start[:n] + np.floor(behaviour.random(n) * degree).astype(np.int64)
    recruiters = np.flatnonzero(tries & chance)
    comm.member[ties.target[pick[recruiters]]] = True
    comm.member &= ~leaving

"""Community exchange under the reciprocity rule: phase 4 of a week (MODEL.md section 4).

Givers split the hours their motivation allows among their ties in proportion to what each
would welcome (users' low-level need; a little for neighbours). Under direct reciprocity help
to those who have not helped back is scaled down; under a time bank its active members give
and take through the coordinator (``timebank``), earning and spending credits. Help received meets
low-level need next week and breaks isolation; giving raises the giver's sense of being valued
and, for users, their agency. Motivation follows recognition: low for unrecognised goodwill,
higher when help is returned or credits can be spent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from coprod.simulation.care import order_segments, serve_in_order
from coprod.simulation.compiled import kernel, minimum
from coprod.simulation.network import Ties
from coprod.simulation.params import Params
from coprod.simulation.population import Community, Users
from coprod.simulation.rules import ReciprocityRule
from coprod.simulation.timebank import TimeBank, bank_exchange


@dataclass
class TieLedger:
    """Memory of the community: when help last flowed along each directed tie, and along its
    twin. ``last_back`` is ``last_given[reverse]`` kept up to date as help is recorded, so
    "did they help me back?" reads the edges in order: looked up through ``reverse`` it was a
    random read per tie, most of the exchange's time at a million people."""

    last_given: np.ndarray  # week of the last help along each edge (int32 in a model)
    last_back: np.ndarray  # week of the last help along each edge's twin
    bank_fill: float = 1.0  # running share of members' requests the bank met

    @classmethod
    def of(cls, last_given: np.ndarray, reverse: np.ndarray) -> TieLedger:
        """The ledger of ``last_given`` over ties whose twins are ``reverse``."""
        last_given = np.asarray(last_given)
        return cls(last_given=last_given, last_back=last_given[reverse])

    def book(self, ties: Ties, flow: np.ndarray, week: int) -> tuple[np.ndarray, np.ndarray]:
        """Help flowed along ``ties`` this ``week`` (hours per directed tie): remember the ties
        it flowed along, and return the hours each person gave and received."""
        return _book(
            ties.start, ties.target, ties.reverse, flow, self.last_given, self.last_back, week
        )

    def forget(self, edges: np.ndarray, week: int) -> None:
        """``edges`` (a set closed under reversal) carry no memory: as of ``week``."""
        self.last_given[edges] = week
        self.last_back[edges] = week


@dataclass
class ExchangeWeek:
    """Totals of one week's community exchange."""

    community_hours: float
    timebank_hours: float
    active_givers: int
    matched_exchanges: int


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
    return _share_out(
        ties.start,
        ties.target,
        ledger.last_back,
        week - params.reciprocity_window,
        rule.unhelped_share(params),
        np.asarray(wanted, np.float64),
        np.where(pointed, params.referral_weight, 1.0),
        np.asarray(hours, np.float64),
        params.min_exchange_hours,
    )


@numba.njit(cache=True, nogil=True)
def _share_out(
    start: np.ndarray,
    target: np.ndarray,
    last_back: np.ndarray,
    recent: int,
    unhelped: float,
    wanted: np.ndarray,
    weight: np.ndarray,
    hours: np.ndarray,
    min_hours: float,
) -> np.ndarray:
    """``informal_help``'s kernel: each giver's offers in order of weighted need (the giver's
    own rows of the CSR, so no sort across the network), the hours shared out as
    ``care.allocate`` does (one running sum over every offer, each giver's start subtracted:
    the same additions in the same order, so the same bits), then each person's
    proportional take. A tie whose taker has not helped back since ``recent`` carries the
    ``unhelped`` share of its offer."""
    taker = np.empty((len(wanted), 2))  # a taker's want and weight side by side: one read
    taker[:, 0], taker[:, 1] = wanted, weight
    offer = np.empty(len(target))
    priority = np.empty(len(target))
    for tie in range(len(target)):
        offer[tie] = taker[target[tie], 0] * (1.0 if last_back[tie] > recent else unhelped)
        priority[tie] = offer[tie] * taker[target[tie], 1]
    members, bounds = _offers_by_giver(start, offer)
    order_segments(members, bounds, priority)
    flow = serve_in_order(members, bounds, offer, hours)
    received = np.zeros(len(wanted))
    for tie in range(len(flow)):
        received[target[tie]] += flow[tie]
    scale = np.ones(len(wanted))  # per person, then read once per tie
    for person in range(len(wanted)):
        if received[person] > wanted[person]:
            scale[person] = wanted[person] / received[person]
    for tie in range(len(flow)):
        scaled = flow[tie] * scale[target[tie]]
        flow[tie] = scaled if scaled >= min_hours else 0.0
    return flow


@numba.njit(cache=True, nogil=True)
def _offers_by_giver(start: np.ndarray, offer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ties with an offer, by giver in index order (the CSR's own order: what the counting
    sort of ``care.allocate`` gives for ties grouped by their source), and each giver's bounds."""
    bounds = np.zeros(len(start), np.int64)
    members = np.empty(len(offer), np.int64)
    kept = 0
    for giver in range(len(start) - 1):
        for tie in range(start[giver], start[giver + 1]):
            if offer[tie] > 0:
                members[kept] = tie
                kept += 1
        bounds[giver + 1] = kept
    return members[:kept], bounds


@numba.njit(cache=True, nogil=True)
def _book(
    start: np.ndarray,
    target: np.ndarray,
    reverse: np.ndarray,
    flow: np.ndarray,
    last_given: np.ndarray,
    last_back: np.ndarray,
    week: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``TieLedger.book``'s kernel, for what five array passes did (the ties with a flow,
    the two ledger writes, a ``bincount`` by giver and one by taker), adding in the order
    ``bincount`` adds, so the same bits. Three plain loops, not one: a loop doing all of it
    at once kept fewer memory reads in flight and took three times as long at a million
    people (94 ms against 32; the array passes 68)."""
    given, received = np.zeros(len(start) - 1), np.zeros(len(start) - 1)
    for giver in range(len(start) - 1):
        total = 0.0
        for tie in range(start[giver], start[giver + 1]):
            total += flow[tie]
        given[giver] = total
    for tie in range(len(flow)):
        received[target[tie]] += flow[tie]
    for tie in range(len(flow)):
        if flow[tie] > 0:
            last_given[tie] = week
            last_back[reverse[tie]] = week
    return given, received


def exchange(
    comm: Community,
    users: Users,
    ties: Ties,
    ledger: TieLedger,
    rule: ReciprocityRule,
    params: Params,
    week: int,
    bank: TimeBank,
) -> ExchangeWeek:
    """Phase 4: one week of community help under the reciprocity rule; active members of an
    open time bank give through the bank, everyone else along their ties."""
    wanted = welcome_hours(users, params, comm.is_user)
    capacity = comm.give_hours * comm.motivation * np.where(comm.is_user, users.agency, 1.0)
    informal_giver = ~comm.is_user | rule.users_give
    if rule.bank:
        informal_giver &= ~(bank.active & comm.member)
    pointed = (users.referred_until >= week) & comm.is_user
    flow = informal_help(
        ties, ledger, rule, params, week, capacity * informal_giver, wanted, pointed
    )
    given, received = ledger.book(ties, flow, week)
    bank_hours = 0.0
    if rule.bank:
        give, take, fill = bank_exchange(
            comm, bank, params, week, capacity, np.maximum(wanted - received, 0.0)
        )
        ledger.bank_fill += params.running_mean_weight * (fill - ledger.bank_fill)
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
        matched_exchanges=bank.exchanges if rule.bank else 0,
    )


def after_exchange(
    comm: Community,
    users: Users,
    ties: Ties,
    ledger: TieLedger,
    rule: ReciprocityRule,
    params: Params,
    week: int,
    bank: TimeBank,
) -> None:
    """Giving and being helped change people: connectedness, contribution, agency, motivation.

    A recent bank exchange of at least ``timebank_min_tie_hours`` is one more active tie (of
    one more tie): joining the bank without trading neither raises nor lowers connectedness.
    """
    recent = week - params.reciprocity_window
    n = len(comm.is_user)
    active_ties, gave_to, gave_and_back = _tie_counts(
        ties.source, ledger.last_given, ledger.last_back, recent, n
    )
    comm.connectedness, reciprocated, users.agency = _after_giving(
        ties.start,
        active_ties,
        gave_to,
        gave_and_back,
        comm.member,
        comm.bank_last,
        recent,
        rule.bank,
        comm.given,
        comm.contribution,
        comm.is_user,
        users.agency,
        params.contribution_hours,
        params.running_mean_weight,
        params.giving_agency_gain,
    )
    trading = bank.active & comm.member
    recognition = rule.recognition(params, reciprocated, trading, ledger.bank_fill)
    _motivated(comm.motivation, recognition, params.motivation_rate)


# after_exchange's arithmetic, compiled (issue 16): the array version's expressions element
# by element in their order (tests/test_phase_kernels.py keeps it and compares the bits).
@kernel
def _after_giving(
    start: np.ndarray,
    active_ties: np.ndarray,
    gave_to: np.ndarray,
    gave_and_back: np.ndarray,
    member: np.ndarray,
    bank_last: np.ndarray,
    recent: int,
    bank: bool,
    given: np.ndarray,
    contribution: np.ndarray,
    in_care: np.ndarray,
    agency: np.ndarray,
    contribution_hours: float,
    running_mean_weight: float,
    agency_gain: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(connectedness, share of recent partners who helped back, agency); contribution
    moves in place. A recent bank exchange (``bank`` open) is one more active tie of one
    more tie; the degrees come from the CSR starts (``Ties.degree``)."""
    n = len(in_care)
    connectedness, reciprocated, new_agency = np.empty(n), np.empty(n), np.empty(n)
    for person in range(n):
        bank_tie = bank and member[person] and bank_last[person] > recent
        total = start[person + 1] - start[person] + bank_tie
        connectedness[person] = (active_ties[person] + bank_tie) / total if total > 0 else 0.0
        reciprocated[person] = (
            gave_and_back[person] / gave_to[person] if gave_to[person] > 0 else 0.0
        )
        full = minimum(given[person] / contribution_hours, 1.0)
        contribution[person] += running_mean_weight * (full - contribution[person])
        gain = agency_gain * full * in_care[person]
        new_agency[person] = minimum(agency[person] + gain * (1.0 - agency[person]), 1.0)
    return connectedness, reciprocated, new_agency


@kernel
def _motivated(motivation: np.ndarray, recognition: np.ndarray, rate: float) -> None:
    """Motivation a step toward recognition, in place."""
    for person in range(len(motivation)):
        motivation[person] += rate * (recognition[person] - motivation[person])


@numba.njit(cache=True, nogil=True)
def _tie_counts(
    source: np.ndarray, last_given: np.ndarray, last_back: np.ndarray, recent: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person, ties with help either way since ``recent``, ties they gave along, and
    those of these that helped back: one pass over the ties (counts, as float64)."""
    active, gave_to, gave_and_back = np.zeros(n), np.zeros(n), np.zeros(n)
    for tie in range(len(source)):
        gave = last_given[tie] > recent
        back = last_back[tie] > recent
        person = source[tie]
        active[person] += gave or back
        gave_to[person] += gave
        gave_and_back[person] += gave and back
    return active, gave_to, gave_and_back

"""Family carers (MODEL.md 10.2): informal care under strain that can break down.

A share ``carer_share`` of people have a carer who can care (not in care themselves): their
household partner where they have one, else one of their network ties, chosen by fixed
per-person draws at build time, so the same people have the same
carers in every scenario (common random numbers). While the person is in care at home the
carer gives hours rising with the person's need; those hours meet part of the need and lower
what the person asks of services and the package an assessment gives. The caring load net of
respite (the package's hours) sets where strain comes to rest; a carer above
``carer_breakdown_strain`` may break down, stops caring for ``carer_break_weeks`` and brings a
re-assessment forward (a placement may follow). A carer's wellbeing is their own community
wellbeing less what strain costs, plus a small gain from taking part in decisions when power
is shared. Arrays are per person slot (the cared-for person), length ``n_people``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coprod.simulation.compiled import kernel, pairwise_sum
from coprod.simulation.metrics import selected
from coprod.simulation.network import Ties
from coprod.simulation.params import Params

NONE = -1  # ``carer`` of a person without one


@dataclass
class Carers:
    """Carers, indexed by the slot of the person they care for."""

    carer: np.ndarray  # slot of the person's carer, NONE without one
    strain: np.ndarray  # 0-1
    wellbeing: np.ndarray  # 0-1
    hours: np.ndarray  # caring hours this week
    broken_until: np.ndarray  # week from which a carer who broke down cares again
    breakdowns: np.ndarray  # bool: broke down this week

    @property
    def carer_of(self) -> np.ndarray:
        """Per person slot: the slot of the person they care for, or NONE."""
        out = np.full(len(self.carer), NONE, dtype=np.int64)
        has = self.carer >= 0
        out[self.carer[has]] = np.flatnonzero(has)
        return out


def choose_carers(
    params: Params,
    ties: Ties,
    partner: np.ndarray,
    can_care: np.ndarray,
    has_draw: np.ndarray,
    pick_draw: np.ndarray,
) -> np.ndarray:
    """Each person's carer slot, or NONE: a person with ``has_draw < carer_share`` is cared
    for by their household partner if the partner can care, as most help with daily living
    is given by a spouse or partner (Health Survey for England 2013, ch. 2); otherwise by the
    tie of rank ``floor(pick_draw * k)`` among their ``k`` ties who can care. A carer cares
    for one person: a partner first, then the lowest slot that picked them."""
    n = len(can_care)
    ok = can_care[ties.target]
    k = np.bincount(ties.source, ok, minlength=n).astype(np.int64)
    before = np.r_[0, np.cumsum(ok)][ties.start[:-1]]  # ok edges before each person's first
    rank = np.cumsum(ok) - 1 - before[ties.source]
    wanted = np.floor(pick_draw * k).astype(np.int64)
    chosen = ok & (rank == wanted[ties.source])
    carer = np.full(n, NONE, dtype=np.int64)
    carer[ties.source[chosen]] = ties.target[chosen]
    by_partner = (partner >= 0) & can_care[np.maximum(partner, 0)]
    carer[by_partner] = partner[by_partner]
    carer[~(has_draw < params.carer_share) | ((k == 0) & ~by_partner)] = NONE
    with_carer = np.flatnonzero(carer >= 0)
    order = with_carer[np.argsort(~by_partner[with_carer], kind="stable")]  # partners first
    _, first = np.unique(carer[order], return_index=True)
    keep = np.zeros(n, dtype=bool)
    keep[order[first]] = True
    carer[~keep] = NONE
    return carer


def build_carers(carer: np.ndarray) -> Carers:
    """Carers before anyone has cared: strain and wellbeing are set at rest by
    :func:`settle` once the first packages are known."""
    n = len(carer)
    return Carers(
        carer=carer,
        strain=np.zeros(n),
        wellbeing=np.zeros(n),
        hours=np.zeros(n),
        broken_until=np.full(n, -(10**9), dtype=np.int64),
        breakdowns=np.zeros(n, dtype=bool),
    )


def caring(carers: Carers, in_care: np.ndarray, placed: np.ndarray, week: int) -> np.ndarray:
    """Who has a carer caring for them at home this week."""
    return _caring(carers.carer, in_care, placed, carers.broken_until, week)


def care_hours(carers: Carers, params: Params, need: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Hours each carer gives this week: rising with the person's need."""
    return _care_hours(active, need, params.carer_hours_per_need)


def care_met(params: Params, hours: np.ndarray, need: np.ndarray) -> np.ndarray:
    """The need a carer's hours meet, in need units (at most the person's need)."""
    return _care_met(hours, need, params.carer_efficacy, params.package_hours_per_need)


def rest_strain(params: Params, hours: np.ndarray, package_hours: np.ndarray) -> np.ndarray:
    """Where strain comes to rest under a weekly load: the caring hours net of respite, as a
    share of load plus ``carer_strain_hours`` (0.5 at that load, towards 1 above it)."""
    return _rest_strain(hours, package_hours, params.carer_respite, params.carer_strain_hours)


def rest_wellbeing(
    carers: Carers, params: Params, own: np.ndarray, involvement: np.ndarray
) -> np.ndarray:
    """A carer's resting wellbeing: their own, less strain, plus involvement in decisions."""
    return _rest_wellbeing(
        carers.carer,
        carers.strain,
        own,
        involvement,
        params.carer_strain_wellbeing,
        params.carer_involvement_gain,
    )


def settle(
    carers: Carers,
    params: Params,
    need: np.ndarray,
    active: np.ndarray,
    package_hours: np.ndarray,
    own_wellbeing: np.ndarray,
) -> None:
    """Start strain and wellbeing where they come to rest (MODEL.md 10.1: no warm-up drift)."""
    carers.hours = care_hours(carers, params, need, active)
    carers.strain = rest_strain(params, carers.hours, package_hours)
    carers.wellbeing = rest_wellbeing(carers, params, own_wellbeing, np.zeros(len(need)))


def give_care(
    carers: Carers,
    params: Params,
    need: np.ndarray,
    active: np.ndarray,
    package_hours: np.ndarray,
    draw: np.ndarray,
    week: int,
) -> None:
    """The week's caring: hours, strain toward its resting level, breakdowns.

    ``draw`` is one uniform per person from a stream that draws the same count every week.
    A carer who breaks down gives no hours this week and for ``carer_break_weeks``.
    """
    carers.strain, carers.breakdowns, carers.broken_until, carers.hours = _give_care(
        carers.strain,
        carers.broken_until,
        need,
        active,
        package_hours,
        draw,
        week,
        params.carer_hours_per_need,
        params.carer_respite,
        params.carer_strain_hours,
        params.carer_strain_rate,
        params.carer_breakdown_strain,
        params.carer_breakdown_prob,
        params.carer_break_weeks,
    )


def update_carer_wellbeing(
    carers: Carers, params: Params, own_wellbeing: np.ndarray, involvement: np.ndarray
) -> None:
    """Carers' wellbeing moves toward its resting level at the rate everyone's does."""
    target = rest_wellbeing(carers, params, own_wellbeing, involvement)
    carers.wellbeing = _approach(carers.wellbeing, target, params.wellbeing_rate)


# The phase's arithmetic, compiled: a carer is a few numbers, and as a dozen array operations
# a week the phase cost as much at 1,000 people as at 10,000 (issue 16). Each function is one
# formula of the array version it replaced, element by element in its order (no fastmath), so
# the same bits: tests/test_week_kernels.py keeps the array versions and compares.
@kernel
def _caring(
    carer: np.ndarray, in_care: np.ndarray, placed: np.ndarray, broken_until: np.ndarray, week: int
) -> np.ndarray:
    active = np.empty(len(carer), np.bool_)
    for person in range(len(carer)):
        active[person] = (
            carer[person] >= 0
            and in_care[person]
            and not placed[person]
            and week >= broken_until[person]
        )
    return active


@kernel
def _care_hours(active: np.ndarray, need: np.ndarray, per_need: float) -> np.ndarray:
    hours = np.zeros(len(need))
    for person in range(len(need)):
        if active[person]:
            hours[person] = np.minimum(per_need * need[person], 168.0)
    return hours


@kernel
def _care_met(
    hours: np.ndarray, need: np.ndarray, efficacy: float, hours_per_need: float
) -> np.ndarray:
    met = np.empty(len(need))
    for person in range(len(need)):
        met[person] = np.minimum(hours[person] * efficacy / hours_per_need, need[person])
    return met


@kernel
def _rest_strain(
    hours: np.ndarray, package_hours: np.ndarray, respite: float, strain_hours: float
) -> np.ndarray:
    strain = np.empty(len(hours))
    for person in range(len(hours)):
        load = np.maximum(hours[person] - respite * package_hours[person], 0.0)
        strain[person] = load / (load + strain_hours)
    return strain


@kernel
def _rest_wellbeing(
    carer: np.ndarray,
    strain: np.ndarray,
    own: np.ndarray,
    involvement: np.ndarray,
    strain_cost: float,
    involvement_gain: float,
) -> np.ndarray:
    wellbeing = np.empty(len(carer))
    for person in range(len(carer)):
        base = own[carer[person]] if carer[person] >= 0 else 0.0
        level = base - strain_cost * strain[person] + involvement_gain * involvement[person]
        wellbeing[person] = np.minimum(np.maximum(level, 0.0), 1.0)
    return wellbeing


@kernel
def _approach(level: np.ndarray, target: np.ndarray, rate: float) -> np.ndarray:
    moved = np.empty(len(level))
    for person in range(len(level)):
        moved[person] = level[person] + rate * (target[person] - level[person])
    return moved


@kernel
def _give_care(
    strain: np.ndarray,
    broken_until: np.ndarray,
    need: np.ndarray,
    active: np.ndarray,
    package_hours: np.ndarray,
    draw: np.ndarray,
    week: int,
    per_need: float,
    respite: float,
    strain_hours: float,
    rate: float,
    breakdown_strain: float,
    breakdown_prob: float,
    break_weeks: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(strain, breakdowns, broken_until, hours) after the week's caring."""
    hours = _care_hours(active, need, per_need)
    strain = _approach(strain, _rest_strain(hours, package_hours, respite, strain_hours), rate)
    breakdowns = np.zeros(len(need), np.bool_)
    broken_until = broken_until.copy()
    for person in range(len(need)):
        if active[person] and strain[person] > breakdown_strain and draw[person] < breakdown_prob:
            breakdowns[person] = True
            broken_until[person] = week + break_weeks
            hours[person] = 0.0
    return strain, breakdowns, broken_until, hours


def carer_metrics(carers: Carers, active: np.ndarray, household: np.ndarray) -> dict[str, float]:
    """The week's carer outputs (MODEL.md 10.10), over carers caring this week (``active``,
    after breakdowns); ``carers_at_home`` are those who live in the household of the person
    they care for (a published share: docs/VALIDATION.md)."""
    count, at_home, hours, breakdowns, strain, wellbeing = _carer_row(
        active,
        carers.carer,
        household,
        carers.strain,
        carers.wellbeing,
        carers.hours,
        carers.breakdowns,
    )
    return {
        "carers": float(count),
        "carers_at_home": float(at_home),
        "carer_hours": hours,
        "carer_strain_mean": strain,
        "carer_breakdowns": float(breakdowns),
        "carer_wellbeing_mean": wellbeing,
    }


@kernel
def _carer_row(
    active: np.ndarray,
    carer: np.ndarray,
    household: np.ndarray,
    strain: np.ndarray,
    wellbeing: np.ndarray,
    hours: np.ndarray,
    breakdowns: np.ndarray,
) -> tuple[int, int, float, int, float, float]:
    """:func:`carer_metrics` in one pass: (carers caring, those at home, carers' hours,
    breakdowns, mean strain and wellbeing of those caring: 0.0 if none), with numpy's own
    sums (:func:`compiled.pairwise_sum` of what boolean indexing gives)."""
    count, (cared_strain, cared_wellbeing) = selected(active, (strain, wellbeing))
    at_home = broke = 0
    for person in range(len(active)):
        at_home += active[person] and household[carer[person]] == household[person]
        broke += breakdowns[person]
    return (
        count,
        at_home,
        pairwise_sum(hours),
        broke,
        pairwise_sum(cared_strain) / count if count else 0.0,
        pairwise_sum(cared_wellbeing) / count if count else 0.0,
    )

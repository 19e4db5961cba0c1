"""Need, help-seeking and encounters: phases 1-3 of a week (MODEL.md section 4).

A user manages ``agency * capability`` of their need themselves, counts last week's community
help, and asks professionals for the rest (less often when trust is low). Professionals serve
flagged people first (under co-design), then requests by need, until capacity runs out. Each
encounter meets need (the same clinical effect in every mode), moves agency, trust and the
co-produced plan, and may refer the user to community support.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from coprod.simulation.params import Params
from coprod.simulation.population import Professionals, Users


@dataclass
class NeedEvents:
    """What happened to users' need this week before anyone asked for help."""

    crises: np.ndarray  # bool per user
    admissions: np.ndarray  # bool per user
    gp_contacts: np.ndarray  # int per user


@dataclass
class CareWeek:
    """The week's requests and encounters, per user unless noted."""

    requested: np.ndarray  # clinical hours asked for
    clinical: np.ndarray  # clinical hours received
    staff_time: np.ndarray  # staff hours spent (clinical time x plan-making factor)
    sharing: np.ndarray  # effective sharing s in the user's encounter
    professional_demand: np.ndarray  # per professional: staff hours asked of them


def drift_need(
    users: Users, params: Params, exogenous: np.random.Generator, behaviour: np.random.Generator
) -> NeedEvents:
    """Phase 1: need drifts to baseline with noise and acute episodes; crises relieve it; GP
    contacts follow need and age. This is every resident's, in care or not.

    The exogenous stream draws the same number of values every week whatever happens, so
    noise, episodes and crisis draws stay aligned across the arms of a comparison.
    """
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
    return NeedEvents(
        crises=crises, admissions=crises & (admission_draw < params.admission_share), gp_contacts=gp
    )


def seek_help(
    users: Users,
    params: Params,
    behaviour: np.random.Generator,
    in_care: np.ndarray | bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Phase 2: clinical hours requested by users in care (``in_care``, a mask; everyone by
    default), and which requests are dependence (MODEL.md 10.7).

    A user manages ``agency * capability`` of their need, counts last week's community help,
    and asks for the rest when it reaches ``acuity_threshold`` (lower need is lived with) and
    they seek help at all (less often at low trust). A request is *dependent* when the person
    could have managed without it: the need beyond their capability, after community help, is
    below the threshold, so with full agency they would not have asked. It is counted from the
    requests actually made, as an evaluator triaging contacts would; agency changes it only
    through what people ask for, and trust and community help change it with agency fixed.
    """
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


SHORT_SEGMENT = 32
"""Members up to which a group is ordered by insertion sort (fewest moves on a caseload or a
person's ties); a longer group (a time-bank area) is merge-sorted."""


@numba.njit(cache=True, nogil=True)
def _segments(group: np.ndarray, keep: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The kept indices by group (a stable counting sort) and each group's bounds in them."""
    bounds = np.zeros(n_groups + 1, np.int64)
    for i in range(len(group)):
        if keep[i]:
            bounds[group[i] + 1] += 1
    for g in range(n_groups):
        bounds[g + 1] += bounds[g]
    members = np.empty(bounds[n_groups], np.int64)
    fill = bounds[:-1].copy()
    for i in range(len(group)):
        if keep[i]:
            members[fill[group[i]]] = i
            fill[group[i]] += 1
    return members, bounds


@numba.njit(cache=True, nogil=True)
def order_segments(members: np.ndarray, bounds: np.ndarray, priority: np.ndarray) -> None:
    """Order each group's members, in place, by descending priority, ties by index (the
    counting sort left them in index order, and both sorts here are stable)."""
    for g in range(len(bounds) - 1):
        lo, hi = bounds[g], bounds[g + 1]
        if hi - lo > SHORT_SEGMENT:
            segment = members[lo:hi].copy()
            members[lo:hi] = segment[np.argsort(-priority[segment], kind="mergesort")]
            continue
        for k in range(lo + 1, hi):
            moving, key = members[k], priority[members[k]]
            j = k - 1
            while j >= lo and priority[members[j]] < key:
                members[j + 1] = members[j]
                j -= 1
            members[j + 1] = moving


@numba.njit(cache=True, nogil=True)
def allocation_kernel(
    group: np.ndarray, priority: np.ndarray, demand: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """``allocate``'s compiled kernel: one pass over the askers in
    (group, priority) order.

    The running total is kept across groups and each group's start subtracted from it, as the
    array version this replaces did with one ``cumsum``: the same additions in the same order,
    so the same bits (no fastmath)."""
    members, bounds = _segments(group, demand > 0, len(capacity))
    order_segments(members, bounds, priority)
    return serve_in_order(members, bounds, demand, capacity)


@numba.njit(cache=True, nogil=True)
def serve_in_order(
    members: np.ndarray, bounds: np.ndarray, demand: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Each group's ``members`` (in its ``bounds``, in order) served their ``demand`` until the
    group's ``capacity`` is spent, the last in part. The running total is kept across groups
    and each group's start subtracted from it, as one ``cumsum`` over everyone did."""
    served = np.zeros(len(demand))
    total = 0.0
    for g in range(len(capacity)):
        group_start = 0.0
        for k in range(bounds[g], bounds[g + 1]):
            person = members[k]
            asked = demand[person]
            total += asked
            before = total - asked
            if k == bounds[g]:
                group_start = before
            served[person] = min(max(capacity[g] - (before - group_start), 0.0), asked)
    return served


def segment_order(group: np.ndarray, priority: np.ndarray, n_groups: int) -> np.ndarray:
    """Indices by group, then by descending priority, ties by index: exactly
    ``np.lexsort((-priority, group))``, by a counting sort on the group and a sort within each.

    Groups are small (a caseload, a person's ties), so this is linear in the members: the
    global two-key sort it replaces was most of a week at scale."""
    group = np.asarray(group, np.int64)
    members, bounds = _segments(group, np.ones(len(group), np.bool_), n_groups)
    order_segments(members, bounds, np.asarray(priority, np.float64))
    return members


def allocate(
    group: np.ndarray, priority: np.ndarray, demand: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Serve ``demand`` within each group's ``capacity``, highest ``priority`` first, ties by
    index.

    The last person served in a group may be served in part; people asking nothing (residents
    out of care ask professionals nothing) get nothing and take no place in the order."""
    return allocation_kernel(
        np.asarray(group, np.int64),
        np.asarray(priority, np.float64),
        np.asarray(demand, np.float64),
        np.asarray(capacity, np.float64),
    )


def effective_capacity(pros: Professionals, params: Params, week: int) -> np.ndarray:
    """Contact hours each post can give this week: burnout lowers them, and a vacant post has
    only the share of its hours that locums cover."""
    worked = np.where(
        pros.in_post(week),
        1.0 - params.burnout_capacity_loss * pros.burnout,
        params.locum_cover_share,
    )
    return pros.hours * params.capacity_factor * worked


def encounters(
    users: Users,
    pros: Professionals,
    params: Params,
    requested: np.ndarray,
    sharing: np.ndarray,
    proactive_share: float,
    capacity: np.ndarray,
) -> CareWeek:
    """Phase 3: who is served, for how long; flagged people first under co-design."""
    s = sharing[users.professional]
    factor = 1.0 + params.plan_time_factor * s * (1.0 - users.plan)
    # Flagged people are contacted whether they asked or not, for their whole unmanaged need.
    proactive_demand = np.where(
        users.flagged,
        users.need * (1 - users.agency * users.capability) * params.hours_per_need * factor,
        0.0,
    )
    available = np.maximum(capacity - pros.reserved, 0.0)
    proactive = (
        allocate(users.professional, users.need, proactive_demand, available * proactive_share)
        if proactive_share > 0
        else np.zeros_like(requested)
    )
    used = np.bincount(users.professional, proactive, minlength=len(capacity))
    contacted = proactive > 0
    # What a contacted person asked for beyond the proactive contact still joins the queue.
    demand = np.maximum(requested * factor - proactive, 0.0)
    reactive = allocate(users.professional, users.need, demand, available - used)
    staff_time = proactive + reactive
    professional_demand = (
        np.bincount(users.professional, demand + proactive, minlength=len(capacity)) + pros.reserved
    )
    users.flagged &= ~contacted
    return CareWeek(
        requested=requested,
        clinical=staff_time / factor,
        staff_time=staff_time,
        sharing=s,
        professional_demand=professional_demand,
    )


def apply_encounters(
    users: Users,
    pros: Professionals,
    params: Params,
    care: CareWeek,
    behaviour: np.random.Generator,
) -> np.ndarray:
    """Encounters move agency, trust and plan; return who was referred to community support.

    Above ``s_neutral`` agency rises with ``s - s_neutral`` ("doing with"); at or below it
    agency falls at one rate whatever the token sharing ("doing to", learned passivity:
    consultation without power is still being done to). Trust scales how far an encounter
    moves agency. Between encounters agency drifts back toward the person's own level
    (``agency_recovery``). A referral is accepted as readily as the user trusts.
    """
    served = care.clinical > 0
    s = care.sharing
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
        np.maximum(care.requested - care.clinical, 0.0),
        care.requested,
        out=np.zeros_like(s),
        where=care.requested > 0,
    )
    trust = users.trust + served * gain * (1.0 - users.trust)
    users.trust = np.clip(trust - params.trust_unmet_loss * unserved * trust, 0.0, 1.0)
    users.plan = np.minimum(users.plan + served * params.plan_rate * s, 1.0)
    users.professional_hours += care.clinical
    referral_chance = (params.referral_base + params.referral_rate * s) * users.trust
    return served & (behaviour.random(len(s)) < referral_chance)


def update_need(users: Users, params: Params, clinical: np.ndarray, in_care: np.ndarray) -> None:
    """Met need holds steady, unmet need of users in care escalates (waiting makes things
    worse), and community help lowers low-level need. Out of care, need is lived with: it
    follows its drift alone (the need that rises is what brings a person to assessment)."""
    need = users.need
    met = np.minimum(
        need * users.agency * users.capability + users.cover + clinical / params.hours_per_need,
        need,
    )
    users.met_share = np.divide(met, need, out=np.ones_like(need), where=need > 0)
    escalation = params.unmet_escalation * (need - met) * in_care
    change = escalation - params.community_relief * users.cover
    users.need = np.clip(need + change, 0.0, 1.0)
    users.need_history = np.roll(users.need_history, -1, axis=0)
    users.need_history[-1] = users.need

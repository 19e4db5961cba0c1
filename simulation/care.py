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

from coprod.simulation.compiled import clip, kernel, maximum, minimum
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
    acute_draw = exogenous.random(n)
    crisis_draw, admission_draw = exogenous.random(n), exogenous.random(n)
    need, exponents = _drifted(
        users.need,
        users.baseline_need,
        noise,
        acute_draw,
        users.age,
        params.need_reversion,
        params.acute_prob,
        params.acute_size,
        params.crisis_threshold,
        params.crisis_scale,
        params.gp_age_slope,
    )
    # numpy's own exp (its SIMD one, which a compiled loop's need not match to the bit)
    # between compiled passes, in place, of both exponents at once
    np.exp(exponents, out=exponents)
    users.need, crises, admissions, expected = _relieved(
        need,
        exponents,
        crisis_draw,
        admission_draw,
        params.crisis_max,
        params.crisis_relief,
        params.admission_share,
        params.gp_rate,
    )
    gp = behaviour.poisson(expected)
    return NeedEvents(crises=crises, admissions=admissions, gp_contacts=gp)


# The phases' arithmetic, compiled (issue 16): each pass is the array version's expressions
# element by element in their order (tests/test_phase_kernels.py keeps those and compares the
# bits), so a week at 1,000 people no longer pays two dozen numpy calls for each phase.
@kernel
def _drifted(
    need: np.ndarray,
    baseline: np.ndarray,
    noise: np.ndarray,
    acute_draw: np.ndarray,
    age: np.ndarray,
    reversion: float,
    acute_prob: float,
    acute_size: float,
    threshold: float,
    scale: float,
    gp_age_slope: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(need after drift, noise and acute episodes, clipped to 0-1; two rows of exponents:
    the crisis risk's logistic, ``-(need - threshold) / scale``, and GP contacts' rise with
    age)."""
    drifted, exponents = np.empty(len(need)), np.empty((2, len(need)))
    for person in range(len(need)):
        level = need[person] + reversion * (baseline[person] - need[person]) + noise[person]
        level = clip(level + (acute_draw[person] < acute_prob) * acute_size, 0.0, 1.0)
        drifted[person] = level
        exponents[0, person] = -(level - threshold) / scale
        exponents[1, person] = gp_age_slope * (age[person] - 50.0)
    return drifted, exponents


@kernel
def _relieved(
    need: np.ndarray,
    exps: np.ndarray,
    crisis_draw: np.ndarray,
    admission_draw: np.ndarray,
    crisis_max: float,
    relief: float,
    admission_share: float,
    gp_rate: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(need after crises relieve it, crises, admissions, expected GP contacts) from the
    ``exp`` of :func:`_drifted`'s exponents."""
    n = len(need)
    relieved, expected = np.empty(n), np.empty(n)
    crises, admissions = np.empty(n, np.bool_), np.empty(n, np.bool_)
    for person in range(n):
        crisis = crisis_draw[person] < crisis_max / (1.0 + exps[0, person])
        crises[person] = crisis
        admissions[person] = crisis and admission_draw[person] < admission_share
        relieved[person] = maximum(need[person] - relief, 0.0) if crisis else need[person]
        expected[person] = gp_rate * relieved[person] * exps[1, person]
    return relieved, crises, admissions, expected


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
    draw = behaviour.random(len(users.need))
    if isinstance(in_care, bool):
        in_care = np.full(len(users.need), in_care)
    return _asks(
        users.need,
        users.agency,
        users.capability,
        users.cover,
        users.trust,
        in_care,
        draw,
        params.help_seeking_floor,
        params.acuity_threshold,
        params.hours_per_need,
    )


@kernel
def _asks(
    need: np.ndarray,
    agency: np.ndarray,
    capability: np.ndarray,
    cover: np.ndarray,
    trust: np.ndarray,
    in_care: np.ndarray,
    draw: np.ndarray,
    floor: float,
    threshold: float,
    hours_per_need: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`seek_help`'s (hours requested, dependent requests)."""
    requested, dependent = np.empty(len(need)), np.empty(len(need), np.bool_)
    for person in range(len(need)):
        unmanaged = need[person] * (1.0 - agency[person] * capability[person])
        remaining = maximum(unmanaged - cover[person], 0.0)
        asks = (
            draw[person] < floor + (1 - floor) * trust[person]
            and remaining >= threshold
            and in_care[person]
        )
        requested[person] = remaining * hours_per_need if asks else 0.0
        beyond = need[person] * (1.0 - capability[person]) - cover[person]
        dependent[person] = asks and beyond < threshold
    return requested, dependent


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
    return _capacity(
        pros.vacant_until,
        pros.burnout,
        pros.hours,
        week,
        params.burnout_capacity_loss,
        params.locum_cover_share,
        params.capacity_factor,
    )


@kernel
def _capacity(
    vacant_until: np.ndarray,
    burnout: np.ndarray,
    hours: np.ndarray,
    week: int,
    capacity_loss: float,
    locum_share: float,
    capacity_factor: float,
) -> np.ndarray:
    """:func:`effective_capacity`'s pass (``Professionals.in_post``: filled by ``week``)."""
    capacity = np.empty(len(hours))
    for post in range(len(hours)):
        worked = 1.0 - capacity_loss * burnout[post] if vacant_until[post] <= week else locum_share
        capacity[post] = hours[post] * capacity_factor * worked
    return capacity


def encounters(
    users: Users,
    pros: Professionals,
    params: Params,
    requested: np.ndarray,
    sharing: np.ndarray,
    proactive_share: float,
    capacity: np.ndarray,
) -> CareWeek:
    """Phase 3: who is served, for how long; flagged people first under co-design.

    Flagged people are contacted whether they asked or not, for their whole unmanaged need;
    what a contacted person asked for beyond the proactive contact still joins the queue."""
    proactive_share = proactive_share if users.flagged.any() else 0.0  # nobody to contact
    s, factor, proactive_demand = _plan_time(
        np.asarray(sharing, np.float64),
        users.professional,
        users.plan,
        users.flagged,
        users.need,
        users.agency,
        users.capability,
        params.plan_time_factor,
        params.hours_per_need,
        proactive_share > 0,
    )
    available = np.maximum(capacity - pros.reserved, 0.0)
    if proactive_share > 0:
        proactive = allocate(
            users.professional, users.need, proactive_demand, available * proactive_share
        )
        used = np.bincount(users.professional, proactive, minlength=len(capacity))
        users.flagged &= ~(proactive > 0)
    else:
        proactive, used = np.zeros_like(requested), np.zeros(len(capacity))
    demand = _queued(requested, factor, proactive)
    reactive = allocate(users.professional, users.need, demand, available - used)
    staff_time, clinical, professional_demand = _served(
        proactive, reactive, factor, demand, users.professional, pros.reserved
    )
    return CareWeek(
        requested=requested,
        clinical=clinical,
        staff_time=staff_time,
        sharing=s,
        professional_demand=professional_demand,
    )


@kernel
def _plan_time(
    sharing: np.ndarray,
    professional: np.ndarray,
    plan: np.ndarray,
    flagged: np.ndarray,
    need: np.ndarray,
    agency: np.ndarray,
    capability: np.ndarray,
    plan_time_factor: float,
    hours_per_need: float,
    proactive: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(each user's sharing ``s``, the plan-making factor on their time, the flagged
    people's proactive demand: left unset unless ``proactive``)."""
    n = len(need)
    s, factor, demand = np.empty(n), np.empty(n), np.empty(n if proactive else 0)
    for person in range(n):
        s[person] = sharing[professional[person]]
        factor[person] = 1.0 + plan_time_factor * s[person] * (1.0 - plan[person])
        if proactive:
            demand[person] = (
                need[person]
                * (1 - agency[person] * capability[person])
                * hours_per_need
                * factor[person]
                if flagged[person]
                else 0.0
            )
    return s, factor, demand


@kernel
def _queued(requested: np.ndarray, factor: np.ndarray, proactive: np.ndarray) -> np.ndarray:
    """Staff time asked for beyond the proactive contact."""
    demand = np.empty(len(requested))
    for person in range(len(requested)):
        demand[person] = maximum(requested[person] * factor[person] - proactive[person], 0.0)
    return demand


@kernel
def _served(
    proactive: np.ndarray,
    reactive: np.ndarray,
    factor: np.ndarray,
    demand: np.ndarray,
    professional: np.ndarray,
    reserved: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(staff time, clinical time and, per post, the staff time asked of it, reserved time
    included: a bincount's running sums in index order, as numpy's)."""
    staff_time, clinical = np.empty(len(demand)), np.empty(len(demand))
    asked = np.zeros(len(reserved))
    for person in range(len(demand)):
        staff_time[person] = proactive[person] + reactive[person]
        clinical[person] = staff_time[person] / factor[person]
        asked[professional[person]] += demand[person] + proactive[person]
    for post in range(len(reserved)):
        asked[post] += reserved[post]
    return staff_time, clinical, asked


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
    draw = behaviour.random(len(care.sharing))
    users.agency, users.trust, users.plan, referred = _encountered(
        care.clinical,
        care.requested,
        care.sharing,
        draw,
        users.agency,
        users.own_agency,
        users.trust,
        users.plan,
        users.professional_hours,
        pros.lived_experience,
        users.professional,
        params.agency_gain_rate,
        params.agency_loss_rate,
        params.s_neutral,
        params.agency_recovery,
        params.trust_gain_rate,
        params.trust_gain_base,
        params.lived_experience_trust_factor,
        params.trust_unmet_loss,
        params.plan_rate,
        params.referral_base,
        params.referral_rate,
    )
    return referred


@kernel
def _encountered(
    clinical: np.ndarray,
    requested: np.ndarray,
    s: np.ndarray,
    draw: np.ndarray,
    agency: np.ndarray,
    own_agency: np.ndarray,
    trust: np.ndarray,
    plan: np.ndarray,
    professional_hours: np.ndarray,
    lived: np.ndarray,
    professional: np.ndarray,
    gain_rate: float,
    loss_rate: float,
    s_neutral: float,
    recovery_rate: float,
    trust_gain_rate: float,
    trust_gain_base: float,
    lived_factor: float,
    unmet_loss: float,
    plan_rate: float,
    referral_base: float,
    referral_rate: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`apply_encounters`' (agency, trust, plan, referred); the hours received are
    added to ``professional_hours`` in place."""
    n = len(s)
    new_agency, new_trust, new_plan = np.empty(n), np.empty(n), np.empty(n)
    referred = np.empty(n, np.bool_)
    for person in range(n):
        served = clinical[person] > 0
        a, t = agency[person], trust[person]
        if s[person] > s_neutral:
            delta = gain_rate * (s[person] - s_neutral) * (1.0 - a) * t
        else:
            delta = -loss_rate * a * t
        recovery = recovery_rate * (own_agency[person] - a)
        new_agency[person] = clip(a + served * delta + recovery, 0.0, 1.0)
        gain = (
            trust_gain_rate
            * (trust_gain_base + s[person])
            * (lived_factor if lived[professional[person]] else 1.0)
        )
        asked = requested[person]
        unserved = maximum(asked - clinical[person], 0.0) / asked if asked > 0 else 0.0
        t = t + served * gain * (1.0 - t)
        t = clip(t - unmet_loss * unserved * t, 0.0, 1.0)
        new_trust[person] = t
        new_plan[person] = minimum(plan[person] + served * plan_rate * s[person], 1.0)
        professional_hours[person] += clinical[person]
        referred[person] = served and draw[person] < (referral_base + referral_rate * s[person]) * t
    return new_agency, new_trust, new_plan, referred


def update_need(users: Users, params: Params, clinical: np.ndarray, in_care: np.ndarray) -> None:
    """Met need holds steady, unmet need of users in care escalates (waiting makes things
    worse), and community help lowers low-level need. Out of care, need is lived with: it
    follows its drift alone (the need that rises is what brings a person to assessment)."""
    users.need, users.met_share = _need_met(
        users.need,
        users.agency,
        users.capability,
        users.cover,
        np.asarray(clinical, np.float64),
        in_care,
        users.need_history,
        params.hours_per_need,
        params.unmet_escalation,
        params.community_relief,
    )


@kernel
def _need_met(
    need: np.ndarray,
    agency: np.ndarray,
    capability: np.ndarray,
    cover: np.ndarray,
    clinical: np.ndarray,
    in_care: np.ndarray,
    history: np.ndarray,
    hours_per_need: float,
    escalation_rate: float,
    relief: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`update_need`'s (need, share met); the need history moves on a week, in place,
    with the new need as its last row."""
    n = len(need)
    new_need, met_share = np.empty(n), np.empty(n)
    for person in range(n):
        level = need[person]
        met = minimum(
            level * agency[person] * capability[person]
            + cover[person]
            + clinical[person] / hours_per_need,
            level,
        )
        met_share[person] = met / level if level > 0 else 1.0
        escalation = escalation_rate * (level - met) * in_care[person]
        change = escalation - relief * cover[person]
        new_need[person] = clip(level + change, 0.0, 1.0)
    for week in range(history.shape[0] - 1):
        history[week] = history[week + 1]
    history[-1] = new_need
    return new_need, met_share

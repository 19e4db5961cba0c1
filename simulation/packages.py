"""Social care packages and residential placements (MODEL.md 10.3).

An assessment gives a person in care whose need reaches ``package_need`` a package of weekly
home-care hours for the need they cannot manage themselves and their carer does not meet
(``package_hours_per_need``, at most ``package_hours_cap``, none below
``package_min_hours``), times the council's generosity ``package_hours_factor``. Packages
change only at the person's review (every ``review_weeks``, each person on their own phase)
or at a re-assessment after a crisis or a carer's breakdown, so change is discrete, as in
life; the warm-up runs at the usual generosity, so a scenario's own acts from each review.
Package hours meet need in the need update as clinical hours do (care that meets need, not
professional contact: they do not replace the contact people ask professionals for).

At a review or re-assessment, a person with need above ``placement_need`` whose informal
support broke down (no carer, or a carer who broke down) may be placed in a care home. Under
rules that do not weigh alternatives the professional decides (probability
``placement_professional``); under rules that do, the decision is made with the person and
their carer and places them only when what they manage, community help, the carer and the
largest package together cannot meet their need. A placed person stays placed; the home meets
their need; a share ``placement_tie_loss`` of their ties become inactive: they stay in the
network but the exchange no longer runs along them, and connectedness counts them as lost.
Arrays are per person slot, length ``n_people``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from coprod.simulation.community import TieLedger
from coprod.simulation.compiled import kernel, maximum, minimum
from coprod.simulation.network import Ties
from coprod.simulation.params import Params
from coprod.simulation.rules import PowerRule


@dataclass
class Packages:
    """Home-care packages and placements, per person slot."""

    hours: np.ndarray  # weekly package hours
    placed: np.ndarray  # bool: lives in a care home
    review_phase: np.ndarray  # the person is reviewed in weeks with week % review_weeks == phase
    last_change: np.ndarray  # hours change at the person's last review or re-assessment
    placements: int  # placed this week
    full_ties: Ties  # every tie of the network, active or not
    tie_draw: np.ndarray  # fixed uniform per tie (both directed edges share it)
    inactive: np.ndarray  # bool per directed edge of ``full_ties``: cut by a placement


def build_packages(n_people: int, ties: Ties, rng: np.random.Generator, params: Params) -> Packages:
    """No packages yet; review phases and tie draws are fixed now (population stream)."""
    phase = np.floor(rng.random(n_people) * params.review_weeks).astype(np.int64)
    edge_draw = rng.random(len(ties.target))
    return Packages(
        hours=np.zeros(n_people),
        placed=np.zeros(n_people, dtype=bool),
        review_phase=phase,
        last_change=np.zeros(n_people),
        placements=0,
        full_ties=ties,
        tie_draw=np.where(
            np.arange(len(edge_draw)) < ties.reverse, edge_draw, edge_draw[ties.reverse]
        ),
        inactive=np.zeros(len(ties.target), dtype=bool),
    )


def package_met(params: Params, packages: Packages, need: np.ndarray) -> np.ndarray:
    """The need met this week by packages and by care homes, in need units."""
    met = packages.hours / params.package_hours_per_need
    return np.minimum(np.where(packages.placed, need, met), need)


def due(packages: Packages, params: Params, week: int, reassess: np.ndarray) -> np.ndarray:
    """Whose package is decided this week: their review, or a re-assessment."""
    return _due(packages.review_phase, week % params.review_weeks, reassess)


@kernel
def _due(phase: np.ndarray, week_phase: int, reassess: np.ndarray) -> np.ndarray:
    """:func:`due`'s pass: the review phase this week, or a re-assessment."""
    decided = np.empty(len(phase), np.bool_)
    for person in range(len(phase)):
        decided[person] = week_phase == phase[person] or reassess[person]
    return decided


def review(
    packages: Packages,
    params: Params,
    decided: np.ndarray,
    in_care: np.ndarray,
    need: np.ndarray,
    unmanaged: np.ndarray,
    carer_met: np.ndarray,
) -> None:
    """Packages of the people decided this week are set again; nobody else's changes.

    The package an assessment gives an eligible person (need at least ``package_need``, in
    care and not in a care home) is hours for the need they cannot manage and their carer
    does not meet, capped, none below the smallest package, times the lever."""
    packages.hours, packages.last_change = _reviewed(
        decided,
        in_care,
        packages.placed,
        need,
        np.asarray(unmanaged, np.float64),
        np.asarray(carer_met, np.float64),
        packages.hours,
        packages.last_change,
        params.package_hours_per_need,
        params.package_hours_cap,
        params.package_need,
        params.package_min_hours,
        params.package_hours_factor,
    )


@kernel
def _reviewed(
    decided: np.ndarray,
    in_care: np.ndarray,
    placed: np.ndarray,
    need: np.ndarray,
    unmanaged: np.ndarray,
    carer_met: np.ndarray,
    hours: np.ndarray,
    last_change: np.ndarray,
    hours_per_need: float,
    cap: float,
    package_need: float,
    min_hours: float,
    factor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`review`'s (hours, last change)."""
    new_hours, new_change = hours.copy(), last_change.copy()
    for person in range(len(need)):
        if not decided[person]:
            continue
        assessed = minimum(
            hours_per_need * maximum(unmanaged[person] - carer_met[person], 0.0), cap
        )
        given = need[person] >= package_need and assessed >= min_hours
        assessed = factor * (assessed if given else 0.0)
        new = assessed if in_care[person] and not placed[person] else 0.0
        new_change[person] = new - hours[person]
        new_hours[person] = new
    return new_hours, new_change


def place(
    packages: Packages,
    params: Params,
    rule: PowerRule,
    decided: np.ndarray,
    eligible_need: np.ndarray,
    unsupported: np.ndarray,
    home_support: np.ndarray,
    draw: np.ndarray,
) -> np.ndarray:
    """Who is placed this week (MODEL.md 10.3); their package ends.

    ``eligible_need``: the person's need (0 under ``placement_min_age``); ``unsupported``: no
    carer caring; ``home_support``: need met at home at best (self-managed, community help, carer
    and the largest package); ``draw``: one uniform per person from a stream that draws the
    same count every week, so the same people face the same decision under every rule.
    """
    placed, packages.hours, packages.last_change = _placed(
        decided,
        packages.placed,
        unsupported,
        eligible_need,
        home_support,
        draw,
        packages.hours,
        packages.last_change,
        params.placement_need,
        rule.weighs_alternatives,
        params.placement_professional,
    )
    packages.placements = int(np.count_nonzero(placed))
    return placed


@kernel
def _placed(
    decided: np.ndarray,
    in_home: np.ndarray,
    unsupported: np.ndarray,
    eligible_need: np.ndarray,
    home_support: np.ndarray,
    draw: np.ndarray,
    hours: np.ndarray,
    last_change: np.ndarray,
    placement_need: float,
    weighs_alternatives: bool,
    placement_professional: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`place`'s (placed this week, hours, last change); ``in_home`` (those in a care
    home) takes the placed in place."""
    placed = np.zeros(len(decided), np.bool_)
    new_hours, new_change = hours.copy(), last_change.copy()
    for person in range(len(decided)):
        eligible = (
            decided[person]
            and not in_home[person]
            and unsupported[person]
            and eligible_need[person] > placement_need
        )
        if weighs_alternatives:
            eligible = eligible and home_support[person] < eligible_need[person]
        if eligible and draw[person] < placement_professional:
            placed[person] = in_home[person] = True
            new_change[person] = -hours[person]
            new_hours[person] = 0.0
    return placed, new_hours, new_change


def vacate(packages: Packages, slots: np.ndarray) -> np.ndarray | None:
    """The dead leave their package and their care home; a newcomer moves into the house with
    its ties, so ties a placement had cut come back (but not those to someone still in a care
    home). Returns the cut edges with those restored when there are any, else None; the
    model applies them with the week's placements (:func:`with_inactive`).

    Without this a newcomer inherited the placement and package of the person they replaced:
    residents in placement could only grow (by half over two years in the status quo).
    """
    packages.hours[slots] = 0.0
    packages.placed[slots] = False
    packages.last_change[slots] = 0.0
    full, placed = packages.full_ties, packages.placed
    edges = incident_edges(full, slots)
    restored = edges[
        packages.inactive[edges] & ~placed[full.source[edges]] & ~placed[full.target[edges]]
    ]
    if len(restored) == 0:
        return None
    inactive = packages.inactive.copy()
    inactive[restored] = False
    return inactive


def incident_edges(ties: Ties, people: np.ndarray) -> np.ndarray:
    """The directed edges from or to ``people`` (an edge between two of them twice): their own
    rows of the CSR and the twins of those, so a week's few deaths or placements cost their
    ties, not a pass over the whole network."""
    out = _rows(ties.start, np.asarray(people, np.int64))
    return np.concatenate([out, ties.reverse[out]])


@numba.njit(cache=True, nogil=True)
def _rows(start: np.ndarray, people: np.ndarray) -> np.ndarray:
    """The edge indices ``start[p]:start[p + 1]`` of each of ``people``, concatenated."""
    total = 0
    for p in people:
        total += start[p + 1] - start[p]
    rows = np.empty(total, np.int64)
    k = 0
    for p in people:
        for edge in range(start[p], start[p + 1]):
            rows[k] = edge
            k += 1
    return rows


def largest_package_met(params: Params) -> float:
    """Need the largest package can meet, in need units."""
    return params.package_hours_factor * params.package_hours_cap / params.package_hours_per_need


def cut_ties(
    packages: Packages, params: Params, placed: np.ndarray, inactive: np.ndarray | None = None
) -> np.ndarray:
    """The cut edges once this week's placements (``placed``) have cut theirs, on top of
    ``inactive`` (default: those cut now).

    A share ``placement_tie_loss`` of a placed person's ties (by a fixed draw per tie) become
    inactive; :func:`with_inactive` makes them so.
    """
    edges = incident_edges(packages.full_ties, np.flatnonzero(placed))
    inactive = (packages.inactive if inactive is None else inactive).copy()
    inactive[edges[packages.tie_draw[edges] < params.placement_tie_loss]] = True
    return inactive


def with_inactive(packages: Packages, inactive: np.ndarray, ledger: TieLedger) -> Ties:
    """Make ``inactive`` the cut edges; return the active ties and move ``ledger`` (over the
    active ties before) onto them: an edge that comes back remembers the oldest exchange on
    record, as if long ago."""
    full = packages.full_ties
    start, source, target, reverse, last_given, last_back = _compact(
        full.start,
        full.source,
        full.target,
        full.reverse,
        inactive,
        packages.inactive,
        ledger.last_given,
        ledger.last_back,
        ledger.last_given.min(initial=0),
    )
    packages.inactive = inactive
    ledger.last_given, ledger.last_back = last_given, last_back
    return Ties(start=start, source=source, target=target, reverse=reverse)


BLOCK = 64
"""Edges per word of the inactive-edge bit table (:func:`_compact`)."""


@numba.njit(cache=True, nogil=True)
def _compact(
    start: np.ndarray,
    source: np.ndarray,
    target: np.ndarray,
    reverse: np.ndarray,
    inactive: np.ndarray,
    was_inactive: np.ndarray,
    last_given: np.ndarray,
    last_back: np.ndarray,
    oldest: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The CSR of the edges not ``inactive`` and the ledger over them. Edges keep their
    order, so an edge's new index is its old one less the inactive edges before it, and each
    person's rows stay contiguous. ``last_given`` and ``last_back`` run over the edges not
    ``was_inactive``; an edge coming back (and so its twin) gets ``oldest`` in both.

    The twin's new index is counted from a bit table of the inactive edges (one word per
    ``BLOCK`` edges, and the count before each word): at a million people it fits in a
    core's cache, where an index array over the edges (tens of MB, read at random) did not
    and made this pass as slow as a week's whole community exchange."""
    edges = len(source)
    words = edges // BLOCK + 1
    bits = np.zeros(words, np.uint64)
    for edge in range(edges):
        if inactive[edge]:
            bits[edge // BLOCK] |= np.uint64(1) << np.uint64(edge % BLOCK)
    before = np.zeros(words + 1, np.int64)
    for word in range(words):
        before[word + 1] = before[word] + _popcount(bits[word])
    kept = edges - before[words]
    new_source = np.empty(kept, source.dtype)
    new_target = np.empty(kept, target.dtype)
    new_reverse = np.empty(kept, reverse.dtype)
    given = np.empty(kept, last_given.dtype)
    back = np.empty(kept, last_back.dtype)
    at = 0
    old = 0
    for edge in range(edges):
        remembered, returned = oldest, oldest
        if not was_inactive[edge]:
            remembered, returned = last_given[old], last_back[old]
            old += 1
        if not inactive[edge]:
            new_source[at] = source[edge]
            new_target[at] = target[edge]
            new_reverse[at] = _new_index(reverse[edge], bits, before)
            given[at], back[at] = remembered, returned
            at += 1
    new_start = np.empty(len(start), start.dtype)
    for person in range(len(start)):
        new_start[person] = _new_index(start[person], bits, before)
    return new_start, new_source, new_target, new_reverse, given, back


@numba.njit(cache=True, nogil=True, inline="always")
def _new_index(edge: int, bits: np.ndarray, before: np.ndarray) -> int:
    """An edge's index once the inactive edges before it are gone (:func:`_compact`)."""
    word = edge // BLOCK
    if word >= len(bits):
        return edge - before[len(bits)]
    below = bits[word] & ((np.uint64(1) << np.uint64(edge % BLOCK)) - np.uint64(1))
    return edge - before[word] - _popcount(below)


@numba.njit(cache=True, nogil=True, inline="always")
def _popcount(word: np.uint64) -> int:
    """Set bits of a 64-bit word (SWAR: no loop over the bits)."""
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    word = (word & np.uint64(0x3333333333333333)) + (
        (word >> np.uint64(2)) & np.uint64(0x3333333333333333)
    )
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((word * np.uint64(0x0101010101010101)) >> np.uint64(56))


def count_lost_ties(
    connectedness: np.ndarray, active: Ties, full: Ties, bank_ties: np.ndarray
) -> np.ndarray:
    """Connectedness over all of a person's ties: an inactive tie counts as one without an
    exchange (the exchange measures it over active ties only)."""
    return _over_all_ties(connectedness, active.start, full.start, bank_ties)


@kernel
def _over_all_ties(
    connectedness: np.ndarray, active_start: np.ndarray, full_start: np.ndarray, bank: np.ndarray
) -> np.ndarray:
    """:func:`count_lost_ties`' pass: the degrees from the CSR starts (``Ties.degree``)."""
    counted = np.zeros(len(connectedness))
    for person in range(len(connectedness)):
        total = full_start[person + 1] - full_start[person] + bank[person]
        if total > 0:
            kept = active_start[person + 1] - active_start[person] + bank[person]
            counted[person] = connectedness[person] * kept / total
    return counted


def package_metrics(packages: Packages) -> dict[str, float]:
    """The week's package and placement outputs (MODEL.md 10.10)."""
    return {
        "package_hours": float(packages.hours.sum()),
        "users_with_package": float(np.count_nonzero(packages.hours > 0)),
        "placements": float(packages.placements),
        "residents_in_placement": float(np.count_nonzero(packages.placed)),
    }

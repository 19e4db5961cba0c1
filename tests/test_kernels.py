"""The compiled kernels against plain numpy references kept here: the same results to the bit.

``reference_allocate`` is the allocation as it was before the kernels (one global two-key
sort, one ``cumsum``); the model's timeseries must not move by a bit when the kernel stands in
for it, so every comparison here is exact equality, never a tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coprod.simulation import CoProductionModel, Params, care, community, timebank
from coprod.simulation.care import allocate, segment_order
from coprod.simulation.community import TieLedger, informal_help
from coprod.simulation.network import Ties, build_ties
from coprod.simulation.packages import build_packages, with_inactive
from coprod.simulation.rules import RECIPROCITY_RULES, ReciprocityRule
from coprod.simulation.scenario import load_scenario


def reference_allocate(
    group: np.ndarray, priority: np.ndarray, demand: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Serve demand within each group's capacity, highest priority first, ties by index,
    with ``np.lexsort`` and one running sum over everyone asking."""
    served = np.zeros(len(demand))
    asking = np.flatnonzero(demand > 0)
    if len(asking) == 0:
        return served
    order = asking[np.lexsort((-priority[asking], group[asking]))]
    g, d = group[order], demand[order]
    before = np.cumsum(d) - d
    first = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    group_start = np.repeat(before[first], np.diff(np.r_[first, len(g)]))
    served[order] = np.clip(capacity[g] - (before - group_start), 0.0, d)
    return served


def reference_informal_help(
    ties: Ties,
    ledger: TieLedger,
    rule: ReciprocityRule,
    params: Params,
    week: int,
    hours: np.ndarray,
    wanted: np.ndarray,
    pointed: np.ndarray,
) -> np.ndarray:
    """``community.informal_help`` as array operations, on the reference allocation."""
    helped_back = ledger.last_given[ties.reverse] > week - params.reciprocity_window
    offer = wanted[ties.target] * np.where(helped_back, 1.0, rule.unhelped_share(params))
    priority = offer * np.where(pointed, params.referral_weight, 1.0)[ties.target]
    flow = reference_allocate(ties.source, priority, offer, hours)
    received = np.bincount(ties.target, flow, minlength=len(hours))
    scale = np.divide(wanted, received, out=np.ones_like(wanted), where=received > wanted)
    flow = flow * scale[ties.target]
    return np.where(flow >= params.min_exchange_hours, flow, 0.0)


def reference_tie_counts(
    source: np.ndarray, last_given: np.ndarray, last_back: np.ndarray, recent: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ties with help either way, ties given along, and those helped back, by ``bincount``."""
    gave, back = last_given > recent, last_back > recent
    return tuple(np.bincount(source, w, minlength=n) for w in (gave | back, gave, gave & back))


def random_case(rng: np.random.Generator, trial: int) -> tuple[np.ndarray, ...]:
    """Groups of every size (some empty, one long enough to be merge-sorted), priorities
    with many ties on even trials, some demands of zero, capacities that run out."""
    n, groups = int(rng.integers(0, 400)), int(rng.integers(1, 60))
    group = rng.integers(0, groups, n)
    if trial % 5 == 0 and n:  # one crowded group, beyond the insertion-sort length
        group[: n // 2] = 0
    priority = rng.integers(0, 4, n) * 0.5 if trial % 2 == 0 else rng.random(n)
    demand = np.where(rng.random(n) < 0.3, 0.0, rng.exponential(1.0, n))
    capacity = rng.exponential(3.0, groups)
    return group, priority, demand, capacity


@pytest.mark.parametrize("trial", range(300))
def test_allocate_is_the_reference_to_the_bit(trial: int) -> None:
    group, priority, demand, capacity = random_case(np.random.default_rng(trial), trial)
    expected = reference_allocate(group, priority, demand, capacity)
    np.testing.assert_array_equal(allocate(group, priority, demand, capacity), expected)


@pytest.mark.parametrize("trial", range(100))
def test_segment_order_is_lexsort(trial: int) -> None:
    group, priority, _, capacity = random_case(np.random.default_rng(1000 + trial), trial)
    expected = np.lexsort((-priority, group))
    np.testing.assert_array_equal(segment_order(group, priority, len(capacity)), expected)


def test_allocate_serves_the_highest_priority_first_and_the_last_in_part() -> None:
    group, priority = np.array([0, 0, 0, 1]), np.array([1.0, 3.0, 2.0, 5.0])
    served = allocate(group, priority, np.full(4, 2.0), np.array([3.0, 0.0]))
    np.testing.assert_array_equal(served, [0.0, 2.0, 1.0, 0.0])


def test_allocate_of_nobody_is_empty() -> None:
    assert allocate(np.zeros(0, int), np.zeros(0), np.zeros(0), np.ones(3)).shape == (0,)
    assert not allocate(np.array([1, 2]), np.ones(2), np.zeros(2), np.ones(3)).any()


@pytest.mark.parametrize("trial", range(40))
@pytest.mark.parametrize("reciprocity", ["none", "direct"])
def test_informal_help_is_the_reference_to_the_bit(trial: int, reciprocity: str) -> None:
    """Random networks (some of people with no ties), givers with and without hours, takers
    offered more than they want, gifts under the smallest exchange."""
    rng = np.random.default_rng(trial)
    n = int(rng.integers(1, 300))
    ties = build_ties(n, int(rng.integers(0, 9)), 0.2, rng)
    week = 10
    ledger = TieLedger.of(rng.integers(-5, week, len(ties.target)), ties.reverse)
    hours = np.where(rng.random(n) < 0.3, 0.0, rng.exponential(2.0, n))
    wanted = rng.exponential(0.5, n) * (rng.random(n) < 0.8)
    pointed = rng.random(n) < 0.2
    params = Params(min_exchange_hours=float(rng.choice([0.0, 0.1, 0.5])))
    args = (ties, ledger, RECIPROCITY_RULES[reciprocity], params, week, hours, wanted, pointed)
    np.testing.assert_array_equal(informal_help(*args), reference_informal_help(*args))


@pytest.mark.parametrize("trial", range(20))
def test_tie_counts_are_the_bincounts(trial: int) -> None:
    rng = np.random.default_rng(trial)
    n = int(rng.integers(1, 200))
    ties = build_ties(n, int(rng.integers(0, 9)), 0.2, rng)
    last_given = rng.integers(-5, 10, len(ties.target))
    args = (ties.source, last_given, last_given[ties.reverse], 4, n)
    counts = zip(community._tie_counts(*args), reference_tie_counts(*args), strict=True)
    for got, expected in counts:
        np.testing.assert_array_equal(got, expected)


def run(name: str, monkeypatch: pytest.MonkeyPatch | None) -> pd.DataFrame:
    """A small, short run of a scenario; with ``monkeypatch``, on the references."""
    if monkeypatch is not None:
        monkeypatch.setattr(care, "allocate", reference_allocate)
        monkeypatch.setattr(timebank, "allocate", reference_allocate)
        monkeypatch.setattr(community, "informal_help", reference_informal_help)
        monkeypatch.setattr(community, "_tie_counts", reference_tie_counts)
    params = load_scenario(name).params.model_copy(
        update={"n_users": 300, "n_neighbours": 180, "n_professionals": 12, "warmup_weeks": 20}
    )
    model = CoProductionModel(Params.model_validate(params.model_dump()), seed=7)
    for _ in range(30):
        model.step()
    return model.timeseries()


@pytest.mark.parametrize("name", ["traditional", "timebank", "codesign"])
def test_a_run_is_unchanged_by_the_kernel(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Community help, the time bank, proactive contacts: every caller of a kernel."""
    kernel = run(name, None)
    pd.testing.assert_frame_equal(kernel, run(name, monkeypatch), check_exact=True)


def reference_compact(
    full: Ties, inactive: np.ndarray, was_inactive: np.ndarray, last_given: np.ndarray
) -> tuple[Ties, np.ndarray]:
    """``packages.with_inactive`` as it was, in array operations: the kept edges' CSR (twins
    found through a position array) and the ledger moved onto it."""
    remembered = np.full(len(full.target), last_given.min(initial=0), dtype=np.int64)
    remembered[np.flatnonzero(~was_inactive)] = last_given
    keep = np.flatnonzero(~inactive)
    position = np.full(len(full.target), -1, dtype=np.int64)
    position[keep] = np.arange(len(keep))
    start = np.zeros(len(full.start), dtype=np.int64)
    np.cumsum(np.bincount(full.source[keep], minlength=len(full.start) - 1), out=start[1:])
    ties = Ties(
        start=start,
        source=full.source[keep],
        target=full.target[keep],
        reverse=position[full.reverse[keep]],
    )
    return ties, remembered[keep]


def twin_closed(ties: Ties, share: float, rng: np.random.Generator) -> np.ndarray:
    """A random set of edges closed under reversal, as a placement's cut is."""
    chosen = rng.random(len(ties.target)) < share
    return chosen | chosen[ties.reverse]


@pytest.mark.parametrize("trial", range(30))
def test_compaction_is_the_reference_to_the_bit(trial: int) -> None:
    """Edges cut and restored in every pattern (none, a few, most; people with no ties left),
    across the bit table's word boundaries."""
    rng = np.random.default_rng(trial)
    n = int(rng.integers(1, 400))
    full = build_ties(n, int(rng.integers(0, 9)), 0.2, rng)
    was = twin_closed(full, float(rng.choice([0.0, 0.05, 0.6])), rng)
    now = twin_closed(full, float(rng.choice([0.0, 0.05, 0.6])), rng)
    last_given = rng.integers(-50, 10, np.count_nonzero(~was))
    packages = build_packages(n, full, rng, Params())
    packages.inactive = was
    ledger = TieLedger.of(last_given, reference_compact(full, was, was, last_given)[0].reverse)
    got = with_inactive(packages, now, ledger)
    expected, memory = reference_compact(full, now, was, last_given)
    for name in ("start", "source", "target", "reverse"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    np.testing.assert_array_equal(ledger.last_given, memory)
    np.testing.assert_array_equal(ledger.last_back, memory[expected.reverse])


@pytest.mark.parametrize("name", ["traditional", "timebank"])
def test_the_ledger_knows_each_tie_s_twin_all_along(name: str) -> None:
    """``last_back`` is ``last_given`` read through ``reverse`` after every week, through the
    deaths, placements and restored ties of a run (it is kept up to date, not looked up)."""
    params = load_scenario(name).params.model_copy(
        update={"n_users": 2000, "n_neighbours": 1200, "n_professionals": 80, "warmup_weeks": 20}
    )
    model = CoProductionModel(Params.model_validate(params.model_dump()), seed=7)
    cut = 0
    for _ in range(40):
        model.step()
        ledger = model.ledger
        np.testing.assert_array_equal(ledger.last_back, ledger.last_given[model.ties.reverse])
        cut = max(cut, int(model.packages.inactive.sum()))
    assert cut > 0  # the run did cut ties, so the compaction was exercised

"""The community network drawn straight into CSR form (``network.build_ties``)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from coprod.simulation.network import (
    INDEX,
    build_ties,
    graph_of,
    lattice_degree,
    ties_from_pairs,
    ties_of,
)


def draw(n: int, degree: int, rewiring: float, seed: int = 0):
    return build_ties(n, degree, rewiring, np.random.default_rng(seed))


@pytest.mark.parametrize(
    ("n", "degree", "rewiring"), [(500, 6, 0.1), (40, 10, 1.0), (7, 100, 0.5), (2, 6, 0.3)]
)
def test_a_simple_graph_with_the_lattice_number_of_ties(n, degree, rewiring):
    """Rewiring moves ties, never adds or drops one, and makes no self-loop or double tie."""
    ties = draw(n, degree, rewiring)
    k = lattice_degree(n, degree)
    assert ties.degree.sum() == n * k
    assert not np.any(ties.source == ties.target)
    pairs = ties.pairs
    assert len(np.unique(pairs, axis=0)) == len(pairs) == n * k // 2


def test_reverse_is_each_edges_twin():
    ties = draw(300, 8, 0.3)
    r = ties.reverse
    assert np.array_equal(ties.source[r], ties.target)
    assert np.array_equal(ties.target[r], ties.source)
    assert np.array_equal(r[r], np.arange(len(r)))


def test_without_rewiring_everyone_keeps_k_ties_on_a_ring():
    ties = draw(200, 6, 0.0)
    assert np.all(ties.degree == 6)
    graph = graph_of(ties)
    assert nx.is_connected(graph)
    assert nx.average_clustering(graph) == pytest.approx(3 * (6 - 2) / (4 * (6 - 1)))


def test_same_stream_same_network_and_another_stream_another():
    a, b, c = draw(400, 6, 0.1, 1), draw(400, 6, 0.1, 1), draw(400, 6, 0.1, 2)
    assert np.array_equal(a.target, b.target)
    assert not np.array_equal(a.target, c.target)


def test_small_world_like_networkx_watts_strogatz():
    """Clustering and path length match networkx's generator at the same parameters, over
    seeds (the rewiring is the same process, drawn in rounds)."""
    ours = [graph_of(draw(600, 6, 0.1, seed)) for seed in range(5)]
    theirs = [nx.watts_strogatz_graph(600, 6, 0.1, seed=seed) for seed in range(5)]
    for measure in (nx.average_clustering, nx.average_shortest_path_length):
        mine = np.mean([measure(g) for g in ours if nx.is_connected(g)])
        reference = np.mean([measure(g) for g in theirs if nx.is_connected(g)])
        assert mine == pytest.approx(reference, rel=0.05)


def test_graph_round_trip():
    ties = draw(100, 4, 0.2)
    again = ties_of(graph_of(ties))
    assert np.array_equal(again.start, ties.start)
    assert np.array_equal(again.target, ties.target)
    assert np.array_equal(again.reverse, ties.reverse)


def reference_ties_from_pairs(pairs: np.ndarray, n_persons: int) -> tuple[np.ndarray, ...]:
    """``ties_from_pairs`` as array operations: one stable sort on (source, target)."""
    source = np.concatenate([pairs[:, 0], pairs[:, 1]])
    target = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.argsort(source * n_persons + target, kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    half = len(pairs)
    twin = np.concatenate([np.arange(half, 2 * half), np.arange(half)])
    start = np.r_[0, np.cumsum(np.bincount(source, minlength=n_persons))]
    return start, source[order], target[order], position[twin[order]]


@pytest.mark.parametrize("trial", range(30))
def test_the_csr_is_the_stable_sort_of_the_pairs(trial):
    """Any pairs, people without ties, a pair given twice: the same arrays as the sort."""
    rng = np.random.default_rng(trial)
    n = int(rng.integers(1, 200))
    pairs = rng.integers(0, n, (int(rng.integers(0, 600)), 2))
    if len(pairs) > 3:
        pairs[1] = pairs[0]
    ties = ties_from_pairs(pairs, n)
    got = (ties.start, ties.source, ties.target, ties.reverse)
    for array, expected in zip(got, reference_ties_from_pairs(pairs, n), strict=True):
        np.testing.assert_array_equal(array, expected)
        assert array.dtype == INDEX

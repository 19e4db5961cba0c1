"""The community network: who knows whom among the residents.

A Watts-Strogatz small world (MODEL.md section 2), drawn from the population stream straight
into compressed sparse row form (``Ties``): every undirected tie appears as two directed
edges, and ``reverse`` maps each edge to its twin, so "did the person I help help me back?"
is one array lookup. No graph library is involved in a batch run: at a million people
networkx's generator alone took 22 s. A networkx graph (``graph_of``) is built only when
something asks for one (the Mesa network space, the page).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import networkx as nx
import numba
import numpy as np

REWIRE_ROUNDS = 64
"""Rounds of fresh draws for rewired ties that hit a self-loop or an existing tie; a tie still
unplaced after them keeps its lattice end (networkx gives up likewise for a person tied to
everyone). Unlike networkx, a tie's vacated lattice pair is not offered to later draws: a
difference of a few ties in a million."""


INDEX = np.int32
"""The integer type of the network's arrays (bounds, ends, twins). The schema allows at most a
few million people and a hundred ties each, so 32 bits hold every index: at a million
residents that halves six arrays of six million entries (the ties and the whole network)."""


@dataclass(frozen=True)
class Ties:
    """Directed edges in CSR form: the ties of person ``i`` are ``target[start[i]:start[i+1]]``."""

    start: np.ndarray  # INDEX, length n_persons + 1
    source: np.ndarray  # INDEX, one per directed edge
    target: np.ndarray  # INDEX, one per directed edge
    reverse: np.ndarray  # INDEX, the index of the opposite edge
    ring_position: np.ndarray | None = None  # where each person lives along the ring (home)

    @property
    def degree(self) -> np.ndarray:
        """Number of ties of each person."""
        return np.diff(self.start)

    @property
    def pairs(self) -> np.ndarray:
        """Each undirected tie once, as (lower, higher) person rows."""
        once = self.source < self.target
        return np.column_stack([self.source[once], self.target[once]])


def lattice_degree(n_persons: int, degree: int) -> int:
    """Ties per person on the ring: even, and fewer than the people there are to know."""
    return min(degree - degree % 2, max(n_persons - 1 - (n_persons - 1) % 2, 0))


def build_ties(n_persons: int, degree: int, rewiring: float, rng: np.random.Generator) -> Ties:
    """A Watts-Strogatz network as ``Ties``, persons shuffled along the ring.

    Each person is tied to the ``k/2`` next along a ring; each tie's far end is then moved, with
    probability ``rewiring``, to a uniformly drawn person, avoiding self-loops and ties that
    already exist (Watts and Strogatz 1998, as networkx's ``watts_strogatz_graph`` does, drawn
    in vectorised rounds rather than one tie at a time). The number of draws depends only on
    the population parameters and the stream, so every arm of a comparison gets this network.
    """
    k = lattice_degree(n_persons, degree)
    near = np.repeat(np.arange(n_persons, dtype=np.int64), k // 2)
    step = np.tile(np.arange(1, k // 2 + 1, dtype=np.int64), n_persons)
    far = (near + step) % n_persons
    moving = np.flatnonzero(rng.random(len(near)) < rewiring)
    taken = np.sort(_keys(near, far, n_persons))  # a vacated lattice tie stays taken
    for _ in range(REWIRE_ROUNDS):
        if len(moving) == 0:
            break
        proposal = rng.integers(0, n_persons, len(moving))
        new_keys = _keys(near[moving], proposal, n_persons)
        _, first = np.unique(new_keys, return_index=True)
        fresh = np.zeros(len(moving), dtype=bool)
        fresh[first] = True
        ok = fresh & (proposal != near[moving]) & ~_contains(taken, new_keys)
        far[moving[ok]] = proposal[ok]
        accepted = np.sort(new_keys[ok])
        taken = np.insert(taken, np.searchsorted(taken, accepted), accepted)
        moving = moving[~ok]
    order = rng.permutation(n_persons)  # person order[u] lives at place u on the ring
    ties = ties_from_pairs(np.column_stack([order[near], order[far]]), n_persons)
    return dataclasses.replace(ties, ring_position=np.argsort(order))


def _keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """One integer per undirected pair, whichever end comes first."""
    return np.minimum(a, b) * n + np.maximum(a, b)


def _contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` are in ``sorted_keys`` (a sorted search: ``np.isin`` hashes, 20x slower)."""
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys if len(sorted_keys) else np.zeros(len(keys), dtype=bool)


def ties_from_pairs(pairs: np.ndarray, n_persons: int) -> Ties:
    """The CSR view of undirected ties given once each as rows of ``pairs``: each person's
    edges by target, edges to the same target in the order given."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    start, source, target, reverse = _csr(pairs[:, 0].copy(), pairs[:, 1].copy(), n_persons)
    return Ties(start=start, source=source, target=target, reverse=reverse)


@numba.njit(cache=True, nogil=True)
def _csr(
    first: np.ndarray, second: np.ndarray, n_persons: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ties_from_pairs``'s kernel: the directed edges (each pair ``first -> second``, then
    each ``second -> first``) by a counting sort on the source, then by target within each
    person's row (a stable insertion sort: rows are short), so the same order as a stable
    sort on (source, target); each edge's twin is found through where its input went. A
    city's build spent 3 s in the global sort this replaces."""
    half = len(first)
    start = np.zeros(n_persons + 1, np.int64)
    for pair in range(half):
        start[first[pair] + 1] += 1
        start[second[pair] + 1] += 1
    for person in range(n_persons):
        start[person + 1] += start[person]
    fill = start[:-1].copy()
    target = np.empty(2 * half, INDEX)
    given = np.empty(2 * half, np.int64)  # the input edge at each place
    for edge in range(2 * half):
        source, to = (
            (first[edge], second[edge])
            if edge < half
            else (second[edge - half], first[edge - half])
        )
        target[fill[source]] = to
        given[fill[source]] = edge
        fill[source] += 1
    for person in range(n_persons):
        for k in range(start[person] + 1, start[person + 1]):
            moving_target, moving_edge = target[k], given[k]
            j = k - 1
            while j >= start[person] and target[j] > moving_target:
                target[j + 1], given[j + 1] = target[j], given[j]
                j -= 1
            target[j + 1], given[j + 1] = moving_target, moving_edge
    place = np.empty(2 * half, np.int64)
    for k in range(2 * half):
        place[given[k]] = k
    source = np.empty(2 * half, INDEX)
    reverse = np.empty(2 * half, INDEX)
    for person in range(n_persons):
        for k in range(start[person], start[person + 1]):
            source[k] = person
            edge = given[k]
            reverse[k] = place[edge + half if edge < half else edge - half]
    return start.astype(INDEX), source, target, reverse


def ties_of(graph: nx.Graph) -> Ties:
    """The CSR view of an undirected graph whose nodes are ``0..n-1``."""
    return ties_from_pairs(np.array(list(graph.edges()), dtype=np.int64), graph.number_of_nodes())


def graph_of(ties: Ties) -> nx.Graph:
    """The networkx graph of the ties, nodes ``0..n-1``: for Mesa's network space and the page."""
    graph = nx.Graph()
    graph.add_nodes_from(range(len(ties.start) - 1))
    graph.add_edges_from(ties.pairs.tolist())
    return graph

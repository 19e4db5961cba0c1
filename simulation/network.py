"""The community network: who knows whom among service users and neighbours.

A Watts-Strogatz small world (MODEL.md section 2), seeded from the population stream. The
weekly exchange works on a compressed sparse row copy of it (``Ties``): every undirected tie
appears as two directed edges, and ``reverse`` maps each edge to its twin, so "did the person
I help help me back?" is one array lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np


@dataclass(frozen=True)
class Ties:
    """Directed edges in CSR form: the ties of person ``i`` are ``target[start[i]:start[i+1]]``."""

    start: np.ndarray  # int64, length n_persons + 1
    source: np.ndarray  # int64, one per directed edge
    target: np.ndarray  # int64, one per directed edge
    reverse: np.ndarray  # int64, the index of the opposite edge

    @property
    def degree(self) -> np.ndarray:
        """Number of ties of each person."""
        return np.diff(self.start)


def build_graph(n_persons: int, degree: int, rewiring: float, rng: np.random.Generator) -> nx.Graph:
    """A Watts-Strogatz graph whose node ``i`` is person ``i``, shuffled so that users and
    neighbours (persons ``0..n_users-1`` and the rest) are mixed along the ring."""
    k = min(degree - degree % 2, max(n_persons - 1 - (n_persons - 1) % 2, 0))
    ring = nx.watts_strogatz_graph(n_persons, k, rewiring, seed=int(rng.integers(2**31)))
    order = rng.permutation(n_persons)
    graph = nx.Graph()
    graph.add_nodes_from(range(n_persons))
    graph.add_edges_from((int(order[u]), int(order[v])) for u, v in ring.edges())
    graph.graph["ring_position"] = np.argsort(order)  # person order[u] lives at u
    return graph


def ties_of(graph: nx.Graph) -> Ties:
    """The CSR view of an undirected graph whose nodes are ``0..n-1``."""
    n = graph.number_of_nodes()
    pairs = np.array(list(graph.edges()), dtype=np.int64).reshape(-1, 2)
    source = np.concatenate([pairs[:, 0], pairs[:, 1]])
    target = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.lexsort((target, source))
    source, target = source[order], target[order]
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(source, minlength=n), out=start[1:])
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    half = len(pairs)
    twin_in_input = np.concatenate([np.arange(half, 2 * half), np.arange(half)])
    reverse = position[twin_in_input[order]]
    return Ties(start=start, source=source, target=target, reverse=reverse)

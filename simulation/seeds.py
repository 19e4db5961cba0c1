"""Seeds: every run's randomness comes from one ``numpy.random.SeedSequence``.

A job's master seed spawns one child per replicate; replicate ``i`` of every scenario gets the
same child (common random numbers, MODEL.md section 9). A run's seed is recorded as one
128-bit integer written as a decimal string (Parquet has no 128-bit integers):
``SeedSequence(int(seed))`` rebuilds it exactly. Inside a run the seed is split by purpose so
that the arms of a comparison stay aligned: the population and network are drawn from one
stream, exogenous events (need noise, acute episodes, crisis draws) from another, behaviour
from a third.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def replicate_seeds(master_seed: int, replicates: int) -> list[str]:
    """One seed per replicate, as decimal strings, spawned from the job's master seed."""
    children = np.random.SeedSequence(master_seed).spawn(replicates)
    return [str(_as_int(child)) for child in children]


def _as_int(seed: np.random.SeedSequence) -> int:
    """Collapse a seed sequence to a 128-bit integer that rebuilds an equivalent sequence."""
    words = seed.generate_state(4, dtype=np.uint32)
    return sum(int(word) << (32 * i) for i, word in enumerate(words))


def parse_seed(seed: str | int) -> np.random.SeedSequence:
    """The seed sequence a recorded seed stands for."""
    return np.random.SeedSequence(int(seed))


@dataclass(frozen=True)
class Streams:
    """The three purpose-bound random generators of one run."""

    population: np.random.Generator
    exogenous: np.random.Generator
    behaviour: np.random.Generator


def split(seed: np.random.SeedSequence) -> Streams:
    """Split a run's seed by purpose; the split never depends on the scenario."""
    population, exogenous, behaviour = (
        np.random.default_rng(np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, i)))
        for i in range(3)
    )
    return Streams(population=population, exogenous=exogenous, behaviour=behaviour)

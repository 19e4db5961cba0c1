"""Designs of a sweep: the design points drawn from each varied parameter's range or list.

``grid`` takes every combination of the ranges' evenly spaced values and the lists' values:
exhaustive and easy to read, but the number of points multiplies with each parameter.
``latin_hypercube`` and ``sobol`` (``scipy.stats.qmc``) spread ``samples`` points over all
parameters at once, so many parameters cost no more points than few; Sobol's balance holds
only for a power of two of points. The draws come from a child of the job's seed reserved for
the design, so a design does not change with the number of replicates, and the replicates'
seeds are those a comparison with the same seed uses.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

DESIGNS = ("grid", "latin_hypercube", "sobol")
DESIGN_STREAM = 2**31
"""Spawn key of the design's draws: far beyond any replicate's (replicates spawn 0, 1, ...)."""


@dataclass(frozen=True)
class Range:
    """A varied parameter's interval ``[min, max]``.

    In a grid it gives ``steps`` values evenly spaced (on a log scale when ``log``); in a
    sampled design every unit coordinate maps into the interval. ``whole`` marks an integer
    parameter: its values are whole numbers, and sampled ones are uniform over them.
    """

    min: float
    max: float
    steps: int | None = None
    log: bool = False
    whole: bool = False

    def grid(self) -> list[Any]:
        """The ``steps`` grid values, ends included."""
        space = np.geomspace if self.log else np.linspace
        return self._cast(space(self.min, self.max, self.steps))

    def scale(self, unit: np.ndarray) -> list[Any]:
        """Coordinates in [0, 1) mapped into the range."""
        if self.log:
            low, high = math.log(self.min), math.log(self.max)
            return self._cast(np.exp(low + unit * (high - low)))
        if self.whole:  # each whole number gets an equal share of [0, 1)
            return self._cast(
                np.minimum(np.floor(self.min + unit * (self.max - self.min + 1)), self.max)
            )
        return self._cast(self.min + unit * (self.max - self.min))

    def _cast(self, values: np.ndarray) -> list[Any]:
        """Plain Python numbers (for JSON and pydantic), whole numbers rounded."""
        if self.whole:
            return [int(v) for v in np.rint(values)]
        return [float(v) for v in values]


Dimension = Range | tuple[Any, ...]
"""How one parameter varies: a range, or the tuple of its values (numbers or names)."""


def design_points(
    vary: Mapping[str, Dimension], design: str, samples: int | None, seed: int
) -> list[dict[str, Any]]:
    """The design points: one ``{parameter: value}`` per point, in a reproducible order.

    A grid varies the last parameter fastest. In a sampled design a list's values share the
    unit interval equally, so each value is drawn about equally often.
    """
    if design == "grid":
        axes = [dim.grid() if isinstance(dim, Range) else list(dim) for dim in vary.values()]
        return [dict(zip(vary, combo, strict=True)) for combo in itertools.product(*axes)]
    if design not in DESIGNS:
        raise ValueError(f"unknown design {design!r}; known: {', '.join(DESIGNS)}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))
    kind = qmc.Sobol if design == "sobol" else qmc.LatinHypercube
    unit = kind(len(vary), seed=rng).random(samples)
    columns = [_column(dim, unit[:, j]) for j, dim in enumerate(vary.values())]
    return [dict(zip(vary, row, strict=True)) for row in zip(*columns, strict=True)]


def design_size(vary: Mapping[str, Dimension], design: str, samples: int | None) -> int:
    """How many points :func:`design_points` would draw, without drawing them."""
    if design != "grid":
        return samples or 0
    return math.prod(
        dim.steps or 0 if isinstance(dim, Range) else len(dim) for dim in vary.values()
    )


def _column(dim: Dimension, unit: np.ndarray) -> list[Any]:
    """One parameter's values at the sampled unit coordinates."""
    if isinstance(dim, Range):
        return dim.scale(unit)
    index = np.minimum((unit * len(dim)).astype(int), len(dim) - 1)
    return [dim[i] for i in index]

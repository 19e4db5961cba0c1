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

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from scipy.stats import qmc

DESIGNS = ("grid", "latin_hypercube", "sobol")
CHUNK = 4096
"""Points of a sampled design drawn together (a power of two: Sobol blocks stay balanced)."""
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


class Lazy[T](Sequence[T]):
    """A sequence whose items are made from their index when asked for, never held whole:
    subclasses give ``__len__`` and ``_item`` (an index already in range). It equals any
    sequence of the same items, as the list it stands for would."""

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} of {len(self)}")
        return self._item(index)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so unhashable like them

    def _item(self, index: int) -> T:
        raise NotImplementedError


class Design(Lazy[dict[str, Any]]):
    """A sweep's design points, made on demand from the design's definition, never held whole.

    A job of a million points used to build them all (and write them all into its manifest)
    before its first run. Point ``i`` is now computed from ``i``: a grid's by its mixed-radix
    digits (the last parameter fastest, as ``itertools.product`` orders them); a sampled
    design's from the block of :data:`CHUNK` points holding it, drawn again from the seed and
    kept until another block is asked for. Sobol points of a block come from the one scrambled
    sequence, fast-forwarded to the block (``qmc.Sobol.fast_forward``), so they equal a
    whole-design draw bit for bit. A Latin hypercube of at most :data:`CHUNK` points is drawn
    whole, exactly as before; a larger one is a Latin hypercube in every block of
    :data:`CHUNK` points (block ``b`` from its own child seed), since one stratification of
    every point needs all of them at once.
    """

    def __init__(
        self, vary: Mapping[str, Dimension], kind: str, samples: int | None, seed: int
    ) -> None:
        if kind not in DESIGNS:
            raise ValueError(f"unknown design {kind!r}; known: {', '.join(DESIGNS)}")
        self.vary, self.kind, self.samples, self.seed = dict(vary), kind, samples, seed
        self._names = list(self.vary)
        self._axes = [
            d.grid() if isinstance(d, Range) else list(d)
            for d in (self.vary.values() if kind == "grid" else ())
        ]
        self._size = design_size(self.vary, kind, samples)
        self._block: tuple[int, list[dict[str, Any]]] | None = None

    def __len__(self) -> int:
        return self._size

    def _item(self, index: int) -> dict[str, Any]:
        if self.kind == "grid":
            return self._grid_point(index)
        block, offset = divmod(index, CHUNK)
        if self._block is None or self._block[0] != block:
            self._block = (block, self._draw(block))
        return self._block[1][offset]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.kind == "grid":
            yield from (self._grid_point(i) for i in range(self._size))
            return
        for block in range(-(-self._size // CHUNK)):
            yield from self._draw(block)

    @classmethod
    def from_job(cls, job: Mapping[str, Any]) -> Design:
        """The design a manifest's ``job`` records (``vary`` as :meth:`Experiment.job` writes
        it: a list of values or a range's fields)."""
        vary = {
            key: tuple(dim) if isinstance(dim, list) else Range(**dim)
            for key, dim in job["vary"].items()
        }
        return cls(vary, job["design"], job.get("samples"), job["seed"])

    def _grid_point(self, index: int) -> dict[str, Any]:
        values = []
        for axis in reversed(self._axes):
            index, digit = divmod(index, len(axis))
            values.append(axis[digit])
        return dict(zip(self._names, reversed(values), strict=True))

    def _draw(self, block: int) -> list[dict[str, Any]]:
        """The points of one block of a sampled design."""
        start = block * CHUNK
        count = min(CHUNK, self._size - start)
        if self.kind == "sobol":
            engine = qmc.Sobol(len(self.vary), seed=_design_rng(self.seed))
            if start:  # scipy refuses to fast-forward by nothing
                engine.fast_forward(start)
            with warnings.catch_warnings():  # the whole design is a power of two; a block's
                warnings.simplefilter("ignore", UserWarning)  # last part need not be
                unit = engine.random(count)
        else:
            key = () if self._size <= CHUNK else (block,)
            engine = qmc.LatinHypercube(len(self.vary), seed=_design_rng(self.seed, *key))
            unit = engine.random(count)
        columns = [_column(dim, unit[:, j]) for j, dim in enumerate(self.vary.values())]
        return [dict(zip(self._names, row, strict=True)) for row in zip(*columns, strict=True)]


def design_points(
    vary: Mapping[str, Dimension], design: str, samples: int | None, seed: int
) -> Design:
    """The design points: one ``{parameter: value}`` per point, in a reproducible order,
    made on demand (:class:`Design`).

    A grid varies the last parameter fastest. In a sampled design a list's values share the
    unit interval equally, so each value is drawn about equally often.
    """
    return Design(vary, design, samples, seed)


def _design_rng(seed: int, *block: int) -> np.random.Generator:
    """The design's own stream (a block's, for a large Latin hypercube)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM, *block)))


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

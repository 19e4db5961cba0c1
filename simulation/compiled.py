"""How the loops that stand in for the week's small array steps are compiled.

A week is dozens of small array steps; at 1,000 people each costs as much as at 10,000, so the
hot ones are numba loops (issue 16). They must give the bits of the array code they replaced:
no ``fastmath`` (it would reorder sums), ``error_model="numpy"`` (a division by zero gives inf
or nan as numpy's did, not an exception), and each loop does a formula element by element in
the order the array expression was written. ``cache`` keeps the machine code between
processes; ``nogil`` lets a caller run them beside other threads. The network's kernels
(allocation, exchange, compaction), written as loops from the start, use numba's own error
model with the same ``cache`` and ``nogil``.

Two of numpy's own rules come with it, for loops to use where the array code called numpy:
its element rules for ``maximum``, ``minimum`` and ``clip`` (of two equal numbers numba's
``np.maximum`` gives the first, numpy's the second: they part at signed zeros), and its
pairwise sum, so a loop can sum
what it computes and give ``values.sum()``'s bits. numpy's ``exp``, ``power`` and ``expm1``
have no stand-in: its SIMD versions need not match a compiled loop's in the last bit, so the
loops are split around them (``care.drift_need``, ``residents.dying``).
"""

from __future__ import annotations

import numba
import numpy as np

kernel = numba.njit(cache=True, nogil=True, error_model="numpy")
"""Decorator for a compiled loop of the model."""


# numpy's own element rules, for compiled loops that stand in for its calls. numba's
# ``np.maximum`` and ``np.minimum`` on two numbers keep the first of two equal ones, numpy's
# loops the second, so they part at signed zeros (``maximum(-0.0, 0.0)``); a NaN wins in both.
# tests/test_phase_kernels.py compares these with numpy bit for bit, signed zeros and NaN
# among the values.
@numba.njit(cache=True, nogil=True, inline="always")
def maximum(a: float, b: float) -> float:
    """``np.maximum(a, b)``: the larger, the second of two equal, NaN if either is."""
    return a if a > b or a != a else b


@numba.njit(cache=True, nogil=True, inline="always")
def minimum(a: float, b: float) -> float:
    """``np.minimum(a, b)``: the smaller, the second of two equal, NaN if either is."""
    return a if a < b or a != a else b


@numba.njit(cache=True, nogil=True, inline="always")
def clip(x: float, low: float, high: float) -> float:
    """``np.clip(x, low, high)``: ``x`` itself unless beyond a bound (so -0.0 stays -0.0
    at a bound of 0.0), NaN kept."""
    x = low if x < low else x
    return high if x > high else x


PAIRWISE_BLOCK = 128
"""numpy's ``PW_BLOCKSIZE``: the longest run its pairwise sum adds in eight lanes."""


@numba.njit(cache=True, nogil=True)
def pairwise_sum(values: np.ndarray) -> float:
    """``values.sum()`` of a contiguous float64 array, to the bit: numpy's own pairwise sum
    (below 8 values one by one; up to :data:`PAIRWISE_BLOCK` in eight running lanes, added
    in pairs, then the rest; a longer run is the sum of its halves, split at a multiple of
    8), started from 0.0 as its reduction is. A compiled pass can then sum what it computes
    without a numpy call (tests/test_phase_kernels.py compares it with numpy on every length
    to 3,000 and on longer ones).

    The halving is numpy's recursion done with a stack of runs (numba's cache cannot keep a
    recursive function that another module's compiled code calls)."""
    if len(values) <= PAIRWISE_BLOCK:
        return 0.0 + _block_sum(values, 0, len(values))
    start, size = np.zeros(64, np.int64), np.zeros(64, np.int64)
    stage, left = np.zeros(64, np.int64), np.empty(64)
    size[0] = len(values)
    top, total = 0, 0.0
    while top >= 0:
        n = size[top]
        if n <= PAIRWISE_BLOCK:
            total = _block_sum(values, start[top], n)
            top -= 1
            continue
        half = n // 2
        half -= half % 8
        if stage[top] == 0:  # the first half next
            stage[top] = 1
            start[top + 1], size[top + 1], stage[top + 1] = start[top], half, 0
            top += 1
        elif stage[top] == 1:  # the first half's sum is in: the second half next
            left[top], stage[top] = total, 2
            start[top + 1], size[top + 1], stage[top + 1] = start[top] + half, n - half, 0
            top += 1
        else:  # both halves in
            total = left[top] + total
            top -= 1
    return 0.0 + total


@numba.njit(cache=True, nogil=True)
def _block_sum(values: np.ndarray, start: int, n: int) -> float:
    """numpy's pairwise sum of ``values[start:start + n]``, ``n`` at most
    :data:`PAIRWISE_BLOCK`: one by one below 8, else eight lanes."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    a = start
    r0, r1, r2, r3 = values[a], values[a + 1], values[a + 2], values[a + 3]
    r4, r5, r6, r7 = values[a + 4], values[a + 5], values[a + 6], values[a + 7]
    i = 8
    while i < n - n % 8:
        a = start + i
        r0, r1, r2, r3 = r0 + values[a], r1 + values[a + 1], r2 + values[a + 2], r3 + values[a + 3]
        r4, r5, r6, r7 = (
            r4 + values[a + 4],
            r5 + values[a + 5],
            r6 + values[a + 6],
            r7 + values[a + 7],
        )
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(start + i, start + n):
        total += values[j]
    return total

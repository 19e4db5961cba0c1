"""How the loops that stand in for the week's small array steps are compiled.

A week is dozens of small array steps; at 1,000 people each costs as much as at 10,000, so the
hot ones are numba loops (issue 16). They must give the bits of the array code they replaced:
no ``fastmath`` (it would reorder sums), ``error_model="numpy"`` (a division by zero gives inf
or nan as numpy's did, not an exception), and each loop does a formula element by element in
the order the array expression was written. ``cache`` keeps the machine code between
processes; ``nogil`` lets a caller run them beside other threads. The network's kernels
(allocation, exchange, compaction), written as loops from the start, use numba's own error
model with the same ``cache`` and ``nogil``.
"""

from __future__ import annotations

import numba

kernel = numba.njit(cache=True, nogil=True, error_model="numpy")
"""Decorator for a compiled loop of the model."""


# numpy's own element rules, for compiled loops that stand in for its calls. numba's
# ``np.maximum`` and ``np.minimum`` on two numbers keep the first of two equal ones, numpy's
# loops the second, so they part at signed zeros (``maximum(-0.0, 0.0)``); a NaN wins in both.
# tests/test_week_kernels.py compares these with numpy bit for bit, signed zeros and NaN
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

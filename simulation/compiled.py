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

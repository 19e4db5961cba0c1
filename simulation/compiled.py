"""How the model's compiled loops are compiled: one set of options for all of them.

A week is dozens of small array steps; at 1,000 people each costs as much as at 10,000, so the
hot ones are numba loops (issue 16). They must give numpy's bits: no ``fastmath`` (it would
reorder sums), ``error_model="numpy"`` (a division by zero gives inf or nan as numpy's does,
not an exception), and each loop does a formula element by element in the order the array
expression it replaced was written. ``cache`` keeps the machine code between processes;
``nogil`` lets a caller run them beside other threads.
"""

from __future__ import annotations

import numba

kernel = numba.njit(cache=True, nogil=True, error_model="numpy")
"""Decorator for a compiled loop of the model."""

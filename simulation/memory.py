"""Keep freed memory in the process: a city-sized world's arrays are bigger than glibc
hands back to the system.

glibc's ``malloc`` serves blocks above its mmap threshold (32 MiB at most by default) with
fresh pages from the kernel and returns them on ``free``. A week of a world with a million
residents makes and drops dozens of arrays over the network's six million ties (48 MB each),
so every one of them was faulted in again, page by page. Measured on this project's 2-core
virtual machine: an array of 48 MB cost 49 ms to allocate and fill from compiled code, 2.3 ms
once freed memory was kept; a policy week at a million residents 1.76 s of CPU before, 1.51 s
after (one profile each, load about 3.5). ``hold_freed_memory`` raises both thresholds so that freed
blocks stay with the process for the next week's arrays. Nothing else changes: the same
memory is asked for, and results are the same to the bit. Its cost is that the process does
not give memory back until it ends (a worker ends with its job).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 30
"""Blocks up to 1 GiB come from the heap, so freed ones are reused (glibc's own default is
dynamic up to 32 MiB)."""
TRIM_THRESHOLD = 1 << 40
"""Free memory at the top of the heap above which glibc gives it back: never, in practice."""
LARGE_WORLD_TIES = 4_000_000
"""Directed ties (about 670,000 residents at the default degree) from which a world's edge
arrays (8 bytes a tie) pass 32 MiB and would each be faulted in again every week."""


@functools.cache
def hold_freed_memory() -> bool:
    """Ask glibc to keep freed blocks for reuse (once per process); False where the C library
    is not glibc (macOS, musl), which then goes on as before."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )

"""The local process pool: its start method, its workers' start, and a pool that heals.

A worker that dies (the out-of-memory killer, a crash in a C library) breaks a
``ProcessPoolExecutor`` for good, and every run in flight with it. :class:`HealingPool`
starts a fresh pool at the next submission instead, and the runner makes the runs that were
in flight again one at a time, so only the run whose worker died is logged as failed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from typing import Any

from coprod.experiments.jobs.signals import die_with
from coprod.simulation.errors import CoprodError


def default_executor(workers: int | None = None) -> HealingPool:
    """A healing pool of ``workers`` processes (all cores when None).

    The start method is set on this pool only (forkserver where it exists, else spawn: no
    fork of a threaded parent), never process-wide, so a script using it needs the
    ``if __name__ == "__main__":`` guard. Workers ignore Ctrl-C: the parent alone stops the
    job, so an interrupt never looks like a failed run or a broken pool; and they end with the
    parent, however it ends.
    """
    count = cores() if workers is None else workers
    if count < 1:
        raise CoprodError(f"--workers must be at least 1, not {workers}")
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":  # the model is imported once, by the server, not by each worker
        context.set_forkserver_preload(
            ["__main__", "coprod.experiments.jobs.worker", "coprod.simulation.model"]
        )
        _start_quiet_forkserver()
    parent = os.getpid()
    return HealingPool(
        lambda: ProcessPoolExecutor(
            count, mp_context=context, initializer=_start_worker, initargs=(parent,)
        )
    )


def _start_quiet_forkserver() -> None:
    """Start the forkserver with its standard error on /dev/null (its workers inherit it).

    An interrupt that lands while the pool is asking the server for a worker makes the server
    print a traceback (``EOFError`` in ``recvfds``) on the user's terminal, after coprod's own
    one-line message. A run's errors never go there: they are caught in the worker and logged
    in ``status.jsonl``. A server already running (a second job in this process) is kept.
    """
    from multiprocessing import forkserver

    saved, quiet = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(quiet, 2)
        forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)


def cores() -> int:
    """The cores this process may use (a container or taskset may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _start_worker(parent: int) -> None:
    """A worker's start: Ctrl-C is the parent's to handle, and the worker ends with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with(parent)


class HealingPool(Executor):
    """A process pool that replaces itself when a dead worker has broken it.

    ``heals`` tells the runner that runs lost with a broken pool can be made again here.
    """

    heals = True

    def __init__(self, factory: Callable[[], ProcessPoolExecutor]) -> None:
        self._factory = factory
        self._pool = factory()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenExecutor:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._factory()
            return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait, cancel_futures=cancel_futures)

    @property
    def processes(self) -> list[multiprocessing.Process]:
        """The current pool's worker processes (the standard library's own list)."""
        return list((getattr(self._pool, "_processes", None) or {}).values())

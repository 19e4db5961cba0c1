"""The local process pool: its start method, its workers' start, and a pool that heals.

A worker that dies (the out-of-memory killer, a crash in a C library) breaks a
``ProcessPoolExecutor`` for good, and every run in flight with it. :class:`HealingPool`
starts a fresh pool at the next submission instead, and the runner makes the runs that were
in flight again one at a time, so only the run whose worker died is logged as failed.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from coprod.experiments.jobs.signals import die_with
from coprod.simulation.errors import CoprodError

PINNED_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Thread counts of numpy's BLAS and OpenMP libraries, set to 1 in every worker."""


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
    context = _context()
    parent = os.getpid()
    return HealingPool(
        lambda: ProcessPoolExecutor(
            count, mp_context=context, initializer=_start_worker, initargs=(parent,)
        )
    )


def start_early(workers: object, engine: object = None, scheduler: object = None) -> None:
    """Start the forkserver now if a job with these options will run on a local pool.

    The server imports the model (seconds: numpy, pandas, scipy, Mesa) once for every
    worker; started before the parent imports and plans the job, those imports run on
    another core meanwhile instead of after it, before the first run. One worker runs in the
    parent, and Dask has its own workers: nothing starts for them. Options not yet checked
    (this runs first) start nothing either; the job refuses them later. It pays only when a
    core is free: on this 2-core machine at load 3 (other jobs running), a 20-run compare on
    2 workers took 0.86x the time of one that started its server with the pool (median of 6
    pairs, 0.74 to 1.14) and its first run was logged at 0.90x; 5 other pairs gave 1.13x
    (0.68 to 1.29), and session 5 had measured 1.24x at load 7 (2 pairs). On an idle machine
    the server's imports (about 2.5 s) leave the first run's path.
    """
    if pooled(workers, engine, scheduler):
        _context()


def pooled(workers: object, engine: object = None, scheduler: object = None) -> bool:
    """Whether a job with these options (not yet checked) runs on a local process pool."""
    many = workers is None or (type(workers) is int and workers > 1)
    return many and engine in (None, "local") and scheduler is None


def import_meanwhile(module: str) -> None:
    """Import ``module`` in a background thread, for a job whose runs go to a local pool.

    Once such a job has planned and handed out its first runs, this process waits: about two
    seconds on this 2-core machine while the pool's server imports the model, with a core
    free. What the job needs at its end (its report's modules: matplotlib, seaborn,
    scipy.stats) is imported then instead of after the runs. The main thread's own
    ``import`` of the module waits for this one to finish it, and sees any error it raised.
    """
    threading.Thread(target=importlib.import_module, args=(module,), daemon=True).start()


def _context() -> multiprocessing.context.BaseContext:
    """The pool's start context, its forkserver started now if it has one (at once: the
    server imports the model in the background). Calling it again is free."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["__main__", "coprod.experiments.jobs.worker", "coprod.simulation.model"]
    )
    _start_quiet_forkserver()
    return context


@contextmanager
def _pinned_threads() -> Iterator[None]:
    """While the block runs, this process's environment asks numerical libraries for one
    thread each (:data:`PINNED_THREADS`): the forkserver started in it imports numpy under
    that, and so do the workers it forks. Two workers on two cores each running a BLAS pool
    of two threads slow a matrix product by orders of magnitude. The parent's own
    environment comes back afterwards."""
    saved = {name: os.environ.get(name) for name in PINNED_THREADS}
    os.environ.update(dict.fromkeys(PINNED_THREADS, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
        with _pinned_threads():
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
    """A worker's start: Ctrl-C is the parent's to handle, and the worker ends with it. Its
    numerical libraries get one thread each (a spawned worker imports numpy after this)."""
    os.environ.update(dict.fromkeys(PINNED_THREADS, "1"))
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

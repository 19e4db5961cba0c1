"""Where a job's runs execute: this machine's process pool, or a Dask cluster.

Both engines are a ``concurrent.futures.Executor`` to the runner, so the runner, the single
streaming writer and resume are the same code whichever runs the model; results do not depend
on the engine because every run's seed is in its ``RunSpec``. Dask is an optional extra
(``pip install "coprod[dask]"``), imported only when asked for. Dask's scheduler adds about
3 ms per task (DESIGN.md), so a task is one whole run, never a step.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import ExitStack, contextmanager
from importlib import metadata
from types import ModuleType
from typing import TYPE_CHECKING

from coprod.experiments.jobs.pool import HealingPool, default_executor
from coprod.simulation.errors import CoprodError

if TYPE_CHECKING:
    from distributed import Client

ENGINES = ("local", "dask")
CONNECT_TIMEOUT = "10s"  # a wrong address should fail in seconds, not Dask's default 30 s
MIN_DASK_WINDOW = 8  # runs in flight while a remote cluster has no worker yet

_WINDOWS: weakref.WeakKeyDictionary[Executor, int] = weakref.WeakKeyDictionary()


@contextmanager
def executor_for(
    engine: str = "local", workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor | None]:
    """The executor of ``engine``, shut down (with its cluster) when the block ends.

    ``local``: :func:`.pool.default_executor` of ``workers`` processes (all
    cores when None), or None (run in this process) for one worker. ``dask``: the cluster at
    ``scheduler``, else a ``LocalCluster`` of ``workers`` single-threaded processes; a script
    using it needs the ``if __name__ == "__main__":`` guard. Runs not yet started are
    cancelled on the way out (after Ctrl-C, say); Dask cannot stop a running task.
    """
    if engine not in ENGINES:
        raise CoprodError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        raise CoprodError("--scheduler is the address of a Dask scheduler: add --engine dask")
    if engine == "local":
        if workers == 1:
            yield None
            return
        executor = default_executor(workers)
        try:
            yield executor
        except BaseException:  # Ctrl-C or an error: stop at once, runs in progress included
            _stop(executor)
            raise
        executor.shutdown(wait=True)
        return
    with ExitStack() as stack:
        client = stack.enter_context(_dask_client(workers, scheduler))
        executor = client.get_executor(pure=False)
        stack.callback(executor.shutdown, wait=False)
        threads = sum(client.nthreads().values())
        _WINDOWS[executor] = max(2 * threads, MIN_DASK_WINDOW)
        yield executor


def _stop(executor: HealingPool) -> None:
    """Cancel the queued runs and end the worker processes without waiting for the runs they
    are in: those were never logged, so ``--resume`` makes them again, and a user who pressed
    Ctrl-C should not wait for a long run to finish. (The standard library offers no public
    way to end a running task: the pool's own list of processes is used.)"""
    processes = executor.processes
    for process in processes:
        process.terminate()
    for process in processes:  # gone before the pool cleans up what it sent them
        process.join(timeout=5)
    executor.shutdown(wait=False, cancel_futures=True)


def window_for(executor: Executor | None) -> int | None:
    """How many runs to keep in flight on ``executor``: twice the Dask cluster's threads
    (every worker busy, one run queued behind each), or None for the runner's default."""
    return None if executor is None else _WINDOWS.get(executor)


@contextmanager
def _dask_client(workers: int | None, scheduler: str | None) -> Iterator[Client]:
    """A connected ``distributed.Client`` whose workers can import coprod."""
    try:
        import distributed
    except ImportError:
        raise CoprodError(
            'the dask engine needs dask.distributed: pip install "coprod[dask]"'
        ) from None
    with ExitStack() as stack:
        if scheduler is None:
            cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address="127.0.0.1:0",
            )
            stack.enter_context(cluster)
            client = stack.enter_context(distributed.Client(cluster))
        else:
            if workers is not None:
                raise CoprodError(
                    f"the workers of the cluster at {scheduler} run the job, so --workers does "
                    f"not apply: leave it out, or start more with `dask worker {scheduler}`"
                )
            client = stack.enter_context(_connect(distributed, scheduler))
            _check_workers(client, scheduler)
        yield client


def _connect(distributed: ModuleType, scheduler: str) -> Client:
    """A client of the scheduler at ``scheduler``, or a CoprodError saying how to start one."""
    try:
        return distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as error:
        raise CoprodError(
            f"cannot reach the Dask scheduler at {scheduler} ({type(error).__name__}: {error}). "
            f"Start one with `dask scheduler` and workers with `dask worker {scheduler}`, or "
            "check the address (tcp://HOST:8786)."
        ) from None


def _check_workers(client: Client, scheduler: str) -> None:
    """Refuse a cluster whose workers lack coprod: every run would fail on import."""
    found = client.run(metadata.version, "coprod", on_error="return")
    missing = sorted(worker for worker, version in found.items() if not isinstance(version, str))
    if missing:
        raise CoprodError(
            f"coprod is not installed on {len(missing)} worker(s) of {scheduler}: "
            f"{', '.join(missing)}. Install the same version on every worker "
            '(pip install "coprod[dask]" from the same source) and restart them.'
        )

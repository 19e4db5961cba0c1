"""Termination signals handled like Ctrl-C, and workers that never outlive their parent.

A job stopped by SIGTERM (a scheduler's time limit, ``kill``) or SIGHUP (a closed terminal)
keeps its finished runs like one stopped by Ctrl-C, and should say so and exit 128 + the signal
number as shells expect. Worker processes watch the job's process and end with it, so a
parent killed outright (SIGKILL, the out-of-memory killer) leaves no pool behind.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

TERMINATING = (signal.SIGTERM, signal.SIGHUP)
_LOST: list[BaseException] = []  # interrupts the interpreter could not raise (keep_lost_interrupts)


class Terminated(KeyboardInterrupt):
    """A termination signal, raised where Ctrl-C's ``KeyboardInterrupt`` would be, so every
    clean-up that Ctrl-C gets (workers ended, manifest written) runs for it too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """128 + the signal number: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + getattr(interrupt, "signum", signal.SIGINT)


@contextmanager
def terminating_signals_interrupt() -> Iterator[None]:
    """While the block runs (in the main thread), SIGTERM and SIGHUP raise :class:`Terminated`;
    the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    previous = {signum: signal.signal(signum, interrupt) for signum in TERMINATING}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def die_with(pid: int) -> None:
    """End this process as soon as process ``pid`` (the job's parent) has ended.

    A daemon thread waits on a pidfd of the parent (Linux 5.3 and later), so it wakes the
    moment the parent dies, however it dies; elsewhere it checks once a second. A worker's own
    parent is the forkserver, which lives as long as any worker does, so a parent-death
    signal would never fire: the job's process is the one to watch.
    """
    threading.Thread(target=_watch, args=(pid,), daemon=True, name="coprod-watchdog").start()


def _watch(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfds here: poll
        while _alive(pid):
            time.sleep(1.0)
        os._exit(1)
    select.select([handle], [], [])
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def keep_lost_interrupts() -> None:
    """Keep the interrupts the interpreter cannot raise, for :func:`raise_lost_interrupt`.

    A Ctrl-C that lands while a weak reference's callback or a ``__del__`` runs (an import
    cleans up its module locks so, and a command imports for a second or two after it
    starts) is "ignored": the interpreter prints its traceback and goes on, and the job ran
    to the end as if nothing had happened (seen once in CI, at 1.2 s). Kept, it says nothing
    and is raised at the job's next safe point; any other unraisable error is reported as
    before. For the command line only: an analyst's session keeps Python's own behaviour."""
    report = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _LOST.append(unraisable.exc_value)
        else:
            report(unraisable)

    sys.unraisablehook = hook


def raise_lost_interrupt() -> None:
    """Raise an interrupt the interpreter lost (:func:`keep_lost_interrupts`), if there was
    one: a job checks at its start and as each run arrives."""
    if _LOST:
        lost = _LOST[-1]
        _LOST.clear()
        raise lost

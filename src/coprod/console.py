"""The ``coprod`` console script: interrupts handled before anything heavy is imported.

The command line imports pandas, pyarrow, numpy and Mesa before it can handle Ctrl-C itself,
and an interrupt in that second or two used to print a ``KeyboardInterrupt`` traceback from
deep inside an import. This module imports only the standard library's ``signal``, ``os``
and ``sys``, which the interpreter has loaded already (anything more widens the moment when
an interrupt still prints a traceback: ``typing`` alone took 3 ms, and a test's Ctrl-C at
0.1 s landed in it): its :func:`main` makes SIGTERM and SIGHUP raise like Ctrl-C, imports the
command line, and turns an interrupt that lands before the command line's own handler (or
after it, while the process exits) into coprod's one-line message and exit 128 + the signal.
The signals are held while the command line and pandas are imported: a Ctrl-C inside a C
extension's initialisation (pandas' Cython modules) broke that import with an ImportError or
SystemError instead of raising, so the command printed a traceback, or carried on as if
nothing had happened. Held, it arrives when the imports are done. Once the command is over
the process exits at once (:func:`_exit`), without the interpreter's shutdown.
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False  # typing's own flag, without importing typing: see the docstring
if TYPE_CHECKING:
    from typing import NoReturn

TERMINATING = (signal.SIGTERM, signal.SIGHUP)


class _Stopped(KeyboardInterrupt):
    """A termination signal during start-up, raised where Ctrl-C would be."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


def _leave(signum: int, _frame: object) -> None:
    """An interrupt once the command is over: nothing is left to save, so exit at once."""
    os._exit(128 + signum)


def main() -> NoReturn:
    """Run the ``coprod`` command and exit with its status; an interrupt at any moment exits
    128 + its signal."""
    _exit(_run())


def _run() -> int:
    """The command's exit status."""
    try:
        for signum in TERMINATING:
            signal.signal(signum, _raise)
        try:
            held = signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, *TERMINATING))
            try:  # an interrupt inside a C extension's start-up breaks the import instead
                import coprod.api  # noqa: F401  pandas and pyarrow, which every command loads
                from coprod.experiments.cli import main as command
                from coprod.experiments.jobs.signals import keep_lost_interrupts

                keep_lost_interrupts()  # a Ctrl-C inside a later import's clean-up is not lost
            finally:  # a signal that came meanwhile is delivered here, as an interrupt
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
            status = command()
        except KeyboardInterrupt as interrupt:  # before the command line's handler was in place
            status = 128 + getattr(interrupt, "signum", signal.SIGINT)
            _say_stopped(status - 128)
        for signum in (signal.SIGINT, *TERMINATING):  # the interpreter's shutdown: no traceback
            signal.signal(signum, _leave)
    except KeyboardInterrupt as late:  # a second interrupt while the first was being handled
        os._exit(128 + getattr(late, "signum", signal.SIGINT))
    return status


def _exit(status: int) -> NoReturn:
    """End the process with ``status`` now that the command is over, skipping the
    interpreter's shutdown: taking every module and object apart one by one cost about a
    second after a comparison (pandas, Mesa, numba, matplotlib and the job's tables in
    memory), for nothing left to save. Exit handlers still run (multiprocessing's, a
    coverage tool's), and what was printed is flushed first."""
    import atexit  # imported once the command is over: see the module's docstring
    import contextlib

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to show
            stream.flush()
    os._exit(status)


def _say_stopped(signum: int) -> None:
    """coprod's message for an interrupt before any job began (nothing to resume)."""
    how = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    print(f"\ncoprod: {how}.", file=sys.stderr)


if __name__ == "__main__":
    main()

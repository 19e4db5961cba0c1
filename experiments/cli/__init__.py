"""The ``coprod`` command: parse (``parsing``), call the public API (``commands``), print.

The command line is a leaf: nothing in the package imports it. A ``CoprodError`` (bad
scenario, bad folder, bad value) or an I/O fault (a full disk, an unwritable --out) prints one
paragraph and exits 2, never a traceback (1 when runs failed); Ctrl-C, SIGTERM and SIGHUP exit
128 + the signal's number at any moment and print the command that finishes the job.
"""

from __future__ import annotations

import errno
import os
import shlex
import signal
import sys
import textwrap
import warnings
from pathlib import Path

from coprod.experiments.jobs.signals import exit_status, terminating_signals_interrupt
from coprod.simulation.errors import CoprodError

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        with terminating_signals_interrupt():
            return _command(argv)
    except CoprodError as error:
        print(f"coprod: error: {wrap(str(error))}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except OSError as error:  # a full disk, a read-only or unwritable place, a file in the way
        print(f"coprod: error: {wrap(io_message(error, argv))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:  # Ctrl-C, SIGTERM or SIGHUP, at any moment
        out = getattr(interrupt, "out", None)
        print(
            f"\ncoprod: {_stopped_by(interrupt)}."
            + (
                " Finished runs are kept; to finish the job run:\n  " + resume_command(argv, out)
                if out is not None
                else ""
            ),
            file=sys.stderr,
        )
        return exit_status(interrupt)


def _command(argv: list[str]) -> int:
    """Parse the command line and run the subcommand."""
    from coprod.experiments.cli.parsing import parser

    top = parser()
    args = top.parse_args(argv)
    if args.command is None:  # bare `coprod`: say what there is
        top.print_help()
        return 0
    with warnings.catch_warnings():
        _show_run_failures()
        return args.command(args) or 0


def _stopped_by(interrupt: KeyboardInterrupt) -> str:
    signum = getattr(interrupt, "signum", signal.SIGINT)
    return "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"


def io_message(error: OSError, argv: list[str]) -> str:
    """One paragraph for an I/O fault: what, where, and how to go on."""
    where = f" at {error.filename}" if error.filename else ""
    advice = {
        errno.ENOSPC: "the disk is full: free some space",
        errno.EDQUOT: "the disk quota is used up: free some space",
        errno.EACCES: "permission denied: choose a folder you can write to (--out DIR)",
        errno.EPERM: "permission denied: choose a folder you can write to (--out DIR)",
        errno.EROFS: "the file system is read-only: choose another place (--out DIR)",
        errno.ENOTDIR: "a file stands where a folder is needed: move it or choose --out DIR",
        errno.EEXIST: "a file stands where a folder is needed: move it or choose --out DIR",
    }.get(error.errno, "the operating system refused")
    text = f"{error.strerror or error}{where}: {advice}."
    out = _out_of(argv)
    if out is not None and (out / "manifest.json").is_file():
        text += " Finished runs are kept: run the same command with --resume to go on."
    return text


def _out_of(argv: list[str]) -> Path | None:
    """The ``--out`` folder of a command line, if it names one."""
    for index, word in enumerate(argv):
        if word.startswith("--out="):
            return Path(word.removeprefix("--out="))
        if word == "--out" and index + 1 < len(argv):
            return Path(argv[index + 1])
    return None


def _show_run_failures() -> None:
    """Print the API's warning about failed runs as a line of the command, not as Python's
    warning with a file name and a line of source."""
    from coprod.api import RunsFailedWarning

    python_way = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, RunsFailedWarning):
            print(f"coprod: {message}", file=sys.stderr)
        else:
            python_way(message, category, filename, lineno, file, line)

    warnings.simplefilter("always", RunsFailedWarning)
    warnings.showwarning = show


def wrap(message: str) -> str:
    """Wrap each line of a message to the terminal, keeping its list structure."""
    return "\n".join(
        textwrap.fill(line, 100, subsequent_indent="    " if line.lstrip().startswith("-") else "")
        for line in message.splitlines()
    )


def resume_command(argv: list[str], out: Path) -> str:
    """The command line that finishes this job, for the interrupt message."""
    kept = [a for a in argv if a not in ("--resume", "--dry-run")]
    if "--out" not in kept and not any(a.startswith("--out=") for a in kept):
        kept += ["--out", str(out)]
    return shlex.join(["coprod", *kept, "--resume"])

"""The ``coprod`` command: parse (``parsing``), call the public API (``commands``), print.

The command line is a leaf: nothing in the package imports it. A ``CoprodError`` (bad
scenario, bad folder, bad value) prints one paragraph and exits 2, never a traceback (1 when
runs failed); Ctrl-C exits 130 and prints the command that finishes the job.
"""

from __future__ import annotations

import os
import shlex
import sys
import textwrap
import warnings
from pathlib import Path

from coprod.simulation.errors import CoprodError

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    from coprod.experiments.cli.parsing import parser

    argv = sys.argv[1:] if argv is None else list(argv)
    top = parser()
    args = top.parse_args(argv)
    if args.command is None:  # bare `coprod`: say what there is
        top.print_help()
        return 0
    try:
        with warnings.catch_warnings():
            _show_run_failures()
            return args.command(args) or 0
    except CoprodError as error:
        print(f"coprod: error: {wrap(str(error))}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except KeyboardInterrupt as interrupt:
        out = getattr(interrupt, "out", None)
        print(
            "\ncoprod: interrupted."
            + (
                " Finished runs are kept; to finish the job run:\n  " + resume_command(argv, out)
                if out is not None
                else ""
            ),
            file=sys.stderr,
        )
        return 130


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

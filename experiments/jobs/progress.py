"""A job's progress on stderr: a live bar on a terminal, a few plain lines in a log.

A bar redrawn with carriage returns is right on a terminal and wrong in a log file, a CI log
or a notebook cell, where every redraw piles up. Off a terminal the job therefore says where it
is in whole lines, at most once a minute or once a tenth of the job, whichever comes first,
and when it ends; each line is tqdm's own meter text, so the two read alike.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from tqdm import tqdm

LINE_SECONDS = 60.0
LINE_SHARE = 0.1


def progress_bar(total: int, initial: int = 0, enabled: bool = True) -> tqdm | LineProgress:
    """A live tqdm bar when stderr is a terminal, else :class:`LineProgress`; silent when
    ``enabled`` is false. Both take ``update(n)``, ``set_postfix(...)`` and ``close()``."""
    if enabled and not sys.stderr.isatty():
        return LineProgress(total, initial, sys.stderr)
    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
    )


class LineProgress:
    """Progress as whole lines: one a minute or one a tenth of the runs, whichever comes
    first, and a last one at the end (tqdm's ``mininterval`` and ``miniters`` would ask for
    both at once, not either)."""

    def __init__(self, total: int, initial: int, file: IO[str]) -> None:
        self.total, self.n, self.initial, self.file = total, initial, initial, file
        self.started = time.monotonic()
        self.postfix: dict[str, Any] = {}
        self._last_time, self._last_n = self.started, initial

    def update(self, n: int = 1) -> None:
        """Count ``n`` more runs and print a line if a minute or a tenth has passed."""
        self.n += n
        step = max(1, round(LINE_SHARE * self.total))
        now = time.monotonic()
        if now - self._last_time >= LINE_SECONDS or self.n - self._last_n >= step:
            self._print(now)

    def set_postfix(self, refresh: bool = False, **values: Any) -> None:
        """Values shown after the meter (``failed=2``), as tqdm shows them."""
        del refresh  # a line is printed only when one is due
        self.postfix = values

    def close(self) -> None:
        """The last line, unless the last update printed it."""
        if self.n != self._last_n:
            self._print(time.monotonic())

    def _print(self, now: float) -> None:
        extra = ", ".join(f"{key}={value}" for key, value in self.postfix.items())
        meter = tqdm.format_meter(
            self.n,
            self.total,
            now - self.started,
            unit="run",
            initial=self.initial,
            postfix=extra or None,
            ncols=0,
        )
        print(meter, file=self.file, flush=True)
        self._last_time, self._last_n = now, self.n

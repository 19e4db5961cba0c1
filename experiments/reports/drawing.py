"""Figures drawn beside the page that shows them: in other processes when a pool is given.

A report's figures are most of its time (the default comparison's nine-panel time series
alone about two seconds) and each depends only on tables computed before it, so they need
not wait for one another nor hold up the Markdown: given the job's own process pool, whose
workers sit idle once the runs are over, every figure is handed to it as soon as its data
is ready and the page is written meanwhile; the HTML page, which inlines the PNGs, waits for
them (:meth:`Drawing.finish`). Without a pool (one worker: the job ran in this process) each
figure is drawn here, at once, as before. Either way the files are the same: a figure is a
function of its arguments, drawn by the same matplotlib with the same settings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

FIGURES = "coprod.experiments.reports.figures"


def get_ready(executor: Executor, workers: int) -> None:
    """Have each of ``workers`` idle workers import the figures' module (matplotlib: about
    half a second of CPU a process) now, while this process loads the job's tables, rather
    than when the first figure arrives. Best effort: a worker that takes two of these imports
    once, and another then imports with its first figure."""
    for _ in range(workers):
        executor.submit(_import_figures)


def _import_figures() -> None:
    """Import the figures' module in this process (a pool worker); send nothing back."""
    importlib.import_module(FIGURES)


class Drawing:
    """Figures to draw, here or on ``executor``'s processes; :meth:`finish` waits for them."""

    def __init__(self, executor: Executor | None = None) -> None:
        self._executor = executor
        self._pending: list[Future[Path]] = []

    def __call__(self, figure: Callable[..., Path], /, *args: Any) -> None:
        """Draw ``figure(*args)``: now in this process, or handed to the pool (a module-level
        function of ``figures``, with picklable arguments, so a worker can import it)."""
        if self._executor is None:
            figure(*args)
        else:
            self._pending.append(self._executor.submit(figure, *args))

    def finish(self) -> None:
        """Wait until every figure handed out is drawn; a figure that failed raises here."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

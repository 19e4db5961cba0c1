"""Scenario discovery: under which conditions does co-production pay?

From a sweep or PSA, the parameter values of each draw and whether it met a condition (for
instance INMB > 0 at GBP 20,000 per QALY), PRIM (the Patient Rule Induction Method, Friedman
& Fisher 1999, as in ema_workbench, Kwakkel 2017) finds boxes of parameter ranges in which
the condition holds far more often than elsewhere. Each box is a sentence a commissioner can
read: "INMB > 0 when hours_per_need > 1.2 and timebank_uptake > 0.1", with

- **coverage**: the share of all the draws that met the condition which fall in the box (how
  much of the good news the box explains), and
- **density**: the share of the draws in the box that met it (how reliable the rule is);
- **mass**: the share of all draws in the box (how wide a world the rule describes).

PRIM peels a box down step by step, each step trading coverage for density. From each peeling
trajectory this module keeps the box with the best balance of the two (the harmonic mean of
coverage, among the draws not yet explained by earlier boxes, and density), then drops any
side of it that does not raise its density; later boxes look for other pockets among the
draws outside the earlier ones (ema_workbench's covering approach), and stop when a box's
density falls below ``min_density``. A later box's statistics count only the draws outside
earlier boxes, so coverages add up: "a second box explains a further 18%". The ``economics``
extra installs ema_workbench.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coprod.simulation.errors import CoprodError


@dataclass(frozen=True)
class Box:
    """One rule: the ranges of the restricted parameters (None where a side is open) and how
    well it separates draws that met the condition from those that did not."""

    limits: dict[str, tuple[float | None, float | None]]
    coverage: float
    density: float
    mass: float

    def rule(self, condition: str = "the condition holds") -> str:
        """The box as a sentence, e.g. ``INMB > 0 when a > 0.6 and b < 0.3``."""
        parts = []
        for name, (low, high) in self.limits.items():
            if low is not None and high is not None:
                parts.append(f"{_g(low)} < {name} < {_g(high)}")
            elif low is not None:
                parts.append(f"{name} > {_g(low)}")
            else:
                parts.append(f"{name} < {_g(high)}")
        return f"{condition} when {' and '.join(parts) or 'anything'}"

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """Which rows of ``x`` lie in the box."""
        inside = np.ones(len(x), dtype=bool)
        for name, (low, high) in self.limits.items():
            if low is not None:
                inside &= x[name].to_numpy() >= low
            if high is not None:
                inside &= x[name].to_numpy() <= high
        return inside


def discover(
    x: pd.DataFrame,
    condition: np.ndarray,
    max_boxes: int = 3,
    min_coverage: float = 0.1,
    min_density: float = 0.5,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> list[Box]:
    """Up to ``max_boxes`` PRIM boxes over the numeric parameters ``x`` (one row per draw)
    for the boolean ``condition`` of each draw; fewer when PRIM finds no more boxes in which
    the condition holds in at least ``min_density`` of the draws. No box holds less than
    ``mass_min`` of all draws: a rule about a sliver of the space is not a finding."""
    y = np.asarray(condition, dtype=bool)
    _check(x, y)
    prim = _prim_module()
    x = x.reset_index(drop=True)
    remaining = np.ones(len(x), dtype=bool)
    boxes: list[Box] = []
    with warnings.catch_warnings():  # ema_workbench's own pandas deprecations are not ours
        warnings.filterwarnings("ignore", message="The inplace keyword", module="ema_workbench")
        runner = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        _peel(runner, x, y, remaining, boxes, max_boxes, min_coverage, min_density)
    return boxes


def _peel(
    runner: Any,
    x: pd.DataFrame,
    y: np.ndarray,
    remaining: np.ndarray,
    boxes: list[Box],
    max_boxes: int,
    min_coverage: float,
    min_density: float,
) -> None:
    """Find boxes one after another until ``max_boxes``, or PRIM finds no dense one."""
    while len(boxes) < max_boxes:
        found = runner.find_box()
        step = None if found is None else _chosen_step(found.peeling_trajectory, min_coverage)
        if step is None:
            break
        found.select(step)
        box = _box(found.box_lims[step], runner.box_init, x, y, remaining)
        if not box.limits or box.density < min_density:
            break
        boxes.append(box)
        remaining &= ~box.contains(x)


def _chosen_step(trajectory: pd.DataFrame, min_coverage: float) -> int | None:
    """The step with the best balance of coverage and density (their harmonic mean, as an
    F-score balances recall and precision) among those keeping at least ``min_coverage`` of
    the draws meeting the condition that no earlier box holds. ema_workbench counts coverage
    against all such draws, so a later trajectory is rescaled by its first step (the whole
    remaining space, which always qualifies). None when no such draw is left."""
    if trajectory["coverage"].iloc[0] <= 0:
        return None
    coverage = trajectory["coverage"] / trajectory["coverage"].iloc[0]
    density = trajectory["density"]
    balance = (2 * coverage * density / (coverage + density)).where(coverage >= min_coverage)
    return int(balance.idxmax())


def _box(
    limits: pd.DataFrame,
    initial: pd.DataFrame,
    x: pd.DataFrame,
    y: np.ndarray,
    remaining: np.ndarray,
    tolerance: float = 0.01,
) -> Box:
    """A :class:`Box` from ema_workbench's limits (rows 0 and 1: low, high) with only the
    sides that restrict and earn their place: a side whose removal costs less than
    ``tolerance`` of density is dropped, so a rule names no parameter it does not need."""
    sides: dict[str, tuple[float | None, float | None]] = {}
    for name in x.columns:
        low, high = limits.loc[0, name], limits.loc[1, name]
        low_bites, high_bites = low > initial.loc[0, name], high < initial.loc[1, name]
        if low_bites or high_bites:
            sides[name] = (float(low) if low_bites else None, float(high) if high_bites else None)
    box = _measured(sides, x, y, remaining)
    for name, side in [(n, s) for n in list(sides) for s in (0, 1)]:
        if name not in box.limits or box.limits[name][side] is None:
            continue
        bounds = list(box.limits[name])
        bounds[side] = None
        looser = {**box.limits, name: (bounds[0], bounds[1])}
        looser = {k: v for k, v in looser.items() if v != (None, None)}
        candidate = _measured(looser, x, y, remaining)
        if candidate.density >= box.density - tolerance:
            box = candidate
    return box


def _measured(
    limits: dict[str, tuple[float | None, float | None]],
    x: pd.DataFrame,
    y: np.ndarray,
    remaining: np.ndarray,
) -> Box:
    """A box with its statistics over the draws not in earlier boxes, as ema_workbench
    counts them: coverage against all draws meeting the condition (so the coverages of
    successive boxes add up), density within the box, mass against all draws."""
    inside = Box(limits, 0.0, 0.0, 0.0).contains(x) & remaining
    hits = int((inside & y).sum())
    return Box(
        limits,
        coverage=hits / int(y.sum()),
        density=hits / max(int(inside.sum()), 1),
        mass=float(inside.mean()),
    )


def _check(x: pd.DataFrame, y: np.ndarray) -> None:
    """Refuse inputs PRIM cannot read meaningfully."""
    if len(x) != len(y):
        raise CoprodError(f"{len(x)} parameter rows but {len(y)} outcomes.")
    words = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    if words:
        raise CoprodError(f"scenario discovery takes numeric parameters only; not: {words}")
    if not y.any() or y.all():
        raise CoprodError(
            "the condition holds in none or all of the draws: there is nothing to discover."
        )


def _prim_module() -> Any:
    """ema_workbench's PRIM, imported on first use (it is heavy) and without its notice
    that the optional ipyparallel is missing, which is irrelevant here."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="ipyparallel not installed")
            from ema_workbench.analysis import prim
    except ImportError:
        raise CoprodError(
            "scenario discovery needs ema_workbench: pip install 'coprod[economics]'"
        ) from None
    return prim


def _g(value: float) -> str:
    """A bound with three significant figures."""
    return f"{value:.3g}"

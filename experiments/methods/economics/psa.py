"""A probabilistic sensitivity analysis from end to end: its draws before the runs, and every
table the report reads after them.

Before: :func:`psa_draws` draws the uncertain parameters (``designs.distributions``) and the
utility mapping's coefficients from two children of one ``SeedSequence``, so one seed fixes
the whole PSA and adding a parameter never changes the mapping's draws. Each row is one
design point: the runner runs every arm at it, replicates on the same people.

After: :func:`analyse` turns the runs' outcomes into the verdict (per arm, intervals over
draws), the plane, the CEAC and frontier, EVPI, EVPPI for the named groups, and PRIM boxes
saying when each arm pays at the discovery threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coprod.experiments.designs.distributions import Uncertain, sample
from coprod.experiments.methods import prim
from coprod.experiments.methods.economics.decision import (
    NICE_THRESHOLDS,
    THRESHOLDS,
    ceac,
    ceaf,
    evpi,
    plane,
    summarise,
)
from coprod.experiments.methods.economics.evppi import evppi
from coprod.experiments.methods.economics.utility import (
    COEFFICIENTS,
    DEFAULT_MAPPING,
    UtilityMapping,
)


def psa_draws(
    uncertain: Mapping[str, Uncertain],
    n: int,
    seed: np.random.SeedSequence,
    mapping: UtilityMapping = DEFAULT_MAPPING,
) -> pd.DataFrame:
    """``n`` draws: one row per draw, a column per uncertain parameter and the mapping's
    :data:`~utility.COEFFICIENTS`."""
    parameters_seed, mapping_seed = seed.spawn(2)
    return sample(uncertain, n, parameters_seed).join(mapping.draw(n, mapping_seed))


@dataclass(frozen=True)
class PSAResult:
    """Every table of a PSA's report (``docs/ECONOMICS.md`` section 7 says how to read each)."""

    verdict: pd.DataFrame
    plane: pd.DataFrame
    ceac: pd.DataFrame
    ceaf: pd.DataFrame
    evpi: pd.Series
    evppi: pd.DataFrame
    boxes: dict[str, list[prim.Box]]


def analyse(
    psa: pd.DataFrame,
    draws: pd.DataFrame,
    baseline: str,
    groups: Mapping[str, Sequence[str]] | None = None,
    thresholds: Sequence[float] = THRESHOLDS,
    discover_at: float = NICE_THRESHOLDS[0],
) -> PSAResult:
    """All of a PSA's outputs from its table (``decision.psa_table``) and its draws.

    ``groups`` names the parameter groups for EVPPI; by default each parameter is a group of
    its own and the mapping's two coefficients one group. Boxes are found, per arm, for
    INMB > 0 at ``discover_at`` (none where the arm always or never pays)."""
    groups = dict(groups) if groups is not None else _default_groups(draws)
    points = plane(psa, baseline)
    boxes = {}
    for arm, rows in points.groupby("scenario", sort=False):
        pays = (discover_at * rows["d_qalys"] - rows["d_cost"] > 0).to_numpy()
        found = pays.any() and not pays.all()
        boxes[arm] = prim.discover(draws.loc[rows["draw"]], pays) if found else []
    return PSAResult(
        verdict=summarise(points, NICE_THRESHOLDS, interval="draws"),
        plane=points,
        ceac=ceac(psa, thresholds),
        ceaf=ceaf(psa, thresholds),
        evpi=evpi(psa, thresholds),
        evppi=evppi(psa, draws, groups, baseline, NICE_THRESHOLDS),
        boxes=boxes,
    )


def _default_groups(draws: pd.DataFrame) -> dict[str, list[str]]:
    """One group per parameter, and the mapping's coefficients together."""
    groups = {name: [name] for name in draws.columns if name not in COEFFICIENTS}
    mapping = [name for name in COEFFICIENTS if name in draws.columns]
    return {**groups, "utility mapping": mapping} if mapping else groups

"""Health utility from wellbeing: the bridge from the model's WEMWBS to QALYs.

A QALY needs a preference-based utility (EQ-5D-3L, UK tariff, for NICE's reference case);
the model reports mental wellbeing on the WEMWBS scale. A *mapping* predicts the one from the
other. Only linear mappings are accepted here, for a reason that matters: the model reports
the weekly **mean** WEMWBS of its users, and only for a linear mapping is the mean of the
people's predicted utilities the mapping of their mean WEMWBS (a non-linear one would need
the model to compute utility per person: see ``docs/ECONOMICS.md``). The one non-linearity
kept is the EQ-5D ceiling: a mean utility above 1 is cut to 1, which only happens when the
mapping is used far outside the WEMWBS range it was fitted on.

The mapping's coefficients are uncertain, and a PSA draws them jointly from a normal
distribution with their covariance (:meth:`UtilityMapping.draw`). The person-level residual
spread of a mapping does not enter: it averages out over a population's mean, and it does
not differ between the arms of a paired comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from coprod.simulation.errors import CoprodError

EQ5D_3L_MAX = 1.0
"""Full health on the EQ-5D-3L UK tariff: no mean utility can exceed it."""
WEMWBS_RANGE = (14.0, 70.0)
COEFFICIENTS = ("utility_intercept", "utility_slope")
"""Names of the mapping's coefficients as PSA parameters (columns of a draw table), so that
EVPPI can ask how much the verdict leans on the mapping itself."""


@dataclass(frozen=True)
class UtilityMapping:
    """A linear mapping ``utility = intercept + slope x WEMWBS`` with the covariance of its
    two coefficients, its source, and what makes it weak."""

    name: str
    intercept: float
    slope: float
    covariance: tuple[tuple[float, float], tuple[float, float]]
    target: str
    source: str
    weakness: str

    def __post_init__(self) -> None:
        cov = np.asarray(self.covariance, dtype=float)
        if cov.shape != (2, 2) or not np.allclose(cov, cov.T):
            raise CoprodError(f"mapping {self.name}: the covariance must be a symmetric 2x2.")
        if np.linalg.eigvalsh(cov).min() < 0:
            raise CoprodError(f"mapping {self.name}: the covariance must be positive semidefinite.")

    def utility(
        self,
        wemwbs: ArrayLike,
        intercept: ArrayLike | None = None,
        slope: ArrayLike | None = None,
    ) -> np.ndarray:
        """Mean utility at mean WEMWBS ``wemwbs``, with the point coefficients unless others
        (a PSA draw, or one per row) are given; capped at full health."""
        a = self.intercept if intercept is None else intercept
        b = self.slope if slope is None else slope
        return np.minimum(a + b * np.asarray(wemwbs, dtype=float), EQ5D_3L_MAX)

    def draw(self, n: int, seed: np.random.SeedSequence) -> pd.DataFrame:
        """``n`` joint draws of the coefficients from their sampling distribution: one row
        per draw, columns :data:`COEFFICIENTS` (``costing.run_outcomes`` takes this table)."""
        rng = np.random.default_rng(seed)
        values = rng.multivariate_normal([self.intercept, self.slope], self.covariance, size=n)
        return pd.DataFrame(values, columns=list(COEFFICIENTS)).rename_axis("draw")


def norm_anchored(
    name: str,
    wemwbs_mean: float,
    utility_mean: float,
    utility_mean_se: float,
    slope: float,
    slope_se: float,
    **text: str,
) -> UtilityMapping:
    """A line through a population's mean WEMWBS and mean utility with a given slope.

    Written as ``u = u0 + b (W - W0)`` the anchor ``u0`` and the slope ``b`` are independent,
    so ``intercept = u0 - b W0`` has variance ``se(u0)^2 + W0^2 se(b)^2`` and covariance
    ``-W0 se(b)^2`` with the slope: the covariance a PSA must draw them with."""
    var_b = slope_se**2
    return UtilityMapping(
        name=name,
        intercept=utility_mean - slope * wemwbs_mean,
        slope=slope,
        covariance=(
            (utility_mean_se**2 + wemwbs_mean**2 * var_b, -wemwbs_mean * var_b),
            (-wemwbs_mean * var_b, var_b),
        ),
        **text,
    )


PROVISIONAL = norm_anchored(
    "uk_norms_provisional",
    wemwbs_mean=50.7,
    utility_mean=0.86,
    utility_mean_se=0.01,
    slope=0.0105,
    slope_se=0.003,
    target="EQ-5D-3L, UK TTO tariff (Dolan 1997)",
    source=(
        "Anchored at UK population norms: mean WEMWBS 50.7 (Tennant et al. 2007, Health Qual "
        "Life Outcomes 5:63, Scottish population sample) and mean EQ-5D-3L 0.86 (Kind, "
        "Hardman & Macran 1999, UK population norms, York CHE DP 172). Slope 0.0105 utility "
        "per WEMWBS point, an assumption: a correlation of about 0.4 between WEMWBS and "
        "EQ-5D-3L times the ratio of their population sds (about 0.23 / 8.8)."
    ),
    weakness=(
        "Provisional: not a fitted mapping, and no published WEMWBS-to-EQ-5D mapping with "
        "coefficients could be read for this release (searched December 2026: see "
        "docs/ECONOMICS.md section 2). The anchors are published population means quoted as "
        "recalled, not re-read; the slope is assumed, with a wide se (0.003, so its 95% "
        "interval runs 0.0046-0.0164). EQ-5D-3L is insensitive to mental wellbeing (about 75% "
        "of the Coventry Household Survey, Johnson et al. 2016, were at full health whatever "
        "their wellbeing), so any such mapping understates the QALY value of a wellbeing gain."
    ),
)
"""The mapping used unless another is given."""

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

No published WEMWBS-to-EQ-5D mapping with coefficients could be read, so the default
(:data:`DEFAULT_MAPPING`, :data:`DERIVED_JOHNSON_2016`) is *derived*: the slope of a
published regression whose r^2 was printed but whose coefficient was not, rebuilt from that
r^2 and published standard deviations (:func:`slope_from_correlation`), and the line laid
through population means (:func:`norm_anchored`). It stays provisional until the
coefficients themselves are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

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


def slope_from_correlation(
    r_squared: float,
    n: int,
    sd_utility: tuple[float, float],
    sd_wemwbs: tuple[float, float],
) -> tuple[float, float]:
    """The least-squares slope of utility on WEMWBS, and its standard error, from a published
    r^2 and the two measures' standard deviations, each sd given as ``(value, se)``.

    Why this works: the slope of a least-squares line of one variable on another *is*
    ``r x sd(utility) / sd(WEMWBS)``, so a paper that prints the r^2 of its regression but
    not the coefficient still fixes the slope once the two sds are known; and r^2 is the same
    whichever way round the simple regression was run. The correlation is taken positive (a
    higher wellbeing, a higher utility). The slope's own sampling error follows from r^2 and
    n alone, since its t statistic is r's: ``b / se_b = r sqrt(n - 2) / sqrt(1 - r^2)``. When
    the sds are not the regression sample's own but borrowed from other populations, their
    uncertainty adds, independently, by the delta method:
    ``(se / b)^2 = (1 - r^2) / (r^2 (n - 2)) + (se_sU / sU)^2 + (se_sW / sW)^2``."""
    (s_u, se_u), (s_w, se_w) = sd_utility, sd_wemwbs
    if not 0 < r_squared <= 1:
        raise CoprodError(f"r_squared = {r_squared} must be in (0, 1].")
    if n < 3:
        raise CoprodError(f"n = {n}: a correlation's error needs at least 3 people.")
    if min(s_u, s_w) <= 0 or min(se_u, se_w) < 0:
        raise CoprodError(
            f"sds ({s_u}, {s_w}) must be positive and their ses ({se_u}, {se_w}) at least 0."
        )
    slope = float(np.sqrt(r_squared)) * s_u / s_w
    sampling = (1 - r_squared) / (r_squared * (n - 2))
    relative = np.sqrt(sampling + (se_u / s_u) ** 2 + (se_w / s_w) ** 2)
    return slope, float(slope * relative)


def range_se(low: float, high: float) -> float:
    """The se that makes ``[low, high]`` a 95% normal interval: how uncertain a figure is
    when all that is known is the range of it across the published groups."""
    return (high - low) / (2 * stats.norm.ppf(0.975))


JOHNSON_2016_R_SQUARED = 0.104
"""r^2 of the linear regression between WEMWBS and the EQ-5D-3L index, Coventry Household
Survey (Johnson, Jenkinson, Stinton, Taylor-Phillips, Madan, Stewart-Brown & Clarke 2016,
"Where's WALY?", Health Qual Life Outcomes 14:126, abstract)."""
JOHNSON_2016_N = 7469
"""Participants who completed both the EQ-5D-3L and WEMWBS in that survey (same abstract)."""
SHES_2018_WEMWBS = (49.4, 0.21, 8.96)
"""Adult WEMWBS mean, its se and the sd, Scottish Health Survey 2018 main report (revised
2020), Table 1.2, 4,299 adults aged 16 and over."""
SHES_2018_WEMWBS_SD_BY_AGE = (8.78, 7.62, 9.60, 8.86, 9.85, 8.58, 8.82)
"""The same table's WEMWBS sd in its seven age bands (16-24 ... 75+)."""
LINDKVIST_2016_EQ5D_SD = 0.22
"""sd of the EQ-5D-3L index on the UK tariff in a general adult population: Lindkvist et al.
2016, "Assessing outcomes for cost-utility analysis in mental health interventions: mapping
GHQ-12 onto EQ-5D-3L", Health Qual Life Outcomes 14:134, Table 1 (four Swedish counties,
n = 32,548, mean 0.80, 33.4% at full health)."""
JANSSEN_2021_EQ5D_SD_RANGE = (0.096, 0.291)
"""Lowest and highest sd of the EQ-5D-3L TTO index over the 14 age-sex bands of the pooled
norms for France, Germany, Italy, Spain and the UK: Janssen, Pickard & Shaw 2021, "General
population normative data for the EQ-5D-3L in the five largest European economies", Eur J
Health Econ (abstract)."""
KIND_1999_EQ5D_MEAN = (0.86, 0.01)
"""UK population mean EQ-5D-3L index (Kind, Hardman & Macran 1999, "UK population norms for
EQ-5D", York CHE discussion paper 172), as quoted before, not re-read (its tables were out of
reach); the se 0.01 is assumed."""

_SLOPE, _SLOPE_SE = slope_from_correlation(
    JOHNSON_2016_R_SQUARED,
    JOHNSON_2016_N,
    sd_utility=(LINDKVIST_2016_EQ5D_SD, range_se(*JANSSEN_2021_EQ5D_SD_RANGE)),
    sd_wemwbs=(
        SHES_2018_WEMWBS[2],
        range_se(min(SHES_2018_WEMWBS_SD_BY_AGE), max(SHES_2018_WEMWBS_SD_BY_AGE)),
    ),
)

DERIVED_JOHNSON_2016 = norm_anchored(
    "johnson2016_derived_provisional",
    wemwbs_mean=SHES_2018_WEMWBS[0],
    utility_mean=KIND_1999_EQ5D_MEAN[0],
    utility_mean_se=KIND_1999_EQ5D_MEAN[1],
    slope=_SLOPE,
    slope_se=_SLOPE_SE,
    target="EQ-5D-3L, UK TTO tariff (Dolan 1997)",
    source=(
        "Derived, not published: the least-squares slope r x sd(EQ-5D) / sd(WEMWBS) = "
        f"{_SLOPE:.5f} utility per WEMWBS point (se {_SLOPE_SE:.5f}) from the r^2 = "
        f"{JOHNSON_2016_R_SQUARED} between WEMWBS and the EQ-5D-3L index in the Coventry "
        f"Household Survey, n = {JOHNSON_2016_N:,} (Johnson et al. 2016, Health Qual Life "
        f"Outcomes 14:126), the adult WEMWBS sd {SHES_2018_WEMWBS[2]} (Scottish Health Survey "
        f"2018, Table 1.2) and the EQ-5D-3L sd {LINDKVIST_2016_EQ5D_SD} on the UK tariff "
        "(Lindkvist et al. 2016, Health Qual Life Outcomes 14:134); each sd's se makes its "
        "published range over age groups a 95% interval (WEMWBS "
        f"{min(SHES_2018_WEMWBS_SD_BY_AGE)}-{max(SHES_2018_WEMWBS_SD_BY_AGE)}; EQ-5D-3L "
        f"{JANSSEN_2021_EQ5D_SD_RANGE[0]}-{JANSSEN_2021_EQ5D_SD_RANGE[1]}, Janssen, Pickard & "
        f"Shaw 2021). The line passes through the mean WEMWBS {SHES_2018_WEMWBS[0]} (Scottish "
        f"Health Survey 2018) and the UK mean EQ-5D-3L {KIND_1999_EQ5D_MEAN[0]} (Kind, "
        "Hardman & Macran 1999)."
    ),
    weakness=(
        "Provisional: derived from published figures, not a published mapping. Johnson et "
        "al. 2016 fitted the regression but its coefficients could not be read (searched "
        "December 2026: docs/ECONOMICS.md section 2), and the two sds are not the Coventry "
        "sample's own but other UK (WEMWBS) and Swedish (EQ-5D-3L on the UK tariff) "
        "populations', whence most of the slope's se (95% interval "
        f"{_SLOPE - 1.96 * _SLOPE_SE:.4f}-{_SLOPE + 1.96 * _SLOPE_SE:.4f}). The UK mean "
        f"EQ-5D-3L {KIND_1999_EQ5D_MEAN[0]} is quoted, not re-read. WEMWBS explains a tenth "
        "of the variance in EQ-5D-3L, and about 75% of the Coventry survey were at full "
        "health whatever their wellbeing, so the mapping understates the QALY value of a "
        "wellbeing gain; and it is a general-population relation applied to care users with "
        "higher needs."
    ),
)
"""The mapping to use until Johnson et al. 2016's coefficients (or another published
WEMWBS-to-EQ-5D mapping) are read: a slope derived from their r^2 and published sds."""

DEFAULT_MAPPING = DERIVED_JOHNSON_2016
"""The mapping used unless another is given (``Evaluation``, ``psa_draws``)."""

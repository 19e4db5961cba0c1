"""Model metrics (MODEL.md section 5): the weekly row.

Metrics are read from the population arrays after the week's phases; none is set by a
scenario. The week-52 survey, as people answer it, is in ``survey``.
"""

from __future__ import annotations

import numpy as np

from coprod.simulation.population import Community, Professionals, Users
from coprod.simulation.workforce import turnover_annualised


def wemwbs(wellbeing: np.ndarray | float) -> np.ndarray | float:
    """The Warwick-Edinburgh scale (14-70) for a 0-1 wellbeing."""
    return 14.0 + 56.0 * wellbeing


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal)."""
    total = values.sum()
    if len(values) == 0 or total <= 0:
        return 0.0
    ranked = np.sort(values)
    n = len(ranked)
    return float((2.0 * np.arange(1, n + 1) - n - 1).dot(ranked) / (n * total))


def state_metrics(
    users: Users, comm: Community, pros: Professionals, week: int
) -> dict[str, float]:
    """Metrics of the population's state (not of the week's flows)."""
    wellbeing = comm.wellbeing[: len(users.need)]
    in_post = pros.in_post(week)
    return {
        "wellbeing_mean": float(wellbeing.mean()),
        "wellbeing_p10": float(np.percentile(wellbeing, 10)),
        "wellbeing_gini": gini(wellbeing),
        "wemwbs_mean": float(wemwbs(wellbeing.mean())),
        "agency_mean": float(users.agency.mean()),
        "timebank_members": float(np.count_nonzero(comm.member)),
        "burnout_mean": float(pros.burnout[in_post].mean()) if in_post.any() else 0.0,
        "vacancies": float(np.count_nonzero(~in_post)),
        "turnover_annualised": turnover_annualised(pros),
        "trust_mean": float(users.trust.mean()),
        "connectedness_mean": float(comm.connectedness[: len(users.need)].mean()),
    }

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
    """Metrics of the population's state (not of the week's flows). User metrics are over
    the users in care this week; ``wellbeing_residents_mean`` and the residents' counts over
    everyone."""
    in_care = comm.is_user
    wellbeing = comm.wellbeing[in_care] if in_care.any() else np.zeros(1)
    in_post = pros.in_post(week)
    return {
        "residents": float(len(in_care)),
        "users_in_care": float(np.count_nonzero(in_care)),
        "mean_age": float(users.age.mean()),
        "residents_65_plus": float(np.count_nonzero(users.age >= 65.0)),
        "wellbeing_residents_mean": float(comm.wellbeing.mean()),
        "wellbeing_mean": float(wellbeing.mean()),
        "wellbeing_p10": float(np.percentile(wellbeing, 10)),
        "wellbeing_gini": gini(wellbeing),
        "wemwbs_mean": float(wemwbs(wellbeing.mean())),
        "agency_mean": float(users.agency[in_care].mean()) if in_care.any() else 0.0,
        "timebank_members": float(np.count_nonzero(comm.member)),
        "burnout_mean": float(pros.burnout[in_post].mean()) if in_post.any() else 0.0,
        "vacancies": float(np.count_nonzero(~in_post)),
        "turnover_annualised": turnover_annualised(pros),
        "trust_mean": float(users.trust[in_care].mean()) if in_care.any() else 0.0,
        "connectedness_mean": float(comm.connectedness[in_care].mean()) if in_care.any() else 0.0,
    }

"""Model metrics (MODEL.md section 5): the weekly row and the week-52 survey.

Metrics are read from the population arrays after the week's phases; none is set by a
scenario. The survey is computed as an evaluation's survey would be: over participants only
(people who gave or received community hours; under a time bank, its members), each share
over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coprod.simulation.outputs import SURVEY_QUESTIONS
from coprod.simulation.params import Params
from coprod.simulation.population import Community, Professionals, Users
from coprod.simulation.workforce import turnover_annualised

WEMWBS_POINT = 1.0 / 56.0  # one WEMWBS point on the 0-1 wellbeing scale


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


@dataclass
class SurveyTracker:
    """Collects what the week-52 survey compares: week 0 against the survey week, and the
    first twelve weeks against the twelve weeks up to the survey."""

    params: Params
    wellbeing0: np.ndarray
    need0: np.ndarray
    early_care: np.ndarray = field(init=False)
    late_care: np.ndarray = field(init=False)
    early_doctor: np.ndarray = field(init=False)
    late_doctor: np.ndarray = field(init=False)
    result: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        n = len(self.need0)
        self.early_care, self.late_care = np.zeros(n), np.zeros(n)
        self.early_doctor, self.late_doctor = np.zeros(n), np.zeros(n)

    def record(self, week: int, care_hours: np.ndarray, doctor: np.ndarray) -> None:
        """Add one week's professional hours and GP contacts plus crises to its window."""
        if 1 <= week <= 12:
            self.early_care += care_hours
            self.early_doctor += doctor
        if self.params.survey_week - 11 <= week <= self.params.survey_week:
            self.late_care += care_hours
            self.late_doctor += doctor

    def take(self, users: Users, comm: Community, bank: bool) -> None:
        """Ask the questions at the survey week; one row per resident (by slot)."""
        participant = comm.member.copy() if bank else (comm.hours_given + comm.hours_received) > 0
        answers = {
            "better_quality_of_life": (comm.wellbeing - self.wellbeing0) >= 3 * WEMWBS_POINT,
            "feel_healthier": users.need < self.need0,
            "less_social_care": self.late_care < self.early_care,
            "fewer_doctor_visits": self.late_doctor < self.early_doctor,
        }
        self.result = pd.DataFrame(
            {
                "agent_id": comm.agent_id.copy(),
                "agent_type": np.where(comm.is_user, "user", "neighbour"),
                "participant": participant,
                **answers,
            }
        )


def survey_summary(survey: pd.DataFrame) -> dict[str, float]:
    """Each survey share over participants, and over participating users, with denominators."""
    out: dict[str, float] = {}
    groups = {
        "": survey["participant"],
        "_users": survey["participant"] & (survey["agent_type"] == "user"),
    }
    for suffix, mask in groups.items():
        out[f"survey_participants{suffix}"] = float(mask.sum())
        for question in SURVEY_QUESTIONS:
            answered = survey.loc[mask, question]
            out[f"survey_{question}{suffix}"] = float(answered.mean()) if len(answered) else np.nan
    return out

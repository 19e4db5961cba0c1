"""The week-52 survey as people answer it (MODEL.md section 10.8).

Version 1 read its answers straight off the model's continuous state ("need fell", strictly),
so a world where nothing worked already answered "healthier" for half its people. People
answer through a measurement process whose properties are published, and fixed here in
advance, never fitted:

- **better quality of life**: a person's reported WEMWBS score (an integer, with the scale's
  standard error of measurement) rose by at least the change a person notices (3 points);
- **feel healthier**: self-rated health is a five-category item read from need with reporting
  noise of the item's published test-retest reliability; "healthier" is a better category
  than the one given at week 0;
- **less social care**: only someone whose care package fell (packages change at reviews),
  from per-person ``package_hours`` against ``package_hours0``;
- **fewer doctor visits**: GP contacts plus crises (counts) in the 12 weeks up to the survey
  below those of weeks 1-12.

Participants are the time bank's active members whoever they are (users, carers, neighbours);
without a bank, the people who gave or received community hours. Every person answers, so the
paired ``traditional`` run gives the same people's answers without the policy: the
counterfactual the real evaluation lacked. The reporting noise comes from the survey's own
stream, drawn at the same weeks in every scenario, so the paired answers share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coprod.simulation.metrics import wemwbs
from coprod.simulation.outputs import SURVEY_QUESTIONS
from coprod.simulation.params import Params

WINDOW = 12  # weeks in each window the doctor-visits question compares
SRH_CATEGORIES = 5  # very good, good, fair, bad, very bad
WEMWBS_RANGE = (14, 70)


def reported_wemwbs(wellbeing: np.ndarray, params: Params, rng: np.random.Generator) -> np.ndarray:
    """The WEMWBS score a person writes down: the true score plus measurement error, as the
    integer the 14 items sum to."""
    noisy = wemwbs(wellbeing) + params.survey_wemwbs_sem * rng.standard_normal(len(wellbeing))
    return np.clip(np.rint(noisy), *WEMWBS_RANGE)


def self_rated_health(need: np.ndarray, params: Params, rng: np.random.Generator) -> np.ndarray:
    """The category a person ticks, 0 (very good) to 4 (very bad): need with reporting noise,
    read on five equal bands of need."""
    noisy = need + params.survey_srh_noise * rng.standard_normal(len(need))
    return np.clip(np.floor(noisy * SRH_CATEGORIES), 0, SRH_CATEGORIES - 1).astype(np.int64)


@dataclass
class SurveyTracker:
    """The baseline answers of week 0 and the doctor-visit windows the survey compares."""

    params: Params
    wellbeing0: np.ndarray
    need0: np.ndarray
    package0: np.ndarray
    agent_id0: np.ndarray  # who lived in each slot at week 0
    rng: np.random.Generator
    wemwbs0: np.ndarray = field(init=False)
    health0: np.ndarray = field(init=False)
    early_doctor: np.ndarray = field(init=False)
    late_doctor: np.ndarray = field(init=False)
    result: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        self.wemwbs0 = reported_wemwbs(self.wellbeing0, self.params, self.rng)
        self.health0 = self_rated_health(self.need0, self.params, self.rng)
        self.early_doctor = np.zeros(len(self.need0))
        self.late_doctor = np.zeros(len(self.need0))

    def record(self, week: int, doctor: np.ndarray) -> None:
        """Add one week's GP contacts plus crises to its window."""
        if 1 <= week <= WINDOW:
            self.early_doctor += doctor
        if self.params.survey_week - WINDOW < week <= self.params.survey_week:
            self.late_doctor += doctor

    def take(
        self,
        wellbeing: np.ndarray,
        need: np.ndarray,
        package_hours: np.ndarray,
        participant: np.ndarray,
        is_user: np.ndarray,
        agent_id: np.ndarray,
    ) -> None:
        """Ask everyone the questions at the survey week (arrays of length ``n_people``).

        Only people who lived here at week 0 can say what changed since: a newcomer in a
        slot (a death replaced) is not a participant whatever they did."""
        answers = {
            "better_quality_of_life": reported_wemwbs(wellbeing, self.params, self.rng)
            - self.wemwbs0
            >= self.params.survey_wemwbs_change,
            "feel_healthier": self_rated_health(need, self.params, self.rng) < self.health0,
            "less_social_care": package_hours < self.package0,
            "fewer_doctor_visits": self.late_doctor < self.early_doctor,
        }
        self.result = pd.DataFrame(
            {
                "agent_id": agent_id.copy(),
                "agent_type": np.where(is_user, "user", "neighbour"),
                "participant": participant & (agent_id == self.agent_id0),
                **answers,
            }
        )


def participants(
    bank_open: bool, active: np.ndarray, given: np.ndarray, received: np.ndarray
) -> np.ndarray:
    """Who an evaluation surveys: an open bank's active members; else everyone who gave or
    received community hours since week 0."""
    return active.copy() if bank_open else (given + received) > 0


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

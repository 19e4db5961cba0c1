"""The survey as people answer it (MODEL.md 10.8): a measurement model fixed in advance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coprod.simulation import Params
from coprod.simulation.model import CoProductionModel
from coprod.simulation.survey import (
    SurveyTracker,
    participants,
    reported_wemwbs,
    self_rated_health,
    survey_summary,
)

P = Params()
N = 20_000


def tracker(wellbeing0, need0, package0=None, seed=0, **changes) -> SurveyTracker:
    """A tracker over len(need0) people with the given baseline."""
    n = len(need0)
    package0 = np.zeros(n) if package0 is None else package0
    return SurveyTracker(
        P.model_copy(update=changes),
        wellbeing0,
        need0,
        package0,
        np.arange(n),
        np.random.default_rng(seed),
    )


def answers(survey: SurveyTracker, wellbeing, need, package=None) -> pd.DataFrame:
    n = len(need)
    package = np.zeros(n) if package is None else package
    survey.take(wellbeing, need, package, np.ones(n, bool), np.ones(n, bool), np.arange(n))
    return survey.result


def retest(noise: float = P.survey_srh_noise) -> tuple[np.ndarray, np.ndarray]:
    """Two answers of the model's residents at rest (ten copies each), nothing changed."""
    rng = np.random.default_rng(1)
    need = np.tile(CoProductionModel(seed=1).users.need, 10)
    quiet = P.model_copy(update={"survey_srh_noise": noise})
    return self_rated_health(need, quiet, rng), self_rated_health(need, quiet, rng)


@pytest.mark.xfail(
    strict=True,
    reason="off the record (issue 12): 25.8% of the model's residents tick another category "
    "at retest, against 31% (CHARLS) to nearly 40% (NHANES) published; the agreement beyond "
    "chance is on the record (next test), so the fault is the model's spread of categories",
)
def test_self_rated_health_changes_category_at_retest_as_often_as_published():
    """About a third of people tick another category a month later with nothing changed
    (NHANES nearly 40%, CHARLS 31%, both general populations). Over the model's own residents
    the reporting noise gives fewer: 26% in session 4, 25.8% on the model at rest."""
    first, again = retest()
    assert 0.30 < np.mean(first != again) < 0.42


def kappa(first: np.ndarray, again: np.ndarray) -> float:
    """Cohen's kappa of two answers over five categories."""
    observed = np.mean(first == again)
    chance = (np.bincount(first, minlength=5) * np.bincount(again, minlength=5)).sum()
    chance /= len(first) ** 2
    return float((observed - chance) / (1 - chance))


def test_self_rated_health_agrees_at_retest_beyond_chance_as_published():
    """Cohen's kappa of a retest: 0.54 in CHARLS (Pan et al. 2022), about 0.5 in Mini-Finland
    (Martikainen et al. 1999); 0.575 for the model. The change rate (above) and kappa cannot
    both be met: about 48% of the model's residents are in the best category, so agreement
    by chance is high; the noise that gives 31% changed (about 0.075) brings kappa to 0.48."""
    assert 0.45 < kappa(*retest()) < 0.6
    assert kappa(*retest(noise=0.2)) < 0.45  # the check can fail: heavy noise agrees less


def test_self_rated_health_without_reporting_noise_is_the_same_at_retest():
    first, again = retest(noise=0.0)
    assert (first == again).all()


def test_a_world_where_nothing_changed_still_answers_some_yes_through_noise_alone():
    rng = np.random.default_rng(2)
    wellbeing, need = rng.uniform(0.3, 0.7, N), rng.uniform(0.1, 0.9, N)
    out = answers(tracker(wellbeing, need, seed=3), wellbeing, need)
    # WEMWBS: a change of N(0, 2.8 sqrt 2), rounded, reaching +3: about a fifth
    assert 0.15 < out["better_quality_of_life"].mean() < 0.3
    assert 0.1 < out["feel_healthier"].mean() < 0.25  # half of those who change, change up
    exact = tracker(wellbeing, need, survey_wemwbs_sem=0.0, survey_srh_noise=0.0)
    out = answers(exact, wellbeing, need)
    assert not out["better_quality_of_life"].any() and not out["feel_healthier"].any()


@pytest.mark.parametrize(("points", "better"), [(2.0, False), (3.0, True), (5.0, True)])
def test_better_means_a_rise_of_at_least_the_change_a_person_notices(points, better):
    wellbeing0 = np.full(50, 0.5)
    survey = tracker(wellbeing0, np.full(50, 0.5), survey_wemwbs_sem=0.0)
    out = answers(survey, wellbeing0 + points / 56.0, np.full(50, 0.5))
    assert out["better_quality_of_life"].all() == better


def test_healthier_is_a_better_category_not_any_fall_in_need():
    survey = tracker(np.full(3, 0.5), np.array([0.45, 0.45, 0.45]), survey_srh_noise=0.0)
    out = answers(survey, np.full(3, 0.5), np.array([0.41, 0.39, 0.2]))
    assert out["feel_healthier"].tolist() == [False, True, True]


def test_less_social_care_only_where_the_package_fell():
    survey = tracker(np.full(3, 0.5), np.full(3, 0.5), package0=np.array([6.0, 6.0, 0.0]))
    out = answers(survey, np.full(3, 0.5), np.full(3, 0.5), package=np.array([4.0, 6.0, 0.0]))
    assert out["less_social_care"].tolist() == [True, False, False]


def test_fewer_doctor_visits_compares_counts_over_the_two_twelve_week_windows():
    survey = tracker(np.full(3, 0.5), np.full(3, 0.5))
    for week in range(1, 53):
        early = week <= 12
        late = week > 40
        survey.record(week, np.array([early * 1.0, late * 1.0, 0.0]))
    out = answers(survey, np.full(3, 0.5), np.full(3, 0.5))
    assert out["fewer_doctor_visits"].tolist() == [True, False, False]
    assert survey.early_doctor.tolist() == [12, 0, 0] and survey.late_doctor.tolist() == [0, 12, 0]


def test_reported_wemwbs_is_an_integer_on_the_scale():
    scores = reported_wemwbs(np.array([0.0, 0.5, 1.0]), P, np.random.default_rng(0))
    assert ((scores >= 14) & (scores <= 70)).all() and (scores == np.rint(scores)).all()


def test_participants_are_the_active_members_or_else_those_who_took_part():
    active = np.array([True, False, False])
    given, received = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 0.0])
    assert participants(True, active, given, received).tolist() == [True, False, False]
    assert participants(False, active, given, received).tolist() == [False, True, False]


def test_summary_gives_each_share_over_participants_with_its_denominator():
    survey = pd.DataFrame(
        {
            "agent_id": [0, 1, 2],
            "agent_type": ["user", "neighbour", "user"],
            "participant": [True, True, False],
            "better_quality_of_life": [True, False, True],
            "feel_healthier": [False, False, True],
            "less_social_care": [False, False, False],
            "fewer_doctor_visits": [True, True, True],
        }
    )
    out = survey_summary(survey)
    assert out["survey_participants"] == 2 and out["survey_participants_users"] == 1
    assert out["survey_better_quality_of_life"] == 0.5
    assert out["survey_better_quality_of_life_users"] == 1.0

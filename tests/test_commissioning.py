"""The yearly commissioning cycle (issue 17): each rule's decision on hand-made monitoring, the
outcome rule's monotonicity, a budget that adds up, the money-to-lever conversion, ``block``
as the model without a commissioner, the prevention line, and bad input at the command line."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coprod.experiments import cli
from coprod.simulation import CoProductionModel, Params, simulate
from coprod.simulation import commissioning as cm
from coprod.simulation.commissioning import Commissioner, Monitoring, People
from coprod.simulation.scenario import load_scenario

SMALL = {"n_users": 120, "n_neighbours": 80, "n_professionals": 8}
POSTS, PACKAGES, TIMEBANK, PREVENTION = range(4)
BUDGET_COLUMNS = list(cm.BUDGET_METRICS.values())


def monitoring(spend, activity=(0, 0, 0, 0), outcome=(0, 0, 0, 0), valued=None) -> Monitoring:
    """Hand-made monitoring of one year, in ``LINES`` order."""
    valued = np.zeros((1, 4), bool) if valued is None else np.asarray(valued, bool)
    return Monitoring(
        spend=np.asarray(spend, float),
        activity=np.asarray(activity, float),
        outcome=np.asarray(outcome, float),
        valued=valued,
    )


def reference_of(seen: Monitoring, **changes) -> cm.Reference:
    """The reference year of ``seen`` under default levers (``changes`` on top)."""
    return cm.reference(seen.spend, seen.activity, Params(**changes))


# A year with posts, packages and a time bank running; prevention not yet bought.
YEAR = monitoring(spend=(600.0, 300.0, 100.0, 0.0), activity=(10.0, 30.0, 50.0, 0.0))


# --- the rules on hand-made monitoring ----------------------------------------------------


def test_reference_measures_unit_costs_and_what_can_be_bought():
    ref = reference_of(YEAR)
    np.testing.assert_allclose(ref.shares, [0.6, 0.3, 0.1, 0.0])
    assert ref.budget == 1000.0
    np.testing.assert_allclose(ref.tariff[:3], [60.0, 10.0, 2.0])  # GBP per counted output
    assert ref.tariff[PREVENTION] == pytest.approx(18.68 / 1.0)  # hour cost / contacts per hour
    assert ref.buyable.tolist() == [True, True, True, True]
    none_spent = reference_of(monitoring(spend=(600.0, 0.0, 0.0, 0.0)))
    assert none_spent.buyable.tolist() == [True, False, False, True]  # prevention at its cost
    assert not reference_of(YEAR, prevention_hour_cost=0.0).buyable[PREVENTION]


def test_block_keeps_last_years_split():
    previous = np.array([0.5, 0.2, 0.2, 0.1])
    assert cm.block(previous, YEAR, reference_of(YEAR), Params()) is previous


def test_activity_pays_counted_outputs_at_the_reference_tariff():
    ref, params, previous = reference_of(YEAR), Params(), np.array([0.6, 0.3, 0.1, 0.0])
    np.testing.assert_allclose(cm.activity(previous, YEAR, ref, params), ref.shares)
    busier_bank = monitoring(spend=YEAR.spend, activity=(10.0, 30.0, 150.0, 0.0))
    target = cm.activity(previous, busier_bank, ref, params)
    np.testing.assert_allclose(target, np.array([600.0, 300.0, 300.0, 0.0]) / 1200.0)
    nothing = monitoring(spend=YEAR.spend)
    assert cm.activity(previous, nothing, ref, params) is previous  # no evidence, no move


def test_outcomes_move_money_to_lines_with_more_outcome_per_pound():
    ref, params, previous = reference_of(YEAR), Params(), np.array([0.6, 0.3, 0.1, 0.0])
    # outcomes per pound: posts 60/600 = 0.1, packages 60/300 = 0.2, time bank 5/100 = 0.05
    seen = monitoring(spend=YEAR.spend, outcome=(60.0, 60.0, 5.0, 0.0))
    target = cm.outcomes(previous, seen, ref, params)
    np.testing.assert_allclose(target, np.array([0.06, 0.06, 0.005, 0.0]) / 0.125)
    assert target[PACKAGES] > previous[PACKAGES] and target[TIMEBANK] < previous[TIMEBANK]
    assert target[PREVENTION] == 0.0  # no evidence on a line that did not run


def test_co_commissioning_blends_what_people_value_with_the_outcome_view():
    ref, previous = reference_of(YEAR), np.array([0.6, 0.3, 0.1, 0.0])
    seen = monitoring(
        spend=YEAR.spend,
        outcome=(60.0, 60.0, 5.0, 0.0),
        # an isolated person (community lines), one with high need (packages), one neither
        valued=[
            [False, False, True, True],
            [False, True, False, False],
            [True, False, False, False],
        ],
    )
    asked = np.array([1 / 3, 1 / 3, 1 / 6, 1 / 6])
    np.testing.assert_allclose(cm.voices(seen.valued, ref.buyable), asked)
    outcome_view = cm.outcomes(previous, seen, ref, Params())
    for voice in (0.0, 0.3, 1.0):
        target = cm.co_commissioning(previous, seen, ref, Params(commissioning_voice=voice))
        np.testing.assert_allclose(target, (1 - voice) * outcome_view + voice * asked)


def test_priorities_that_cannot_be_bought_fall_back_to_a_professional():
    buyable = np.array([True, False, False, True])  # no packages, no time bank here
    valued = np.array([[False, True, False, False], [False, False, True, True]])
    np.testing.assert_allclose(cm.voices(valued, buyable), [0.5, 0.0, 0.0, 0.5])


def test_survey_reads_each_respondents_year_from_their_state():
    n = 4
    zeros, params = np.zeros(n), Params(commissioning_isolated=0.2, commissioning_high_need=0.6)

    def people(**state) -> People:
        base = dict(
            in_care=np.array([True, True, True, False]),
            wellbeing=np.full(n, 0.5),
            need=np.full(n, 0.3),
            connectedness=np.full(n, 0.5),
            member=np.zeros(n, bool),
            professional_hours=zeros,
            package_hours=zeros,
            hours_received=zeros,
            reached=zeros,
            strained=np.zeros(n, bool),
        )
        return People(**{**base, **state})

    start = people()
    now = people(
        wellbeing=np.array([0.5 + 4 / 56, 0.5 + 1 / 56, 0.5, 0.9]),  # +4, +1, 0 WEMWBS points
        need=np.array([0.2, 0.7, 0.3, 0.1]),
        connectedness=np.array([0.1, 0.5, 0.5, 0.0]),
        member=np.array([True, True, False, True]),
        professional_hours=np.array([0.0, 3.0, 0.0, 9.0]),
        hours_received=np.array([2.0, 0.0, 0.0, 2.0]),
        reached=np.array([1.0, 0.0, 0.0, 1.0]),
        strained=np.array([False, False, True, False]),
    )
    answers = cm.survey(start, now, params)
    np.testing.assert_allclose(answers.went_well, [1.0, 0.0, 0.5])  # the neighbour is not asked
    assert answers.used.tolist() == [
        [False, False, True, True],
        [True, False, False, False],
        [False, False, False, False],
    ]
    assert answers.valued.tolist() == [
        [False, False, True, True],  # isolated
        [False, True, False, False],  # high need
        [False, True, False, False],  # a strained carer
    ]
    seen = cm.monitor({"cost_professional": [1.0] * 60, "timebank_hours": [2.0] * 60}, answers)
    assert seen.spend.tolist() == [52.0, 0.0, 0.0, 0.0]  # the last 52 weeks; absent metrics 0
    assert seen.activity.tolist() == [0.0, 0.0, 104.0, 0.0]
    np.testing.assert_allclose(seen.outcome, [0.0, 0.0, 1.0, 1.0])


# --- hypothesis: monotone outcomes, a budget that adds up ---------------------------------

money = st.one_of(st.just(0.0), st.floats(0.01, 1e6))  # none, or at least a penny
amounts = st.lists(money, min_size=4, max_size=4)
answers = st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=0, max_size=6)


def drawn_monitoring(spend, activity, outcome, valued) -> Monitoring:
    return monitoring(spend, activity, outcome, np.reshape(np.array(valued, bool), (-1, 4)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spend=amounts,
    outcome=amounts,
    line=st.integers(0, 3),
    better=st.floats(1.0, 1e3),
    shift=st.floats(0, 1),
    voice=st.floats(0, 1),
)
def test_a_line_whose_outcomes_improve_is_not_cut(spend, outcome, line, better, shift, voice):
    """Metamorphic: the same year with line's outcome improved (x ``better``) never gives that
    line less, under ``outcomes`` and under ``co_commissioning`` (whose voices do not change)."""
    seen = drawn_monitoring(spend, spend, outcome, [])
    improved = drawn_monitoring(spend, spend, [*outcome[:line], outcome[line] * better + 1.0,
                                              *outcome[line + 1 :]], [])  # fmt: skip
    ref = cm.reference(seen.spend, seen.activity, Params())
    previous = cm.starting_split(ref, Params())
    for rule in ("outcomes", "co_commissioning"):
        params = Params(commissioning_max_shift=shift, commissioning_voice=voice)
        rule_of = cm.COMMISSIONING_RULES[rule]
        before = cm.secure(previous, rule_of(previous, seen, ref, params), ref, params)
        after = cm.secure(previous, rule_of(previous, improved, ref, params), ref, params)
        assert after[line] >= before[line] - 1e-12, (rule, before, after)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spend=amounts,
    activity=amounts,
    outcome=amounts,
    valued=answers,
    rule=st.sampled_from(list(cm.COMMISSIONING_RULES)),
    shift=st.floats(0, 1),
    factor=st.floats(0, 10),
    typed=st.sampled_from([0.0, 5e5]),
    years=st.integers(1, 4),
)
def test_the_budget_always_adds_up(spend, activity, outcome, valued, rule, shift, factor, typed,
                                   years):  # fmt: skip
    params = Params(
        commissioning=rule,
        commissioning_max_shift=shift,
        commissioning_budget_factor=factor,
        commissioning_budget=typed,
    )
    seen = drawn_monitoring(spend, activity, outcome, valued)
    ref = cm.reference(seen.spend, seen.activity, params)
    shares = cm.starting_split(ref, params)
    for _ in range(years):
        target = cm.COMMISSIONING_RULES[rule](shares, seen, ref, params)
        shares = cm.secure(shares, target, ref, params)
        budget = cm.yearly_budget(ref, params)
        assert (shares >= 0).all() and (shares[~ref.buyable] == 0).all()
        assert shares.sum() == pytest.approx(1.0, abs=1e-9) or not ref.buyable.any()
        assert (shares * budget).sum() == pytest.approx(budget, rel=1e-9, abs=1e-6)
        assert budget == (typed or ref.budget) * factor


def test_a_given_starting_split_on_a_line_that_cannot_be_bought_goes_to_the_others():
    params = Params(commissioning_split_posts=0.5, commissioning_split_timebank=0.5)
    ref = reference_of(monitoring(spend=(600.0, 0.0, 0.0, 0.0)))  # no time bank in this world
    shares = cm.secure(cm.starting_split(ref, params), cm.starting_split(ref, params), ref, params)
    np.testing.assert_allclose(shares, [1.0, 0.0, 0.0, 0.0])


# --- money to levers ------------------------------------------------------------------------


def test_money_buys_levers_at_the_lines_unit_cost():
    params = Params(capacity_factor=1.0, package_hours_factor=1.0, coordinator_posts=1.0)
    ref = reference_of(YEAR)
    bought = (ref.shares, ref.budget)
    assert cm.levers(bought, bought, ref, params) == {}  # the same money buys the same
    planned = (np.array([0.3, 0.3, 0.2, 0.2]), 2000.0)
    changes = cm.levers(bought, planned, ref, params)
    assert "capacity_factor" not in changes  # 0.3 x 2000 = 600, what it had
    assert changes["package_hours_factor"] == pytest.approx(1.0 * (0.3 * 2000) / 300)
    assert changes["coordinator_posts"] == pytest.approx(1.0 * (0.2 * 2000) / 100)
    assert changes["prevention_hours"] == pytest.approx(0.2 * 2000 / (52 * 18.68))


def test_levers_stay_in_their_range_and_a_funded_line_follows_its_lever_now():
    ref = reference_of(YEAR)
    changes = cm.levers((ref.shares, ref.budget), (ref.shares, 10 * ref.budget), ref, Params())
    assert changes["capacity_factor"] == 3.0  # the schema's maximum: money beyond it unspent
    cut = cm.levers((ref.shares, ref.budget), (ref.shares, 0.0), ref, Params())
    assert 0 < cut["capacity_factor"] < 1e-300  # an open lower bound is kept just above 0
    after_timeline = Params(capacity_factor=0.8)  # a timeline cut it: the same money keeps it
    assert "capacity_factor" not in cm.levers(
        (ref.shares, ref.budget), (ref.shares, ref.budget), ref, after_timeline
    )


# --- in the model -----------------------------------------------------------------------------


def small(name: str, **changes) -> Params:
    return Params(**{**load_scenario(name).params.model_dump(), **SMALL, **changes})


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("codesign", {}),
        ("austerity", {"timeline": [{"week": 70, "capacity_factor": 0.7}]}),
    ],
)
def test_block_is_exactly_the_model_without_a_commissioner(monkeypatch, name, changes):
    params = small(name, weeks=120, commissioning="block", **changes)
    with_block = simulate(params, 3).timeseries
    monkeypatch.setattr(Commissioner, "due", staticmethod(lambda week: False))
    without = simulate(params, 3).timeseries
    assert with_block[BUDGET_COLUMNS].iloc[:53].isna().all().all()
    assert with_block[BUDGET_COLUMNS].iloc[53:].notna().all().all()
    assert without[BUDGET_COLUMNS].isna().all().all()
    pd.testing.assert_frame_equal(
        with_block.drop(columns=BUDGET_COLUMNS), without.drop(columns=BUDGET_COLUMNS)
    )


def paid_for(model: CoProductionModel) -> dict[str, float]:
    """The levers the contracts pay for: the staffed ones' funded posts, the others in force."""
    posts = model.commissioner.posts
    return {
        name: posts[name].funded() if name in posts else getattr(model.params, name)
        for name in cm.LEVER_OF.values()
    }


def test_a_commissioner_moves_levers_once_a_year_and_the_budget_columns_add_up():
    model = CoProductionModel(small("co_commissioning", weeks=110), seed=2)
    paid, in_force = [], []
    for _ in range(110):
        model.step()
        paid.append(paid_for(model))
        in_force.append(model.params.prevention_hours)
    assert paid[51] == paid[0]  # weeks 1-52: the scenario's own levers
    assert paid[52] != paid[51] and paid[103] == paid[52] and paid[104] != paid[103]
    assert paid[52]["prevention_hours"] > 0  # isolated users asked for community development
    vacancy = model.params.vacancy_weeks  # the worker is recruited first
    assert (
        in_force[52 + vacancy - 1] == 0 and in_force[52 + vacancy] == paid[52]["prevention_hours"]
    )
    ts = model.timeseries()
    budgets = ts[BUDGET_COLUMNS]
    assert (budgets.iloc[53:105].nunique() == 1).all()  # constant within a year
    lines = [
        "cost_professional",
        "cost_locum",
        "cost_packages",
        "cost_brokerage",
        "cost_prevention",
    ]
    spent = ts.loc[1:52, lines].to_numpy().sum()
    assert budgets.iloc[53].sum() == pytest.approx(spent)  # the computed default budget
    assert (ts["prevention_reached"].iloc[53 + vacancy :] > 0).all()
    assert (ts["prevention_reached"].iloc[: 53 + vacancy] == 0).all()


# --- secure: posts with the workforce's delays ---------------------------------------------


def test_new_posts_are_vacant_until_recruited_and_a_cut_goes_by_attrition_then_notice():
    params = Params(vacancy_weeks=10, commissioning_notice_weeks=6)
    post = cm.Establishment(1.0)
    post.fund(1.5, week=53, params=params)
    assert (post.staffed, post.vacant, post.funded()) == (1.0, 0.5, 1.5)
    assert [post.advance(week, 0.0) for week in range(53, 64)] == [0.0] * 10 + [0.5]
    assert (post.staffed, post.vacant) == (1.5, 0.0)  # filled at week 53 + 10
    post.fund(1.0, week=105, params=params)
    staffed = []
    for week in range(105, 113):
        post.advance(week, 0.02)  # 2% of the staff leave each week
        staffed.append(post.staffed)
    assert staffed[0] == pytest.approx(1.5 * 0.98)  # leavers' posts are not refilled
    assert all(a > b for a, b in itertools.pairwise(staffed[:7]))
    assert staffed[5] > 1.0  # a week before the notice ends: still above the funded posts
    assert staffed[6] == pytest.approx(1.0) == staffed[7]  # the rest leave at week 105 + 6
    assert post.leaving == [] and post.funded() == pytest.approx(1.0)


def test_a_change_of_plan_withdraws_adverts_and_notices_before_new_ones():
    params = Params(vacancy_weeks=10, commissioning_notice_weeks=6)
    post = cm.Establishment(1.0)
    post.fund(1.6, week=1, params=params)
    post.fund(1.2, week=5, params=params)  # 0.4 of the 0.6 advertised is withdrawn
    assert post.hiring == [(11, pytest.approx(0.2))] and post.leaving == []
    post.fund(0.7, week=6, params=params)  # the last advert goes, then notice for 0.3
    assert post.hiring == [] and post.leaving == [(12, pytest.approx(0.3))]
    post.fund(0.9, week=7, params=params)
    assert post.leaving == [(12, pytest.approx(0.1))] and post.funded() == pytest.approx(0.9)


def run_posts(budget_factor: float, weeks: int = 80) -> tuple[list[float], pd.DataFrame]:
    """A traditional world on block contracts whose budget is scaled at week 53 (every line's
    money, so its posts' too): the professional capacity in force each week, and the weekly
    metrics."""
    params = small(
        "traditional", weeks=weeks, commissioning="block", commissioning_budget_factor=budget_factor
    )
    model = CoProductionModel(params, seed=4)
    capacity = [model.params.capacity_factor]
    for _ in range(weeks):
        model.step()
        capacity.append(model.params.capacity_factor)
    return capacity, model.timeseries().set_index("week")


def test_a_commissioned_rise_in_posts_is_vacancies_then_filled_posts_in_the_model():
    capacity, ts = run_posts(1.5)
    _, same = run_posts(1.0)
    delay, cover = Params().vacancy_weeks, Params().locum_cover_share
    filled_at = 53 + delay
    assert capacity[52] == 1.0  # then money for half as many posts again
    assert capacity[53] == pytest.approx(1.0 + cover * 0.5)  # locums cover the vacancies
    assert len(set(capacity[53:filled_at])) == 1 and capacity[filled_at] == pytest.approx(1.5)
    locums = ts["locum_hours"] - same["locum_hours"]
    assert (locums.loc[53 : filled_at - 1] > 0).all()  # new posts worked by locums at first
    recruited = ts["cost_recruitment"] - same["cost_recruitment"]
    assert recruited.loc[filled_at] == pytest.approx(0.5 * SMALL["n_professionals"] * 6000.0)


def test_a_commissioned_cut_does_not_remove_staff_mid_caseload_in_one_week():
    capacity, _ = run_posts(0.5)
    notice_ends = 53 + Params().commissioning_notice_weeks
    assert capacity[53] == 1.0  # the week of the decision: everyone still in post
    falling = capacity[53 : notice_ends + 1]
    assert all(a >= b for a, b in itertools.pairwise(falling))
    assert capacity[notice_ends - 1] > 0.5 and capacity[notice_ends] == pytest.approx(0.5)
    assert capacity[-1] == pytest.approx(0.5)  # and it stays cut


def test_week0_commissioning_state_is_the_same_in_every_scenario():
    """Common random numbers: nobody has been reached and nothing commissioned at week 0."""
    for name in ("traditional", "activity_commissioning", "co_commissioning"):
        model = CoProductionModel(small(name, prevention_hours=40.0), seed=5)
        assert not model.commissioner.reached.any() and model.commissioner.ref is None
        assert np.isnan(model.latest["budget_posts"]) and model.latest["cost_prevention"] == 0


def test_prevention_reaches_the_least_connected_and_raises_their_motivation():
    params = Params(prevention_hours=3.0, prevention_reach=1.0, prevention_effect=0.5)
    connectedness = np.array([0.5, 0.1, 0.1, 0.9, 0.0])
    motivation = np.full(5, 0.4)
    commissioner = Commissioner(5)
    assert commissioner.prevent(connectedness, motivation, params) == 3.0
    np.testing.assert_allclose(motivation, [0.4, 0.7, 0.7, 0.4, 0.7])  # slots 4, 1, 2
    assert commissioner.reached.tolist() == [0, 1, 1, 0, 1]
    assert commissioner.prevent(connectedness, motivation, Params()) == 0.0  # no hours bought


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('commissioning = "outcome"\n', ["commissioning", "outcomes", "co_commissioning"]),
        (
            "commissioning_split_posts = 0.7\ncommissioning_split_timebank = 0.2\n",
            ["commissioning_split_", "0.9", "add up to 1"],
        ),
        (
            "[[timeline]]\nweek = 60\ncommissioning_budget_factor = -0.5\n",
            ["commissioning_budget_factor", "week 60", "at least 0"],
        ),
        ("[[timeline]]\nweek = 60\ncommissioning_split_posts = 1.0\n", ["commissioning_split"]),
    ],
)
def test_bad_commissioning_input_exits_2_naming_file_and_key(tmp_path, capsys, content, words):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "codesign"\n' + content)
    assert cli.main(["run", str(bad), "--steps", "5"]) == 2
    err = " ".join(capsys.readouterr().err.split())  # the message is wrapped to the terminal
    assert "bad.toml" in err and "Traceback" not in err
    for word in words:
        assert word in err


# --- the report's budget split ----------------------------------------------------------------


def test_budget_by_year_averages_replicates_per_arm_and_skips_the_first_year(tmp_path):
    from coprod.experiments.reports.budget import budget_by_year, budget_section, budget_table

    weeks = np.arange(0, 157)
    year = (weeks - 1) // 52 + 1

    def run(scenario: str, posts: list[float]) -> pd.DataFrame:
        budget = np.where(weeks > 52, np.take(posts, np.clip(year - 2, 0, 1)), np.nan)
        return pd.DataFrame(
            {
                "scenario": scenario,
                "week": weeks,
                "budget_posts": budget,
                "budget_packages": np.where(weeks > 52, 0.0, np.nan),
                "budget_timebank": np.where(weeks > 52, 1000.0 - budget, np.nan),
                "budget_prevention": np.where(weeks > 52, 0.0, np.nan),
                "cost_professional": np.where(year == 3, 15.0, 12.0),  # GBP a week
                "cost_locum": 5.0,
            }
        )

    ts = pd.concat(
        [run("block", [900.0, 900.0]), run("moving", [900.0, 600.0]), run("moving", [700.0, 400.0])]
    )
    by_year = budget_by_year(ts)
    assert by_year.index.tolist() == [("block", 2), ("block", 3), ("moving", 2), ("moving", 3)]
    assert by_year.loc[("moving", 2), "budget_posts"] == 800.0  # mean of two replicates
    assert (by_year["total"] == 1000.0).all()
    assert by_year["spent"].tolist() == [17.0 * 52, 20.0 * 52] * 2  # the lines' cost a year
    assert "| moving | 3 | 1 | 1 | 50.0 | 0.0 | 50.0 | 0.0 |" in budget_table(by_year)
    assert "| block | 2 | 1 | - |" in budget_table(by_year.assign(spent=np.nan))
    section = budget_section(ts, tmp_path, [])
    assert (tmp_path / "budget_split.png").is_file() and any("budget_split" in s for s in section)
    assert budget_section(ts[ts["week"] <= 52], tmp_path, []) == []  # no cycle yet: no section

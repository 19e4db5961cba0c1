"""The model as a whole: common random numbers, reproducibility, outputs, survey."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from coprod.simulation import CoProductionModel, Params, simulate
from coprod.simulation.agents import Neighbour, Professional, ServiceUser
from coprod.simulation.outputs import AGENT_COLUMNS, METRICS, SURVEY_QUESTIONS
from coprod.simulation.scenario import list_scenarios, load_scenario

SMALL = {"n_users": 120, "n_neighbours": 80, "n_professionals": 8}


def small(name: str, **changes) -> Params:
    """A shipped scenario at a small population."""
    return Params(**{**load_scenario(name).params.model_dump(), **SMALL, **changes})


@pytest.mark.parametrize("name", [name for name, _ in list_scenarios() if name != "traditional"])
def test_week0_people_are_identical_across_scenarios(name):
    """Common random numbers: replicate i of every scenario meets the same people at week 0,
    after a warm-up that is the same status quo in every scenario."""
    a = CoProductionModel(small("traditional"), seed=7)
    b = CoProductionModel(small(name), seed=7)
    users = ("age", "need", "baseline_need", "agency", "capability", "trust", "professional")
    for state in users:
        np.testing.assert_array_equal(getattr(a.users, state), getattr(b.users, state))
    residents = ("is_user", "agent_id", "household", "partner")
    for state in ("wellbeing", "motivation", "connectedness", *residents):
        np.testing.assert_array_equal(getattr(a.community, state), getattr(b.community, state))
    np.testing.assert_array_equal(a.professionals.burnout, b.professionals.burnout)
    np.testing.assert_array_equal(a.ties.target, b.ties.target)
    for state in ("reachable", "area"):  # the bank's pool and areas: policy does not move them
        np.testing.assert_array_equal(getattr(a.bank, state), getattr(b.bank, state))
    np.testing.assert_array_equal(a.bank.uniforms, b.bank.uniforms)  # its draws this week
    np.testing.assert_array_equal(a.survey.wemwbs0, b.survey.wemwbs0)  # the same answers
    np.testing.assert_array_equal(a.survey.health0, b.survey.health0)
    bank_state = ("member", "bank_active", "credits")  # a bank that opens at week 0
    pd.testing.assert_frame_equal(
        a.snapshot(), b.snapshot().assign(**{c: a.snapshot()[c] for c in bank_state})
    )


def test_same_seed_same_results_and_another_seed_differs():
    params = small("timebank", weeks=20)
    first, again = simulate(params, 3), simulate(params, 3)
    pd.testing.assert_frame_equal(first.timeseries, again.timeseries)
    pd.testing.assert_frame_equal(first.agents, again.agents)
    other = simulate(params, 4)
    assert not first.timeseries.equals(other.timeseries)


def test_outputs_have_the_documented_columns():
    result = simulate(small("codesign", weeks=53, snapshot_every=13), 1)
    assert list(result.timeseries.columns) == ["week", *METRICS]
    assert result.timeseries["week"].tolist() == list(range(54))
    assert list(result.agents.columns) == ["week", "agent_id", "agent_type", *AGENT_COLUMNS]
    assert sorted(result.agents["week"].unique()) == [0, 13, 26, 39, 52]
    assert len(result.survey) == SMALL["n_users"] + SMALL["n_neighbours"]
    assert set(SURVEY_QUESTIONS) <= set(result.survey.columns)
    assert result.summary["survey_participants"] > 0


def test_survey_participants_are_the_active_members_under_a_timebank():
    model = CoProductionModel(small("timebank", weeks=52), seed=5)
    for _ in range(52):
        model.step()
    survey = model.survey.result
    active = model.bank.active & model.community.member
    np.testing.assert_array_equal(survey["participant"].to_numpy(), active)
    assert active.sum() < model.community.member.sum()  # registered but inactive: not asked
    np.testing.assert_array_equal(survey["agent_id"].to_numpy(), model.community.agent_id)


def test_no_survey_before_week_52():
    result = simulate(small("timebank", weeks=20), 1)
    assert result.survey.empty and "survey_participants" not in result.summary


def test_agents_are_mesa_agents_viewing_the_arrays():
    model = CoProductionModel(small("traditional"), seed=1)
    users = model.agents_by_type[ServiceUser]
    in_care = model.community.is_user
    assert len(users) == np.count_nonzero(in_care)
    assert len(model.agents_by_type[Neighbour]) == np.count_nonzero(~in_care)
    assert len(model.agents_by_type[Professional]) == SMALL["n_professionals"]
    slot = int(np.flatnonzero(in_care)[0])
    user = users.select(lambda agent: agent.index == slot).to_list()[0]
    model.users.agency[slot] = 0.123
    assert user.agency == pytest.approx(0.123)
    assert user.cell.coordinate == slot


def test_a_batch_run_creates_no_mesa_objects_until_asked():
    """Batch runs work on the arrays alone; the agents and the network space appear when
    something asks for them, and then show the state the run has reached."""
    model = CoProductionModel(small("traditional"), seed=1)
    for _ in range(3):
        model.step()
    assert "network" not in vars(model)
    users = model.agents_by_type[ServiceUser]
    in_care = np.flatnonzero(model.community.is_user)
    assert sorted(agent.index for agent in users) == in_care.tolist()
    assert [agent.need for agent in users] == pytest.approx(
        model.users.need[[agent.index for agent in users]].tolist()
    )
    assert len(model.network.all_cells) == SMALL["n_users"] + SMALL["n_neighbours"]


def test_cumulative_cost_adds_weekly_costs_from_week_1():
    series = simulate(small("coproduction", weeks=10), 2).timeseries
    assert series["cost_cumulative"].iloc[0] == 0
    assert series["cost_cumulative"].iloc[-1] == pytest.approx(series["cost_week"].iloc[1:].sum())


def test_forum_flags_and_proactive_contacts_happen_only_under_co_design():
    co = CoProductionModel(small("codesign", forum_every=2, flag_rise=0.0), seed=4)
    for _ in range(2):
        co.step()
    assert co.users.flagged.any()
    plain = CoProductionModel(small("timebank", forum_every=2, flag_rise=0.0), seed=4)
    for _ in range(2):
        plain.step()
    assert not plain.users.flagged.any()


def test_keyword_construction_validates_like_a_scenario_file() -> None:
    """Mesa's habit: parameters as keywords, on top of ``params`` when both are given."""
    model = CoProductionModel(power_sharing=0.5, n_users=40, n_neighbours=20, n_professionals=3)
    assert (model.params.power_sharing, model.params.n_users) == (0.5, 40)
    base = Params(n_users=40, n_neighbours=20, n_professionals=3, power_sharing=0.3)
    assert CoProductionModel(base, 1, involvement=0.4).params.model_dump() == (
        base.model_copy(update={"involvement": 0.4}).model_dump()
    )
    with pytest.raises(ValueError, match="power_sharing"):
        CoProductionModel(power_sharing=2.0)
    with pytest.raises(ValueError, match="no_such_lever"):
        CoProductionModel(no_such_lever=1)


def test_mesa_batch_run_runs_the_model_reproducibly() -> None:
    """``mesa.batch_run`` sweeps the model through its DataCollector; with explicit seeds its
    rows are the model's own weekly metrics, and the same seed gives the same rows."""
    small = {"n_users": 40, "n_neighbours": 20, "n_professionals": 3, "weeks": 5}
    rows = mesa.batch_run(
        CoProductionModel,
        parameters={**small, "power_sharing": [0.2, 0.6]},
        rng=[7, 7],
        max_steps=5,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert len(frame) == 2 * 2 * 6 and set(frame["power_sharing"]) == {0.2, 0.6}
    columns = ["power_sharing", "Step", "cost_week", "wellbeing_mean"]
    first, second = (g[columns].sort_values(columns[:2]) for _, g in frame.groupby("iteration"))
    assert first.to_numpy().tolist() == second.to_numpy().tolist()  # seed 7 twice: same rows
    own = CoProductionModel(seed=7, power_sharing=0.6, **small)
    for _ in range(5):
        own.step()
    last = frame[(frame["power_sharing"] == 0.6) & (frame["Step"] == 5)].iloc[0]
    assert last["cost_cumulative"] == own.latest["cost_cumulative"] and not own.running

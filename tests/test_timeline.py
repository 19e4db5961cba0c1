"""Policy timelines (MODEL.md 10.6): validated like every key, carried in Params, applied by
the model at the start of their week."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from coprod.simulation import CoProductionModel, Params, simulate
from coprod.simulation.errors import ScenarioError
from coprod.simulation.scenario import load_scenario

SMALL = {"n_users": 150, "n_neighbours": 90, "n_professionals": 9, "warmup_weeks": 8}


def scenario_file(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CUT = """extends = "traditional"
description = "A cut from week 26."

[[timeline]]
week = 26
capacity_factor = 0.8
"""


def test_a_file_timeline_reaches_params_and_its_json(tmp_path):
    scenario = load_scenario(scenario_file(tmp_path, CUT))
    assert scenario.params.timeline == [{"week": 26, "capacity_factor": 0.8}]
    dumped = json.loads(json.dumps(scenario.params.model_dump()))
    assert dumped["timeline"] == [{"week": 26, "capacity_factor": 0.8}]
    assert Params.model_validate(dumped, strict=True) == scenario.params


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (
            "week = 26\ncapacity_factor = 5.0",
            ["entry 1 (week 26)", "`capacity_factor`", "at most 3"],
        ),
        ("week = 26\ngp_rate = 0.2", ["`gp_rate` is not a policy lever", "capacity_factor"]),
        ('week = 26\npower_rule = "co_desing"', ["not a known rule", "'co_design'"]),
        ("week = 0\ncapacity_factor = 0.8", ["`week` = 0", "whole number"]),
        ("week = 26.5\ncapacity_factor = 0.8", ["`week` = 26.5"]),
        ("week = 26", ["changes no lever"]),
        ("week = 500\ncapacity_factor = 0.8", ["week 500 is beyond the horizon (weeks = 104)"]),
    ],
)
def test_bad_entries_are_named_with_what_is_allowed(tmp_path, entry, words):
    path = scenario_file(tmp_path, f'extends = "traditional"\n\n[[timeline]]\n{entry}\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    for word in words:
        assert word in message


def test_the_same_week_twice_is_refused(tmp_path):
    text = CUT + "\n[[timeline]]\nweek = 26\npower_sharing = 0.3\n"
    with pytest.raises(ScenarioError, match="week 26 has an entry already"):
        load_scenario(scenario_file(tmp_path, text))


def test_a_child_timeline_replaces_the_parents(tmp_path):
    scenario_file(tmp_path, CUT, "parent.toml")
    child = 'extends = "parent.toml"\n\n[[timeline]]\nweek = 52\ncapacity_factor = 0.9\n'
    assert load_scenario(scenario_file(tmp_path, child)).params.timeline == [
        {"week": 52, "capacity_factor": 0.9}
    ]
    plain = load_scenario(scenario_file(tmp_path, 'extends = "parent.toml"\n', "plain.toml"))
    assert plain.params.timeline == [{"week": 26, "capacity_factor": 0.8}]


def test_keyword_construction_checks_the_horizon_too():
    with pytest.raises(ValueError, match="beyond the horizon"):
        Params(weeks=20, timeline=[{"week": 30, "capacity_factor": 0.8}])
    with pytest.raises(ValueError, match="capacity_factor"):
        Params(timeline=[{"week": 3, "capacity_factor": -1}])


def test_a_cut_acts_from_its_week_and_not_before():
    """The same world with and without a cut at week 5: identical through week 4, then less
    professional time and more unmet demand."""
    base = Params(**SMALL, weeks=12)
    cut = base.model_copy(update={"timeline": [{"week": 5, "capacity_factor": 0.5}]})
    plain, after = simulate(base, 3).timeseries, simulate(cut, 3).timeseries
    before = plain["week"] <= 4
    assert plain[before].equals(after[before])
    later = plain["week"] >= 5
    assert (after.loc[later, "professional_hours"] < plain.loc[later, "professional_hours"]).all()
    assert (
        after.loc[later, "unmet_demand_hours"].sum() > plain.loc[later, "unmet_demand_hours"].sum()
    )


def test_a_bank_whose_funding_ends_closes_and_its_credits_lapse():
    bank = Params(**SMALL, weeks=10, reciprocity="timebank", timebank_uptake=0.3)
    ends = bank.model_copy(update={"timeline": [{"week": 6, "reciprocity": "none"}]})
    model = CoProductionModel(ends, seed=2)
    for _ in range(5):
        model.step()
    assert model.community.member.any() and np.abs(model.community.credits).sum() > 0
    model.step()
    assert not model.community.member.any() and not model.community.credits.any()
    assert model.params.reciprocity == "none" and not model.reciprocity.bank
    assert model.latest["timebank_hours"] == 0


def test_a_timeline_that_moves_sharing_moves_every_professional_in_order():
    params = Params(**SMALL, weeks=4, timeline=[{"week": 2, "sharing_mean": 0.2}])
    model = CoProductionModel(params, seed=1)
    before = model.professionals.willingness.copy()
    holders = model.professionals.holder.copy()
    model.step()
    model.step()
    stayed = model.professionals.holder == holders  # a recruit has a willingness of their own
    after = model.professionals.willingness[stayed]
    assert stayed.sum() >= 2 and (after < before[stayed]).all()
    assert (np.argsort(after) == np.argsort(before[stayed])).all()

"""One warm-up per replicate (issue 16): a run that starts from a kept week-0 state is the run
made from scratch, bit for bit, in every shipped scenario; only the same seed and the same
parameters the build and warm-up read share a state; no two runs share an array."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from coprod.experiments.jobs.runner import _tasks, plan_runs
from coprod.simulation import week0
from coprod.simulation.model import (
    FROM_WEEK0,
    STATUS_QUO_LEVERS,
    CoProductionModel,
    simulate,
    world_key,
)
from coprod.simulation.outputs import RunResult
from coprod.simulation.params import Params
from coprod.simulation.scenario import list_scenarios, load_scenario
from coprod.simulation.seeds import parse_seed, replicate_seeds

SMALL = dict(
    n_users=60,
    n_neighbours=90,
    n_professionals=5,
    warmup_weeks=12,
    weeks=56,  # past the survey and the first commissioning cycle
    survey_week=52,
    snapshot_every=13,
)
SEED = replicate_seeds(11, 2)


def scenarios_to_check() -> dict[str, Params]:
    """Every shipped scenario, the calibrated ones, and two with timelines, made small."""
    calibrated = Path(str(files("coprod.scenarios"))) / "calibrated"
    named = [name for name, _ in list_scenarios()] + sorted(map(str, calibrated.glob("*.toml")))
    found = {Path(name).stem: load_scenario(name).params for name in named}
    found["timebank_closes"] = found["timebank"].model_copy(
        update={"timeline": [{"week": 20, "reciprocity": "none", "capacity_factor": 0.8}]}
    )
    found["codesign_cut"] = found["co_commissioning"].model_copy(
        update={"timeline": [{"week": 8, "power_sharing": 0.2, "lived_experience_share": 0.3}]}
    )
    return {name: Params(**{**p.model_dump(), **SMALL}) for name, p in found.items()}


SCENARIOS = scenarios_to_check()


@pytest.fixture(autouse=True)
def forget_kept_state() -> Iterator[None]:
    """Each test starts and ends with nothing kept in this process."""
    week0.SHARED.clear()
    yield
    week0.SHARED.clear()


def assert_same_run(got: RunResult, want: RunResult) -> None:
    for table in ("timeseries", "agents", "survey"):
        pd.testing.assert_frame_equal(getattr(got, table), getattr(want, table), check_exact=True)
    assert got.summary.keys() == want.summary.keys()
    np.testing.assert_array_equal(list(got.summary.values()), list(want.summary.values()))


def fresh(params: Params, seed: str) -> RunResult:
    """The run made from scratch, with nothing kept before or after."""
    week0.SHARED.clear()
    result = simulate(params, parse_seed(seed))
    week0.SHARED.clear()
    return result


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_run_from_a_kept_week_0_is_the_run_from_scratch(name):
    """Kept by another arm (the same scenario under the status quo's levers and another
    horizon), then used: every table and summary value equal to the bit."""
    params, seed = SCENARIOS[name], SEED[0]
    other_arm = params.model_copy(update={**STATUS_QUO_LEVERS, "weeks": 30, "timeline": []})
    simulate(other_arm, parse_seed(seed))
    assert week0.SHARED.find(world_key(params, parse_seed(seed))) is not None  # a hit
    assert_same_run(simulate(params, parse_seed(seed)), fresh(params, seed))


def test_the_arms_of_a_comparison_share_one_state_but_a_changed_willingness():
    """traditional keeps the state every arm uses, but resistant_system draws its
    professionals' willingness from another mean: a world of its own."""
    seed = parse_seed(SEED[0])
    simulate(SCENARIOS["traditional"], seed)
    sharing = [name for name in SCENARIOS if week0.SHARED.find(world_key(SCENARIOS[name], seed))]
    assert "resistant_system" not in sharing
    assert {"tokenistic", "coproduction", "timebank", "codesign", "co_commissioning"} <= set(
        sharing
    )


@pytest.mark.parametrize(
    "change",
    [{"agency_recovery": 0.02}, {"n_neighbours": 91}, {"warmup_weeks": 13}, {"sharing_mean": 0.4}],
)
def test_another_mechanism_value_or_seed_is_not_a_hit(change):
    params, seed = SCENARIOS["timebank"], parse_seed(SEED[0])
    simulate(params, seed)
    changed = params.model_copy(update=change)
    assert week0.SHARED.find(world_key(changed, seed)) is None
    assert week0.SHARED.find(world_key(params, parse_seed(SEED[1]))) is None
    assert week0.SHARED.find(world_key(params, seed)) is not None
    assert_same_run(simulate(changed, seed), fresh(changed, SEED[0]))  # the miss runs as ever


def test_a_city_is_never_kept():
    params = Params(**{**TINY, "n_users": 15_000, "n_neighbours": 5_001})
    assert world_key(params, parse_seed(SEED[0])) is None


def arrays(value: object, seen: set[int] | None = None) -> Iterator[np.ndarray]:
    """Every numpy array reachable through dataclasses, dicts, lists and tuples."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from arrays(getattr(value, field.name), seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from arrays(item, seen)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from arrays(item, seen)
    elif hasattr(value, "__dict__") and not isinstance(value, np.random.Generator):
        yield from arrays(vars(value), seen)


def test_arms_never_share_an_array_with_the_kept_state_or_each_other():
    params, seed = SCENARIOS["coproduction"], parse_seed(SEED[0])
    first = CoProductionModel(params, seed, warm_ups=week0.SHARED)
    kept = week0.SHARED.find(world_key(params, seed))
    second = CoProductionModel(params, seed, warm_ups=week0.SHARED)
    kept_arrays = list(arrays(kept.attributes))
    assert len(kept_arrays) > 50
    for model in (first, second):
        for array in arrays({k: vars(model)[k] for k in kept.attributes}):
            assert not any(np.shares_memory(array, other) for other in kept_arrays)
    before = [array.copy() for array in kept_arrays]
    for model in (first, second):  # run on and scribble over everything a run holds
        for _ in range(5):
            model.step()
        for array in arrays({k: vars(model)[k] for k in kept.attributes}):
            if array.dtype.kind == "f" and array.flags.writeable:
                array[...] = -1.0
    for array, copied in zip(kept_arrays, before, strict=True):
        np.testing.assert_array_equal(array, copied)
    third = CoProductionModel(params, seed, warm_ups=week0.SHARED)
    scratch = CoProductionModel(params, seed)
    np.testing.assert_array_equal(third.community.wellbeing, scratch.community.wellbeing)


def test_a_kept_state_stays_lazy_and_its_agents_appear_as_from_scratch():
    """The Mesa network and agents exist only when asked for, after a copy as before."""
    params, seed = SCENARIOS["timebank"], parse_seed(SEED[0])
    CoProductionModel(params, seed, warm_ups=week0.SHARED)
    copied = CoProductionModel(params, seed, warm_ups=week0.SHARED)
    scratch = CoProductionModel(params, seed)
    assert "network" not in vars(copied) and not copied._agents_placed
    for model in (copied, scratch):
        for _ in range(3):
            model.step()
    assert len(copied.agents) == len(scratch.agents)
    assert [type(a).__name__ for a in copied.people] == [type(a).__name__ for a in scratch.people]
    assert copied.random.random() == scratch.random.random()
    assert copied.rng.random() == scratch.rng.random()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_what_the_key_leaves_out_is_never_read_before_week_0(name, monkeypatch):
    """Every parameter read while building and warming up is in the key, or is a lever of
    ``STATUS_QUO_LEVERS`` read at its status-quo value: so two arms with one key make one
    state. (Reads are recorded on a subclass of ``Params``; copies keep the class.)"""
    fields, reads, building = set(Params.model_fields), [], [False]

    class Recorded(Params):
        def __getattribute__(self, attribute: str):
            value = super().__getattribute__(attribute)
            if attribute in fields and building[0]:
                reads.append((attribute, value))
            return value

    real_start = CoProductionModel._start_policy

    def start_policy(self, status_quo, params):
        building[0] = False
        real_start(self, status_quo, params)

    monkeypatch.setattr(CoProductionModel, "_start_policy", start_policy)
    recorded = Recorded(**SCENARIOS[name].model_dump())
    building[0] = True
    CoProductionModel(recorded, parse_seed(SEED[0]))
    left_out = {*STATUS_QUO_LEVERS, *FROM_WEEK0}
    assert len({attribute for attribute, _ in reads}) > 100
    wrong = [
        (attribute, value)
        for attribute, value in reads
        if attribute in left_out
        and (attribute not in STATUS_QUO_LEVERS or value != STATUS_QUO_LEVERS[attribute])
    ]
    assert not wrong


def test_a_comparisons_tasks_are_the_arms_of_a_replicate():
    """Planned scenario by scenario, made replicate by replicate: each task the arms of one
    replicate that share a state (a changed willingness makes its own); cut finer only when
    there are too few replicates for the window."""
    arms = {name: SCENARIOS[name] for name in ("traditional", "timebank", "resistant_system")}
    specs = plan_runs(arms, 4, 0)
    tasks = list(_tasks(specs, len(specs), window=4, batch=1))
    assert [[s.scenario for s in task] for task in tasks] == [["traditional", "timebank"]] * 4 + [
        ["resistant_system"]
    ] * 4
    assert [[s.replicate for s in task] for task in tasks] == [[r, r] for r in range(4)] + [
        [r] for r in range(4)
    ]
    few = list(_tasks(specs[::4], 3, window=8, batch=1))  # one replicate, a window of 8
    assert sorted(len(task) for task in few) == [1, 1, 1]


def test_a_process_keeps_one_state_the_last():
    params = SCENARIOS["traditional"]
    for seed in SEED:
        simulate(params, parse_seed(seed))
    assert week0.SHARED.find(world_key(params, parse_seed(SEED[0]))) is None  # one entry
    assert week0.SHARED.find(world_key(params, parse_seed(SEED[1]))) is not None

"""Scenario files: the shipped nine, ``extends`` chains, user files, ``--set``, and every
mistake a user can make turned into a message that names the file (or ``--set``) and the key."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from coprod.simulation.errors import CoprodError, ScenarioError
from coprod.simulation.params import Params
from coprod.simulation.scenario import (
    SHIPPED_ORDER,
    Scenario,
    list_scenarios,
    load_scenario,
    shipped_scenarios,
    with_overrides,
)

DEFAULTS = Params().model_dump()

# Every value a shipped scenario must end up with that differs from, or is written over, the
# defaults (MODEL.md section 6, following each extends chain by hand).
EXPECTED: dict[str, dict[str, object]] = {
    "traditional": {},
    "tokenistic": {"power_rule": "consultation", "involvement": 0.8, "power_sharing": 0.1},
    "coproduction": {
        "power_rule": "shared_decisions",
        "power_sharing": 0.7,
        "reciprocity": "direct",
    },
    "timebank": {"power_rule": "shared_decisions", "power_sharing": 0.7, "reciprocity": "timebank"},
    "codesign": {"power_rule": "co_design", "power_sharing": 0.7, "reciprocity": "timebank"},
    "austerity": {"capacity_factor": 0.8},
    "coproduction_austerity": {
        "power_rule": "shared_decisions",
        "power_sharing": 0.7,
        "reciprocity": "timebank",
        "capacity_factor": 0.8,
    },
    "resistant_system": {
        "power_rule": "shared_decisions",
        "power_sharing": 0.7,
        "reciprocity": "direct",
        "sharing_mean": 0.2,
    },
    "peer_workforce": {
        "power_rule": "shared_decisions",
        "power_sharing": 0.7,
        "reciprocity": "direct",
        "lived_experience_share": 0.33,
    },
    "activity_commissioning": {"commissioning": "activity"},
    "co_commissioning": {
        "power_rule": "co_design",
        "power_sharing": 0.7,
        "reciprocity": "timebank",
        "commissioning": "co_commissioning",
        "commissioning_voice": 0.5,
    },
}
PARENTS = {
    "traditional": None,
    "tokenistic": "traditional",
    "coproduction": "traditional",
    "timebank": "coproduction",
    "codesign": "timebank",
    "austerity": "traditional",
    "coproduction_austerity": "timebank",
    "resistant_system": "coproduction",
    "peer_workforce": "coproduction",
    "activity_commissioning": "traditional",
    "co_commissioning": "codesign",
}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(call, *args) -> str:
    """The message of the ScenarioError ``call(*args)`` raises, checked to be pydantic-free."""
    with pytest.raises(ScenarioError) as caught:
        call(*args)
    message = str(caught.value)
    for leak in ("pydantic", "Input should", "validation error", "Traceback"):
        assert leak not in message
    return message


# --- shipped scenarios ------------------------------------------------------------------


def test_shipped_scenarios_are_the_nine_of_the_spec_in_table_order():
    shipped = shipped_scenarios()
    assert tuple(shipped) == tuple(EXPECTED)  # the spec's nine first, then alphabetically
    assert tuple(shipped)[: len(SHIPPED_ORDER)] == SHIPPED_ORDER
    folder = Path(str(files("coprod.scenarios")))
    assert all(path.parent == folder and path.suffix == ".toml" for path in shipped.values())


@pytest.mark.parametrize("name", tuple(EXPECTED))
def test_shipped_scenario_loads_with_description_and_expected_values(name):
    scenario = load_scenario(name)
    assert isinstance(scenario, Scenario)
    assert scenario.name == name
    assert scenario.path == shipped_scenarios()[name]
    assert scenario.extends == PARENTS[name]
    assert len(scenario.description) > 40, "a shipped scenario needs a plain-words description"
    assert "description" not in scenario.overrides and "extends" not in scenario.overrides
    differs = {k: v for k, v in scenario.params.model_dump().items() if DEFAULTS[k] != v}
    assert differs == {k: v for k, v in EXPECTED[name].items() if DEFAULTS[k] != v}
    for key, value in EXPECTED[name].items():
        assert getattr(scenario.params, key) == value


def test_traditional_writes_the_status_quo_explicitly():
    scenario = load_scenario("traditional")
    assert scenario.overrides == {
        "power_rule": "expert",
        "power_sharing": 0.05,
        "involvement": 0.0,
        "reciprocity": "none",
    }
    assert scenario.params == Params()


def test_overrides_merge_the_chain_and_the_child_wins():
    scenario = load_scenario("codesign")
    assert scenario.overrides == {
        "power_rule": "co_design",
        "power_sharing": 0.7,
        "involvement": 0.0,
        "reciprocity": "timebank",
    }


def test_list_scenarios_pairs_names_with_descriptions_in_order():
    listed = list_scenarios()
    assert [name for name, _ in listed] == list(EXPECTED)
    assert dict(listed)["timebank"] == load_scenario("timebank").description


# --- user files ---------------------------------------------------------------------------


def test_user_file_extends_a_shipped_scenario_and_overrides_it(tmp_path):
    path = write(tmp_path, "my_town.toml", 'extends = "codesign"\nweeks = 52\npower_sharing = 1\n')
    scenario = load_scenario(path)
    assert scenario.name == "my_town"
    assert scenario.description == ""
    assert scenario.extends == "codesign"
    assert scenario.params.weeks == 52
    assert scenario.params.power_sharing == 1.0  # a TOML int is fine for a float
    assert scenario.params.power_rule == "co_design"
    assert scenario.params.reciprocity == "timebank"
    assert scenario.overrides["power_sharing"] == 1
    assert load_scenario(str(path)).params == scenario.params


def test_extends_path_is_relative_to_the_extending_file(tmp_path, monkeypatch):
    base = tmp_path / "base"
    base.mkdir()
    write(base, "cuts.toml", 'extends = "timebank"\ncapacity_factor = 0.7\nweeks = 30\n')
    child = write(tmp_path, "deeper.toml", 'extends = "base/cuts.toml"\ncapacity_factor = 0.6\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scenario = load_scenario(child)
    assert scenario.params.capacity_factor == 0.6
    assert scenario.params.weeks == 30
    assert scenario.params.reciprocity == "timebank"


def test_a_shipped_name_wins_over_a_file_in_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path, "traditional", "weeks = 3\n")
    monkeypatch.chdir(tmp_path)
    assert load_scenario("traditional").params.weeks == DEFAULTS["weeks"]
    assert load_scenario(Path("traditional")).params.weeks == 3


# --- bad files ------------------------------------------------------------------------------

BAD_FILES = {
    "unknown key": ("powr_sharing = 0.5\n", "powr_sharing", ["Did you mean 'power_sharing'"]),
    "output name": (
        "wellbeing_mean = 0.9\n",
        "wellbeing_mean",
        ["outputs emerge from the model and cannot be set"],
    ),
    "string for a float": ('power_sharing = "0.7"\n', "power_sharing", ["wrong type", "number"]),
    "bool for a float": ("involvement = true\n", "involvement", ["wrong type", "at most 1"]),
    "float for an int": ("weeks = 52.5\n", "weeks", ["wrong type", "whole number"]),
    "out of range": (
        "power_sharing = 1.5\n",
        "power_sharing",
        ["out of range", "at most 1", "share"],
    ),
    "at the exclusive bound": ("capacity_factor = 0\n", "capacity_factor", ["greater than 0"]),
    "unknown power rule": (
        'power_rule = "codesign"\n',
        "power_rule",
        ["expert", "consultation", "shared_decisions", "Did you mean 'co_design'"],
    ),
    "unknown reciprocity": (
        'reciprocity = "bartering"\n',
        "reciprocity",
        ["not a known rule", "none, direct, timebank"],
    ),
    "unknown choice": ('cost_basis = "cash"\n', "cost_basis", ["activity", "establishment"]),
    "nested table": ("[levers]\npower_sharing = 0.5\n", "levers", ["flat"]),
    "dotted key": ("levers.power_sharing = 0.5\n", "levers", ["flat"]),
    "list value": ("power_sharing = [0.1, 0.2]\n", "power_sharing", ["flat"]),
    "description not text": ("description = 3\n", "description", ["text"]),
    "name key": ('name = "other"\n', "name", ["file name"]),
    "unknown extends": (
        'extends = "timebnk"\n',
        "extends",
        ["Did you mean 'timebank'", "codesign"],
    ),
    "syntax error": ("weeks = 52\npower_sharing = \n", "power_sharing", ["TOML", "line 2"]),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_message_names_file_key_and_what_is_allowed(tmp_path, case):
    text, key, fragments = BAD_FILES[case]
    path = write(tmp_path, "mine.toml", text)
    message = error_of(load_scenario, path)
    assert str(path) in message
    if case != "syntax error":  # tomllib names the line, not the key
        assert f"`{key}`" in message
    for fragment in fragments:
        assert fragment in message


def test_all_problems_of_a_file_are_reported_at_once(tmp_path):
    path = write(tmp_path, "many.toml", 'powr = 1\nweeks = "ten"\nforum_every = 0\n')
    message = error_of(load_scenario, path)
    assert message.startswith(f"{path}: 3 problems")
    for key in ("powr", "weeks", "forum_every"):
        assert f"`{key}`" in message


def test_a_problem_in_a_parent_is_blamed_on_the_parent(tmp_path):
    parent = write(tmp_path, "parent.toml", "involvement = 2\n")
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\n')
    message = error_of(load_scenario, child)
    assert message.startswith(f"{parent}:") and "`involvement`" in message


@pytest.mark.parametrize("self_loop", [True, False])
def test_extends_cycle_is_reported(tmp_path, self_loop):
    if self_loop:
        start = write(tmp_path, "a.toml", 'extends = "a.toml"\n')
    else:
        start = write(tmp_path, "a.toml", 'extends = "b.toml"\n')
        write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    message = error_of(load_scenario, start)
    assert "`extends`" in message and "cycle" in message
    assert str(start.resolve()) in message


def test_missing_file_lists_shipped_names(tmp_path):
    missing = tmp_path / "nope.toml"
    message = error_of(load_scenario, missing)
    assert str(missing) in message
    assert all(name in message for name in SHIPPED_ORDER)


def test_misspelt_shipped_name_gets_a_suggestion():
    assert "Did you mean 'traditional'" in error_of(load_scenario, "tradtional")


def test_scenario_error_is_a_user_error():
    assert issubclass(ScenarioError, CoprodError)


# --- --set ----------------------------------------------------------------------------------


def test_with_overrides_parses_by_type_and_keeps_the_original():
    base = load_scenario("coproduction")
    changed = with_overrides(base, ["weeks=52", "power_rule = co_design", "capacity_factor=1"])
    assert changed.params.weeks == 52 and isinstance(changed.params.weeks, int)
    assert changed.params.capacity_factor == 1.0
    assert changed.params.power_rule == "co_design"
    assert changed.params.reciprocity == "direct"
    assert changed.overrides["weeks"] == 52 and changed.overrides["power_sharing"] == 0.7
    assert changed.name == base.name and changed.path == base.path
    assert base.params.weeks == DEFAULTS["weeks"] and "weeks" not in base.overrides
    assert with_overrides(base, []).params == base.params


BAD_SETS = {
    "nokey=1": ("nokey", []),
    "powr_sharing=0.5": ("powr_sharing", ["Did you mean 'power_sharing'"]),
    "wellbeing_mean=0.5": ("wellbeing_mean", ["cannot be set"]),
    "description=hello": ("description", ["not a parameter"]),
    "weeks=1.5": ("weeks", ["wrong type", "whole number"]),
    "power_sharing=lots": ("power_sharing", ["wrong type", "number"]),
    "power_sharing=2": ("power_sharing", ["out of range", "at most 1"]),
    "power_rule=codesign": ("power_rule", ["Did you mean 'co_design'", "expert"]),
    "power_sharing": ("power_sharing", ["key=value"]),
}


@pytest.mark.parametrize("assignment", BAD_SETS)
def test_with_overrides_rejects_bad_assignments(assignment):
    key, fragments = BAD_SETS[assignment]
    message = error_of(with_overrides, load_scenario("traditional"), [assignment])
    assert message.startswith("--set:") and key in message
    for fragment in fragments:
        assert fragment in message


def test_with_overrides_reports_every_bad_assignment():
    message = error_of(with_overrides, load_scenario("traditional"), ["weeks=x", "involvement=9"])
    assert "2 problems" in message and "`weeks`" in message and "`involvement`" in message


def test_a_base_lies_beneath_the_scenario_and_set_lies_above_it(tmp_path):
    from coprod.simulation.scenario import load_base, with_base

    base = tmp_path / "base.toml"
    base.write_text("gp_rate = 0.3\nhours_per_need = 4.5\n")
    own = tmp_path / "own.toml"
    own.write_text('extends = "timebank"\nhours_per_need = 3.5\n')
    scenario = with_overrides(with_base(load_scenario(own), load_base(base)), ["gp_rate=0.2"])
    assert scenario.params.hours_per_need == 3.5  # the scenario's own key wins over the base
    assert scenario.params.gp_rate == 0.2  # --set wins over both
    assert scenario.params.reciprocity == "timebank"
    assert with_base(load_scenario("traditional"), load_base(base)).params.gp_rate == 0.3


def test_a_scenario_file_saved_with_a_byte_order_mark_reads_as_without(tmp_path):
    """Windows editors may write UTF-8 with a BOM; tomllib alone calls it an invalid statement."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'extends = "traditional"\npower_sharing = 0.3\n')
    assert load_scenario(str(path)).params.power_sharing == 0.3

"""Calibration: the shipped Spice targets, bad target files and bad --params refused with the
file and the key (exit 2), and parameter recovery: targets made by the model itself at known
values are found again by ``coprod calibrate`` on a small problem."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest

from coprod.experiments import cli
from coprod.experiments.designs.targets import fittable, load_targets
from coprod.experiments.methods.calibration import BASE_FILE, SCENARIO_FILE
from coprod.simulation import simulate
from coprod.simulation.params import Params
from coprod.simulation.scenario import load_base, load_scenario
from coprod.simulation.seeds import parse_seed, replicate_seeds

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SPICE = SCENARIOS / "targets" / "spice_cardiff.toml"
SMALL = {
    "n_users": 150,
    "n_neighbours": 90,
    "n_professionals": 9,
    "warmup_weeks": 4,
    "survey_week": 24,
    # a bank of everyone, all active: a small world with enough people to survey
    "timebank_reach": 1.0,
    "timebank_uptake": 1.0,
    "timebank_activity_lapse": 0.0,
    "survey_wemwbs_sem": 0.0,  # the calibration machinery, not the survey's reporting noise
}
TRUTH = {"weight_agency": 0.25, "gp_rate": 0.25}  # each drives a statistic of its own
RANGES = {"weight_agency": (0.1, 0.4), "gp_rate": (0.05, 0.45)}
QUESTIONS = ("better_quality_of_life", "fewer_doctor_visits")
GOOD = """\
scenario = "timebank"
[targets.better_quality_of_life]
share = 0.7
tolerance = 0.05
source = "made up"
[parameters]
gp_rate = { min = 0.05, max = 0.45 }
"""


def test_the_spice_targets_are_the_four_published_shares_with_sources():
    targets = load_targets(SPICE)
    shares = {name: target.share for name, target in targets.targets.items()}
    assert shares == {
        "better_quality_of_life": 0.71,
        "feel_healthier": 0.50,
        "less_social_care": 0.22,
        "fewer_doctor_visits": 0.20,
    }
    assert all(
        "Spice" in t.source or "Same evaluation" in t.source for t in targets.targets.values()
    )
    assert "self-reported" in targets.caveat and "programme-commissioned" in targets.caveat
    assert targets.scenario.name == "timebank"
    assert all(fittable(name) is None for name in targets.ranges)


def test_the_shipped_calibration_loads_stays_in_its_ranges_and_runs():
    """The shipped fit is a fit of the shipped targets: every value within the range the
    targets file lets it explore, the scenario is the surveyed one on the same values, and a
    (small) world resting on the base runs to its survey."""
    ranges = load_targets(SPICE).ranges
    base = load_base(SCENARIOS / "calibrated" / BASE_FILE)
    scenario = load_scenario(SCENARIOS / "calibrated" / SCENARIO_FILE)
    assert base and scenario.params.reciprocity == load_scenario("timebank").params.reciprocity
    for name, value in base.items():
        assert ranges[name].min <= value <= ranges[name].max, (name, value)
        assert getattr(scenario.params, name) == value, name
    small = {**SMALL, "weeks": SMALL["survey_week"]}
    summary = simulate(scenario.params.model_copy(update=small), parse_seed("5")).summary
    assert summary["survey_participants"] > 0
    assert all(0 <= summary[f"survey_{q}"] <= 1 for q in QUESTIONS)


def write(folder: Path, text: str) -> Path:
    path = folder / "targets.toml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("[targets.better_quality_of_life]", "[targets.happier]", "[targets.happier]"),
        ("share = 0.7", "share = 71", "`share` = 71"),
        ("share = 0.7", "share = -0.1", "`share` = -0.1"),
        ("tolerance = 0.05", "tolerance = 0", "`tolerance` = 0"),
        ("tolerance = 0.05", "tolerence = 0.05", "`tolerance` is missing"),
        ('source = "made up"', 'origin = "made up"', "`origin`"),
        ("max = 0.45", "max = 45.0", "[parameters] `gp_rate`"),
        ("gp_rate = {", "gp_rat = {", "[parameters] `gp_rat` is not a parameter"),
        ('scenario = "timebank"', 'scenario = "timebnk"', '`scenario` = "timebnk"'),
        ('scenario = "timebank"', 'scenario = "timebank"\nsamples = 9', "`samples`"),
    ],
)
def test_bad_target_files_exit_2_naming_the_file_and_the_key(tmp_path, capsys, old, new, words):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    argv = ["calibrate", str(path), "--params", "gp_rate", "--out", str(tmp_path / "out")]
    assert cli.main(argv) == 2
    error = " ".join(capsys.readouterr().err.split())
    assert str(path) in error and words in error


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ("gp_rat", "`gp_rat` is not a parameter. Did you mean 'gp_rate'"),
        ("power_rule", "`power_rule` is not a number"),
        ("power_sharing", "`power_sharing` is a policy lever"),
        ("n_users", "`n_users` fixes the population"),
        ("acute_prob", "`acute_prob` has no range in [parameters]"),
        ("gp_rate,gp_rate", "named twice"),
        ("s_neutral", "`s_neutral` is a policy lever"),
    ],
)
def test_bad_params_exit_2_naming_the_file_and_the_key(tmp_path, capsys, params, words):
    path = write(tmp_path, GOOD)
    assert cli.main(["calibrate", str(path), "--params", params]) == 2
    error = " ".join(capsys.readouterr().err.split())
    assert f"{path}: --params" in error and words in error


def test_an_existing_folder_is_not_written_into_and_resume_needs_out(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "calibration.md").write_text("my notes")
    assert cli.main(["calibrate", str(path), "--params", "gp_rate", "--out", str(out)]) == 2
    assert "not an empty folder" in " ".join(capsys.readouterr().err.split())
    assert [p.name for p in out.iterdir()] == ["calibration.md"]
    assert (out / "calibration.md").read_text() == "my notes"
    assert cli.main(["calibrate", str(path), "--params", "gp_rate", "--resume"]) == 2
    assert "--resume needs --out" in " ".join(capsys.readouterr().err.split())


def observed(truth: dict[str, float]) -> dict[str, float]:
    """The survey shares the model gives at ``truth``: targets made by the model itself."""
    values = {**load_scenario("timebank").params.model_dump(), **SMALL, **truth}
    params = Params(**{**values, "weeks": SMALL["survey_week"]})
    runs = [simulate(params, parse_seed(seed)).summary for seed in replicate_seeds(99, 8)]
    return {q: float(np.mean([run[f"survey_{q}"] for run in runs])) for q in QUESTIONS}


def test_known_parameters_are_recovered_from_targets_the_model_made(tmp_path, capsys):
    shares = observed(TRUTH)
    lines = ["[calibration]", "samples = 64", "accept = 0.3", "check_replicates = 4", "seed = 2"]
    for question, share in shares.items():
        lines += [f"[targets.{question}]", f"share = {share:.4f}", "tolerance = 0.03"]
        lines.append('source = "the model at TRUTH"')
    lines += [
        "[parameters]",
        *(f"{k} = {{ min = {a}, max = {b} }}" for k, (a, b) in RANGES.items()),
    ]
    lines += ["[fixed]", *(f"{k} = {v}" for k, v in SMALL.items())]
    text = "\n".join(lines)
    path, out = write(tmp_path, text), tmp_path / "out"
    argv = ["calibrate", str(path), "--params", ",".join(TRUTH), "--out", str(out), "--quiet"]
    assert cli.main([*argv, "--workers", "2"]) == 0
    written = tomllib.loads((out / SCENARIO_FILE).read_text())
    assert written["extends"] == "timebank"
    for name, (lo, hi) in RANGES.items():  # within a fifth of the prior range
        assert abs(written[name] - TRUTH[name]) < 0.2 * (hi - lo), (name, written[name])
    page = (out / "calibration.md").read_text()
    assert "## Identifiability" in page and "## Fit at the fitted values" in page
    assert load_scenario(out / SCENARIO_FILE).params.weight_agency == written["weight_agency"]
    assert load_base(out / BASE_FILE) == {name: written[name] for name in TRUTH}

"""coprod psa end to end at a tiny size: draws to runs to the verdict, rebuilt from the folder
alone; and PSA files that are wrong are refused before any run, naming the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coprod.experiments.cli import main

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TINY = f"""
base = ["{SCENARIOS / "timebank.toml"}"]
baseline = "traditional"
replicates = 1
steps = 30
draws = 10
seed = 3
[fixed]
n_users = 40
n_neighbours = 20
n_professionals = 3
warmup_weeks = 2
survey_week = 26
[uncertain]
agency_gain_rate = {{ dist = "gamma", mean = 0.04, sd = 0.012 }}
hour_cost = {{ dist = "lognormal", mean = 55.0, sd = 8.0 }}
[groups]
agency = ["agency_gain_rate"]
"""


@pytest.fixture(scope="module")
def tiny_psa(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("psa")
    (folder / "psa.toml").write_text(TINY)
    out = folder / "out"
    assert main(["psa", str(folder / "psa.toml"), "--out", str(out), "--workers", "1"]) == 0
    return out


def test_a_tiny_psa_writes_the_verdict_and_its_evidence(tiny_psa):
    text = (tiny_psa / "psa.md").read_text()
    verdict = next(line for line in text.splitlines() if line.startswith("| timebank |"))
    assert verdict.count("(") >= 4  # QALYs, cost and both INMBs carry intervals over draws
    for section in ("## The verdict", "## Acceptability", "EVPPI: agency", "## When it pays"):
        assert section in text
    assert (tiny_psa / "figures" / "ce_plane.png").stat().st_size > 1000
    assert "data:image/png;base64," in (tiny_psa / "psa.html").read_text()
    job = json.loads((tiny_psa / "manifest.json").read_text())["job"]
    assert job["kind"] == "psa" and len(job["draws"]["agency_gain_rate"]) == 10
    assert job["scenarios"]["timebank"]["discount_rate"] == 0.0  # the evaluation discounts


def test_the_draws_vary_the_runs_and_the_baseline_meets_the_same_draws(tiny_psa):
    import coprod

    runs = coprod.load(tiny_psa).runs
    assert runs.groupby("point")["hour_cost"].nunique().eq(1).all()  # both arms, one draw
    assert runs["hour_cost"].nunique() == 10
    job = json.loads((tiny_psa / "manifest.json").read_text())["job"]
    drawn = sorted(job["draws"]["hour_cost"])
    assert sorted(runs.drop_duplicates("point")["hour_cost"]) == pytest.approx(drawn)


def test_the_psa_page_is_rebuilt_from_the_folder_alone(tiny_psa, capsys):
    before = (tiny_psa / "psa.md").read_text()
    (tiny_psa / "psa.md").unlink()
    assert main(["report", str(tiny_psa)]) == 0
    assert (tiny_psa / "psa.md").read_text() == before


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('hour_cost = { dist = "lognormal", mean = 55.0, sd = 8.0 }',
         'hour_cost = { dist = "weibull", mean = 55.0, sd = 8.0 }'),
        ('agency_gain_rate = { dist = "gamma", mean = 0.04, sd = 0.012 }',
         'agency_gain_rate = { dist = "gamma", mean = 0.04, sd = -1 }'),
        ('hour_cost = { dist = "lognormal", mean = 55.0, sd = 8.0 }',
         'power_sharing = { dist = "beta", mean = 0.5, sd = 0.1 }'),
        ("draws = 10", "draws = 1"),
        ('agency = ["agency_gain_rate"]', 'agency = ["agency_gain_rat"]'),
    ],
)  # fmt: skip
def test_a_wrong_psa_file_exits_2_naming_the_file_and_the_key(old, new, tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(TINY.replace(old, new))
    assert main(["psa", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    key = new.split(" =")[0]
    assert str(path) in err and f"`{key}`" in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()  # refused before anything was written


def _study(text: str, tmp_path: Path):
    from coprod.experiments.methods.psa import load_psa

    path = tmp_path / "psa.toml"
    path.write_text(text)
    return load_psa(path)


UNCERTAIN_TABLE = TINY[TINY.index("[uncertain]") : TINY.index("[groups]")]


def test_without_uncertain_the_stated_distributions_of_the_schema_are_drawn(tmp_path):
    from coprod.simulation.params.uncertainty import distribution, stated_names

    study = _study(TINY.replace(UNCERTAIN_TABLE, "").split("[groups]")[0], tmp_path)
    assert list(study.uncertain) == stated_names()
    mean = distribution("hour_cost")[0]["mean"]
    assert study.draws["hour_cost"].mean() == pytest.approx(mean, rel=0.05)
    assert "assumption" in study.job()["uncertain"]["hour_cost"]["source"]


def test_default_takes_the_schema_distribution_and_the_file_overrides(tmp_path):
    text = TINY.replace(
        'hour_cost = { dist = "lognormal", mean = 55.0, sd = 8.0 }',
        'hour_cost = "default"\nhours_per_need = "default"',
    )
    study = _study(text, tmp_path)
    assert study.uncertain["hour_cost"]["distribution"].startswith("gamma(")
    assert study.uncertain["hours_per_need"]["distribution"] == "triangular(min=2, mode=4, max=6)"
    assert study.uncertain["agency_gain_rate"]["source"] == "the experiment file"


def test_a_misspelt_default_is_refused_naming_the_key(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(TINY.replace('{ dist = "lognormal", mean = 55.0, sd = 8.0 }', '"defualt"'))
    assert main(["psa", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "`hour_cost`" in err and '"default"' in err


DOC = Path(__file__).resolve().parents[1] / "docs" / "ECONOMICS.md"


def test_the_docs_command_writes_the_section_of_a_folder_below_the_hand_written_text(
    tiny_psa, tmp_path
):
    import coprod
    from coprod.experiments.reports.economics_doc import HEADING, section
    from coprod.experiments.reports.economics_doc import main as write_doc

    copy = tmp_path / "ECONOMICS.md"
    copy.write_text(DOC.read_text())
    assert write_doc([str(copy), "--from", str(tiny_psa)]) == 0
    above, below = copy.read_text().split(HEADING)
    assert above == DOC.read_text().split(HEADING)[0]  # the hand-written sections untouched
    assert HEADING + below == section(coprod.load(tiny_psa)) + "\n"
    job = json.loads((tiny_psa / "manifest.json").read_text())["job"]
    assert job["experiment_sha256"] in below and "| timebank |" in below
    assert "fewer than 500" in below  # ten draws: the EVPPI's own error is said


def test_the_shipped_verdict_was_generated_from_the_shipped_example_as_it_is():
    from coprod.experiments.reports.economics_doc import COMMAND, HEADING, example_sha256

    shipped = DOC.read_text().split(HEADING)[1]
    assert example_sha256() in shipped, (
        f"docs/ECONOMICS.md's verdict is not from experiments/examples/psa.toml: run `{COMMAND}`"
    )

"""Sensitivity analysis: SALib's estimators wired right (the Ishigami function's known indices),
designs whose first half is the design at N, replicate noise measured, a study file's mistakes
named with the file and the key, and a tiny study end to end through ``coprod sensitivity``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

import coprod
from coprod.experiments import cli
from coprod.experiments.methods.sensitivity import load_study, unit_sample
from coprod.experiments.reports.sensitivity_report import indices, output_values, point_means
from coprod.simulation.errors import CoprodError

NAMES = ["x1", "x2", "x3"]
ISHIGAMI_S1 = [0.314, 0.442, 0.0]  # Ishigami and Homma (1990), a = 7, b = 0.1
ISHIGAMI_ST = [0.558, 0.442, 0.244]
STUDY = f"""\
base = "timebank"
baseline = "traditional"
replicates = 2
seed = 5
samples = 2
trajectories = 2
[vary]
agency_gain_rate = {{ min = 0.01, max = 0.1 }}
hours_per_need = {{ min = 3.0, max = 5.0 }}
[fixed]
{chr(10).join(f"{key} = {value}" for key, value in TINY.items())}
[record]
every = 12
[outputs.cost_gap]
metric = "cost_cumulative"
week = 24
minus = "traditional"
label = "Cost, time bank minus traditional"
[outputs.wellbeing]
metric = "wellbeing_mean"
over = "end"
[outputs.qol]
metric = "survey_better_quality_of_life"
[outputs.members]
metric = "timebank_members"
over = "end"
scenario = "traditional"
"""


def ishigami(unit: np.ndarray) -> np.ndarray:
    x = -np.pi + 2 * np.pi * unit
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def final(table: pd.DataFrame) -> pd.DataFrame:
    larger = table[table["base_samples"] == table["base_samples"].max()]
    return larger.pivot(index="parameter", columns="index", values="value").loc[NAMES]


def test_sobol_wiring_recovers_the_ishigami_indices():
    unit = unit_sample("sobol", NAMES, 1024, 4, seed=0)
    table = indices("sobol", unit, ishigami(unit), NAMES, 1024, 4, seed=1)
    assert sorted(table["base_samples"].unique()) == [1024, 2048]
    found = final(table)
    np.testing.assert_allclose(found["S1"], ISHIGAMI_S1, atol=0.04)
    np.testing.assert_allclose(found["ST"], ISHIGAMI_ST, atol=0.04)
    assert (table.loc[table["index"].isin(["S1", "ST"]), "ci"] > 0).all()


def test_morris_wiring_sees_x3_act_only_through_its_interaction():
    unit = unit_sample("morris", NAMES, 40, 4, seed=0)
    found = final(indices("morris", unit, ishigami(unit), NAMES, 40, 4, seed=1))
    assert (found["mu_star"] > 0).all() and (found["sigma"] > 0).all()
    assert abs(found.loc["x3", "mu"]) < 0.3 * found.loc["x3", "mu_star"]  # x3^4 sin(x1): no sign


@pytest.mark.parametrize(("method", "rows"), [("sobol", 8 * 5), ("morris", 8 * 4)])
def test_the_first_half_of_a_design_is_the_design_at_n(method, rows):
    twice = unit_sample(method, NAMES, 8, 4, seed=3)
    assert twice.shape == (2 * rows, 3)
    np.testing.assert_array_equal(unit_sample(method, NAMES, 4, 4, seed=3), twice[:rows])
    assert not np.array_equal(unit_sample(method, NAMES, 8, 4, seed=4), twice)


def test_replicate_noise_is_measured_and_averaged_out():
    rng = np.random.default_rng(0)
    signal = rng.normal(0, 2, 400)
    index = pd.MultiIndex.from_product([range(400), range(4)], names=["point", "replicate"])
    values = pd.Series(np.repeat(signal, 4) + rng.normal(0, 1, 1600), index=index)
    means, noise = point_means(values, 400)
    np.testing.assert_allclose(means, values.groupby(level="point").mean())
    # per point, within SS 3 x 1, between SS 4 x var(mean) = 4 x (4 + 1 / 4)
    assert noise["noise_share"] == pytest.approx(3 / (3 + 17), abs=0.02)
    assert noise["residual_share"] == pytest.approx(0.25 / 4.25, abs=0.02)
    with pytest.raises(CoprodError, match="1 of 401 design points"):
        point_means(values, 401)


def write(folder: Path, text: str) -> Path:
    path = folder / "study.toml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('metric = "wellbeing_mean"\nover = "end"', 'metric = "wellbeing_mean"', "say when"),
        ('over = "end"', 'over = "last"', '`over` = "last"'),
        ("week = 24\nminus", "week = 30\nminus", "after the horizon"),
        ("week = 24\nminus", "week = 6\nminus", "not recorded"),
        ("survey_week = 24", "survey_week = 30", "no survey"),
        ('minus = "traditional"', 'minus = "tradition"', '`minus` = "tradition"'),
        ('"survey_better_quality_of_life"', '"survey_happier"', '`metric` = "survey_happier"'),
        ("label = ", "lable = ", "`lable` is not an output key"),
        ("samples = 2", "samples = 3", "`samples` = 3"),
        ("samples = 2", 'design = "grid"\nsamples = 2', "`design` is set by --method"),
        ("{ min = 3.0, max = 5.0 }", "[3.0, 5.0]", "`hours_per_need` is a list"),
        ("{ min = 3.0, max = 5.0 }", "{ min = 3.0, max = 50.0 }", "leaves the parameter's range"),
        ('metric = "wellbeing_mean"', 'metric = ["wellbeing_mean"]', "must be text in quotes"),
        ("week = 24\nminus", 'week = 24\nover = "end"\nminus', "`week` or `over`, not both"),
        ('scenario = "traditional"', 'scenario = ["traditional"]', "must be text in quotes"),
        ('baseline = "traditional"', 'baseline = "tradtional"', '`baseline` = "tradtional"'),
        ('base = "timebank"\n', "", "`base` is missing"),
        ("\nweeks = 24", '\nweeks = "24"', "`weeks`"),
    ],
)
def test_bad_study_files_name_the_file_and_the_key(tmp_path, capsys, old, new, words):
    assert old in STUDY
    path = write(tmp_path, STUDY.replace(old, new, 1))
    assert cli.main(["sensitivity", str(path), "--out", str(tmp_path / "out")]) == 2
    error = " ".join(capsys.readouterr().err.split())
    assert str(path) in error and words in error
    assert not (tmp_path / "out").exists()


def test_morris_needs_an_even_number_of_levels(tmp_path):
    path = write(tmp_path, STUDY.replace("trajectories = 2", "trajectories = 2\nlevels = 3"))
    with pytest.raises(CoprodError, match="`levels` = 3 is odd"):
        load_study(path, "morris")


def test_a_study_without_outputs_or_trajectories_is_refused(tmp_path):
    path = write(tmp_path, STUDY.split("[outputs.cost_gap]")[0].replace("trajectories = 2", ""))
    with pytest.raises(CoprodError) as caught:
        load_study(path, "morris")
    assert "[outputs] is missing" in str(caught.value) and "`trajectories`" in str(caught.value)


@pytest.mark.parametrize("method", ["sobol", pytest.param("morris", marks=pytest.mark.slow)])
def test_a_tiny_study_runs_end_to_end_through_the_cli(tmp_path, capsys, method):
    path, out = write(tmp_path, STUDY), tmp_path / "out"
    argv = ["sensitivity", str(path), "--method", method, "--out", str(out), "--quiet"]
    assert cli.main([*argv, "--workers", "1"]) == 0
    table = pd.read_parquet(out / "sensitivity_indices.parquet")
    assert list(table.columns) == ["output", "parameter", "index", "value", "ci", "base_samples"]
    pd.testing.assert_frame_equal(table, pd.read_csv(out / "sensitivity_indices.csv"))
    assert set(table["output"]) == {"cost_gap", "wellbeing", "qol", "members"}
    assert sorted(table["base_samples"].unique()) == [2, 4]
    page = (out / "sensitivity.md").read_text()
    # every output gets a conclusion: what it leans on, or that nothing moves it (the time
    # bank's members under traditional are always none; a tiny world's survey may have no
    # participants at any point)
    leans, still = page.count("It leans most on:"), page.count("No assumption moves it")
    assert leans + still == 4 and leans >= 2 and still >= 1
    assert "Replicate noise" in page and "N against 2N" in page
    assert all((out / "figures" / f"sensitivity_{n}.png").is_file() for n in ("qol", "wellbeing"))
    results = coprod.load(out)
    study = load_study(path, method)
    assert len(results.runs) == len(study.experiment.specs()) == len(study.experiment.points) * 4
    gap = output_values(results, study.outputs["cost_gap"])
    runs = results.runs.set_index(["scenario", "point", "replicate"])["total_cost"]
    np.testing.assert_allclose(gap, (runs["timebank"] - runs["traditional"]).loc[gap.index])
    assert cli.main([*argv, "--resume"]) == 0  # nothing left to run: the same report again
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sensitivity_indices.parquet"), table)
    path.write_text(path.read_text().replace("Cost, time bank minus", "Cost gap, time bank less"))
    assert cli.main([*argv, "--resume"]) == 0  # a corrected label changes no run
    assert "Cost gap, time bank less traditional" in (out / "sensitivity.md").read_text()

"""The public API: the command line's jobs as functions returning what ``coprod.load`` gives."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

import coprod
from coprod.experiments import cli
from coprod.experiments.jobs import runner
from coprod.experiments.jobs.launch import JobInterrupted
from coprod.simulation.errors import CoprodError

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"n_users": 40, "n_neighbours": 20, "n_professionals": 3}
JOB = {"replicates": 2, "steps": 6, "set": SMALL, "workers": 1, "progress": False}


def test_every_public_name_is_exported_and_documented():
    for name in ("compare", "sweep", "sensitivity", "calibrate", "run", "scenario", "load"):
        function = getattr(coprod, name)
        assert callable(function) and len(function.__doc__ or "") > 40, name
        assert name in coprod.__all__


def test_scenario_resolves_base_set_and_steps(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text("gp_rate = 0.3\n")
    chosen = coprod.scenario("timebank", base=base, set={"power_sharing": 0.5}, steps=30)
    assert (chosen.params.gp_rate, chosen.params.power_sharing, chosen.params.weeks) == (
        0.3,
        0.5,
        30,
    )
    assert {"gp_rate", "power_sharing", "weeks"} <= set(chosen.overrides)
    as_text = coprod.scenario("timebank", set=["power_sharing=0.5"])  # as --set gives them
    assert as_text.params == coprod.scenario("timebank", set={"power_sharing": 0.5}).params


def test_a_bad_override_is_a_coprod_error_naming_the_key():
    with pytest.raises(CoprodError, match="power_sharng"):
        coprod.scenario("timebank", set={"power_sharng": 0.5})
    with pytest.raises(CoprodError, match="at least 1"):
        coprod.compare(["timebank"], replicates=0)


def test_compare_returns_its_folder_loaded_and_run_is_its_replicate_zero(tmp_path):
    out = tmp_path / "job"
    results = coprod.compare(["timebank"], seed=7, out=out, report=False, **JOB)
    assert isinstance(results, coprod.Results) and results.path == out
    again = coprod.load(out)
    pd.testing.assert_frame_equal(results.runs, again.runs)
    assert list(results.runs["scenario"].cat.categories) == ["traditional", "timebank"]
    assert not (out / "report.md").exists()  # report=False
    one = coprod.run("timebank", seed=7, steps=6, set=SMALL)
    row = results.runs.set_index(["scenario", "replicate"]).loc[("timebank", 0)]
    for key, value in one.summary.items():  # common random numbers: the same people
        assert row[key] == pytest.approx(value, nan_ok=True), key  # NaN: no budget yet
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["job"]["set"] == [f"{k}={v}" for k, v in SMALL.items()]


def test_an_api_job_resumes_from_the_command_line(tmp_path, capsys):
    """Same job, same manifest: a folder made in Python is finished by the shell."""
    out = tmp_path / "job"
    coprod.compare(["timebank"], out=out, report=False, **JOB)
    argv = ["compare", "timebank", "--replicates", "2", "--steps", "6", "--workers", "1"]
    argv += [arg for k, v in SMALL.items() for arg in ("--set", f"{k}={v}")]
    assert cli.main([*argv, "--quiet", "--out", str(out), "--resume"]) == 0
    assert "4 runs in" in capsys.readouterr().out


def test_dry_run_counts_runs_estimates_time_and_writes_nothing(tmp_path):
    out = tmp_path / "never"
    # the long job first: a process's first probe also loads the compiled kernels
    long = coprod.compare(["timebank", "codesign"], dry_run=True, **{**JOB, "steps": 300})
    short = coprod.compare(["timebank", "codesign"], dry_run=True, out=out, **JOB)
    assert isinstance(short, coprod.Estimate) and short.runs == 3 * 2 and short.workers == 1
    assert 0 < short.seconds < long.seconds  # more weeks, more time
    assert "estimate" in str(short) and not out.exists()
    crowd = coprod.compare(["timebank"], dry_run=True, **{**JOB, "set": {"n_users": 3000}})
    assert 0 < short.memory < crowd.memory and short.disk > 0  # more people, more memory
    assert "of memory at once" in str(short)
    study = coprod.sensitivity(ROOT / "experiments/examples/sensitivity.toml", dry_run=True)
    assert study.runs > 1000
    targets = ROOT / "scenarios/targets/spice_cardiff.toml"
    fit = coprod.calibrate(targets, "weight_agency,gp_rate", dry_run=True, workers=2)
    assert fit.runs > 0 and fit.workers == 2


def test_dry_run_estimate_is_the_right_order_of_magnitude(tmp_path):
    """Timed on a loaded shared machine: the estimate must be within a factor of 5 of the
    job's own time (measured about 2x low under load, README Performance)."""
    options = {**JOB, "replicates": 3, "steps": 40, "workers": 1}
    guess = coprod.compare(["timebank"], dry_run=True, **options)
    started = time.perf_counter()
    coprod.compare(["timebank"], out=tmp_path / "job", report=False, **options)
    took = time.perf_counter() - started
    assert took / 5 < guess.seconds < took * 5, (guess.seconds, took)


def test_a_misspelt_job_option_is_named():
    with pytest.raises(TypeError, match=r"'worker'.*job options: workers"):
        coprod.compare(["timebank"], worker=2)


def test_an_interrupted_job_says_which_folder_to_finish(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_job", interrupted)
    with pytest.raises(JobInterrupted) as caught:
        coprod.compare(["timebank"], out=tmp_path / "job", **JOB)
    assert caught.value.out == tmp_path / "job"
    assert isinstance(caught.value, KeyboardInterrupt)  # still stops whatever runs it


def test_failed_runs_warn_and_the_command_exits_1(tmp_path, monkeypatch, capsys):
    from coprod.experiments.jobs import worker

    real = worker.simulate

    def sometimes(params, seed):
        if params.reciprocity == "timebank":
            raise RuntimeError("boom")
        return real(params, seed)

    monkeypatch.setattr(worker, "simulate", sometimes)
    from coprod.api import RunsFailedWarning

    with pytest.warns(RunsFailedWarning, match="2 of 4 runs failed"):
        results = coprod.compare(["timebank"], out=tmp_path / "api", report=False, **JOB)
    assert set(results.runs["scenario"]) == {"traditional"}
    argv = ["compare", "timebank", "--replicates", "2", "--steps", "6", "--workers", "1"]
    argv += ["--quiet", "--out", str(tmp_path / "cli"), "--set", "n_users=40"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "coprod: 2 of 4 runs failed" in err and "RunsFailedWarning" not in err  # our line


def test_the_example_notebook_runs_top_to_bottom(tmp_path):
    """docs/example.ipynb, executed as CI would (its results folder goes to a tmp dir)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(ROOT / "docs" / "example.ipynb", as_version=4)
    started = time.perf_counter()
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    assert time.perf_counter() - started < 90
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the figure
    assert (tmp_path / "results").is_dir()


def test_a_pooled_job_leaves_the_model_to_its_workers(tmp_path):
    """With a process pool the runs, and the words of DATA.md, are made in the workers, so
    the parent never imports the model (Mesa, numba: seconds of its start) and its report
    still comes out whole."""
    import subprocess
    import sys

    script = (
        "import sys, coprod\n"
        f"coprod.compare(['timebank'], replicates=2, steps=6, set={SMALL!r}, workers=2, "
        f"progress=False, out={str(tmp_path / 'job')!r})\n"
        "model = ('mesa', 'numba', 'coprod.simulation.model')\n"
        "print(sorted(m for m in model if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "mean over weeks 1-8 of the policy" in (tmp_path / "job" / "DATA.md").read_text()
    assert (tmp_path / "job" / "report.html").stat().st_size > 0

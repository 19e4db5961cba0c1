"""Sweeps: the same tables on every engine, resume after a crash, what is recorded, the
analysis recovering a planted effect, the ``coprod sweep`` command, and flat parent memory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import TINY

import coprod
from coprod.experiments import cli
from coprod.experiments.designs.experiment import load_experiment
from coprod.experiments.jobs import engines, worker
from coprod.experiments.jobs.engines import executor_for, window_for
from coprod.experiments.jobs.results import Results
from coprod.experiments.jobs.runner import run_job
from coprod.experiments.jobs.storage import TABLES
from coprod.experiments.reports import analysis
from coprod.simulation.errors import CoprodError

SWEEP = f"""\
base = "timebank"
baseline = "traditional"
replicates = 2
seed = 11
[vary]
power_sharing = {{ min = 0.2, max = 0.8, steps = 2 }}
timebank_uptake = [0.1, 0.3]
[fixed]
{chr(10).join(f"{key} = {value}" for key, value in TINY.items())}
[record]
every = 5
agents = true
"""
RUNS = 4 * 2 * 2  # points x scenarios x replicates


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("experiment") / "tiny_sweep.toml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def sweep_reference(sweep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sweep made in this process, never interrupted."""
    experiment = load_experiment(sweep_file)
    out = tmp_path_factory.mktemp("sweep") / "results"
    run_job(experiment.specs(), out, job=experiment.job(), progress=False)
    return out


def assert_same_tables(folder: Path, reference: Path) -> None:
    got, want = coprod.load(folder), coprod.load(reference)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name))


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_every_engine_gives_the_same_tables(engine, sweep_file, sweep_reference, tmp_path):
    if engine == "dask":
        pytest.importorskip("distributed")
    experiment = load_experiment(sweep_file)
    with executor_for(engine, workers=2) as executor:
        window = window_for(executor)
        assert (window is None) == (engine == "local")
        outcome = run_job(
            experiment.specs(),
            tmp_path / "out",
            job={**experiment.job(), "engine": engine},
            executor=executor,
            progress=False,
            window=window,
        )
    assert (outcome.done, outcome.failed) == (RUNS, {})
    assert_same_tables(tmp_path / "out", sweep_reference)


def test_what_a_sweep_records(sweep_reference, reference):
    results = coprod.load(sweep_reference)
    for name in TABLES:
        frame = getattr(results, name)
        assert list(frame.columns[:4]) == ["run_id", "scenario", "replicate", "point"]
        assert frame["point"].dtype == "int64"
        compare = getattr(coprod.load(reference), name)
        assert compare["point"].eq(0).all()  # a comparison is design point 0
    runs = results.runs
    assert list(runs["run_id"][:3]) == [
        "traditional-p0000-r000",
        "traditional-p0000-r001",
        "timebank-p0000-r000",
    ]
    assert list(runs["scenario"].cat.categories) == ["traditional", "timebank"]
    swept = runs[runs["scenario"] == "timebank"]
    per_point = swept.groupby("point")[["power_sharing", "timebank_uptake"]].nunique()
    assert per_point.eq(1).all().all() and len(per_point) == 4
    assert results.manifest["scenarios"]["traditional"]["power_sharing"] == 0.05  # its own lever
    baseline = runs[runs["scenario"] == "traditional"]
    for param in ("power_sharing", "timebank_uptake"):  # yet its rows carry the point's value
        assert (baseline[param].to_numpy() == swept[param].to_numpy()).all()
    assert sorted(results.timeseries["week"].unique()) == [0, 5, 10, 15, 20, 24]  # every 5 + last
    assert runs["end_cost_week"].notna().all()  # summaries use every week, not the thinned ones
    assert len(results.agents) and len(results.survey)
    assert "## runs.parquet" in (sweep_reference / "DATA.md").read_text()
    assert "`point`" in (sweep_reference / "DATA.md").read_text()


def test_every_row_of_a_sweep_carries_its_design_points_coordinates(sweep_reference):
    """Baseline rows too: a plain groupby on a varied parameter is right in every table."""
    results = coprod.load(sweep_reference)
    points = pd.DataFrame(results.manifest["job"]["points"])
    for name in TABLES:
        frame = getattr(results, name)
        if name != "runs":
            assert list(frame.columns[4:6]) == ["power_sharing", "timebank_uptake"], name
        want = points.loc[frame["point"]].reset_index(drop=True)
        got = frame[["power_sharing", "timebank_uptake"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=name)
    ts = results.timeseries
    last = ts[ts["week"] == ts["week"].max()]
    groups = last.groupby(["power_sharing", "scenario"], observed=True)["run_id"].count()
    assert (groups == 2 * 2).all() and len(groups) == 2 * 2  # 2 uptakes x 2 replicates each
    text = (sweep_reference / "DATA.md").read_text()
    assert "Design point value of the varied parameter" in text and "MODEL.md" not in text


def test_unrecorded_tables_are_empty_and_keep_only_their_keys(sweep_file, tmp_path):
    text = SWEEP.replace("agents = true", "agents = false\nsurvey = false")
    experiment = load_experiment(_write(tmp_path / "lean.toml", text))
    output = worker.execute(experiment.specs()[-1])
    full = worker.execute(load_experiment(sweep_file).specs()[-1])
    for name in ("agents", "survey"):
        table, recorded = _table(output.tables[name]), _table(full.tables[name])
        assert table.num_rows == 0 < recorded.num_rows
        assert table.column_names == ["run_id", "scenario", "replicate", "point"]
    assert _table(output.tables["timeseries"]).num_rows == 6
    pd.testing.assert_frame_equal(  # same summaries (NaN where no budget was set yet)
        _table(output.tables["runs"]).to_pandas(), _table(full.tables["runs"]).to_pandas()
    )


def test_an_interrupted_sweep_resumes_to_the_same_tables(
    sweep_file, sweep_reference, tmp_path, monkeypatch, capsys
):
    real, calls = worker.simulate, []

    def simulate(params, seed):
        calls.append(seed)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return real(params, seed)

    monkeypatch.setattr(worker, "simulate", simulate)
    out = tmp_path / "out"
    args = ["sweep", str(sweep_file), "--workers", "1", "--quiet", "--out", str(out)]
    assert cli.main(args) == 130
    assert f"--out {out} --resume" in capsys.readouterr().err
    monkeypatch.undo()
    with (out / "status.jsonl").open("a") as log:  # and a crash mid-line
        log.write('{"run_id": "timebank-p0001')
    assert cli.main([*args, "--resume"]) == 0
    assert_same_tables(out, sweep_reference)
    assert (out / "sweep.md").is_file()


def test_sweep_command_writes_a_summary_and_figures(sweep_file, sweep_reference, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["sweep", str(sweep_file), "--workers", "2", "--quiet", "--out", str(out)]
    assert cli.main(args) == 0
    assert f"{RUNS} runs" in capsys.readouterr().out
    assert_same_tables(out, sweep_reference)
    page = (out / "sweep.md").read_text()
    assert "Cumulative cost against traditional" in page and "power_sharing" in page
    care = page.split("## Social care and carers")[1].split("\n## ")[0]
    assert "package_hours" in care and "carer_strain_mean" in care
    rows = [line for line in care.splitlines() if line.startswith("| ") and " to " in line]
    assert len(rows) == RUNS // 2  # one per design point and scenario (2 replicates each)
    for figure in ("response_curves", "heatmap_total_cost", "heatmap_wemwbs_mean"):
        assert f"figures/{figure}.png" in page and (out / "figures" / f"{figure}.png").is_file()
    html = (out / "sweep.html").read_text()
    assert html.count('src="data:image/png;base64,') == 3 and 'src="figures/' not in html
    assert "import coprod" in page and "import experiments" not in page
    assert cli.main(args) == 2  # never overwrites
    (out / "sweep.md").unlink()
    assert cli.main(["report", str(out)]) == 0  # rebuilt as the sweep wrote it
    assert (out / "sweep.md").read_text() == page and not (out / "report.md").exists()
    with pytest.raises(SystemExit) as helped:
        cli.main(["sweep", "--help"])
    assert helped.value.code == 0 and "--scheduler" in capsys.readouterr().out
    bad = _write(tmp_path / "bad.toml", SWEEP.replace("replicates", "replicate"))
    assert cli.main(["sweep", str(bad), "--out", str(tmp_path / "no")]) == 2
    assert "Did you mean 'replicates'" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_resume_refuses_a_changed_experiment(sweep_reference, tmp_path, capsys):
    changed = _write(tmp_path / "changed.toml", SWEEP.replace("steps = 2", "steps = 3"))
    folder = shutil.copytree(sweep_reference, tmp_path / "copy")
    assert cli.main(["sweep", str(changed), "--out", str(folder), "--resume", "--quiet"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "job.vary.power_sharing.steps: 2 in the folder, 3 now" in err
    assert "job.point_count: 4 in the folder, 6 now" in err  # the points are not listed


def test_engine_errors_say_what_to_do(monkeypatch):
    monkeypatch.setattr(engines, "CONNECT_TIMEOUT", "0.5s")
    with (
        pytest.raises(CoprodError, match="dask scheduler"),
        executor_for("dask", None, "tcp://127.0.0.1:9"),
    ):
        pass
    with (
        pytest.raises(CoprodError, match="--engine dask"),
        executor_for("local", None, "tcp://x:1"),
    ):
        pass
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(CoprodError, match=r'pip install "coprod\[dask\]"'), executor_for("dask"):
        pass


def test_summarise_and_cost_crossing_recover_a_planted_effect():
    results = planted(replicates=6)
    table = analysis.summarise(results, metrics=["wemwbs_mean"])
    co = table[table["scenario"] == "co"].set_index("x")
    assert list(co.columns[-5:]) == ["metric", "mean", "ci_low", "ci_high", "n"]
    assert (co["n"] == 6).all()
    truth = 40 + 8 * co.index.to_numpy()
    assert np.allclose(co["mean"], truth, atol=0.05)
    assert ((co["ci_low"] < co["mean"]) & (co["mean"] < co["ci_high"])).all()
    assert (co["ci_high"] - co["ci_low"] < 0.2).all()  # replicates pin the effect down

    crossing = analysis.cost_crossing(results, baseline="trad", horizon_weeks=30).set_index("x")
    weeks = crossing["crossing_week"]
    assert pd.isna(weeks.loc[0.0]) and list(weeks.loc[[0.5, 1.0]]) == [15, 10]
    assert (crossing["week"] == 30).all() and (crossing["n"] == 6).all()
    planted_diff = 47 - 10 * crossing.index.to_numpy() * 25
    assert np.allclose(crossing["diff"], planted_diff, atol=0.5)
    assert (crossing["ci_high"] - crossing["ci_low"] < 1).all()  # paired: noise cancels
    assert np.allclose(crossing["cost"] - crossing["baseline_cost"], crossing["diff"])


def test_figures_are_drawn_from_a_results_object(tmp_path):
    results = planted(replicates=3)
    assert analysis.response_curves(results, "wemwbs_mean", tmp_path / "a" / "c.png").is_file()
    path = analysis.heatmap(results, "x", "y", "total_cost", tmp_path / "h.png", baseline="trad")
    assert path.is_file()


def planted(replicates: int) -> Results:
    """Synthetic sweep results with known effects, paired by replicate.

    Design points: x in {0, 0.5, 1} (crossed with a dummy y). Scenario ``co`` costs 47 more
    than ``trad`` in weeks 1-5 altogether and 10x less each week after: its cumulative cost
    falls below from week 5 + 47/(10x) on (15 at x = 0.5, 10 at x = 1, never at x = 0).
    Its end wellbeing is 40 + 8x; trad's is 40. Replicate noise is shared by the two arms.
    """
    rng = np.random.default_rng(5)
    xs, weeks = [0.0, 0.5, 1.0], np.arange(31)
    runs, series = [], []
    for point, x in enumerate(xs):
        for replicate in range(replicates):
            weekly = 100 + rng.normal(0, 5, len(weeks))
            weekly[0] = 0
            extra = np.where(weeks <= 5, 47 / 5, -10 * x) * (weeks > 0)
            for scenario, cost in (
                ("trad", weekly),
                ("co", weekly + extra + rng.normal(0, 0.01, 31)),
            ):
                run_id = f"{scenario}-p{point}-r{replicate}"
                gain = 8 * x if scenario == "co" else 0
                wemwbs = 40 + gain + rng.normal(0, 0.02)
                cumulative = np.cumsum(cost)
                runs.append(
                    (run_id, scenario, replicate, point, x, point % 2, wemwbs, cumulative[-1])
                )
                series.append(
                    pd.DataFrame(
                        {"run_id": run_id, "scenario": scenario, "replicate": replicate,
                         "point": point, "x": x, "y": point % 2, "week": weeks,
                         "cost_cumulative": cumulative}
                    )
                )  # fmt: skip
    columns = [
        "run_id",
        "scenario",
        "replicate",
        "point",
        "x",
        "y",
        "end_wemwbs_mean",
        "total_cost",
    ]
    runs = pd.DataFrame(runs, columns=columns)
    timeseries = pd.concat(series, ignore_index=True)
    for frame in (runs, timeseries):
        frame["scenario"] = pd.Categorical(frame["scenario"], categories=["trad", "co"])
    job = {"vary": {"x": {}, "y": {}}, "baseline": "trad"}
    return Results(Path("planted"), {"job": job}, runs, timeseries, pd.DataFrame(), pd.DataFrame())


MEMORY_SCRIPT = """
import json, sys, time
from pathlib import Path
from coprod.experiments.jobs.engines import executor_for
from coprod.experiments.designs.experiment import load_experiment
from coprod.experiments.jobs.runner import run_job
from coprod.experiments.jobs.worker import execute

def status(key):
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(key))
    return int(line.split()[1]) / 1024

if __name__ == "__main__":
    experiment, out = load_experiment(sys.argv[1]), Path(sys.argv[2])
    specs = experiment.specs()
    execute(specs[0])  # every module the parent will use is loaded before measuring
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before, start = status("VmRSS"), time.perf_counter()
    with executor_for("local", 2) as executor:
        run_job(specs, out, job=experiment.job(), executor=executor, progress=False)
    print(json.dumps({"grew": status("VmHWM") - before, "seconds": time.perf_counter() - start}))
"""


@pytest.mark.slow
def test_parent_memory_stays_flat_over_2000_runs(tmp_path):
    """Peak RSS growth of the parent over a sweep of N tiny runs, in a fresh process each:
    2,000 runs may grow it at most 25 MiB more than 200 runs do. Measured: 12 MiB for 200
    runs, 19 MiB for 2,000; what grows is bookkeeping (the status of each run, about 4 KiB),
    never run data."""
    script = _write(tmp_path / "memory.py", textwrap.dedent(MEMORY_SCRIPT))
    grew = {}
    for runs in (200, 2000):
        text = (
            SWEEP.replace("replicates = 2", "replicates = 1")
            .replace(
                "{ min = 0.2, max = 0.8, steps = 2 }",
                f"{{ min = 0.0, max = 1.0, steps = {runs // 4} }}",
            )
            .replace("weeks = 24", "weeks = 4")
            .replace("snapshot_every = 12", "snapshot_every = 0")
        )
        experiment = _write(tmp_path / f"sweep{runs}.toml", text)
        done = subprocess.run(
            [sys.executable, str(script), str(experiment), str(tmp_path / f"out{runs}")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        grew[runs] = json.loads(done.stdout)["grew"]
        assert len(coprod.load(tmp_path / f"out{runs}").runs) == runs
    assert grew[2000] - grew[200] < 25, grew


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _table(ipc: bytes) -> pa.Table:
    return pa.ipc.open_stream(ipc).read_all()


def test_the_analysis_example_runs_on_a_sweep_and_lines_the_baseline_up(sweep_reference, tmp_path):
    """experiments/examples/analyse_sweep.py, as an analyst would run it: every design point
    has a baseline value beside the swept one (the baseline keeps its own power_sharing)."""
    import subprocess
    import sys

    folder = shutil.copytree(sweep_reference, tmp_path / "copy")
    script = Path(__file__).resolve().parents[1] / "experiments" / "examples" / "analyse_sweep.py"
    done = subprocess.run(
        [sys.executable, str(script), str(folder)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    table = done.stdout.split("Mean cost over the horizon (GBP):")[1].split("\n\n")[0]
    assert "NaN" not in table and "traditional" in table and "timebank" in table
    assert len(table.strip().splitlines()) == 2 + 2 * 2  # header lines + one row per point
    assert (folder / "analysis" / "curves.png").is_file()

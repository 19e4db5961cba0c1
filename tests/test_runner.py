"""The runner: same tables whatever the executor, common random numbers, Ctrl-C and resume,
failed runs, and refusing to overwrite or to resume a different job."""

from __future__ import annotations

import json
import shutil
import sys
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from conftest import tiny_job

import coprod
from coprod.experiments.jobs import worker
from coprod.experiments.jobs.pool import default_executor
from coprod.experiments.jobs.runner import batch_size, plan_runs, run_job
from coprod.experiments.jobs.storage import (
    TABLES,
    CorruptResultsError,
    ResultsExistError,
    ResumeMismatchError,
)
from coprod.simulation.errors import CoprodError
from coprod.simulation.params import Params
from coprod.simulation.seeds import replicate_seeds


def assert_same_results(folder: Path, reference: Path) -> None:
    """Equal tables, and equal Parquet bytes: the files themselves do not depend on how."""
    got, want = coprod.load(folder), coprod.load(reference)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name))
        assert (folder / f"{name}.parquet").read_bytes() == (
            reference / f"{name}.parquet"
        ).read_bytes(), name


class CountingExecutor(Executor):
    """A thread pool that records how many tasks were in flight and how they were submitted;
    it can raise KeyboardInterrupt at a given submission, as Ctrl-C in the parent would."""

    def __init__(self, interrupt_at: int | None = None, raises: type = KeyboardInterrupt) -> None:
        self._pool = ThreadPoolExecutor(2)
        self.in_flight = self.most_in_flight = self.submitted = 0
        self.interrupt_at, self.raises = interrupt_at, raises

    def submit(self, fn, /, *args, **kwargs) -> Future:
        assert not kwargs and len(args) == 1  # one picklable task object, as Dask needs
        self.submitted += 1
        if self.submitted == self.interrupt_at:
            raise self.raises
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        future = self._pool.submit(fn, *args)
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future) -> None:
        self.in_flight -= 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait, cancel_futures=cancel_futures)


@pytest.mark.parametrize("workers", [None, 1, 2])
def test_tables_do_not_depend_on_the_worker_count(workers, reference, tmp_path):
    specs, job = tiny_job()
    out = tmp_path / "results"
    if workers is None:
        outcome = run_job(specs, out, job=job, progress=False)
    else:
        with default_executor(workers) as executor:
            outcome = run_job(specs, out, job=job, executor=executor, progress=False)
    assert (outcome.done, outcome.failed, outcome.executed) == (len(specs), {}, len(specs))
    assert_same_results(out, reference)
    assert not (out / "parts").exists()


def test_any_executor_fits_and_only_a_window_of_runs_is_in_flight(reference, tmp_path):
    """... and the two arms of each replicate (one week-0 state) go as one task."""
    specs, job = tiny_job()
    executor = CountingExecutor()
    with executor:
        run_job(specs, tmp_path / "results", job=job, executor=executor, progress=False, window=2)
    assert executor.submitted == job["replicates"] == len(specs) // 2
    assert executor.most_in_flight <= 2
    assert_same_results(tmp_path / "results", reference)


def test_a_dask_executor_plugs_in_unchanged(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    specs, job = tiny_job()
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        run_job(
            specs,
            tmp_path / "results",
            job=job,
            executor=client.get_executor(pure=False),
            progress=False,
        )
    assert_same_results(tmp_path / "results", reference)


def test_replicate_i_of_every_scenario_shares_its_seed():
    small = Params(n_users=30, n_neighbours=20, n_professionals=3)
    specs = plan_runs({"a": small, "b": small, "c": small}, 4, 7)
    by_scenario = {name: [s.seed for s in specs if s.scenario == name] for name in "abc"}
    assert by_scenario["a"] == by_scenario["b"] == by_scenario["c"] == replicate_seeds(7, 4)
    assert len(set(by_scenario["a"])) == 4
    assert [s.run_id for s in specs[:2]] == ["a-r000", "a-r001"]


def test_recorded_seeds_are_the_planned_ones(reference):
    runs = coprod.load(reference).runs
    specs, _ = tiny_job()
    assert list(runs["seed"]) == [spec.seed for spec in specs]
    assert runs.groupby("replicate", observed=True)["seed"].nunique().eq(1).all()


def interrupt_fourth_run(monkeypatch):
    """Make the fourth run raise KeyboardInterrupt, as Ctrl-C inside a run would."""
    real, calls = worker.simulate, []

    def simulate(params, seed):
        calls.append(seed)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(params, seed)

    monkeypatch.setattr(worker, "simulate", simulate)


@pytest.mark.parametrize("where", ["in a run", "in the parent"])
def test_interrupted_job_resumes_to_the_same_tables(where, monkeypatch, reference, tmp_path):
    """Ctrl-C in the fourth run, or in the parent as it submits the third task (each task
    the two arms of a replicate, so four runs are done)."""
    specs, job = tiny_job()
    out = tmp_path / "results"
    executor = None
    if where == "in a run":
        interrupt_fourth_run(monkeypatch)
        done = 3
    else:
        executor = CountingExecutor(interrupt_at=3)
        done = 4
    with pytest.raises(KeyboardInterrupt):
        run_job(specs, out, job=job, executor=executor, progress=False, window=1)
    if executor is not None:
        executor.shutdown()
    monkeypatch.undo()
    status = [json.loads(line) for line in (out / "status.jsonl").read_text().splitlines()]
    assert [entry["status"] for entry in status] == ["done"] * done  # never "failed"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["state"] == "running" and manifest["sessions"][0]["interrupted"]
    with pytest.raises(CoprodError, match="--resume"):
        coprod.load(out)

    # a crash while writing: a half-written status line and a torn batch after the parts
    with (out / "status.jsonl").open("a") as log:
        log.write('{"run_id": "timebank-r000", "sta')
    part = next((out / "parts").glob("agents-*"))
    part.write_bytes(part.read_bytes() + part.read_bytes()[-500:-100])

    outcome = run_job(specs, out, job=job, resume=True, progress=False)
    assert (outcome.executed, outcome.done) == (len(specs) - done, len(specs))
    assert_same_results(out, reference)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["state"] == "complete" and len(manifest["sessions"]) == 2


def test_a_failed_run_is_logged_the_others_finish_and_resume_retries_it(
    monkeypatch, reference, tmp_path
):
    specs, job = tiny_job()
    doomed = specs[4]
    real = worker.simulate

    def simulate(params, seed):
        if str(seed.entropy) == doomed.seed and params.reciprocity == "timebank":
            raise ValueError("the model fell over")
        return real(params, seed)

    monkeypatch.setattr(worker, "simulate", simulate)
    out = tmp_path / "results"
    outcome = run_job(specs, out, job=job, progress=False)
    assert outcome.failed == {doomed.run_id: "ValueError: the model fell over"}
    assert outcome.done == len(specs) - 1
    status = [json.loads(line) for line in (out / "status.jsonl").read_text().splitlines()]
    failed = [entry for entry in status if entry["status"] == "failed"]
    assert [entry["run_id"] for entry in failed] == [doomed.run_id]
    assert "Traceback" in failed[0]["error"] and "fell over" in failed[0]["error"]
    partial = coprod.load(out)
    assert doomed.run_id not in set(partial.runs["run_id"])
    assert partial.manifest["counts"]["failed"] == 1

    monkeypatch.undo()
    outcome = run_job(specs, out, job=job, resume=True, progress=False)
    assert (outcome.failed, outcome.executed) == ({}, 1)
    assert_same_results(out, reference)


def test_an_interrupt_that_compiled_code_turned_into_an_error_stops_the_job(monkeypatch):
    """Ctrl-C inside a numba function of the model surfaces as a SystemError caused by the
    KeyboardInterrupt: that is stopping, not a failed run (the job would go on and exit 1)."""
    spec = tiny_job()[0][0]
    pressed = KeyboardInterrupt()

    def simulate(params, seed):
        try:
            raise pressed
        except KeyboardInterrupt as interrupt:
            raise SystemError("CPUDispatcher returned a result with an exception set") from (
                interrupt
            )

    monkeypatch.setattr(worker, "simulate", simulate)
    with pytest.raises(KeyboardInterrupt) as raised:
        worker.execute(spec)
    assert raised.value is pressed


def test_a_broken_pool_stops_the_job_with_a_clear_error_and_resume_finishes_it(reference, tmp_path):
    """A worker killed (out of memory, say) breaks a process pool: the next submission
    raises. The job stops with a CoprodError saying what happened and how to go on, keeping
    every run already logged; --resume on a sound pool makes the rest."""
    from concurrent.futures.process import BrokenProcessPool

    specs, job = tiny_job()
    out = tmp_path / "results"
    with pytest.raises(CoprodError, match=r"worker pool broke.*--resume"):
        run_job(
            specs, out, job=job, executor=CountingExecutor(3, BrokenProcessPool), progress=False
        )
    outcome = run_job(specs, out, job=job, resume=True, progress=False)
    assert outcome.done == len(specs) and not outcome.failed
    assert_same_results(out, reference)


def test_invalid_parameters_fail_the_run_not_the_job():
    spec = tiny_job()[0][0]
    output = worker.execute(worker.RunSpec("bad", "x", 0, spec.seed, {"n_users": -1}))
    assert not output.ok and not output.tables and "n_users" in output.error


def test_an_existing_folder_is_never_overwritten(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    specs, job = tiny_job()
    with pytest.raises(ResultsExistError, match="--resume") as error:
        run_job(specs, tmp_path, job=job, progress=False)
    assert str(tmp_path) in str(error.value) and "--out" in str(error.value)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_resuming_a_different_job_lists_the_differences(reference, tmp_path):
    out = tmp_path / "results"
    shutil.copytree(reference, out)
    specs, job = tiny_job(replicates=4, n_users=31)
    with pytest.raises(ResumeMismatchError) as error:
        run_job(specs, out, job={**job, "command": "another"}, resume=True, progress=False)
    message = str(error.value)
    assert "job.replicates: 3 in the folder, 4 now" in message
    assert "job.scenarios.traditional.n_users: 30 in the folder, 31 now" in message
    assert "job.command" not in message  # the command line may change on resume


def test_resuming_a_finished_job_does_nothing(reference, tmp_path):
    out = tmp_path / "results"
    shutil.copytree(reference, out)
    specs, job = tiny_job()
    outcome = run_job(specs, out, job=job, resume=True, progress=False)
    assert (outcome.executed, outcome.done) == (0, len(specs))
    assert_same_results(out, reference)


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_a_finished_job_whose_log_was_damaged_is_not_rerun_and_still_loads(
    reference, tmp_path, damage
):
    out = tmp_path / "results"
    shutil.copytree(reference, out)
    log = out / "status.jsonl"
    text = log.read_text()
    log.write_text(text[:700] if damage == "truncate" else text.replace('"done"', '"dne"', 1))
    specs, job = tiny_job()
    with pytest.raises(CorruptResultsError, match="nothing was rerun"):
        run_job(specs, out, job=job, resume=True, progress=False)
    assert not (out / "parts").exists()
    assert len(coprod.load(out).runs) == len(specs)


def test_a_corrupt_manifest_is_named(reference, tmp_path):
    """... when the folder's log is of another job (a rebuild is tested in test_job_safety)."""
    out = tmp_path / "results"
    shutil.copytree(reference, out)
    (out / "manifest.json").write_text('{"state": "comp')
    specs, job = tiny_job(n_users=31)
    with pytest.raises(CorruptResultsError, match=r"manifest\.json"):
        run_job(specs, out, job=job, resume=True, progress=False)


def test_tiny_runs_go_in_batches_and_give_the_same_tables(tmp_path):
    """80 tiny runs on a window of 2 tasks: batches of 10 (four per window slot remain), the
    same tables as one run at a time in this process; runs of real size go one per task."""
    specs, job = tiny_job(replicates=40)
    alone, batched = tmp_path / "alone", tmp_path / "batched"
    run_job(specs, alone, job=job, progress=False)
    executor = CountingExecutor()
    with executor:
        outcome = run_job(specs, batched, job=job, executor=executor, progress=False, window=2)
    assert outcome.done == len(specs) == 80
    assert executor.submitted == 8 and executor.most_in_flight <= 2
    assert_same_results(batched, alone)
    big = replace(specs[0], params={**specs[0].params, "n_users": 20_000})
    assert batch_size(big, 80, 2) == 1


def test_an_interrupt_the_interpreter_lost_is_raised_at_the_job_s_next_safe_point(monkeypatch):
    """A Ctrl-C inside a ``__del__`` (or a weak reference's callback, as an import's clean-up
    runs) cannot be raised there: kept, it is raised by the job's check, and says nothing
    before; any other unraisable error still goes to the interpreter's report."""
    from coprod.experiments.jobs import signals

    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    monkeypatch.setattr(signals, "_LOST", [])
    signals.keep_lost_interrupts()

    class Interrupted:
        def __del__(self):
            raise KeyboardInterrupt

    class Broken:
        def __del__(self):
            raise ValueError("not an interrupt")

    Interrupted()  # dropped at once: the interrupt is unraisable
    Broken()
    assert [type(r.exc_value) for r in reported] == [ValueError]
    with pytest.raises(KeyboardInterrupt):
        signals.raise_lost_interrupt()
    signals.raise_lost_interrupt()  # raised once, then gone

"""What users and machines do to running jobs: two jobs on one folder, a resume by other code,
lost part files, termination signals and a parent killed outright (real processes)."""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from conftest import tiny_job
from test_runner import assert_same_results, interrupt_fourth_run

from coprod.experiments.jobs.lock import FolderInUseError, FolderLock
from coprod.experiments.jobs.pool import HealingPool
from coprod.experiments.jobs.runner import run_job, run_task
from coprod.experiments.jobs.storage import CorruptResultsError, ResumeMismatchError
from coprod.experiments.jobs.worker import RunOutput, RunSpec, execute, execute_many

HOLD = """
import sys, time
from coprod.experiments.jobs.lock import FolderLock
with FolderLock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


def hold_lock(folder: Path) -> subprocess.Popen:
    """Another process holding the folder's lock, as a running job would."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"held"
    return holder


def interrupted_job(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[list, dict, Path]:
    """The tiny job stopped by Ctrl-C after three runs: its specs, job and folder."""
    specs, job = tiny_job()
    out = tmp_path / "results"
    interrupt_fourth_run(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        run_job(specs, out, job=job, progress=False, window=1)
    monkeypatch.undo()
    return specs, job, out


def test_a_second_job_on_a_locked_folder_is_refused_naming_the_holder(tmp_path):
    out = tmp_path / "results"
    specs, job = tiny_job()
    holder = hold_lock(out)
    try:
        for resume in (False, True):
            with pytest.raises(FolderInUseError, match=f"pid {holder.pid} on "):
                run_job(specs, out, job=job, progress=False, resume=resume)
        assert [p.name for p in out.iterdir()] == [".lock"]  # nothing else was written
    finally:
        holder.kill()
        holder.wait()
    outcome = run_job(specs, out, job=job, progress=False)  # a dead holder's lock is taken over
    assert outcome.done == len(specs)


def test_a_refusal_names_the_new_holder_not_a_dead_job_s_stale_name(tmp_path):
    """A job killed outright leaves its name in the lock file, and the next holder takes the
    lock a moment before it writes its own: a job refused in between waits for the name of a
    live holder (it had named the dead job), and a job that ends leaves no name behind."""
    import fcntl
    import threading

    folder = tmp_path / "results"
    with FolderLock(folder):
        pass
    assert (folder / ".lock").read_text() == ""  # an ended job leaves no name
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = {"pid": dead.pid, "host": socket.gethostname(), "since": "earlier"}
    (folder / ".lock").write_text(json.dumps(stale))
    with (folder / ".lock").open("a+") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # taken, its name not yet written

        def write_name() -> None:
            time.sleep(0.2)
            holder.seek(0)
            holder.truncate()
            holder.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
            holder.flush()

        writer = threading.Thread(target=write_name)
        writer.start()
        with pytest.raises(FolderInUseError, match=f"pid {os.getpid()} on "):
            FolderLock(folder).__enter__()
        writer.join()


def test_the_lock_is_released_when_the_job_ends(tmp_path):
    out = tmp_path / "results"
    specs, job = tiny_job(replicates=1)
    run_job(specs, out, job=job, progress=False)
    with FolderLock(out):  # would raise if the job had kept it
        pass


def test_resume_by_other_code_is_refused_unless_allowed(monkeypatch, reference, tmp_path):
    specs, job, out = interrupted_job(monkeypatch, tmp_path)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["versions"]["numpy"] = "1.0.0"
    manifest["model_code"] = "sha256:older"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ResumeMismatchError) as refused:
        run_job(specs, out, job=job, resume=True, progress=False)
    message = str(refused.value)
    assert "numpy: 1.0.0 in the folder" in message and "model_code: sha256:older" in message
    assert "--allow-version-change" in message
    outcome = run_job(specs, out, job=job, resume=True, progress=False, allow_version_change=True)
    assert outcome.done == len(specs)
    (change,) = json.loads(manifest_path.read_text())["version_changes"]
    assert change["numpy"][0] == "1.0.0" and change["model_code"][0] == "sha256:older"


def test_an_older_results_format_is_named_as_such(reference, tmp_path):
    out = tmp_path / "results"
    specs, job = tiny_job()
    run_job(specs, out, job=job, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "format": "coprod-results/0"}))
    with pytest.raises(ResumeMismatchError, match="another results format"):
        run_job(specs, out, job=job, resume=True, progress=False)


def test_finished_runs_whose_part_file_is_gone_are_made_again_first(
    monkeypatch, reference, tmp_path, capsys
):
    specs, job, out = interrupted_job(monkeypatch, tmp_path)
    next((out / "parts").glob("agents-*")).unlink()
    outcome = run_job(specs, out, job=job, resume=True, progress=False)
    assert outcome.executed == len(specs)  # the three lost runs first, then the rest
    assert "3 finished runs" in capsys.readouterr().err
    assert_same_results(out, reference)


def job_process(out: Path, *extra: str) -> subprocess.Popen:
    """A real `coprod compare` big enough to be stopped while its workers run, in its own
    process group so that every process it started can be found afterwards."""
    big = ["--set", "n_users=20000", "--set", "n_neighbours=100", "--set", "n_professionals=400"]
    argv = [sys.executable, "-m", "coprod.experiments.cli", "compare", "timebank"]
    argv += ["--replicates", "2", "--steps", "30", "--workers", "2", "--quiet", "--out", str(out)]
    return subprocess.Popen(
        [*argv, *big, *extra], stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_for_workers(job: subprocess.Popen, count: int, timeout: float = 60) -> None:
    """Until the job's process group holds ``count`` processes besides the job itself."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(group_members(job.pid)) > count:
            return
        time.sleep(0.2)
    raise AssertionError("the job's workers never started")


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def gone(pgid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not group_members(pgid):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_a_parent_killed_outright_leaves_no_process_behind(tmp_path):
    job = job_process(tmp_path / "job")
    wait_for_workers(job, 3)  # forkserver and two workers at least
    os.kill(job.pid, signal.SIGKILL)
    job.wait()
    assert gone(job.pid), f"left running: {group_members(job.pid)}"


@pytest.mark.parametrize("damage", ["deleted", "garbled"])
def test_a_lost_manifest_is_rebuilt_from_the_log_of_the_same_job(
    damage, monkeypatch, reference, tmp_path, capsys
):
    specs, job, out = interrupted_job(monkeypatch, tmp_path)
    manifest = out / "manifest.json"
    manifest.unlink() if damage == "deleted" else manifest.write_text('{"state": "runn')
    outcome = run_job(specs, out, job=job, resume=True, progress=False)
    assert outcome.executed == len(specs) - 3  # the three logged runs were kept
    assert "rebuilt it from" in capsys.readouterr().err
    assert_same_results(out, reference)


def test_a_lost_manifest_is_not_rebuilt_for_another_job(monkeypatch, tmp_path):
    *_, out = interrupted_job(monkeypatch, tmp_path)
    (out / "manifest.json").unlink()
    other_specs, other_job = tiny_job(n_users=31)
    with pytest.raises(CorruptResultsError, match=r"no manifest\.json"):
        run_job(other_specs, out, job=other_job, resume=True, progress=False)


def test_a_finished_folder_whose_manifest_was_garbled_loads_again_after_resume(reference, tmp_path):
    out = tmp_path / "results"
    shutil.copytree(reference, out)
    (out / "manifest.json").write_text("{")
    specs, job = tiny_job()
    outcome = run_job(specs, out, job=job, resume=True, progress=False)
    assert (outcome.executed, outcome.done) == (0, len(specs))
    assert_same_results(out, reference)


def die_on(doomed: str) -> Callable[[RunSpec], RunOutput]:
    """A task that kills its own worker on run ``doomed``, as the out-of-memory killer would."""
    return functools.partial(_die_or_execute, doomed)


def _die_or_execute(
    doomed: str, task: RunSpec | tuple[RunSpec, ...]
) -> RunOutput | list[RunOutput]:
    """One run, or a task of several (the arms of a replicate) as ``execute_many``."""
    specs = task if isinstance(task, tuple) else (task,)
    if any(spec.run_id == doomed for spec in specs):
        os.kill(os.getpid(), signal.SIGKILL)
    return execute_many(specs) if isinstance(task, tuple) else execute(task)


class DyingPool(ProcessPoolExecutor):
    """A real process pool whose worker dies on one run (other work, DATA.md's words, is
    done as asked)."""

    def __init__(self, doomed: str) -> None:
        super().__init__(2, mp_context=multiprocessing.get_context("spawn"))
        self.task = die_on(doomed)

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(self.task if fn is run_task else fn, *args)


def test_a_worker_that_dies_fails_only_its_own_run(reference, tmp_path):
    """Runs in flight with the dead worker are made again on a fresh pool; the run whose
    worker died fails alone, and --resume would retry it."""
    specs, job = tiny_job()
    doomed = specs[2].run_id
    with HealingPool(lambda: DyingPool(doomed)) as pool:
        outcome = run_job(specs, tmp_path / "out", job=job, executor=pool, progress=False)
    assert list(outcome.failed) == [doomed] and "worker process" in outcome.failed[doomed]
    assert outcome.done == len(specs) - 1


@pytest.mark.parametrize("failing", ["every run", "one scenario"])
def test_failures_are_said_on_the_terminal_and_in_the_report(
    failing, monkeypatch, tmp_path, capsys
):
    """Issue 15: when every run failed the report writer crashed; when one scenario failed the
    report said only "Only the baseline ran."."""
    from coprod.experiments import cli
    from coprod.experiments.jobs import worker

    real = worker.simulate

    def simulate(params, seed):
        if failing == "every run" or params.reciprocity == "timebank":
            raise ValueError("the model fell over")
        return real(params, seed)

    monkeypatch.setattr(worker, "simulate", simulate)
    out = tmp_path / "job"
    small = ["--set", "n_users=40", "--set", "n_neighbours=20", "--set", "n_professionals=3"]
    argv = ["compare", "timebank", "--replicates", "2", "--steps", "8", "--workers", "1"]
    assert cli.main([*argv, "--quiet", "--out", str(out), *small]) == 1
    err = capsys.readouterr().err
    failed = "4 of 4" if failing == "every run" else "2 of 4"
    assert f"{failed} runs failed" in err and "ValueError: the model fell over" in err
    if failing == "one scenario":
        report = (out / "report.md").read_text()
        assert f"Warning: {failed} runs failed (timebank-r000, timebank-r001)" in report
        assert "every run of the other scenarios failed" in report


def test_a_huge_grid_is_refused_at_once_with_its_size_unless_yes(tmp_path, capsys):
    """20,000,000 runs: planned lazily and refused in well under a second of CPU time, with
    the run count and the way past the stated limit (--yes); nothing is written."""
    from coprod.experiments import cli

    path = tmp_path / "huge.toml"
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "timebank.toml"
    path.write_text(
        f'base = ["{scenario}"]\nbaseline = "traditional"\n[vary]\n'
        "power_sharing = { min = 0.0, max = 1.0, steps = 1000 }\n"
        "timebank_uptake = { min = 0.0, max = 1.0, steps = 1000 }\n"
    )
    out = tmp_path / "job"
    started = time.process_time()
    assert cli.main(["sweep", str(path), "--out", str(out)]) == 2
    assert time.process_time() - started < 2.0
    err = capsys.readouterr().err
    assert "20,000,000 runs" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--set", "n_users=1000000", "--set", "n_neighbours=1000000", "--set",
          "network_degree=100"], "GiB of memory"),
        (["--replicates", "60000", "--set", "n_users=20", "--set", "n_neighbours=10"],
         "120,000 runs"),
    ],
)  # fmt: skip
def test_a_job_too_large_is_refused_with_its_figures_before_anything_is_written(
    extra, words, tmp_path, capsys
):
    from coprod.experiments import cli

    out = tmp_path / "job"
    assert cli.main(["compare", "timebank", "--out", str(out), "--replicates", "1", *extra]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not out.exists()


def test_yes_lets_a_large_job_through_the_size_check(tmp_path):
    from coprod.experiments.jobs.size import JobTooLargeError, check_size

    specs, _ = tiny_job(replicates=1)
    many = specs * 60_000  # 120,000 tiny runs: large, not impossible
    with pytest.raises(JobTooLargeError, match="120,000 runs"):
        check_size(many, 2, tmp_path, yes=False, estimate_seconds=lambda: 0.0)
    check_size(many, 2, tmp_path, yes=True, estimate_seconds=lambda: 0.0)


PEAK_OF_A_RUN = """
import json, sys
from coprod.experiments.jobs.size import size_of
from coprod.experiments.jobs.worker import RunSpec, execute
from coprod.simulation import Params
params = Params(n_users=12000, n_neighbours=7200, n_professionals=720, warmup_weeks=4,
                snapshot_every=4).model_dump()
spec = RunSpec("r", "traditional", 0, "7", params, record_agents=sys.argv[1] == "1")
assert execute(spec).ok
status = open("/proc/self/status").read().split("VmHWM:")[1]
peak = int(status.split()[0]) * 1024  # this program's own peak: ru_maxrss would count the
print(json.dumps([peak, size_of([spec], 1).run_memory]))  # test process it was started from
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's VmHWM")
def test_the_memory_check_counts_what_agent_snapshots_really_take():
    """A run of 20,000 agents with 27 snapshots, in a fresh process with and without them:
    the extra peak memory is within the size check's extra estimate (the snapshots are
    copied as they are packed; counted once, the estimate was a quarter of the truth)."""
    measured = {
        agents: json.loads(
            subprocess.run(
                [sys.executable, "-c", PEAK_OF_A_RUN, agents],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for agents in ("0", "1")
    }
    (peak_without, estimate_without), (peak_with, estimate_with) = measured["0"], measured["1"]
    extra_peak, extra_estimate = peak_with - peak_without, estimate_with - estimate_without
    assert 0.5 * extra_estimate < extra_peak <= 1.1 * extra_estimate


@pytest.mark.slow
def test_sigterm_stops_the_job_like_ctrl_c_and_leaves_no_process_behind(tmp_path):
    out = tmp_path / "job"
    job = job_process(out)
    wait_for_workers(job, 3)
    deadline = time.monotonic() + 60  # the pool starts before the job writes its folder
    while not (out / "manifest.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    job.send_signal(signal.SIGTERM)
    _, err = job.communicate(timeout=60)
    assert job.returncode == 143, err
    assert "stopped by SIGTERM" in err and "--resume" in err and "Traceback" not in err
    assert gone(job.pid), f"left running: {group_members(job.pid)}"
    assert json.loads((out / "manifest.json").read_text())["state"] == "running"


def test_a_full_disk_is_one_paragraph_with_the_resume_command(monkeypatch, tmp_path, capsys):
    """ENOSPC while a run's data is written: exit 2, the path, the advice, how to go on."""
    import errno

    from coprod.experiments import cli
    from coprod.experiments.jobs import storage

    def full(file):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "job" / "parts"))

    monkeypatch.setattr(storage, "_sync", full)
    argv = ["compare", "timebank", "--replicates", "1", "--steps", "4", "--workers", "1"]
    small = ["--set", "n_users=30", "--set", "n_neighbours=10", "--set", "n_professionals=2"]
    assert cli.main([*argv, "--quiet", "--out", str(tmp_path / "job"), *small]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "No space left on device" in err and "the disk is full" in err
    assert "--resume" in err and "Traceback" not in err


def test_an_out_under_a_file_is_named(tmp_path, capsys):
    from coprod.experiments import cli

    (tmp_path / "results").write_text("a file where a folder is needed")
    argv = ["compare", "timebank", "--replicates", "1", "--steps", "4", "--workers", "1"]
    out = tmp_path / "results" / "job"
    assert cli.main([*argv, "--quiet", "--out", str(out), "--set", "n_users=30"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "a file stands where a folder is needed" in err and "Traceback" not in err
    assert "--resume" not in err  # nothing ran, so there is nothing to resume


RESUMABLE = ["--replicates", "6", "--steps", "20", "--workers", "1", "--quiet"]
RESUMABLE += ["--set", "n_users=3000", "--set", "n_neighbours=1500"]


def coprod_process(out: Path, *extra: str) -> subprocess.Popen:
    """A real `coprod compare` of six runs of a few seconds each, into ``out``."""
    argv = [sys.executable, "-m", "coprod.experiments.cli", "compare", "timebank", *RESUMABLE]
    return subprocess.Popen([*argv, "--out", str(out), *extra], stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(3))
def test_two_resumes_started_at_once_one_refused_and_the_folder_ends_complete(trial, tmp_path):
    """Two `--resume` racing on one folder (real processes): the loser exits 2 naming the
    winner's pid, the winner finishes, and the folder is complete and reportable."""
    out = tmp_path / "job"
    first = coprod_process(out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        (out / "status.jsonl").is_file() and (out / "status.jsonl").read_text().strip()
    ):
        time.sleep(0.1)
    first.send_signal(signal.SIGINT)
    assert first.wait(timeout=60) == 130
    racers = [coprod_process(out, "--resume") for _ in range(2)]
    ended = [(racer, racer.communicate(timeout=300)[1]) for racer in racers]
    codes = sorted(racer.returncode for racer, _ in ended)
    assert codes == [0, 2], ended
    (winner, _), (_, refusal) = sorted(ended, key=lambda pair: pair[0].returncode)
    assert f"in use by another coprod job (pid {winner.pid} on" in " ".join(refusal.split())
    assert "Traceback" not in refusal
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["state"] == "complete" and manifest["counts"]["done"] == 12
    assert not (out / "parts").exists()
    report = subprocess.run(
        [sys.executable, "-m", "coprod.experiments.cli", "report", str(out)],
        capture_output=True,
        text=True,
    )
    assert report.returncode == 0, report.stderr


def test_workers_run_numerical_libraries_on_one_thread_and_the_parent_keeps_its_own(
    monkeypatch,
):
    from coprod.experiments.jobs.pool import PINNED_THREADS, default_executor

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    pool = default_executor(1)
    try:
        seen = {name: pool.submit(os.getenv, name).result(timeout=120) for name in PINNED_THREADS}
    finally:
        pool.shutdown()
    assert seen == dict.fromkeys(PINNED_THREADS, "1")
    assert os.environ["OMP_NUM_THREADS"] == "3"

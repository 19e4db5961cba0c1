"""Run scenarios x replicates on any ``concurrent.futures.Executor`` and record every run.

Each run is one task (one picklable :class:`RunSpec`, no keyword arguments, so Dask's
``client.get_executor(pure=False)`` plugs in unchanged). Only a bounded window of tasks is in
flight, and each finished run is written by this process as it arrives and then forgotten, so
memory stays flat however many runs a job has. Results do not depend on the executor: every
run is seeded from its replicate's seed, and consolidation orders rows by the plan.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import reprlib
import signal
import time
import traceback
from collections.abc import Iterator, Mapping
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coprod.experiments.jobs.progress import progress_bar
from coprod.experiments.jobs.results import consolidate
from coprod.experiments.jobs.storage import (
    CorruptResultsError,
    ResultsFolder,
    ResumeMismatchError,
    now,
    provenance,
)
from coprod.experiments.jobs.worker import RunOutput, RunSpec, execute
from coprod.simulation.errors import CoprodError
from coprod.simulation.params import Params
from coprod.simulation.seeds import replicate_seeds

_SHORT = reprlib.Repr(maxlist=4, maxdict=4, maxstring=60, maxother=60)
"""Values in a resume refusal: a changed list of 1,000 design points is not printed whole."""
REFRESHED_ON_RESUME = frozenset({"description", "outputs", "experiment", "scenario_files"})
"""Keys of the ``job`` dict that say how to read a job or where its files were, never what its
runs are: ``--resume`` takes their new values (a corrected label, a moved experiment file)."""
IGNORED_ON_RESUME = (
    frozenset({"command", "workers", "engine", "scheduler", "progress"}) | REFRESHED_ON_RESUME
)
"""Keys of the ``job`` dict that may change between a job and its ``--resume``."""


@dataclass(frozen=True)
class JobOutcome:
    """What a call of :func:`run_job` achieved; ``failed`` maps run ids to their error line."""

    out_dir: Path
    runs: int
    done: int
    failed: dict[str, str]
    executed: int
    seconds: float


def plan_runs(scenarios: Mapping[str, Params], replicates: int, master_seed: int) -> list[RunSpec]:
    """Every run of a job, scenario by scenario; replicate ``i`` of each scenario shares seed
    ``i`` (common random numbers, MODEL.md section 9)."""
    seeds = replicate_seeds(master_seed, replicates)
    width = max(3, len(str(replicates - 1)))
    return [
        RunSpec(f"{name}-r{i:0{width}d}", name, i, seeds[i], params.model_dump())
        for name, params in scenarios.items()
        for i in range(replicates)
    ]


def default_executor(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes (all cores when None).

    The start method is set on this pool only (forkserver where it exists, else spawn: no
    fork of a threaded parent), never process-wide, so a script using it needs the
    ``if __name__ == "__main__":`` guard. Workers ignore Ctrl-C: the parent alone stops the
    job, so an interrupt never looks like a failed run or a broken pool.
    """
    count = _cores() if workers is None else workers
    if count < 1:
        raise CoprodError(f"--workers must be at least 1, not {workers}")
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":  # the model is imported once, by the server, not by each worker
        context.set_forkserver_preload(
            ["__main__", "coprod.experiments.jobs.worker", "coprod.simulation.model"]
        )
    return ProcessPoolExecutor(count, mp_context=context, initializer=_ignore_interrupts)


def _cores() -> int:
    """The cores this process may use (a container or taskset may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_job(
    specs: list[RunSpec],
    out_dir: Path,
    *,
    job: dict[str, Any],
    executor: Executor | None = None,
    resume: bool = False,
    progress: bool = True,
    window: int | None = None,
) -> JobOutcome:
    """Make every run of ``specs`` not yet done in ``out_dir``, then consolidate the folder.

    ``job`` is what was asked (scenarios, replicates, seed, weeks, command line...): it goes
    into the manifest, and ``resume`` refuses a job that differs in any key but
    :data:`IGNORED_ON_RESUME`. ``executor`` None runs in this process. ``window`` bounds the
    tasks in flight (default 4 per local core; give more for a Dask cluster). On Ctrl-C the
    runs written so far are kept, the manifest is updated and ``KeyboardInterrupt``
    propagates: resuming finishes the job.
    """
    started = time.perf_counter()
    if len({spec.run_id for spec in specs}) != len(specs):
        raise ValueError("run ids must be unique within a job")
    folder = ResultsFolder(out_dir)
    planned = _planned(job, specs)
    if resume:
        manifest = folder.read_manifest()
        _check_same_job(folder, manifest, planned)
        refreshed = {k: v for k, v in planned["job"].items() if k in REFRESHED_ON_RESUME}
        if any(manifest["job"].get(k) != v for k, v in refreshed.items()):
            manifest["job"].update(refreshed)
            folder.write_manifest(manifest)
        status = folder.recover_status()
    else:
        manifest = {**provenance(), **planned, "state": "running", "sessions": []}
        folder.create()  # then the manifest at once: a folder without one cannot be resumed
        status = {}
    todo = [spec for spec in specs if status.get(spec.run_id, {}).get("status") != "done"]
    if manifest["state"] == "complete" and not todo:
        return _outcome(folder, specs, status, 0, started)
    unlogged = [s.run_id for s in todo if status.get(s.run_id, {}).get("status") != "failed"]
    if manifest["state"] == "complete" and unlogged:  # a damaged log of a finished job
        raise CorruptResultsError(
            f"{folder.status} has lost {len(unlogged)} runs of a finished job (e.g. "
            f"{unlogged[0]}): its tables are complete and still load, and `coprod report` "
            "still works; nothing was rerun. To run the job again, choose a new --out."
        )
    session: dict[str, Any] = {"started": now(), "runs": 0, "interrupted": True}
    manifest["sessions"].append(session)
    manifest["state"] = "running"
    folder.write_manifest(manifest)
    bar = progress_bar(len(specs), len(specs) - len(todo), enabled=progress)
    failures = 0
    outputs = _outputs(todo, executor, window or 4 * _cores())
    try:
        with folder.writer(len(manifest["sessions"]) - 1) as writer:
            for arrived in outputs:
                logged = writer.record_many(
                    [(_entry(spec, output, session), output.tables) for spec, output in arrived]
                )
                for (spec, output), entry in zip(arrived, logged, strict=True):
                    status[spec.run_id] = entry
                    failures += not output.ok
                session["runs"] += len(arrived)
                bar.set_postfix(failed=failures, refresh=False)
                bar.update(len(arrived))
        session["interrupted"] = False
    finally:
        outputs.close()
        bar.close()
        session.update(finished=now(), wall_seconds=time.perf_counter() - started)
        _update_counts(manifest, specs, status)
        folder.write_manifest(manifest)
    _consolidate(folder, manifest, specs, status)
    return _outcome(folder, specs, status, session["runs"], started)


def _outputs(
    specs: list[RunSpec], executor: Executor | None, window: int
) -> Iterator[list[tuple[RunSpec, RunOutput]]]:
    """The runs' outputs as they finish, those that finished together in one list, with at
    most ``window`` runs submitted at a time.

    A task that raised (a lost worker, a pickling error) is reported as a failed run; a
    ``BaseException`` such as ``KeyboardInterrupt`` propagates, and closing the iterator
    cancels the runs not started.
    """
    if executor is None:
        for spec in specs:
            yield [(spec, execute(spec))]
        return
    queue = iter(specs)
    pending: dict[Future[RunOutput], RunSpec] = {}
    try:
        while True:
            while len(pending) < window and (spec := next(queue, None)) is not None:
                pending[_submit(executor, spec)] = spec
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            specs_done = [(future, pending.pop(future)) for future in finished]
            yield [(spec, _result(future, spec)) for future, spec in specs_done]
    finally:
        for future in pending:
            future.cancel()


def _submit(executor: Executor, spec: RunSpec) -> Future[RunOutput]:
    """Hand one run to the executor; a pool that a dead worker broke stops the job with a
    clear error (the runs it lost are already logged as failed, with the pool's error)."""
    try:
        return executor.submit(execute, spec)
    except BrokenExecutor as error:
        raise CoprodError(
            f"the worker pool broke ({error}): a worker process died, often for lack of "
            "memory. Finished runs are kept; rerun the same command with --resume (and fewer "
            "--workers, or a smaller population) to make the rest."
        ) from None


def _result(future: Future[RunOutput], spec: RunSpec) -> RunOutput:
    """A finished task's output; a task that raised is a failed run with its traceback."""
    try:
        return future.result()
    except Exception as error:
        text = "".join(traceback.format_exception(error))
        return RunOutput(spec.run_id, False, 0.0, error=text)


def _entry(spec: RunSpec, output: RunOutput, session: dict[str, Any]) -> dict[str, Any]:
    """The status line of one run (the writer adds where its data went)."""
    entry = {
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "replicate": spec.replicate,
        "status": "done" if output.ok else "failed",
        "seconds": round(output.seconds, 6),
        "session_started": session["started"],
    }
    return entry | ({} if output.ok else {"error": output.error})


def _consolidate(
    folder: ResultsFolder, manifest: dict[str, Any], specs: list[RunSpec], status: dict
) -> None:
    """Write the Parquet tables and the data dictionary, then mark the job complete."""
    done = [(s.run_id, status[s.run_id]) for s in specs if _state(status, s) == "done"]
    consolidate(folder, done)
    manifest["state"] = "complete"
    folder.write_manifest(manifest)
    if len(done) == len(specs):
        folder.remove_parts()


def _planned(job: dict[str, Any], specs: list[RunSpec]) -> dict[str, Any]:
    """The parts of the manifest that define the job, as JSON would give them back.

    The job's own ``scenarios`` when it names them (a sweep's runs of one scenario differ by
    design point, so its specs cannot say what the scenario itself is), else the specs'."""
    scenarios = job.get("scenarios") or {spec.scenario: spec.params for spec in specs}
    runs = [
        {"run_id": s.run_id, "scenario": s.scenario, "replicate": s.replicate, "seed": s.seed}
        for s in specs
    ]
    plan = {"job": job, "scenarios": scenarios, "runs": runs}
    return json.loads(json.dumps(plan, default=str))


def _check_same_job(folder: ResultsFolder, recorded: dict, planned: dict) -> None:
    """Refuse to resume a job other than the recorded one, listing what differs."""
    changes = _differences(
        {k: v for k, v in recorded["job"].items() if k not in IGNORED_ON_RESUME},
        {k: v for k, v in planned["job"].items() if k not in IGNORED_ON_RESUME},
        "job",
    )
    if not changes:  # a thin job dict: compare the runs themselves
        changes = _differences(recorded.get("scenarios"), planned["scenarios"], "scenarios")
        if recorded.get("runs") != planned["runs"]:
            changes.append(
                f"runs: {len(recorded['runs'])} planned in the folder, "
                f"{len(planned['runs'])} now, or with other ids or seeds"
            )
    if changes:
        listed = "\n".join(f"  - {change}" for change in changes[:20])
        more = f"\n  ... and {len(changes) - 20} more" if len(changes) > 20 else ""
        raise ResumeMismatchError(
            f"cannot resume {folder.path}: this job differs from the one recorded in "
            f"{folder.manifest}:\n{listed}{more}\nRun the same command with --resume, or "
            "choose another --out to start a new job."
        )


def _differences(old: Any, new: Any, path: str) -> list[str]:
    """Every leaf that differs between two JSON values, as 'path: old in the folder, new now'
    (a sweep's design points are a list: its items are compared one by one)."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in dict.fromkeys([*old, *new]):
            changes += _differences(
                old.get(key, "(absent)"), new.get(key, "(absent)"), f"{path}.{key}"
            )
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = enumerate(zip(old, new, strict=True))
        return [c for i, (a, b) in pairs for c in _differences(a, b, f"{path}[{i}]")]
    return [] if old == new else [f"{path}: {_brief(old)} in the folder, {_brief(new)} now"]


def _brief(value: Any) -> str:
    """A value for a message: a long list shortened, with its length."""
    text = _SHORT.repr(value)
    return f"{text} ({len(value)} items)" if isinstance(value, list) and "..." in text else text


def _update_counts(manifest: dict, specs: list[RunSpec], status: dict) -> None:
    """Refresh the manifest's tallies and overall timing from the status log and sessions."""
    sessions = manifest["sessions"]
    wall = sum(s.get("wall_seconds", 0.0) for s in sessions)
    made = sum(s["runs"] for s in sessions)
    failed = [s.run_id for s in specs if _state(status, s) == "failed"]
    done = sum(_state(status, s) == "done" for s in specs)
    manifest["counts"] = {"runs": len(specs), "done": done, "failed": len(failed)}
    manifest["failed_runs"] = failed
    manifest["timing"] = {
        "started": sessions[0]["started"],
        "finished": sessions[-1].get("finished"),
        "wall_seconds": wall,
        "runs_per_second": made / wall if wall else None,
    }


def _outcome(
    folder: ResultsFolder, specs: list[RunSpec], status: dict, executed: int, started: float
) -> JobOutcome:
    failed = {
        s.run_id: _last_line(status[s.run_id].get("error", ""))
        for s in specs
        if _state(status, s) == "failed"
    }
    done = sum(_state(status, s) == "done" for s in specs)
    return JobOutcome(
        folder.path, len(specs), done, failed, executed, time.perf_counter() - started
    )


def _last_line(text: str) -> str:
    """The line of a traceback that says what went wrong."""
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def _state(status: dict, spec: RunSpec) -> str | None:
    return status.get(spec.run_id, {}).get("status")

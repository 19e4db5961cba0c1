"""Run scenarios x replicates on any ``concurrent.futures.Executor`` and record every run.

Each run is one task (one picklable :class:`RunSpec`, no keyword arguments, so Dask's
``client.get_executor(pure=False)`` plugs in unchanged), or several runs a tuple of them: the
arms of a replicate, which start from one week-0 state that their worker then builds once,
and tiny runs, so that handing out a task costs less than making it. The plan is read lazily
(a sweep's runs are made from their index) and only a bounded window of tasks is in flight;
each finished run is written by this process as it arrives and then forgotten, so memory
stays flat however many runs a job has. Results do not depend on the executor or the order
runs are made in: every run is seeded from its replicate's seed, and consolidation orders
rows by the plan.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import reprlib
import time
import traceback
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    wait,
)
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coprod.experiments.jobs.lock import FolderLock
from coprod.experiments.jobs.pool import HealingPool, cores
from coprod.experiments.jobs.progress import progress_bar
from coprod.experiments.jobs.results import consolidate
from coprod.experiments.jobs.signals import raise_lost_interrupt
from coprod.experiments.jobs.size import agents
from coprod.experiments.jobs.spec import RunOutput, RunSpec
from coprod.experiments.jobs.storage import (
    CorruptResultsError,
    ResultsFolder,
    ResumeMismatchError,
    check_versions,
    now,
    provenance,
    warn,
)
from coprod.simulation.errors import CoprodError
from coprod.simulation.seeds import replicate_seeds
from coprod.simulation.week0_key import warm_up_inputs

if TYPE_CHECKING:
    from coprod.simulation.params import Params

_SHORT = reprlib.Repr(maxlist=4, maxdict=4, maxstring=60, maxother=60)
"""Values in a resume refusal: a changed list of 1,000 design points is not printed whole."""
REFRESHED_ON_RESUME = frozenset({"description", "outputs", "experiment", "scenario_files"})
"""Keys of the ``job`` dict that say how to read a job or where its files were, never what its
runs are: ``--resume`` takes their new values (a corrected label, a moved experiment file)."""
IGNORED_ON_RESUME = (
    frozenset({"command", "workers", "engine", "scheduler", "progress"}) | REFRESHED_ON_RESUME
)
"""Keys of the ``job`` dict that may change between a job and its ``--resume``."""


WORKER_DIED = (
    "WorkerDied: the worker process making this run died (often for lack of memory: try a "
    "smaller population or fewer --workers)"
)


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


def run_job(
    specs: Sequence[RunSpec],
    out_dir: Path,
    *,
    job: dict[str, Any],
    executor: Executor | None = None,
    resume: bool = False,
    progress: bool = True,
    window: int | None = None,
    allow_version_change: bool = False,
) -> JobOutcome:
    """Make every run of ``specs`` not yet done in ``out_dir``, then consolidate the folder.

    ``job`` is what was asked (scenarios, replicates, seed, weeks, command line...): it goes
    into the manifest, and ``resume`` refuses a job that differs in any key but
    :data:`IGNORED_ON_RESUME`, and one made by other versions of coprod, numpy, mesa or the
    model's code unless ``allow_version_change`` (then both are recorded). ``executor`` None
    runs in this process. ``window`` bounds the tasks in flight (default 4 per local core;
    give more for a Dask cluster). On Ctrl-C the runs written so far are kept, the manifest is
    updated and ``KeyboardInterrupt`` propagates: resuming finishes the job. The folder is
    locked for the whole job: a second job on it is refused, naming the holder.
    """
    if not getattr(specs, "unique_ids", False) and len({s.run_id for s in specs}) != len(specs):
        raise ValueError("run ids must be unique within a job")
    folder = ResultsFolder(out_dir)
    with FolderLock(out_dir):
        started = time.perf_counter()
        planned = _planned(job, specs)
        manifest, status = _open(folder, planned, specs, resume, allow_version_change)
        done = sum(entry.get("status") == "done" for entry in status.values())
        if manifest["state"] == "complete":
            unlogged = [s.run_id for s in specs if _state(status, s) not in ("done", "failed")]
            if unlogged:  # a damaged log of a finished job
                raise CorruptResultsError(
                    f"{folder.status} has lost {len(unlogged)} runs of a finished job (e.g. "
                    f"{unlogged[0]}): its tables are complete and still load, and `coprod "
                    "report` still works; nothing was rerun. To run the job again, choose a "
                    "new --out."
                )
            if done == len(specs):
                return _outcome(folder, specs, status, 0, started)
        todo = (spec for spec in specs if _state(status, spec) != "done")
        session: dict[str, Any] = {"started": now(), "runs": 0, "interrupted": True}
        manifest["sessions"].append(session)
        manifest["state"] = "running"
        folder.write_manifest(manifest)
        bar = progress_bar(len(specs), done, enabled=progress)
        failures = 0
        window = window or 4 * cores()
        runs = len(specs) - done
        batch = batch_size(specs[0], runs, window) if len(specs) else 1
        outputs = _outputs(_tasks(todo, max(runs, 1), window, batch), executor, window)
        try:
            with folder.writer(len(manifest["sessions"]) - 1) as writer:
                for arrived in outputs:
                    raise_lost_interrupt()
                    logged = writer.record_many(
                        [
                            (_entry(spec, output, session, planned["fingerprint"]), output.tables)
                            for spec, output in arrived
                        ]
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
        _consolidate(folder, manifest, specs, status, executor)
        return _outcome(folder, specs, status, session["runs"], started)


def _open(
    folder: ResultsFolder,
    planned: dict[str, Any],
    specs: Sequence[RunSpec],
    resume: bool,
    allow_version_change: bool,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The job's manifest and the status of its logged runs: a new folder's, or, to resume,
    the recorded ones once the job is checked to be the same job made by the same code."""
    if not resume:
        manifest = {**provenance(), **planned, "state": "running", "sessions": []}
        folder.create()  # then the manifest at once: a folder without one cannot be resumed
        return manifest, {}
    try:
        manifest = folder.read_manifest()
    except CorruptResultsError as damage:
        manifest = _rebuilt_manifest(folder, planned, specs, damage)
    check_versions(folder, manifest, allow_version_change)
    _check_same_job(folder, manifest, planned)
    refreshed = {k: v for k, v in planned["job"].items() if k in REFRESHED_ON_RESUME}
    if any(manifest["job"].get(k) != v for k, v in refreshed.items()):
        manifest["job"].update(refreshed)
        folder.write_manifest(manifest)
    manifest["fingerprint"] = planned["fingerprint"]  # folders older than fingerprints gain one
    status = folder.recover_status()
    folder.forget_lost_parts(status)
    return manifest, status


def _rebuilt_manifest(
    folder: ResultsFolder,
    planned: dict[str, Any],
    specs: Sequence[RunSpec],
    damage: CorruptResultsError,
) -> dict[str, Any]:
    """A lost or damaged manifest rebuilt from the job being resumed, when every run in the
    status log carries that job's fingerprint: the runs logged are then runs of this very job.
    Otherwise the damage is refused as it was found."""
    entries = folder.recover_status()
    marks = {entry.get("job") for entry in entries.values()}
    if not entries or marks != {planned["fingerprint"]}:
        raise damage
    finished = not folder.parts.is_dir()  # parts go only once every run is consolidated
    session = {
        "started": min(entry["session_started"] for entry in entries.values()),
        "runs": len(entries),
        "interrupted": not finished,
        "wall_seconds": sum(entry["seconds"] for entry in entries.values()),
        "rebuilt": now(),
    }
    manifest = {**provenance(), **planned, "state": "running", "sessions": [session]}
    if finished:
        _update_counts(manifest, specs, entries)
        manifest["state"] = "complete"
    folder.write_manifest(manifest)
    warn(f"{damage} -- rebuilt it from {folder.status} and the job being resumed.")
    return manifest


def _outputs(
    tasks: Iterable[tuple[RunSpec, ...]], executor: Executor | None, window: int
) -> Iterator[list[tuple[RunSpec, RunOutput]]]:
    """The runs' outputs as they finish, those that finished together in one list, with at
    most ``window`` tasks (:func:`_tasks`) submitted at a time.

    A task that raised (a pickling error, a worker lost) is reported as failed runs; a
    ``BaseException`` such as ``KeyboardInterrupt`` propagates, and closing the iterator
    cancels the runs not started. On an executor that heals (:class:`.pool.HealingPool`),
    the runs in flight when a worker died are made again one at a time before the rest: a run
    that breaks the pool alone is the one that killed its worker, and only it fails.
    """
    if executor is None:  # one worker: the runs are made here, and the model imported here
        from coprod.experiments.jobs.worker import execute

        for task in tasks:
            for spec in task:
                yield [(spec, execute(spec))]
        return
    queue, suspects = _Queue(tasks), deque[RunSpec]()
    pending: dict[Future, tuple[RunSpec, ...]] = {}
    alone = False  # the one run in flight is a suspect, tried on its own
    try:
        while queue or suspects or pending:
            if not pending:
                alone = bool(suspects)
            while (suspects if alone else queue) and len(pending) < (1 if alone else window):
                task = (suspects.popleft(),) if alone else queue.popleft()
                pending[_submit(executor, task)] = task
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            arrived = []
            for future in finished:
                task = pending.pop(future)
                if _lost(future) and getattr(executor, "heals", False) and not alone:
                    suspects.extend(task)
                else:
                    arrived += zip(task, _results(future, task), strict=True)
            if arrived:
                yield arrived
    finally:
        for future in pending:
            future.cancel()


LOOKAHEAD = 512
"""Runs of the plan read ahead to find those that start from one week-0 state: a
comparison's plan lists the arms of a replicate a replicate count apart."""


def _tasks(
    specs: Iterable[RunSpec], runs: int, window: int, batch: int
) -> Iterator[tuple[RunSpec, ...]]:
    """The ``runs`` runs of ``specs`` as tasks for a ``window`` of tasks in flight.

    Runs that start from one week-0 state (:func:`_shared`: the arms of a replicate) go in
    one task, one after another, so its worker builds and warms up that state once
    (``simulation.week0``). A group is cut into near-equal parts only to keep a task within
    :data:`MOST_BATCHED` runs, and to leave the job at least a quarter of ``window`` tasks
    had every group its size (the default window is four tasks per core: every worker gets
    one; a part costs its own warm-up, so a comparison of many replicates keeps whole
    groups). Consecutive parts smaller than ``batch`` (:func:`batch_size`: tiny runs) then
    go together, up to ``batch`` a task. Results do not depend on the tasks: every run is
    seeded by its spec.
    """
    task: list[RunSpec] = []
    for group in _shared(specs):
        size = len(group)
        parts = min(size, max(-(-window * size // (4 * runs)), -(-size // MOST_BATCHED)))
        for part in (group[i * size // parts : (i + 1) * size // parts] for i in range(parts)):
            if task and len(task) + len(part) > batch:
                yield tuple(task)
                task = []
            task += part
            if len(task) >= batch:
                yield tuple(task)
                task = []
    if task:
        yield tuple(task)


def _shared(specs: Iterable[RunSpec]) -> Iterator[list[RunSpec]]:
    """The runs in groups that start from one week-0 state (the same seed, the same
    ``week0_key.warm_up_inputs``), found :data:`LOOKAHEAD` runs at a time: groups in the order
    of their first run, runs in plan order. A run whose state is never kept (a population
    above ``week0_key.MOST_SHARED_PEOPLE``) is a group of its own."""
    for stretch in itertools.batched(specs, LOOKAHEAD):
        groups: dict[object, list[RunSpec]] = {}
        for spec in stretch:
            inputs = warm_up_inputs(spec.params)
            key = spec.run_id if inputs is None else (spec.seed, inputs)
            groups.setdefault(key, []).append(spec)
        yield from groups.values()


TASK_AGENT_WEEKS = 200_000
"""Agent-weeks of work worth one task (about half a second): tiny runs are sent in batches
of about this much, so that handing them out and back does not cost more than making them."""
MOST_BATCHED = 32


def batch_size(spec: RunSpec, runs: int, window: int) -> int:
    """Runs per task for a job of ``runs`` like ``spec``: one for runs of real size, more for
    tiny ones, but never so many that fewer than four tasks per slot of the window remain
    (the workers would sit idle at the end)."""
    weeks = spec.params["warmup_weeks"] + spec.params["weeks"]
    by_cost = TASK_AGENT_WEEKS // max(agents(spec.params) * weeks, 1)
    return max(1, min(MOST_BATCHED, by_cost, runs // (4 * window)))


class _Queue:
    """The tasks still to submit, taken from an iterator one at a time (a job's plan is made
    on demand, never held whole); ``popleft`` and truth as a deque's."""

    def __init__(self, tasks: Iterable[tuple[RunSpec, ...]]) -> None:
        self._tasks = iter(tasks)
        self._next: tuple[RunSpec, ...] | None = next(self._tasks, None)

    def __bool__(self) -> bool:
        return self._next is not None

    def popleft(self) -> tuple[RunSpec, ...]:
        task, self._next = self._next, next(self._tasks, None)
        assert task is not None
        return task


def _lost(future: Future[RunOutput]) -> bool:
    """Whether a task's worker died under it (the pool broke), rather than the run failing."""
    return isinstance(future.exception(), BrokenExecutor)


def run_task(specs: tuple[RunSpec, ...]) -> list[RunOutput]:
    """Make one task's runs, in order, in the executor's worker: ``worker.execute_many``,
    imported there, so that this process imports the model only when it makes runs itself."""
    from coprod.experiments.jobs.worker import execute_many

    return execute_many(specs)


def _submit(executor: Executor, task: tuple[RunSpec, ...]) -> Future:
    """Hand one task (one run, or a batch of tiny ones) to the executor; a pool that a dead
    worker broke stops the job with a clear error (the runs it lost are already logged as
    failed, with the pool's error)."""
    try:
        return executor.submit(run_task, task)
    except BrokenExecutor as error:
        raise CoprodError(
            f"the worker pool broke ({error}): a worker process died, often for lack of "
            "memory. Finished runs are kept; rerun the same command with --resume (and fewer "
            "--workers, or a smaller population) to make the rest."
        ) from None


def _results(future: Future, task: tuple[RunSpec, ...]) -> list[RunOutput]:
    """A finished task's outputs; a task that raised is failed runs with its traceback."""
    try:
        return future.result()
    except BrokenExecutor:
        error = WORKER_DIED
    except Exception as raised:
        error = "".join(traceback.format_exception(raised))
    return [RunOutput(spec.run_id, False, 0.0, error=error) for spec in task]


def _entry(
    spec: RunSpec, output: RunOutput, session: dict[str, Any], fingerprint: str
) -> dict[str, Any]:
    """The status line of one run (the writer adds where its data went)."""
    entry = {
        "run_id": spec.run_id,
        "job": fingerprint,
        "scenario": spec.scenario,
        "replicate": spec.replicate,
        "status": "done" if output.ok else "failed",
        "seconds": round(output.seconds, 6),
        "session_started": session["started"],
    }
    return entry | ({} if output.ok else {"error": output.error})


def _consolidate(
    folder: ResultsFolder,
    manifest: dict[str, Any],
    specs: Sequence[RunSpec],
    status: dict,
    executor: Executor | None,
) -> None:
    """Write the Parquet tables and the data dictionary, then mark the job complete. A local
    pool's worker words the dictionary (``results.consolidate``); a Dask cluster's workers
    may run another copy of coprod, so this process does."""
    done = [(s.run_id, status[s.run_id]) for s in specs if _state(status, s) == "done"]
    consolidate(folder, done, executor if isinstance(executor, HealingPool) else None)
    manifest["state"] = "complete"
    folder.write_manifest(manifest)
    if len(done) == len(specs):
        folder.remove_parts()


def _planned(job: dict[str, Any], specs: Sequence[RunSpec]) -> dict[str, Any]:
    """The parts of the manifest that define the job, as JSON would give them back.

    The job's own ``scenarios`` when it names them (a sweep's runs of one scenario differ by
    design point, so its specs cannot say what the scenario itself is), else the specs'."""
    scenarios = job.get("scenarios") or {spec.scenario: spec.params for spec in specs}
    runs = (
        specs.plan()
        if hasattr(specs, "plan")
        else [
            {"run_id": s.run_id, "scenario": s.scenario, "replicate": s.replicate, "seed": s.seed}
            for s in specs
        ]
    )
    plan = json.loads(json.dumps({"job": job, "scenarios": scenarios, "runs": runs}, default=str))
    return {**plan, "fingerprint": _fingerprint(plan)}


def _fingerprint(plan: dict[str, Any]) -> str:
    """What identifies a job's runs (not its labels, command line or engine): written into
    every status line, so the log alone can say which job its runs belong to."""
    defining = {
        "job": {k: v for k, v in plan["job"].items() if k not in IGNORED_ON_RESUME},
        "scenarios": plan["scenarios"],
        "runs": plan["runs"],
    }
    text = json.dumps(defining, sort_keys=True).encode("utf-8")
    return hashlib.sha256(text).hexdigest()[:16]


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


def _update_counts(manifest: dict, specs: Sequence[RunSpec], status: dict) -> None:
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
    folder: ResultsFolder, specs: Sequence[RunSpec], status: dict, executed: int, started: float
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

"""The work of one run, done in a worker process: validate, simulate, pack the tables.

A worker may be a ``ProcessPoolExecutor`` child or a Dask worker on another machine, so it
takes one picklable ``RunSpec``, touches no file and returns one picklable ``RunOutput``
(both in :mod:`.spec`, which the parent imports without the model): the run's tables as
compact Arrow IPC bytes plus a small status. The single writer in the parent
(``coprod.experiments.jobs.storage``) stores them (DESIGN.md, "The house").
"""

from __future__ import annotations

import json
import time
import traceback
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coprod.experiments.jobs.spec import RunOutput, RunSpec
from coprod.experiments.jobs.storage import KEY_TYPES, TABLES, system_memory
from coprod.simulation import simulate
from coprod.simulation.outputs import RunResult
from coprod.simulation.params import Params
from coprod.simulation.seeds import parse_seed

ROW_ORDER: dict[str, tuple[str, ...]] = {
    "runs": (),
    "timeseries": ("week",),
    "agents": ("week", "agent_id"),
    "survey": ("agent_id",),
}
"""How rows are sorted within a run, so stored tables never depend on the model's row order."""

_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")
_ONE_ROW_IPC_OPTIONS = pa.ipc.IpcWriteOptions()
_NOTHING = pa.table({})  # a table not recorded: the key columns alone


def execute(spec: RunSpec) -> RunOutput:
    """Make one run. An ordinary exception becomes a failed output so the job goes on;
    ``KeyboardInterrupt`` and other ``BaseException``\\ s propagate: stopping is not failing."""
    start = time.perf_counter()
    try:
        params = Params(**spec.params)
        # snapshots nobody records are not taken: they cost time and change nothing else
        simulated = (
            params if spec.record_agents else params.model_copy(update={"snapshot_every": 0})
        )
        result = simulate(simulated, parse_seed(spec.seed))
        with system_memory():
            tables = pack(spec, params, result)
    except Exception as error:
        interrupt = _interrupt_behind(error)
        if interrupt is not None:
            raise interrupt from None
        return RunOutput(
            spec.run_id, False, time.perf_counter() - start, error=traceback.format_exc()
        )
    return RunOutput(spec.run_id, True, time.perf_counter() - start, tables)


def _interrupt_behind(error: Exception) -> BaseException | None:
    """The ``KeyboardInterrupt`` (or other ``BaseException``) that an ordinary exception
    stands for, if any: an interrupt landing inside a numba-compiled function of the model
    comes out as ``SystemError: ... returned a result with an exception set``, caused by it,
    and was logged as a failed run while the job went on (seen in a test's Ctrl-C)."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if not isinstance(cause, Exception):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def execute_many(specs: tuple[RunSpec, ...]) -> list[RunOutput]:
    """Make several runs as one task, in order (``runner._tasks``): the arms of a replicate
    in turn start from the week-0 state the first of them built (``simulation.week0``)."""
    return [execute(spec) for spec in specs]


def pack(spec: RunSpec, params: Params, result: RunResult) -> dict[str, bytes]:
    """The run's four tables as Arrow IPC bytes, each with the key columns in front.

    The timeseries keeps the weeks divisible by ``record_every`` and the last week; a table
    not recorded is its key columns alone, with no rows, in every run of its job alike.
    """
    weeks = result.timeseries["week"]
    kept = (weeks % spec.record_every == 0) | (weeks == weeks.max())
    frames = {
        "timeseries": result.timeseries[kept],
        "agents": result.agents if spec.record_agents else None,
        "survey": result.survey if spec.record_survey else None,
    }
    tables = {"runs": _runs_row(spec, params, result.summary)}
    for name, frame in frames.items():
        table = (
            _NOTHING if frame is None else _plain(pa.Table.from_pandas(frame, preserve_index=False))
        )
        tables[name] = _with_keys(spec, table, ROW_ORDER[name])
    return {name: _to_ipc(tables[name]) for name in TABLES}


def _runs_row(spec: RunSpec, params: Params, summary: dict[str, float]) -> pa.Table:
    """The run's row of ``runs.parquet``: keys, seed, every parameter, every summary value."""
    values = params.model_dump()
    # a timeline is a list of tables whose keys differ between scenarios: one JSON text
    # column keeps every run's row the same schema (the manifest holds it as a list)
    values["timeline"] = json.dumps(values["timeline"])
    clash = sorted(set(values) & set(summary))
    if clash:
        raise ValueError(f"summary keys {clash} clash with parameter names")
    row = {**_keys(spec), "seed": spec.seed, **values}
    row.update({name: float(value) for name, value in summary.items()})
    return pa.Table.from_batches([pa.RecordBatch.from_pylist([row])])


def _plain(table: pa.Table) -> pa.Table:
    """Drop pandas metadata and decode categoricals: per-run dictionaries and metadata would
    make the schemas of runs differ, and ``coprod.load`` restores categories itself."""
    if any(pa.types.is_dictionary(column.type) for column in table.columns):
        columns = [
            pc.cast(column, column.type.value_type)
            if pa.types.is_dictionary(column.type)
            else column
            for column in table.columns
        ]
        table = pa.table(columns, names=table.column_names)
    return table.replace_schema_metadata(None)


def _with_keys(spec: RunSpec, table: pa.Table, order: tuple[str, ...]) -> pa.Table:
    """Sort the rows, then prefix the key columns, as one record batch. Sorting first, and
    repeating each key's scalar in Arrow, spare a run of a million-row snapshot table a
    Python list of each key and a reordered copy of the keys' strings."""
    if order and table.num_rows:
        table = table.sort_by([(column, "ascending") for column in order])
    keys = {
        name: pa.repeat(pa.scalar(value, KEY_TYPES[name]), table.num_rows)
        for name, value in _keys(spec).items()
    }
    return pa.table({**keys, **{name: table[name] for name in table.column_names}}).combine_chunks()


def _keys(spec: RunSpec) -> dict[str, Any]:
    """The values of the key columns, in :data:`KEY_TYPES` order."""
    return {
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "replicate": spec.replicate,
        "point": spec.point,
    }


def _to_ipc(table: pa.Table) -> bytes:
    """A compact Arrow IPC stream: one schema message and at most one record batch.

    Compression works buffer by buffer: it shrinks tables of many rows, but a single row
    (``runs``) only gains framing and costs time, so that one goes uncompressed.
    """
    options = _IPC_OPTIONS if table.num_rows > 1 else _ONE_ROW_IPC_OPTIONS
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()

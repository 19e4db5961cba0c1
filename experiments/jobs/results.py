"""The consolidated tables of a results folder: written once, documented, and loaded.

When a job ends, :func:`consolidate` copies the batches of the runs logged done from the
stream parts into one Parquet file per table, in plan order, and writes DATA.md. :func:`load`
needs only the folder (pandas and pyarrow, not the model), so a report can be rebuilt years
later. Column meanings come from ``coprod.simulation.outputs`` and
``coprod.simulation.params``, where each is described once; they are imported only when a data
dictionary is written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coprod.experiments.jobs.storage import (
    DATA_DICTIONARY,
    KEY_TYPES,
    MANIFEST,
    PART_NAME,
    STATUS,
    TABLES,
    CorruptResultsError,
    ResultsFolder,
    ResultsFolderError,
    system_memory,
)

# Values (rows x columns) buffered per Parquet row group: bounds consolidation memory (2 MB
# of float64, a few times that in flight) whatever the width of the table and the size of the job.
_ROW_GROUP_CELLS = 256 * 1024
_COMPACT_EVERY = 64  # runs: many small tables cost far more memory than one table of them

ROWS: dict[str, str] = {
    "runs": "one row per finished run, in job order (a comparison: scenario, then replicate; "
    "a sweep: design point, then scenario, then replicate)",
    "timeseries": "one row per run and week 0..weeks (week 0: the state when the policy starts)",
    "agents": "one row per person and snapshot week (every `snapshot_every` weeks)",
    "survey": "one row per user and neighbour of a run, answered at `survey_week` (empty when "
    "the horizon is shorter)",
}

KEYS: dict[str, tuple[str, str]] = {
    "run_id": (
        "-",
        "Run id, `<scenario>-r<replicate>` (a sweep: `<scenario>-p<point>-r<replicate>`); "
        "unique in the job",
    ),
    "scenario": ("-", "Scenario name"),
    "replicate": (
        "-",
        "Replicate number from 0; replicate i of every scenario shares a seed "
        "(common random numbers), so runs pair by it",
    ),
    "point": (
        "-",
        "Design point of a sweep from 0 (0 in a comparison): runs of one point share the "
        "varied parameters' values, which follow as columns of every table",
    ),
    "seed": (
        "-",
        "The run's 128-bit seed as a decimal string: "
        "`numpy.random.SeedSequence(int(seed))` rebuilds its randomness",
    ),
    "week": ("week", "Week since the policy started (warm-up weeks come before week 0)"),
    "agent_id": ("-", "Person id within the run: the same person in every run of a replicate"),
    "agent_type": ("-", "user, neighbour or professional"),
    "participant": ("bool", "Gave or received community hours (under `timebank`: a member)"),
}


class IncompleteResultsError(ResultsFolderError):
    """A results folder whose job never got as far as its Parquet tables."""


@dataclass
class Results:
    """A finished job's tables, as :func:`load` gives them.

    Dtypes: ``run_id`` and ``seed`` pandas ``string``; ``scenario`` a Categorical whose
    categories are the job's scenarios in job order; ``replicate``, ``point`` (design point
    of a sweep, 0 otherwise), ``week`` and ``agent_id`` int64; ``agent_type`` a Categorical
    (categories sorted); model columns as stored (see the folder's DATA.md). In a sweep every
    table has one column per varied parameter, named as the parameter, right after the keys
    (in ``runs``: the parameter's own column), holding the run's design point value, the
    baseline's rows too, so ``groupby("power_sharing")`` pairs each baseline run with the
    point it was run beside. ``manifest`` is ``manifest.json``: the job, every run's seed,
    timing.
    """

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    agents: pd.DataFrame
    survey: pd.DataFrame


def load(path: str | Path) -> Results:
    """Read the results folder of a finished job (``results/<name>/``)."""
    folder = ResultsFolder(Path(path))
    if not folder.path.is_dir():
        raise CorruptResultsError(f"{folder.path} is not a results folder: no such folder")
    manifest = folder.read_manifest()
    if manifest["state"] != "complete":
        raise IncompleteResultsError(
            f"the job in {folder.path} never finished (state {manifest['state']!r} in "
            f"{MANIFEST}): run the same coprod command again with --resume to finish it"
        )
    scenarios = list(manifest.get("scenarios", {}))
    with system_memory():
        tables = {name: _read(folder.table(name), scenarios) for name in TABLES}
    job = manifest.get("job", {})
    if "point_count" in job:  # a sweep's points, remade on demand (never stored whole)
        job["points"] = design_of(job)
    return Results(folder.path, manifest, **tables)


IDENTIFYING = {
    "runs": ("run_id", "scenario", "replicate", "seed"),
    "timeseries": ("run_id", "scenario", "replicate", "week", "cost_week"),
    "agents": ("run_id", "scenario", "replicate"),
    "survey": ("run_id", "scenario", "replicate"),
}
"""Columns each table must have: a file that lacks them is another table or no table at all."""
WHEN_FILLED = {"agents": ("week", "agent_id", "agent_type"), "survey": ("agent_id", "participant")}
"""Columns a table has once it has rows (a job that records no snapshots or survey writes the
key columns alone)."""


def _read(path: Path, scenarios: list[str]) -> pd.DataFrame:
    """One Parquet table with the documented dtypes, after checking that it is that table."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise CorruptResultsError(
            f"{path} cannot be read ({error}): rerun the job into a new --out"
        ) from error
    required = IDENTIFYING[path.stem] + (WHEN_FILLED.get(path.stem, ()) if table.num_rows else ())
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise CorruptResultsError(
            f"{path} is not a {path.stem} table: it lacks the column(s) {', '.join(missing)}. "
            "Was it replaced by another file? Rerun the job into a new --out."
        )
    frame = table.to_pandas()
    for column in ("run_id", "seed"):
        if column in frame:
            frame[column] = frame[column].astype("string")
    for column in ("replicate", "point", "week", "agent_id"):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    if "scenario" in frame:
        frame["scenario"] = pd.Categorical(frame["scenario"], categories=scenarios)
    if "agent_type" in frame:
        kinds = sorted(frame["agent_type"].dropna().unique())
        frame["agent_type"] = pd.Categorical(frame["agent_type"], categories=kinds)
    return frame


def consolidate(
    folder: ResultsFolder, done: list[tuple[str, dict[str, Any]]], pool: Executor | None = None
) -> None:
    """Write one Parquet file per table and DATA.md from the runs logged done, in that order.

    ``done`` pairs each run id with its status entry, whose ``parts`` say where its batches
    are. Schemas are merged in plan order and row groups cut at fixed row counts, so the files
    depend only on the data and its order: bit-identical whatever the worker count.

    A sweep's design point coordinates are written here, into every row of every table
    (:func:`coordinates`): a worker knows only its own run's parameters, and the baseline keeps
    its own policy levers, so its ``power_sharing`` would otherwise not be the point's.

    ``pool``: the job's local process pool, if it has one. DATA.md's words come from the
    model's own documentation, and one name of it (``model.SUMMARY_WEEKS``) from the model
    module: a pool's workers have it loaded, while this process, whose runs were made there,
    would spend two seconds importing Mesa, numba and scipy for it. So the pool writes the
    text, and this process the file.
    """
    # a job's folder has its manifest from the start; bare parts (no job) record no design
    job = folder.read_manifest().get("job", {}) if folder.manifest.is_file() else {}
    coords = coordinates(job)
    # one thread a table: Arrow reads, decompresses, encodes and compresses without the GIL,
    # so the small tables are written beside the snapshots (most of the bytes), not after them
    with system_memory(), ThreadPoolExecutor(len(TABLES)) as threads:
        tables = {
            name: threads.submit(_consolidate_table, folder, name, done, coords) for name in TABLES
        }
        schemas = {name: table.result() for name, table in tables.items()}
    varied = list(coords)
    text = (
        data_dictionary(schemas, varied)
        if pool is None
        else pool.submit(data_dictionary, schemas, varied).result()
    )
    (folder.path / DATA_DICTIONARY).write_text(text, encoding="utf-8")


def coordinates(job: dict[str, Any]) -> dict[str, pa.Array]:
    """Each varied parameter's value at every design point (item ``i`` is point ``i``), from
    the job's ``vary`` and ``points``; empty for a comparison."""
    points = design_of(job)
    return {name: pa.array([point[name] for point in points]) for name in job.get("vary") or {}}


def design_of(job: dict[str, Any]) -> Sequence[dict[str, Any]]:
    """A job's design points: as recorded, or remade from the design's definition when the
    manifest records only their count (a sweep's design is never written out whole)."""
    if "point_count" not in job:
        return job.get("points") or []
    from coprod.experiments.designs.design import Design  # numpy and scipy: sweeps only

    return Design.from_job(job)


def _with_coordinate_fields(schema: pa.Schema, coords: dict[str, pa.Array]) -> pa.Schema:
    """The table's schema with a column per varied parameter: its own where the table has
    the parameter (``runs``), else inserted right after the key columns."""
    at = len(KEY_TYPES)
    for name, values in coords.items():
        if schema.get_field_index(name) < 0:
            schema, at = schema.insert(at, pa.field(name, values.type)), at + 1
    return schema


def _place_coordinates(table: pa.Table, coords: dict[str, pa.Array], schema: pa.Schema) -> pa.Table:
    """Set the coordinate columns of one run's table from its ``point`` column."""
    for name, values in coords.items():
        column = pc.take(values, table["point"]).cast(schema.field(name).type)
        index = table.schema.get_field_index(name)
        if index < 0:
            table = table.add_column(schema.get_field_index(name), name, column)
        else:
            table = table.set_column(index, name, column)
    return table


def _consolidate_table(
    folder: ResultsFolder, name: str, done: list[tuple[str, dict]], coords: dict[str, pa.Array]
) -> pa.Schema:
    """Copy one table's batches into its Parquet file (written aside, then renamed), with a
    reader of the parts of its own (a thread a table: no file position is shared)."""
    with _PartReader(folder.parts) as reader:
        try:
            located = [(run_id, tuple(entry["parts"][name])) for run_id, entry in done]
        except (KeyError, TypeError) as error:
            raise CorruptResultsError(
                f"{folder.status}: a run logged done does not say where its {name} data is "
                f"({error}); rerun the job into a new --out"
            ) from error
        schemas = [reader.schema(part) for part in dict.fromkeys(p for _, (p, _) in located)]
        keys = pa.schema(list(KEY_TYPES.items()))
        schema = pa.unify_schemas(schemas or [keys], promote_options="permissive")
        schema = _with_coordinate_fields(schema, coords)
        target = folder.table(name)
        tmp = target.with_name(target.name + ".tmp")
        compacted: list[pa.Table] = []  # runs read so far, _COMPACT_EVERY per table
        fresh: list[pa.Table] = []  # runs read since the last compaction
        rows = 0
        group_rows = max(1024, _ROW_GROUP_CELLS // len(schema))

        def run_table(run_id: str, part: str, offset: int | None) -> pa.Table | None:
            """A run's batch in the job's schema; None for a run with no rows here."""
            if offset is None:
                return None
            table = _place_coordinates(reader.table(part, offset, run_id), coords, schema)
            return _conform(table, schema)

        # each run's batch is read (and decompressed) while the one before is written
        tables = _read_ahead(partial(run_table, run_id, *at) for run_id, at in located)
        with pq.ParquetWriter(tmp, schema, compression="zstd") as out:
            for (run_id, _), table in zip(located, tables, strict=True):
                if table is not None:
                    fresh.append(table)
                    rows += table.num_rows
                    if len(fresh) >= _COMPACT_EVERY:
                        compacted.append(pa.concat_tables(fresh).combine_chunks())
                        fresh = []
                if (compacted or fresh) and (rows >= group_rows or run_id == located[-1][0]):
                    out.write_table(
                        pa.concat_tables([*compacted, *fresh]), row_group_size=group_rows
                    )
                    compacted, fresh, rows = [], [], 0
        os.replace(tmp, target)
        return schema


def _read_ahead[T](reads: Iterable[Callable[[], T]]) -> Iterator[T]:
    """What each of ``reads`` returns, in order, the next one running in a thread while the
    caller works on the last: Arrow decompresses one run's batch without the GIL while the
    writer compresses the one before (one batch ahead, so memory grows by one run at most)."""
    with ThreadPoolExecutor(1) as thread:
        ahead: Future[T] | None = None
        for read in reads:
            current, ahead = ahead, thread.submit(read)
            if current is not None:
                yield current.result()
        if ahead is not None:
            yield ahead.result()


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A run's table in the job's schema: a column some runs lack (a summary that needs a
    longer horizon, say) is null there, and a column that was all missing takes its type."""
    if table.schema.equals(schema):
        return table
    present = set(table.column_names)
    columns = [
        table[field.name].cast(field.type)
        if field.name in present
        else pa.nulls(table.num_rows, field.type)
        for field in schema
    ]
    return pa.table(columns, schema=schema)


class _PartReader:
    """Random access to logged batches of the stream parts.

    Plain file reads, not memory maps: the batches are compressed, so a map saves no copy,
    and every mapped page read would count in the parent's resident memory until the end.
    """

    def __init__(self, parts: Path) -> None:
        self._parts = parts
        self._open: dict[str, tuple[pa.OSFile, pa.Schema]] = {}

    def __enter__(self) -> _PartReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for source, _ in self._open.values():
            source.close()

    def _source(self, part: str) -> tuple[pa.OSFile, pa.Schema]:
        if part not in self._open:
            path = self._parts / part
            if not PART_NAME.match(part) or not path.is_file():
                raise CorruptResultsError(
                    f"{path} is logged in {STATUS} but missing: the folder cannot be "
                    "consolidated; rerun the job into a new --out"
                )
            source = pa.OSFile(str(path))
            self._open[part] = (source, pa.ipc.read_schema(pa.ipc.read_message(source)))
        return self._open[part]

    def schema(self, part: str) -> pa.Schema:
        return self._source(part)[1]

    def table(self, part: str, offset: int, run_id: str) -> pa.Table:
        """The batch logged for ``run_id`` at ``offset`` of ``part``, checked to be its own."""
        source, schema = self._source(part)
        try:
            source.seek(offset)
            batch = pa.ipc.read_record_batch(pa.ipc.read_message(source), schema)
            found = batch.column(0)[0].as_py() if batch.num_rows else run_id
        except (EOFError, OSError, pa.ArrowInvalid) as error:
            found = f"unreadable ({error})"
        if found != run_id:
            raise CorruptResultsError(
                f"{self._parts / part}: the data of run {run_id} logged in {STATUS} is "
                f"{found}; delete that run's lines from {STATUS} and resume to make it again"
            )
        return pa.Table.from_batches([batch])


def data_dictionary(schemas: dict[str, pa.Schema], varied: list[str] | None = None) -> str:
    """DATA.md: every column of every table with its stored type, unit and meaning;
    ``varied`` names a sweep's design point columns."""
    lines = [
        "# Data dictionary",
        "",
        "Tables of this results folder, as written by coprod. Read them with "
        "`coprod.load(path)` (pandas dtypes documented in `coprod.Results`) "
        "or with any Parquet reader. `manifest.json` records the job, every run's seed and "
        "the timing; `status.jsonl` logs every finished or failed run (with its error). "
        "The model is described in coprod's `docs/ODD.md`.",
    ]
    if varied:
        lines += ["", SWEPT.format(columns=", ".join(f"`{name}`" for name in varied))]
    for name, schema in schemas.items():
        lines += [
            "",
            f"## {name}.parquet",
            "",
            f"Rows: {ROWS[name]}.",
            "",
            "| column | type | unit | meaning |",
            "|---|---|---|---|",
        ]
        for field in schema:
            unit, meaning = _describe(name, field.name, varied or [])
            lines.append(f"| `{field.name}` | {field.type} | {unit} | {meaning} |")
    return "\n".join(lines) + "\n"


SWEPT = (
    "A sweep: every table carries the design point's value of each varied parameter "
    "({columns}) in every row, the baseline's rows too, so a plain `groupby` on one of them "
    "pairs each baseline run with its design point. The baseline itself ran with its own "
    "policy levers: those are in `manifest.json` under `scenarios`."
)
# Where the model description (docs/ODD.md) tells what the specification's sections did.
ODD_SECTION = {"2": "2", "3": "7", "4": "3", "5": "8", "6": "9", "7": "1", "8": "4", "9": "10"}


def shipped_source(text: str) -> str:
    """A parameter's source as a reader of a results folder can follow it: the specification
    is not shipped, so its sections are pointed to in ``docs/ODD.md``, which documents them."""
    text = text.replace("MODEL.md v1.2 prototype default", "prototype default")
    return re.sub(
        r"MODEL\.md( s\.| section) (\d+)",
        lambda m: f"docs/ODD.md section {ODD_SECTION.get(m.group(2), '14')}",
        text,
    )


def _describe(table: str, column: str, varied: list[str]) -> tuple[str, str]:
    """Unit and meaning of one column, from the module that defines it."""
    from coprod.simulation.model import SUMMARY_WEEKS
    from coprod.simulation.outputs import AGENT_COLUMNS, METRICS, SURVEY_QUESTIONS
    from coprod.simulation.params import PARAMETER_NAMES, describe

    if column in KEYS:
        return KEYS[column]
    if column in PARAMETER_NAMES and (table == "runs" or column in varied):
        doc = describe(column)
        kind = "Design point value of the varied parameter" if column in varied else "Parameter"
        meaning = shipped_source(f"{kind}: {doc['meaning']} (source: {doc['source']})")
        return doc["unit"], meaning
    if table == "runs":
        return _describe_summary(column, METRICS, SURVEY_QUESTIONS, SUMMARY_WEEKS)
    docs = {"timeseries": METRICS, "agents": AGENT_COLUMNS}.get(table, {})
    if column in docs:
        return docs[column]
    if table == "survey" and column in SURVEY_QUESTIONS:
        return "bool", SURVEY_QUESTIONS[column]
    return "?", "Not documented in simulation/outputs.py"


def _describe_summary(
    column: str,
    metrics: dict[str, tuple[str, str]],
    questions: dict[str, str],
    weeks: int,
) -> tuple[str, str]:
    """Unit and meaning of a run summary, read from the metric or question it summarises."""
    period, _, metric = column.partition("_")
    if period in ("early", "end") and metric in metrics:
        unit, meaning = metrics[metric]
        when = f"weeks 1-{weeks}" if period == "early" else f"the last {weeks} weeks"
        return unit, f"{meaning}: mean over {when} of the policy"
    if column == "total_cost":
        return "GBP", "Cost over the whole horizon (`cost_cumulative` at the last week)"
    base = column.removeprefix("survey_").removesuffix("_users")
    over = "participating users" if column.endswith("_users") else "participants"
    if column.startswith("survey_") and base == "participants":
        return "people", f"Survey denominator: {over} at `survey_week`"
    if column.startswith("survey_") and base in questions:
        return "share", f"Survey: {questions[base]}; share of {over}"
    return "?", "Run summary not documented in simulation/outputs.py"

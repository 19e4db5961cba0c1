"""The results folder's files: the status log after a crash, consolidation that does not depend
on arrival order or schema changes, and damage that is named rather than ignored."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import TINY, tiny_job

from coprod.experiments.jobs.results import consolidate
from coprod.experiments.jobs.runner import plan_runs
from coprod.experiments.jobs.storage import (
    TABLES,
    CorruptResultsError,
    ResultsFolder,
    system_memory,
    write_json_atomic,
)
from coprod.experiments.jobs.worker import execute
from coprod.simulation.params import Params


def entry(run_id: str, status: str = "done") -> str:
    return json.dumps({"run_id": run_id, "status": status}) + "\n"


@pytest.mark.parametrize("torn", ['{"run_id": "c", "sta', '{"run_id": "c", "sta\n'])
def test_a_torn_last_status_line_is_dropped_and_cut_off(torn, tmp_path):
    folder = ResultsFolder(tmp_path)
    whole = entry("a") + entry("b", "failed") + entry("a", "done")
    folder.status.write_text(whole + torn)
    status = folder.recover_status()
    assert status == {
        "a": {"run_id": "a", "status": "done"},
        "b": {"run_id": "b", "status": "failed"},
    }
    assert folder.status.read_text() == whole  # the next line starts on a line of its own


def test_a_damaged_line_before_the_last_is_skipped_with_a_warning(tmp_path, capsys):
    """A garbage line mid-log costs the run it stood for, never the finished runs around it."""
    folder = ResultsFolder(tmp_path)
    folder.status.write_text(entry("a") + "garbage\n" + entry("b"))
    assert set(folder.recover_status()) == {"a", "b"}
    assert "line(s) 2 are not status entries" in capsys.readouterr().err
    assert folder.status.read_text() == entry("a") + "garbage\n" + entry("b")  # nothing cut


def test_the_manifest_is_replaced_whole_or_not_at_all(tmp_path):
    path = tmp_path / "manifest.json"
    write_json_atomic(path, {"state": "running"})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"state": object()})
    assert json.loads(path.read_text()) == {"state": "running"}


def outputs_of_mixed_horizons():
    """Runs whose tables differ in shape: the short scenario has no survey and fewer summaries."""
    scenarios = {"long": Params(**TINY), "short": Params(**{**TINY, "weeks": 10})}
    specs = plan_runs(scenarios, 2, 5)
    return specs, {spec.run_id: execute(spec) for spec in specs}


def write_and_consolidate(folder: ResultsFolder, specs, outputs, order) -> dict:
    folder.create()
    with folder.writer(0) as writer:
        status = {
            spec.run_id: writer.record(
                {"run_id": spec.run_id, "status": "done"}, outputs[spec.run_id].tables
            )
            for spec in order
        }
    consolidate(folder, [(spec.run_id, status[spec.run_id]) for spec in specs])
    return status


def test_consolidated_files_do_not_depend_on_arrival_order(tmp_path):
    specs, outputs = outputs_of_mixed_horizons()
    assert all(output.ok for output in outputs.values())
    shuffled = specs[:]
    random.Random(3).shuffle(shuffled)
    assert shuffled != specs
    first = ResultsFolder(tmp_path / "in-order")
    second = ResultsFolder(tmp_path / "shuffled")
    write_and_consolidate(first, specs, outputs, specs)
    write_and_consolidate(second, specs, outputs, shuffled)
    assert len(list(second.parts.glob("runs-*"))) > 1  # the schema changed on the way
    for name in TABLES:
        assert first.table(name).read_bytes() == second.table(name).read_bytes(), name

    runs = pq.read_table(first.table("runs")).to_pandas()
    assert list(runs["run_id"]) == [spec.run_id for spec in specs]
    short_run = next(spec.run_id for spec in specs if spec.scenario == "short")
    own = pa.ipc.open_stream(outputs[short_run].tables["runs"]).schema.names
    extra = [column for column in runs.columns if column not in own]
    assert extra  # summaries only a longer horizon has, e.g. the survey's
    short = runs["scenario"] == "short"
    assert runs.loc[short, extra].isna().all().all()
    assert runs.loc[~short, extra].notna().all().all()
    survey = pq.read_table(first.table("survey")).to_pandas()
    assert set(survey["scenario"]) == {"long"} and survey["participant"].dtype == bool


def test_a_run_logged_done_whose_data_is_torn_is_named(tmp_path):
    specs, _ = tiny_job(replicates=1)
    outputs = {spec.run_id: execute(spec) for spec in specs}
    folder = ResultsFolder(tmp_path / "results")
    status = write_and_consolidate(folder, specs, outputs, specs)
    torn = specs[-1].run_id
    part = folder.parts / status[torn]["parts"]["agents"][0]
    part.write_bytes(part.read_bytes()[:-200])
    with pytest.raises(CorruptResultsError) as error:
        consolidate(folder, [(spec.run_id, status[spec.run_id]) for spec in specs])
    assert part.name in str(error.value) and torn in str(error.value)


def test_loading_leaves_arrow_s_default_memory_pool_as_it_was(tmp_path):
    """The tables are read (and a worker's packed) through the system allocator
    (``storage.system_memory``), and the caller's default pool comes back afterwards, an
    error or not."""
    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), system_memory():
        assert pa.default_memory_pool().backend_name == "system"
        raise RuntimeError("a failed read")
    assert pa.default_memory_pool().backend_name == before

"""``coprod.load``: the documented dtypes and row order, the data dictionary, and clear
errors for folders that are not finished results."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import REPLICATES, tiny_job

import coprod
from coprod.experiments.jobs.results import IncompleteResultsError
from coprod.experiments.jobs.storage import TABLES, CorruptResultsError
from coprod.simulation.errors import CoprodError
from coprod.simulation.outputs import AGENT_COLUMNS, METRICS, SURVEY_QUESTIONS
from coprod.simulation.params import PARAMETER_NAMES


def test_load_gives_the_documented_dtypes(reference):
    results = coprod.load(reference)
    job_order = ["traditional", "timebank"]
    for name in TABLES:
        frame = getattr(results, name)
        assert len(frame), name
        assert list(frame.columns[:3]) == ["run_id", "scenario", "replicate"]
        assert isinstance(frame["scenario"].dtype, pd.CategoricalDtype)
        assert list(frame["scenario"].cat.categories) == job_order
        assert frame["replicate"].dtype == "int64"
        assert frame["run_id"].dtype == pd.StringDtype()
    for name in ("timeseries", "agents"):
        assert getattr(results, name)["week"].dtype == "int64"
    for name in ("agents", "survey"):
        kinds = getattr(results, name)["agent_type"]
        assert isinstance(kinds.dtype, pd.CategoricalDtype)
        assert list(kinds.cat.categories) == sorted(kinds.cat.categories)
    assert results.runs["seed"].dtype == pd.StringDtype()
    assert results.manifest["state"] == "complete"


def test_rows_are_in_job_order_with_every_parameter_and_output(reference):
    results = coprod.load(reference)
    runs = results.runs
    specs, _ = tiny_job()
    assert list(runs["run_id"]) == [spec.run_id for spec in specs]
    assert set(PARAMETER_NAMES) <= set(runs.columns)
    assert runs.loc[runs["scenario"] == "timebank", "reciprocity"].eq("timebank").all()
    summaries = list(runs.columns[runs.columns.get_loc(PARAMETER_NAMES[-1]) + 1 :])
    assert summaries and all(runs[column].dtype == "float64" for column in summaries)
    timeseries = results.timeseries
    assert set(METRICS) <= set(timeseries.columns)
    assert len(timeseries) == len(specs) * (specs[0].params["weeks"] + 1)
    keys = ["scenario", "replicate", "week"]
    assert timeseries[keys].equals(timeseries.sort_values(keys)[keys])
    assert set(AGENT_COLUMNS) <= set(results.agents.columns)
    assert set(SURVEY_QUESTIONS) <= set(results.survey.columns)
    assert results.survey.groupby("run_id", observed=True).ngroups == 2 * REPLICATES


def test_the_data_dictionary_documents_every_column(reference):
    text = (reference / "DATA.md").read_text()
    for name in TABLES:
        section = text.split(f"## {name}.parquet")[1].split("\n## ")[0]
        documented = re.findall(
            r"^\| `([^`]+)` \| [^|]+ \| ([^|]+) \| ([^|]+) \|$", section, flags=re.MULTILINE
        )
        columns = pq.read_schema(reference / f"{name}.parquet").names
        assert [column for column, _, _ in documented] == columns, name
        undocumented = [column for column, unit, _ in documented if unit.strip() == "?"]
        assert not undocumented, (name, undocumented)


def test_load_refuses_what_is_not_a_results_folder(tmp_path):
    with pytest.raises(CoprodError, match="not a results folder"):
        coprod.load(tmp_path / "missing")
    with pytest.raises(CoprodError, match=r"manifest\.json"):
        coprod.load(tmp_path)


def test_load_refuses_an_unfinished_job_and_says_to_resume(reference, tmp_path):
    manifest = json.loads((reference / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "state": "running"}))
    with pytest.raises(IncompleteResultsError, match="--resume"):
        coprod.load(tmp_path)


def test_a_table_replaced_by_another_is_named(reference, tmp_path):
    """A timeseries.parquet that is really the runs table used to load without a word."""
    out = tmp_path / "results"
    shutil.copytree(reference, out)
    shutil.copy(out / "runs.parquet", out / "timeseries.parquet")
    with pytest.raises(CorruptResultsError, match=r"timeseries\.parquet is not a timeseries table"):
        coprod.load(out)

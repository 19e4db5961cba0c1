"""write_csv: every table of a results folder as CSV, with the same rows and columns."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

import coprod
from coprod.experiments.jobs.storage import TABLES
from coprod.experiments.reports.csv_tables import write_csv


def test_every_table_is_written_with_its_rows_and_columns(reference, tmp_path):
    results = coprod.load(reference)
    paths = write_csv(results, tmp_path)
    assert paths == [tmp_path / "csv" / f"{name}.csv" for name in TABLES]
    for name, path in zip(TABLES, paths, strict=True):
        table = getattr(results, name)
        back = pd.read_csv(path, dtype={"seed": str})
        assert list(back.columns) == list(table.columns), name
        assert len(back) == len(table) > 0, name
        assert back["run_id"].tolist() == table["run_id"].tolist(), name
    runs = pd.read_csv(paths[0], dtype={"seed": str})
    assert runs["seed"].tolist() == results.runs["seed"].tolist()  # 128-bit seeds intact
    pd.testing.assert_series_equal(
        pd.read_csv(paths[1])["wellbeing_mean"], results.timeseries["wellbeing_mean"]
    )


def test_an_empty_table_is_its_header(reference, tmp_path):
    results = coprod.load(reference)
    thin = replace(results, agents=results.agents.iloc[:0])
    path = write_csv(thin, tmp_path)[TABLES.index("agents")]
    assert path.read_text().strip() == ",".join(results.agents.columns)

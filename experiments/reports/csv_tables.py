"""The tables of a results folder as CSV, for readers without a Parquet library (a
spreadsheet, R's base reader).

Parquet stays the record: CSV loses the dtypes (categories, 128-bit seeds as text) that
``coprod.load`` restores, so these files are a copy for reading, written from the loaded
``Results`` and never read back by coprod.
"""

from __future__ import annotations

from pathlib import Path

from coprod.experiments.jobs.results import Results
from coprod.experiments.jobs.storage import TABLES

FOLDER = "csv"


def write_csv(results: Results, out: str | Path) -> list[Path]:
    """Write each table of ``results`` to ``out/csv/<table>.csv`` (an empty table as its header
    alone, so every folder has the same files); return the paths in table order."""
    folder = Path(out) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in TABLES:
        path = folder / f"{name}.csv"
        getattr(results, name).to_csv(path, index=False)
        paths.append(path)
    return paths

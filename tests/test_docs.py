"""docs/ODD.md stays true to the parameter schema: its table is the schema's, never retyped."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from coprod.simulation.outputs import METRICS, SURVEY_QUESTIONS
from coprod.simulation.paramdoc import END, REGENERATE, START, block, markdown_table, replace_block
from coprod.simulation.params import PARAMETER_NAMES
from coprod.simulation.scenario import shipped_scenarios

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def test_odd_parameter_table_matches_the_schema():
    text = ODD.read_text(encoding="utf-8")
    assert block(text) == markdown_table(), (
        f"docs/ODD.md's parameter table differs from simulation/params.py; run `{REGENERATE}`"
    )


def test_table_lists_every_parameter_once():
    table = markdown_table()
    for name in PARAMETER_NAMES:
        assert table.count(f"| `{name}` |") == 1, name


def test_replace_block_rewrites_only_the_block():
    text = f"before\n{START}\nstale\n{END}\nafter\n"
    new = replace_block(text)
    assert new.startswith(f"before\n{START}\n") and new.endswith(f"{END}\nafter\n")
    assert block(new) == markdown_table()
    assert replace_block(new) == new


def test_missing_markers_are_an_error():
    with pytest.raises(ValueError):
        block("no markers here")


def test_every_output_is_documented():
    text = ODD.read_text(encoding="utf-8")
    for name in (*METRICS, *SURVEY_QUESTIONS):
        assert f"`{name}`" in text, f"docs/ODD.md does not describe output `{name}`"


def test_scenario_table_matches_the_files():
    """Each shipped scenario has a row naming what it extends and every key its file sets."""
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in ODD.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }
    for name, path in shipped_scenarios().items():
        assert name in rows, f"docs/ODD.md has no scenario row for `{name}`"
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        cells = [cell.strip() for cell in rows[name].split("|")]
        assert cells[2] == raw.get("extends", "(defaults)"), name
        for key, value in raw.items():
            if key not in ("description", "extends"):
                shown = json.dumps(value) if isinstance(value, str) else repr(value)
                assert f"`{key} = {shown}`" in cells[3], f"{name}: {key} = {shown}"


def test_calibration_doc_quotes_the_shipped_calibrated_values():
    """docs/CALIBRATION.md's fitted values are those of the shipped base and scenario."""
    root = ODD.parents[1]
    doc = (root / "docs" / "CALIBRATION.md").read_text(encoding="utf-8")
    base = tomllib.loads((root / "scenarios/calibrated/calibrated_base.toml").read_text())
    base.pop("description")
    bank = tomllib.loads((root / "scenarios/calibrated/timebank_calibrated.toml").read_text())
    assert bank["extends"] == "timebank" and {k: bank[k] for k in base} == base
    for name, value in base.items():
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{name}` |"))
        assert f"**{value}**" in row, (name, value, row)

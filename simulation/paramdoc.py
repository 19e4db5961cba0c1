"""The parameter table of ``docs/ODD.md``, rendered from the schema (never retyped).

``markdown_table()`` renders every field of :class:`coprod.simulation.params.Params` through
:func:`coprod.simulation.params.describe`, one table per ``group`` in schema order, with the columns
name | default | unit | range | meaning | source. ``docs/ODD.md`` holds it between the marker
lines :data:`START` and :data:`END`; ``tests/test_docs.py`` fails when the two differ.

Regenerate the block in place with::

    python -m coprod.simulation.paramdoc docs/ODD.md

Without a path the table is printed.
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from typing import Any

from coprod.simulation.commissioning import COMMISSIONING_RULES
from coprod.simulation.params import PARAMETER_NAMES, Params, describe
from coprod.simulation.rules import POWER_RULES, RECIPROCITY_RULES

START = "<!-- params:start -->"
END = "<!-- params:end -->"
REGENERATE = "python -m coprod.simulation.paramdoc docs/ODD.md"

#: Rule parameters take a name from a registry rather than a number from a range.
RULE_NAMES: dict[str, tuple[str, ...]] = {
    "power_rule": tuple(POWER_RULES),
    "reciprocity": tuple(RECIPROCITY_RULES),
    "commissioning": tuple(COMMISSIONING_RULES),
}

HEADER = "| name | default | unit | range | meaning | source |\n|---|---|---|---|---|---|"


def _number(value: Any, sep: str = ",") -> str:
    """A number as a reader writes it: ``0.05``, ``20``, ``1,000,000`` (``sep=""``: no commas,
    for bounds written as intervals)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value == int(value) and abs(value) >= 1000:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", sep)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("*", "\\*").replace("\n", " ")


def _default(info: dict[str, Any]) -> str:
    """The default as written in a scenario file."""
    value = info["default"]
    if isinstance(value, str):
        return f'`"{value}"`'
    return _number(value)


def _range(name: str, info: dict[str, Any]) -> str:
    """Allowed values: an interval, or the names a rule or choice accepts."""
    if name in RULE_NAMES:
        return ", ".join(f"`{rule}`" for rule in RULE_NAMES[name])
    annotation = Params.model_fields[name].annotation
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(f"`{choice}`" for choice in typing.get_args(annotation))
    low, high = info["min"], info["max"]
    if low is None and high is None:
        return ""
    left = "(" if info["min_exclusive"] else "["
    lower = _number(low, sep="") if low is not None else "-inf"
    upper = f"{_number(high, sep='')}]" if high is not None else "inf)"
    return f"{left}{lower}, {upper}"


def groups() -> dict[str, list[str]]:
    """Parameter names by group, groups in the order they first appear in the schema."""
    out: dict[str, list[str]] = {}
    for name in PARAMETER_NAMES:
        out.setdefault(describe(name)["group"] or "other", []).append(name)
    return out


def markdown_table() -> str:
    """Every parameter, one Markdown table per group (a ``####`` heading above each)."""
    parts: list[str] = []
    for group, names in groups().items():
        rows = [HEADER]
        for name in names:
            info = describe(name)
            cells = (
                f"`{name}`",
                _default(info),
                _cell(info["unit"]),
                _range(name, info),
                _cell(info["meaning"]),
                _cell(info["source"]),
            )
            rows.append("| " + " | ".join(cells) + " |")
        parts.append(f"#### {group} ({len(names)})\n\n" + "\n".join(rows))
    return "\n\n".join(parts) + "\n"


def block(text: str) -> str:
    """The text between the marker lines of a document, without the blank lines around it."""
    if START not in text or END not in text.split(START, 1)[1]:
        raise ValueError(f"no '{START}' ... '{END}' block")
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def replace_block(text: str, table: str | None = None) -> str:
    """The document with its marker block rewritten to hold ``table`` (the current one)."""
    block(text)  # raise if the markers are missing
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    table = markdown_table() if table is None else table
    return f"{before}{START}\n\n{table.strip(chr(10))}\n\n{END}{after}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the parameter block of each file given, or print the table."""
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        sys.stdout.write(markdown_table())
        return 0
    for arg in paths:
        path = Path(arg)
        try:
            text = path.read_text(encoding="utf-8")
            new = replace_block(text)
        except (OSError, ValueError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"{path}: parameter table rewritten")
        else:
            print(f"{path}: parameter table already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

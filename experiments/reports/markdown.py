"""GitHub Markdown tables, for every report page (pandas' ``to_markdown`` needs tabulate,
which is not a dependency)."""

from __future__ import annotations


def md_rows(rows: list[list[str]]) -> str:
    """Rows of a Markdown table; a ``|`` inside a cell becomes ``/``."""
    return "\n".join("| " + " | ".join(str(c).replace("|", "/") for c in r) + " |" for r in rows)


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table: the header, its rule, the rows."""
    return md_rows([header, ["---"] * len(header), *rows])

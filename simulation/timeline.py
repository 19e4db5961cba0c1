"""Policy timelines (MODEL.md section 10.6): lever changes at given weeks of a run.

A scenario may list ``[[timeline]]`` entries, each a ``week`` and the policy levers that
change at the start of that week (a cut from week 26, a time bank whose funding ends at week
78). They travel in ``Params.timeline`` as a list of plain dicts, so they reach the manifest
and the workers unchanged; only policy levers (the schema's ``levers`` group) may change, since
a change of the world itself would not be a policy. A scenario that ``extends`` another and
lists a timeline replaces its parent's timeline as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: The key of an entry that is not a lever.
WEEK = "week"


def lever_names(levers: Iterable[str]) -> tuple[str, ...]:
    """The levers a timeline may change: every policy lever (the schema's ``levers`` group,
    given by the caller, so this module needs no schema) but the timeline itself."""
    return tuple(name for name in levers if name != "timeline")


def label(index: int, entry: dict[str, Any]) -> str:
    """How a problem names its entry: ``[[timeline]] entry 2 (week 26)``."""
    week = entry.get(WEEK)
    return f"[[timeline]] entry {index + 1}" + (f" (week {week})" if _is_week(week) else "")


def shape_problems(
    entries: list[dict[str, Any]], weeks: int | None, policy: Iterable[str]
) -> list[str]:
    """Problems of the entries' shape: a whole-number week within 1..``weeks`` (when known),
    at least one key, every key one of the ``policy`` levers, no week twice. Values are
    checked apart."""
    problems: list[str] = []
    levers = lever_names(policy)
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        name, week = label(index, entry), entry.get(WEEK)
        if not _is_week(week):
            problems.append(f"{name}: `week` = {week!r} must be a whole number of weeks >= 1.")
        elif weeks is not None and week > weeks:
            problems.append(f"{name}: week {week} is beyond the horizon (weeks = {weeks}).")
        elif week in seen:
            problems.append(f"{name}: week {week} has an entry already; merge the two.")
        else:
            seen.add(week)
        keys = [key for key in entry if key != WEEK]
        if not keys:
            problems.append(f"{name}: changes no lever; add one of {', '.join(levers)}.")
        problems += [
            f"{name}: `{key}` is not a policy lever; a timeline changes only {', '.join(levers)}."
            for key in keys
            if key not in levers
        ]
    return problems


def changes_by_week(entries: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Week -> the levers that change at its start."""
    return {entry[WEEK]: {k: v for k, v in entry.items() if k != WEEK} for entry in entries}


def _is_week(value: Any) -> bool:
    """A whole number (not a bool) of at least 1."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1

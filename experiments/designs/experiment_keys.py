"""Checks of each key and table of an experiment file (``coprod.experiments.designs.experiment``).

Each check appends its problems, worded like scenario files' errors (the key, the value, what
the schema allows), to a list, so that a file's problems are reported together; a value
that fails comes back as None or its default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coprod.experiments.designs.design import DESIGNS, Dimension, Range
from coprod.simulation.params import PARAMETER_NAMES, Params, describe
from coprod.simulation.scenario import (
    _allowed,
    _did_you_mean,
    _explain,
    _show,
    _unknown_key,
    shipped_scenarios,
)

KEYS = ("description", "base", "baseline", "design", "samples", "replicates", "steps", "seed")
TABLES = ("vary", "fixed", "record")
RANGE_KEYS = ("min", "max", "steps", "log")
RECORD_DEFAULTS: dict[str, Any] = {"every": 1, "agents": False, "survey": True}


def top_level(raw: dict[str, Any], problems: list[str]) -> None:
    """Unknown top-level keys; a parameter there belongs in [fixed] or [vary]."""
    for key in raw:
        if key in PARAMETER_NAMES:
            problems.append(
                f"`{key}` is a parameter: put it under [fixed] (one value for every run) or "
                "[vary] (a range or a list)."
            )
        elif key not in KEYS + TABLES:
            problems.append(f"`{key}` is not an experiment key.{_did_you_mean(key, KEYS + TABLES)}")


def design_name(raw: dict[str, Any], problems: list[str]) -> str | None:
    """The design's name (default grid); None for an unknown one, whose design-specific
    checks are then skipped (one typo, one message)."""
    name = raw.get("design", "grid")
    if name not in DESIGNS:
        problems.append(
            f"`design` = {_show(name)} is not a design; choose one of {', '.join(DESIGNS)}."
            + _did_you_mean(str(name), DESIGNS)
        )
        return None
    return name


def vary(raw: dict[str, Any], design: str | None, problems: list[str]) -> dict[str, Dimension]:
    """The ``[vary]`` section: each parameter's checked range or list."""
    if not raw.get("vary"):
        problems.append("[vary] is missing or empty: name at least one parameter to vary.")
    return {
        key: dim
        for key, value in section(raw, "vary", problems).items()
        if (dim := dimension(key, value, design, problems)) is not None
    }


def whole(
    table: dict[str, Any],
    key: str,
    default: int | None,
    problems: list[str],
    minimum: float,
    maximum: float | None = None,
    where: str = "",
) -> int | None:
    """A whole-number setting within bounds, or its default (and a problem)."""
    if key not in table:
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        pass
    elif maximum is None or value <= maximum:
        return value
    bounds = f"at least {minimum:g}" + (f" and at most {maximum:g}" if maximum else "")
    problems.append(f"{where}`{key}` = {_show(value)} must be a whole number {bounds}.")
    return default


def samples(raw: dict[str, Any], design: str | None, problems: list[str]) -> int | None:
    """The number of points of a sampled design (a grid has none of its own)."""
    if design is None:
        return None
    if design not in DESIGNS[1:]:
        if "samples" in raw:
            problems.append(
                "`samples` is for latin_hypercube and sobol designs: a grid's points are "
                "every combination of the values in [vary]."
            )
        return None
    if "samples" not in raw:
        problems.append(f"a {design} design needs `samples`: how many design points to draw.")
        return None
    samples = whole(raw, "samples", None, problems, minimum=1)
    if design == "sobol" and samples and samples & (samples - 1):
        low = 1 << (samples.bit_length() - 1)
        problems.append(
            f"`samples` = {samples}: a sobol design keeps its balance only with a power of two "
            f"of points (scipy.stats.qmc.Sobol); use {low} or {2 * low}."
        )
    return samples


def section(raw: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    """An optional ``[key]`` section."""
    value = raw.get(key, {})
    if isinstance(value, dict):
        return value
    problems.append(f"`{key}` must be a table: a [{key}] section with one key per line.")
    return {}


def record(table: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """What each run records, defaults filled in."""
    record = dict(RECORD_DEFAULTS)
    for key, value in table.items():
        if key not in RECORD_DEFAULTS:
            problems.append(
                f"[record] `{key}` is not a record option (every, agents, survey)."
                + _did_you_mean(key, RECORD_DEFAULTS)
            )
        elif key == "every":
            record[key] = whole(table, key, 1, problems, minimum=1, where="[record] ")
        elif isinstance(value, bool):
            record[key] = value
        else:
            problems.append(f"[record] `{key}` = {_show(value)} must be true or false.")
    return record


def fixed(table: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The ``[fixed]`` parameter values, each checked against the schema."""
    known = {key: value for key, value in table.items() if key in PARAMETER_NAMES}
    problems += [f"[fixed] {_unknown_key(key, PARAMETER_NAMES)}" for key in table.keys() - known]
    problems += [f"[fixed] {problem}" for problem in value_problems(known)]
    return known


def value_problems(values: dict[str, Any]) -> list[str]:
    """What is wrong with some parameter values, worded as scenario files' errors are."""
    try:
        Params.model_validate(values, strict=True)
    except ValidationError as exc:
        return [_explain(error, values) for error in exc.errors()]
    return []


def dimension(key: str, value: Any, design: str | None, problems: list[str]) -> Dimension | None:
    """How ``[vary]`` varies one parameter: a checked range or list (None after a problem)."""
    if key not in PARAMETER_NAMES:
        problems.append(f"[vary] {_unknown_key(key, PARAMETER_NAMES)}")
    elif isinstance(value, list):
        count = len(problems)
        if not value:
            problems.append(f"[vary] `{key}` is an empty list.")
        problems += [f"[vary] {p}" for item in value for p in value_problems({key: item})]
        if len({_show(item) for item in value}) < len(value):
            problems.append(f"[vary] `{key}` lists a value twice.")
        return tuple(value) if len(problems) == count else None
    elif isinstance(value, dict):
        return _range(key, value, design, problems)
    else:
        problems.append(
            f"[vary] `{key}` = {_show(value)} must be a range {{min = ..., max = ...}} or a "
            "list of values; a single value goes under [fixed]."
        )
    return None


def _range(
    key: str, table: dict[str, Any], design: str | None, problems: list[str]
) -> Range | None:
    """A checked range: numbers within the parameter's schema bounds, min below max."""
    where, count = f"[vary] `{key}`", len(problems)
    annotation = Params.model_fields[key].annotation
    if annotation not in (int, float):
        problems.append(
            f"{where} is not a number, so it takes a list, not a range. {_allowed(key)}"
        )
        return None
    problems += [
        f"{where}: `{k}` is not a range key (min, max, steps, log).{_did_you_mean(k, RANGE_KEYS)}"
        for k in table
        if k not in RANGE_KEYS
    ]
    lo, hi, steps, log = (table.get(k) for k in RANGE_KEYS)
    typed = len(problems)
    for end, value in (("min", lo), ("max", hi)):
        if isinstance(value, bool) or not isinstance(
            value, int if annotation is int else float | int
        ):
            kind = "a whole number" if annotation is int else "a number"
            problems.append(f"{where}: `{end}` = {_show(value)} must be {kind}. {_allowed(key)}")
    if len(problems) > typed:
        return None
    info = describe(key)
    below = info["min"] is not None and (
        lo < info["min"] or (info["min_exclusive"] and lo == info["min"])
    )
    if below or (info["max"] is not None and hi > info["max"]):
        problems.append(
            f"{where}: min {lo:g} to max {hi:g} leaves the parameter's range. {_allowed(key)}"
        )
    if lo >= hi:
        problems.append(f"{where}: min ({lo:g}) must be less than max ({hi:g}).")
    if log is not None and not isinstance(log, bool):
        problems.append(f"{where}: `log` = {_show(log)} must be true or false.")
    elif log and lo <= 0:
        problems.append(f"{where}: `log = true` needs min above 0, not {lo:g}.")
    if design is None:
        pass
    elif design != "grid" and steps is not None:
        problems.append(
            f"{where}: `steps` is for the grid design; {design} draws from the whole range."
        )
    elif design == "grid":
        whole(table, "steps", None, problems, minimum=2, where=f"{where}: ")
        if steps is None:
            problems.append(f"{where}: a grid needs `steps`, how many values from min to max.")
    if len(problems) > count:
        return None
    dim = Range(lo, hi, steps, bool(log), whole=annotation is int)
    if design == "grid" and len(set(dim.grid())) < steps:
        problems.append(
            f"{where}: {steps} steps from {lo} to {hi} repeat whole numbers; use at most "
            f"{hi - lo + 1} steps, or a list."
        )
    return dim


def scenarios(raw: dict[str, Any], path: Path, problems: list[str]) -> list[str | Path]:
    """Where the baseline (first) and the base scenarios are: shipped names or files."""
    base, baseline = raw.get("base"), raw.get("baseline")
    if base is None:
        problems.append('`base` is missing: the scenario(s) to sweep, e.g. base = "timebank".')
        base = []
    elif isinstance(base, str):
        base = [base]
    elif not (isinstance(base, list) and base and all(isinstance(n, str) for n in base)):
        problems.append("`base` must be a scenario name or path in quotes, or a list of them.")
        base = []
    if baseline is not None and not isinstance(baseline, str):
        problems.append("`baseline` must be one scenario name or path in quotes.")
        baseline = None
    named = [("baseline", baseline)] if baseline is not None else []
    return [
        located
        for key, name in [*named, *(("base", name) for name in base)]
        if (located := _locate(path, key, name, problems)) is not None
    ]


def _locate(path: Path, key: str, name: str, problems: list[str]) -> str | Path | None:
    """A shipped scenario's name, or a scenario file relative to the experiment file."""
    shipped = shipped_scenarios()
    if name in shipped:
        return name
    target = path.parent / Path(name).expanduser()
    if target.is_file():
        return target
    problems.append(
        f'`{key}` = "{name}" is neither a shipped scenario ({", ".join(shipped)}) nor a file '
        f"({target}).{_did_you_mean(name, shipped)}"
    )
    return None

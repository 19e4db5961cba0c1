"""Scenario files: read, follow ``extends``, validate against the schema, apply ``--set``.

All file I/O of scenarios lives here, so that the model never sees a file, only ``Params``.
A scenario is a flat TOML file of parameter keys (MODEL.md section 6) plus two optional
keys of its own: ``description`` (plain words for the reader; every shipped file has one)
and ``extends`` (a shipped scenario's name, or a path relative to the extending file).
A scenario's name is its file's stem: a file cannot rename itself, so a name always tells
you which file to open. Keys a file sets override those of the scenario it extends.

Every mistake a user can make in a file becomes a :class:`ScenarioError` naming the file,
the key and what is allowed, worded from ``params.describe``; the raw pydantic text never
reaches the user. All problems of one file are reported together.
"""

from __future__ import annotations

import difflib
import json
import typing
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coprod.simulation.commissioning import COMMISSIONING_RULES
from coprod.simulation.errors import ScenarioError
from coprod.simulation.outputs import AGENT_COLUMNS, METRICS, SURVEY_QUESTIONS
from coprod.simulation.params import LEVERS, PARAMETER_NAMES, Params, describe
from coprod.simulation.rules import POWER_RULES, RECIPROCITY_RULES
from coprod.simulation.timeline import WEEK, label, lever_names, shape_problems
from coprod.simulation.toml_file import read_toml

SHIPPED_ORDER: tuple[str, ...] = (
    "traditional",
    "tokenistic",
    "coproduction",
    "timebank",
    "codesign",
    "austerity",
    "coproduction_austerity",
    "resistant_system",
    "peer_workforce",
)
"""The order scenarios are listed and compared in (MODEL.md section 6); other shipped
files follow alphabetically."""

FILE_KEYS = ("description", "extends")
OUTPUT_NAMES = frozenset(METRICS) | frozenset(AGENT_COLUMNS) | frozenset(SURVEY_QUESTIONS)
RULES: dict[str, dict[str, Any]] = {
    "power_rule": POWER_RULES,
    "reciprocity": RECIPROCITY_RULES,
    "commissioning": COMMISSIONING_RULES,
}
RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
KINDS = {str: "text", bool: "true/false", int: "a whole number", float: "a decimal number"}


@dataclass(frozen=True)
class Scenario:
    """One validated scenario: the parameters of a run and where they came from.

    ``overrides`` holds only the keys the file and the files it extends set (then any
    ``--set``), so a reader sees what makes this scenario differ from the defaults.
    """

    name: str
    description: str
    path: Path | None
    extends: str | None
    params: Params
    overrides: dict[str, Any]


def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario name -> file, in :data:`SHIPPED_ORDER`, found in the installed package."""
    folder = Path(str(files("coprod.scenarios")))
    found = {path.stem: path for path in folder.glob("*.toml")}
    order = [name for name in SHIPPED_ORDER if name in found]
    order += sorted(set(found) - set(order))
    return {name: found[name] for name in order}


def list_scenarios() -> list[tuple[str, str]]:
    """(name, description) of every shipped scenario, in the order of :func:`shipped_scenarios`."""
    return [(name, load_scenario(name).description) for name in shipped_scenarios()]


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a shipped scenario by name, or a user's ``.toml`` file by path.

    A plain string that names a shipped scenario wins over a file of that name in the
    working directory; write ``./traditional.toml`` to mean the file.
    """
    shipped = shipped_scenarios()
    if isinstance(name_or_path, str) and name_or_path in shipped:
        path = shipped[name_or_path]
    else:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            hint = _did_you_mean(str(name_or_path), shipped)
            raise ScenarioError(
                f"No shipped scenario or scenario file called '{name_or_path}'. "
                f"Shipped scenarios: {', '.join(shipped)}.{hint} "
                "Otherwise give the path of a .toml file."
            )
    values, description, extends = _read_chain(path, ())
    params = _validate(values, str(path))
    return Scenario(path.stem, description, path, extends, params, values)


def with_overrides(scenario: Scenario, assignments: list[str]) -> Scenario:
    """The scenario with ``key=value`` assignments (the CLI's ``--set``) applied and validated.

    A value is read by its parameter's type, so ``--set weeks=52`` is a whole number and
    ``--set power_rule=co_design`` needs no quotes; ``true``/``false`` only for yes/no keys.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for assignment in assignments:
        key, sep, text = (part.strip() for part in assignment.partition("="))
        if not sep or not key:
            problems.append(f"'{assignment}' is not of the form key=value.")
        elif key not in PARAMETER_NAMES:
            problems.append(_unknown_key(key, PARAMETER_NAMES))
        else:
            try:
                values[key] = _parse(key, text)
            except ValueError:
                problems.append(f"`{key}` = {text} is the wrong type. {_allowed(key)}")
    params = _validate({**scenario.params.model_dump(), **values}, "--set", problems)
    merged = {**scenario.overrides, **values}
    return Scenario(
        scenario.name, scenario.description, scenario.path, scenario.extends, params, merged
    )


def load_base(path: str | Path) -> dict[str, Any]:
    """The values of a base file: mechanisms that every scenario of a job rests on.

    A calibration writes its fitted values as a base (MODEL.md section 7, fact 6) so that every
    arm of a comparison lives in the same calibrated world and differs only in policy. A base
    is a flat file like a scenario, but it cannot ``extends`` (it lies beneath every scenario)
    nor set a policy lever (that would change what each scenario is).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise ScenarioError(f"--base {path}: no such file. Give the path of a base .toml file.")
    values, _, extends = _read_chain(path, ())
    if extends is not None:  # the levers it inherits would only repeat this
        raise ScenarioError(
            f'{path}: `extends` = "{extends}": a base cannot extend a scenario; it lies '
            "beneath every scenario of a job. Keep only mechanism values in it."
        )
    problems = [
        f"`{key}` is a policy lever ({describe(key)['meaning']}); a base holds only the world's "
        "mechanisms, shared by every scenario. Set levers in a scenario file or with --set."
        for key in values
        if key in LEVERS
    ]
    if problems:
        raise ScenarioError(_report(str(path), problems))
    return values


def with_base(scenario: Scenario, base: dict[str, Any]) -> Scenario:
    """The scenario resting on ``base`` instead of the schema's defaults: keys the scenario's
    own files set still win, and ``--set`` is applied after."""
    merged = {**base, **scenario.overrides}
    params = _validate(merged, str(scenario.path))
    return Scenario(
        scenario.name, scenario.description, scenario.path, scenario.extends, params, merged
    )


def _read_chain(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, Any], str, str | None]:
    """The keys set by ``path`` and the files it extends (child wins), its description and
    its ``extends``. Each file is checked on its own, so a problem is blamed on its file."""
    if path.resolve() in seen:
        cycle = " -> ".join(str(p) for p in (*seen, path.resolve()))
        raise ScenarioError(f"{seen[-1]}: `extends` makes a cycle: {cycle}.")
    raw = read_toml(path, ScenarioError, "scenario file")
    if not raw:
        raise ScenarioError(
            f"{path}: the file is empty: give it `extends` or at least one parameter "
            "(`coprod show traditional` lists them)."
        )

    problems: list[str] = []
    own: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "timeline":
            timeline_problems = _timeline_problems(value)
            problems += timeline_problems
            if not timeline_problems:
                own[key] = value
        elif isinstance(value, dict | list):
            kind = "a table" if isinstance(value, dict) else "a list"
            problems.append(
                f"`{key}` is {kind}; scenario files are flat: one `key = value` per line, "
                "no [sections], dotted keys or lists (only [[timeline]] entries)."
            )
        elif key in FILE_KEYS:
            if not isinstance(value, str):
                problems.append(f"`{key}` = {_show(value)} must be text in quotes.")
        elif key not in PARAMETER_NAMES:
            problems.append(_unknown_key(key, PARAMETER_NAMES + FILE_KEYS))
        else:
            own[key] = value
    # the timeline's weeks are checked against the horizon once the chain is merged
    _validate({k: v for k, v in own.items() if k != "timeline"}, str(path), problems)

    description, extends = raw.get("description", ""), raw.get("extends")
    if extends is None:
        return own, description, None
    parent_values, _, _ = _read_chain(_resolve_extends(path, extends), (*seen, path.resolve()))
    return {**parent_values, **own}, description, extends


def _timeline_problems(value: Any) -> list[str]:
    """What is wrong with a file's ``[[timeline]]`` entries, each problem naming its entry,
    key and what is allowed; the weeks' horizon is checked once the chain is merged."""
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        return [
            "`timeline` must be a list of [[timeline]] tables, each a `week = ...` and the "
            "levers that change that week (e.g. `capacity_factor = 0.8`)."
        ]
    problems = shape_problems(value, None, LEVERS)
    for index, entry in enumerate(value):
        levers = {k: v for k, v in entry.items() if k != WEEK and k in lever_names(LEVERS)}
        try:
            Params.model_validate(levers, strict=True)
        except ValidationError as exc:
            problems += [
                f"{label(index, entry)}: {_explain(error, levers)}" for error in exc.errors()
            ]
    return problems


def _resolve_extends(path: Path, extends: str) -> Path:
    """A shipped scenario's name, else a file path relative to the extending file."""
    shipped = shipped_scenarios()
    if extends in shipped:
        return shipped[extends]
    target = path.parent / Path(extends).expanduser()
    if not target.is_file():
        raise ScenarioError(
            f'{path}: `extends` = "{extends}" is neither a shipped scenario '
            f"({', '.join(shipped)}) nor a file ({target}).{_did_you_mean(extends, shipped)}"
        )
    return target


def _validate(values: dict[str, Any], source: str, problems: list[str] | None = None) -> Params:
    """``Params`` from known keys, or a ScenarioError listing these and the schema's problems.

    Strict, so that ``"0.5"`` or ``true`` is never taken for a number (TOML ints are fine)."""
    problems = list(problems or [])
    try:
        params = Params.model_validate(values, strict=True)
    except ValidationError as exc:
        problems += [_explain(error, values) for error in exc.errors()]
    if problems:
        raise ScenarioError(_report(source, problems))
    return params


def _explain(error: Any, values: dict[str, Any]) -> str:
    """One pydantic error as sentences naming the key, the value and what is allowed."""
    key = str(error["loc"][0]) if error["loc"] else ""
    if key not in values or key == "timeline":  # a rule across keys: the schema's own words
        return error["msg"].removeprefix("Value error, ")
    value = values[key]
    if error["type"] in RANGE_ERRORS:
        problem = "out of range."
    elif key in RULES and isinstance(value, str):
        problem = "not a known rule." + _did_you_mean(value, RULES[key])
    elif error["type"] == "literal_error":
        problem = "not one of the allowed values."
    else:
        problem = f"the wrong type ({KINDS.get(type(value), type(value).__name__)})."
    return f"`{key}` = {_show(value)} is {problem} {_allowed(key)}"


def _allowed(key: str) -> str:
    """What ``key`` means and accepts, from the schema: rule names, choices, or range and unit."""
    info = describe(key)
    annotation = Params.model_fields[key].annotation
    if key in RULES:
        accepts = f"one of {', '.join(RULES[key])}"
    elif typing.get_origin(annotation) is typing.Literal:
        accepts = f"one of {', '.join(typing.get_args(annotation))}"
    elif annotation is bool:
        accepts = "true or false"
    else:
        bounds = []
        if info["min"] is not None:
            above = "greater than" if info["min_exclusive"] else "at least"
            bounds.append(f" {above} {_number(info['min'])}")
        if info["max"] is not None:
            bounds.append(f" at most {_number(info['max'])}")
        kind = "a whole number" if annotation is int else "a number"
        unit = "" if info["unit"] in ("", "-") else f" [{info['unit']}]"
        accepts = kind + " and".join(bounds) + unit
    return f"`{key}` ({info['meaning']}) takes {accepts}."


def _parse(key: str, text: str) -> Any:
    """A ``--set`` value read as its parameter's type; ValueError if it is not one."""
    annotation = Params.model_fields[key].annotation
    if annotation is bool:
        if text.lower() not in ("true", "false"):
            raise ValueError(text)
        return text.lower() == "true"
    if annotation in (int, float):
        return annotation(text)
    return text


def _unknown_key(key: str, known: typing.Sequence[str]) -> str:
    """An unknown key, with a did-you-mean; outputs are refused as outputs (MODEL.md s. 8)."""
    if key in OUTPUT_NAMES:
        # only a near-identical parameter is worth suggesting for an output's name
        return (
            f"`{key}` is a model output, not a parameter: outputs emerge from the model and "
            f"cannot be set.{_did_you_mean(key, known, cutoff=0.85)}"
        )
    if key == "name":
        return "`name` cannot be set: a scenario's name is its file name."
    return f"`{key}` is not a parameter.{_did_you_mean(key, known)}"


def _did_you_mean(word: str, choices: typing.Iterable[str], cutoff: float = 0.6) -> str:
    """' Did you mean ...?' for the closest choices, or nothing when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=cutoff)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _report(source: str, problems: list[str]) -> str:
    """One paragraph per source: the file (or ``--set``) first, then each problem."""
    if len(problems) == 1:
        return f"{source}: {problems[0]}"
    return f"{source}: {len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems)


def _number(bound: float) -> str:
    """A bound as people write it: ``1,000,000`` rather than ``1000000.0``."""
    return f"{int(bound):,}" if bound == int(bound) else str(bound)


def _show(value: Any) -> str:
    """A value as it would be written in TOML (``true``, ``"text"``, ``0.5``)."""
    return json.dumps(value, default=str)

"""The house's rooms, checked from the source: every module's imports, parsed with ``ast``
(function-level imports included), against the way data flows.

Module names come from pyproject's own mapping of folders to packages, so the check sees
what the wheel installs. An import's target is the deepest module the name reaches: ``from
coprod.experiments.jobs import runner`` is an import of ``coprod.experiments.jobs.runner``.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = "coprod.experiments.cli"
PAGE = "coprod.simulation.page"
ALLOWED_CYCLES = {frozenset({"coprod.simulation.agents", "coprod.simulation.model"})}
"""Agent-model pairs: a Mesa agent knows its model's type, the model builds its agents."""


def modules() -> dict[str, Path]:
    """Every module the wheel installs: dotted name -> source file."""
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = setup["package-dir"]
    found = {}
    for package in setup["packages"]:
        home = next(
            name
            for name in sorted(folders, key=len, reverse=True)
            if package == name or package.startswith(f"{name}.")
        )
        folder = ROOT / folders[home] / Path(*package.split(".")[len(home.split(".")) :])
        for path in folder.glob("*.py"):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            found[name] = path
    return found


MODULES = modules()


def imports(name: str, path: Path, typing_only: bool = True) -> set[str]:
    """The coprod modules ``name`` imports anywhere in its file; without ``typing_only``,
    those under ``if TYPE_CHECKING:`` are left out (they never run, so make no cycle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if not typing_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                node.body = []
    targets = set()
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in MODULES else base)
    return {target for target in targets if target in MODULES and target != name}


GRAPH = {name: imports(name, path) for name, path in MODULES.items()}
RUNTIME = {name: imports(name, path, typing_only=False) for name, path in MODULES.items()}


def test_the_mapping_sees_every_room():
    """A guard on the guard: the parser found the modules and the imports it must judge."""
    for name in (
        "coprod",
        "coprod.api",
        f"{CLI}.commands",
        "coprod.simulation.model",
        f"{PAGE}.app",
        "coprod.experiments.jobs.runner",
    ):
        assert name in MODULES, name
    assert "coprod.api" in GRAPH[f"{CLI}.commands"]
    assert "coprod.experiments.jobs.runner" in GRAPH["coprod.experiments.jobs.launch"]


ENTRY = "coprod.console"  # the console script's entry: it starts the command line


def test_nothing_imports_the_command_line():
    importers = {
        name: sorted(t for t in targets if t == CLI or t.startswith(f"{CLI}."))
        for name, targets in GRAPH.items()
        if not (name in (CLI, ENTRY) or name.startswith(f"{CLI}."))
    }
    assert {name: found for name, found in importers.items() if found} == {}


def test_the_model_imports_no_experiments_and_no_page():
    offenders = {
        name: sorted(
            t
            for t in targets
            if t.startswith("coprod.experiments") or t == "coprod.api" or t.startswith(PAGE)
        )
        for name, targets in GRAPH.items()
        if name.startswith("coprod.simulation") and not name.startswith(PAGE)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_page_imports_the_model_only():
    offenders = {
        name: sorted(t for t in targets if not t.startswith("coprod.simulation"))
        for name, targets in GRAPH.items()
        if name.startswith(PAGE)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_but_agent_model_pairs():
    assert [c for c in cycles(RUNTIME) if frozenset(c) not in ALLOWED_CYCLES] == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert cycles(graph) == expected

"""The wheel as users get it: one import name, ``coprod``, with the shipped scenarios inside."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The wheel built from a clean copy of this checkout (no dependencies fetched): pip
    builds in the source tree, and a stale ``build/`` there would hide a missing package."""
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"
    leave_out = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "results", "docs")
    shutil.copytree(ROOT, source, ignore=leave_out)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps"]
    built = subprocess.run(
        [*command, "-q", "-w", str(out), str(source)], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("coprod-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_installs_only_the_coprod_package(wheel):
    top = {name.split("/")[0] for name in wheel.namelist()}
    dist_info = {name for name in top if name.endswith(".dist-info")}
    assert len(dist_info) == 1 and top - dist_info == {"coprod"}


def test_the_shipped_scenarios_and_the_cli_are_inside(wheel):
    names = set(wheel.namelist())
    shipped = {f"coprod/scenarios/{p.name}" for p in (ROOT / "scenarios").glob("*.toml")}
    assert shipped and shipped <= names
    for extra in ("targets/spice_cardiff.toml", "calibrated/calibrated_base.toml"):
        assert f"coprod/scenarios/{extra}" in names
    for module in ("api.py", "experiments/cli/__main__.py", "experiments/jobs/launch.py"):
        assert f"coprod/{module}" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "coprod = coprod.console:main" in wheel.read(entry).decode()


def test_every_module_of_the_source_folders_is_in_the_wheel(wheel):
    """A new subpackage missing from pyproject's package list installs without its files (an
    editable install hides it): every module of the folders must be in the wheel."""
    names = set(wheel.namelist())
    folders = {"simulation": "coprod/simulation", "experiments": "coprod/experiments"}
    folders["src/coprod"] = "coprod"
    for source, installed in folders.items():
        for module in (ROOT / source).rglob("*.py"):
            if "examples" in module.parts:
                continue
            assert f"{installed}/{module.relative_to(ROOT / source).as_posix()}" in names

"""coprod: co-production against traditional delivery of health and social care, simulated.

The public API (each name is imported on first use, so ``import coprod`` stays light and a
batch worker never imports the page):

- ``coprod.load(path)``: a finished results folder as pandas tables (``Results``);
- ``coprod.CoProductionModel``, ``coprod.Params``, ``coprod.simulate``: the Mesa model itself.

The folders of the repository are the package's rooms: ``coprod.simulation`` (the model and,
in ``coprod.simulation.page``, the teaching page), ``coprod.experiments`` (designs, jobs,
methods, reports and the command line) and ``coprod.scenarios`` (the shipped scenario files).
"""

from __future__ import annotations

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coprod.experiments.jobs.results import Results, load
    from coprod.simulation.model import CoProductionModel, simulate
    from coprod.simulation.params import Params

try:
    __version__ = metadata.version("coprod")
except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

_HOMES = {
    "load": "coprod.experiments.jobs.results",
    "Results": "coprod.experiments.jobs.results",
    "CoProductionModel": "coprod.simulation.model",
    "simulate": "coprod.simulation.model",
    "Params": "coprod.simulation.params",
}
__all__ = ["CoProductionModel", "Params", "Results", "__version__", "load", "simulate"]


def __getattr__(name: str) -> Any:
    """Import the public names lazily (PEP 562)."""
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'coprod' has no attribute {name!r}")

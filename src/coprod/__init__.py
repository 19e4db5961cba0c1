"""coprod: co-production against traditional delivery of health and social care, simulated.

The public API (each name is imported on first use, so ``import coprod`` stays light and a
batch worker never imports the page), shaped like the ``coprod`` command (``coprod.api``):

- ``coprod.compare(...)``, ``coprod.sweep(...)``, ``coprod.sensitivity(...)``: jobs that write
  a results folder and return it as ``coprod.load`` gives it (``Results``);
- ``coprod.calibrate(...)``: a calibration, returned as a ``Calibration``;
- ``coprod.run(...)``: one run in this process, returned as the model's ``RunResult``;
- ``coprod.scenario(...)``: a scenario's resolved parameters, as ``coprod show`` lists them;
- ``coprod.load(path)``: a finished results folder as pandas tables (``Results``);
- ``coprod.CoProductionModel``, ``coprod.Params``, ``coprod.simulate``: the Mesa model itself.

The folders of the repository are the package's rooms: ``coprod.simulation`` (the model and,
in ``coprod.simulation.page``, the teaching page), ``coprod.experiments`` (designs, jobs,
methods, reports and the command line) and ``coprod.scenarios`` (the shipped scenario files).
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # not typing's: importing typing costs the console script's start-up

if TYPE_CHECKING:
    from coprod.api import Estimate, calibrate, compare, run, scenario, sensitivity, sweep
    from coprod.experiments.jobs.results import Results, load
    from coprod.experiments.methods.calibration import Calibration
    from coprod.simulation.model import CoProductionModel, simulate
    from coprod.simulation.params import Params

_API = ("compare", "sweep", "sensitivity", "psa", "calibrate", "run", "scenario", "Estimate")
_HOMES = {
    **dict.fromkeys(_API, "coprod.api"),
    "Calibration": "coprod.experiments.methods.calibration",
    "load": "coprod.experiments.jobs.results",
    "Results": "coprod.experiments.jobs.results",
    "CoProductionModel": "coprod.simulation.model",
    "simulate": "coprod.simulation.model",
    "Params": "coprod.simulation.params",
}
__all__ = [
    "Calibration",
    "CoProductionModel",
    "Estimate",
    "Params",
    "Results",
    "__version__",
    "calibrate",
    "compare",
    "load",
    "run",
    "scenario",
    "sensitivity",
    "simulate",
    "sweep",
]


def __getattr__(name: str) -> object:
    """Import the public names lazily (PEP 562); ``__version__`` too, since
    ``importlib.metadata`` is not free and the console script must start fast (``console``)."""
    if name == "__version__":
        return _version()
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'coprod' has no attribute {name!r}")


def _version() -> str:
    """The installed distribution's version."""
    from importlib import metadata

    try:
        return metadata.version("coprod")
    except metadata.PackageNotFoundError:  # imported from a source tree never installed
        return "0+unknown"

"""coprod's model: co-production against traditional delivery of health and social care.

``simulate(params, seed)`` runs one scenario; ``CoProductionModel`` is the Mesa model behind
it; ``Params`` is the validated parameter set. They are imported on first use, so that
``errors`` or ``outputs`` can be read (by the report, say) without
loading Mesa; the browser page (``coprod.simulation.page``) is never imported here, so batch workers
never import solara.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coprod.simulation.model import CoProductionModel, simulate
    from coprod.simulation.params import Params

__all__ = ["CoProductionModel", "Params", "simulate"]
_HOMES = {
    "CoProductionModel": "coprod.simulation.model",
    "simulate": "coprod.simulation.model",
    "Params": "coprod.simulation.params",
}


def __getattr__(name: str) -> Any:
    """Import the model's public names lazily (PEP 562)."""
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")

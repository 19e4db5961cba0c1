"""coprod's model: co-production against traditional delivery of health and social care.

``simulate(params, seed)`` runs one scenario; ``CoProductionModel`` is the Mesa model behind
it; ``Params`` is the validated parameter set. The browser page (``simulation.app``) is not
imported here, so batch workers never import solara.
"""

from simulation.model import CoProductionModel, simulate
from simulation.params import Params

__all__ = ["CoProductionModel", "Params", "simulate"]

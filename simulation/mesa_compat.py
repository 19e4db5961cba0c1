"""Every Mesa-version-sensitive call in one place (Mesa 4 changes ``Network`` and seeding)."""

from __future__ import annotations

from collections.abc import Mapping
from random import Random

import networkx as nx
from mesa.discrete_space import Network


def community_space(graph: nx.Graph, random: Random, positions: Mapping | None = None) -> Network:
    """A seeded Mesa network space. No layout unless given: Mesa's default spring layout is
    unseeded and costs seconds at 1,000 nodes, so only the page computes positions, once."""
    return Network(graph, capacity=1, random=random, layout=positions)

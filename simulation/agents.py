"""The people of the model as Mesa agents: service users, professionals and neighbours.

Each agent is a view onto the population arrays (``population.py``) that the weekly phases
update all at once, so an agent always shows its current state without copying it. Users and
neighbours sit on cells of the community network; professionals work across it. A resident is
a ``ServiceUser`` while in care and a ``Neighbour`` otherwise: :func:`follow_care_status`
moves the agent between the kinds (``model.agents_by_type``) as it enters or leaves care,
keeping the same agent object, Mesa id and cell; a resident who dies is removed and a new
agent takes the cell. A family carer (``Carer``) is tied to the person they care for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from coprod.simulation.model import CoProductionModel


def view(group: str, name: str, doc: str) -> property:
    """A read-only attribute showing one entry of a population array."""
    return property(lambda self: getattr(getattr(self.model, group), name)[self.index], doc=doc)


class Person(mesa.discrete_space.CellAgent):
    """Someone on the community network: state shared by users and neighbours."""

    model: CoProductionModel

    def __init__(self, model: CoProductionModel, index: int) -> None:
        super().__init__(model)
        self.index = index  # position in the community arrays (and node of the network)

    age = view("users", "age", "Age in years")
    need = view("users", "need", "Current need, 0-1 (everyone has one; in care above eligibility)")
    agent_id = view("community", "agent_id", "One id for life (the results' agent_id)")
    household = view("community", "household", "Household id")
    partner = view("community", "partner", "Slot of the partner in the household, or -1")

    @property
    def in_care(self) -> bool:
        """In care this week: the agent is then a ``ServiceUser``."""
        return bool(self.model.community.is_user[self.index])

    @property
    def wellbeing(self) -> float:
        """Wellbeing on a 0-1 scale (WEMWBS = 14 + 56 x wellbeing)."""
        return float(self.model.community.wellbeing[self.index])

    @property
    def member(self) -> bool:
        """Member of the time bank."""
        return bool(self.model.community.member[self.index])

    @property
    def credits(self) -> float:
        """Time-bank credits in hours (may fall to -credit_limit)."""
        return float(self.model.community.credits[self.index])

    @property
    def motivation(self) -> float:
        """Willingness to give; follows the recognition giving earns."""
        return float(self.model.community.motivation[self.index])

    @property
    def helping(self) -> bool:
        """Gave or received community help this week."""
        comm = self.model.community
        return bool(comm.given[self.index] > 0 or comm.received[self.index] > 0)


class ServiceUser(Person):
    """A person using health and social care: has need, agency, trust and a professional.

    Manages what their agency and capability allow, leans on community help, and asks
    professionals for the rest; encounters that share power build agency ("doing with"),
    encounters that don't erode it ("doing to").
    """

    baseline_need = view("users", "baseline_need", "Need they drift back to, 0-1")
    agency = view("users", "agency", "Confidence and skill to manage one's own life, 0-1")
    capability = view("users", "capability", "Share of need they could manage with full agency")
    trust = view("users", "trust", "Trust in professionals, 0-1")
    plan = view("users", "plan", "Progress of a co-produced plan, 0-1")
    professional = view("users", "professional", "Index of the assigned professional")
    flagged = view("users", "flagged", "Flagged by a co-design forum for a proactive contact")


class Neighbour(Person):
    """A community member without care needs who may give time: goodwill, reciprocity or
    a time bank keeps them giving, or not."""

    @property
    def availability(self) -> float:
        """Hours a week they could give at full motivation."""
        return float(self.model.community.give_hours[self.index])


class Professional(mesa.Agent):
    """A professional post: contact hours, willingness to share power, pressure and burnout."""

    model: CoProductionModel

    def __init__(self, model: CoProductionModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    hours = view("professionals", "hours", "Contracted contact hours a week")
    sharing = view("professionals", "sharing", "Willingness to share power, 0-1")
    lived_experience = view("professionals", "lived_experience", "Has lived experience")
    pressure = view("professionals", "pressure", "Demand beyond capacity last week, 0-1")
    burnout = view("professionals", "burnout", "Burnout, 0-1")

    @property
    def caseload(self) -> int:
        """Number of users in care on this post."""
        model = self.model
        return int(((model.users.professional == self.index) & model.community.is_user).sum())


def follow_care_status(model: CoProductionModel, people: list[Person], slots: np.ndarray) -> None:
    """Move the agents of ``slots`` to the kind their care status says (``ServiceUser`` in
    care, ``Neighbour`` out of it), keeping each agent's object, Mesa id and cell.

    Mesa files an agent under its class when it registers, so the agent leaves its kind's
    set, changes class and joins the other's; registering gives a new Mesa id, and the old
    one is put back. Only the few people whose status changed this week pass through here.
    """
    in_care = model.community.is_user
    for slot in slots:
        agent = people[slot]
        kind = ServiceUser if in_care[slot] else Neighbour
        if type(agent) is not kind:
            unique_id = agent.unique_id
            model.deregister_agent(agent)
            agent.__class__ = kind
            model.register_agent(agent)
            agent.unique_id = unique_id


class Carer(mesa.Agent):
    """A family carer (MODEL.md 10.2): a resident giving unpaid care to one person, under
    strain that can break down; a view onto the carer arrays (``carers.py``), which are
    indexed by the person cared for."""

    model: CoProductionModel

    def __init__(self, model: CoProductionModel, cared_for: int) -> None:
        super().__init__(model)
        self.index = cared_for  # the carer arrays' index

    @property
    def cared_for(self) -> int:
        """Slot of the person cared for on the community network."""
        return self.index

    @property
    def person(self) -> int:
        """Slot of the carer themself on the community network."""
        return int(self.model.carers.carer[self.index])

    hours = view("carers", "hours", "Caring hours this week")
    strain = view("carers", "strain", "Strain of caring, 0-1")
    wellbeing = view("carers", "wellbeing", "Wellbeing, 0-1")

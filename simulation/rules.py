"""The two rule families a scenario chooses by name: power-sharing and reciprocity.

Each rule is a small object holding only what distinguishes it; the weekly phases ask it
questions ("what is the effective sharing?", "do users give?", "how much is this tie worth?")
and do the rest themselves. Adding a rule is one class plus one registry line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from coprod.simulation.params import Params


# --- power-sharing (Arnstein's ladder; Ostrom's individual and collective levels) ---------


@dataclass(frozen=True)
class PowerRule:
    """How much power professionals share in an encounter, and what else the rule does.

    ``shares``: encounters use ``s = power_sharing * sharing * (1 - pressure_effect *
    pressure)``; otherwise ``s = 0`` (the expert decides).
    ``consults``: a share ``involvement * consult_rate`` of users is consulted every week.
    ``forums``: the collective level: a forum of bridge builders meets every ``forum_every``
    weeks, flags people at risk, and consults at the forum.
    ``weighs_alternatives``: a placement decision is made with the person and their carer and
    weighs support at home (what they manage, community help, the carer, the largest package):
    it places only when that cannot meet the need; otherwise the professional decides
    (Carol's story, MODEL.md 10.3).
    """

    name: str
    shares: bool
    consults: bool
    forums: bool
    weighs_alternatives: bool

    def sharing(self, params: Params, willingness: np.ndarray, pressure: np.ndarray) -> np.ndarray:
        """Effective sharing ``s`` of each professional this week."""
        if not self.shares:
            return np.zeros_like(willingness)
        return params.power_sharing * willingness * (1.0 - params.pressure_effect * pressure)


POWER_RULES: dict[str, PowerRule] = {
    rule.name: rule
    for rule in (
        PowerRule("expert", shares=False, consults=False, forums=False, weighs_alternatives=False),
        PowerRule(
            "consultation", shares=True, consults=True, forums=False, weighs_alternatives=False
        ),
        PowerRule(
            "shared_decisions", shares=True, consults=False, forums=False, weighs_alternatives=True
        ),
        PowerRule("co_design", shares=True, consults=False, forums=True, weighs_alternatives=True),
    )
}


# --- reciprocity -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReciprocityRule:
    """Who gives in the community, along which ties, and what keeps givers going.

    ``users_give``: users give along their ties as well as receive (direct reciprocity).
    ``reciprocal_ties``: help along a tie to someone who has not helped back within the
    reciprocity window is scaled down to ``unreciprocated_share``.
    ``bank``: members give and take through a broker across the whole bank, earning and
    spending credits; non-members help along ties as under ``none``.
    """

    name: str
    users_give: bool
    reciprocal_ties: bool
    bank: bool

    def unhelped_share(self, params: Params) -> float:
        """How much of a giver's share of help flows along a tie to someone who has not
        helped back (all of it, unless the rule scales such ties down)."""
        return params.unreciprocated_share if self.reciprocal_ties else 1.0

    def recognition(
        self, params: Params, reciprocated: np.ndarray, member: np.ndarray, bank_fill: float
    ) -> np.ndarray:
        """The recognition each giver feels; motivation follows it.

        ``reciprocated``: share of a giver's recent partners who helped back.
        ``bank_fill``: share of members' requests the bank could meet recently: givers stay
        only if they can spend what they earn.
        """
        low = params.recognition_none
        recognition = np.full(reciprocated.shape, low)
        if self.reciprocal_ties:
            recognition += (params.recognition_reciprocated - low) * reciprocated
        if self.bank:
            bank_level = low + (params.recognition_timebank - low) * bank_fill
            recognition = np.where(member, bank_level, recognition)
        return recognition


RECIPROCITY_RULES: dict[str, ReciprocityRule] = {
    rule.name: rule
    for rule in (
        ReciprocityRule("none", users_give=False, reciprocal_ties=False, bank=False),
        ReciprocityRule("direct", users_give=True, reciprocal_ties=True, bank=False),
        ReciprocityRule("timebank", users_give=False, reciprocal_ties=False, bank=True),
    )
}

"""Costs: phase 8 of a week (MODEL.md section 4), in GBP of one price year.

Employed professionals' time is costed by activity (delivered hours x ``hour_cost``, as unit
costs per hour of client contact are) or by establishment (funded capacity of filled posts
costs the same whatever is delivered: whether savings are cashable is the user's question to
ask). Locum and agency hours covering vacancies are paid as delivered, at ``hour_cost`` plus
``locum_premium``, under either basis. Crises, GP contacts, time-bank brokerage,
recruitment, home-care package hours and care-home placements (residents x the weekly rate)
are added; costs may be discounted (Green Book 3.5%).
"""

from __future__ import annotations

from coprod.simulation.params import Params

WEEKS_PER_YEAR = 52.0


def weekly_costs(
    params: Params,
    *,
    delivered_hours: float,
    locum_hours: float,
    funded_hours: float,
    crises: int,
    admissions: int,
    gp_contacts: int,
    coordinator_posts: float,
    recruits: int,
    package_hours: float = 0.0,
    placed: int = 0,
    week: int,
) -> dict[str, float]:
    """The week's cost by component, discounted to week 0."""
    hours = delivered_hours if params.cost_basis == "activity" else funded_hours
    parts = {
        "cost_professional": hours * params.hour_cost,
        "cost_locum": locum_hours * params.hour_cost * (1.0 + params.locum_premium),
        "cost_crises": (crises - admissions) * params.ae_cost + admissions * params.admission_cost,
        "cost_gp": gp_contacts * params.gp_cost,
        "cost_brokerage": coordinator_posts * params.coordinator_cost / WEEKS_PER_YEAR,
        "cost_recruitment": recruits * params.recruitment_cost,
        "cost_packages": package_hours * params.package_hour_cost,
        "cost_placements": placed * params.placement_week_cost,
        "cost_prevention": params.prevention_hours * params.prevention_hour_cost,  # issue 17
    }
    discount = (1.0 + params.discount_rate) ** (-week / WEEKS_PER_YEAR)
    return {name: value * discount for name, value in parts.items()}

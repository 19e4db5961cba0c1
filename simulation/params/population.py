"""Who lives in the model: people, their network and how their traits are drawn."""

from __future__ import annotations

from coprod.simulation.params.schema import PROTOTYPE, Part, param


class PopulationParams(Part):
    """Who lives in the model: people, their network and how their traits are drawn."""

    n_users: int = param(
        1000, "people", "Service users", ge=2, le=1_000_000, group="population", source=PROTOTYPE
    )
    n_professionals: int = param(
        60, "people", "Professionals", ge=1, le=100_000, group="population", source=PROTOTYPE
    )
    n_neighbours: int = param(
        600,
        "people",
        "Neighbours (community members without care needs)",
        ge=0,
        le=1_000_000,
        group="population",
        source=PROTOTYPE,
    )
    network_degree: int = param(
        6,
        "ties",
        "Mean ties per person (Watts-Strogatz k; odd values are rounded down to even)",
        ge=2,
        le=100,
        group="population",
        source=PROTOTYPE,
    )
    network_rewiring: float = param(
        0.1,
        "probability",
        "Watts-Strogatz rewiring",
        ge=0,
        le=1,
        group="population",
        source=PROTOTYPE,
    )
    professional_hours_mean: float = param(
        20.0,
        "hours/week",
        "Mean contact hours per professional (Normal)",
        gt=0,
        le=80,
        group="population",
        source=PROTOTYPE,
    )
    professional_hours_sd: float = param(
        3.0, "hours/week", "SD of contact hours", ge=0, le=40, group="population", source=PROTOTYPE
    )
    neighbour_hours_mean: float = param(
        1.5,
        "hours/week",
        "Mean hours a neighbour could give (Gamma)",
        gt=0,
        le=40,
        group="population",
        source=PROTOTYPE,
    )
    neighbour_hours_shape: float = param(
        2.0, "-", "Gamma shape of neighbours' hours", ge=0.05, le=100, group="population"
    )
    baseline_need_mean: float = param(
        0.2,
        "share",
        "Mean baseline need of a 50-year-old (Beta; age_need_slope moves it with age)",
        gt=0,
        le=0.95,
        group="population",
    )
    baseline_need_concentration: float = param(
        6.0, "-", "Beta concentration of baseline need", ge=0.1, le=1000, group="population"
    )
    initial_wellbeing_mean: float = param(
        0.55,
        "share",
        "Mean starting wellbeing before the warm-up (Normal)",
        ge=0,
        le=1,
        group="population",
    )
    initial_wellbeing_sd: float = param(
        0.1, "share", "SD of starting wellbeing", ge=0, le=1, group="population"
    )
    capability_mean: float = param(
        0.5,
        "share",
        "Mean capability: share of need a person could manage with full agency (Beta)",
        gt=0,
        le=0.95,
        group="population",
    )
    capability_concentration: float = param(
        6.0, "-", "Beta concentration of capability", ge=0.1, le=1000, group="population"
    )
    initial_agency_mean: float = param(
        0.5,
        "share",
        "Mean initial agency (patient activation, Beta)",
        gt=0,
        le=0.95,
        group="population",
    )
    initial_agency_concentration: float = param(
        6.0, "-", "Beta concentration of initial agency", ge=0.1, le=1000, group="population"
    )
    initial_trust_mean: float = param(
        0.6,
        "share",
        "Mean initial trust in professionals (Beta)",
        gt=0,
        le=0.95,
        group="population",
    )
    initial_trust_concentration: float = param(
        8.0, "-", "Beta concentration of trust", ge=0.1, le=1000, group="population"
    )
    assets_mean: float = param(
        0.3,
        "share",
        "Mean assets: time and skills a user can offer (Beta)",
        gt=0,
        le=0.95,
        group="population",
    )
    assets_concentration: float = param(
        4.0, "-", "Beta concentration of assets", ge=0.1, le=1000, group="population"
    )
    motivation_mean: float = param(
        0.5, "share", "Mean initial motivation to give (Beta)", gt=0, le=0.95, group="population"
    )
    motivation_concentration: float = param(
        4.0, "-", "Beta concentration of motivation", ge=0.1, le=1000, group="population"
    )

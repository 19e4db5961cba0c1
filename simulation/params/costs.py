"""Unit costs (GBP, one price year), cost basis and discounting."""

from __future__ import annotations

from typing import Literal

from coprod.simulation.params.schema import PROTOTYPE, Part, param


class CostParams(Part):
    """Unit costs (GBP, one price year), cost basis and discounting."""

    hour_cost: float = param(
        55.0,
        "GBP/hour",
        "Cost of a professional hour (activity-based)",
        ge=0,
        le=10_000,
        group="costs",
        source=PROTOTYPE,
    )
    ae_cost: float = param(
        300.0, "GBP", "An A&E visit", ge=0, le=1e6, group="costs", source=PROTOTYPE
    )
    admission_cost: float = param(
        3000.0, "GBP", "An emergency admission", ge=0, le=1e6, group="costs", source=PROTOTYPE
    )
    gp_cost: float = param(
        42.0,
        "GBP",
        "A GP consultation",
        ge=0,
        le=10_000,
        group="costs",
        source="PSSRU unit costs, about 2022",
    )
    package_hour_cost: float = param(
        28.53,
        "GBP/hour",
        "An hour of a home-care package bought by the council",
        ge=0,
        le=1_000,
        group="costs",
        source="Homecare Association (Dec 2023), Minimum Price for Homecare, England, "
        "April 2024 - March 2025: GBP 28.53 an hour",
    )
    placement_week_cost: float = param(
        1400.0,
        "GBP/week",
        "A week of a permanent care-home placement",
        ge=0,
        le=100_000,
        group="costs",
        source="LaingBuisson Care of Older People 2024-25, as reported by Which? (2025): care "
        "home fees average nearly GBP 1,400 a week (for-profit homes for older people, all "
        "payers; council-paid rates are lower)",
    )
    recruitment_cost: float = param(
        6000.0,
        "GBP",
        "Replacing a professional who left",
        ge=0,
        le=1e6,
        group="costs",
        source=PROTOTYPE,
    )
    locum_premium: float = param(
        0.98,
        "x",
        "Extra cost of a locum or agency hour over hour_cost (0.98 = 98% more)",
        ge=0,
        le=10,
        group="costs",
        source="Care England (2022), agency fees survey: an agency care worker GBP 19.57 an "
        "hour against GBP 9.90 employed",
    )
    cost_basis: Literal["activity", "establishment"] = param(
        "activity",
        "-",
        "activity: delivered hours are costed; establishment: funded "
        "capacity costs the same whatever is delivered",
        group="costs",
        source="MODEL.md section 4",
    )
    discount_rate: float = param(
        0.0,
        "1/year",
        "Annual discount rate of costs (0.035 = HM Treasury Green Book)",
        ge=0,
        le=0.5,
        group="costs",
    )
    price_year: int = param(
        2024, "year", "Price year of every cost (a label)", ge=1990, le=2100, group="costs"
    )

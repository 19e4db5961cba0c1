"""Community help, reciprocity, the time bank, forums and consultation."""

from __future__ import annotations

from coprod.simulation.params.schema import PROTOTYPE, Part, param


class CommunityParams(Part):
    """Community help, reciprocity, the time bank, forums and consultation."""

    user_give_hours: float = param(
        2.0,
        "hours/week",
        "Hours a user with full assets, agency and motivation can give",
        ge=0,
        le=40,
        group="community",
    )
    neighbour_demand: float = param(
        0.3,
        "hours/week",
        "Help a neighbour would welcome (odd jobs, company)",
        ge=0,
        le=40,
        group="community",
    )
    min_exchange_hours: float = param(
        0.1,
        "hours",
        "Least help along a tie in a week that counts as an exchange (less is not given)",
        ge=0,
        le=40,
        group="community",
    )
    running_mean_weight: float = param(
        0.25,
        "share",
        "Weight of this week in running means (recent contribution, bank fill)",
        gt=0,
        le=1,
        group="community",
    )
    motivation_rate: float = param(
        0.05,
        "1/week",
        "Speed at which motivation follows recognition",
        ge=0,
        le=1,
        group="community",
    )
    recognition_none: float = param(
        0.15,
        "share",
        "Recognition of informal goodwill help",
        ge=0,
        le=1,
        group="community",
        source=PROTOTYPE,
    )
    recognition_reciprocated: float = param(
        0.6,
        "share",
        "Recognition when help is returned (direct reciprocity)",
        ge=0,
        le=1,
        group="community",
    )
    recognition_timebank: float = param(
        0.8,
        "share",
        "Recognition of a time-bank member who can spend what they earn",
        ge=0,
        le=1,
        group="community",
    )
    unreciprocated_share: float = param(
        0.5,
        "share",
        "Under direct reciprocity, the share of help still given to those who have not helped back",
        ge=0,
        le=1,
        group="community",
        source=PROTOTYPE,
    )
    reciprocity_window: int = param(
        8,
        "weeks",
        "How recent help must be to count as reciprocated, and for a tie to count as active",
        ge=1,
        le=104,
        group="community",
        source="MODEL.md section 4 (8 weeks)",
    )

    forum_every: int = param(
        13,
        "weeks",
        "Weeks between co-design forums",
        ge=1,
        le=104,
        group="forum",
        source="MODEL.md section 3",
    )
    forum_size: int = param(
        50,
        "people",
        "Forum members (highest agency)",
        ge=1,
        le=100_000,
        group="forum",
        source=PROTOTYPE,
    )
    flag_rise: float = param(
        0.1,
        "need",
        "Rise in need over 4 weeks that gets a person flagged",
        ge=0,
        le=1,
        group="forum",
    )
    isolation_threshold: float = param(
        0.2, "share", "Connectedness below which a person is flagged", ge=0, le=1, group="forum"
    )
    max_proactive_share: float = param(
        0.15,
        "share",
        "Most capacity that goes first to flagged people",
        ge=0,
        le=1,
        group="forum",
        source=PROTOTYPE,
    )
    forum_staff_hours: float = param(
        20.0, "hours/forum", "Professional hours a forum takes", ge=0, le=10_000, group="forum"
    )
    consult_rate: float = param(
        0.05,
        "1/week",
        "Share of users consulted per week at full involvement",
        ge=0,
        le=1,
        group="forum",
    )
    consult_hours: float = param(
        1.0, "hours", "Staff time per consultation", ge=0, le=40, group="forum"
    )

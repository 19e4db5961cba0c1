"""The yearly commissioning cycle (MODEL.md section 10.12, issue 17): assess, plan, secure, monitor.

Once every 52 policy weeks a commissioner looks back over the year (**monitor**: per service
line, what was spent, what was counted, and how the users of the line say their year went),
weighs it under a named rule (**assess** and **plan**: a target split of next year's budget),
and lets part of the contracts move towards it (**secure**: at most
``commissioning_max_shift`` of every contract is re-let a year). Money buys levers at the
line's unit cost in the first policy year (the reference): the split is never a parameter,
it results from what is monitored and who decides.

Money for people becomes people with the workforce's delays (``Establishment``): a new
professional, coordinator or community development post is vacant for ``vacancy_weeks``
before it is filled (locums cover ``locum_cover_share`` of new professional hours at the
premium meanwhile, and each professional recruited costs ``recruitment_cost``); a cut goes
by attrition (professional leavers' hours are not re-advertised) and what is left goes at the
end of ``commissioning_notice_weeks`` of notice. Package money acts at each person's review
(``packages.py``), its own delay.

Rules: ``block`` keeps last year's split (prices are constant, so inflation only means the
same real money: the model is exactly the one without a commissioner); ``activity`` pays each
line its counted outputs at the reference tariff; ``outcomes`` moves money towards the lines
whose users report more good outcomes per pound; ``co_commissioning`` blends that view with
what users and carers themselves value, weighted by ``commissioning_voice``.

The prevention line is a community development worker: each hour reaches the least connected
residents (a fixed order, no random draw: common random numbers hold) and raises their
motivation to help.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the schema validates rule names from here: no import back at run time
    from coprod.simulation.params import Params
    from coprod.simulation.population import Professionals

WEEKS_PER_YEAR = 52
LINES = ("posts", "packages", "timebank", "prevention")
#: The lever each line's money buys.
LEVER_OF = {
    "posts": "capacity_factor",
    "packages": "package_hours_factor",
    "timebank": "coordinator_posts",
    "prevention": "prevention_hours",
}
#: The weekly cost metrics that are each line's spend (a metric a run lacks reads as none).
SPEND_OF = {
    "posts": ("cost_professional", "cost_locum"),
    "packages": ("cost_packages",),
    "timebank": ("cost_brokerage",),
    "prevention": ("cost_prevention",),
}
#: The weekly metric that counts each line's outputs.
ACTIVITY_OF = {
    "posts": "professional_hours",
    "packages": "package_hours",
    "timebank": "timebank_hours",
    "prevention": "prevention_reached",
}
BUDGET_METRICS = {line: f"budget_{line}" for line in LINES}
#: The levers that are people in post: money for them is recruited, or cut by attrition and
#: notice (``Establishment``). Professional posts alone have locum cover and attrition (a
#: workforce of many; the coordinator and the community development worker are a post or two).
STAFFED = ("capacity_factor", "coordinator_posts", "prevention_hours")
PROFESSIONAL = "capacity_factor"
#: A change in wellbeing a person notices: 3 WEMWBS points on the 0-1 scale's 56 (Maheswaran
#: et al. 2012, Health and Quality of Life Outcomes 10:156, the minimal important difference;
#: the week-52 survey's threshold too).
NOTICEABLE = 3.0 / 56.0
POSTS, PACKAGES, TIMEBANK, PREVENTION = range(len(LINES))


# --- monitor ------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """What the survey reads of every resident at one moment (arrays of length n_people)."""

    in_care: np.ndarray  # bool: a service user now (the survey's users)
    wellbeing: np.ndarray
    need: np.ndarray
    connectedness: np.ndarray
    member: np.ndarray  # bool: time-bank member
    professional_hours: np.ndarray  # running totals from here on
    package_hours: np.ndarray
    hours_received: np.ndarray
    reached: np.ndarray  # prevention contacts
    strained: np.ndarray  # bool: their carer is under strain (none before carers exist)


@dataclass(frozen=True)
class Survey:
    """The year as each respondent (a user in care) reports it."""

    went_well: np.ndarray  # 0-1: share of the outcome items that improved
    used: np.ndarray  # bool, respondents x lines: used the line this year
    valued: np.ndarray  # bool, respondents x lines: what they say matters to them


@dataclass(frozen=True)
class Monitoring:
    """One year of one commissioner's monitoring: per line, in ``LINES`` order."""

    spend: np.ndarray  # GBP over the year
    activity: np.ndarray  # counted outputs over the year
    outcome: np.ndarray  # respondents who used the line, weighted by how their year went
    valued: np.ndarray  # bool, respondents x lines (see Survey)


def survey(start: People, now: People, params: Params) -> Survey:
    """Users in care answer: did wellbeing rise noticeably, did need not rise (met need)?
    What they value comes from their own state: isolated people value community (time bank,
    prevention), high need and strained carers value packages, the rest a professional."""
    who = now.in_care
    items = np.c_[
        now.wellbeing[who] - start.wellbeing[who] >= NOTICEABLE,
        now.need[who] <= start.need[who],
    ]
    used = np.c_[
        now.professional_hours[who] > start.professional_hours[who],
        now.package_hours[who] > start.package_hours[who],
        now.member[who] & (now.hours_received[who] > start.hours_received[who]),
        now.reached[who] > start.reached[who],
    ]
    isolated = now.connectedness[who] < params.commissioning_isolated
    cared = (now.need[who] >= params.commissioning_high_need) | now.strained[who]
    valued = np.c_[~(isolated | cared), cared, isolated, isolated]
    return Survey(went_well=items.mean(axis=1), used=used, valued=valued)


def monitor(rows: Mapping[str, Sequence[float]], answers: Survey) -> Monitoring:
    """The last year's spend and activity per line from the weekly metrics rows, and the
    outcomes its users report."""

    def year_total(name: str) -> float:
        return float(np.sum(rows[name][-WEEKS_PER_YEAR:])) if name in rows else 0.0

    return Monitoring(
        spend=np.array([sum(year_total(n) for n in SPEND_OF[line]) for line in LINES]),
        activity=np.array([year_total(ACTIVITY_OF[line]) for line in LINES]),
        # numpy's sum, not a BLAS product: its threads would split a city's long sums
        outcome=(answers.went_well[:, None] * answers.used).sum(axis=0),
        valued=answers.valued,
    )


# --- assess and plan: the rules -------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The first policy year: what each line cost and bought (the unit costs money buys at)."""

    shares: np.ndarray  # spend shares of the four lines
    budget: float  # GBP/year spent on the four lines
    levers: np.ndarray  # the lever values that spend bought
    tariff: np.ndarray  # GBP per counted output
    buyable: np.ndarray  # bool: money can buy this line here


def reference(spend: np.ndarray, activity: np.ndarray, params: Params) -> Reference:
    """The reference year. A line is buyable when it ran (spend and lever above zero: its
    unit cost is measured) or, for prevention, at its parameter cost; the others get no
    money (a commissioner cannot contract a service that does not exist in this world)."""
    budget = float(spend.sum())
    shares = spend / budget if budget > 0 else np.zeros(len(LINES))
    levers = np.array([float(getattr(params, LEVER_OF[line])) for line in LINES])
    measured = (shares > 0) & (levers > 0)
    buyable = measured.copy()
    buyable[PREVENTION] |= params.prevention_hour_cost > 0 and params.prevention_reach > 0
    tariff = np.divide(spend, activity, out=np.zeros(len(LINES)), where=activity > 0)
    if tariff[PREVENTION] == 0 and params.prevention_reach > 0:
        tariff[PREVENTION] = params.prevention_hour_cost / params.prevention_reach
    return Reference(shares, budget, levers, tariff, buyable)


Rule = Callable[[np.ndarray, Monitoring, Reference, "Params"], np.ndarray]


def _proportional(weights: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Weights as shares; no evidence at all (all zero) keeps last year's split."""
    total = weights.sum()
    return weights / total if total > 0 else previous


def block(previous: np.ndarray, seen: Monitoring, ref: Reference, params: Params) -> np.ndarray:
    """Last year's split: the status quo."""
    return previous


def activity(previous: np.ndarray, seen: Monitoring, ref: Reference, params: Params) -> np.ndarray:
    """Money follows counted outputs: each line earns its outputs at the reference tariff."""
    return _proportional(seen.activity * ref.tariff * ref.buyable, previous)


def outcomes(previous: np.ndarray, seen: Monitoring, ref: Reference, params: Params) -> np.ndarray:
    """Money follows outcomes per pound: a line's share grows in proportion to its users'
    reported outcomes per pound spent on it (lines above the average gain, below it lose)."""
    per_pound = np.divide(seen.outcome, seen.spend, out=np.zeros(len(LINES)), where=seen.spend > 0)
    return _proportional(previous * per_pound * ref.buyable, previous)


def voices(valued: np.ndarray, buyable: np.ndarray) -> np.ndarray:
    """What users and carers ask for, as shares: each respondent's priorities among the lines
    that can be bought count equally (someone whose priorities cannot be bought asks for a
    professional)."""
    wants = valued & buyable
    wants[~wants.any(axis=1), POSTS] = True
    if not len(wants):
        return np.zeros(len(LINES))
    return (wants / wants.sum(axis=1, keepdims=True)).mean(axis=0)


def co_commissioning(
    previous: np.ndarray, seen: Monitoring, ref: Reference, params: Params
) -> np.ndarray:
    """Users and carers deliberate with the commissioner: their own priorities, weighted by
    ``commissioning_voice``, beside the commissioner's outcome-based view."""
    voice = params.commissioning_voice
    asked = voices(seen.valued, ref.buyable)
    heard = asked if asked.sum() > 0 else previous
    return (1.0 - voice) * outcomes(previous, seen, ref, params) + voice * heard


COMMISSIONING_RULES: dict[str, Rule] = {
    rule.__name__: rule for rule in (block, activity, outcomes, co_commissioning)
}


# --- secure -------------------------------------------------------------------------------


def secure(previous: np.ndarray, target: np.ndarray, ref: Reference, params: Params) -> np.ndarray:
    """Re-let ``commissioning_max_shift`` of every contract at the target. Money on a line
    that cannot be bought goes to the others in proportion, so the split adds up to 1; a
    target equal to last year's split leaves it exactly as it was."""
    moved = previous + params.commissioning_max_shift * (target - previous)
    if (moved[~ref.buyable] == 0).all() and (moved >= 0).all() and abs(moved.sum() - 1) < 1e-9:
        return moved
    moved = np.where(ref.buyable, np.maximum(moved, 0.0), 0.0)
    return _proportional(moved, ref.buyable / max(ref.buyable.sum(), 1))


def levers(
    bought: tuple[np.ndarray, float],
    planned: tuple[np.ndarray, float],
    ref: Reference,
    params: Params,
) -> dict[str, float]:
    """What the money buys. ``bought`` is the split and budget that bought the levers now in
    force, ``planned`` next year's: a funded line's lever moves in proportion to its money
    (the unit cost it is bought at now), so an unchanged budget line leaves its lever, and
    whatever a timeline did to it, exactly as it is. A line unfunded last year is bought at
    its reference unit cost (the first year's spend over its lever), prevention at its
    hourly cost. Values stay within the lever's range (money beyond it is not spent)."""
    (old_shares, old_budget), (shares, budget) = bought, planned
    changes = {}
    for index, line in enumerate(LINES):
        name = LEVER_OF[line]
        now, money = float(getattr(params, name)), shares[index] * budget
        if old_shares[index] * old_budget > 0 and now > 0:
            value = now * (shares[index] / old_shares[index]) * (budget / old_budget)
        elif ref.shares[index] > 0 and ref.levers[index] > 0:
            value = money * ref.levers[index] / (ref.shares[index] * ref.budget)
        elif index == PREVENTION and ref.buyable[index]:
            value = money / (WEEKS_PER_YEAR * params.prevention_hour_cost)
        else:
            continue
        value = _within(params, name, value)
        if value != now:
            changes[name] = value
    return changes


def _within(params: Params, name: str, value: float) -> float:
    """A value inside the lever's schema range (an open lower bound is kept just above)."""
    low, high = -np.inf, np.inf
    for bound in type(params).model_fields[name].metadata:
        low = getattr(bound, "ge", None) if getattr(bound, "ge", None) is not None else low
        if getattr(bound, "gt", None) is not None:
            low = np.nextafter(bound.gt, np.inf)
        high = getattr(bound, "le", None) if getattr(bound, "le", None) is not None else high
    return float(min(max(value, low), high))


# --- secure: money for people becomes people with the workforce's delays ---------------------


Pending = list[tuple[int, float]]  # (week it takes effect, amount of the lever)


@dataclass
class Establishment:
    """One staffed lever: the value in post, new posts advertised (each filled in its week),
    and cuts under notice (each gone in its week, sooner for what attrition takes)."""

    staffed: float
    hiring: Pending = field(default_factory=list)
    leaving: Pending = field(default_factory=list)

    @property
    def vacant(self) -> float:
        """Funded posts not yet filled."""
        return sum(amount for _, amount in self.hiring)

    def funded(self) -> float:
        """The value the contracts pay for: in post, plus advertised, less under notice."""
        return self.staffed + self.vacant - sum(amount for _, amount in self.leaving)

    def fund(self, value: float, week: int, params: Params) -> None:
        """Next year's funded value. A rise first withdraws notices (the newest first), then
        advertises posts filled after ``vacancy_weeks``; a cut first withdraws adverts, then
        gives notice that ends after ``commissioning_notice_weeks``."""
        change = value - self.funded()
        if change > 0:
            self.leaving, change = _withdraw(self.leaving, change)
            if change > 0:
                self.hiring.append((week + params.vacancy_weeks, change))
        elif change < 0:
            self.hiring, rest = _withdraw(self.hiring, -change)
            if rest > 0:
                self.leaving.append((week + params.commissioning_notice_weeks, rest))

    def advance(self, week: int, attrition: float) -> float:
        """The week's moves: advertised posts due are filled; a share ``attrition`` of the
        staff leave and, while cuts are pending, are not replaced (the earliest notices
        first); notices that end leave. Returns the amount recruited."""
        if not self.hiring and not self.leaving:  # the steps below with their sums of nothing
            self.staffed += 0
            self.staffed = max(self.staffed - min(attrition * self.staffed, 0) - 0, 0.0)
            return 0
        recruited = sum(amount for due, amount in self.hiring if due <= week)
        self.hiring = [(due, amount) for due, amount in self.hiring if due > week]
        self.staffed += recruited
        cutting = sum(amount for _, amount in self.leaving)
        left = min(attrition * self.staffed, cutting)
        if left > 0:
            self.leaving = _withdraw(self.leaving[::-1], left)[0][::-1]
        ending = sum(amount for due, amount in self.leaving if due <= week)
        self.leaving = [(due, amount) for due, amount in self.leaving if due > week]
        self.staffed = max(self.staffed - left - ending, 0.0)
        return recruited


def _withdraw(pending: Pending, amount: float) -> tuple[Pending, float]:
    """Take ``amount`` off the pending moves, the last first; returns what is left of both."""
    kept = list(pending)
    while kept and amount > 0:
        due, planned = kept.pop()
        taken = min(planned, amount)
        amount -= taken
        if planned > taken:
            kept.append((due, planned - taken))
    return kept, amount


def yearly_budget(ref: Reference, params: Params) -> float:
    """The budget: typed, or the reference year's spend, times the budget factor."""
    return (params.commissioning_budget or ref.budget) * params.commissioning_budget_factor


def starting_split(ref: Reference, params: Params) -> np.ndarray:
    """The contracts in force at the first cycle: the given split, else the reference year's
    (a world that spent nothing on the four lines starts evenly over what can be bought)."""
    given = np.array([getattr(params, f"commissioning_split_{line}") for line in LINES])
    if given.any():
        return given
    return ref.shares if ref.budget > 0 else ref.buyable / max(ref.buyable.sum(), 1)


# --- the commissioner: state between cycles -------------------------------------------------


class Commissioner:
    """The yearly cycle's memory: the contracts in force, the reference year, what the survey
    compares with (everyone at the start of the year), and the staffed levers' posts."""

    def __init__(self, n_people: int) -> None:
        self.reached = np.zeros(n_people)  # prevention contacts per resident, running
        self.shares: np.ndarray | None = None  # the split and budget in force
        self.budget = np.nan
        self.ref: Reference | None = None
        self.year_start: People | None = None
        self.posts: dict[str, Establishment] = {}  # from the first cycle on
        self.in_force: dict[str, float] = {}  # each staffed lever's value as last set
        self.locum_share = 0.0  # this week: share of professional hours locums work on new posts
        self.recruited = 0.0  # this week: professionals recruited into new posts
        # (reference, shares, budget), the budget columns made of them: these objects are
        # replaced once a year, never changed in place, and the columns are read every week
        self._columns: tuple[tuple[Any, ...], dict[str, float]] | None = None

    def begin(self, people: People) -> None:
        """Week 0, and the start of every commissioning year: the survey's 'before'."""
        self.year_start = people

    @staticmethod
    def due(week: int) -> bool:
        """At the start of weeks 53, 105, ...: a year of policy weeks has been monitored."""
        return week > 1 and (week - 1) % WEEKS_PER_YEAR == 0

    def cycle(
        self, params: Params, rows: Mapping[str, Sequence[float]], people: People, week: int
    ) -> dict[str, float]:
        """Monitor the year, assess and plan under the rule, secure the contracts; returns
        the lever changes that act now: packages (at each review) and the new posts' locum
        cover; money for staffed levers is planned into their posts (``staffing`` moves them
        week by week from the next week on)."""
        seen = monitor(rows, survey(self.year_start, people, params))
        if self.ref is None:
            self.ref = reference(seen.spend, seen.activity, params)
            self.shares, self.budget = self.ref.shares, self.ref.budget
            contracts = starting_split(self.ref, params)
        else:
            contracts = self.shares
        target = COMMISSIONING_RULES[params.commissioning](contracts, seen, self.ref, params)
        planned = secure(contracts, target, self.ref, params), yearly_budget(self.ref, params)
        self._follow_timeline(params)
        funded = params.model_copy(update={n: post.funded() for n, post in self.posts.items()})
        changes = levers((self.shares, self.budget), planned, self.ref, funded)
        for name in STAFFED:
            if name in changes:
                self.posts[name].fund(changes.pop(name), week, params)
        self.shares, self.budget = planned
        self.begin(people)
        return changes | self._in_force(params)

    def _follow_timeline(self, params: Params) -> None:
        """Posts start as the levers stand at the first cycle; a lever a timeline moved since
        is taken as it is (in post, nothing pending: the timeline is the world's change)."""
        for name in STAFFED:
            now = float(getattr(params, name))
            if self.in_force.get(name) != now:
                self.posts[name], self.in_force[name] = Establishment(now), now

    def staffing(self, params: Params, pros: Professionals, week: int) -> dict[str, float]:
        """The start of a week, before any cycle: posts due are filled, cuts go by last
        week's attrition and by notice; returns the staffed levers that moved."""
        self.recruited = 0.0
        if not self.posts:
            return {}
        self._follow_timeline(params)
        last = (week - 1) % WEEKS_PER_YEAR
        attrition = float(pros.leavers[last] / pros.filled[last]) if pros.filled[last] else 0.0
        for name, post in self.posts.items():
            recruited = post.advance(week, attrition if name == PROFESSIONAL else 0.0)
            if name == PROFESSIONAL:
                self.recruited = recruited * params.n_professionals
        return self._in_force(params)

    def _in_force(self, params: Params) -> dict[str, float]:
        """The staffed levers that act now, where they moved: those in post, and for
        professional posts the locums' cover of the new posts still vacant."""
        changes = {}
        for name, post in self.posts.items():
            value = post.staffed
            if name == PROFESSIONAL:
                cover = params.locum_cover_share * post.vacant
                value += cover
                self.locum_share = cover / value if value > 0 else 0.0
            if value != self.in_force[name]:
                changes[name] = self.in_force[name] = value
        return changes

    def budget_columns(self) -> dict[str, float]:
        """Each line's budget this year (GBP/year); NaN in the first year, before a cycle."""
        kept = self._columns
        if (
            kept is None
            or kept[0][0] is not self.ref
            or kept[0][1] is not self.shares
            or kept[0][2] is not self.budget
        ):
            shares = self.shares if self.ref is not None else np.full(len(LINES), np.nan)
            columns = {
                BUDGET_METRICS[line]: float(s * self.budget)
                for line, s in zip(LINES, shares, strict=True)
            }
            kept = self._columns = ((self.ref, self.shares, self.budget), columns)
        return kept[1]

    def prevent(self, connectedness: np.ndarray, motivation: np.ndarray, params: Params) -> float:
        """A week of community development: ``prevention_hours * prevention_reach`` contacts
        with the least connected residents (ties broken by slot: no draw), each closing
        ``prevention_effect`` of the gap to full motivation. Returns the contacts made."""
        contacts = min(int(params.prevention_hours * params.prevention_reach), len(motivation))
        if contacts == 0:
            return 0.0
        reached = np.argsort(connectedness, kind="stable")[:contacts]
        motivation[reached] += params.prevention_effect * (1.0 - motivation[reached])
        self.reached[reached] += 1.0
        return float(contacts)

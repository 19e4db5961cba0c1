"""The co-production model: wiring of people, network, rules and weekly phases.

One step is one week (MODEL.md section 4). The weekly phases live in their own modules
(``care``, ``community``, ``workforce``, ``wellbeing``, ``forum``, ``costs``); this module
runs them in order under the scenario's rules, after a warm-up under the status quo, and
collects the metrics, agent snapshots and the week-52 survey.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from coprod.simulation.agents import Carer, Neighbour, Professional, ServiceUser
from coprod.simulation.care import (
    apply_encounters,
    drift_need,
    effective_capacity,
    encounters,
    seek_help,
    update_need,
)
from coprod.simulation.carers import (
    build_carers,
    care_hours,
    care_met,
    carer_metrics,
    caring,
    choose_carers,
    give_care,
    settle,
    update_carer_wellbeing,
)
from coprod.simulation.community import TieLedger, after_exchange, churn_members, exchange
from coprod.simulation.costs import weekly_costs
from coprod.simulation.forum import consult, hold_forum
from coprod.simulation.mesa_compat import community_space
from coprod.simulation.metrics import SurveyTracker, state_metrics, survey_summary
from coprod.simulation.network import build_graph, ties_of
from coprod.simulation.outputs import AGENT_COLUMNS, METRICS, SURVEY_QUESTIONS, RunResult
from coprod.simulation.packages import (
    build_packages,
    count_lost_ties,
    cut_ties,
    due,
    largest_package_met,
    package_met,
    package_metrics,
    place,
    review,
)
from coprod.simulation.params import Params
from coprod.simulation.population import (
    assign_lived_experience,
    build_community,
    build_professionals,
    build_users,
    set_willingness,
)
from coprod.simulation.rules import POWER_RULES, RECIPROCITY_RULES, PowerRule, ReciprocityRule
from coprod.simulation.seeds import split
from coprod.simulation.timeline import changes_by_week
from coprod.simulation.warmup import accelerated, fast_weeks
from coprod.simulation.wellbeing import update_wellbeing
from coprod.simulation.workforce import lose_continuity, update_workforce

NEVER = -(10**6)  # "no exchange yet" for the tie ledger
#: The policy levers the warm-up holds at the status quo in every scenario: the scenario's
#: own values of these act from week 0, so replicate i meets the same people at week 0 in
#: every scenario (MODEL.md sections 2 and 9).
STATUS_QUO_LEVERS = {
    "power_rule": "expert",
    "reciprocity": "none",
    "capacity_factor": 1.0,
    "lived_experience_share": 0.0,
    "package_hours_factor": 1.0,  # S: the council's usual generosity
}
SUMMARY_WEEKS = 8  # "early" = weeks 1-8, "end" = the last 8 weeks (MODEL.md section 7)


class CoProductionModel(mesa.Model):
    """Professionals, service users and neighbours under one power-sharing and one
    reciprocity rule; week 0 is the state when the scenario's policy starts."""

    def __init__(
        self,
        params: Params | None = None,
        seed: np.random.SeedSequence | int | None = None,
        *,
        rng: int | None = None,
        **overrides: object,
    ) -> None:
        """Build the world and warm it up to week 0.

        ``params`` is a validated parameter set; keyword ``overrides`` (any parameter by name,
        ``CoProductionModel(power_sharing=0.5, n_users=300)``) are validated on top of it, so
        ``mesa.batch_run`` can sweep the model as it sweeps any Mesa model. ``seed`` (or
        ``rng``, the name ``batch_run`` passes) is a ``SeedSequence`` or an integer; with
        neither the seed comes from OS entropy and the run cannot be repeated.
        """
        params = params or Params()
        if overrides:
            params = Params.model_validate({**params.model_dump(), **overrides})
        seed = rng if seed is None else seed
        seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        streams = split(seed)
        super().__init__(rng=streams.behaviour)
        self.params = params
        self.exogenous = streams.exogenous
        population = streams.population
        self.graph = build_graph(
            params.n_users + params.n_neighbours,
            params.network_degree,
            params.network_rewiring,
            population,
        )
        self.ties = ties_of(self.graph)
        self.users = build_users(params, population)
        self.community = build_community(params, self.users, population)
        self.professionals = build_professionals(params, population)
        self.ledger = TieLedger(last_given=np.full(len(self.ties.target), NEVER, dtype=np.int64))
        self.network = community_space(self.graph, self.random)
        self._place_agents()
        self._build_social_care(population)
        self.timeline = changes_by_week(params.timeline)
        status_quo = params.model_copy(update=STATUS_QUO_LEVERS)
        self._warm_up(status_quo)
        self._start_policy(status_quo, params)

    def _warm_up(self, status_quo: Params) -> None:
        """Run the status quo, the same in every scenario, until it is at rest at week 0: the
        first half with the slow rates sped up, the second at the true rates (``warmup``)."""
        assign_lived_experience(self.professionals, status_quo)
        rules = POWER_RULES[status_quo.power_rule], RECIPROCITY_RULES[status_quo.reciprocity]
        self.week = -self.params.warmup_weeks
        self.flows = {name: 0.0 for name in METRICS}
        fast = accelerated(status_quo)
        for index in range(self.params.warmup_weeks):
            self.week += 1
            if index == fast_weeks(status_quo):  # sped-up leavers are not turnover to report
                self.professionals.leavers[:] = self.professionals.filled[:] = 0.0
            self._advance(fast if index < fast_weeks(status_quo) else status_quo, *rules)

    def _place_agents(self) -> None:
        """Users and neighbours on their network cells; professionals off the network."""
        n_users = self.params.n_users
        for index in range(n_users + self.params.n_neighbours):
            kind = ServiceUser if index < n_users else Neighbour
            kind(self, index).cell = self.network[index]
        for index in range(self.params.n_professionals):
            Professional(self, index)

    # --- social care and carers (engineer S; MODEL.md 10.2-10.3) ----------------------------
    def _per_person(self, user_values: np.ndarray) -> np.ndarray:
        """A users' array padded to one entry per person (v1 shape: delete at the merge)."""
        return np.r_[user_values, np.zeros(self.params.n_neighbours, dtype=user_values.dtype)]

    def _build_social_care(self, population: np.random.Generator) -> None:
        """Carers, review phases and tie draws (fixed draws from the population stream), and
        everyone's first assessment, with carers' strain at rest under it."""
        p = self.params.model_copy(update=STATUS_QUO_LEVERS)
        users, comm = self.users, self.community
        n = len(comm.is_user)
        carer = choose_carers(
            p, self.ties, ~comm.is_user, population.random(n), population.random(n)
        )
        self.carers = build_carers(carer)
        self.packages = build_packages(n, self.ties, population, p)
        need, in_care = self._per_person(users.need), comm.is_user
        active = caring(self.carers, in_care, self.packages.placed, -p.warmup_weeks)
        met = care_met(p, care_hours(self.carers, p, need, active), need)
        unmanaged = self._per_person(users.need * (1.0 - users.agency * users.capability))
        review(self.packages, p, in_care, in_care, need, unmanaged, met)
        self.packages.last_change[:] = 0.0
        settle(self.carers, p, need, active, self.packages.hours, comm.wellbeing)
        for cared_for in np.flatnonzero(carer >= 0):
            Carer(self, int(cared_for))

    def _social_care(self, p: Params, power: PowerRule, crises: np.ndarray) -> np.ndarray:
        """Carers care, packages are reviewed or re-assessed (after a crisis or a carer's
        breakdown) and placements decided; returns the need carers meet, per person."""
        users, comm, carers, packages = self.users, self.community, self.carers, self.packages
        n, week = len(comm.is_user), self.week
        breakdown_draw, decision_draw = self.exogenous.random(n), self.exogenous.random(n)
        need, in_care = self._per_person(users.need), comm.is_user
        active = caring(carers, in_care, packages.placed, week)
        give_care(carers, p, need, active, packages.hours, breakdown_draw, week)
        met = care_met(p, carers.hours, need)
        decided = due(packages, p, week, self._per_person(crises) | carers.breakdowns) & in_care
        unmanaged = self._per_person(users.need * (1.0 - users.agency * users.capability))
        review(packages, p, decided, in_care, need, unmanaged, met)
        home = need - unmanaged + self._per_person(users.cover) + met + largest_package_met(p)
        unsupported = ~caring(carers, in_care, packages.placed, week)
        placed = place(packages, p, power, decided, need, unsupported, home, decision_draw)
        if placed.any():
            self.ties, self.ledger.last_given = cut_ties(
                packages, p, placed, self.ledger.last_given
            )
        return met

    def _start_policy(self, status_quo: Params, params: Params) -> None:
        """Week 0: the policy starts; running totals and the survey baseline are taken now."""
        users, comm, pros = self.users, self.community, self.professionals
        for totals in (
            users.crises,
            users.gp_contacts,
            users.professional_hours,
            comm.hours_given,
            comm.hours_received,
            pros.hours_delivered,
        ):
            totals[:] = 0.0
        self.reciprocity = RECIPROCITY_RULES[status_quo.reciprocity]
        self._set_policy(params)
        self.survey = SurveyTracker(self.params, comm.wellbeing.copy(), users.need.copy())
        self.cost_cumulative = 0.0
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in ("week", *METRICS)}
        )
        self.snapshots: list[pd.DataFrame] = []
        self._collect()

    def _set_policy(self, params: Params) -> None:
        """Levers take new values: at week 0 (the scenario's own) and at timeline weeks.

        The rules are looked up again; willingness and lived experience follow the levers;
        a time bank that opens recruits its first members (the same people in every
        scenario), and one that closes (its funding ends) lets its members' credits lapse.
        """
        was_bank = self.reciprocity.bank
        self.params = params
        self.power_rule: PowerRule = POWER_RULES[params.power_rule]
        self.reciprocity: ReciprocityRule = RECIPROCITY_RULES[params.reciprocity]
        set_willingness(self.professionals, params)
        comm = self.community
        if self.reciprocity.bank and not was_bank:
            comm.member = comm.join_draw < params.timebank_uptake
        elif was_bank and not self.reciprocity.bank:
            comm.member[:] = False
            comm.credits[:] = 0.0

    def step(self) -> None:
        """One week of the scenario's policy; a timeline's changes act from the week's start."""
        self.week += 1
        if self.week in self.timeline:
            self._set_policy(self.params.model_copy(update=self.timeline[self.week]))
        self._advance(self.params, self.power_rule, self.reciprocity)
        self._collect()
        if self.week == self.params.survey_week:
            self.survey.take(self.users, self.community, self.reciprocity.bank)

    def _advance(self, p: Params, power: PowerRule, reciprocity: ReciprocityRule) -> None:
        """The nine phases of MODEL.md section 4, in order; flows go to ``self.flows``."""
        users, comm, pros, week = (
            self.users,
            self.community,
            self.professionals,
            self.week,
        )
        behaviour = self.rng
        # 1-2. need, crises, GP contacts; help-seeking
        events = drift_need(users, p, self.exogenous, behaviour)
        # S. social care: carers, package reviews, placements (MODEL.md 10.2-10.3)
        n_users = len(users.need)
        carer_met = self._social_care(p, power, events.crises)[:n_users]
        placed = self.packages.placed[:n_users]
        community_cover = users.cover
        users.cover = community_cover + carer_met  # a carer's care lowers what people ask for
        requested, dependent = seek_help(users, p, behaviour)
        users.cover = community_cover
        requested, dependent = np.where(placed, 0.0, requested), dependent & ~placed
        # 3. encounters under the power rule
        capacity = effective_capacity(pros, p, week)
        in_post = pros.in_post(week)
        # a locum shares power as the average professional does
        willing = np.where(in_post, pros.sharing, p.sharing_mean)
        sharing = power.sharing(p, willing, pros.pressure)
        proactive = (
            min(p.max_proactive_share, p.power_sharing * pros.sharing.mean())
            if power.forums
            else 0.0
        )
        care = encounters(users, pros, p, requested, sharing, proactive, capacity)
        referred = apply_encounters(users, pros, p, care, behaviour)
        lose_continuity(users, pros, p, care.clinical > 0)
        if reciprocity.bank:
            comm.member[: p.n_users] |= referred
        else:
            users.referred_until[referred] = week + p.reciprocity_window
        # S. package hours, care homes and carers meet need as clinical hours do
        met_elsewhere = package_met(p, self.packages, self._per_person(users.need))[:n_users]
        update_need(users, p, care.clinical + (met_elsewhere + carer_met) * p.hours_per_need)
        # 4. community exchange under the reciprocity rule
        swap = exchange(comm, users, self.ties, self.ledger, reciprocity, p, week)
        after_exchange(comm, users, self.ties, self.ledger, reciprocity, p, week)
        if self.packages.inactive.any():  # S. ties a placement cut count as lost
            bank_ties = comm.member if reciprocity.bank else np.zeros(len(comm.member))
            comm.connectedness = count_lost_ties(
                comm.connectedness, self.ties, self.packages.full_ties, bank_ties
            )
        if reciprocity.bank:
            churn_members(comm, users, self.ties, p, behaviour)
        # 5. professionals
        delivered = np.bincount(users.professional, care.staff_time, minlength=p.n_professionals)
        leavers, recruits = update_workforce(
            pros, p, care.professional_demand, capacity, delivered + pros.reserved, week, behaviour
        )
        # 6. wellbeing
        update_wellbeing(comm, users, p)
        involved = self._per_person(care.sharing * (care.clinical > 0))  # S. carers take part
        update_carer_wellbeing(self.carers, p, comm.wellbeing, involved)
        # 7. forum and consultation (flags and reserved staff time act from next week)
        forum_week = power.forums and week > 0 and week % p.forum_every == 0
        if forum_week:
            hold_forum(users, comm, self.ties, p, behaviour)
        if power.consults or forum_week:
            consult_hours = consult(users, pros, p, care.sharing, week, behaviour)
        else:
            consult_hours, pros.reserved = 0.0, np.zeros(p.n_professionals)
        # 8. costs
        hours = float(care.staff_time.sum()) + consult_hours + forum_week * p.forum_staff_hours
        locum_hours = float(delivered[~in_post].sum())
        costs = weekly_costs(
            p,
            delivered_hours=hours - locum_hours,
            locum_hours=locum_hours,
            funded_hours=float((pros.hours * in_post).sum() * p.capacity_factor),
            crises=int(events.crises.sum()),
            admissions=int(events.admissions.sum()),
            gp_contacts=int(events.gp_contacts.sum()),
            members=int(comm.member.sum()),
            recruits=recruits,
            package_hours=float(self.packages.hours.sum()),
            placed=int(np.count_nonzero(self.packages.placed)),
            week=max(week, 0),
        )
        users.crises += events.crises
        users.gp_contacts += events.gp_contacts
        self.survey_inputs = (care.clinical, events.gp_contacts + events.crises)
        self.flows = {
            "dependence": float(dependent.sum() / asked)
            if (asked := np.count_nonzero(requested))
            else 0.0,
            "professional_hours": hours,
            "unmet_demand_hours": float(np.maximum(care.requested - care.clinical, 0.0).sum()),
            "crises": float(events.crises.sum()),
            "gp_contacts": float(events.gp_contacts.sum()),
            "community_hours": swap.community_hours,
            "timebank_hours": swap.timebank_hours,
            "active_givers": float(swap.active_givers),
            "professional_turnover": float(leavers),
            "locum_hours": locum_hours,
            "cost_week": sum(costs.values()),
            **costs,
            **package_metrics(self.packages),
            **carer_metrics(
                self.carers, caring(self.carers, comm.is_user, self.packages.placed, week)
            ),
        }

    def _collect(self) -> None:
        """9. The week's metrics row, the survey windows, and agent snapshots when due."""
        p = self.params
        if self.week > 0:
            self.cost_cumulative += self.flows["cost_week"]
            self.survey.record(self.week, *self.survey_inputs)
        row = {
            "week": self.week,
            **self.flows,
            **state_metrics(self.users, self.community, self.professionals, self.week),
            "cost_cumulative": self.cost_cumulative,
            "cost_per_user_week": self.flows["cost_week"] / p.n_users,
        }
        self.latest = row
        self.datacollector.collect(self)
        self.running = self.week < p.weeks
        if p.snapshot_every and self.week % p.snapshot_every == 0:
            self.snapshots.append(self.snapshot())

    def snapshot(self) -> pd.DataFrame:
        """One row per person: type, state and running totals since week 0."""
        users, comm, pros = self.users, self.community, self.professionals
        n_users, n_people, m = len(users.need), len(comm.is_user), len(pros.hours)
        nan_n, nan_m = np.full(n_people - n_users, np.nan), np.full(m, np.nan)

        def people(user_values: np.ndarray) -> np.ndarray:
            return np.r_[user_values, nan_n, nan_m]

        def everyone(person_values: np.ndarray) -> np.ndarray:
            return np.r_[person_values, nan_m]

        columns = {
            "need": people(users.need),
            "baseline_need": people(users.baseline_need),
            "wellbeing": everyone(comm.wellbeing),
            "agency": people(users.agency),
            "capability": people(users.capability),
            "trust": people(users.trust),
            "credits": everyone(comm.credits),
            "member": everyone(comm.member.astype(float)),
            "burnout": np.r_[np.full(n_people, np.nan), pros.burnout],
            "crises": people(users.crises),
            "gp_contacts": people(users.gp_contacts),
            "professional_hours": np.r_[users.professional_hours, nan_n, pros.hours_delivered],
            "hours_given": everyone(comm.hours_given),
            "hours_received": everyone(comm.hours_received),
            "package_hours": everyone(self.packages.hours),
            "placed": everyone(self.packages.placed.astype(float)),
            "carer_of": everyone(self.carers.carer_of.astype(float)),
        }
        kinds = np.r_[np.where(comm.is_user, "user", "neighbour"), np.full(m, "professional")]
        frame = pd.DataFrame(
            {"week": self.week, "agent_id": np.arange(n_people + m), "agent_type": kinds, **columns}
        )
        return frame[["week", "agent_id", "agent_type", *AGENT_COLUMNS]]

    def timeseries(self) -> pd.DataFrame:
        """The weekly metrics so far: week 0..now, one column per metric."""
        return self.datacollector.get_model_vars_dataframe()[["week", *METRICS]]


def _reporter(name: str):
    """A DataCollector model reporter reading one metric of the week's row: the row is
    computed once for all metrics, so collecting costs a dictionary look-up per metric."""
    return lambda model: model.latest[name]


def summarise(timeseries: pd.DataFrame) -> dict[str, float]:
    """Early (weeks 1-8) and end (last 8 weeks) means of every metric, for runs.parquet."""
    policy = timeseries[timeseries["week"] > 0]
    early = policy.head(SUMMARY_WEEKS)[list(METRICS)].mean()
    end = policy.tail(SUMMARY_WEEKS)[list(METRICS)].mean()
    return {
        **{f"early_{k}": float(v) for k, v in early.items()},
        **{f"end_{k}": float(v) for k, v in end.items()},
        "total_cost": float(timeseries["cost_cumulative"].iloc[-1]),
    }


def simulate(params: Params, seed: np.random.SeedSequence | int) -> RunResult:
    """Run one scenario for ``params.weeks`` weeks and return everything it produced."""
    model = CoProductionModel(params, seed)
    for _ in range(params.weeks):
        model.step()
    timeseries = model.timeseries()
    survey = (
        model.survey.result
        if model.survey.result is not None
        else pd.DataFrame(columns=["agent_id", "agent_type", "participant", *SURVEY_QUESTIONS])
    )
    agents = (
        pd.concat(model.snapshots, ignore_index=True)
        if model.snapshots
        else pd.DataFrame(columns=["week", "agent_id", "agent_type", *AGENT_COLUMNS])
    )
    summary = summarise(timeseries)
    if model.survey.result is not None:
        summary |= survey_summary(survey)
    return RunResult(timeseries=timeseries, agents=agents, survey=survey, summary=summary)

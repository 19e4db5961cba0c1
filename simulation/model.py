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

from coprod.simulation.agents import Neighbour, Professional, ServiceUser
from coprod.simulation.care import (
    apply_encounters,
    drift_need,
    effective_capacity,
    encounters,
    seek_help,
    update_need,
)
from coprod.simulation.commissioning import Commissioner, People
from coprod.simulation.community import TieLedger, after_exchange, churn_members, exchange
from coprod.simulation.costs import weekly_costs
from coprod.simulation.forum import consult, hold_forum
from coprod.simulation.mesa_compat import community_space
from coprod.simulation.metrics import SurveyTracker, state_metrics, survey_summary
from coprod.simulation.network import build_graph, ties_of
from coprod.simulation.outputs import AGENT_COLUMNS, METRICS, SURVEY_QUESTIONS, RunResult
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
    "prevention_hours": 0.0,  # commissioning (issue 17): no community development before
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
        self.commissioner = Commissioner(len(self.community.is_user))  # commissioning
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
        self.commissioner.begin(self._people())  # commissioning: the survey's baseline
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
        if self.commissioner.due(self.week):  # commissioning: the yearly cycle (issue 17)
            rows = self.datacollector.model_vars
            if changes := self.commissioner.cycle(self.params, rows, self._people()):
                self._set_policy(self.params.model_copy(update=changes))
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
        requested, dependent = seek_help(users, p, behaviour)
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
        update_need(users, p, care.clinical)
        # 4. community exchange under the reciprocity rule
        swap = exchange(comm, users, self.ties, self.ledger, reciprocity, p, week)
        after_exchange(comm, users, self.ties, self.ledger, reciprocity, p, week)
        if reciprocity.bank:
            churn_members(comm, users, self.ties, p, behaviour)
        # 4b. prevention: community development (commissioning, issue 17)
        reached = self.commissioner.prevent(comm.connectedness, comm.motivation, p)
        # 5. professionals
        delivered = np.bincount(users.professional, care.staff_time, minlength=p.n_professionals)
        leavers, recruits = update_workforce(
            pros, p, care.professional_demand, capacity, delivered + pros.reserved, week, behaviour
        )
        # 6. wellbeing
        update_wellbeing(comm, users, p)
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
            "prevention_reached": reached,  # commissioning (issue 17)
            **self.commissioner.budget_columns(),
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

    def _people(self) -> People:
        """Commissioning (issue 17): what its survey reads of every resident now."""
        users, comm = self.users, self.community
        pad = np.zeros(len(comm.is_user) - len(users.need))  # MERGE: v1 user arrays; delete
        return People(
            in_care=comm.is_user.copy(),
            wellbeing=comm.wellbeing.copy(),
            need=np.r_[users.need, pad],
            connectedness=comm.connectedness.copy(),
            member=comm.member.copy(),
            professional_hours=np.r_[users.professional_hours, pad],
            package_hours=np.zeros(len(comm.is_user)),  # MERGE: services' package hours
            hours_received=comm.hours_received.copy(),
            reached=self.commissioner.reached.copy(),
            strained=np.zeros(len(comm.is_user), bool),  # MERGE: services' carer strain
        )

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

"""The co-production model: wiring of people, network, rules and weekly phases.

One step is one week (MODEL.md section 4). The weekly phases live in their own modules
(``care``, ``community``, ``workforce``, ``wellbeing``, ``forum``, ``costs``); this module
runs them in order under the scenario's rules, after a warm-up under the status quo, and
collects the metrics, agent snapshots and the week-52 survey.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NamedTuple

import mesa
import numpy as np
import pandas as pd

from coprod.simulation.agents import Carer, Neighbour, Person, Professional, follow_care_status
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
from coprod.simulation.commissioning import Commissioner, People
from coprod.simulation.community import TieLedger, after_exchange, exchange
from coprod.simulation.costs import weekly_costs
from coprod.simulation.forum import consult, hold_forum
from coprod.simulation.memory import LARGE_WORLD_TIES, hold_freed_memory
from coprod.simulation.mesa_compat import community_space
from coprod.simulation.metrics import state_metrics
from coprod.simulation.network import build_ties, graph_of
from coprod.simulation.outputs import AGENT_COLUMNS, METRICS, SURVEY_QUESTIONS, RunResult
from coprod.simulation.packages import (
    build_packages,
    count_lost_ties,
    cut_ties,
    due,
    incident_edges,
    largest_package_met,
    package_met,
    package_metrics,
    place,
    review,
    vacate,
    with_inactive,
)
from coprod.simulation.params import Params
from coprod.simulation.population import (
    assign_lived_experience,
    at_rest_in_care,
    build_community,
    build_households,
    build_professionals,
    build_users,
    set_willingness,
)
from coprod.simulation.residents import (
    age_one_week,
    dying,
    renew,
    review_care,
    settle_care_status,
    stationary_ages,
)
from coprod.simulation.rules import POWER_RULES, RECIPROCITY_RULES, PowerRule, ReciprocityRule
from coprod.simulation.seeds import Streams, split
from coprod.simulation.survey import SurveyTracker, participants, survey_summary
from coprod.simulation.timebank import (
    bank_metrics,
    build_timebank,
    churn,
    close_bank,
    funded,
    open_bank,
    refer,
)
from coprod.simulation.timeline import changes_by_week
from coprod.simulation.warmup import accelerated, fast_weeks
from coprod.simulation.week0 import SHARED, WarmUps, World

# FROM_WEEK0 is re-exported: the tests of shared warm-ups read it from here
from coprod.simulation.week0_key import FROM_WEEK0, STATUS_QUO_LEVERS, world_key  # noqa: F401
from coprod.simulation.week_steps import care_received, home_terms, not_placed, week_totals
from coprod.simulation.wellbeing import update_wellbeing
from coprod.simulation.workforce import lose_continuity, update_workforce

if TYPE_CHECKING:
    from mesa.agent import AgentSet
    from mesa.discrete_space import Network

NEVER = -(10**6)  # "no exchange yet" for the tie ledger
SUMMARY_WEEKS = 8  # "early" = weeks 1-8, "end" = the last 8 weeks (MODEL.md section 7)
#: A snapshot's ``agent_type`` values, taken by code (USER, NEIGHBOUR, POST): pandas makes
#: its string column from these three once instead of from every row's text each snapshot.
AGENT_TYPES = pd.array(["user", "neighbour", "professional"], dtype="str")
USER, NEIGHBOUR, POST = range(3)


class Snapshot(NamedTuple):
    """One week's agent snapshot as arrays: ``kind`` codes into :data:`AGENT_TYPES`, and
    ``values`` one row per column of :data:`AGENT_COLUMNS`, one entry per agent."""

    week: int
    agent_id: np.ndarray
    kind: np.ndarray
    values: np.ndarray


def agent_frame(snapshots: list[Snapshot]) -> pd.DataFrame:
    """Snapshots, in order, as one table: ``week``, ``agent_id``, ``agent_type`` and the
    columns of :data:`AGENT_COLUMNS` (the string column made once, from three strings).

    Each column is joined on its own and handed over uncopied: joining all the values as one
    block, which pandas then copied into its own, took twice the snapshots' bytes more at
    the peak (2.0 GiB against 1.0 for 27 snapshots of 208,000 agents)."""
    sizes = [len(snapshot.agent_id) for snapshot in snapshots]
    columns = {
        "week": np.repeat(np.array([snapshot.week for snapshot in snapshots]), sizes),
        "agent_id": np.concatenate([snapshot.agent_id for snapshot in snapshots]),
        "agent_type": AGENT_TYPES.take(np.concatenate([s.kind for s in snapshots])),
    }
    for row, name in enumerate(AGENT_COLUMNS):
        columns[name] = np.concatenate([snapshot.values[row] for snapshot in snapshots])
    return pd.DataFrame(columns, copy=False)


class CoProductionModel(mesa.Model):
    """Professionals, service users and neighbours under one power-sharing and one
    reciprocity rule; week 0 is the state when the scenario's policy starts."""

    def __init__(
        self,
        params: Params | None = None,
        seed: np.random.SeedSequence | int | None = None,
        *,
        rng: int | None = None,
        warm_ups: WarmUps | None = None,
        **overrides: object,
    ) -> None:
        """Build the world and warm it up to week 0, then start the scenario's policy.

        ``params`` is a validated parameter set; keyword ``overrides`` (any parameter by name,
        ``CoProductionModel(power_sharing=0.5, n_users=300)``) are validated on top of it, so
        ``mesa.batch_run`` can sweep the model as it sweeps any Mesa model. ``seed`` (or
        ``rng``, the name ``batch_run`` passes) is a ``SeedSequence`` or an integer; with
        neither the seed comes from OS entropy and the run cannot be repeated. ``warm_ups``
        (``week0.WarmUps``) keeps the week-0 state of the last build and starts from a copy
        of it when :func:`world_key` says this build would make the same state: the model is
        then bit for bit the one built from scratch, without the cost of building it.
        """
        params = params or Params()
        if overrides:
            params = Params.model_validate({**params.model_dump(), **overrides})
        seed = rng if seed is None else seed
        seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        streams = split(seed)
        super().__init__(rng=streams.behaviour)
        status_quo = params.model_copy(update=STATUS_QUO_LEVERS)
        key = world_key(params, seed) if warm_ups else None
        world = warm_ups.find(key) if warm_ups and key else None
        if world:
            world.restore(self)
        else:
            mesa_owned = set(vars(self))
            self._build(params, streams)
            self._warm_up(status_quo)
            if warm_ups and key:
                warm_ups.keep(key, World.of(self, mesa_owned))
        self._start_policy(status_quo, params)

    def _build(self, params: Params, streams: Streams) -> None:
        """The residents, their network, carers and packages, the professionals, the time
        bank's pool and the commissioner, as they are when the warm-up starts."""
        self.params = params
        self.exogenous = streams.exogenous
        population = streams.population
        n_people = params.n_users + params.n_neighbours
        if n_people * params.network_degree >= LARGE_WORLD_TIES:
            hold_freed_memory()
        self.ties = build_ties(n_people, params.network_degree, params.network_rewiring, population)
        self.all_ties = self.ties  # the whole network: ``ties`` loses those placements cut
        self._build_residents(params, population, n_people)
        self.professionals = build_professionals(params, population)
        # time bank and survey (engineer T): streams of their own, children of the population's
        self.bank = build_timebank(params, self.ties.ring_position, population)
        self.survey_rng = population.spawn(1)[0]
        never = np.full(len(self.ties.target), NEVER, dtype=np.int32)  # weeks: 32 bits hold them
        self.ledger = TieLedger.of(never, self.ties.reverse)
        self._agents_placed = False
        self._build_social_care(population)
        self.commissioner = Commissioner(len(self.community.is_user))  # commissioning

    def _build_residents(
        self, params: Params, population: np.random.Generator, n_people: int
    ) -> None:
        """Residents of the stationary age structure in households; those in care at rest
        start in care (``population.at_rest_in_care``; MODEL.md section 10.2).

        Newcomers draw from a stream of their own, split off the population stream here, so
        deaths in one arm do not shift any other draw."""
        ages = stationary_ages(params, population.random(n_people))
        self.users = build_users(params, population, ages)
        nobody = np.zeros(n_people, dtype=bool)
        self.community = build_community(params, self.users, nobody, population)
        settle_care_status(self.users, self.community, params, population)
        at_rest_in_care(self.users, params, self.community.is_user)
        self.community.household, self.community.partner = build_households(
            params, ages, self.ties.ring_position, population
        )
        self.newcomers = population.spawn(1)[0]
        self.next_agent_id = n_people + params.n_professionals

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

    @functools.cached_property
    def network(self) -> Network:
        """The community network as a Mesa network space, built when first asked for: batch
        runs work on ``ties`` alone and never pay for it (at a million people, 17 s)."""
        return community_space(graph_of(self.all_ties), self.random)

    @property
    def people(self) -> list[Person]:
        """The residents' agents by slot (``people[i]`` is whoever lives in slot ``i`` now),
        created when first asked for (see :meth:`_place_agents`)."""
        self._place_agents()
        return self._people

    @property
    def agents(self) -> AgentSet:
        """Every agent, created when first asked for (see :meth:`_place_agents`)."""
        self._place_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, AgentSet]:
        """Agents by kind, created when first asked for (see :meth:`_place_agents`)."""
        self._place_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The kinds of agent, created when first asked for (see :meth:`_place_agents`)."""
        self._place_agents()
        return super().agent_types

    def _place_agents(self) -> None:
        """Residents on their network cells, each of the kind their care status says;
        professionals off the network.

        Done once, when an analyst, the page or ``mesa.batch_run`` first asks for agents: each
        agent is a view onto the arrays the weekly phases update, so nothing is lost by
        creating them late, and a batch run of a million people saves their 7 s and memory.
        From then on the agents follow deaths and changes of care status week by week.
        """
        if self._agents_placed:
            return
        self._agents_placed = True
        self._people = []
        for index in range(len(self.community.is_user)):
            person = Neighbour(self, index)
            person.cell = self.network[index]
            self._people.append(person)
        follow_care_status(self, self._people, np.flatnonzero(self.community.is_user))
        for cared_for in np.flatnonzero(self.carers.carer >= 0):
            Carer(self, int(cared_for))
        for index in range(self.params.n_professionals):
            Professional(self, index)

    def _residents_week(
        self, p: Params
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """Phase 0 (MODEL.md 10.2): ageing, deaths and newcomers, assessments and reviews;
        the Mesa agents follow. Returns the slots of deaths, entries and exits, and the cut
        ties with those the deaths restored (None if none was), for :meth:`_move_ties`."""
        users, comm = self.users, self.community
        age_one_week(users, p)
        dead = dying(users, p, self.exogenous, self.packages.placed)
        restored = None
        if len(dead):
            renew(users, comm, p, dead, self.newcomers, self.next_agent_id)
            self.next_agent_id += len(dead)
            restored = vacate(self.packages, dead)
        entries, exits = review_care(users, comm, p, self.week)
        if self._agents_placed:
            self._follow_residents(dead, np.r_[entries, exits])
        return dead, entries, exits, restored

    def _move_ties(
        self, p: Params, dead: np.ndarray, restored: np.ndarray | None, placed: np.ndarray
    ) -> None:
        """The ties the week's deaths restored and its placements cut (``placed``: placed
        this week) take effect together, before the exchange, in one compaction of the
        network (nothing between reads the ties), and the newcomers' ties start with no
        memory of help."""
        inactive = cut_ties(self.packages, p, placed, restored) if placed.any() else restored
        if inactive is not None:
            self.ties = with_inactive(self.packages, inactive, self.ledger)
        if len(dead):
            self.ledger.forget(incident_edges(self.ties, dead), NEVER)

    def _follow_residents(self, dead: np.ndarray, changed: np.ndarray) -> None:
        """Once agents exist, they follow the arrays: a newcomer's agent replaces the dead
        person's, and people who entered or left care change kind."""
        for slot in dead:
            self._people[slot].remove()
            self._people[slot] = Neighbour(self, int(slot))
            self._people[slot].cell = self.network[slot]
        follow_care_status(self, self._people, changed)

    # --- social care and carers (engineer S; MODEL.md 10.2-10.3) ----------------------------
    def _build_social_care(self, population: np.random.Generator) -> None:
        """Carers, review phases and tie draws (fixed draws from the population stream), and
        everyone's first assessment, with carers' strain at rest under it."""
        p = self.params.model_copy(update=STATUS_QUO_LEVERS)
        users, comm = self.users, self.community
        n = len(comm.is_user)
        carer = choose_carers(
            p, self.ties, comm.partner, ~comm.is_user, population.random(n), population.random(n)
        )
        self.carers = build_carers(carer)
        self.packages = build_packages(n, self.ties, population, p)
        need, in_care = users.need, comm.is_user
        active = caring(self.carers, in_care, self.packages.placed, -p.warmup_weeks)
        met = care_met(p, care_hours(self.carers, p, need, active), need)
        unmanaged = users.need * (1.0 - users.agency * users.capability)
        review(self.packages, p, in_care, in_care, need, unmanaged, met)
        self.packages.last_change[:] = 0.0
        settle(self.carers, p, need, active, self.packages.hours, comm.wellbeing)

    def _social_care(
        self, p: Params, power: PowerRule, crises: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Carers care, packages are reviewed or re-assessed (after a crisis or a carer's
        breakdown) and placements decided; returns the need carers meet, per person, and who
        was placed this week."""
        users, comm, carers, packages = self.users, self.community, self.carers, self.packages
        n, week = len(comm.is_user), self.week
        breakdown_draw, decision_draw = self.exogenous.random(n), self.exogenous.random(n)
        need, in_care = users.need, comm.is_user
        active = caring(carers, in_care, packages.placed, week)
        give_care(carers, p, need, active, packages.hours, breakdown_draw, week)
        met = care_met(p, carers.hours, need)
        decided = due(packages, p, week, crises | carers.breakdowns) & in_care
        unmanaged, home, old_enough = home_terms(
            need,
            users.agency,
            users.capability,
            users.cover,
            met,
            largest_package_met(p),
            users.age,
            p.placement_min_age,
        )
        review(packages, p, decided, in_care, need, unmanaged, met)
        unsupported = ~caring(carers, in_care, packages.placed, week)
        placed = place(packages, p, power, decided, old_enough, unsupported, home, decision_draw)
        return met, placed

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
        self.survey = SurveyTracker(
            self.params,
            comm.wellbeing.copy(),
            users.need.copy(),
            self.packages.hours.copy(),
            comm.agent_id.copy(),
            self.survey_rng,
        )
        self.commissioner.begin(self._commissioning_view())  # commissioning: the baseline
        self.cost_cumulative = 0.0
        self.timeline = changes_by_week(params.timeline)
        self.datacollector = WeeklyRows()
        self.snapshots: list[Snapshot] = []
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
        self.reciprocity: ReciprocityRule = funded(RECIPROCITY_RULES[params.reciprocity], params)
        set_willingness(self.professionals, params)
        if self.reciprocity.bank and not was_bank:
            open_bank(self.bank, self.community, params)
        elif was_bank and not self.reciprocity.bank:
            close_bank(self.bank, self.community)

    def step(self) -> None:
        """One week of the scenario's policy; a timeline's changes act from the week's start."""
        self.week += 1
        if self.week in self.timeline:
            self._set_policy(self.params.model_copy(update=self.timeline[self.week]))
        if changes := self.commissioner.staffing(self.params, self.professionals, self.week):
            self._set_policy(self.params.model_copy(update=changes))  # posts filled or cut
        if self.commissioner.due(self.week):  # commissioning: the yearly cycle (issue 17)
            rows = self.datacollector.model_vars
            view = self._commissioning_view()
            if changes := self.commissioner.cycle(self.params, rows, view, self.week):
                self._set_policy(self.params.model_copy(update=changes))
        self._advance(self.params, self.power_rule, self.reciprocity)
        self._collect()
        if self.week == self.params.survey_week:
            comm = self.community
            self.survey.take(
                comm.wellbeing,
                self.users.need,
                self.packages.hours,
                participants(
                    self.reciprocity.bank,
                    self.bank.active & comm.member,
                    comm.hours_given,
                    comm.hours_received,
                ),
                comm.is_user,
                comm.agent_id,
            )

    def _advance(self, p: Params, power: PowerRule, reciprocity: ReciprocityRule) -> None:
        """The nine phases of MODEL.md section 4, in order, after the residents' phase 0;
        flows go to ``self.flows``."""
        users, comm, pros, week = (
            self.users,
            self.community,
            self.professionals,
            self.week,
        )
        behaviour = self.rng
        # 0. ageing, deaths and newcomers; assessments, entries into and exits from care
        dead, entries, exits, restored = self._residents_week(p)
        in_care = comm.is_user
        # 1-2. need, crises, GP contacts; help-seeking
        events = drift_need(users, p, self.exogenous, behaviour)
        # S. social care: carers, package reviews, placements (MODEL.md 10.2-10.3)
        carer_met, newly_placed = self._social_care(p, power, events.crises)
        self._move_ties(p, dead, restored, newly_placed)
        placed = self.packages.placed
        community_cover = users.cover
        users.cover = community_cover + carer_met  # a carer's care lowers what people ask for
        requested, dependent = not_placed(*seek_help(users, p, behaviour, in_care), placed)
        users.cover = community_cover
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
            refer(self.bank, comm, referred)
        else:
            users.referred_until[referred] = week + p.reciprocity_window
        # S. package hours, care homes and carers meet need as clinical hours do
        met_elsewhere = package_met(p, self.packages, users.need)
        clinical_equivalent, involved = care_received(
            care.clinical, met_elsewhere, carer_met, p.hours_per_need, care.sharing
        )
        update_need(users, p, clinical_equivalent, in_care)
        # 4. community exchange under the reciprocity rule; the bank's draws every week (T)
        self.bank.draw()
        swap = exchange(comm, users, self.ties, self.ledger, reciprocity, p, week, self.bank)
        after_exchange(comm, users, self.ties, self.ledger, reciprocity, p, week, self.bank)
        if self.packages.inactive.any():  # S. ties a placement cut count as lost
            bank_ties = comm.member if reciprocity.bank else np.zeros(len(comm.member))
            comm.connectedness = count_lost_ties(
                comm.connectedness, self.ties, self.packages.full_ties, bank_ties
            )
        if reciprocity.bank:
            churn(self.bank, comm, self.ties, p)
        # 4b. prevention: community development (commissioning, issue 17)
        reached = self.commissioner.prevent(comm.connectedness, comm.motivation, p)
        # 5. professionals
        delivered = np.bincount(users.professional, care.staff_time, minlength=p.n_professionals)
        leavers, recruits = update_workforce(
            pros, p, care.professional_demand, capacity, delivered + pros.reserved, week, behaviour
        )
        # 6. wellbeing
        update_wellbeing(comm, users, p)
        update_carer_wellbeing(self.carers, p, comm.wellbeing, involved)  # S. carers take part
        # 7. forum and consultation (flags and reserved staff time act from next week)
        forum_week = power.forums and week > 0 and week % p.forum_every == 0
        if forum_week:
            hold_forum(users, comm, self.ties, p, behaviour)
        if power.consults or forum_week:
            consult_hours = consult(users, in_care, pros, p, care.sharing, week, behaviour)
        else:
            consult_hours, pros.reserved = 0.0, np.zeros(p.n_professionals)
        # 8. costs
        (
            crises,
            admissions,
            gp_contacts,
            asked,
            dependent_asks,
            unmet,
            staff_time,
            vacant_hours,
            filled_hours,
            funded,
            self.survey_inputs,  # doctor visits
        ) = week_totals(
            events.crises,
            events.admissions,
            events.gp_contacts,
            users.crises,  # running totals, in place
            users.gp_contacts,
            requested,
            dependent,
            care.clinical,
            care.staff_time,
            delivered,
            in_post,
            pros.hours,
        )
        hours = staff_time + consult_hours + forum_week * p.forum_staff_hours
        covered = self.commissioner.locum_share  # locums on commissioned posts not yet filled
        locum_hours = vacant_hours + covered * filled_hours
        costs = weekly_costs(
            p,
            delivered_hours=hours - locum_hours,
            locum_hours=locum_hours,
            funded_hours=funded * p.capacity_factor * (1 - covered),
            crises=crises,
            admissions=admissions,
            gp_contacts=gp_contacts,
            coordinator_posts=p.coordinator_posts if reciprocity.bank else 0.0,
            recruits=recruits + self.commissioner.recruited,
            package_hours=float(self.packages.hours.sum()),
            placed=int(np.count_nonzero(self.packages.placed)),
            week=max(week, 0),
        )
        self.flows = {
            "dependence": dependent_asks / asked if asked else 0.0,
            "professional_hours": hours,
            "unmet_demand_hours": unmet,
            "crises": float(crises),
            "gp_contacts": float(gp_contacts),
            "community_hours": swap.community_hours,
            "timebank_hours": swap.timebank_hours,
            "active_givers": float(swap.active_givers),
            "matched_exchanges": float(swap.matched_exchanges),
            "professional_turnover": float(leavers),
            "locum_hours": locum_hours,
            "cost_week": sum(costs.values()),
            **costs,
            "deaths": float(len(dead)),
            "care_entries": float(len(entries)),
            "care_exits": float(len(exits)),
            **package_metrics(self.packages),
            **carer_metrics(
                self.carers,
                caring(self.carers, comm.is_user, self.packages.placed, week),
                comm.household,
            ),
            "prevention_reached": reached,  # commissioning (issue 17)
            **self.commissioner.budget_columns(),
        }

    def _collect(self) -> None:
        """9. The week's metrics row, the survey windows, and agent snapshots when due."""
        p = self.params
        if self.week > 0:
            self.cost_cumulative += self.flows["cost_week"]
            self.survey.record(self.week, self.survey_inputs)
        state = state_metrics(self.users, self.community, self.professionals, self.week)
        row = {
            "week": self.week,
            **self.flows,
            **state,
            **bank_metrics(  # time bank (T)
                self.bank, self.community, p.coordinator_posts if self.reciprocity.bank else 0.0
            ),
            "cost_cumulative": self.cost_cumulative,
            "cost_per_user_week": self.flows["cost_week"] / max(int(state["users_in_care"]), 1),
        }
        self.latest = row
        self.datacollector.collect(self)
        self.running = self.week < p.weeks
        if p.snapshot_every and self.week % p.snapshot_every == 0:
            self.snapshots.append(self._snapshot_arrays())

    def _commissioning_view(self) -> People:
        """Commissioning (issue 17): what its survey reads of every resident now."""
        users, comm, p = self.users, self.community, self.params
        cared = caring(self.carers, comm.is_user, self.packages.placed, self.week)
        return People(
            in_care=comm.is_user.copy(),
            wellbeing=comm.wellbeing.copy(),
            need=users.need.copy(),
            connectedness=comm.connectedness.copy(),
            member=comm.member.copy(),
            professional_hours=users.professional_hours.copy(),
            package_hours=self.packages.hours.copy(),
            hours_received=comm.hours_received.copy(),
            reached=self.commissioner.reached.copy(),
            strained=cared & (self.carers.strain > p.carer_breakdown_strain),
        )

    def snapshot(self) -> pd.DataFrame:
        """One row per resident and professional: type, state and running totals since
        week 0 (a newcomer's since they came). ``agent_id`` is the id for life; a resident's
        ``agent_type`` is ``user`` while in care."""
        return agent_frame([self._snapshot_arrays()])

    def agents_table(self) -> pd.DataFrame:
        """Every snapshot taken so far, in week order, as one table (``RunResult.agents``)."""
        return agent_frame(self.snapshots)

    def _snapshot_arrays(self) -> Snapshot:
        """The state :meth:`snapshot` shows, as arrays: a run keeps these and makes one table
        of all of them at the end (a table a snapshot, joined, cost a millisecond each)."""
        users, comm, pros = self.users, self.community, self.professionals
        n_people = len(comm.is_user)
        residents = {
            "need": users.need,
            "baseline_need": users.baseline_need,
            "wellbeing": comm.wellbeing,
            "agency": users.agency,
            "capability": users.capability,
            "trust": users.trust,
            "credits": comm.credits,
            "member": comm.member,
            "bank_active": self.bank.active & comm.member,
            "crises": users.crises,
            "gp_contacts": users.gp_contacts,
            "professional_hours": users.professional_hours,
            "hours_given": comm.hours_given,
            "hours_received": comm.hours_received,
            "age": users.age,
            "in_care": comm.is_user,
            "household": comm.household,
            "package_hours": self.packages.hours,
            "placed": self.packages.placed,
            "carer_of": self.carers.carer_of,
        }
        posts = {"burnout": pros.burnout, "professional_hours": pros.hours_delivered}
        # one float row per column, NaN where it does not apply, filled in place: columns
        # joined with np.r_, reordered and typed from every row's text cost 2.3 ms a snapshot
        # at 1,660 people
        values = np.full((len(AGENT_COLUMNS), n_people + len(pros.hours)), np.nan)
        for row, name in zip(values, AGENT_COLUMNS, strict=True):
            if name in residents:
                row[:n_people] = residents[name]
            if name in posts:
                row[n_people:] = posts[name]
        kind = np.r_[np.where(comm.is_user, USER, NEIGHBOUR), np.full(len(pros.hours), POST)]
        return Snapshot(self.week, self.agent_ids(), kind, values)

    def agent_ids(self) -> np.ndarray:
        """Ids for life of the residents (slot order), then the professionals' posts, which
        keep the ids ``n_people .. n_people + m - 1`` they had in version 1."""
        n_people = len(self.community.is_user)
        return np.r_[self.community.agent_id, n_people + np.arange(len(self.professionals.hours))]

    def timeseries(self) -> pd.DataFrame:
        """The weekly metrics so far: week 0..now, one column per metric."""
        return self.datacollector.get_model_vars_dataframe()[["week", *METRICS]]


def _reporter(name: str):
    """A DataCollector model reporter reading one metric of the week's row: the row is
    computed once for all metrics, so collecting costs a dictionary look-up per metric."""
    return lambda model: model.latest[name]


class WeeklyRows(mesa.DataCollector):
    """Mesa's DataCollector of the weekly metrics, appending the week's row as it is.

    Mesa's own ``collect`` calls each of the 60 reporters and deep-copies what it returns,
    a fixed cost of every week whatever the population (about 30 us, as much as a numpy call
    on every person). The row is computed once and holds numbers only, which no copy can
    change, so appending them records the same values. The reporters, ``model_vars`` and
    the collection steps stay as Mesa keeps them, for ``mesa.batch_run`` and
    ``get_model_vars_dataframe``; tests/test_model.py checks the table against Mesa's."""

    def __init__(self) -> None:
        super().__init__(model_reporters={name: _reporter(name) for name in ("week", *METRICS)})

    def collect(self, model: CoProductionModel) -> None:
        """Append this week's row (``model.latest``) to every column (each column's
        ``append`` looked up once: Mesa makes the lists when it makes the reporters)."""
        self._collection_steps.append(model.time)
        row = model.latest
        for name, append in self._appends:
            append(row[name])

    @functools.cached_property
    def _appends(self) -> list[tuple[str, Any]]:
        """(metric, its column's ``append``) for every column of ``model_vars``."""
        return [(name, column.append) for name, column in self.model_vars.items()]


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
    """Run one scenario for ``params.weeks`` weeks and return everything it produced.

    The process keeps the week-0 state of its last run (``week0.SHARED``, one population's
    worth, never above ``week0_key.MOST_SHARED_PEOPLE`` residents): a run with the same seed whose
    build and warm-up read the same parameters (another arm of the replicate) starts from a
    copy of it, with results bit for bit those of a run from scratch.
    """
    model = CoProductionModel(params, seed, warm_ups=SHARED)
    for _ in range(params.weeks):
        model.step()
    timeseries = model.timeseries()
    survey = (
        model.survey.result
        if model.survey.result is not None
        else pd.DataFrame(columns=["agent_id", "agent_type", "participant", *SURVEY_QUESTIONS])
    )
    agents = (
        model.agents_table()
        if model.snapshots
        else pd.DataFrame(columns=["week", "agent_id", "agent_type", *AGENT_COLUMNS])
    )
    # the table holds them now; the model's reference cycles (Mesa's agents and the model)
    # would keep them until the garbage collector ran, while the caller packs the table
    model.snapshots.clear()
    summary = summarise(timeseries)
    if model.survey.result is not None:
        summary |= survey_summary(survey)
    return RunResult(timeseries=timeseries, agents=agents, survey=survey, summary=summary)

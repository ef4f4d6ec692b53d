"""Fairness, as properties over any sequence of arrivals, presence changes, shift changes
and resolutions (hypothesis): round-robin keeps the agents who could always take work
within one ticket of each other; least-loaded never gives work to a busier agent while a
less busy one could take it; and nobody away, off or outside their shift gets work."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.choices import Level
from routing.choices import PRIORITY_WEIGHTS, AssignmentMethod, Presence
from routing.models import AgentProfile, AssignmentPolicy
from routing.selectors import agent_presence
from routing.services import agent_assign_waiting, agent_presence_set, level_assign_waiting
from sla.models import Calendar
from tests.factories import TicketFactory, make_agent
from tickets.choices import OPEN_STATUSES, Priority, Status
from tickets.models import Ticket

JAKARTA = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 12, 7, tzinfo=JAKARTA)
AGENTS = 5  # the last one works office hours; the others around the clock

arrival = st.tuples(st.just("arrive"), st.sampled_from(Priority.values))
steps = st.lists(
    # Arrivals weigh most: three chances in six.
    st.one_of(
        arrival,
        arrival,
        arrival,
        st.tuples(st.just("presence"), st.integers(0, AGENTS - 1), st.sampled_from(Presence.values)),
        st.tuples(st.just("resolve"), st.integers(0, AGENTS - 1)),
        st.tuples(st.just("clock"), st.integers(0, 23)),
    ),
    min_size=10,
    max_size=30,
)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class Run:
    """One sequence played against the real services, recording every assignment."""

    def __init__(self, method: str) -> None:
        AssignmentPolicy.objects.create(level=Level.I, method=method)
        self.agents = [make_agent(Level.I, time_zone="Asia/Jakarta") for _ in range(AGENTS)]
        AgentProfile.objects.create(user=self.agents[-1], calendar=Calendar.objects.get(name="Office hours (WIB)"))
        self.now = MONDAY + timedelta(hours=10)
        self.given: list[tuple[int, dict, dict]] = []  # (agent, loads before, availability)
        self.always_available = set(range(AGENTS - 1))

    def availability(self) -> dict[int, bool]:
        return {
            index: agent_presence(user=agent, at=self.now) == Presence.AVAILABLE
            for index, agent in enumerate(self.agents)
        }

    def loads(self) -> dict[int, int]:
        return {
            index: sum(
                PRIORITY_WEIGHTS[priority]
                for priority in Ticket.objects.filter(assignee=agent, status__in=OPEN_STATUSES).values_list(
                    "priority", flat=True
                )
            )
            for index, agent in enumerate(self.agents)
        }

    def assigning(self, action) -> None:
        before = set(Ticket.objects.filter(assignee__isnull=False).values_list("pk", flat=True))
        loads, available = self.loads(), self.availability()
        with time_machine.travel(self.now, tick=False):
            action()
        for ticket in Ticket.objects.filter(assignee__isnull=False).exclude(pk__in=before):
            index = next(i for i, agent in enumerate(self.agents) if agent.pk == ticket.assignee_id)
            self.given.append((index, loads, available))
            loads = {**loads, index: loads[index] + PRIORITY_WEIGHTS[ticket.priority]}

    def play(self, sequence) -> None:
        for step in sequence:
            if step[0] == "arrive":
                TicketFactory(priority=step[1], created_at=self.now)
                self.assigning(lambda: level_assign_waiting(level=Level.I))
            elif step[0] == "presence":
                _kind, index, presence = step
                if presence != Presence.AVAILABLE:
                    self.always_available.discard(index)
                with time_machine.travel(self.now, tick=False):
                    agent_presence_set(user=self.agents[index], presence=presence)
                self.assigning(lambda index=index: agent_assign_waiting(agent_id=self.agents[index].pk))
            elif step[0] == "resolve":
                ticket = Ticket.objects.filter(assignee=self.agents[step[1]], status__in=OPEN_STATUSES).first()
                if ticket is not None:
                    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED)
            else:
                self.now = MONDAY + timedelta(days=1, hours=step[1])
                # A new shift: choices of away or off made in an earlier one lapse.
                self.assigning(lambda: level_assign_waiting(level=Level.I))


class FairnessTests(TestCase):
    @SETTINGS
    @given(steps)
    def test_round_robin_keeps_agents_who_could_always_take_work_within_one_ticket(self, sequence):
        run = Run(AssignmentMethod.ROUND_ROBIN)
        run.play(sequence)
        counts = Counter(index for index, _loads, _available in run.given)
        always = [counts[index] for index in run.always_available]
        assert max(always, default=0) - min(always, default=0) <= 1, (counts, run.always_available)
        for index, _loads, available in run.given:
            assert available[index], (index, available)

    @SETTINGS
    @given(steps)
    def test_least_loaded_never_gives_work_to_a_busier_agent_while_a_less_busy_one_could_take_it(self, sequence):
        run = Run(AssignmentMethod.LEAST_LOADED)
        run.play(sequence)
        for index, loads, available in run.given:
            assert available[index], (index, available)
            lightest = min(load for other, load in loads.items() if available[other])
            assert loads[index] == lightest, (index, loads, available)

    def test_the_sequences_reach_every_case(self):
        """The properties above are not vacuous: a plain sequence assigns, skips the absent
        agent and keeps round-robin even."""
        run = Run(AssignmentMethod.ROUND_ROBIN)
        run.play([("presence", 0, Presence.AWAY), *[("arrive", Priority.P3)] * 8])
        assert Counter(index for index, _loads, _available in run.given) == {1: 2, 2: 2, 3: 2, 4: 2}
        run.play([("clock", 22), *[("arrive", Priority.P3)] * 3])  # the office-hours agent is off
        counts = Counter(index for index, _loads, _available in run.given)
        assert counts == {1: 3, 2: 3, 3: 3, 4: 2}  # around the clock, 0's "away" has no shift end

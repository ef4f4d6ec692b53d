"""Assignment policies at work: tickets entering a level go to an available agent on
shift with the skill, by round-robin or least load, up to the cap, through the same
assignment service as a person (audited with the policy as reason)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Level
from routing.choices import AssignmentMethod, Presence, SkillRule
from routing.models import AgentProfile, AgentSkill, AssignmentPolicy
from routing.selectors import agent_presence
from routing.services import agent_presence_set, agent_skills_set, level_assign_waiting
from sla.models import Calendar
from tests.factories import TicketFactory, category, make_agent, make_requester
from tickets import services
from tickets.choices import EventKind, Priority, Status, Urgency
from tickets.exceptions import NotAllowedError, TicketError
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=JAKARTA)  # a working Monday morning, WIB


def policy(level=Level.I, **fields) -> AssignmentPolicy:
    fields.setdefault("method", AssignmentMethod.ROUND_ROBIN)
    found, _created = AssignmentPolicy.objects.update_or_create(level=level, defaults=fields)
    return found


def file(requester=None, **fields) -> Ticket:
    fields.setdefault("urgency", Urgency.MEDIUM)
    return services.ticket_create(
        requester=requester or make_requester(), subject="Printer", description="It jams.", **fields
    )


def assignees(tickets) -> list:
    return [Ticket.objects.get(pk=ticket.pk).assignee for ticket in tickets]


def test_a_level_without_a_policy_is_assigned_by_hand(django_capture_on_commit_callbacks):
    make_agent(Level.I)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = file()
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    policy(method=AssignmentMethod.MANUAL)
    assert level_assign_waiting(level=Level.I) == 0
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_round_robin_spreads_new_tickets_evenly_and_audits_the_policy(django_capture_on_commit_callbacks):
    policy()
    agents = [make_agent(Level.I) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        tickets = [file() for _ in range(7)]
    given = assignees(tickets)
    counts = sorted(given.count(agent) for agent in agents)
    assert counts == [2, 2, 3]
    assert given[:3] == agents  # each agent once before anyone twice
    event = TicketEvent.objects.filter(ticket=tickets[0], kind=EventKind.ASSIGNED).get()
    assert event.actor is None
    assert "Round-robin" in event.reason
    assert Ticket.objects.get(pk=tickets[0].pk).status == Status.OPEN


def test_least_loaded_weighs_open_tickets_by_priority():
    policy(method=AssignmentMethod.LEAST_LOADED)
    busy, lighter = make_agent(Level.I), make_agent(Level.I)
    TicketFactory(assignee=busy, priority=Priority.P1, status=Status.OPEN)
    TicketFactory.create_batch(3, assignee=lighter, priority=Priority.P4, status=Status.OPEN)
    TicketFactory(assignee=lighter, priority=Priority.P1, status=Status.RESOLVED)  # not open: no load
    waiting = TicketFactory()
    assert level_assign_waiting(level=Level.I) == 1
    assert Ticket.objects.get(pk=waiting.pk).assignee == lighter  # 3 × P4 weighs less than one P1


def test_the_cap_stops_automatic_assignment_and_the_rest_wait():
    policy(cap=2)
    agent = make_agent(Level.I)
    TicketFactory(assignee=agent, status=Status.OPEN)
    waiting = TicketFactory.create_batch(3)
    assert level_assign_waiting(level=Level.I) == 1
    assert Ticket.objects.filter(assignee=agent, status__in=[Status.OPEN]).count() == 2
    assert Ticket.objects.filter(pk__in=[t.pk for t in waiting], assignee__isnull=True).count() == 2


def test_tickets_are_taken_p1_first_then_oldest():
    policy(cap=1)
    agent = make_agent(Level.I)
    TicketFactory(priority=Priority.P4)
    urgent = TicketFactory(priority=Priority.P1)
    TicketFactory(priority=Priority.P1)
    level_assign_waiting(level=Level.I)
    assert Ticket.objects.get(assignee=agent) == urgent


@pytest.mark.parametrize("presence", [Presence.AWAY, Presence.OFF])
def test_an_agent_away_or_off_is_never_given_work(presence):
    policy()
    absent, present = make_agent(Level.I), make_agent(Level.I)
    agent_presence_set(user=absent, presence=presence)
    tickets = TicketFactory.create_batch(4)
    assert level_assign_waiting(level=Level.I) == 4
    assert set(assignees(tickets)) == {present}


def test_nobody_available_leaves_tickets_waiting():
    policy()
    agent_presence_set(user=make_agent(Level.I), presence=Presence.OFF)
    ticket = TicketFactory()
    assert level_assign_waiting(level=Level.I) == 0
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def office_hours() -> Calendar:
    return Calendar.objects.get(name="Office hours (WIB)")


def test_an_agent_is_off_outside_their_shift_without_anyone_touching_it():
    policy(calendar=office_hours())
    agent = make_agent(Level.I, time_zone="Asia/Jakarta")
    with time_machine.travel(datetime(2026, 12, 7, 22, 0, tzinfo=JAKARTA), tick=False):
        ticket = TicketFactory()
        assert agent_presence(user=agent, at=datetime.now(JAKARTA)) == Presence.OFF
        assert level_assign_waiting(level=Level.I) == 0
    with time_machine.travel(datetime(2026, 12, 8, 8, 30, tzinfo=JAKARTA), tick=False):
        assert agent_presence(user=agent, at=datetime.now(JAKARTA)) == Presence.AVAILABLE
        assert level_assign_waiting(level=Level.I) == 1
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent


def test_the_shift_is_read_in_the_agent_s_own_time_zone():
    policy(calendar=office_hours())
    # 08:30 in Jakarta is 09:30 in Makassar (WITA): both at work; 16:30 WIB is 17:30 WITA.
    jakarta, makassar = make_agent(Level.I, time_zone="Asia/Jakarta"), make_agent(Level.I, time_zone="Asia/Makassar")
    at = datetime(2026, 12, 7, 16, 30, tzinfo=JAKARTA)
    assert agent_presence(user=jakarta, at=at) == Presence.AVAILABLE
    assert agent_presence(user=makassar, at=at) == Presence.OFF


def test_an_agent_s_own_calendar_wins_over_the_level_s():
    policy(calendar=office_hours())
    night = make_agent(Level.I, time_zone="Asia/Jakarta")
    AgentProfile.objects.update_or_create(
        user=night, defaults={"calendar": Calendar.objects.get(name="Around the clock")}
    )
    assert agent_presence(user=night, at=datetime(2026, 12, 7, 23, 0, tzinfo=JAKARTA)) == Presence.AVAILABLE


def test_away_lasts_until_the_shift_it_was_chosen_in_ends():
    policy(calendar=office_hours())
    agent = make_agent(Level.I, time_zone="Asia/Jakarta")
    with time_machine.travel(datetime(2026, 12, 7, 15, 0, tzinfo=JAKARTA), tick=False):
        agent_presence_set(user=agent, presence=Presence.AWAY)
    assert agent_presence(user=agent, at=datetime(2026, 12, 7, 16, 59, tzinfo=JAKARTA)) == Presence.AWAY
    assert agent_presence(user=agent, at=datetime(2026, 12, 7, 17, 30, tzinfo=JAKARTA)) == Presence.OFF
    assert agent_presence(user=agent, at=datetime(2026, 12, 8, 8, 0, tzinfo=JAKARTA)) == Presence.AVAILABLE


def test_a_required_skill_picks_the_skilled_agent_and_without_one_the_ticket_waits():
    policy(skill_rule=SkillRule.REQUIRE)
    printers = category("Printer and scanner")
    generalist, specialist = make_agent(Level.I), make_agent(Level.I)
    agent_skills_set(agent=specialist, skills={printers.pk: 4})
    tickets = TicketFactory.create_batch(3, category=printers)
    email = TicketFactory(category=category("Email"))
    uncategorised = TicketFactory()
    level_assign_waiting(level=Level.I)
    assert set(assignees(tickets)) == {specialist}
    assert Ticket.objects.get(pk=email.pk).assignee is None  # nobody has the skill
    assert Ticket.objects.get(pk=uncategorised.pk).assignee is not None  # no category: no skill needed
    assert generalist in {Ticket.objects.get(pk=uncategorised.pk).assignee, specialist}


def test_a_preferred_skill_falls_back_to_anyone():
    policy(skill_rule=SkillRule.PREFER)
    printers = category("Printer and scanner")
    generalist, specialist = make_agent(Level.I), make_agent(Level.I)
    agent_skills_set(agent=specialist, skills={printers.pk: None})
    printer_ticket = TicketFactory(category=printers)
    email = TicketFactory(category=category("Email"))
    level_assign_waiting(level=Level.I)
    assert Ticket.objects.get(pk=printer_ticket.pk).assignee == specialist
    assert Ticket.objects.get(pk=email.pk).assignee == generalist


def test_an_agent_is_never_given_the_ticket_they_filed(django_capture_on_commit_callbacks):
    policy()
    filer, other = make_agent(Level.I), make_agent(Level.I)
    with django_capture_on_commit_callbacks(execute=True):
        tickets = [file(requester=filer) for _ in range(3)]
    assert set(assignees(tickets)) == {other}
    AgentProfile.objects.filter(user=other).update(presence=Presence.OFF)
    alone = TicketFactory(requester=filer)
    assert level_assign_waiting(level=Level.I) == 0
    assert Ticket.objects.get(pk=alone.pk).assignee is None


def test_becoming_available_hands_the_agent_the_oldest_waiting_tickets_p1_first(
    django_capture_on_commit_callbacks,
):
    policy(cap=2)
    agent = make_agent(Level.I)
    agent_presence_set(user=agent, presence=Presence.AWAY)
    oldest = TicketFactory(priority=Priority.P3)
    urgent = TicketFactory(priority=Priority.P1)
    TicketFactory(priority=Priority.P3)
    with django_capture_on_commit_callbacks(execute=True):
        agent_presence_set(user=agent, presence=Presence.AVAILABLE)
    assert set(Ticket.objects.filter(assignee=agent)) == {urgent, oldest}


def test_an_escalated_ticket_is_assigned_at_its_new_level(django_capture_on_commit_callbacks):
    policy(level=Level.II)
    first, second = make_agent(Level.I), make_agent(Level.II)
    ticket = TicketFactory(assignee=first, status=Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_escalate(ticket_id=ticket.pk, by=first, reason="Needs the server team")
    ticket.refresh_from_db()
    assert (ticket.level, ticket.assignee) == (Level.II, second)


def test_a_ticket_sent_back_down_is_assigned_at_the_lower_level(django_capture_on_commit_callbacks):
    policy(level=Level.I)
    first, second = make_agent(Level.I), make_agent(Level.II)
    ticket = TicketFactory(level=Level.II, assignee=second, status=Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_deescalate(ticket_id=ticket.pk, by=second, reason="A password reset")
    ticket.refresh_from_db()
    assert (ticket.level, ticket.assignee) == (Level.I, first)


def test_only_members_of_the_level_are_given_its_tickets():
    policy(level=Level.II)
    make_agent(Level.I), make_agent(Level.III)
    ticket = TicketFactory(level=Level.II)
    assert level_assign_waiting(level=Level.II) == 0
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_presence_is_for_agents_and_takes_a_listed_value():
    with pytest.raises(NotAllowedError):
        agent_presence_set(user=make_requester(), presence=Presence.AVAILABLE)
    agent = make_agent(Level.I)
    for bad in ["busy", "", "AVAILABLE", "<script>", "😀"]:
        with pytest.raises(TicketError):
            agent_presence_set(user=agent, presence=bad)
    assert not AgentProfile.objects.filter(user=agent, presence_set_at__isnull=False).exists()


def test_a_proficiency_outside_1_to_5_is_refused_and_nothing_changes():
    agent = make_agent(Level.I)
    printers = category("Printer and scanner")
    agent_skills_set(agent=agent, skills={printers.pk: 3})
    for bad in [0, 6, -1]:
        with pytest.raises(TicketError):
            agent_skills_set(agent=agent, skills={category("Email").pk: bad})
    assert list(AgentSkill.objects.filter(agent=agent).values_list("category", "proficiency")) == [(printers.pk, 3)]


def _statements(captured) -> int:
    return sum(1 for query in captured if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))


def test_queries_per_assignment_do_not_grow_with_the_number_of_tickets():
    policy(method=AssignmentMethod.LEAST_LOADED, cap=1000)
    for _ in range(5):
        make_agent(Level.I)
    TicketFactory.create_batch(5)
    with CaptureQueriesContext(connection) as few:
        assert level_assign_waiting(level=Level.I) == 5
    TicketFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        assert level_assign_waiting(level=Level.I) == 20
    # A run costs a few queries to start and the same number per ticket after that.
    per_ticket = (_statements(many.captured_queries) - _statements(few.captured_queries)) / 15
    assert per_ticket <= _statements(few.captured_queries) / 5
    assert per_ticket <= 16

"""Problems: opened from a ticket or on their own, their text changed with the earlier
text kept, incidents linked and unlinked (on the tickets' trails too), the workaround
sent as a reply, and resolving with the open incidents, each through the resolve service."""

import pytest

from notifications.choices import NotificationKind
from notifications.models import Notification
from problems import services
from problems.choices import ProblemEventKind, ProblemStatus
from problems.exceptions import ProblemError, ProblemForbidden
from problems.models import Problem, ProblemEvent, ProblemIncident, pk_from_reference
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets.choices import EventKind, Status
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_references_read_and_write_alike():
    assert pk_from_reference("prb-000012") == 12
    assert pk_from_reference(" PRB-000012 ") == 12
    for text in ("", "PRB-12", "HD-000012", "PRB-00001x", "PRB-" + "9" * 20, None):
        assert pk_from_reference(text) is None


def test_a_problem_opened_from_a_ticket_has_it_as_its_first_incident():
    agent = make_agent(1)
    ticket = TicketFactory(status=Status.OPEN)
    problem = services.problem_create(by=agent, title="VPN drops", ticket_id=ticket.pk)
    assert problem.reference == f"PRB-{problem.pk:06d}"
    assert problem.owner == agent and problem.status == ProblemStatus.OPEN
    link = ProblemIncident.objects.get(problem=problem)
    assert (link.ticket, link.added_by) == (ticket, agent)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.PROBLEM_LINKED)
    assert event.to_value == problem.reference


def test_only_support_staff_open_problems():
    with pytest.raises(ProblemForbidden):
        services.problem_create(by=make_requester(), title="Mine")
    assert not Problem.objects.exists()


@pytest.mark.parametrize("title", ["", "   ", "\x00\r\n"])
def test_a_problem_needs_a_title(title):
    with pytest.raises(ProblemError) as refused:
        services.problem_create(by=make_agent(1), title=title)
    assert refused.value.field == "title"


def test_changing_the_root_cause_and_workaround_keeps_the_earlier_text():
    agent = make_agent(1)
    problem = services.problem_create(by=agent, title="Mail slow")
    services.problem_update(problem_id=problem.pk, by=agent, changes={"root_cause": "Disk full", "workaround": "Wait"})
    services.problem_update(
        problem_id=problem.pk,
        by=agent,
        changes={"root_cause": "The archive job fills the disk", "status": ProblemStatus.KNOWN_ERROR},
    )
    problem.refresh_from_db()
    assert problem.root_cause == "The archive job fills the disk" and problem.status == ProblemStatus.KNOWN_ERROR
    changes = list(
        ProblemEvent.objects.filter(problem=problem, field="root_cause").values_list("from_value", "to_value")
    )
    assert changes == [("", "Disk full"), ("Disk full", "The archive job fills the disk")]


def test_resolving_through_the_edit_is_refused():
    agent = make_agent(1)
    problem = services.problem_create(by=agent, title="x")
    with pytest.raises(ProblemError):
        services.problem_update(problem_id=problem.pk, by=agent, changes={"status": ProblemStatus.RESOLVED})


def test_the_owner_must_be_staff():
    agent = make_agent(1)
    problem = services.problem_create(by=agent, title="x")
    with pytest.raises(ProblemError) as refused:
        services.problem_update(problem_id=problem.pk, by=agent, changes={"owner": make_requester().pk})
    assert refused.value.field == "owner"


def test_linking_twice_links_once_and_unlinking_is_audited_on_both_sides():
    agent = make_agent(1)
    problem = services.problem_create(by=agent, title="x")
    ticket = TicketFactory()
    services.problem_incident_link(problem_id=problem.pk, by=agent, ticket_reference=ticket.reference)
    services.problem_incident_link(problem_id=problem.pk, by=agent, ticket_reference=ticket.reference.lower())
    assert ProblemIncident.objects.filter(problem=problem).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PROBLEM_LINKED).count() == 1
    services.problem_incident_unlink(problem_id=problem.pk, by=agent, ticket_reference=ticket.reference)
    assert not ProblemIncident.objects.exists()
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.PROBLEM_UNLINKED).from_value == problem.reference
    assert ProblemEvent.objects.filter(problem=problem, kind=ProblemEventKind.INCIDENT_UNLINKED).exists()


@pytest.mark.parametrize("reference", ["", "HD-999999", "PRB-000001", "' \" < > & 🙂", "x" * 250, "\r\n"])
def test_linking_something_that_is_not_a_ticket_is_refused(reference):
    agent = make_agent(1)
    problem = services.problem_create(by=agent, title="x")
    with pytest.raises(ProblemError):
        services.problem_incident_link(problem_id=problem.pk, by=agent, ticket_reference=reference)
    assert not ProblemIncident.objects.exists()


def test_an_agent_below_the_ticket_s_level_cannot_link_it():
    agent = make_agent(1)
    problem = services.problem_create(by=agent, title="x")
    with pytest.raises(ProblemForbidden):
        services.problem_incident_link(
            problem_id=problem.pk, by=agent, ticket_reference=TicketFactory(level=3).reference
        )


def test_the_workaround_goes_to_the_requester_as_a_public_reply(django_capture_on_commit_callbacks):
    agent = make_agent(1)
    ticket = TicketFactory(status=Status.NEW)
    problem = services.problem_create(by=agent, title="VPN", ticket_id=ticket.pk)
    with pytest.raises(ProblemError, match="no workaround"):
        services.problem_workaround_send(problem_id=problem.pk, ticket_id=ticket.pk, by=agent)
    services.problem_update(problem_id=problem.pk, by=agent, changes={"workaround": "Reconnect with <b>&</b> 🙂"})
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.problem_workaround_send(problem_id=problem.pk, ticket_id=ticket.pk, by=agent)
    assert (comment.body, comment.is_internal, comment.author) == ("Reconnect with <b>&</b> 🙂", False, agent)
    assert Notification.objects.filter(ticket=ticket, kind=NotificationKind.REPLY).exists()
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.status == Status.OPEN


def test_the_workaround_is_sent_only_to_an_incident():
    agent = make_agent(1)
    problem = services.problem_create(by=agent, title="VPN")
    services.problem_update(problem_id=problem.pk, by=agent, changes={"workaround": "Reconnect"})
    with pytest.raises(ProblemError, match="not an incident"):
        services.problem_workaround_send(problem_id=problem.pk, ticket_id=TicketFactory().pk, by=agent)
    assert not Comment.objects.exists()


def test_resolving_with_its_incidents_resolves_each_open_one_and_reports_the_refused(
    django_capture_on_commit_callbacks,
):
    agent = make_agent(2)
    problem = services.problem_create(by=agent, title="Printer driver")
    fine, above, closed = TicketFactory(status=Status.OPEN), TicketFactory(status=Status.OPEN), TicketFactory()
    for ticket in (fine, above, closed):
        services.problem_incident_link(problem_id=problem.pk, by=make_supervisor(), ticket_reference=ticket.reference)
    Ticket.objects.filter(pk=above.pk).update(level=3)
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.problem_resolve(
            problem_id=problem.pk, by=agent, resolution="Driver 4.2 installed everywhere", resolve_incidents=True
        )
    assert result.problem.status == ProblemStatus.RESOLVED
    outcomes = {o.ticket_id: o for o in result.incidents}
    assert set(outcomes) == {fine.pk, above.pk}
    assert outcomes[fine.pk].done and not outcomes[above.pk].done
    fine.refresh_from_db()
    assert (fine.status, fine.resolution) == (Status.RESOLVED, "Driver 4.2 installed everywhere")
    assert Notification.objects.filter(ticket=fine, kind=NotificationKind.RESOLVED).exists()
    assert Ticket.objects.get(pk=above.pk).status == Status.OPEN


def test_resolving_without_its_incidents_leaves_them_open_and_closing_ends_it():
    agent = make_agent(1)
    ticket = TicketFactory(status=Status.OPEN)
    problem = services.problem_create(by=agent, title="x", ticket_id=ticket.pk)
    result = services.problem_resolve(problem_id=problem.pk, by=agent, resolution="Patched")
    assert result.incidents == [] and Ticket.objects.get(pk=ticket.pk).status == Status.OPEN
    services.problem_resolve(problem_id=problem.pk, by=agent, resolution="Patched", status=ProblemStatus.CLOSED)
    with pytest.raises(ProblemError, match="already closed"):
        services.problem_resolve(problem_id=problem.pk, by=agent, resolution="Again")
    with pytest.raises(ProblemError):
        services.problem_incident_link(problem_id=problem.pk, by=agent, ticket_reference=TicketFactory().reference)


def test_a_resolution_is_required():
    agent = make_agent(1)
    problem = services.problem_create(by=agent, title="x")
    with pytest.raises(ProblemError) as refused:
        services.problem_resolve(problem_id=problem.pk, by=agent, resolution=" \x00 ")
    assert refused.value.field == "resolution"
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.OPEN

"""Which audit events of a ticket each person sees, on the ticket page and through the API:
every event kind (and a file's event by where the file went) against every role. One rule
decides (tickets.selectors.ticket_events_visible); these tests hold both surfaces to it,
checking what must be seen and what must not."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from assets.models import Asset
from assets.services import ticket_asset_link, ticket_asset_unlink
from problems import services as problem_services
from sla.models import SlaPolicy
from sla.selectors import config_cache_clear
from tests.api.permission_matrix import ROLES, STAFF, World, actor_for
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Impact, Urgency
from tickets.models import Ticket, TicketChecklistItem, TicketEvent
from tickets.selectors import ticket_events_visible

pytestmark = pytest.mark.django_db

TICKET_FILE = "ticket-file-7f3a.txt"
REPLY_FILE = "reply-file-91bc.txt"
NOTE_FILE = "secret-note-file-c0de.txt"
REPLY_BODY = "Public reply 4e1d: please restart."
NOTE_BODY = "Internal note 8a2f: the vendor owes us."

# The cases of the matrix: each event kind, and a file's event by where the file went.
PUBLIC_CASES = (
    EventKind.CREATED,
    EventKind.COMMENTED,
    EventKind.ASSIGNED,
    EventKind.STATUS_CHANGED,
    EventKind.ESCALATED,
    EventKind.DE_ESCALATED,
    EventKind.PRIORITY_CHANGED,
    EventKind.CATEGORY_CHANGED,
    EventKind.RESOLVED,
    EventKind.REOPENED,
    EventKind.CLOSED,
    EventKind.ASSET_ADDED,
    EventKind.ASSET_REMOVED,
    # A correction of the subject or description is shown to the requester too: they wrote
    # those words, so they see that staff corrected them, and what they said before.
    EventKind.EDITED,
    # Who follows the ticket, and a duplicate merged into it: the requester reads the
    # ticket with those people, and the merged request is in its conversation.
    EventKind.WATCHER_ADDED,
    EventKind.WATCHER_REMOVED,
    EventKind.MERGED,
    "attachment_added:ticket",
    "attachment_added:reply",
)
INTERNAL_CASES = (
    EventKind.NOTE_ADDED,
    EventKind.PAGE_ACKNOWLEDGED,
    EventKind.CHECKLIST_DONE,
    EventKind.CHECKLIST_UNDONE,
    EventKind.CHECKLIST_SKIPPED,
    EventKind.TIME_RECORDED,
    EventKind.TIME_REMOVED,
    EventKind.PARENT_SET,
    EventKind.PARENT_CLEARED,
    EventKind.PROBLEM_LINKED,
    EventKind.PROBLEM_UNLINKED,
    # A link names another ticket, which the requester may not read.
    EventKind.LINK_ADDED,
    EventKind.LINK_REMOVED,
    EventKind.SNOOZED,
    EventKind.SNOOZE_ENDED,
    EventKind.REMINDER_SET,
    EventKind.REMINDER_CANCELLED,
    EventKind.REMINDER_SENT,
    EventKind.AUTO_CLOSE_NOTICE,
    EventKind.DUE_RECOMPUTED,
    "attachment_added:note",
)
CASES = PUBLIC_CASES + INTERNAL_CASES
FILE_OF_CASE = {
    "attachment_added:ticket": TICKET_FILE,
    "attachment_added:reply": REPLY_FILE,
    "attachment_added:note": NOTE_FILE,
}
# The ticket ends at Level II, so an agent of Level I reads it from below its level.
TICKET_LEVEL = 2


def test_the_cases_cover_every_event_kind():
    assert {case.split(":")[0] for case in CASES} == set(EventKind.values)


@dataclass
class History:
    ticket: Ticket
    events: dict[str, TicketEvent]  # case → the one event of that case


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"contents", content_type="text/plain")


def ticket_with_every_event() -> History:
    """A ticket taken through its whole life by the real services, so it has one event of
    every case: a file on the ticket, on a public reply and on an internal note."""
    requester = make_requester()
    supervisor = make_supervisor()
    ticket = services.ticket_create(
        requester=requester,
        subject="Printer jams",
        description="Every page.",
        urgency=Urgency.LOW,
        category=category("Printer and scanner"),
        attachments=[upload(TICKET_FILE)],
    )
    assert ticket.level == 1
    # Its policy's targets changed and its due times recomputed (configuration's recompute).
    SlaPolicy.objects.filter(priority=Ticket.objects.get(pk=ticket.pk).priority).update(
        resolution_minutes=F("resolution_minutes") + 60
    )
    config_cache_clear()
    assert services.tickets_sla_recompute(ticket_ids=[ticket.pk], by=supervisor, subject="P4 policy").changed == 1
    services.ticket_take(ticket_id=ticket.pk, by=supervisor)
    services.comment_add(ticket_id=ticket.pk, author=supervisor, body=REPLY_BODY, attachments=[upload(REPLY_FILE)])
    services.comment_add(
        ticket_id=ticket.pk, author=supervisor, body=NOTE_BODY, internal=True, attachments=[upload(NOTE_FILE)]
    )
    services.ticket_change_status(ticket_id=ticket.pk, by=supervisor, status="pending", reason="waiting for you")
    services.ticket_escalate(ticket_id=ticket.pk, by=supervisor, reason="needs Level II")
    services.ticket_deescalate(ticket_id=ticket.pk, by=supervisor, reason="back to Level I")
    services.ticket_escalate(ticket_id=ticket.pk, by=supervisor, reason="needs Level II after all")
    services.ticket_reclassify(
        ticket_id=ticket.pk, by=supervisor, impact=Impact.HIGH, urgency=Urgency.HIGH, category=category("Email")
    )
    # A page about the now-P1 ticket answered by SMS (escalation.services.page_acknowledge records it so).
    services.ticket_page_acknowledged(ticket=Ticket.objects.get(pk=ticket.pk), by=supervisor, channel="sms")
    # The device it is about, named and then taken off again (the requester sees both).
    laptop = Asset.objects.create(tag="LAP-0007", asset_type="laptop", name="ThinkPad", user=requester)
    ticket_asset_link(ticket_id=ticket.pk, by=supervisor, tag="lap-0007")
    ticket_asset_unlink(ticket_id=ticket.pk, by=supervisor, asset_id=laptop.pk)
    # Its checklist: one step ticked, unticked, then skipped with a reason.
    step = TicketChecklistItem.objects.create(ticket=ticket, position=1, text="Clean the rollers")
    for action in ("done", "undone", "skip"):
        services.checklist_item_change(
            ticket_id=ticket.pk, item_id=step.pk, by=supervisor, action=action, reason="No kit"
        )
    # Time spent on it: one entry recorded, another recorded with a note and then removed.
    services.time_entry_record(ticket_id=ticket.pk, by=supervisor, minutes=20)
    services.comment_add_with_time(ticket_id=ticket.pk, author=supervisor, body="Timed", minutes=5, internal=True)
    services.time_entry_delete(ticket_id=ticket.pk, entry_id=ticket.time_entries.get(minutes=5).pk, by=supervisor)
    services.ticket_edit(ticket_id=ticket.pk, by=supervisor, subject="Printer jams on every page")
    # Made part of another person's ticket for a while, and an incident of a problem for a while.
    parent = TicketFactory(status="open", subject="Print server outage 5c1e")
    services.ticket_parent_set(ticket_id=ticket.pk, by=supervisor, parent_reference=parent.reference)
    services.ticket_parent_clear(ticket_id=ticket.pk, by=supervisor)
    problem = problem_services.problem_create(by=supervisor, title="Roller wear", ticket_id=ticket.pk)
    problem_services.problem_incident_unlink(problem_id=problem.pk, by=supervisor, ticket_reference=ticket.reference)
    # A colleague copied in and taken off again; a link added and removed; a duplicate merged in.
    colleague = make_requester()
    services.watcher_add(ticket_id=ticket.pk, by=requester, email=colleague.email)
    services.watcher_remove(ticket_id=ticket.pk, by=requester, user_id=colleague.pk)
    other = services.ticket_create(requester=make_requester(), subject="Other", description="x", urgency=Urgency.LOW)
    link = services.ticket_link_add(ticket_id=ticket.pk, by=supervisor, to_reference=other.reference)
    services.ticket_link_remove(ticket_id=ticket.pk, by=supervisor, link_id=link.pk)
    services.ticket_merge(ticket_id=other.pk, by=supervisor, into_reference=ticket.reference)
    # Put aside and woken; a reminder cancelled, another sent.
    soon = timezone.now() + timedelta(hours=1)
    services.ticket_snooze(ticket_id=ticket.pk, by=supervisor, until=soon)
    services.ticket_unsnooze(ticket_id=ticket.pk, by=supervisor)
    reminder = services.reminder_set(ticket_id=ticket.pk, by=supervisor, remind_at=soon, note="Ring back")
    services.reminder_cancel(reminder_id=reminder.pk, by=supervisor)
    services.reminder_set(ticket_id=ticket.pk, by=supervisor, remind_at=soon, note="Ring back")
    services.reminders_send(now=soon)
    services.ticket_resolve(ticket_id=ticket.pk, by=supervisor, resolution="Replaced the roller")
    services.tickets_auto_close(now=Ticket.objects.get(pk=ticket.pk).auto_close_notice_at)
    services.ticket_reopen(ticket_id=ticket.pk, by=requester, reason="Jams again")
    services.ticket_resolve(ticket_id=ticket.pk, by=supervisor, resolution="Replaced the printer")
    services.ticket_confirm_resolution(ticket_id=ticket.pk, by=requester)
    ticket.refresh_from_db()
    assert ticket.level == TICKET_LEVEL
    events: dict[str, TicketEvent] = {}
    for event in TicketEvent.objects.filter(ticket=ticket).order_by("id"):
        events.setdefault(case_of(event), event)
    assert set(events) == set(CASES)
    return History(ticket=ticket, events=events)


def case_of(event: TicketEvent) -> str:
    if event.kind != EventKind.ATTACHMENT_ADDED:
        return event.kind
    return next(case for case, name in FILE_OF_CASE.items() if name == event.to_value)


def person(role: str, history: History):
    return actor_for(role, World(level=history.ticket.level, ticket=history.ticket))


def sees(role: str, case: str) -> bool:
    return role in STAFF or (role == "owner" and case in PUBLIC_CASES)


MATRIX = [pytest.param(role, case, id=f"{role}-{case}") for role in ROLES for case in CASES]


@pytest.mark.parametrize(("role", "case"), MATRIX)
def test_the_api_lists_an_event_exactly_to_those_who_may_see_it(role, case):
    history = ticket_with_every_event()
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(person(role, history))
    response = client.get(f"/api/v1/tickets/{history.ticket.reference}/events/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
        assert response.json()["error"]["status"] == response.status_code
        return
    if role == "other_requester":
        assert response.status_code == 404
        assert NOTE_FILE not in response.content.decode()
        return
    assert response.status_code == 200
    listed = {row["id"] for row in response.json()}
    event = history.events[case]
    assert (event.pk in listed) == sees(role, case)
    if not sees(role, case):
        # Nothing of it reaches them by another route in the same answer.
        assert NOTE_FILE not in response.content.decode()
        assert all(row["kind"] != EventKind.NOTE_ADDED for row in response.json())


@pytest.mark.parametrize(("role", "case"), MATRIX)
def test_the_ticket_page_shows_an_event_exactly_to_those_who_may_see_it(client, role, case):
    history = ticket_with_every_event()
    if role != "anonymous":
        client.force_login(person(role, history))
    response = client.get(history.ticket.get_absolute_url())
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        return
    if role == "other_requester":
        assert response.status_code == 404
        assert NOTE_FILE not in response.content.decode()
        return
    assert response.status_code == 200
    page = response.content.decode()
    event = history.events[case]
    if case == EventKind.COMMENTED:
        # A reply is shown as itself, its event as the reply.
        assert (REPLY_BODY in page) == sees(role, case)
    elif case in FILE_OF_CASE:
        # A file is shown in the conversation or the ticket's file list, not as a history line.
        assert (FILE_OF_CASE[case] in page) == sees(role, case)
    else:
        shown = {entry.item.pk for entry in response.context["timeline"] if entry.kind == "event"}
        assert (event.pk in shown) == sees(role, case)
        assert (f'data-testid="event-{event.kind}"' in page) == sees(role, case)
    if not sees(role, case):
        assert NOTE_FILE not in page
        assert NOTE_BODY not in page


@pytest.mark.parametrize("role", [role for role in ROLES if role not in ("anonymous", "other_requester")])
def test_the_page_and_the_api_show_what_the_one_rule_allows(client, role):
    history = ticket_with_every_event()
    user = person(role, history)
    every_event = list(TicketEvent.objects.filter(ticket=history.ticket))
    allowed = {event.pk for event in ticket_events_visible(user=user, ticket=history.ticket)}
    assert allowed == {event.pk for event in every_event if sees(role, case_of(event))}
    api = APIClient()
    api.force_authenticate(user)
    listed = [row["id"] for row in api.get(f"/api/v1/tickets/{history.ticket.reference}/events/").json()]
    assert set(listed) == allowed
    assert listed == sorted(listed, key=lambda pk: next((e.created_at, e.pk) for e in every_event if e.pk == pk))
    client.force_login(user)
    timeline = client.get(history.ticket.get_absolute_url()).context["timeline"]
    shown = {entry.item.pk for entry in timeline if entry.kind == "event"}
    assert shown == {
        event.pk
        for event in every_event
        if event.pk in allowed and event.kind not in (EventKind.COMMENTED, EventKind.ATTACHMENT_ADDED)
    }


def test_a_public_file_named_like_an_internal_one_later_does_not_reveal_the_earlier_internal_one():
    requester = make_requester()
    agent = make_agent(1)
    ticket = services.ticket_create(requester=requester, subject="Logs", description="See", urgency=Urgency.LOW)
    services.comment_add(ticket_id=ticket.pk, author=agent, body="note", internal=True, attachments=[upload("a.log")])
    internal_event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ATTACHMENT_ADDED)
    services.comment_add(ticket_id=ticket.pk, author=agent, body="reply", attachments=[upload("a.log")])
    public_event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ATTACHMENT_ADDED).latest("id")
    visible = [event.pk for event in ticket_events_visible(user=requester, ticket=ticket)]
    assert public_event.pk in visible
    assert internal_event.pk not in visible

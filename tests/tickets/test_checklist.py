"""A ticket's checklist: staff at the ticket's level tick, untick and skip steps (audited,
internal), requesters never see it, and a ticket with an open step cannot be resolved."""

import pytest
from rest_framework.test import APIClient

from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import TicketChecklistItem, TicketEvent

pytestmark = pytest.mark.django_db


def _ticket(level=2, steps=("Read the backup log", "Restore one file")):
    ticket = TicketFactory(level=level, status="open")
    items = TicketChecklistItem.objects.bulk_create(
        [TicketChecklistItem(ticket=ticket, position=n, text=text) for n, text in enumerate(steps, start=1)]
    )
    return ticket, items


def test_resolving_is_refused_naming_the_steps_left():
    ticket, items = _ticket()
    agent = make_agent(2)
    services.checklist_item_change(ticket_id=ticket.pk, item_id=items[0].pk, by=agent, action="done")
    with pytest.raises(TransitionError) as refused:
        services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="All good")
    assert "1 checklist step" in refused.value.message and "Restore one file" in refused.value.message
    assert "Read the backup log" not in refused.value.message
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_a_step_skipped_with_a_reason_lets_the_ticket_resolve():
    ticket, items = _ticket()
    agent = make_agent(2)
    services.checklist_item_change(ticket_id=ticket.pk, item_id=items[0].pk, by=agent, action="done")
    services.checklist_item_change(
        ticket_id=ticket.pk, item_id=items[1].pk, by=agent, action="skip", reason="No spare disk <today> & 🙂"
    )
    services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="Backups checked")
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds[:2] == [EventKind.CHECKLIST_DONE, EventKind.CHECKLIST_SKIPPED]


def test_a_skip_without_a_reason_is_refused_and_nothing_changes():
    ticket, items = _ticket()
    with pytest.raises(TransitionError):
        services.checklist_item_change(
            ticket_id=ticket.pk, item_id=items[0].pk, by=make_agent(2), action="skip", reason=" \r\n"
        )
    items[0].refresh_from_db()
    assert items[0].is_open and not TicketEvent.objects.filter(ticket=ticket).exists()


def test_untick_reopens_the_step_and_is_audited():
    ticket, items = _ticket()
    agent = make_agent(2)
    services.checklist_item_change(ticket_id=ticket.pk, item_id=items[0].pk, by=agent, action="done")
    services.checklist_item_change(ticket_id=ticket.pk, item_id=items[0].pk, by=agent, action="undone")
    items[0].refresh_from_db()
    assert items[0].is_open and items[0].done_by is None
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CHECKLIST_UNDONE).count() == 1


def test_agents_below_the_level_and_requesters_cannot_tick():
    ticket, items = _ticket(level=3)
    for person in (make_agent(1), make_agent(2), ticket.requester):
        with pytest.raises(NotAllowedError):
            services.checklist_item_change(ticket_id=ticket.pk, item_id=items[0].pk, by=person, action="done")
    services.checklist_item_change(ticket_id=ticket.pk, item_id=items[0].pk, by=make_supervisor(), action="done")


@pytest.mark.parametrize("item_id", [0, -1, "x", None, 10**12])
def test_a_step_of_another_ticket_or_none_is_refused(item_id):
    ticket, _items = _ticket()
    _other, others = _ticket()
    for wrong in (item_id, others[0].pk):
        with pytest.raises(TicketError):
            services.checklist_item_change(ticket_id=ticket.pk, item_id=wrong, by=make_agent(2), action="done")


def test_an_unknown_action_is_refused():
    ticket, items = _ticket()
    with pytest.raises(TicketError):
        services.checklist_item_change(ticket_id=ticket.pk, item_id=items[0].pk, by=make_agent(2), action="burn")


def test_a_ticket_without_a_checklist_resolves_as_before():
    ticket = TicketFactory(level=1, status="open")
    services.ticket_resolve(ticket_id=ticket.pk, by=make_agent(1), resolution="Done")


# --- the panel on the ticket page


def test_staff_tick_a_step_with_htmx_and_get_the_panel_back(client):
    ticket, items = _ticket()
    client.force_login(make_agent(2))
    response = client.post(
        f"/tickets/{ticket.reference}/checklist/{items[0].pk}/", {"action": "done"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'data-state="done"' in response.content.decode()
    assert "1 step left" in response.content.decode()


def test_the_panel_shows_a_refusal_without_a_full_page(client):
    ticket, items = _ticket()
    client.force_login(make_agent(2))
    response = client.post(
        f"/tickets/{ticket.reference}/checklist/{items[0].pk}/",
        {"action": "skip", "reason": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Say why the step is skipped." in response.content.decode()
    assert "<html" not in response.content.decode()


def test_requesters_never_see_the_checklist(client):
    ticket, items = _ticket()
    client.force_login(ticket.requester)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "checklist" not in page.lower() and "Restore one file" not in page
    assert client.get(f"/tickets/{ticket.reference}/checklist/").status_code == 403
    assert client.post(f"/tickets/{ticket.reference}/checklist/{items[0].pk}/", {"action": "done"}).status_code == 403
    client.force_login(make_requester())
    assert client.get(f"/tickets/{ticket.reference}/checklist/").status_code == 404


def test_checklist_events_are_internal(client):
    ticket, items = _ticket()
    services.checklist_item_change(ticket_id=ticket.pk, item_id=items[0].pk, by=make_agent(2), action="done")
    client.force_login(ticket.requester)
    assert "checklist" not in client.get(ticket.get_absolute_url()).content.decode().lower()


def test_the_panel_is_a_constant_number_of_queries(client, django_assert_max_num_queries):
    ticket, _items = _ticket(steps=[f"Step {n}" for n in range(40)])
    agent = make_agent(2)
    for item in TicketChecklistItem.objects.filter(ticket=ticket)[:20]:
        services.checklist_item_change(ticket_id=ticket.pk, item_id=item.pk, by=agent, action="done")
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        response = client.get(f"/tickets/{ticket.reference}/checklist/")
    assert response.content.decode().count('data-testid="checklist-item"') == 40


# --- the API


def test_the_api_reads_and_ticks_the_checklist():
    ticket, items = _ticket()
    api = APIClient()
    api.force_authenticate(make_agent(2))
    listed = api.get(f"/api/v1/tickets/{ticket.reference}/checklist/")
    assert [row["state"] for row in listed.json()] == ["open", "open"]
    ticked = api.post(f"/api/v1/tickets/{ticket.reference}/checklist/{items[1].pk}/", {"action": "done"}, format="json")
    assert ticked.status_code == 200 and ticked.json()["state"] == "done"
    refused = api.post(f"/api/v1/tickets/{ticket.reference}/resolve/", {"resolution": "ok"}, format="json")
    assert refused.status_code == 409 and "Read the backup log" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    "body", [{"action": "skip"}, {"action": "nope"}, {"action": ["done"]}, {}, {"action": "skip", "reason": "x" * 501}]
)
def test_the_api_refuses_bad_input_clearly(body):
    ticket, items = _ticket()
    api = APIClient()
    api.force_authenticate(make_agent(2))
    response = api.post(f"/api/v1/tickets/{ticket.reference}/checklist/{items[0].pk}/", body, format="json")
    assert response.status_code in (400, 409) and response.json()["error"]["message"]
    items[0].refresh_from_db()
    assert items[0].is_open

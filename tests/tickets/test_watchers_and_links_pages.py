"""The ticket page's watchers, links and merge: what each person sees and may post, and
that the page's queries do not grow with the people and links on it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import TicketFactory, make_agent, make_requester
from tickets import services
from tickets.choices import LinkKind, Status
from tickets.models import Comment, Ticket, TicketLink, TicketWatcher

pytestmark = pytest.mark.django_db

HOSTILE = ["'\"<>&", "🙂" * 60, "ä" * 250, "a@b.c\r\nBcc: x@y.z", "", " ", "x" * 5000, "<script>@x.y"]


def test_a_staff_member_of_a_lower_level_follows_from_the_page_and_may_then_reply_and_note(client):
    ticket = TicketFactory(level=3, status=Status.OPEN)
    agent = make_agent(1)
    client.force_login(agent)
    page = client.get(ticket.get_absolute_url())
    assert 'id="follow-button"' in page.content.decode()
    assert "comment" not in page.context["forms"]
    assert client.post(f"/tickets/{ticket.reference}/follow/").status_code == 302
    page = client.get(ticket.get_absolute_url())
    assert page.context["watching"] and "internal" in page.context["forms"]["comment"].fields
    assert not page.context["can_take"] and 'id="take-form"' not in page.content.decode()
    assert (
        client.post(f"/tickets/{ticket.reference}/comment/", {"body": "Seen at the branch", "internal": "on"})[
            "Location"
        ]
        == ticket.get_absolute_url()
    )
    assert Comment.objects.get(ticket=ticket).is_internal
    # Still not theirs to take or resolve.
    assert client.post(f"/tickets/{ticket.reference}/take/").status_code == 403
    assert client.post(f"/tickets/{ticket.reference}/resolve/", {"resolution": "Done"}).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


@pytest.mark.parametrize("email", HOSTILE, ids=[f"hostile-{n}" for n in range(len(HOSTILE))])
def test_the_copy_in_form_refuses_hostile_input_without_a_500_or_a_row(client, email):
    ticket = TicketFactory()
    client.force_login(ticket.requester)
    response = client.post(f"/tickets/{ticket.reference}/watchers/", {"email": email})
    assert response.status_code in (400, 409)
    assert not TicketWatcher.objects.exists()
    assert "watcher_add" in response.context["forms"]


def test_the_copy_in_form_says_added_or_no_such_colleague_and_lists_nobody(client):
    ticket = TicketFactory()
    make_requester(email="known@example.com", first_name="Known")
    client.force_login(ticket.requester)
    refused = client.post(f"/tickets/{ticket.reference}/watchers/", {"email": "known@example"}, follow=True)
    page = refused.content.decode()
    assert "No such colleague" in page and "Known" not in page
    added = client.post(f"/tickets/{ticket.reference}/watchers/", {"email": "KNOWN@example.com"}, follow=True)
    assert "Your colleague was added" in added.content.decode()
    assert TicketWatcher.objects.filter(ticket=ticket, user__email="known@example.com").exists()


def test_a_colleague_copied_in_reads_the_ticket_and_finds_it_in_their_list(client):
    ticket = TicketFactory(subject="Shared printer")
    colleague = make_requester()
    services.watcher_add(ticket_id=ticket.pk, by=ticket.requester, email=colleague.email)
    client.force_login(colleague)
    assert client.get(ticket.get_absolute_url()).status_code == 200
    assert "Shared printer" in client.get("/tickets/").content.decode()
    services.watcher_remove(ticket_id=ticket.pk, by=colleague, user_id=colleague.pk)
    assert client.get(ticket.get_absolute_url()).status_code == 404


def test_the_merged_duplicates_page_still_works_and_points_at_the_target(client):
    agent = make_agent(1)
    duplicate, target = TicketFactory(status=Status.OPEN), TicketFactory(status=Status.OPEN)
    client.force_login(agent)
    response = client.post(f"/tickets/{duplicate.reference}/merge/", {"into": target.reference})
    assert response["Location"] == target.get_absolute_url()
    page = client.get(duplicate.get_absolute_url()).content.decode()
    assert 'data-testid="merged-into"' in page and f'href="{target.get_absolute_url()}"' in page
    assert "merge" not in client.get(duplicate.get_absolute_url()).context["forms"]
    target_page = client.get(target.get_absolute_url())
    assert [link.label for link in target_page.context["links"]] == ["Duplicated by"]
    client.force_login(duplicate.requester)
    assert client.get(duplicate.get_absolute_url()).status_code == 200
    assert client.get(target.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("into", HOSTILE + ["HD-999999"], ids=[f"hostile-{n}" for n in range(len(HOSTILE) + 1)])
def test_the_merge_form_refuses_hostile_input_and_merges_nothing(client, into):
    ticket = TicketFactory(status=Status.OPEN)
    client.force_login(make_agent(1))
    response = client.post(f"/tickets/{ticket.reference}/merge/", {"into": into})
    assert response.status_code in (400, 409)
    assert Ticket.objects.get(pk=ticket.pk).merged_into_id is None


@pytest.mark.parametrize("reference", HOSTILE, ids=[f"hostile-{n}" for n in range(len(HOSTILE))])
def test_the_link_form_refuses_hostile_input(client, reference):
    ticket = TicketFactory()
    client.force_login(make_agent(1))
    response = client.post(f"/tickets/{ticket.reference}/links/", {"reference": reference, "kind": "related"})
    assert response.status_code in (400, 409)
    assert not TicketLink.objects.exists()


def page_queries(client, ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ticket.get_absolute_url()).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_the_ticket_page_costs_the_same_queries_with_many_watchers_and_links(client, who):
    agent = make_agent(1)
    ticket = TicketFactory(status=Status.OPEN)
    client.force_login(agent if who == "agent" else ticket.requester)
    TicketWatcher.objects.create(ticket=ticket, user=make_requester())
    TicketLink.objects.create(from_ticket=ticket, to_ticket=TicketFactory(requester=ticket.requester))
    TicketLink.objects.create(from_ticket=TicketFactory(), to_ticket=ticket, kind=LinkKind.CAUSED_BY)
    page_queries(client, ticket)  # the first view fills the caches the page reads
    few = page_queries(client, ticket)
    for _ in range(8):
        TicketWatcher.objects.create(ticket=ticket, user=make_requester())
        TicketLink.objects.create(from_ticket=ticket, to_ticket=TicketFactory(requester=ticket.requester))
        TicketLink.objects.create(from_ticket=TicketFactory(), to_ticket=ticket, kind=LinkKind.DUPLICATE)
    assert page_queries(client, ticket) == few


def test_the_api_lists_of_watchers_and_links_cost_the_same_queries_however_many():
    agent = make_agent(1)
    ticket = TicketFactory(status=Status.OPEN)
    api = APIClient()
    api.force_authenticate(agent)

    def cost() -> tuple[int, int]:
        counts = []
        for path in ("watchers", "links"):
            with CaptureQueriesContext(connection) as queries:
                assert api.get(f"/api/v1/tickets/{ticket.reference}/{path}/").status_code == 200
            counts.append(len(queries))
        return counts[0], counts[1]

    TicketWatcher.objects.create(ticket=ticket, user=make_requester())
    TicketLink.objects.create(from_ticket=ticket, to_ticket=TicketFactory())
    cost()  # the first call fills the caches
    few = cost()
    for _ in range(8):
        TicketWatcher.objects.create(ticket=ticket, user=make_requester())
        TicketLink.objects.create(from_ticket=TicketFactory(), to_ticket=ticket)
    assert cost() == few

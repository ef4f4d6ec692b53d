"""The search page and the API's ``?q=``: one selector, the same order; what each role
finds and must not; a reference opens its ticket; hostile queries answered; queries per
page do not grow with the results."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import Status

pytestmark = pytest.mark.django_db

HOSTILE = ["' \" < > &", "🔥🔥", "ű" * 250, "a\r\nb", "x" * 5000, "%", "_", "\\", "' OR 1=1 --", "<script>"]


@pytest.fixture
def world():
    rina = make_requester(username="rina", language="en")
    joko = make_requester(username="joko", email="joko@example.com")
    agent = make_agent(1, username="andi")
    tickets = [
        services.ticket_create(requester=rina, subject=f"Printer macet {n}", description="Kertas", urgency="low")
        for n in range(3)
    ]
    theirs = services.ticket_create(requester=joko, subject="Printer rusak", description="Mati", urgency="low")
    services.comment_add(ticket_id=tickets[0].pk, author=agent, body="Toner habis, dipesan.", internal=True)
    return {"rina": rina, "joko": joko, "agent": agent, "tickets": tickets, "theirs": theirs}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_header_of_every_page_has_the_search_box(world):
    page = signed_in(world["rina"]).get("/tickets/").content.decode()
    assert 'action="/search/"' in page and 'name="q"' in page


def test_a_requester_finds_only_their_own_and_no_internal_note(world):
    client = signed_in(world["rina"])
    page = client.get("/search/", {"q": "printer"}).content.decode()
    for ticket in world["tickets"]:
        assert ticket.reference in page
    assert world["theirs"].reference not in page
    assert world["tickets"][0].reference not in client.get("/search/", {"q": "toner"}).content.decode()
    # Another's reference is not opened for them: it is searched as words, finding nothing.
    response = client.get("/search/", {"q": world["theirs"].reference})
    assert response.status_code == 200 and b"no-results" in response.content


def test_staff_find_every_ticket_and_internal_notes_with_the_words_marked(world):
    client = signed_in(world["agent"])
    page = client.get("/search/", {"q": "toner"}).content.decode()
    assert world["tickets"][0].reference in page and "<mark>Toner</mark>" in page
    page = client.get("/search/", {"q": "printer"}).content.decode()
    assert world["theirs"].reference in page and "<mark>Printer</mark>" in page


def test_a_reference_opens_the_ticket(world):
    response = signed_in(world["rina"]).get("/search/", {"q": f" {world['tickets'][1].reference.lower()} "})
    assert response.status_code == 302 and response["Location"] == world["tickets"][1].get_absolute_url()


def test_filters_are_kept_and_applied(world):
    services.ticket_take(ticket_id=world["tickets"][2].pk, by=world["agent"])
    client = signed_in(world["agent"])
    page = client.get("/search/", {"q": "printer", "status": Status.OPEN, "requester": "RINA"}).content.decode()
    assert world["tickets"][2].reference in page
    assert world["tickets"][0].reference not in page and world["theirs"].reference not in page
    assert 'value="RINA"' in page and f'<option value="{Status.OPEN}" selected>' in page
    bad = client.get("/search/", {"q": "printer", "created_after": "2026-12-02", "created_before": "2026-12-01"})
    assert bad.status_code == 400 and "The end date is before the start date." in bad.content.decode()
    # A requester has no one else's tickets to pick: the requester and level filters are not theirs.
    own = signed_in(world["rina"]).get("/search/", {"q": "printer", "requester": "joko"}).content.decode()
    assert 'name="requester"' not in own and world["tickets"][0].reference in own


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_answered(world, query):
    for user in (world["rina"], world["agent"]):
        response = signed_in(user).get("/search/", {"q": query, "page": "1"})
        assert response.status_code in (200, 400)
        assert b"<script>" not in response.content.split(b"</nav>", 1)[1]


def test_wrong_filter_values_are_a_clear_400(world):
    client = signed_in(world["agent"])
    for params in ({"priority": "9"}, {"level": "x"}, {"page": "0"}, {"created_after": "yesterday"}):
        response = client.get("/search/", {"q": "printer", **params})
        assert response.status_code == 400, params


def test_queries_per_page_do_not_grow_with_the_results(world, django_assert_max_num_queries):
    client = signed_in(world["agent"])
    client.get("/search/", {"q": "printer"})
    for n in range(30):
        services.ticket_create(requester=world["joko"], subject=f"Printer {n}", description="x", urgency="low")
    with django_assert_max_num_queries(12):
        page = client.get("/search/", {"q": "printer"})
    assert page.content.decode().count('<li class="mb-3') == 20 and b"next-page" in page.content


def test_the_api_searches_with_the_same_order_and_pages_by_rank(world):
    api = APIClient()
    api.force_authenticate(world["agent"])
    monitor = services.ticket_create(
        requester=world["joko"], subject="Monitor", description="printer nearby", urgency="low"
    )
    pages = [api.get("/api/v1/tickets/", {"q": "printer", "page_size": 2}).json()]
    while pages[-1]["next"]:
        pages.append(api.get(pages[-1]["next"]).json())
    api_order = [row["reference"] for page in pages for row in page["results"]]
    page = signed_in(world["agent"]).get("/search/", {"q": "printer"}).content.decode()
    assert api_order == sorted(api_order, key=page.index) and len(api_order) == len(set(api_order)) == 5
    # The subject outranks the description: the monitor (printer in its description only) is last.
    assert api_order[-1] == monitor.reference
    # A requester's API search is their own tickets only.
    api.force_authenticate(world["joko"])
    assert [row["reference"] for row in api.get("/api/v1/tickets/", {"q": "printer"}).json()["results"]] == [
        world["theirs"].reference,
        monitor.reference,
    ]


def test_a_supervisor_searches_every_level(world):
    ticket = world["tickets"][0]
    services.ticket_escalate(ticket_id=ticket.pk, by=world["agent"], reason="needs Level II")
    page = signed_in(make_supervisor()).get("/search/", {"q": "printer", "level": "2"}).content.decode()
    assert ticket.reference in page and world["tickets"][1].reference not in page


def test_the_queue_s_search_finds_the_words_as_the_search_page_does_and_keeps_its_sort(world):
    client = signed_in(world["agent"])
    # "toner" is only in an internal note of the first ticket; the queue is for staff.
    page = client.get("/queue/", {"level": "1", "view": "open", "q": "toner"}).content.decode()
    assert world["tickets"][0].reference in page and world["tickets"][1].reference not in page
    page = client.get("/queue/", {"level": "1", "view": "open", "q": "printer", "sort": "created"}).content.decode()
    positions = [page.index(ticket.reference) for ticket in world["tickets"]]
    assert positions == sorted(positions)


def test_matching_articles_come_first_public_ones_for_requesters_internal_ones_for_staff(world):
    from knowledge.services import article_create, article_status_set

    supervisor = make_supervisor()
    public = article_create(by=supervisor, texts={"en": ("Printer jams: what to do", "Open the tray.")})
    internal = article_create(
        by=supervisor, texts={"en": ("Printer vendor escalation", "Call the vendor.")}, visibility="internal"
    )
    draft = article_create(by=supervisor, texts={"en": ("Printer draft notes", "Not yet.")})
    for article in (public, internal):
        article_status_set(article_id=article.pk, by=supervisor, status="published")
    own = signed_in(world["rina"]).get("/search/", {"q": "printer"}).content.decode()
    assert public.get_absolute_url() in own
    assert internal.get_absolute_url() not in own and draft.get_absolute_url() not in own
    staff = signed_in(world["agent"]).get("/search/", {"q": "printer"}).content.decode()
    assert public.get_absolute_url() in staff and internal.get_absolute_url() in staff
    assert draft.get_absolute_url() not in staff
    assert staff.index('data-testid="search-articles"') < staff.index('data-testid="search-results"')

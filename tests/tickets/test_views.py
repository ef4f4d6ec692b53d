import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tickets.choices import EventKind, Status
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_pages_need_a_sign_in(client):
    ticket = TicketFactory()
    for url in ("/", "/tickets/", "/tickets/new/", ticket.get_absolute_url(), "/queue/", "/dashboard/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_signs_in_with_a_password(client):
    make_requester(username="rina")
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post("/accounts/login/", {"username": "rina", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/").url == reverse("tickets:mine")


def test_a_requester_files_a_ticket_with_an_attachment(client):
    requester = make_requester()
    login(client, requester)
    response = client.post(
        "/tickets/new/",
        {
            "subject": "Cannot print",
            "category": category("Printer and scanner").pk,
            "impact": "low",
            "urgency": "high",
            "description": "Paper jam on floor 3",
            "attachment": SimpleUploadedFile("photo.png", b"\x89PNG....", content_type="image/png"),
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()
    assert ticket.requester == requester
    assert ticket.attachments.get().original_name == "photo.png"
    page = client.get(ticket.get_absolute_url())
    assert ticket.reference in page.content.decode()
    assert "photo.png" in page.content.decode()


def test_bad_ticket_input_gets_a_message_and_keeps_what_was_typed(client):
    login(client, make_requester())
    response = client.post(
        "/tickets/new/", {"subject": "", "impact": "low", "urgency": "urgent!!", "description": "Long story"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required" in html
    assert "Select a valid choice" in html
    assert "Long story" in html
    assert Ticket.objects.count() == 0


def test_a_disallowed_file_type_gets_a_message_and_saves_nothing(client):
    login(client, make_requester())
    response = client.post(
        "/tickets/new/",
        {
            "subject": "Help",
            "impact": "low",
            "urgency": "low",
            "description": "see file",
            "attachment": SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream"),
        },
    )
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_requester_cannot_open_another_requesters_ticket_by_url(client):
    mine = TicketFactory(requester=make_requester())
    theirs = TicketFactory(requester=make_requester(), subject="Salary slip problem")
    login(client, mine.requester)
    assert client.get(mine.get_absolute_url()).status_code == 200
    response = client.get(theirs.get_absolute_url())
    assert response.status_code == 404
    assert "Salary slip problem" not in response.content.decode()
    # ...nor act on it
    post = client.post(reverse("tickets:comment", kwargs={"reference": theirs.reference}), {"body": "hi"})
    assert post.status_code == 404
    assert not Comment.objects.exists()


def test_a_requester_sees_only_their_own_tickets_in_the_list(client):
    requester = make_requester()
    TicketFactory(requester=requester, subject="My laptop")
    TicketFactory(subject="Someone else's laptop")
    html = login(client, requester).get("/tickets/").content.decode()
    assert "My laptop" in html
    assert "Someone else" not in html


def test_a_requester_never_sees_internal_notes(client):
    requester = make_requester()
    agent = make_agent(1)
    ticket = TicketFactory(requester=requester)
    Comment.objects.create(ticket=ticket, author=agent, body="Public answer")
    Comment.objects.create(ticket=ticket, author=agent, body="Internal: user is difficult", is_internal=True)
    html = login(client, requester).get(ticket.get_absolute_url()).content.decode()
    assert "Public answer" in html
    assert "user is difficult" not in html
    staff_html = login(client, agent).get(ticket.get_absolute_url()).content.decode()
    assert "user is difficult" in staff_html


def test_requesters_and_agents_cannot_reach_pages_of_other_roles(client):
    login(client, make_requester())
    assert client.get("/queue/").status_code == 403
    assert client.get("/dashboard/").status_code == 403
    login(client, make_agent(1))
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/queue/?level=2").status_code == 403
    assert client.get("/admin/").status_code == 302


def test_an_agent_escalates_with_a_reason_over_http(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    login(client, agent)
    response = client.post(reverse("tickets:escalate", kwargs={"reference": ticket.reference}), {"reason": "Disk"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.level == 2
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Escalated. The next level" in page
    assert "above your support level" in page  # agent1 may now only read it


def test_escalating_without_a_reason_shows_an_error_and_changes_nothing(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    response = login(client, agent).post(
        reverse("tickets:escalate", kwargs={"reference": ticket.reference}), {"reason": ""}
    )
    assert response.status_code == 400
    assert "Please correct the errors below" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.level == 1


def test_acting_above_ones_level_over_http_is_refused_with_a_message(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=2)
    login(client, agent)
    for name, data in (("escalate", {"reason": "x"}), ("resolve", {"resolution": "x"}), ("take", {})):
        response = client.post(reverse(f"tickets:{name}", kwargs={"reference": ticket.reference}), data)
        assert response.status_code == 403, name
        assert "above the levels you work" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status, ticket.assignee) == (2, Status.NEW, None)
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_escalating_a_closed_ticket_over_http_gets_a_clear_message(client):
    agent = make_agent(1)
    ticket = TicketFactory(level=1, status=Status.CLOSED)
    response = login(client, agent).post(
        reverse("tickets:escalate", kwargs={"reference": ticket.reference}), {"reason": "late"}
    )
    assert response.status_code == 409
    assert "only an open ticket can be escalated" in response.content.decode()


def test_the_full_requester_and_agent_conversation(client):
    requester = make_requester()
    agent = make_agent(1)
    ticket = TicketFactory(level=1, requester=requester)
    url = lambda name: reverse(f"tickets:{name}", kwargs={"reference": ticket.reference})  # noqa: E731
    login(client, agent)
    assert client.post(url("take")).status_code == 302
    assert client.post(url("comment"), {"body": "Restart it", "internal": ""}).status_code == 302
    assert client.post(url("comment"), {"body": "Note to self", "internal": "on"}).status_code == 302
    assert client.post(url("status"), {"status": "pending", "reason": "waiting"}).status_code == 302
    login(client, requester)
    assert client.post(url("comment"), {"body": "Did not help"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    login(client, agent)
    assert client.post(url("resolve"), {"resolution": "Replaced cable"}).status_code == 302
    login(client, requester)
    assert client.post(url("confirm")).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {
        EventKind.ASSIGNED,
        EventKind.COMMENTED,
        EventKind.NOTE_ADDED,
        EventKind.RESOLVED,
        EventKind.CLOSED,
    } <= kinds


def test_attachments_are_served_only_to_people_who_may_see_the_ticket(client):
    from tickets import services

    owner = make_requester()
    ticket = services.ticket_create(
        requester=owner,
        subject="Log",
        description="see",
        urgency="low",
        attachments=[SimpleUploadedFile("err.log", b"boom", content_type="text/plain")],
    )
    url = reverse("tickets:attachment", kwargs={"pk": ticket.attachments.get().pk})
    response = login(client, owner).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"boom"
    assert login(client, make_requester()).get(url).status_code == 404
    assert login(client, make_agent(1)).get(url).status_code == 200


def test_home_sends_each_role_to_its_page(client):
    assert login(client, make_requester()).get("/").url == reverse("tickets:mine")
    assert login(client, make_agent(1)).get("/").url == reverse("tickets:queue")
    assert login(client, make_supervisor()).get("/").url == reverse("tickets:dashboard")


def test_unknown_references_are_404_not_500(client):
    login(client, make_agent(1))
    assert client.get("/tickets/HD-999999/").status_code == 404
    assert client.post("/tickets/HD-999999/escalate/", {"reason": "x"}).status_code == 404
    assert client.get("/tickets/HD-12/").status_code == 404


def test_ticket_page_query_count_does_not_grow_with_its_history(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets import services

    agent = make_agent(1)
    ticket = TicketFactory(level=1)
    client.force_login(agent)
    services.comment_add(ticket_id=ticket.pk, author=agent, body="first")
    with CaptureQueriesContext(connection) as before:
        assert client.get(ticket.get_absolute_url()).status_code == 200
    for n in range(15):
        services.comment_add(
            ticket_id=ticket.pk,
            author=agent,
            body=f"reply {n}",
            internal=n % 2 == 0,
            attachments=[SimpleUploadedFile(f"log{n}.txt", b"x", content_type="text/plain")],
        )
    services.ticket_change_status(ticket_id=ticket.pk, by=agent, status=Status.PENDING)
    with CaptureQueriesContext(connection) as after:
        html = client.get(ticket.get_absolute_url()).content.decode()
    assert "reply 14" in html and "log14.txt" in html
    assert len(after) == len(before)


def test_assigning_over_http_offers_and_accepts_only_agents_of_the_level(client):
    supervisor = make_supervisor()
    level2 = make_agent(2)
    level1 = make_agent(1)
    ticket = TicketFactory(level=2)
    client.force_login(supervisor)
    url = reverse("tickets:assign", kwargs={"reference": ticket.reference})
    refused = client.post(url, {"assignee": level1.pk})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    assert client.post(url, {"assignee": level2.pk}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == level2


def test_the_status_form_offers_only_moves_allowed_from_the_current_status(client):
    agent = make_agent(1)
    new = TicketFactory(level=1)
    resolved = TicketFactory(level=1, status=Status.RESOLVED)
    closed = TicketFactory(level=1, status=Status.CLOSED)
    client.force_login(agent)
    choices = client.get(new.get_absolute_url()).context["forms"]["status"].fields["status"].choices
    assert [value for value, _label in choices] == ["open", "pending", "thirdparty"]
    choices = client.get(resolved.get_absolute_url()).context["forms"]["status"].fields["status"].choices
    assert [value for value, _label in choices] == ["open", "closed"]
    assert "status" not in client.get(closed.get_absolute_url()).context["forms"]


def test_the_categories_the_helpdesk_starts_with_are_shown_in_the_readers_language(client):
    from tests.factories import make_requester

    user = make_requester(language="id")
    client.force_login(user)
    page = client.get("/tickets/new/").content.decode()
    assert "Kata sandi dan akun" in page
    assert "Password and account" not in page


def test_the_history_names_people_not_their_login_names_in_a_constant_number_of_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets import services

    supervisor = make_supervisor(username="sari.s", first_name="Sari", last_name="Supervisor")
    budi = make_agent(1, username="agent1", first_name="Budi", last_name="Santoso")
    dewi = make_agent(1, username="agent9", first_name="Dewi", last_name="")
    nameless = make_agent(1, username="user1893", first_name="", last_name="")
    ticket = TicketFactory(level=1)
    client.force_login(supervisor)
    services.ticket_assign(ticket_id=ticket.pk, by=supervisor, assignee=budi)
    with CaptureQueriesContext(connection) as one:
        html = client.get(ticket.get_absolute_url()).content.decode()
    assert "from nobody to Budi Santoso" in html
    for person in (dewi, nameless, budi, None):
        services.ticket_assign(ticket_id=ticket.pk, by=supervisor, assignee=person)
    with CaptureQueriesContext(connection) as many:
        html = client.get(ticket.get_absolute_url()).content.decode()
    for text in (
        "from Budi Santoso to Dewi",
        "from Dewi to user1893",
        "from user1893 to Budi Santoso",
        "from Budi Santoso to nobody",
    ):
        assert text in html
    assert "agent1" not in html and "agent9" not in html
    assert len(many) == len(one)
    # The API keeps the stored login names.
    events = client.get(f"/api/v1/tickets/{ticket.reference}/events/").json()
    assigned = [e for e in events if e["kind"] == EventKind.ASSIGNED]
    assert [(e["from_value"], e["to_value"]) for e in assigned][:2] == [("", "agent1"), ("agent1", "agent9")]


def test_a_login_name_nobody_has_any_more_is_shown_as_stored(client):
    supervisor = make_supervisor()
    ticket = TicketFactory(level=1)
    TicketEvent.objects.create(
        ticket=ticket, actor=supervisor, kind=EventKind.ASSIGNED, field="assignee", from_value="gone.user", to_value=""
    )
    client.force_login(supervisor)
    assert "from gone.user to nobody" in client.get(ticket.get_absolute_url()).content.decode()

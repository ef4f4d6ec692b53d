import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from accounts.choices import Level
from notifications.choices import NotificationKind
from notifications.models import Notification
from satisfaction.exceptions import RatingError
from satisfaction.models import Rating
from satisfaction.services import rating_record
from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import Impact, Status, Urgency
from tickets.ratings import RATING_SALT, rating_link_read, rating_token

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/rate/[^/\s]+/\d/")


def resolved_ticket(*, language="en", level=1):
    requester = make_requester(language=language, first_name="Rina")
    agent = make_agent(level, first_name="Andi")
    ticket = services.ticket_create(
        requester=requester, subject="Printer <jam> & 'co'", description="x", impact=Impact.LOW, urgency=Urgency.LOW
    )
    if level > 1:
        ticket.level = level
        ticket.save(update_fields=["level"])
    services.ticket_take(ticket_id=ticket.pk, by=agent)
    services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="Cleared the jam.")
    ticket.refresh_from_db()
    return ticket, agent


def mail_links(ticket) -> dict[int, str]:
    [row] = Notification.objects.filter(ticket=ticket, kind=NotificationKind.RESOLVED, channel="email")
    text_links = LINK.findall(row.body_text)
    html_links = LINK.findall(row.body_html.replace("&quot;", '"'))
    assert [link.rstrip('"') for link in html_links] == text_links
    return {int(link.rstrip("/").rsplit("/", 1)[1]): link for link in text_links}


def path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_the_resolution_mail_carries_a_link_for_each_score_in_text_and_html():
    ticket, _agent = resolved_ticket()
    links = mail_links(ticket)
    assert sorted(links) == [1, 2, 3, 4, 5]
    link = rating_link_read(token=path(links[4]).split("/")[2])
    assert (link.ticket_id, link.requester_id) == (ticket.pk, ticket.requester_id)


def test_on_the_two_point_scale_the_mail_offers_good_and_bad(settings):
    settings.HELPDESK_CSAT_SCALE = "two"
    ticket, _agent = resolved_ticket(language="id")
    links = mail_links(ticket)
    assert sorted(links) == [1, 5]
    [row] = Notification.objects.filter(ticket=ticket, kind=NotificationKind.RESOLVED, channel="email")
    assert "Baik: " in row.body_text and "Buruk: " in row.body_text


def test_following_a_link_records_nothing_until_the_page_is_sent():
    ticket, agent = resolved_ticket()
    url = path(mail_links(ticket)[4])
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    assert re.search(r'value="4"[^>]*checked', page.content.decode())
    assert not re.search(r'value="5"[^>]*checked', page.content.decode())
    assert not Rating.objects.exists()
    response = client.post(url, {"score": "4", "comment": "Quick & kind 🙂 <b>thanks</b>"})
    assert response.status_code == 200 and b"rating-saved" in response.content
    rating = Rating.objects.get()
    assert (rating.ticket, rating.score, rating.agent, rating.level) == (ticket, 4, agent, 1)
    assert rating.comment == "Quick & kind 🙂 <b>thanks</b>"
    shown = client.get(url).content.decode()
    assert "&lt;b&gt;thanks&lt;/b&gt;" in shown and "<b>thanks" not in shown


def test_the_link_again_says_it_is_rated_and_rating_again_changes_the_one_rating():
    ticket, _agent = resolved_ticket()
    links = mail_links(ticket)
    client = Client()
    client.post(path(links[5]), {"score": "5"})
    again = client.get(path(links[5]))
    assert b"rating-already" in again.content
    client.post(path(links[3]), {"score": "3", "comment": "Took a while"})
    rating = Rating.objects.get()
    assert (rating.score, rating.comment) == (3, "Took a while")
    assert Rating.objects.count() == 1


def test_an_expired_link_is_refused_with_a_clear_message(settings):
    ticket, _agent = resolved_ticket()
    url = path(mail_links(ticket)[5])
    with time_machine.travel(timezone.now() + timedelta(days=settings.HELPDESK_CSAT_LINK_DAYS, minutes=1)):
        for response in (Client().get(url), Client().post(url, {"score": "5"})):
            assert response.status_code == 400
            assert b"expired" in response.content
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "",
        "x" * 2000,
        "' \" < > &",
        "%F0%9F%99%82",
        signing.dumps({"t": 1, "r": 1, "s": 0}, salt="another.salt"),
        signing.dumps(["t", 1], salt=RATING_SALT),
        signing.dumps({"t": "1", "r": 1, "s": 0}, salt=RATING_SALT),
    ],
    # Ids that do not change with the signing time, so every test process collects the same tests.
    ids=["junk", "empty", "huge", "markup", "emoji", "other-salt", "list", "text-id"],
)
def test_a_forged_or_damaged_link_is_refused_never_a_server_error(token):
    response = Client().get(f"/rate/{token}/5/") if token else Client().get("/rate//5/")
    assert response.status_code in (400, 404)
    assert not Rating.objects.exists()


def test_a_link_changed_to_another_ticket_is_refused():
    ticket, _agent = resolved_ticket()
    other, _ = resolved_ticket()
    token = path(mail_links(ticket)[5]).split("/")[2]
    forged = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")
    assert Client().get(f"/rate/{forged}/5/").status_code == 400
    # A real token of a ticket is not one of another requester's.
    wrong = signing.dumps({"t": other.pk, "r": ticket.requester_id, "s": 0}, salt=RATING_SALT, compress=True)
    assert Client().get(f"/rate/{wrong}/5/").status_code == 400


def test_a_link_from_before_a_reopening_is_refused():
    ticket, agent = resolved_ticket()
    url = path(mail_links(ticket)[2])
    services.ticket_reopen(ticket_id=ticket.pk, by=ticket.requester, reason="Jammed again")
    services.ticket_resolve(ticket_id=ticket.pk, by=agent, resolution="New roller")
    response = Client().post(url, {"score": "2"})
    assert response.status_code == 409 and b"reopened" in response.content
    assert not Rating.objects.exists()


def test_a_hostile_score_or_comment_is_answered_without_saving():
    ticket, _agent = resolved_ticket()
    url = path(mail_links(ticket)[5])
    for data in ({"score": "7"}, {"score": "x"}, {"score": ""}, {"score": "5", "comment": "x" * 2001}):
        assert Client().post(url, data).status_code == 400
    assert Client().get(url.replace("/5/", "/9/")).status_code == 200
    assert not Rating.objects.exists()
    Client().post(url, {"score": "5", "comment": "é" * 250 + "\r\nline 🙂 ' \" < > &"})
    assert Rating.objects.get().comment == "é" * 250 + "\nline 🙂 ' \" < > &"


def test_the_rating_page_speaks_the_requester_s_language():
    ticket, _agent = resolved_ticket(language="id")
    response = Client().get(path(mail_links(ticket)[5]))
    assert response["Content-Language"] == "id"
    assert "Nilai bantuan kami" in response.content.decode()


def test_a_low_rating_alerts_the_level_s_supervisor_once():
    ticket, _agent = resolved_ticket(level=2)
    own = make_supervisor(first_name="Dewi")
    own.support_levels.add(*own.support_levels.model.objects.filter(number=Level.II))
    other = make_supervisor(first_name="Eko")
    rating_record(ticket_id=ticket.pk, by=ticket.requester, score=1, comment="Nobody called back")

    def alerts():
        return Notification.objects.filter(kind=NotificationKind.LOW_RATING, channel="email").order_by("id")

    assert [row.recipient for row in alerts()] == [own]
    assert "Nobody called back" in alerts()[0].body_text and ticket.reference in alerts()[0].subject
    # Changed to another low score: no second alert; back to good and low again: a new one.
    rating_record(ticket_id=ticket.pk, by=ticket.requester, score=2)
    assert alerts().count() == 1
    rating_record(ticket_id=ticket.pk, by=ticket.requester, score=5)
    rating_record(ticket_id=ticket.pk, by=ticket.requester, score=2)
    assert alerts().count() == 2
    assert other not in [row.recipient for row in alerts()]


def test_a_bad_rating_on_the_two_point_scale_alerts_too(settings):
    settings.HELPDESK_CSAT_SCALE = "two"
    ticket, _agent = resolved_ticket()
    make_supervisor()
    with pytest.raises(RatingError):
        rating_record(ticket_id=ticket.pk, by=ticket.requester, score=3)
    rating_record(ticket_id=ticket.pk, by=ticket.requester, score=1)
    assert Notification.objects.filter(kind=NotificationKind.LOW_RATING).exists()
    assert Rating.objects.get().label == "Bad"


def test_only_the_requester_rates_and_only_a_resolved_or_closed_ticket():
    ticket, agent = resolved_ticket()
    for person in (agent, make_requester(), make_supervisor()):
        with pytest.raises(RatingError):
            rating_record(ticket_id=ticket.pk, by=person, score=5)
    open_ticket = TicketFactory(status=Status.OPEN)
    with pytest.raises(RatingError, match="not resolved"):
        rating_record(ticket_id=open_ticket.pk, by=open_ticket.requester, score=5)
    services.ticket_confirm_resolution(ticket_id=ticket.pk, by=ticket.requester)
    rating_record(ticket_id=ticket.pk, by=ticket.requester, score=5)
    assert Rating.objects.get().score == 5


def test_the_requester_rates_on_the_ticket_page():
    ticket, _agent = resolved_ticket()
    client = Client()
    client.force_login(ticket.requester)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert 'data-testid="rating-panel"' in page
    response = client.post(f"/tickets/{ticket.reference}/rating/", {"score": "4", "comment": "Good"})
    assert response.status_code == 302 and response["Location"].endswith("#rating")
    assert Rating.objects.get().score == 4
    assert 'data-testid="rating-current"' in client.get(ticket.get_absolute_url()).content.decode()


def test_nobody_else_rates_on_the_ticket_page_or_sees_the_rating_box():
    ticket, agent = resolved_ticket()
    for person, status in ((agent, 403), (make_supervisor(), 403), (make_requester(), 404)):
        client = Client()
        client.force_login(person)
        assert client.post(f"/tickets/{ticket.reference}/rating/", {"score": "5"}).status_code == status
        if status == 403:
            assert 'data-testid="rating-panel"' not in client.get(ticket.get_absolute_url()).content.decode()
    assert not Rating.objects.exists()


def test_an_open_ticket_has_no_rating_box_and_refuses_a_rating():
    owner = make_requester()
    ticket = TicketFactory(requester=owner, status=Status.OPEN)
    client = Client()
    client.force_login(owner)
    assert 'data-testid="rating-panel"' not in client.get(ticket.get_absolute_url()).content.decode()
    assert client.post(f"/tickets/{ticket.reference}/rating/", {"score": "5"}).status_code == 409
    assert not Rating.objects.exists()


def test_the_rating_page_costs_the_same_queries_however_many_ratings(django_assert_max_num_queries):
    ticket, _agent = resolved_ticket()
    url = path(mail_links(ticket)[5])
    with django_assert_max_num_queries(12) as few:
        Client().get(url)
    for _n in range(5):
        other, _ = resolved_ticket()
        rating_record(ticket_id=other.pk, by=other.requester, score=4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert Client().get(url).status_code == 200


def test_the_token_names_the_resolution():
    ticket, _agent = resolved_ticket()
    link = rating_link_read(token=rating_token(ticket=ticket))
    assert link.resolved_stamp == int(ticket.resolved_at.timestamp() * 1_000_000)

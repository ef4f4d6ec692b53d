"""Reset mail is rate-limited per email address and per client address; over a limit the
page answers as ever, so it tells nobody whether an account has the address, but no mail
is queued."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.factories import make_requester

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    def ask(email: str, address: str = "127.0.0.1", **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=address, **headers)

    return ask


def queued() -> int:
    return Notification.objects.filter(kind=NotificationKind.PASSWORD_RESET).count()


def test_one_address_gets_at_most_three_mails_an_hour(ask):
    make_requester(email="rina@example.com")
    answers = [
        ask(email, address=f"203.0.113.{n}")
        for n, email in enumerate(
            ["rina@example.com", "RINA@example.com", " rina@EXAMPLE.com", "rina@example.com", "Rina@Example.com"]
        )
    ]
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {(302, "/accounts/password_reset/done/")}
    assert queued() == 3
    assert len(mail.outbox) == 3


def test_the_count_starts_again_after_an_hour(ask):
    make_requester(email="rina@example.com")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _n in range(4):
            ask("rina@example.com")
        assert queued() == 3
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        ask("rina@example.com")
    assert queued() == 4


def test_one_client_gets_at_most_ten_mails_an_hour_whatever_the_addresses(ask):
    for n in range(12):
        make_requester(username=f"person{n}", email=f"person{n}@example.com")
    for n in range(12):
        response = ask(f"person{n}@example.com", address="203.0.113.9")
        assert (response.status_code, response["Location"]) == (302, "/accounts/password_reset/done/")
    assert queued() == 10
    # Another client is not concerned.
    ask("person11@example.com", address="198.51.100.1")
    assert queued() == 11


def test_asking_for_unknown_addresses_counts_the_same(ask):
    make_requester(email="rina@example.com")
    for n in range(10):
        ask(f"nobody{n}@example.com", address="203.0.113.9")
    assert queued() == 0
    response = ask("rina@example.com", address="203.0.113.9")
    assert (response.status_code, response["Location"]) == (302, "/accounts/password_reset/done/")
    assert queued() == 0


def test_the_limits_are_settings(ask, settings):
    settings.HELPDESK_PASSWORD_RESET_EMAIL_LIMIT = 1
    make_requester(email="rina@example.com")
    ask("rina@example.com")
    ask("rina@example.com")
    assert queued() == 1


@pytest.mark.parametrize(
    "email",
    [
        "",
        "not-an-address",
        "' \" < > &@example.com",
        "🛠️@example.com",
        "a" * 300 + "@example.com",
        "rina@example.com\r\nBcc: x@example.com",
    ],
)
def test_hostile_addresses_are_answered_plainly_never_a_server_error(ask, email):
    make_requester(email="rina@example.com")
    response = ask(email)
    assert response.status_code in (200, 302)
    assert queued() == 0


def test_the_mail_is_in_the_persons_own_language_whatever_the_page_was_in(ask):
    make_requester(username="siti", email="siti@example.co.id", first_name="Siti", language="id")
    ask("siti@example.co.id", HTTP_ACCEPT_LANGUAGE="en")
    [message] = mail.outbox
    assert message.subject == "Atur ulang kata sandi helpdesk Anda"
    assert "Halo Siti," in message.body

"""Sign-in throttling: too many failures for one account, or from one address, pause
signing in for the cool-off, the right password too; an administrator can lift it."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from accounts.choices import Role
from accounts.selectors import client_address
from accounts.services import user_set_role
from tests.factories import UserFactory, make_agent, make_requester
from tests.test_settings import settings_with

pytestmark = pytest.mark.django_db

LIMIT = 5  # the default HELPDESK_SIGNIN_FAILURE_LIMIT


def sign_in(client, username: str, password: str, address: str = "127.0.0.1", **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_pause_the_account_and_then_the_right_one_is_refused_too(client):
    make_requester(username="rina")
    answers = [sign_in(client, "rina", f"guess-{n}").status_code for n in range(30)]
    assert answers == [200] * (LIMIT - 1) + [429] * (30 - LIMIT + 1)

    right = sign_in(client, "rina", "pw")
    assert right.status_code == 429
    assert not signed_in(client)
    page = right.content.decode()
    assert "Sign-in paused" in page
    assert "too many failed sign-ins for this account or from your address" in page
    assert "15 minutes" in page
    assert 'href="/accounts/password_reset/"' in page
    assert int(right["Retry-After"]) == 15 * 60
    # In the site's own page, not the admin's nor a bare text.
    assert "Django administration" not in page and '<nav class="navbar' in page


def test_the_pause_page_speaks_indonesian(client):
    make_requester(username="budi")
    for n in range(LIMIT):
        sign_in(client, "budi", f"guess-{n}", HTTP_ACCEPT_LANGUAGE="id")
    page = sign_in(client, "budi", "pw", HTTP_ACCEPT_LANGUAGE="id")
    assert page.status_code == 429
    text = page.content.decode()
    assert "Masuk dijeda" in text
    assert "15 menit" in text


def test_the_account_is_paused_from_every_address(client):
    make_requester(username="rina")
    for n in range(LIMIT):
        sign_in(client, "rina", f"guess-{n}", address=f"203.0.113.{n + 1}")
    assert sign_in(client, "rina", "pw", address="198.51.100.7").status_code == 429
    assert not signed_in(client)


def test_one_address_is_paused_across_usernames(client):
    make_requester(username="rina")
    for n in range(LIMIT):
        sign_in(client, f"someone-{n}", "guess", address="203.0.113.9")
    # Another person's right password from that address waits too, but not from elsewhere.
    assert sign_in(client, "rina", "pw", address="203.0.113.9").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, "rina", "pw", address="198.51.100.7").status_code == 302
    assert signed_in(client)


def test_without_a_proxy_a_forwarded_for_header_does_not_change_the_address(client):
    make_requester(username="rina")
    for n in range(LIMIT):
        sign_in(client, f"someone-{n}", "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
    assert sign_in(client, "rina", "pw", HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_the_pause_ends_after_the_cool_off(client):
    make_requester(username="rina")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(LIMIT):
            sign_in(client, "rina", f"guess-{n}")
        assert sign_in(client, "rina", "pw").status_code == 429
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert sign_in(client, "rina", "pw").status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert sign_in(client, "rina", "pw").status_code == 302
        assert signed_in(client)


def test_a_success_clears_the_count(client):
    make_requester(username="rina")
    for n in range(LIMIT - 1):
        assert sign_in(client, "rina", f"guess-{n}").status_code == 200
    assert sign_in(client, "rina", "pw").status_code == 302
    client.logout()
    for n in range(LIMIT - 1):
        assert sign_in(client, "rina", f"again-{n}").status_code == 200
    assert sign_in(client, "rina", "pw").status_code == 302
    assert signed_in(client)


def test_an_administrator_sees_the_lockout_and_lifts_it_in_the_admin(client):
    make_requester(username="rina")
    administrator = UserFactory(username="boss")
    user_set_role(user=administrator, role=Role.ADMIN)
    for n in range(LIMIT):
        sign_in(client, "rina", f"guess-{n}", address="203.0.113.5")
    assert sign_in(client, "rina", "pw", address="203.0.113.5").status_code == 429
    assert AccessFailureLog.objects.filter(username="rina").count() == LIMIT

    admin = client.__class__()
    admin.force_login(administrator)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "rina" in listing.content.decode()
    assert admin.get("/admin/axes/accessfailurelog/").status_code == 200
    [attempt] = AccessAttempt.objects.filter(username="rina")
    confirm = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert confirm.status_code == 302
    assert not AccessAttempt.objects.exists()

    assert sign_in(client, "rina", "pw", address="203.0.113.5").status_code == 302
    assert signed_in(client)


def test_an_administrator_lifts_it_from_the_command_line(client):
    make_agent(1, username="andi")
    for n in range(LIMIT):
        sign_in(client, "andi", f"guess-{n}", address="203.0.113.5")
    assert sign_in(client, "andi", "pw", address="198.51.100.1").status_code == 429
    call_command("axes_reset_username", "andi", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sign_in(client, "andi", "pw", address="198.51.100.1").status_code == 302


@pytest.mark.parametrize(
    "username",
    ["", " ", "' \" < > &", "🛠️" * 40, "é" * 250, "rina\r\nSet-Cookie: x=1", "a" * 5000, "nul\x00byte"],
)
def test_hostile_usernames_are_refused_plainly_never_a_server_error(client, username):
    make_requester(username="rina")
    response = sign_in(client, username, "guess")
    assert response.status_code == 200
    assert not signed_in(client)


def test_hostile_usernames_still_count_against_the_address(client):
    make_requester(username="rina")
    for username in ["' \" < > &", "🛠️" * 40, "é" * 150, "rina\r\n", "x"]:
        sign_in(client, username, "guess")
    assert sign_in(client, "rina", "pw").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        # No proxy: the connection's address, whatever the headers say.
        (0, {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "192.0.2.1"}, "203.0.113.7"),
        # Behind Caddy: the address Caddy appended, not what the client wrote before it.
        (1, {"REMOTE_ADDR": "172.18.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, "203.0.113.7"),
        (1, {"REMOTE_ADDR": "172.18.0.5", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.7"}, "203.0.113.7"),
        (1, {"REMOTE_ADDR": "172.18.0.5", "HTTP_X_FORWARDED_FOR": "garbage, 203.0.113.7"}, "203.0.113.7"),
        # A balancer in front of Caddy: the second from the right.
        (2, {"REMOTE_ADDR": "172.18.0.5", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.7, 10.0.0.2"}, "203.0.113.7"),
        # An office client (a private address) behind a proxy with a public one.
        (1, {"REMOTE_ADDR": "203.0.113.1", "HTTP_X_FORWARDED_FOR": "10.1.2.3"}, "10.1.2.3"),
        (1, {"REMOTE_ADDR": "172.18.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.50, 10.1.2.3"}, "10.1.2.3"),
        # A proxy that wrote nothing: the connection's.
        (1, {"REMOTE_ADDR": "203.0.113.9"}, "203.0.113.9"),
    ],
)
def test_the_client_address_believes_only_the_trusted_proxies(settings, proxies, meta, expected):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = (
        ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if proxies else ("REMOTE_ADDR",)
    )
    settings.AXES_IPWARE_PROXY_COUNT = proxies - 1 if proxies else None
    request = RequestFactory().get("/", **meta)
    assert client_address(request) == expected


def test_behind_the_proxy_each_client_is_counted_by_its_own_address(client, settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    make_requester(username="rina")
    for n in range(LIMIT):
        # An attacker changing what it writes in front of Caddy's entry changes nothing.
        sign_in(client, f"someone-{n}", "guess", address="172.18.0.5", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.66")
    assert sign_in(client, "rina", "pw", address="172.18.0.5", HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    # Someone else behind the same proxy signs in.
    assert sign_in(client, "rina", "pw", address="172.18.0.5", HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 302


def test_the_number_of_trusted_proxies_sets_where_the_address_is_read(monkeypatch, tmp_path):
    none = settings_with(monkeypatch, tmp_path)
    assert none["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("REMOTE_ADDR",)
    assert none["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    caddy = settings_with(monkeypatch, tmp_path, HELPDESK_TRUSTED_PROXY_COUNT="1")
    assert caddy["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    assert caddy["AXES_IPWARE_PROXY_COUNT"] == 0
    assert caddy["REST_FRAMEWORK"]["NUM_PROXIES"] == 1
    with pytest.raises(ImproperlyConfigured):
        settings_with(monkeypatch, tmp_path, HELPDESK_TRUSTED_PROXY_COUNT="-1")


def test_signing_in_to_ones_own_account_does_not_clear_the_failures_from_the_address(client):
    make_requester(username="rina")
    make_requester(username="mallory")
    for n in range(LIMIT - 1):
        sign_in(client, "rina", f"guess-{n}", address="203.0.113.9")
    assert sign_in(client, "mallory", "pw", address="203.0.113.9").status_code == 302
    client.logout()
    # The next guess is the fifth failure from that address and for rina: both pause.
    assert sign_in(client, "rina", "guess-again", address="203.0.113.9").status_code == 429
    assert sign_in(client, "mallory", "pw", address="203.0.113.9").status_code == 429
    assert sign_in(client, "rina", "pw", address="198.51.100.7").status_code == 429

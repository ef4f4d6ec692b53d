"""Sign-in with the organisation's directory, against a real OpenLDAP server (slapd on
127.0.0.1 with a throw-away directory): people, their role and levels from its groups,
and a person the directory shuts is refused on the web and on API tokens."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from accounts.choices import Role
from accounts.services import api_token_create, user_set_role
from tests.accounts.directory_server import GROUPS, PASSWORD, PEOPLE
from tests.api.support import error
from tests.factories import make_requester
from tests.test_settings import settings_with

pytestmark = pytest.mark.django_db

User = get_user_model()


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def recheck_due(username: str) -> None:
    """As if HELPDESK_LDAP_RECHECK_MINUTES had passed since the directory was last asked."""
    User.objects.filter(username=username).update(directory_checked_at=timezone.now() - timedelta(minutes=6))


def test_a_person_of_the_directory_signs_in_and_is_made_with_its_details_role_and_levels(client, directory):
    dn = directory.person(
        "sari",
        given="Sari",
        surname="Wulandari 🌸",
        mail="sari@kantor.example",
        mobile="0812 3456 7890",
        groups=("helpdesk-users", "it-agents", "level-2", "level-3"),
    )

    answer = sign_in(client, "sari")

    assert answer.status_code == 302 and signed_in(client)
    sari = User.objects.get(username="sari")
    assert (sari.first_name, sari.last_name, sari.email) == ("Sari", "Wulandari 🌸", "sari@kantor.example")
    assert sari.phone == "+6281234567890"  # as every account's: E.164, what SMS is sent to
    assert sari.directory_dn == dn and sari.directory_checked_at is not None
    assert set(sari.groups.values_list("name", flat=True)) == {Role.AGENT}
    assert set(sari.support_levels.values_list("number", flat=True)) == {2, 3}
    assert not sari.has_usable_password()
    assert client.get("/queue/").status_code == 200


def test_a_person_in_no_role_group_requests_and_the_strongest_group_wins(client, directory):
    plain = directory.person("budi")
    both = directory.person("dewi", groups=("helpdesk-users", "it-agents", "it-admins"))

    assert sign_in(client, "budi").status_code == 302
    assert sign_in(client, "dewi").status_code == 302

    assert set(User.objects.get(username="budi").groups.values_list("name", flat=True)) == {Role.REQUESTER}
    dewi = User.objects.get(username="dewi")
    assert set(dewi.groups.values_list("name", flat=True)) == {Role.ADMIN}
    assert dewi.is_staff
    assert plain != both


def test_a_change_of_groups_in_the_directory_changes_role_and_levels_at_the_next_sign_in(client, directory):
    dn = directory.person("eko", groups=("helpdesk-users", "it-admins", "level-1"))
    sign_in(client, "eko")
    assert User.objects.get(username="eko").is_staff

    directory.set_groups(dn, ("helpdesk-users", "it-supervisors", "level-3"))
    client.logout()
    assert sign_in(client, "eko").status_code == 302

    eko = User.objects.get(username="eko")
    assert set(eko.groups.values_list("name", flat=True)) == {Role.SUPERVISOR}
    assert set(eko.support_levels.values_list("number", flat=True)) == {3}
    # An administrator no more: the admin site is shut to them too.
    assert not eko.is_staff
    assert client.get("/admin/").status_code == 302


def test_a_wrong_directory_password_is_refused_and_counted_for_the_lockout(client, directory):
    directory.person("fajar")

    answer = sign_in(client, "fajar", "not-the-password")

    assert answer.status_code == 200 and not signed_in(client)
    assert "Your username and password did not match" in answer.content.decode()
    assert AccessAttempt.objects.get(username="fajar").failures_since_start == 1
    assert not User.objects.filter(username="fajar").exists()


def test_a_person_locked_in_the_directory_cannot_sign_in(client, directory):
    dn = directory.person("gita")
    directory.server.lock(dn)

    answer = sign_in(client, "gita")

    assert answer.status_code == 200 and not signed_in(client)


@pytest.mark.parametrize("refusal", ["locked", "deleted", "out of the required group", "in the denied group"])
def test_a_person_the_directory_shuts_loses_their_api_token_and_session(client, directory, refusal):
    dn = directory.person("hana")
    assert sign_in(client, "hana").status_code == 302
    hana = User.objects.get(username="hana")
    _token, key = api_token_create(user=hana, name="script")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/tickets/", **bearer).status_code == 200

    if refusal == "locked":
        directory.server.lock(dn)
    elif refusal == "deleted":
        directory.server.delete(dn)
    elif refusal == "out of the required group":
        directory.set_groups(dn, ())
    else:
        directory.set_groups(dn, ("helpdesk-users", "helpdesk-banned"))

    # Within HELPDESK_LDAP_RECHECK_MINUTES the last answer stands; after it the directory is asked.
    assert client.get("/api/v1/tickets/", **bearer).status_code == 200
    recheck_due("hana")
    answer = client.get("/api/v1/tickets/", **bearer)

    assert answer.status_code == 401
    assert error(answer)["code"] == "authentication_failed"
    hana.refresh_from_db()
    assert not hana.is_active and hana.directory_disabled_at is not None
    # The browser's session goes too, and signing in again is refused.
    page = client.get("/tickets/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    client.logout()
    assert sign_in(client, "hana").status_code == 200 and not signed_in(client)


def test_a_session_is_asked_about_again_after_the_recheck_interval(client, directory):
    dn = directory.person("indra")
    sign_in(client, "indra")
    directory.server.lock(dn)
    assert client.get("/tickets/").status_code == 200

    recheck_due("indra")

    page = client.get("/tickets/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_a_person_the_directory_accepts_again_is_let_back_in(client, directory):
    dn = directory.person("joko")
    sign_in(client, "joko")
    joko = User.objects.get(username="joko")
    _token, key = api_token_create(user=joko, name="script")
    directory.server.lock(dn)
    recheck_due("joko")
    assert client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401

    directory.server.unlock(dn)
    assert sign_in(client, "joko").status_code == 302

    joko.refresh_from_db()
    assert joko.is_active and joko.directory_disabled_at is None
    assert client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_an_account_an_administrator_shut_here_stays_shut_whatever_the_directory_says(client, directory):
    directory.person("kiki")
    sign_in(client, "kiki")
    client.logout()
    User.objects.filter(username="kiki").update(is_active=False)

    answer = sign_in(client, "kiki")

    assert answer.status_code == 200 and not signed_in(client)
    assert not User.objects.get(username="kiki").is_active


def test_an_unreachable_directory_refuses_nobody_already_in_and_local_accounts_still_sign_in(
    client, directory, settings, caplog
):
    directory.person("lina")
    sign_in(client, "lina")
    lina = User.objects.get(username="lina")
    _token, key = api_token_create(user=lina, name="script")
    local = make_requester(username="local-staff")
    with socket_closed() as closed_uri:
        settings.AUTH_LDAP_SERVER_URI = closed_uri
        recheck_due("lina")
        with caplog.at_level(logging.WARNING, logger="accounts.directory"):
            answer = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {key}")

        assert answer.status_code == 200
        assert "did not answer for lina" in caplog.text
        lina.refresh_from_db()
        assert lina.is_active and lina.directory_checked_at > timezone.now() - timedelta(minutes=1)
        client.logout()
        assert sign_in(client, "lina").status_code == 200 and not signed_in(client)
        assert sign_in(client, local.username, "pw").status_code == 302


def test_a_local_account_the_directory_also_holds_becomes_the_directorys(client, directory):
    local = make_requester(username="maya")
    directory.person("maya", password="the-directory-one")

    assert sign_in(client, "maya", "the-directory-one").status_code == 302

    local.refresh_from_db()
    assert not local.has_usable_password()
    client.logout()
    assert sign_in(client, "maya", "pw").status_code == 200 and not signed_in(client)


def test_the_directory_leaves_alone_the_role_of_people_when_no_role_groups_are_named(client, directory, settings):
    settings.HELPDESK_LDAP_ROLE_GROUPS = {}
    settings.HELPDESK_LDAP_LEVEL_GROUPS = {}
    directory.person("nina", groups=("helpdesk-users", "it-admins", "level-1"))
    sign_in(client, "nina")
    nina = User.objects.get(username="nina")
    user_set_role(user=nina, role=Role.SUPERVISOR)
    client.logout()

    sign_in(client, "nina")

    assert set(nina.groups.values_list("name", flat=True)) == {Role.SUPERVISOR}
    assert not nina.support_levels.exists()


def test_tokens_of_directory_people_are_refused_once_the_directory_is_no_longer_configured(client, directory, settings):
    directory.person("oki")
    sign_in(client, "oki")
    _token, key = api_token_create(user=User.objects.get(username="oki"), name="script")
    settings.AUTH_LDAP_SERVER_URI = ""
    recheck_due("oki")

    assert client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


@pytest.mark.parametrize(
    "username",
    ["*", "s*", "sari)(uid=*", "*)(|(uid=*", "sari\x00", "sari\r\nuid: admin", "é" * 250, "' \" < > &", "👩‍💻"],
)
def test_hostile_usernames_are_refused_without_a_server_error_and_match_nobody(client, directory, username):
    directory.person("sari")

    answer = sign_in(client, username)

    assert answer.status_code in (200, 400)
    assert not signed_in(client)
    assert not User.objects.filter(username="sari").exists()


def test_a_directory_person_cannot_ask_for_a_local_password(client, directory, django_capture_on_commit_callbacks):
    directory.person("putri", mail="putri@kantor.example")
    make_requester(username="local", email="local@kantor.example")
    sign_in(client, "putri")
    client.logout()

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password_reset/", {"email": "putri@kantor.example"})
        client.post("/accounts/password_reset/", {"email": "local@kantor.example"})

    assert [message.to for message in mail.outbox] == [["local@kantor.example"]]


def test_settings_refuse_a_directory_without_a_user_base_or_with_an_unknown_group_type(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="HELPDESK_LDAP_USER_BASE"):
        settings_with(monkeypatch, tmp_path, HELPDESK_LDAP_SERVER_URI="ldap://127.0.0.1:1")
    with pytest.raises(ImproperlyConfigured, match="HELPDESK_LDAP_GROUP_TYPE"):
        settings_with(
            monkeypatch,
            tmp_path,
            HELPDESK_LDAP_SERVER_URI="ldap://127.0.0.1:1",
            HELPDESK_LDAP_USER_BASE=PEOPLE,
            HELPDESK_LDAP_GROUP_TYPE="eDirectory",
        )
    with pytest.raises(ImproperlyConfigured, match="HELPDESK_LDAP_GROUP_BASE"):
        settings_with(
            monkeypatch,
            tmp_path,
            HELPDESK_LDAP_SERVER_URI="ldap://127.0.0.1:1",
            HELPDESK_LDAP_USER_BASE=PEOPLE,
            HELPDESK_LDAP_GROUP_AGENT=f"cn=it-agents,{GROUPS}",
        )


def test_without_a_directory_server_only_local_accounts_sign_in(monkeypatch, tmp_path):
    configured = settings_with(monkeypatch, tmp_path)

    assert "accounts.directory.DirectoryBackend" not in configured["AUTHENTICATION_BACKENDS"]
    assert "AUTH_LDAP_USER_SEARCH" not in configured


class socket_closed:
    """An ldap:// address where nothing listens."""

    def __enter__(self) -> str:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        return f"ldap://127.0.0.1:{self._socket.getsockname()[1]}"

    def __exit__(self, *exc) -> None:
        self._socket.close()


def test_directory_details_that_do_not_fit_an_account_are_made_to_or_left_out(client, directory):
    directory.person(
        "tari",
        given="é" * 300,
        surname=" Wulan\u00a0",
        mail="not an address <x@y>",
        mobile="12",
    )

    answer = sign_in(client, "tari")

    assert answer.status_code == 302 and signed_in(client)
    tari = User.objects.get(username="tari")
    assert tari.first_name == "é" * 150
    assert tari.last_name == "Wulan"
    assert (tari.email, tari.phone) == ("", "")

"""A new password (reset by mail, changed, or set by an administrator) revokes the person's
API tokens at once, cached copies included; HELPDESK_PASSWORD_CHANGE_REVOKES_TOKENS=0 keeps them."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import ApiToken
from accounts.services import api_token_create, user_set_role
from tests.factories import UserFactory, make_agent, make_requester

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)")
NEW = "a-long-new-secret-42"


def me(key: str) -> int:
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code


@pytest.fixture
def person_with_tokens(settings):
    settings.HELPDESK_API_TOKEN_CACHE_SECONDS = 60
    person = make_agent(1, username="rina", email="rina@example.com")
    keys = [api_token_create(user=person, name=name)[1] for name in ("zabbix", "backup")]
    other = make_requester(username="budi")
    other_key = api_token_create(user=other, name="mine")[1]
    # Used once, so each is in the token cache.
    assert [me(key) for key in [*keys, other_key]] == [200, 200, 200]
    return person, keys, other_key


def reset_by_mail(client, django_capture_on_commit_callbacks, email: str) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password_reset/", {"email": email})
    [path] = LINK.findall(mail.outbox[-1].body)
    landing = client.get(path)
    done = client.post(landing["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302


def test_a_password_reset_revokes_the_persons_tokens(client, person_with_tokens, django_capture_on_commit_callbacks):
    person, keys, other_key = person_with_tokens
    reset_by_mail(client, django_capture_on_commit_callbacks, "rina@example.com")
    assert [me(key) for key in keys] == [401, 401]
    assert not ApiToken.objects.filter(user=person, revoked_at__isnull=True).exists()
    # Someone else's token is not concerned; a token made afterwards works.
    assert me(other_key) == 200
    assert me(api_token_create(user=person, name="new")[1]) == 200


def test_a_password_change_revokes_the_persons_tokens(client, person_with_tokens):
    person, keys, other_key = person_with_tokens
    client.force_login(person)
    changed = client.post(
        "/accounts/password_change/", {"old_password": "pw", "new_password1": NEW, "new_password2": NEW}
    )
    assert changed.status_code == 302
    assert [me(key) for key in keys] == [401, 401]
    assert me(other_key) == 200


def test_a_wrong_old_password_changes_nothing_and_revokes_nothing(client, person_with_tokens):
    person, keys, _other_key = person_with_tokens
    client.force_login(person)
    refused = client.post(
        "/accounts/password_change/", {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}
    )
    assert refused.status_code == 200
    assert [me(key) for key in keys] == [200, 200]


def test_an_administrator_setting_a_password_revokes_the_tokens(client, person_with_tokens):
    person, keys, _other_key = person_with_tokens
    administrator = UserFactory(username="boss")
    user_set_role(user=administrator, role=Role.ADMIN)
    client.force_login(administrator)
    response = client.post(
        f"/admin/accounts/user/{person.pk}/password/", {"password1": NEW, "password2": NEW, "usable_password": "true"}
    )
    assert response.status_code == 302
    assert [me(key) for key in keys] == [401, 401]


def test_the_change_password_command_revokes_the_tokens(person_with_tokens, monkeypatch):
    person, keys, _other_key = person_with_tokens
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", "rina", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [me(key) for key in keys] == [401, 401]


def test_the_setting_keeps_the_tokens(client, settings, person_with_tokens, django_capture_on_commit_callbacks):
    settings.HELPDESK_PASSWORD_CHANGE_REVOKES_TOKENS = False
    _person, keys, _other_key = person_with_tokens
    reset_by_mail(client, django_capture_on_commit_callbacks, "rina@example.com")
    assert [me(key) for key in keys] == [200, 200]


def test_the_password_rules_say_so(client, person_with_tokens):
    person, _keys, _other_key = person_with_tokens
    client.force_login(person)
    page = client.get("/accounts/password_change/").content.decode()
    assert "A new password revokes your API tokens" in page

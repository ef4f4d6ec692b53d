import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import ApiToken
from accounts.selectors import api_token_with_user
from accounts.services import api_token_create, api_token_digest, api_token_revoke, user_set_role
from tests.factories import make_agent, make_requester

pytestmark = pytest.mark.django_db


def test_a_token_is_created_shown_once_listed_and_revoked(client):
    agent = make_agent(1)
    client.force_login(agent)
    response = client.post("/accounts/profile/tokens/", {"name": "Zabbix alerts"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'id="new-key"[^>]*value="(hdk_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=agent)
    assert token.name == "Zabbix alerts"
    assert key not in token.digest and len(token.digest) == 64
    assert key.startswith(token.prefix)

    profile = client.get("/accounts/profile/").content.decode()
    assert "Zabbix alerts" in profile
    assert token.prefix in profile
    assert key not in profile  # never shown again

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/me/").json()["username"] == agent.username
    token.refresh_from_db()
    assert token.last_used_at is not None

    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    assert "Revoked" in client.get("/accounts/profile/").content.decode()


def test_a_token_needs_a_name(client):
    client.force_login(make_requester())
    response = client.post("/accounts/profile/tokens/", {"name": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(client):
    owner = make_agent(1)
    client.force_login(owner)
    client.post("/accounts/profile/tokens/", {"name": "mine"})
    token = ApiToken.objects.get()
    client.force_login(make_requester())
    response = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "no such active token" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_is_read_once_with_its_person_and_permissions_then_kept(django_assert_num_queries):
    person = make_agent(2)
    token, key = api_token_create(user=person, name="Nagios")

    # The token and its person, then their own and their groups' permissions.
    with django_assert_num_queries(3):
        found = api_token_with_user(digest=api_token_digest(key))
        assert found.pk == token.pk
        assert found.user.username == person.username
        assert found.user.has_perm("tickets.work_ticket")
    with django_assert_num_queries(0):
        again = api_token_with_user(digest=api_token_digest(key))
        assert again.user.has_perm("tickets.work_ticket") and not again.user.has_perm("tickets.supervise_ticket")


def _me(key: str):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api.get("/api/v1/me/")


def test_a_revoked_token_stops_working_at_once_though_it_was_kept(client):
    person = make_requester()
    token, key = api_token_create(user=person, name="script")
    assert _me(key).status_code == 200
    assert api_token_revoke(user=person, token_id=token.pk)
    assert _me(key).status_code == 401


def test_a_changed_role_or_a_person_switched_off_applies_at_once_to_their_kept_token():
    person = make_requester()
    _token, key = api_token_create(user=person, name="script")
    assert _me(key).json()["role"] == "requester"
    user_set_role(user=person, role=Role.SUPERVISOR)
    assert _me(key).json()["role"] == "supervisor"
    supervisors = Group.objects.get(name=Role.SUPERVISOR)
    supervisors.permissions.remove(Permission.objects.get(codename="supervise_ticket"))
    assert _me(key).json()["role"] == "agent"
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert _me(key).status_code == 401


def test_without_a_cache_period_every_request_reads_the_token(settings, django_assert_num_queries):
    settings.HELPDESK_API_TOKEN_CACHE_SECONDS = 0
    _token, key = api_token_create(user=make_requester(), name="script")
    for _round in range(2):
        with django_assert_num_queries(3):
            api_token_with_user(digest=api_token_digest(key)).user.has_perm("tickets.add_ticket")


def test_the_token_lookup_finds_no_revoked_or_unknown_token():
    token, key = api_token_create(user=make_requester(), name="script")
    assert api_token_with_user(digest=api_token_digest(key + "x")) is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert api_token_with_user(digest=api_token_digest(key)) is None


def test_a_token_of_a_deactivated_person_is_refused():
    person = make_requester()
    _token, key = api_token_create(user=person, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/me/").status_code == 200
    person.is_active = False
    person.save(update_fields=["is_active"])
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_a_request_with_a_kept_token_asks_the_cache_once_for_the_lockout_and_the_token(monkeypatch):
    """The address's lockout and the token come back in one round trip to the cache (the
    throttles' own counters aside): one get_many, which Redis answers with one MGET."""
    from django.core.cache import cache

    from accounts.selectors import api_token_cache_key, api_token_lockout_key

    token, key = api_token_create(user=make_requester(), name="Scanner")
    assert _me(key).status_code == 200  # the token is now kept
    reads: list[set[str]] = []
    inside: list[bool] = []
    get, get_many = cache.get, cache.get_many

    def counted_get(name, *args, **kwargs):
        if not inside:  # the in-memory cache's get_many asks get for each name
            reads.append({name})
        return get(name, *args, **kwargs)

    def counted_get_many(names, *args, **kwargs):
        reads.append(set(names))
        inside.append(True)
        try:
            return get_many(names, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "get", counted_get)
    monkeypatch.setattr(cache, "get_many", counted_get_many)

    assert _me(key).status_code == 200

    ours = {api_token_cache_key(token.digest), api_token_lockout_key("127.0.0.1")}
    assert [names for names in reads if ours & names] == [ours]

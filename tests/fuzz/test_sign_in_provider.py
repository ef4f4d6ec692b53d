"""The single sign-on pages with whatever a visitor, or a provider that is not what it
claims, puts in their query strings: the start (``next``) and the provider's callback
(``code``, ``state``, ``error``), with single sign-on configured and its provider out of
reach: never a server error, nobody signed in, no account made. (The whole flow against a
real provider is tests/accounts/test_oidc.py.)"""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import caches
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import FUZZ, hostile_text

PAGES_COVERED = {"accounts:oidc-authenticate", "accounts:oidc-callback"}

value = st.one_of(st.none(), st.text(max_size=80), hostile_text)


@pytest.fixture
def provider_out_of_reach(settings):
    settings.HELPDESK_OIDC_CLIENT_ID = "helpdesk"
    settings.HELPDESK_OIDC_CLIENT_SECRET = "not-a-secret"  # noqa: S105 - no provider answers
    settings.HELPDESK_OIDC_ISSUER = "http://127.0.0.1:9"
    caches["config"].clear()


def asked(client: Client, path: str, params: dict):
    response = client.get(path, {key: item for key, item in params.items() if item is not None})
    assert response.status_code < 500
    assert SESSION_KEY not in client.session
    return response


@pytest.mark.django_db
@FUZZ
@given(params=st.fixed_dictionaries({"next": value}))
def test_the_start_of_single_sign_on_never_fails(provider_out_of_reach, params):
    users = get_user_model().objects.count()

    response = asked(Client(), "/accounts/oidc/authenticate/", params)

    # The discovery document cannot be read: back to the sign-in page, told so.
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert get_user_model().objects.count() == users


@pytest.mark.django_db
@FUZZ
@given(
    params=st.fixed_dictionaries(
        {"code": value, "state": value, "error": value, "error_description": value, "session_state": value}
    ),
    started=st.booleans(),
)
def test_the_providers_callback_never_fails(provider_out_of_reach, params, started):
    client = Client()
    if started:
        # A sign-in this browser started: its state and nonce are in the session.
        asked(client, "/accounts/oidc/authenticate/", {})
    users = get_user_model().objects.count()

    response = asked(client, "/accounts/oidc/callback/", params)

    assert response.status_code in (302, 400, 404)
    assert get_user_model().objects.count() == users

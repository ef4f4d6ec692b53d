"""Single sign-on through a real OpenID Connect provider on 127.0.0.1 (tests/oidc_provider):
the helpdesk sends the visitor there, the provider signs its test person in and sends
them back, and the helpdesk exchanges the code, verifies the RS256 ID token against the
provider's JWKS and signs the person in, with the role and levels their groups map to."""

import base64
import json
from urllib.parse import urljoin, urlparse

import pytest
import requests
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model

from accounts.choices import Role
from accounts.models import SupportLevel
from accounts.oidc import OIDC_BACKEND, OidcBackend, signed_in_through_provider
from accounts.selectors import user_role
from tests.factories import make_agent, make_requester
from tests.oidc_provider import ACCOUNT, CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db

AGENTS, SUPERVISORS, ADMINS = "helpdesk-agents", "helpdesk-supervisors", "helpdesk-admins"
LEVEL_1, LEVEL_2, LEVEL_3 = "level-one", "level-two", "level-three"


@pytest.fixture
def provider(oidc_provider, settings):
    """The provider, configured as the helpdesk's, its person Rina with a verified address."""
    settings.HELPDESK_OIDC_CLIENT_ID = CLIENT_ID
    settings.HELPDESK_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.HELPDESK_OIDC_ISSUER = oidc_provider.issuer
    settings.HELPDESK_OIDC_LABEL = "Example Corp"
    settings.HELPDESK_OIDC_GROUP_AGENT = AGENTS
    settings.HELPDESK_OIDC_GROUP_SUPERVISOR = SUPERVISORS
    settings.HELPDESK_OIDC_GROUP_ADMIN = ADMINS
    settings.HELPDESK_OIDC_GROUP_LEVEL_1 = LEVEL_1
    settings.HELPDESK_OIDC_GROUP_LEVEL_2 = LEVEL_2
    settings.HELPDESK_OIDC_GROUP_LEVEL_3 = LEVEL_3
    oidc_provider.set_claims(
        email="rina@example.com", email_verified=True, given_name="Rina", family_name="Wijaya", groups=[AGENTS, LEVEL_2]
    )
    return oidc_provider


def sign_in(client, *, cancel: bool = False, callback_query: str | None = None):
    """Press the sign-in page's button and go through the provider as a browser would
    (its login and consent are accepted at once, or cancelled); the helpdesk's answer to
    the provider's redirect back."""
    page = client.get("/accounts/login/?next=/tickets/")
    start = client.get(button_href(page))
    assert start.status_code == 302
    url = start["Location"]
    browser = requests.Session()
    for _hop in range(12):
        if cancel and urlparse(url).path.startswith("/interaction/"):
            url += "/abort"
        answer = browser.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), answer.text
        url = urljoin(url, answer.headers["Location"])
        if url.startswith("http://testserver/"):
            break
    callback = urlparse(url)
    assert callback.path == "/accounts/oidc/callback/"
    return client.get(callback.path + "?" + (callback_query if callback_query is not None else callback.query))


def button_href(page) -> str:
    content = page.content.decode()
    marker = 'data-testid="oidc-sign-in"'
    assert marker in content
    anchor = content[: content.index(marker)]
    href = anchor[anchor.rindex('href="') + len('href="') :]
    return href[: href.index('"')].replace("&amp;", "&")


def signed_in_user(client):
    user_id = client.session.get(SESSION_KEY)
    return get_user_model().objects.get(pk=user_id) if user_id else None


def levels_of(user) -> set[int]:
    return set(user.support_levels.values_list("number", flat=True))


def told(response) -> str:
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    return " ".join(str(message) for message in response.wsgi_request._messages)


def test_the_sign_in_page_offers_single_sign_on_only_when_it_is_configured(client, settings, oidc_provider):
    assert b"oidc-sign-in" not in client.get("/accounts/login/").content
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404

    settings.HELPDESK_OIDC_CLIENT_ID = CLIENT_ID
    settings.HELPDESK_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.HELPDESK_OIDC_ISSUER = oidc_provider.issuer
    settings.HELPDESK_OIDC_LABEL = "Example Corp"
    page = client.get("/accounts/login/?next=/queue/")

    assert "Sign in with Example Corp" in page.content.decode()
    assert button_href(page) == "/accounts/oidc/authenticate/?next=/queue/"
    assert "<script>" not in page.content.decode()


def test_a_new_person_signs_in_with_the_role_and_level_their_groups_name_and_follows_them_at_each_sign_in(
    client, provider
):
    answer = sign_in(client)

    assert answer.status_code == 302
    assert answer["Location"] == "/tickets/"
    rina = signed_in_user(client)
    assert rina is not None
    assert (rina.email, rina.first_name, rina.last_name, rina.oidc_subject) == (
        "rina@example.com",
        "Rina",
        "Wijaya",
        ACCOUNT,
    )
    assert not rina.has_usable_password()
    assert user_role(rina) == Role.AGENT
    assert levels_of(rina) == {2}
    # How the two-factor check tells a sign-in the provider vouched for.
    assert client.session[BACKEND_SESSION_KEY] == OIDC_BACKEND
    assert signed_in_through_provider(client.session)
    assert client.get("/queue/").status_code == 200

    client.logout()
    provider.set_claims(email="rina@example.com", email_verified=True, groups=[SUPERVISORS, LEVEL_3])
    sign_in(client)

    rina = get_user_model().objects.get(pk=rina.pk)
    assert signed_in_user(client) == rina
    assert user_role(rina) == Role.SUPERVISOR
    assert levels_of(rina) == {3}
    assert get_user_model().objects.filter(email__iexact="rina@example.com").count() == 1

    client.logout()
    provider.set_claims(email="rina@example.com", email_verified=True, groups=[ADMINS])
    sign_in(client)
    rina = get_user_model().objects.get(pk=rina.pk)
    assert (user_role(rina), rina.is_staff, levels_of(rina)) == (Role.ADMIN, True, set())

    client.logout()
    provider.set_claims(email="rina@example.com", email_verified=True, groups=[])
    sign_in(client)
    rina = get_user_model().objects.get(pk=rina.pk)
    assert (user_role(rina), rina.is_staff) == (Role.REQUESTER, False)


def test_an_existing_person_is_found_by_a_verified_email_and_kept_by_the_subject(client, provider):
    rina = make_agent(1, username="rina", email="Rina@Example.com")

    sign_in(client)

    assert signed_in_user(client) == rina
    rina.refresh_from_db()
    assert rina.oidc_subject == ACCOUNT
    assert levels_of(rina) == {2}
    # The subject, not the address, finds her from now on.
    client.logout()
    provider.set_claims(email="rina.wijaya@example.org", email_verified=False, groups=[AGENTS])
    sign_in(client)
    assert signed_in_user(client) == rina


def test_an_address_the_provider_has_not_verified_reaches_no_account(client, provider):
    rina = make_requester(username="rina", email="rina@example.com")
    provider.set_claims(email="rina@example.com", email_verified=False)

    answer = sign_in(client)

    assert "has not verified your email address" in told(answer)
    assert signed_in_user(client) is None
    rina.refresh_from_db()
    assert rina.oidc_subject == ""


def test_an_account_linked_to_another_subject_is_not_taken_over_by_its_address(client, provider):
    make_requester(username="rina", email="rina@example.com", oidc_subject="someone-else")

    answer = sign_in(client)

    assert "belongs to another helpdesk account" in told(answer)
    assert signed_in_user(client) is None


def test_a_stranger_gets_no_account_when_creating_people_is_off(client, provider, settings):
    settings.HELPDESK_OIDC_CREATE_USERS = False

    answer = sign_in(client)

    assert "No helpdesk account is linked to your Example Corp account" in told(answer)
    assert not get_user_model().objects.filter(email="rina@example.com").exists()


def test_a_person_disabled_here_cannot_sign_in_through_the_provider_nor_stay_signed_in(client, provider):
    rina = make_requester(username="rina", email="rina@example.com")
    rina.is_active = False
    rina.save()

    answer = sign_in(client)

    assert "Your helpdesk account is disabled" in told(answer)
    assert signed_in_user(client) is None

    rina.is_active = True
    rina.save()
    sign_in(client)
    assert client.get("/tickets/").status_code == 200
    get_user_model().objects.filter(pk=rina.pk).update(is_active=False)
    assert client.get("/tickets/")["Location"].startswith("/accounts/login/")


def test_cancelling_at_the_provider_returns_to_the_sign_in_page_told_so(client, provider):
    answer = sign_in(client, cancel=True)

    assert "Signing in with Example Corp was cancelled." in told(answer)
    assert signed_in_user(client) is None
    assert "Signing in with Example Corp was cancelled." in client.get(answer["Location"]).content.decode()


def test_a_state_this_session_did_not_start_is_refused(client, provider):
    answer = sign_in(client, callback_query="code=a-code-for-someone-else&state=forged")

    assert "did not succeed" in told(answer)
    assert signed_in_user(client) is None
    # Nor one arriving at a session that started no sign-in.
    fresh = client.__class__()
    answer = fresh.get("/accounts/oidc/callback/?code=a-code&state=forged")
    assert "did not succeed" in told(answer)


def test_a_tampered_id_token_is_refused(client, provider, monkeypatch):
    exchange = OidcBackend.get_token

    def tampered(self, payload):
        tokens = exchange(self, payload)
        header, body, signature = tokens["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        # A claim the provider never signed; everything else, the subject too, as it was.
        claims["acr"] = "phishing-resistant"
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return {**tokens, "id_token": f"{header}.{body}.{signature}"}

    monkeypatch.setattr(OidcBackend, "get_token", tampered)

    answer = sign_in(client)

    assert "did not succeed" in told(answer)
    assert signed_in_user(client) is None
    assert not get_user_model().objects.filter(oidc_subject=ACCOUNT).exists()


def test_an_id_token_for_another_client_is_refused(client, provider, settings, monkeypatch):
    # The provider signs for its client; the helpdesk expecting another audience refuses it.
    verify = OidcBackend._verify_jws

    def for_another_client(self, payload, key):
        settings.HELPDESK_OIDC_CLIENT_ID = "another-client"
        return verify(self, payload, key)

    monkeypatch.setattr(OidcBackend, "_verify_jws", for_another_client)

    answer = sign_in(client)

    assert "did not succeed" in told(answer)
    assert signed_in_user(client) is None


def test_an_unreachable_provider_is_explained_on_the_sign_in_page(client, provider, settings):
    settings.HELPDESK_OIDC_ISSUER = "http://127.0.0.1:9"

    answer = client.get("/accounts/oidc/authenticate/")

    assert "Example Corp cannot be reached just now" in told(answer)


def test_a_level_no_group_is_named_for_is_left_as_it_is(client, provider, settings):
    settings.HELPDESK_OIDC_GROUP_LEVEL_1 = ""
    rina = make_agent(1, username="rina", email="rina@example.com")

    sign_in(client)

    assert levels_of(rina) == {1, 2}
    assert SupportLevel.objects.get(number=1).members.filter(pk=rina.pk).exists()


def endpoints_named(settings, issuer: str) -> None:
    settings.HELPDESK_OIDC_AUTHORIZATION_ENDPOINT = f"{issuer}/auth"
    settings.HELPDESK_OIDC_TOKEN_ENDPOINT = f"{issuer}/token"
    settings.HELPDESK_OIDC_USERINFO_ENDPOINT = f"{issuer}/me"
    settings.HELPDESK_OIDC_JWKS_ENDPOINT = f"{issuer}/jwks"


def test_the_endpoints_may_be_named_instead_of_discovered(client, provider, settings):
    endpoints_named(settings, provider.issuer)
    settings.HELPDESK_OIDC_ISSUER = ""

    sign_in(client)

    assert signed_in_user(client).oidc_subject == ACCOUNT


def test_an_id_token_from_another_issuer_is_refused(client, provider, settings):
    endpoints_named(settings, provider.issuer)
    settings.HELPDESK_OIDC_ISSUER = "https://sso.example.com"

    answer = sign_in(client)

    assert "did not succeed" in told(answer)
    assert signed_in_user(client) is None


def test_the_sign_in_page_says_why_in_the_visitors_language(client, provider, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"

    answer = sign_in(client, cancel=True)

    page = client.get(answer["Location"]).content.decode()
    assert "Masuk dengan Example Corp dibatalkan." in page
    assert "Masuk dengan Example Corp</a>" in page


def test_a_supervisor_signed_in_through_the_provider_is_not_asked_for_the_helpdesks_second_factor(
    client, provider, settings
):
    """The provider asks for its own second factor; a password sign-in of the same person
    still needs the helpdesk's."""
    settings.HELPDESK_2FA_REQUIRED_ROLES = ["supervisor", "admin"]
    provider.set_claims(email="rina@example.com", email_verified=True, groups=[SUPERVISORS])

    sign_in(client)

    assert user_role(signed_in_user(client)) == Role.SUPERVISOR
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    client.logout()
    person = get_user_model().objects.get(email="rina@example.com")
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    held = client.get("/dashboard/")
    assert held.status_code == 302 and held["Location"].startswith("/accounts/profile/two-factor/")
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_two_first_sign_ins_of_one_person_at_once_both_end_in_the_one_account(client, provider, monkeypatch):
    """The other sign-in made the account between this one's look-up and its insert: the
    insert fails on the subject's uniqueness, and the second try finds the account."""
    from django.db import IntegrityError

    from accounts import oidc, services

    original = services.user_sign_in_from_claims
    attempts = []

    def racing(*, claims, groups):
        attempts.append(claims["sub"])
        if len(attempts) == 1:
            get_user_model().objects.create_user("made-by-the-other", email="x@example.com", oidc_subject=claims["sub"])
            raise IntegrityError("duplicate key value violates unique constraint user_oidc_subject_unique")
        return original(claims=claims, groups=groups)

    monkeypatch.setattr(oidc, "user_sign_in_from_claims", racing)

    answer = sign_in(client)

    assert answer.status_code == 302
    assert signed_in_user(client).username == "made-by-the-other"
    assert len(attempts) == 2

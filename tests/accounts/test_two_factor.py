"""Two-factor sign-in: anyone may turn on a code from an authenticator app (with one-time
backup codes); the roles HELPDESK_2FA_REQUIRED_ROLES names must, and see no page until they
have. After the password comes the code; wrong, replayed and malformed codes are refused
with a clear message, throttled and counted as failed sign-ins."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role
from accounts.services import api_token_create, backup_codes_regenerate, user_set_role
from tests.factories import UserFactory, make_agent, make_requester, make_supervisor
from tests.test_settings import settings_with

pytestmark = pytest.mark.django_db

LIMIT = 5  # the default HELPDESK_SIGNIN_FAILURE_LIMIT
SETUP = "/accounts/profile/two-factor/"
VERIFY = "/accounts/login/code/"
START = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _required_roles(settings):
    """The helpdesk's default: supervisors and administrators must use a second factor."""
    settings.HELPDESK_2FA_REQUIRED_ROLES = ["supervisor", "admin"]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def make_admin(**kwargs):
    user = UserFactory(**kwargs)
    user_set_role(user=user, role=Role.ADMIN)
    return user


MAKERS = {
    Role.REQUESTER: make_requester,
    Role.AGENT: lambda **kwargs: make_agent(1, **kwargs),
    Role.SUPERVISOR: make_supervisor,
    Role.ADMIN: make_admin,
}


def code_now(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows at this moment."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def sign_in(client, user, address: str = "127.0.0.1"):
    return client.post("/accounts/login/", {"username": user.username, "password": "pw"}, REMOTE_ADDR=address)


def give_code(client, code: str, next_url: str = "/tickets/", address: str = "127.0.0.1"):
    return client.post(VERIFY, {"code": code, "next": next_url}, REMOTE_ADDR=address)


def set_up(client, user) -> tuple[TOTPDevice, list[str]]:
    """Sign in with the password, scan the QR code (read the secret), confirm a current code."""
    client.force_login(user)
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(SETUP, {"code": code_now(device)})
    assert done.status_code == 200, done.content.decode()
    return device, done.context["codes"]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def verified(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def errors(response) -> str:
    return " ".join(response.context["form"].errors.get("code", []))


# --- what each role must do


@pytest.mark.parametrize(
    ("role", "then"),
    [(Role.REQUESTER, "/"), (Role.AGENT, "/"), (Role.SUPERVISOR, SETUP), (Role.ADMIN, SETUP)],
)
def test_after_the_password_only_the_roles_that_need_it_are_sent_to_set_up_a_second_factor(client, role, then):
    user = MAKERS[role]()
    answer = sign_in(client, user)
    assert answer.status_code == 302
    assert answer["Location"].split("?")[0] == then
    assert signed_in(client)


@pytest.mark.parametrize("role", [Role.REQUESTER, Role.AGENT])
def test_people_whose_role_does_not_need_it_use_every_page_without_a_code(client, role):
    client.force_login(MAKERS[role]())
    assert client.get("/tickets/").status_code == 200
    assert client.get("/accounts/profile/").status_code == 200


def test_nobody_is_made_to_set_it_up_when_no_role_needs_it(client, settings):
    settings.HELPDESK_2FA_REQUIRED_ROLES = []
    client.force_login(make_supervisor())
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_role_that_needs_it_reaches_no_page_before_setting_it_up(client, role):
    sign_in(client, MAKERS[role]())
    for path in ("/tickets/", "/queue/", "/dashboard/", "/reports/", "/accounts/profile/", "/admin/"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith(SETUP + "?next="), path
    assert client.post("/accounts/profile/tokens/", {"name": "Laptop"})["Location"].startswith(SETUP)
    # The browser's session does not reach the API either.
    assert client.get("/api/v1/me/").status_code == 401
    # What stays open: the set-up itself, switching the language, signing out.
    assert client.get(SETUP).status_code == 200
    assert client.post("/i18n/setlang/", {"language": "id", "next": SETUP}).status_code == 302
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert not signed_in(client)


def test_the_roles_setting_refuses_a_name_that_is_no_role(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="HELPDESK_2FA_REQUIRED_ROLES"):
        settings_with(monkeypatch, tmp_path, HELPDESK_2FA_REQUIRED_ROLES="supervisor,boss")
    assert settings_with(monkeypatch, tmp_path)["HELPDESK_2FA_REQUIRED_ROLES"] == ["supervisor", "admin"]
    assert settings_with(monkeypatch, tmp_path, HELPDESK_2FA_REQUIRED_ROLES="none")["HELPDESK_2FA_REQUIRED_ROLES"] == []
    assert settings_with(monkeypatch, tmp_path, HELPDESK_2FA_REQUIRED_ROLES="admin")["HELPDESK_2FA_REQUIRED_ROLES"] == [
        "admin"
    ]
    # Empty counts as unset, as for every variable: docker-compose.yml passes the ones it is not given so.
    assert settings_with(monkeypatch, tmp_path, HELPDESK_2FA_REQUIRED_ROLES="")["HELPDESK_2FA_REQUIRED_ROLES"] == [
        "supervisor",
        "admin",
    ]


# --- setting it up


def test_the_set_up_page_shows_a_qr_code_and_the_secret_and_turns_on_only_with_a_current_code(client, clock):
    supervisor = make_supervisor(username="sari")
    sign_in(client, supervisor)
    page = client.get(SETUP)
    text = page.content.decode()
    assert 'src="data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns' in text
    device = TOTPDevice.objects.get(user=supervisor)
    assert not device.confirmed
    secret = page.context["secret"].replace(" ", "")
    assert len(secret) == 32 and secret in text.replace(" ", "")
    assert page["Cache-Control"] == "no-store"
    # Showing the page again keeps the same secret (the app was scanned already).
    assert client.get(SETUP).context["secret"].replace(" ", "") == secret

    wrong = client.post(SETUP, {"code": "000000" if code_now(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code is not right" in errors(wrong)
    assert client.get("/tickets/")["Location"].startswith(SETUP)

    clock.shift(timedelta(seconds=5))  # past the throttle's wait
    done = client.post(SETUP, {"code": code_now(device), "next": "/dashboard/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    assert done["Cache-Control"] == "no-store"
    device.refresh_from_db()
    assert device.confirmed
    assert verified(client)
    assert client.get("/dashboard/").status_code == 200
    # Shown once: the backup codes are not on any page again.
    assert not any(code in client.get("/accounts/profile/").content.decode() for code in codes)


def test_a_requester_may_turn_it_on_from_the_profile_and_then_signs_in_with_a_code(client, clock):
    requester = make_requester()
    client.force_login(requester)
    profile = client.get("/accounts/profile/").content.decode()
    assert f'href="{SETUP}"' in profile
    device, _codes = set_up(client, requester)

    client.post("/accounts/logout/")
    answer = sign_in(client, requester)
    assert answer["Location"].startswith(VERIFY + "?next=")


# --- signing in with a code


def test_after_the_password_a_person_with_an_app_gives_a_code_before_any_page(client, clock):
    supervisor = make_supervisor()
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")

    answer = client.post(
        "/accounts/login/?next=/queue/", {"username": supervisor.username, "password": "pw", "next": "/queue/"}
    )
    assert answer["Location"] == VERIFY + "?next=%2Fqueue%2F"
    assert signed_in(client) and not verified(client)
    assert client.get("/tickets/")["Location"].startswith(VERIFY)
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert client.get("/api/v1/me/").status_code == 401
    page = client.get(VERIFY + "?next=/queue/")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()

    clock.shift(timedelta(seconds=30))
    done = give_code(client, code_now(device), next_url="/queue/")
    assert done.status_code == 302 and done["Location"] == "/queue/"
    assert verified(client)
    assert client.get("/queue/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_the_code_step_goes_nowhere_but_this_site(client, clock):
    supervisor = make_supervisor()
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    clock.shift(timedelta(seconds=30))
    assert give_code(client, code_now(device), next_url="https://evil.example/")["Location"] == "/"


def test_a_wrong_code_is_refused_with_a_clear_message_and_the_next_try_must_wait(client, clock):
    supervisor = make_supervisor()
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    clock.shift(timedelta(seconds=30))
    right = code_now(device)
    wrong = give_code(client, "000000" if right != "000000" else "111111")
    assert wrong.status_code == 400
    assert "That code is not right, or it was already used" in errors(wrong)
    assert not verified(client)

    # At once again, the right code too: the device makes it wait (1 s after one failure).
    hurried = give_code(client, right)
    assert hurried.status_code == 400
    assert "Too many wrong codes. Wait 1 second" in errors(hurried)
    clock.shift(timedelta(seconds=2))
    assert give_code(client, right).status_code == 302
    assert verified(client)


def test_a_code_already_used_is_refused(client, clock):
    supervisor = make_supervisor()
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    clock.shift(timedelta(seconds=30))
    code = code_now(device)
    assert give_code(client, code).status_code == 302

    # Someone who saw it typed, with the password, within the same 30 seconds.
    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    replayed = give_code(client, code)
    assert replayed.status_code == 400
    assert "already used" in errors(replayed)
    assert not verified(client)


def test_wrong_codes_count_as_failed_sign_ins_and_pause_the_account(client, clock):
    supervisor = make_supervisor(username="sari")
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    clock.shift(timedelta(seconds=30))
    right = code_now(device)
    wrong = "000000" if right != "000000" else "111111"
    answers = []
    for _attempt in range(LIMIT):
        answers.append(give_code(client, wrong).status_code)
        clock.shift(timedelta(seconds=60))  # past each throttle wait: axes counts them all
    assert answers == [400] * (LIMIT - 1) + [429]
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="sari").failures_since_start == LIMIT
    # The password alone is refused for the cool-off now.
    assert sign_in(client, supervisor).status_code == 429


def test_giving_the_password_again_does_not_clear_the_wrong_codes(client, clock):
    supervisor = make_supervisor(username="sari")
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    clock.shift(timedelta(seconds=30))
    wrong = "000000" if code_now(device) != "000000" else "111111"
    answers = []
    for _attempt in range(LIMIT):
        sign_in(client, supervisor)
        answers.append(give_code(client, wrong).status_code)
        clock.shift(timedelta(seconds=60))
    assert answers == [400] * (LIMIT - 1) + [429]
    assert sign_in(client, supervisor).status_code == 429


def test_the_right_code_clears_the_failures(client, clock):
    supervisor = make_supervisor(username="sari")
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    clock.shift(timedelta(seconds=30))
    give_code(client, "000000" if code_now(device) != "000000" else "111111")
    assert AccessAttempt.objects.filter(username="sari").exists()
    clock.shift(timedelta(seconds=5))
    assert give_code(client, code_now(device)).status_code == 302
    assert not AccessAttempt.objects.filter(username="sari").exists()


def test_a_backup_code_signs_in_once(client, clock):
    supervisor = make_supervisor()
    _device, codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    # Typed as people type: capitals, a space in the middle.
    typed = codes[0][:4].upper() + " " + codes[0][4:].upper()
    assert give_code(client, typed).status_code == 302
    assert verified(client)
    assert StaticToken.objects.filter(device__user=supervisor).count() == 9

    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    again = give_code(client, codes[0])
    assert again.status_code == 400
    assert "already used" in errors(again)


def test_new_backup_codes_replace_the_old_ones(client, clock):
    supervisor = make_supervisor()
    _device, old = set_up(client, supervisor)
    answer = client.post("/accounts/profile/two-factor/backup-codes/")
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    new = answer.context["codes"]
    assert set(new).isdisjoint(old)
    assert set(StaticToken.objects.filter(device__user=supervisor).values_list("token", flat=True)) == set(new)


@pytest.mark.parametrize(
    "hostile",
    ["", "   ", "12345", "1234567", "abcdefgh1", "🙂🙂🙂🙂🙂🙂", "12\u200b3456", "1" * 10_000, "<script>", "12345६"],
    ids=[
        "empty",
        "spaces",
        "short",
        "long",
        "not-base32",
        "emoji",
        "zero-width-space",
        "10k",
        "markup",
        "devanagari-digit",
    ],
)
def test_hostile_input_in_the_code_field_gives_a_form_error(client, clock, hostile):
    supervisor = make_supervisor()
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    sign_in(client, supervisor)
    answer = give_code(client, hostile)
    assert answer.status_code == 400
    message = errors(answer)
    assert message
    assert "<script>" not in answer.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # never tried as a code
    # The set-up form says so too.
    assert client.post(SETUP, {"code": hostile}).status_code in (302, 400)


# --- turning it off, and an administrator's reset


def test_turning_it_off_needs_a_current_code_or_the_password(client, clock):
    requester = make_requester()
    device, _codes = set_up(client, requester)

    refused = client.post("/accounts/profile/two-factor/off/", {"password": "not-mine"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=requester).exists()
    nothing = client.post("/accounts/profile/two-factor/off/", {})
    assert nothing.status_code == 400

    clock.shift(timedelta(seconds=30))
    done = client.post("/accounts/profile/two-factor/off/", {"code": code_now(device)})
    assert done["Location"] == "/accounts/profile/"
    assert not TOTPDevice.objects.filter(user=requester).exists()
    assert not StaticToken.objects.filter(device__user=requester).exists()
    client.post("/accounts/logout/")
    assert sign_in(client, requester)["Location"] == "/"


def test_a_role_that_needs_it_is_sent_to_set_up_a_new_app_after_turning_it_off(client, clock):
    supervisor = make_supervisor()
    set_up(client, supervisor)
    done = client.post("/accounts/profile/two-factor/off/", {"password": "pw"})
    assert done["Location"] == SETUP
    assert client.get("/tickets/")["Location"].startswith(SETUP)


def test_an_administrator_resets_a_lost_phone_in_the_admin_and_the_audit_log_keeps_it(client, clock):
    supervisor = make_supervisor(username="sari", first_name="Sari")
    device, _codes = set_up(client, supervisor)
    key = device.key
    administrator = make_admin()
    admin_device, _admin_codes = set_up(client, administrator)

    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200
    assert "Sari" in listing.content.decode()
    view = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert view.status_code == 200
    assert key not in view.content.decode()

    answer = client.post(
        "/admin/accounts/user/", {"action": "two_factor_reset", "_selected_action": [supervisor.pk]}, follow=True
    )
    assert answer.status_code == 200
    assert "Two-factor sign-in was reset for 1 person." in answer.content.decode()
    assert not TOTPDevice.objects.filter(user=supervisor).exists()

    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(TOTPDevice), object_pk=str(device.pk)
    )
    deleted = entries.get(action=LogEntry.Action.DELETE)
    assert deleted.actor == administrator
    created = entries.get(action=LogEntry.Action.CREATE)
    assert key not in str(created.changes) and key not in str(deleted.changes)
    assert set(created.changes_dict["key"][1]) == {"*"}

    # Sari's next sign-in takes her to setting up a new app.
    client.post("/accounts/logout/")
    assert sign_in(client, supervisor)["Location"].startswith(SETUP)


def test_an_administrator_without_a_code_does_not_reach_the_admin(client, clock):
    administrator = make_admin()
    device, _codes = set_up(client, administrator)
    client.post("/accounts/logout/")
    sign_in(client, administrator)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    assert client.get("/admin/otp_totp/totpdevice/")["Location"].startswith(VERIFY)
    clock.shift(timedelta(seconds=30))
    give_code(client, code_now(device))
    assert client.get("/admin/").status_code == 200


def test_a_sign_in_does_not_write_to_the_audit_log(client, clock):
    supervisor = make_supervisor()
    device, _codes = set_up(client, supervisor)
    client.post("/accounts/logout/")
    before = LogEntry.objects.count()
    sign_in(client, supervisor)
    clock.shift(timedelta(seconds=30))
    give_code(client, "000000" if code_now(device) != "000000" else "111111")
    clock.shift(timedelta(seconds=5))
    give_code(client, code_now(device))
    assert verified(client)
    assert LogEntry.objects.count() == before


# --- API tokens


def test_a_token_works_without_a_code_and_is_created_only_from_a_verified_session(client, clock):
    supervisor = make_supervisor()
    device, _codes = set_up(client, supervisor)
    _token, key = api_token_create(user=supervisor, name="Zabbix")
    client.post("/accounts/logout/")
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200

    sign_in(client, supervisor)
    assert client.post("/accounts/profile/tokens/", {"name": "Laptop"})["Location"].startswith(VERIFY)
    clock.shift(timedelta(seconds=30))
    give_code(client, code_now(device))
    assert client.post("/accounts/profile/tokens/", {"name": "Laptop"}).status_code == 200


def test_backup_codes_alone_are_not_a_second_factor(client):
    requester = make_requester()
    backup_codes_regenerate(user=requester)
    assert sign_in(client, requester)["Location"] == "/"


def test_the_admin_site_itself_refuses_staff_whose_session_lacks_the_code(client, clock, rf):
    administrator = make_admin()
    set_up(client, administrator)
    request = rf.get("/admin/")
    request.user = administrator  # signed in with the password only: no verified device
    assert not admin.site.has_permission(request)
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request)

"""Wrong API tokens are counted per client address: after HELPDESK_API_TOKEN_FAILURE_LIMIT
of them that address is refused (429, the API's error shape, Retry-After) for the cool-off,
even with a right token."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.factories import make_agent

pytestmark = pytest.mark.django_db

LIMIT = 10  # the default HELPDESK_API_TOKEN_FAILURE_LIMIT


def me(key: str, address: str = "127.0.0.1", scheme: str = "Bearer"):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"{scheme} {key}", REMOTE_ADDR=address)


def raw(header: bytes, address: str = "127.0.0.1"):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=header, REMOTE_ADDR=address)


def test_repeated_wrong_tokens_lock_the_address_out_even_for_a_right_token():
    _token, key = api_token_create(user=make_agent(1), name="script")
    assert me(key).status_code == 200
    codes = [me(f"hdk_guess{n}", scheme="Token" if n % 2 else "Bearer").status_code for n in range(LIMIT + 2)]
    assert codes == [401] * (LIMIT - 1) + [429] * 3

    refused = me(key)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert (error["status"], error["code"]) == (429, "throttled")
    assert "Too many wrong API tokens from your address" in error["message"]
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    # Another address is not concerned.
    assert me(key, address="198.51.100.7").status_code == 200


def test_the_lockout_ends_after_the_cool_off():
    _token, key = api_token_create(user=make_agent(1), name="script")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(LIMIT):
            me(f"hdk_guess{n}")
        assert me(key).status_code == 429
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        later = me(key)
        assert later.status_code == 429
        assert int(later["Retry-After"]) == 5 * 60
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert me(key).status_code == 200


def test_a_right_token_does_not_clear_the_count_of_wrong_ones_from_the_address():
    _token, key = api_token_create(user=make_agent(1), name="script")
    for n in range(LIMIT - 1):
        assert me(f"hdk_guess{n}").status_code == 401
    assert me(key).status_code == 200
    assert me("hdk_one-more").status_code == 429


def test_the_limit_is_a_setting(settings):
    settings.HELPDESK_API_TOKEN_FAILURE_LIMIT = 2
    assert [me(f"hdk_guess{n}").status_code for n in range(3)] == [401, 429, 429]


@pytest.mark.parametrize(
    "header",
    [
        b"Bearer",
        b"Bearer a b",
        b"Token \xff\xfe",
        b"Bearer ' \" < > &",
        "Bearer 🛠️🛠️".encode(),
        b"Bearer " + b"x" * 10_000,
        "Bearer é".encode() * 1,
    ],
)
def test_hostile_tokens_are_counted_and_never_a_server_error(header):
    codes = [raw(header).status_code for _n in range(LIMIT)]
    assert codes == [401] * (LIMIT - 1) + [429]


def test_calls_without_a_token_are_not_counted():
    for _n in range(LIMIT + 1):
        assert APIClient().get("/api/v1/me/").status_code == 401
    _token, key = api_token_create(user=make_agent(1), name="script")
    assert me(key).status_code == 200

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import TicketFactory, make_agent, make_requester

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Ana",
    "last_name": "Wijaya",
    "email": "ana@example.com",
    "phone": "0812 3456 7890",
    "language": "id",
    "time_zone": "Asia/Makassar",
}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_person_saves_their_profile_and_the_phone_is_stored_as_e164(client):
    user = make_requester()
    client.force_login(user)
    assert client.get("/accounts/profile/").status_code == 200
    response = client.post("/accounts/profile/", VALID)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.email, user.phone, user.language, user.time_zone) == (
        "Ana",
        "ana@example.com",
        "+6281234567890",
        "id",
        "Asia/Makassar",
    )
    assert response.cookies["django_language"].value == "id"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "is not a valid phone number"),
        ("email", "not-an-address", "Enter a valid email address"),
        ("email", "", "This field is required"),
        ("time_zone", "Mars/Olympus", "Select a valid choice"),
        ("language", "xx", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(client, field, value, message):
    user = make_requester(phone="+6281200000001")
    client.force_login(user)
    response = client.post("/accounts/profile/", {**VALID, field: value})
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    if field in ("phone", "email") and value:
        assert f'value="{value}"' in response.content.decode()  # what was typed is kept
    user.refresh_from_db()
    assert (user.first_name, user.phone, user.language) != ("Ana", "+6281234567890", "id")
    assert user.phone == "+6281200000001"


def test_times_are_shown_in_the_persons_time_zone(client):
    agent = make_agent(1, time_zone="Asia/Jayapura")
    ticket = TicketFactory(level=1, created_at=datetime(2026, 3, 2, 1, 30, tzinfo=ZoneInfo("UTC")))
    client.force_login(agent)
    page = client.get(ticket.get_absolute_url()).content.decode()
    # 01:30 UTC is 10:30 in Jayapura (WIT, UTC+9), 08:30 in Jakarta.
    assert "10:30" in page
    assert "08:30" not in page

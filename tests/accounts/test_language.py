import pytest

from tests.factories import make_requester

pytestmark = pytest.mark.django_db


def test_choosing_a_language_switches_the_pages_and_is_remembered_for_notifications(client):
    user = make_requester()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "id", "next": "/tickets/"})
    assert response.status_code == 302
    assert response["Location"] == "/tickets/"
    user.refresh_from_db()
    assert user.language == "id"


def test_the_language_can_be_chosen_before_signing_in(client):
    response = client.post("/i18n/setlang/", {"language": "id", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "id"


def test_an_unknown_language_changes_nothing(client):
    user = make_requester()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"

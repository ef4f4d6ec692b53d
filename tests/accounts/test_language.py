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
    assert user.language == ""


def test_a_signed_in_person_sees_their_own_language_whatever_the_browser_asks(client):
    user = make_requester(language="id")
    client.force_login(user)
    response = client.get("/tickets/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="id"' in response.content.decode()
    assert response["Content-Language"] == "id"


def test_the_sign_in_page_follows_the_browser(client):
    assert '<html lang="id"' in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="id-ID,id;q=0.9").content.decode()
    assert '<html lang="en"' in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()


def test_the_first_sign_in_keeps_the_language_the_browser_asked_for(client):
    user = make_requester()
    assert user.language == ""
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "pw"}, HTTP_ACCEPT_LANGUAGE="id-ID,id;q=0.9"
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "id"
    assert '<html lang="id"' in client.get("/tickets/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_chosen_language_is_not_overwritten_by_the_browser(client):
    user = make_requester(language="en")
    client.post("/accounts/login/", {"username": user.username, "password": "pw"}, HTTP_ACCEPT_LANGUAGE="id")
    user.refresh_from_db()
    assert user.language == "en"

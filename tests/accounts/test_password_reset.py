"""Forgotten passwords: from the sign-in page to a new password, in the site's own pages."""

import re

import pytest
from django.core import mail

from tests.factories import make_agent, make_requester

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)")


@pytest.fixture
def ask_for_a_link(client, django_capture_on_commit_callbacks):
    """Ask for a link as the page does; the mail goes through the outbox once the request
    commits (delivered at once here: tests run Celery in-process)."""

    def ask(email: str, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/accounts/password_reset/", {"email": email}, **headers)

    return ask


def the_link(message) -> str:
    [path] = LINK.findall(message.body)
    return path


def test_the_sign_in_page_offers_a_password_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in page
    assert "Forgot your password?" in page


def test_a_forgotten_password_is_replaced_through_the_emailed_link(client, ask_for_a_link):
    person = make_requester(username="rina", email="rina@example.com", first_name="Rina", last_name="Wijaya")
    form = client.get("/accounts/password_reset/")
    assert form.status_code == 200
    assert "Reset your password" in form.content.decode()
    assert "Django administration" not in form.content.decode()

    response = ask_for_a_link("RINA@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert "a link to choose a new password is on its way" in client.get(response["Location"]).content.decode()
    [message] = mail.outbox
    assert message.to == ["rina@example.com"]
    assert message.subject == "Reset your helpdesk password"
    assert "Hello Rina Wijaya," in message.body
    assert "Your username is rina." in message.body

    link = the_link(message)
    landing = client.get(link)
    assert landing.status_code == 302  # Django moves the token out of the address
    page = client.get(landing["Location"])
    assert page.status_code == 200
    assert "Choose a new password" in page.content.decode()
    mismatch = client.post(
        landing["Location"], {"new_password1": "a-long-new-secret-42", "new_password2": "something-else-42"}
    )
    assert mismatch.status_code == 200
    assert mismatch.context["form"].errors["new_password2"]
    done = client.post(
        landing["Location"], {"new_password1": "a-long-new-secret-42", "new_password2": "a-long-new-secret-42"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/accounts/reset/done/"
    assert "Your new password is set" in client.get(done["Location"]).content.decode()

    person.refresh_from_db()
    assert person.check_password("a-long-new-secret-42")
    signed_in = client.post("/accounts/login/", {"username": "rina", "password": "a-long-new-secret-42"})
    assert signed_in.status_code == 302
    client.logout()

    # The link worked once.
    used = client.get(link, follow=True)
    assert used.status_code == 200
    assert "This link does not work any more" in used.content.decode()
    assert "Choose a new password" not in used.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, ask_for_a_link):
    make_requester(email="rina@example.com")
    known = ask_for_a_link("rina@example.com")
    mail.outbox.clear()
    unknown = ask_for_a_link("nobody@example.com")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/reset/garbage/set-password/",
        "/accounts/reset/MQ/bad-token/",
        "/accounts/reset/%F0%9F%98%80/x-y/",
        "/accounts/reset/99999999/abc-def/",
    ],
)
def test_a_bad_link_explains_itself_never_a_server_error(client, path):
    make_agent(1)
    page = client.get(path, follow=True)
    assert page.status_code in (200, 404)
    if page.status_code == 200:
        assert "This link does not work any more" in page.content.decode()


def test_the_pages_and_the_email_speak_indonesian(client, ask_for_a_link):
    make_requester(username="budi", email="budi@example.com", first_name="Budi")
    page = client.get("/accounts/password_reset/", HTTP_ACCEPT_LANGUAGE="id")
    assert "Atur ulang kata sandi" in page.content.decode()
    assert "Lupa kata sandi?" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    ask_for_a_link("budi@example.com", HTTP_ACCEPT_LANGUAGE="id")
    [message] = mail.outbox
    assert message.subject == "Atur ulang kata sandi helpdesk Anda"
    assert "Halo Budi," in message.body


def test_the_email_is_plain_text_written_as_is(client, ask_for_a_link):
    make_requester(username="obrien", email="o@example.com", first_name="Seán", last_name="O'Brien <&> 🛠️")
    ask_for_a_link("o@example.com")
    [message] = mail.outbox
    assert "Hello Seán O'Brien <&> 🛠️," in message.body
    assert "&#x27;" not in message.body and "&lt;" not in message.body and "&amp;" not in message.body
    assert "\n" not in message.subject

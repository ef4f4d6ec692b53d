"""A ticket filed by email, seen where support works: a requester mails the helpdesk's
mailbox on a real IMAP server, one pass of ``fetch_mail`` reads it, and a Level I agent
finds it in the queue and opens it."""

import uuid
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.factories import make_agent, make_requester
from tests.intake.conftest import mailbox_on
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mail_to_the_helpdesk_is_in_the_level_one_queue(helpdesk, imap_server, settings, artefacts):
    settings.HELPDESK_MAILBOX_CA_FILE = imap_server.ca_file
    support = imap_server.add_user("browser-support")
    mailbox_on(imap_server, support, name="Support")
    requester = make_requester(email="dewi@example.com", first_name="Dewi")
    agent = make_agent(1, username="agus", first_name="Agus")
    mail = EmailMessage()
    mail["From"] = "Dewi Lestari <dewi@example.com>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "=?utf-8?b?V2ktRmkgcnVhbmcgcmFwYXQgbWF0aSDwn5O2?="  # "Wi-Fi ruang rapat mati 📶"
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    mail.set_content("Sejak pagi Wi-Fi di ruang rapat lantai 2 tidak bisa dipakai.\n\nSent from my iPhone\n")
    mail.add_alternative(
        "<p>Sejak pagi Wi-Fi di ruang rapat lantai 2 <b>tidak bisa</b> dipakai.</p><p>Sent from my iPhone</p>",
        subtype="html",
    )
    mail.add_attachment(b"ping: 100% packet loss\n", maintype="text", subtype="plain", filename="ping hasil.txt")
    imap_server.append(support, mail.as_bytes(policy=SMTP))

    call_command("fetch_mail", stdout=open("/dev/null", "w"))  # noqa: SIM115 - the command's own output is not the point

    ticket = Ticket.objects.get(requester=requester)
    page = helpdesk.page
    helpdesk.sign_in(agent)
    helpdesk.open("/queue/")
    queue = page.get_by_test_id("queue-table")
    expect(queue).to_contain_text("Wi-Fi ruang rapat mati 📶")
    page.get_by_role("link", name=ticket.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wi-Fi ruang rapat mati 📶")
    expect(
        page.locator(".ticket-description").get_by_text("Sejak pagi Wi-Fi di ruang rapat lantai 2 tidak bisa dipakai.")
    ).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Sent from my iPhone")
    expect(page.get_by_role("link", name="ping hasil.txt")).to_be_visible()
    page.screenshot(path=str(artefacts / "ticket-from-email.png"), full_page=True)
    assert imap_server.messages(support) == [], "the mail left the mailbox once its ticket was saved"

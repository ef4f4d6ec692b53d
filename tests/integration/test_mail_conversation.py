"""A ticket's whole conversation by email, through the real parts: a requester mails the
helpdesk's mailbox on a real IMAP server (Dovecot), beat and a real worker read it into a
ticket, the acknowledgement goes out through the SMTP relay (the fake on 127.0.0.1)
threaded on the ticket, the requester answers it from a mail program that quotes it, and
an agent answers by email too: each reply lands on the ticket as a comment by its sender,
trimmed of what it quoted, and the agent's reaches the requester."""

import email
import email.policy
import uuid
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from django.conf import settings

from intake.choices import InboundStatus
from intake.models import InboundMessage
from tests.factories import make_agent, make_requester
from tests.intake.conftest import mailbox_on
from tests.integration.own_processes import MAIL_DOMAIN
from tests.integration.test_delivery_faults import smtp_env
from tickets.choices import Channel
from tickets.models import Comment, Ticket
from tickets.services import ticket_take

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REPLY_ADDRESS = f"support@{MAIL_DOMAIN}"


def _sent_to(relay, address: str, reference: str) -> list[EmailMessage]:
    found = []
    for recipients, raw in relay.messages():
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if address in recipients and message["X-Helpdesk-Ticket"] == reference:
            found.append(message)
    return found


def _reply(*, to_mail: EmailMessage, sender: str, text: str, quoted_intro: str) -> bytes:
    """A reply as a mail program writes it: to the Reply-To, threaded on the mail it
    answers, the answer on top and the whole mail it answers quoted under it."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = to_mail["Reply-To"]
    reply["Subject"] = "Re: " + to_mail["Subject"]
    reply["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    reply["In-Reply-To"] = to_mail["Message-ID"]
    reply["References"] = f"{to_mail['References']} {to_mail['Message-ID']}"
    quoted = "\n".join("> " + line for line in to_mail.get_body(("plain",)).get_content().splitlines())
    reply.set_content(f"{text}\n\n{quoted_intro}\n{quoted}\n")
    return reply.as_bytes(policy=SMTP)


def test_a_ticket_is_opened_answered_and_answered_again_by_email(own_processes, imap_server, fake_smtp):
    support = imap_server.add_user("conversation")
    mailbox_on(imap_server, support, name="Support")
    requester = make_requester(email="rina@example.com", language="id", first_name="Rina")
    agent = make_agent(1, email="budi@example.com", language="en")
    env = own_processes.env(
        HELPDESK_MAILBOX_POLL_SECONDS="1",
        HELPDESK_MAILBOX_CA_FILE=imap_server.ca_file,
        HELPDESK_CACHE_URL=settings.CELERY_BROKER_URL,
        HELPDESK_REPLY_ADDRESS=REPLY_ADDRESS,
        **smtp_env(fake_smtp),
    )
    own_processes.worker("conversation", env=env)
    own_processes.beat(env=env)

    # 1. The requester mails the helpdesk.
    first = EmailMessage()
    first["From"] = "Rina Wijaya <rina@example.com>"
    first["To"] = REPLY_ADDRESS
    first["Subject"] = 'Printer lantai 3 macet <lagi> & "berisik"'
    first["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    first.set_content("Printer di lantai 3 macet setiap halaman kedua.\n\n-- \nRina Wijaya\nBagian Keuangan\n")
    imap_server.append(support, first.as_bytes(policy=SMTP))

    own_processes.wait_for(
        lambda: Ticket.objects.filter(requester=requester).exists(), timeout=60, what="the mail's ticket"
    )
    ticket = Ticket.objects.get(requester=requester)
    assert ticket.channel == Channel.EMAIL
    assert ticket.subject == 'Printer lantai 3 macet <lagi> & "berisik"'
    assert ticket.description.startswith("Printer di lantai 3 macet setiap halaman kedua.")
    assert "Bagian Keuangan" not in ticket.description, "the signature is trimmed"

    # 2. The acknowledgement goes out through the relay, in Indonesian, threaded on the ticket.
    [acknowledgement] = own_processes.wait_for(
        lambda: _sent_to(fake_smtp, requester.email, ticket.reference), timeout=60, what="the acknowledgement"
    )
    assert f"[{ticket.reference}]" in acknowledgement["Subject"]
    assert acknowledgement["Reply-To"].addresses[0].addr_spec.startswith(f"support+{ticket.reference}.")
    assert acknowledgement.get_body(("plain",)).get_content().startswith("##- Balas di atas baris ini -##")

    # The agent takes it: a requester's reply is mailed to the ticket's assignee.
    ticket_take(ticket_id=ticket.pk, by=agent)

    # 3. The requester answers it from a mail program that quotes the whole mail.
    imap_server.append(
        support,
        _reply(
            to_mail=acknowledgement,
            sender="Rina Wijaya <RINA@example.com>",
            text="Sudah saya matikan dan nyalakan lagi, masih macet. 🖨️",
            quoted_intro="Pada Rab, 2 Des 2026 pukul 10.15 IT Helpdesk <helpdesk@faults.example> menulis:",
        ),
    )
    own_processes.wait_for(
        lambda: Comment.objects.filter(ticket=ticket, author=requester).exists(), timeout=60, what="her reply"
    )
    answer = Comment.objects.get(ticket=ticket, author=requester)
    assert answer.body == "Sudah saya matikan dan nyalakan lagi, masih macet. 🖨️"
    assert answer.channel == Channel.EMAIL and not answer.is_internal

    # 4. The agent answers by email from the staff mail about her reply: a public reply by him.
    [staff_mail] = own_processes.wait_for(
        lambda: _sent_to(fake_smtp, agent.email, ticket.reference),
        timeout=60,
        what="the agent's mail about her reply",
    )
    imap_server.append(
        support,
        _reply(
            to_mail=staff_mail,
            sender="Budi Santoso <budi@example.com>",
            text="Saya datang jam 2 siang untuk membersihkan rol kertasnya.",
            quoted_intro="On Wed, 2 Dec 2026 at 10:20, IT Helpdesk <helpdesk@faults.example> wrote:",
        ),
    )
    own_processes.wait_for(
        lambda: Comment.objects.filter(ticket=ticket, author=agent).exists(), timeout=60, what="the agent's reply"
    )
    reply = Comment.objects.get(ticket=ticket, author=agent)
    assert reply.body == "Saya datang jam 2 siang untuk membersihkan rol kertasnya."
    assert reply.channel == Channel.EMAIL and not reply.is_internal
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None, "an agent's reply by email is the first response"

    # 5. ...which reaches the requester, and the mailbox is empty: every mail was let go of.
    own_processes.wait_for(
        lambda: len(_sent_to(fake_smtp, requester.email, ticket.reference)) == 2, timeout=60, what="the reply mail"
    )
    assert imap_server.messages(support) == []
    assert sorted(InboundMessage.objects.values_list("status", flat=True)) == sorted(
        [InboundStatus.TICKET, InboundStatus.COMMENT, InboundStatus.COMMENT]
    )

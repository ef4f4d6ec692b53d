"""A vendor's mail threads onto the escalated ticket through the real intake path: an
internal note marked as the vendor's (never shown to the requester), the vendor's first
response recorded, the assignee told."""

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

import pytest
from django.utils import timezone

from intake.choices import InboundSource, InboundStatus
from intake.services import inbound_email_process, inbound_email_record
from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.vendors.support import level_three_ticket, vendor_with_contract
from tickets.models import Comment
from tickets.selectors import ticket_timeline
from vendors.models import VendorEscalation
from vendors.services import vendor_escalation_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "IT Helpdesk <helpdesk@example.org>"
    settings.HELPDESK_REPLY_ADDRESS = "helpdesk@example.org"
    settings.HELPDESK_INBOUND_UNKNOWN_SENDERS = "accept"
    settings.LANGUAGE_CODE = "en"


def _mail(*, sender: str, subject: str, body: str, in_reply_to: str = "", references: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "helpdesk@example.org"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<{timezone.now().timestamp()}.{abs(hash(body))}@vendor.example>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message.set_content(body)
    return message.as_bytes(policy=SMTP)


def _process(raw: bytes):
    message, _created = inbound_email_record(raw=raw, source=InboundSource.IMAP)
    return inbound_email_process(message=message)


def _escalated():
    vendor, contact, contract = vendor_with_contract()
    ticket = level_three_ticket()
    escalation = vendor_escalation_create(
        ticket_id=ticket.pk, by=ticket.assignee, vendor_id=vendor.pk, contract_id=contract.pk, message="Help"
    )
    return escalation, ticket, contact


def test_a_reply_to_the_vendor_mail_is_an_internal_vendor_note_and_their_first_response():
    escalation, ticket, contact = _escalated()
    body = "We ship a new controller today & <will> call 😀"
    row = _process(
        _mail(sender=f"Budi <{contact.email}>", subject="Re: support", body=body, in_reply_to=escalation.message_id)
    )
    assert row.status == InboundStatus.COMMENT and row.ticket_id == ticket.pk
    comment = Comment.objects.get(pk=row.comment_id)
    assert comment.is_internal and "From the vendor Acme Servers" in comment.body and body in comment.body
    escalation.refresh_from_db()
    assert escalation.responded_at == comment.created_at
    told = Notification.objects.get(kind=NotificationKind.VENDOR_REPLIED, channel="email")
    assert told.recipient == ticket.assignee and "<will>" in told.body_text
    # The requester sees neither the note nor who the vendor is.
    requester_view = ticket_timeline(ticket=ticket, user=ticket.requester)
    shown = " ".join(
        str(getattr(entry.item, "body", "")) + getattr(entry.item, "reason", "") for entry in requester_view
    )
    assert "Acme" not in shown and body not in shown


def test_a_reply_naming_the_first_mail_in_references_threads_too():
    escalation, ticket, contact = _escalated()
    raw = _mail(
        sender=contact.email,
        subject="Re: Reminder",
        body="Still on it.",
        in_reply_to="<some-reminder@example.org>",
        references=f"{escalation.message_id} <some-reminder@example.org>",
    )
    assert _process(raw).ticket_id == ticket.pk
    assert Comment.objects.get(ticket=ticket).is_internal


def test_a_mail_with_the_ticket_reference_from_the_vendor_contact_threads_and_from_anyone_else_does_not():
    escalation, ticket, contact = _escalated()
    subject = f"About [{ticket.reference}]"
    row = _process(_mail(sender=contact.email, subject=subject, body="Parts ordered."))
    assert row.status == InboundStatus.COMMENT and Comment.objects.get(pk=row.comment_id).is_internal
    stranger = _process(_mail(sender="mallory@elsewhere.example", subject=subject, body="Hi"))
    assert stranger.status != InboundStatus.COMMENT or not Comment.objects.get(pk=stranger.comment_id).is_internal
    assert Comment.objects.filter(ticket=ticket, is_internal=True).count() == 1


def test_a_later_vendor_mail_keeps_the_first_response_time():
    escalation, _ticket, contact = _escalated()
    _process(_mail(sender=contact.email, subject="Re", body="One", in_reply_to=escalation.message_id))
    first = VendorEscalation.objects.get(pk=escalation.pk).responded_at
    _process(_mail(sender=contact.email, subject="Re", body="Two", in_reply_to=escalation.message_id))
    assert VendorEscalation.objects.get(pk=escalation.pk).responded_at == first


def test_a_vendor_mail_about_a_closed_ticket_is_held_with_the_reason():
    escalation, ticket, contact = _escalated()
    type(ticket).objects.filter(pk=ticket.pk).update(status="closed")
    row = _process(_mail(sender=contact.email, subject="Re", body="Late", in_reply_to=escalation.message_id))
    assert row.status == InboundStatus.HELD and ticket.reference in row.reason

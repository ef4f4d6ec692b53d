"""SMS in: a message from a known number joins its sender's latest open ticket or opens
one; ``ACK`` from support staff answers a page; anything else is refused with an answer.

Every message is recorded (``InboundSms``) with what became of it, in the same
transaction as the comment or ticket it made, and once per gateway message id: a gateway
that delivers the same message again gets the first answer and changes nothing.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import phone_to_e164
from accounts.selectors import agent_levels
from escalation.services import PageError, page_acknowledge
from tickets.choices import OPEN_STATUSES, Channel, Urgency
from tickets.exceptions import TicketError
from tickets.models import Ticket
from tickets.services import comment_add, ticket_create
from tickets.text import multi_line, single_line

from ..choices import SmsOutcome
from ..models import InboundSms

logger = logging.getLogger(__name__)

# "ACK", "ack HD-000123", "Ack hd 123." — the rest of the message is not read.
ACK_RE = re.compile(r"^\s*ACK\b[\s:,.!-]*(?:(?:HD)?[\s-]*0*(\d{1,12}))?", re.IGNORECASE)
# Longest text kept (a long SMS arrives in parts the gateway joins: ten parts and more).
BODY_MAX = 5000
NUMBER_MAX = 40  # InboundSms.from_number
SUBJECT_WORDS = 80


def _subject(text: str) -> str:
    first = single_line(text.splitlines()[0] if text else "")
    if len(first) > SUBJECT_WORDS:
        first = first[: SUBJECT_WORDS - 1].rstrip() + "…"
    return first or _("SMS")


def _number(value: str) -> str:
    """The number as E.164 when it is one, else as given (on one line, clipped)."""
    value = single_line(value or "")[:NUMBER_MAX]
    try:
        return phone_to_e164(value) if value else ""
    except ValidationError:
        return value


def _refuse(record: InboundSms, reason: str, answer: str | None = None) -> InboundSms:
    record.outcome = SmsOutcome.REFUSED
    record.reason = reason
    record.answer = reason if answer is None else answer
    return record


def _acknowledge(record: InboundSms, person, ticket_pk: str | None) -> InboundSms:
    ticket = None
    if ticket_pk:
        ticket = Ticket.objects.filter(pk=int(ticket_pk)).first()
        if ticket is None:
            return _refuse(record, _("There is no ticket HD-%(number)06d.") % {"number": int(ticket_pk)})
    try:
        ticket = page_acknowledge(by=person, ticket=ticket, channel=Channel.SMS)
    except PageError as exc:
        return _refuse(record, exc.message)
    record.outcome = SmsOutcome.ACKNOWLEDGED
    record.ticket = ticket
    record.answer = _("Page for %(ref)s acknowledged. Thank you.") % {"ref": ticket.reference}
    return record


def _converse(record: InboundSms, person) -> InboundSms:
    """The text as a reply on the sender's latest open ticket, else as a new ticket."""
    open_ticket = (
        Ticket.objects.filter(requester=person, status__in=OPEN_STATUSES).order_by("-updated_at", "-id").first()
    )
    try:
        with transaction.atomic():
            if open_ticket is not None:
                record.comment = comment_add(
                    ticket_id=open_ticket.pk, author=person, body=record.body, channel=Channel.SMS
                )
                record.ticket, record.outcome = open_ticket, SmsOutcome.COMMENT
                record.answer = _("Thank you, your message was added to %(ref)s.") % {"ref": open_ticket.reference}
            else:
                ticket = ticket_create(
                    requester=person,
                    subject=_subject(record.body),
                    description=record.body,
                    urgency=Urgency.MEDIUM,
                    channel=Channel.SMS,
                )
                record.ticket, record.outcome = ticket, SmsOutcome.TICKET
                record.answer = _(
                    "Thank you, we opened %(ref)s for you. Answer this message to add to it; we reply by email."
                ) % {"ref": ticket.reference}
    except TicketError as exc:
        return _refuse(record, exc.message)
    return record


def _decide(record: InboundSms) -> InboundSms:
    people = list(get_user_model().objects.filter(phone=record.from_number, is_active=True)[:2])
    person = people[0] if len(people) == 1 else None
    with translation.override((person.language if person is not None else "") or settings.LANGUAGE_CODE):
        since = record.received_at - timedelta(hours=1)
        earlier = InboundSms.objects.filter(from_number=record.from_number, received_at__gte=since).count()
        limit = settings.HELPDESK_SMS_INBOUND_PER_HOUR
        if earlier >= limit:
            # Answered once (the first past the limit), then silence: no ping-pong with a robot.
            answer = (
                _("Too many messages from this number in the last hour; this one was not recorded. Try again later.")
                if earlier == limit
                else ""
            )
            return _refuse(record, _("More than %(limit)s messages in an hour.") % {"limit": limit}, answer)
        if not people:
            logger.info("SMS from an unknown number %s refused", record.from_number)
            return _refuse(
                record,
                _(
                    "This number is not known to the helpdesk, so the message was not recorded."
                    " Please use the helpdesk's website or email."
                ),
            )
        if person is None:
            return _refuse(
                record,
                _(
                    "More than one account has this number, so the message was not recorded."
                    " Please ask IT support to correct it."
                ),
            )
        record.sender = person
        ack = ACK_RE.match(record.body)
        if ack and agent_levels(person):
            return _acknowledge(record, person, ack.group(1))
        if not record.body:
            return _refuse(record, _("The message was empty, so nothing was recorded."))
        return _converse(record, person)


def inbound_sms_receive(*, gateway: str, message_id: str, from_number: str, to_number: str, text: str) -> InboundSms:
    """Take one SMS from a gateway and act on it (see the module); returns the record,
    whose ``answer`` is the text to send back (empty: send nothing)."""
    message_id = single_line(message_id or "")[:100]
    if message_id:
        seen = InboundSms.objects.filter(gateway=gateway, message_id=message_id).first()
        if seen is not None:
            return seen
    record = InboundSms(
        gateway=gateway,
        message_id=message_id,
        from_number=_number(from_number),
        to_number=_number(to_number),
        body=multi_line(text or "")[:BODY_MAX],
        received_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            _decide(record).save()
    except IntegrityError:
        # The same message handed in twice at once: the other delivery recorded it.
        seen = InboundSms.objects.filter(gateway=gateway, message_id=message_id).first()
        if seen is None:
            raise
        return seen
    return record

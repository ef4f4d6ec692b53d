"""Turning a recorded mail into a ticket or a comment, or holding, refusing or ignoring
it with the reason. One transaction per mail: the ticket or comment and the message's
outcome commit together, so a crash leaves the message received (and it is tried again),
and a message already processed is never processed twice."""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.selectors import agent_levels
from accounts.services import requester_create_from_email
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import mail_address_failing_record, notification_queue_to_address
from tickets.choices import Channel, Status, Urgency
from tickets.exceptions import NotAllowedError, TicketError, TransitionError
from tickets.models import Comment, Ticket
from tickets.services import comment_add, ticket_create
from tickets.threading import (
    mail_domain,
    reply_mailbox,
    ticket_id_from_addresses,
    ticket_id_from_subject,
    ticket_id_from_thread,
)
from tickets.validators import attachment_name_clean, validate_attachment
from vendors.exceptions import VendorError
from vendors.models import VendorEscalation
from vendors.selectors import vendor_escalation_for_mail
from vendors.services import vendor_reply_record

from ..choices import RETRYABLE_STATUSES, InboundStatus
from ..models import InboundMessage
from ..parsing import MESSAGE_ID, ParsedMail, UnreadableMail, automatic_reason, delivery_report, mail_parse
from ..trimming import reply_text

# Our notifications' Message-IDs (notifications.models.Notification.delivery_key).
OWN_MESSAGE_ID = re.compile(r"<helpdesk\.(\d{1,18})\.(\d{14,20})@([^>\s]+)>", re.IGNORECASE)
BODY_MAX_CHARS = 100_000
MAX_FILES = 50
ORIGINAL_NAME = "original-message.txt"


@dataclass
class Outcome:
    status: str
    reason: str = ""
    ticket: Ticket | None = None
    comment: Comment | None = None


class _Hold(Exception):
    """The mail is held for review (the message says why)."""


def _own_address(address: str) -> bool:
    ours = {reply_mailbox().lower(), (settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].strip("> ")).lower()}
    local, _at, domain = address.lower().rpartition("@")
    base = local.partition("+")[0]
    return address.lower() in ours or f"{base}@{domain}" in ours


def _is_own_message_id(message_id: str) -> bool:
    match = OWN_MESSAGE_ID.search(message_id or "")
    return match is not None and match.group(3).lower() == mail_domain().lower()


def _ticket_from_notifications(message_ids: list[str]) -> int | None:
    for message_id in message_ids:
        match = OWN_MESSAGE_ID.search(message_id)
        if match is None or match.group(3).lower() != mail_domain().lower():
            continue
        row = Notification.objects.filter(pk=int(match.group(1))).values_list("created_at", "ticket_id").first()
        if row is not None and row[1] and f"{row[0]:%Y%m%d%H%M%S%f}" == match.group(2):
            return row[1]
    return None


def _ticket_from_earlier_mail(message_ids: list[str]) -> int | None:
    """The ticket an earlier mail in the thread opened or joined: a colleague's "reply
    all" to the mail that opened a ticket joins that ticket."""
    if not message_ids:
        return None
    found = dict(
        InboundMessage.objects.filter(message_id__in=message_ids[:50], ticket__isnull=False).values_list(
            "message_id", "ticket_id"
        )
    )
    return next((found[message_id] for message_id in message_ids if message_id in found), None)


def _matched_ticket_id(mail: ParsedMail) -> int | None:
    """In-Reply-To/References (our notifications' Message-IDs, then the ticket's thread
    root, then mail that came in earlier), then the signed reply address among the
    recipients, then the subject tag."""
    return (
        _ticket_from_notifications(mail.thread_ids)
        or ticket_id_from_thread(mail.thread_ids)
        or _ticket_from_earlier_mail(mail.thread_ids)
        or ticket_id_from_addresses(mail.recipients)
        or ticket_id_from_subject(mail.subject)
    )


def _files_checked(mail: ParsedMail, original: str | None) -> tuple[list[ContentFile], list[str]]:
    """Each file on its own under the web form's rules: kept, or dropped with a note."""
    kept: list[ContentFile] = []
    notes: list[str] = []
    candidates = [(f.name, f.data) for f in mail.files]
    if original is not None:
        candidates.append((ORIGINAL_NAME, original.encode("utf-8")))
    for number, (name, data) in enumerate(candidates, start=1):
        shown = attachment_name_clean(name) or _("file %(number)s") % {"number": number}
        if len(kept) >= MAX_FILES:
            notes.append(
                _("“%(name)s” was not attached: a mail brings at most %(max)s files.")
                % {"name": shown, "max": MAX_FILES}
            )
            continue
        upload = ContentFile(data, name=name)
        try:
            validate_attachment(upload)
        except ValidationError as exc:
            notes.append(_("“%(name)s” was not attached: %(why)s") % {"name": shown, "why": " ".join(exc.messages)})
            continue
        kept.append(upload)
    return kept, notes


def _text_with_notes(text: str, notes: list[str]) -> str:
    if len(text) > BODY_MAX_CHARS:
        text = (
            text[:BODY_MAX_CHARS].rstrip()
            + "\n\n"
            + _("(The text was cut at %(max)s characters; the whole mail is attached as %(name)s.)")
            % {"max": BODY_MAX_CHARS, "name": ORIGINAL_NAME}
        )
    if notes:
        text = text + "\n\n" + "\n".join(notes)
    return text


def _body_and_files(mail: ParsedMail, *, lead: str = "") -> tuple[str, list[ContentFile]]:
    full = mail.text.strip()
    trimmed = reply_text(full) if full else ""
    keep_original = full and (trimmed != full or len(trimmed) > BODY_MAX_CHARS or mail.from_html)
    files, notes = _files_checked(mail, full if keep_original else None)
    if mail.damaged:
        notes.insert(0, _("(The mail's structure was damaged; its text is shown as it came.)"))
    text = trimmed or _("(The mail had no text.)")
    if lead:
        text = lead + "\n\n" + text
    return _text_with_notes(text, notes), files


def _people_with(address: str) -> list:
    return list(get_user_model().objects.filter(email__iexact=address).order_by("pk")[:5])


def _within_sender_limit(message: InboundMessage, address: str) -> bool:
    since = timezone.now() - timedelta(minutes=settings.HELPDESK_INBOUND_SENDER_WINDOW_MINUTES)
    opened = (
        InboundMessage.objects.filter(status=InboundStatus.TICKET, received_at__gte=since)
        .filter(Q(sender__iexact=address) | Q(sender__iendswith=f"<{address}>"))
        .exclude(pk=message.pk)
        .count()
    )
    return opened < settings.HELPDESK_INBOUND_SENDER_LIMIT


def _refusal_sent_recently(message: InboundMessage, address: str) -> bool:
    since = timezone.now() - timedelta(minutes=settings.HELPDESK_INBOUND_SENDER_WINDOW_MINUTES)
    return (
        InboundMessage.objects.filter(status=InboundStatus.REJECTED, received_at__gte=since)
        .filter(Q(sender__iexact=address) | Q(sender__iendswith=f"<{address}>"))
        .exclude(pk=message.pk)
        .exists()
    )


def _requester_for_new_ticket(message: InboundMessage, mail: ParsedMail):
    """The account a new ticket is filed for, or an Outcome when there is none to use."""
    people = [person for person in _people_with(mail.sender) if person.is_active]
    if len(people) > 1:
        raise _Hold(_("More than one account has the address %(address)s.") % {"address": mail.sender})
    if people:
        return people[0]
    if _people_with(mail.sender):
        raise _Hold(_("The account of %(address)s is disabled.") % {"address": mail.sender})
    policy = settings.HELPDESK_INBOUND_UNKNOWN_SENDERS
    if policy == "hold":
        raise _Hold(
            _("No account has the address %(address)s. Create one, then process the mail again.")
            % {"address": mail.sender}
        )
    if policy == "reject":
        reason = _("No account has the address %(address)s; unknown senders are refused.") % {"address": mail.sender}
        if _refusal_sent_recently(message, mail.sender):
            reason += " " + _("No answer was sent: one went to this address a short while ago.")
        else:
            notification_queue_to_address(
                kind=NotificationKind.MAIL_REFUSED,
                address=mail.sender,
                context={
                    "subject": mail.subject or _("(no subject)"),
                    "address": mail.sender,
                    "site_url": settings.HELPDESK_BASE_URL + "/",
                    "language": settings.LANGUAGE_CODE,
                },
                headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
            )
            reason += " " + _("A polite answer was sent.")
        return Outcome(InboundStatus.REJECTED, reason)
    try:
        return requester_create_from_email(address=mail.sender, display_name=mail.sender_name)
    except ValidationError:
        return Outcome(
            InboundStatus.FAILED,
            _("The sender address %(address)s cannot be given an account.") % {"address": mail.sender[:320]},
        )


def _new_ticket(message: InboundMessage, mail: ParsedMail, *, lead: str = "") -> Outcome:
    requester = _requester_for_new_ticket(message, mail)
    if isinstance(requester, Outcome):
        return requester
    if not _within_sender_limit(message, mail.sender):
        raise _Hold(
            _("%(address)s opened %(count)s tickets by mail in %(minutes)s minutes, the most allowed.")
            % {
                "address": mail.sender,
                "count": settings.HELPDESK_INBOUND_SENDER_LIMIT,
                "minutes": settings.HELPDESK_INBOUND_SENDER_WINDOW_MINUTES,
            }
        )
    description, files = _body_and_files(mail, lead=lead)
    mailbox = message.mailbox
    ticket = ticket_create(
        requester=requester,
        subject=mail.subject.strip() or _("(no subject)"),
        description=description,
        urgency=Urgency.MEDIUM,
        category=mailbox.category if mailbox is not None else None,
        channel=Channel.EMAIL,
        attachments=files,
        level=mailbox.level if mailbox is not None and mailbox.level else None,
        source_message_id=mail.message_id if MESSAGE_ID.fullmatch(mail.message_id) else "",
    )
    return Outcome(InboundStatus.TICKET, _("Opened %(ref)s.") % {"ref": ticket.reference}, ticket=ticket)


def _reply(message: InboundMessage, mail: ParsedMail, ticket: Ticket) -> Outcome:
    if ticket.status == Status.CLOSED:
        lead = _("(This mail answered %(ref)s, which is closed.)") % {"ref": ticket.reference}
        return _new_ticket(message, mail, lead=lead)
    people = [person for person in _people_with(mail.sender) if person.is_active]
    author = next((person for person in people if person.pk == ticket.requester_id), None)
    if author is None:
        author = next((person for person in people if agent_levels(person)), None)
    if author is None:
        raise _Hold(
            _("%(address)s is neither the requester of %(ref)s nor support staff.")
            % {"address": mail.sender, "ref": ticket.reference}
        )
    body, files = _body_and_files(mail)
    try:
        comment = comment_add(ticket_id=ticket.pk, author=author, body=body, attachments=files, channel=Channel.EMAIL)
    except NotAllowedError as exc:
        raise _Hold(str(exc)) from exc
    except TransitionError:  # closed between the look and the lock
        lead = _("(This mail answered %(ref)s, which is closed.)") % {"ref": ticket.reference}
        return _new_ticket(message, mail, lead=lead)
    return Outcome(
        InboundStatus.COMMENT, _("Added to %(ref)s.") % {"ref": ticket.reference}, ticket=ticket, comment=comment
    )


def _vendor_reply(mail: ParsedMail, escalation: VendorEscalation) -> Outcome:
    """A vendor's answer about an escalated ticket: an internal note marked as theirs."""
    body, files = _body_and_files(mail)
    try:
        comment = vendor_reply_record(escalation_id=escalation.pk, sender=mail.sender, body=body, attachments=files)
    except (VendorError, TicketError) as exc:
        raise _Hold(exc.message) from exc
    return Outcome(
        InboundStatus.COMMENT,
        _("Added to %(ref)s as a note from the vendor.") % {"ref": comment.ticket.reference},
        ticket=comment.ticket,
        comment=comment,
    )


def _decide(message: InboundMessage) -> Outcome:
    try:
        with message.raw.open("rb") as handle:
            raw = handle.read()
    except (OSError, ValueError):
        return Outcome(InboundStatus.FAILED, _("The stored copy of the mail cannot be read."))
    try:
        mail = mail_parse(raw)
    except UnreadableMail as exc:
        return Outcome(InboundStatus.FAILED, str(exc))
    if _is_own_message_id(mail.message_id) or _own_address(mail.sender):
        return Outcome(InboundStatus.IGNORED, _("The helpdesk's own mail came back; it is never answered."))
    bounces = delivery_report(mail)
    if bounces is not None:
        for bounce in bounces:
            mail_address_failing_record(address=bounce.address, reason=bounce.diagnostic, status_code=bounce.status)
        addresses = ", ".join(bounce.address for bounce in bounces) or _("no address named")
        return Outcome(
            InboundStatus.IGNORED,
            _("A bounce (delivery status notification): marked as failing: %(addresses)s.") % {"addresses": addresses},
        )
    automatic = automatic_reason(mail)
    if automatic is not None:
        return Outcome(
            InboundStatus.IGNORED, _("An automatic message (%(why)s); it is never answered.") % {"why": automatic}
        )
    escalation = vendor_escalation_for_mail(thread_ids=mail.thread_ids, sender=mail.sender, subject=mail.subject)
    if escalation is not None:
        return _vendor_reply(mail, escalation)
    ticket_id = _matched_ticket_id(mail)
    if ticket_id is not None:
        ticket = Ticket.objects.get(pk=ticket_id)
        return _reply(message, mail, ticket)
    return _new_ticket(message, mail)


def inbound_email_process(*, message: InboundMessage) -> InboundMessage:
    """Process one recorded mail (a new one, or a held or failed one handed back): the
    ticket or comment and the message's status, reason, links, time and attempt count
    commit together. A message no longer waiting (processed meanwhile) is returned as it is."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        row = (
            InboundMessage.objects.select_for_update(of=("self",))
            .select_related("mailbox")
            .filter(pk=message.pk)
            .first()
        )
        if row is None or row.status not in RETRYABLE_STATUSES:
            return row or message
        try:
            with transaction.atomic():
                outcome = _decide(row)
        except _Hold as hold:
            outcome = Outcome(InboundStatus.HELD, str(hold))
        except DatabaseError:
            raise  # the database went away: left received, tried again
        except (TicketError, ValidationError) as exc:
            outcome = Outcome(InboundStatus.FAILED, " ".join(getattr(exc, "messages", [str(exc)])))
        except Exception as exc:  # a mail no rule foresaw: kept for an administrator
            outcome = Outcome(
                InboundStatus.FAILED,
                _("Processing failed (%(error)s). Process it again once the cause is fixed.")
                % {"error": f"{type(exc).__name__}: {exc}"[:500]},
            )
        row.status = outcome.status
        row.reason = outcome.reason
        row.ticket = outcome.ticket
        row.comment = outcome.comment
        row.processed_at = timezone.now()
        row.attempts = min(row.attempts + 1, 32767)
        row.save(update_fields=["status", "reason", "ticket", "comment", "processed_at", "attempts"])
    return row

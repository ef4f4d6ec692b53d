"""How a ticket's mail is threaded: the identifiers every outgoing message about a ticket
carries, and how an incoming reply is matched back to its ticket.

- Every ticket has a thread root, ``<HD-000123.<created>@<mail domain>>``: each message
  about the ticket names it in ``References`` (and ``In-Reply-To`` when it answers no
  particular mail), so every mail client shows the ticket as one conversation.
- Every message gets a reply address of its ticket: the helpdesk's reply mailbox with
  the reference and a short signature in its plus part,
  ``support+HD-000123.k3j9x2a1q0@example.org``. The signature (an HMAC of the reference
  under ``SECRET_KEY``) stops a sender from steering mail into a ticket by guessing
  addresses; who may add to the ticket is still checked by the ticket services.
- The subject carries ``[HD-000123]``, the last resort when a mail client drops both.
"""

import re
from collections.abc import Iterable
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.mail.utils import DNS_NAME
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from .models import REFERENCE_PREFIX, Ticket, pk_from_reference, reference_for

_SALT = "tickets.threading.reply-address"
_SIGNATURE_LENGTH = 10
_THREAD_ROOT = re.compile(r"<?HD-(\d{6,})\.(\d{14,20})@[^>\s]+>?", re.IGNORECASE)
_PLUS_TAG = re.compile(rf"\+HD-(\d{{6,}})\.([0-9a-z]{{{_SIGNATURE_LENGTH}}})@", re.IGNORECASE)
_SUBJECT_TAG = re.compile(r"\[\s*HD-(\d{6,})\s*\]", re.IGNORECASE)


# The line above which a reply by email is written: every ticket mail starts with it, and
# what a reply quotes from under it is trimmed from the comment it becomes.
REPLY_MARKER = _("Reply above this line")


def reply_markers() -> list[str]:
    """The marker in every language the helpdesk speaks (a reply may quote any of them)."""
    markers = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            markers.append(str(REPLY_MARKER))
    return list(dict.fromkeys(markers))


def mail_domain() -> str:
    """The domain of the helpdesk's sender address (the same on every host), else the host's."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or str(DNS_NAME)


def reply_mailbox() -> str:
    """The address replies go to: ``HELPDESK_REPLY_ADDRESS``, else the sender address."""
    _name, address = parseaddr(settings.HELPDESK_REPLY_ADDRESS or settings.DEFAULT_FROM_EMAIL)
    return address


def _signature(reference: str) -> str:
    digest = salted_hmac(_SALT, reference.upper(), algorithm="sha256").hexdigest()
    return format(int(digest, 16), "x")[:_SIGNATURE_LENGTH]


def ticket_thread_id(ticket: Ticket) -> str:
    """The ticket's thread root (a Message-ID no mail has, that every mail refers to)."""
    return f"<{ticket.reference}.{ticket.created_at:%Y%m%d%H%M%S%f}@{mail_domain()}>"


def ticket_subject_tag(ticket: Ticket) -> str:
    return f"[{ticket.reference}]"


def ticket_reply_address(ticket: Ticket) -> str:
    """The reply address of this ticket (plus addressing on the reply mailbox)."""
    local, _at, domain = reply_mailbox().rpartition("@")
    reference = ticket.reference
    return f"{local}+{reference}.{_signature(reference)}@{domain}"


def ticket_id_from_thread(message_ids: Iterable[str]) -> int | None:
    """The ticket whose thread root one of these Message-IDs (``In-Reply-To`` first,
    then ``References`` newest first) is, checked against the ticket's creation time."""
    for message_id in message_ids:
        match = _THREAD_ROOT.search(message_id or "")
        if match is None:
            continue
        pk = int(match.group(1))
        created = Ticket.objects.filter(pk=pk).values_list("created_at", flat=True).first()
        if created is not None and f"{created:%Y%m%d%H%M%S%f}" == match.group(2):
            return pk
    return None


def ticket_id_from_addresses(addresses: Iterable[str]) -> int | None:
    """The ticket named by a signed reply address among these (To, Cc, Delivered-To…)."""
    for _name, address in getaddresses(list(addresses)):
        match = _PLUS_TAG.search(address)
        if match is None:
            continue
        reference = reference_for(int(match.group(1)))
        if constant_time_compare(match.group(2).lower(), _signature(reference)):
            return int(match.group(1))
    return None


def ticket_id_from_subject(subject: str) -> int | None:
    """The ticket named by ``[HD-000123]`` in a subject, if that ticket exists."""
    match = _SUBJECT_TAG.search(subject or "")
    if match is None:
        return None
    pk = pk_from_reference(f"{REFERENCE_PREFIX}{match.group(1)}")
    return pk if pk is not None and Ticket.objects.filter(pk=pk).exists() else None

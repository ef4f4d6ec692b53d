"""Every read of the inbound channels: mailboxes and inbound mail, and who a member of
staff may log a call or chat for."""

import re

import phonenumbers
from django.conf import settings
from django.db.models import Count, Q, QuerySet

from accounts.selectors import callers
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket, pk_from_reference

from .models import InboundMessage, Mailbox

# What the lookup shows of a caller, and no more.
CALLER_FIELDS = ("id", "username", "first_name", "last_name", "email", "phone")
LOOKUP_LIMIT = 10
# Long enough for any name, address or number; a longer query finds nobody.
QUERY_MAX = 100
DIGITS = re.compile(r"\d")


def _phone_forms(query: str) -> list[str]:
    """The E.164 number a typed phone number stands for ("0812-3456-7890" →
    "+6281234567890"), and the bare digits for a part of one."""
    forms: list[str] = []
    try:
        number = phonenumbers.parse(query, settings.HELPDESK_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        forms.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return forms


def caller_search(*, query: str, limit: int = LOOKUP_LIMIT) -> QuerySet:
    """Callers whose name, email address or phone number match what the agent typed
    (every word somewhere, case-insensitively; a phone number as typed or as E.164), with
    their open tickets counted: at most ``limit`` people, in one query."""
    query = " ".join((query or "").replace("\x00", "").split())[:QUERY_MAX]
    if not query:
        return callers().none()
    condition = Q()
    for word in query.split():
        word_match = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        digits = "".join(DIGITS.findall(word))
        if len(digits) >= 4:
            word_match |= Q(phone__contains=digits.lstrip("0"))
        condition &= word_match
    for e164 in _phone_forms(query):
        condition |= Q(phone=e164)
    return (
        callers()
        .filter(condition)
        .annotate(open_tickets=Count("requested_tickets", filter=Q(requested_tickets__status__in=OPEN_STATUSES)))
        .only(*CALLER_FIELDS)
        .order_by("first_name", "last_name", "pk")[:limit]
    )


def caller_get(*, pk):
    """The caller with this id, or None when there is none (or it is staff, or no id)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return callers().filter(pk=pk).first()


def caller_open_tickets(*, caller) -> QuerySet[Ticket]:
    """The caller's open tickets, newest first, for adding a logged call to one."""
    return (
        Ticket.objects.filter(requester=caller, status__in=OPEN_STATUSES)
        .only("id", "subject", "status", "level", "created_at")
        .order_by("-created_at", "-id")[:50]
    )


def caller_ticket(*, caller, reference: str) -> Ticket | None:
    """The caller's own ticket of this reference (any status), or None."""
    pk = pk_from_reference(reference or "")
    if pk is None or pk >= 2**63:
        return None
    return Ticket.objects.filter(pk=pk, requester=caller).first()


def mailbox_ids_active() -> list[int]:
    return list(Mailbox.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))


def mailboxes_for_fetch(*, name: str | None = None) -> QuerySet[Mailbox]:
    """The active mailboxes, or the one of that name (active or not)."""
    if name:
        return Mailbox.objects.filter(name=name).order_by("pk")
    return Mailbox.objects.filter(is_active=True).order_by("pk")


def inbound_messages_admin() -> QuerySet[InboundMessage]:
    return InboundMessage.objects.select_related("mailbox", "ticket")

"""Reads of the canned replies: which ones a person sees, and a reply filled in for a ticket."""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import translation

from accounts.choices import Level
from accounts.selectors import agent_can_act_at, agent_levels
from tickets.choices import OPEN_STATUSES, Impact, Status, Urgency
from tickets.models import Ticket

from .models import CannedReply
from .placeholders import placeholders_fill

PICKER_LIMIT = 20


def canned_replies_of(*, user) -> QuerySet[CannedReply]:
    """The replies on a person's own page: their personal ones and those shared with the
    levels they work (every level for supervisors and administrators)."""
    levels = agent_levels(user)
    if not levels:
        return CannedReply.objects.none()
    return CannedReply.objects.filter(Q(owner=user) | Q(level__in=levels)).order_by("level", "title", "id")


def canned_replies_for_ticket(*, user, ticket: Ticket, query: str = "") -> QuerySet[CannedReply]:
    """The replies the picker offers on a ticket: the person's own and those shared with
    the ticket's level, and only to staff who may act at that level (nobody else may reply
    as staff there). ``query`` narrows them to the ones whose title or text holds it."""
    if not agent_levels(user) or not agent_can_act_at(user, ticket.level):
        return CannedReply.objects.none()
    replies = CannedReply.objects.filter(Q(owner=user) | Q(level=ticket.level))
    query = " ".join((query or "").replace("\x00", "").split())[:100]
    if query:
        replies = replies.filter(Q(title__icontains=query) | Q(body_en__icontains=query) | Q(body_id__icontains=query))
    return replies.order_by("title", "id")[:PICKER_LIMIT]


def canned_reply_for_ticket(*, user, ticket: Ticket, reply_id: int) -> CannedReply | None:
    """One reply the picker may offer on this ticket, or None."""
    if not agent_levels(user) or not agent_can_act_at(user, ticket.level):
        return None
    return CannedReply.objects.filter(Q(owner=user) | Q(level=ticket.level), pk=reply_id).first()


def ticket_language(ticket: Ticket) -> str:
    """The language the ticket's conversation is in: its requester's."""
    return ticket.requester.language or settings.LANGUAGE_CODE


def person_name(person) -> str:
    return person.get_full_name().strip() or person.get_username()


def canned_reply_filled(*, reply: CannedReply, ticket: Ticket, agent) -> dict:
    """The reply as it will be sent on this ticket by this agent: in the requester's
    language (else the other text), placeholders filled in as plain text, and the changes
    to the ticket it makes when sent (only those the ticket can take now)."""
    language = ticket_language(ticket)
    with translation.override(language):
        values = {
            "requester_first_name": ticket.requester.first_name.strip() or ticket.requester.get_username(),
            "ticket_reference": ticket.reference,
            "agent_name": person_name(agent),
            "level": str(Level(ticket.level).label),
        }
    text = placeholders_fill(reply.body_for(language), values)
    changes = {"status": "", "impact": "", "urgency": ""}
    labels = []
    # A ticket waiting on a vendor changes status only with its vendor escalation.
    if reply.set_status and reply.set_status != ticket.status and ticket.status != Status.PENDING_VENDOR:
        changes["status"] = reply.set_status
        labels.append(str(Status(reply.set_status).label))
    if ticket.status in OPEN_STATUSES:
        if reply.set_impact and reply.set_impact != ticket.impact:
            changes["impact"] = reply.set_impact
            labels.append(str(Impact(reply.set_impact).label))
        if reply.set_urgency and reply.set_urgency != ticket.urgency:
            changes["urgency"] = reply.set_urgency
            labels.append(str(Urgency(reply.set_urgency).label))
    return {
        "id": reply.pk,
        "title": reply.title,
        "language": language,
        "text": text,
        "changes": changes,
        "labels": labels,
    }

"""Who hears of what happens to a ticket, and what outside systems are sent about it."""

import json
from collections.abc import Iterable
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext

from accounts.selectors import level_agents
from notifications.choices import REQUESTER_KINDS, NotificationKind
from notifications.services import notification_queue

from ..models import Ticket, TicketWatcher
from ..threading import REPLY_MARKER, ticket_reply_address, ticket_subject_tag, ticket_thread_id

LEVEL_KINDS = {NotificationKind.ESCALATED, NotificationKind.DE_ESCALATED}
ASSIGNEE_KINDS = {NotificationKind.REQUESTER_REPLIED, NotificationKind.REOPENED}
# To the assignee, or to the level's agents while nobody holds the ticket.
HOLDER_KINDS = {NotificationKind.SNOOZE_ENDED}
TICKET_HEADER = "X-Helpdesk-Ticket"


def ticket_audience(*, kind: str, ticket: Ticket, actor) -> list:
    """Who a notification of this kind is for (before their own preferences):

    - ticket created, reply, resolved, merged: the requester, and those who follow the
      ticket (colleagues copied in, staff of other levels) but not the person who did it;
    - escalated, sent back down: the agents of the ticket's (new) level, but not the
      person who moved it;
    - requester replied, reopened: the assignee (nobody while unassigned: the ticket is
      in its level's unassigned queue), unless they did it themselves;
    - back from snooze: the assignee, or the agents of its level while unassigned.
    """
    if kind in REQUESTER_KINDS:
        return [ticket.requester, *ticket_watchers_to_tell(ticket=ticket, actor=actor)]
    if kind in LEVEL_KINDS:
        agents = level_agents(level=ticket.level)
        if actor is not None:
            agents = agents.exclude(pk=actor.pk)
        return list(agents)
    if kind in HOLDER_KINDS:
        return [ticket.assignee] if ticket.assignee is not None else list(level_agents(level=ticket.level))
    if kind in ASSIGNEE_KINDS:
        assignee = ticket.assignee
        return [assignee] if assignee is not None and (actor is None or assignee.pk != actor.pk) else []
    raise ValueError(f"No audience for notification kind {kind!r}")  # pragma: no cover - a programming error


def ticket_watchers_to_tell(*, ticket: Ticket, actor) -> list:
    """Who follows the ticket, but neither its requester nor ``actor``, in the order they
    started following (one query)."""
    watchers = TicketWatcher.objects.filter(ticket=ticket).exclude(user_id=ticket.requester_id).select_related("user")
    if actor is not None:
        watchers = watchers.exclude(user_id=actor.pk)
    return [watcher.user for watcher in watchers.order_by("created_at", "id")]


# What only the requester's own copy of a mail carries: the signed links that rate the
# work on their behalf.
REQUESTER_ONLY_CONTEXT = ("rating_links",)


def helpdesk_mail_name() -> str:
    """The name the helpdesk signs its mail with: the display name of the reply address,
    else of the sender address, else "IT Helpdesk" in the helpdesk's language."""
    for configured in (settings.HELPDESK_REPLY_ADDRESS, settings.DEFAULT_FROM_EMAIL):
        name, _address = parseaddr(configured or "")
        if name:
            return name
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("IT Helpdesk")


def ticket_mail_headers(ticket: Ticket) -> dict[str, str]:
    """The headers that make every mail about a ticket one conversation that replies come
    back to: the thread root in ``References`` and ``In-Reply-To``, and the ticket's
    signed reply address as ``Reply-To`` (tickets/threading.py). A ticket opened by mail
    answers that mail: its Message-ID leads ``References`` and is the ``In-Reply-To``."""
    thread = ticket_thread_id(ticket)
    first = ticket.source_message_id
    return {
        TICKET_HEADER: ticket.reference,
        "References": f"{first} {thread}" if first else thread,
        "In-Reply-To": first or thread,
        "Reply-To": formataddr((helpdesk_mail_name(), ticket_reply_address(ticket))),
    }


def ticket_webhook_payload(*, event: str, ticket: Ticket, data: dict) -> str:
    """The body of one event: the ticket as the API shows its summary, and what happened."""
    person = ticket.assignee
    payload = {
        "event": event,
        "ticket": {
            "reference": ticket.reference,
            "url": settings.HELPDESK_BASE_URL + ticket.get_absolute_url(),
            "api_url": f"{settings.HELPDESK_BASE_URL}/api/v1/tickets/{ticket.reference}/",
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "level": ticket.level,
            "channel": ticket.channel,
            "category": ticket.category.name if ticket.category is not None else None,
            "requester": {"id": ticket.requester_id, "username": ticket.requester.username},
            "assignee": {"id": person.pk, "username": person.username} if person is not None else None,
            "created_at": ticket.created_at,
            "updated_at": ticket.updated_at,
            "sla_due_at": ticket.sla_due_at,
        },
        "data": data,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def ticket_notify(
    *,
    kind: str,
    ticket: Ticket,
    actor=None,
    people: Iterable | None = None,
    context: dict | None = None,
    data: dict | None = None,
) -> list:
    """Queue the notifications of one ticket event: to ``people``, or to the audience the
    kind has (``ticket_audience``); outside systems subscribed to it get the ticket and
    ``data``. In the caller's transaction, handed to workers once it commits. Every email
    is threaded on the ticket and answerable (``ticket_mail_headers``), its subject
    tagged ``[HD-000123]`` once, and its text starts with the reply marker."""
    audience = ticket_audience(kind=kind, ticket=ticket, actor=actor) if people is None else list(people)
    context = {"reply_marker": REPLY_MARKER, **(context or {})}

    def queue(people: list, context: dict, *, webhooks: bool) -> list:
        return notification_queue(
            kind=kind,
            people=people,
            ticket=ticket,
            priority=ticket.priority,
            context=context,
            headers=ticket_mail_headers(ticket),
            subject_tag=ticket_subject_tag(ticket),
            webhook_body=(
                (lambda event: ticket_webhook_payload(event=event, ticket=ticket, data=data or {}))
                if webhooks
                else None
            ),
        )

    # Those who follow the ticket get the requester's news without what is the requester's alone.
    followers = [person for person in audience if person.pk != ticket.requester_id]
    if kind in REQUESTER_KINDS and followers and any(key in context for key in REQUESTER_ONLY_CONTEXT):
        owners = [person for person in audience if person.pk == ticket.requester_id]
        shared = {key: value for key, value in context.items() if key not in REQUESTER_ONLY_CONTEXT}
        return queue(followers, shared, webhooks=False) + queue(owners, context, webhooks=True)
    return queue(audience, context, webhooks=True)

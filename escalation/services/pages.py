"""Pages: an urgent SMS to the people a ticket needs now, sent again until one answers.

A supervisor page (an escalation rule says so) and a P1 breach are pages. Each records
the people its SMS went to; until one of them (or anyone who works the ticket's level)
answers ``ACK HD-000123`` — or ``ACK`` alone, for the latest page they got — the sweep
sends it again every ``HELPDESK_PAGE_REPEAT_MINUTES``, ``HELPDESK_PAGE_REPEAT_LIMIT``
times at most, and stops once the ticket is resolved or closed. Each repeat is claimed
with a conditional UPDATE, so two sweeps at once never send it twice.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import agent_can_act_at, agent_levels
from notifications.choices import NotificationChannel, NotificationKind
from notifications.services import notification_queue
from tickets.choices import OPEN_STATUSES, Channel
from tickets.models import Ticket
from tickets.services import ticket_notify, ticket_page_acknowledged

from ..models import Page

# Pages repeated by one sweep at most; the rest wait for the next one.
REPEAT_BATCH = 200
# The priority whose SLA breach is a page.
PAGE_PRIORITY = 1


class PageError(Exception):
    """A page that cannot be acknowledged by this person; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _first_repeat_at(now: datetime) -> datetime | None:
    if settings.HELPDESK_PAGE_REPEAT_LIMIT <= 0:
        return None
    return now + timedelta(minutes=settings.HELPDESK_PAGE_REPEAT_MINUTES)


def _context(page: Page, *, rule=None, sla_event=None) -> dict:
    """What the page's messages say: the rule that paged, or the SLA event."""
    context: dict = {"page": page}
    rule = rule or page.rule
    if rule is not None:
        context.update(rule=rule, from_level=rule.get_level_display())
    if sla_event or page.sla_event:
        context["event"] = sla_event or page.sla_event
    return context


def page_send(*, ticket: Ticket, kind: str, people, rule=None, sla_event=None, data: dict | None = None) -> list:
    """Notify ``people`` of ``ticket`` (email and SMS, by their preferences) as a page:
    the SMS asks for ``ACK``, and those it went to are paged until one answers. Returns
    the notifications written; no page is kept when nobody gets an SMS."""
    now = timezone.now()
    page = Page(
        ticket=ticket,
        kind=kind,
        rule=rule if rule is not None and rule.pk else None,
        sla_event=sla_event if sla_event is not None and sla_event.pk else None,
        created_at=now,
        next_repeat_at=_first_repeat_at(now),
    )
    context = _context(page, rule=rule, sla_event=sla_event)
    rows = ticket_notify(kind=kind, ticket=ticket, people=people, context=context, data=data)
    texted = {row.recipient_id for row in rows if row.channel == NotificationChannel.SMS}
    if texted:
        page.save()
        page.paged.set(texted)
    return rows


def page_is_for(*, ticket: Ticket, kind: str) -> bool:
    """Whether a notice of this kind about this ticket goes out as a page."""
    return kind == NotificationKind.SUPERVISOR_PAGE or (
        kind == NotificationKind.SLA_BREACH and ticket.priority == PAGE_PRIORITY
    )


def pages_repeat(*, now: datetime | None = None) -> int:
    """Send again, by SMS, every page due a repeat; stop the pages of finished tickets.
    Returns the number of pages repeated."""
    now = now or timezone.now()
    Page.objects.filter(next_repeat_at__isnull=False).exclude(ticket__status__in=OPEN_STATUSES).update(
        next_repeat_at=None
    )
    due = list(
        Page.objects.filter(next_repeat_at__lte=now, acknowledged_at__isnull=True)
        .select_related("ticket", "ticket__assignee", "ticket__requester", "rule", "sla_event")
        .prefetch_related("paged")
        .order_by("next_repeat_at", "id")[:REPEAT_BATCH]
    )
    repeated = 0
    for page in due:
        number = page.repeats_sent + 1
        following = (
            now + timedelta(minutes=settings.HELPDESK_PAGE_REPEAT_MINUTES)
            if number < settings.HELPDESK_PAGE_REPEAT_LIMIT
            else None
        )
        with transaction.atomic():
            claimed = Page.objects.filter(
                pk=page.pk, next_repeat_at=page.next_repeat_at, acknowledged_at__isnull=True
            ).update(repeats_sent=F("repeats_sent") + 1, next_repeat_at=following)
            if not claimed:
                continue
            page.repeats_sent = number
            notification_queue(
                kind=page.kind,
                people=page.paged.all(),
                ticket=page.ticket,
                priority=page.ticket.priority,
                context={**_context(page), "repeat": number},
                channels=(NotificationChannel.SMS,),
            )
            repeated += 1
    return repeated


def page_acknowledge(*, by, ticket: Ticket | None = None, channel: str = Channel.SMS) -> Ticket:
    """``by`` answers the pages waiting about ``ticket`` (every one of them), or, without
    a ticket, those about the ticket of the latest page they got. Stops their repeats and
    records it on the ticket. Refused, with the reason, when none is waiting for them."""
    if not agent_levels(by):
        raise PageError(_("Only support staff can acknowledge a page."))
    waiting = Page.objects.filter(acknowledged_at__isnull=True)
    if ticket is None:
        latest = waiting.filter(paged=by).select_related("ticket").order_by("-created_at", "-id").first()
        if latest is None:
            raise PageError(_("No page is waiting for you."))
        ticket = latest.ticket
    elif not (waiting.filter(ticket=ticket, paged=by).exists() or agent_can_act_at(by, ticket.level)):
        raise PageError(_("No page about %(ref)s is waiting for you.") % {"ref": ticket.reference})
    now = timezone.now()
    with transaction.atomic():
        answered = waiting.filter(ticket=ticket).update(acknowledged_at=now, acknowledged_by=by, next_repeat_at=None)
        if not answered:
            raise PageError(_("No page about %(ref)s is waiting for you.") % {"ref": ticket.reference})
        ticket_page_acknowledged(ticket=ticket, by=by, channel=channel, at=now)
    return ticket

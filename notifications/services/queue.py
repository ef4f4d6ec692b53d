"""The notification outbox: rows written with the change they announce, delivered by workers."""

import re
from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..choices import WEBHOOK_EVENTS, NotificationChannel
from ..models import Notification, NotificationPreference
from ..selectors import notification_preferences_of, webhook_endpoints_active
from ..sms.text import sms_fit
from .delivery import notification_enqueue
from .unsubscribe import unsubscribe_headers, unsubscribe_url

WEBHOOK_EVENT_FOR_KIND: dict[str, str] = {str(kind): event for event, kind in WEBHOOK_EVENTS.items()}
# Quiet hours never hold back an SMS about a ticket of this priority.
URGENT_PRIORITY = 1
# Plain text (subjects, text bodies, SMS) is rendered by the template engine that does not
# escape HTML; the HTML body by the one that does (settings.TEMPLATES).
TEXT_ENGINE = "text"


def subject_tagged(subject: str, tag: str) -> str:
    """The subject with ``tag`` (``[HD-000123]``) at its start and nowhere else, however
    often (and however spaced) a template, a translation or the ticket's own subject put it
    there; whitespace, line breaks included, folded to single spaces."""
    if tag:
        inner = re.escape(tag.strip("[] "))
        subject = re.sub(rf"\[\s*{inner}\s*\]", " ", subject, flags=re.IGNORECASE)
    subject = " ".join(subject.split())
    return f"{tag} {subject}".strip() if tag else subject


def _render(
    *, kind: str, channel: str, recipient, context: dict, language: str | None = None, subject_tag: str = ""
) -> dict[str, str]:
    """The subject and bodies of one message, in the recipient's language (else
    ``language``, else the helpdesk's) and time zone; an email's subject carries
    ``subject_tag`` exactly once."""
    with (
        translation.override(recipient.language or language or settings.LANGUAGE_CODE),
        timezone.override(recipient.time_zone or settings.TIME_ZONE),
    ):
        if channel == NotificationChannel.SMS:
            text = render_to_string(f"sms/{kind}.txt", context, using=TEXT_ENGINE)
            return {"subject": "", "body_text": sms_fit(text)}
        subject = render_to_string(f"emails/{kind}_subject.txt", context, using=TEXT_ENGINE)
        return {
            "subject": subject_tagged(subject, subject_tag)[:255],
            "body_text": render_to_string(f"emails/{kind}_body.txt", context, using=TEXT_ENGINE).strip() + "\n",
            "body_html": render_to_string(f"emails/{kind}_body.html", context),
        }


def _webhook_rows(*, kind: str, ticket, body: Callable[[str], str] | None, now) -> list[Notification]:
    """One delivery per active endpoint subscribed to the event this kind announces."""
    event = WEBHOOK_EVENT_FOR_KIND.get(kind)
    if event is None or body is None:
        return []
    endpoints = [endpoint for endpoint in webhook_endpoints_active() if event in (endpoint.events or [])]
    if not endpoints:
        return []
    payload = body(event)
    return [
        Notification(
            kind=kind,
            channel=NotificationChannel.WEBHOOK,
            ticket=ticket,
            webhook=endpoint,
            address=endpoint.url,
            subject=event,
            body_text=payload,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]


def notification_queue(
    *,
    kind: str,
    people: Iterable,
    ticket=None,
    priority: int | None = None,
    context: dict | None = None,
    headers: dict[str, str] | None = None,
    webhook_body: Callable[[str], str] | None = None,
    language: str | None = None,
    subject_tag: str = "",
    channels: Iterable[str] = (NotificationChannel.EMAIL, NotificationChannel.SMS),
) -> list[Notification]:
    """Write the outbox rows for one event, in the caller's transaction, and hand them to
    Celery once it commits. The caller says who hears of it (``people``) and what it is
    about (``ticket``, whose ``priority`` the SMS preferences weigh, or None for mail
    about a person's own account); each person's preferences decide the channels: email
    to the address on the account, SMS to the mobile number. An SMS that falls in the
    person's quiet hours waits until they end, unless the ticket is P1. Outside systems
    subscribed to the event get ``webhook_body(event)``, built only when one is. Each
    message is written in its recipient's language; for one who never chose a language,
    in ``language`` if given (the one their browser asked for), else the helpdesk's. An
    email's subject carries ``subject_tag`` exactly once, at its start; an email the person
    may turn off carries a signed one-click unsubscribe link (``List-Unsubscribe``) of its
    own. ``channels`` narrows the channels tried (a page's repeat goes by SMS alone)."""
    people = list(people)
    channels = set(channels)
    preferences = notification_preferences_of([person.pk for person in people])
    now = timezone.now()
    base_context = {**(context or {}), "ticket": ticket}
    if ticket is not None:
        base_context["ticket_url"] = settings.HELPDESK_BASE_URL + ticket.get_absolute_url()
    rows: list[Notification] = []
    for person in people:
        preference = preferences.get(person.pk) or NotificationPreference(user=person)
        for channel, address in ((NotificationChannel.EMAIL, person.email), (NotificationChannel.SMS, person.phone)):
            if channel not in channels or not address:
                continue
            if not preference.wants(kind=kind, channel=channel, priority=priority):
                continue
            not_before = now
            if channel == NotificationChannel.SMS and priority != URGENT_PRIORITY:
                not_before = preference.quiet_until(at=now, time_zone=person.time_zone) or now
            row_headers: dict[str, str] = {}
            unsubscribe = ""
            if channel == NotificationChannel.EMAIL:
                unsubscribe = unsubscribe_url(user=person, kind=kind)
                row_headers = {**(headers or {}), **unsubscribe_headers(unsubscribe)}
            rendered = _render(
                kind=kind,
                channel=channel,
                recipient=person,
                context={**base_context, "recipient": person, "unsubscribe_url": unsubscribe},
                language=language,
                subject_tag=subject_tag,
            )
            rows.append(
                Notification(
                    kind=kind,
                    channel=channel,
                    ticket=ticket,
                    recipient=person,
                    address=address,
                    headers=row_headers,
                    next_attempt_at=not_before,
                    **rendered,
                )
            )
    rows += _webhook_rows(kind=kind, ticket=ticket, body=webhook_body, now=now)
    if rows:
        Notification.objects.bulk_create(rows)
        due_now = [(row.pk, row.channel) for row in rows if row.next_attempt_at <= now]
        if due_now:
            transaction.on_commit(partial(notification_enqueue, due_now))
    return rows

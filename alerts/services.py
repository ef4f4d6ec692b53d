"""Monitoring alerts in: each POST is recorded as it came (``AlertDelivery``) and answered,
then a worker turns its alerts into Level II tickets.

One ticket per alert key. Every key has one ``Alert`` row (a unique constraint); a
delivery inserts the rows it lacks with ON CONFLICT DO NOTHING and then locks its rows in
key order, so two deliveries of the same alert at once (Alertmanager's replicas each send
it) meet on one row: the first opens the ticket and pages, the second counts a repeat.
Repeats are one set-based UPDATE of the count and the time last seen, and leave the
ticket alone. A firing alert whose ticket was resolved within HELPDESK_ALERTS_REOPEN_HOURS
reopens it; a resolved alert says so on the ticket and, when nobody has worked it,
resolves it (HELPDESK_ALERTS_AUTO_RESOLVE).

The monitoring account (HELPDESK_ALERTS_ACCOUNT) is the requester of these tickets:
what the tool says is its reply on its own ticket, which the assignee hears of.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from accounts.choices import Level
from accounts.selectors import level_agents, level_supervisors
from assets.services import ticket_asset_link_found
from escalation.services import page_send
from notifications.choices import NotificationKind
from notifications.models import NotificationPreference
from tickets.choices import OPEN_STATUSES, Channel, Impact, Status, Urgency
from tickets.exceptions import TicketError
from tickets.models import Ticket
from tickets.services import comment_add, ticket_create, ticket_reopen, ticket_resolve

from .choices import AlertSource, AlertState, DeliveryStatus
from .models import Alert, AlertDelivery
from .parsing import IncomingAlert, alerts_read, payload_check
from .selectors import alert_category, alert_ticket_worked, asset_for_host, severity_priority

logger = logging.getLogger(__name__)

# A refused body is kept up to this many characters (an accepted one whole).
REFUSED_BODY_MAX = 64 * 1024
# The (impact, urgency) that give each priority in the ITIL matrix.
PRIORITY_SHAPES = {
    1: (Impact.HIGH, Urgency.HIGH),
    2: (Impact.HIGH, Urgency.MEDIUM),
    3: (Impact.MEDIUM, Urgency.MEDIUM),
    4: (Impact.LOW, Urgency.LOW),
}
PAGE_PRIORITY = 1
SUBJECT_MAX = 200


def _body_text(body: bytes | str, limit: int | None = None) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    # PostgreSQL's text cannot hold NUL; the JSON escape \u0000 is kept as written.
    text = text.replace("\x00", "\ufffd")
    return text if limit is None else text[:limit]


def monitoring_account():
    """The service account alert tickets are filed by (HELPDESK_ALERTS_ACCOUNT), made on
    first use: not staff, no password (it cannot sign in), essential mail only."""
    user_model = get_user_model()
    username = settings.HELPDESK_ALERTS_ACCOUNT
    account = user_model.objects.filter(username=username).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            account = user_model(username=username, first_name=_("Monitoring"), is_staff=False, is_active=True)
            account.set_unusable_password()
            account.save()
            NotificationPreference.objects.create(user=account, essential_email_only=True)
    except IntegrityError:  # made at the same moment by another request
        account = user_model.objects.get(username=username)
    return account


def alert_delivery_refuse(*, source: str, body: bytes | str, sender, address: str, reason: str) -> AlertDelivery:
    """Keep a refused POST with the reason, for the administrator (read-only in the admin)."""
    text = _body_text(body)
    return AlertDelivery.objects.create(
        source=source,
        sender=sender if sender is not None and sender.pk else None,
        address=address[:64],
        body=text[:REFUSED_BODY_MAX],
        size=len(body),
        status=DeliveryStatus.REFUSED,
        reason=_body_text(reason, 5000),
        processed_at=timezone.now(),
    )


def alert_delivery_record(*, source: str, body: bytes | str, sender, address: str, alert_count: int) -> AlertDelivery:
    """Record a checked POST as it came, to be processed (``alert_delivery_process``)."""
    return AlertDelivery.objects.create(
        source=source,
        sender=sender if sender is not None and sender.pk else None,
        address=address[:64],
        body=_body_text(body),
        size=len(body),
        alert_count=alert_count,
    )


@dataclass
class Outcome:
    """What one delivery did, for the log and the tests."""

    opened: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    repeats: int = 0
    paged: list[int] = field(default_factory=list)


def alert_delivery_process(*, delivery_id: int) -> Outcome | None:
    """Turn a recorded delivery's alerts into tickets, once: a delivery already processed
    (a task delivered twice) or being processed by another worker is left alone. A
    payload the helpdesk cannot act on marks the delivery failed, with the reason."""
    try:
        with transaction.atomic():
            delivery = (
                AlertDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk=delivery_id, status=DeliveryStatus.RECEIVED)
                .first()
            )
            if delivery is None:
                return None
            with translation.override(settings.LANGUAGE_CODE):
                incoming = alerts_read(
                    source=delivery.source, data=payload_check(source=delivery.source, data=json.loads(delivery.body))
                )
                outcome = alerts_apply(source=delivery.source, incoming=incoming, at=delivery.received_at)
            delivery.status = DeliveryStatus.PROCESSED
            delivery.processed_at = timezone.now()
            delivery.save(update_fields=["status", "processed_at"])
    except (TicketError, ValidationError, ValueError, OverflowError) as error:
        reason = getattr(error, "message", None) or str(error)
        logger.warning("Alert delivery %s could not be processed: %s", delivery_id, reason)
        AlertDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.RECEIVED).update(
            status=DeliveryStatus.FAILED, reason=str(reason)[:5000], processed_at=timezone.now()
        )
        return None
    return outcome


def _source_name(source: str) -> str:
    return str(AlertSource(source).label)


def _subject(alert: IncomingAlert) -> str:
    parts = [alert.name]
    if alert.host:
        parts.append(_("on %(host)s") % {"host": alert.host})
    subject = " ".join(parts)
    if alert.summary:
        subject = f"{subject}: {alert.summary}"
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1].rstrip() + "…"


def _description(alert: IncomingAlert, source: str) -> str:
    lines = [
        _("%(source)s reports this alert as firing since %(at)s.")
        % {"source": _source_name(source), "at": _when(alert.starts_at or timezone.now())}
    ]
    if alert.summary:
        lines += ["", alert.summary]
    if alert.description:
        lines += ["", alert.description]
    if alert.labels:
        lines += ["", _("Labels:")] + [f"  {name}={value}" for name, value in sorted(alert.labels.items())]
    if alert.url:
        lines += ["", alert.url]
    return "\n".join(lines)


def _when(at: datetime) -> str:
    try:
        return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S %Z")
    except OverflowError:  # a time at the edge of what datetime holds, shifted past it
        return at.isoformat()


def _page_people(ticket: Ticket) -> list:
    people = list(level_agents(level=ticket.level))
    return people + [person for person in level_supervisors(level=ticket.level) if person not in people]


def _open_ticket(row: Alert, alert: IncomingAlert, source: str, account, outcome: Outcome) -> Ticket:
    priority = severity_priority(severity=alert.severity)
    impact, urgency = PRIORITY_SHAPES[priority]
    ticket = ticket_create(
        requester=account,
        subject=_subject(alert),
        description=_description(alert, source),
        impact=impact,
        urgency=urgency,
        category=alert_category(labels=alert.labels),
        channel=Channel.MONITORING,
        level=Level.II,
    )
    asset = asset_for_host(host=alert.host)
    if asset is not None:
        ticket_asset_link_found(ticket=ticket, asset=asset, by=account)
    if ticket.priority == PAGE_PRIORITY:
        # One page per ticket: repeats, re-notifications and reopenings never page again.
        page_send(ticket=ticket, kind=NotificationKind.ALERT_PAGE, people=_page_people(ticket), data={"alert": row.key})
        outcome.paged.append(ticket.pk)
    outcome.opened.append(ticket.pk)
    return ticket


def _resolve(row: Alert, source: str, account, at: datetime, outcome: Outcome) -> None:
    ticket = row.ticket
    assert ticket is not None  # noqa: S101 - only called for a row with an open ticket
    worked = alert_ticket_worked(ticket=ticket)
    comment_add(
        ticket_id=ticket.pk,
        author=account,
        body=_("%(source)s says this alert is resolved at %(at)s.") % {"source": _source_name(source), "at": _when(at)},
        channel=Channel.MONITORING,
    )
    if worked or not settings.HELPDESK_ALERTS_AUTO_RESOLVE:
        return  # the reply above is what the assignee hears of
    try:
        with transaction.atomic():
            ticket_resolve(
                ticket_id=ticket.pk,
                by=account,
                by_system=True,
                resolution=_("The alert cleared by itself and nobody had worked the ticket, so it was resolved."),
            )
    except TicketError as error:  # a checklist step left, a vendor waited on: people decide
        logger.info("Alert ticket %s left open on resolution: %s", ticket.pk, error)
        return
    outcome.resolved.append(ticket.pk)


def alerts_apply(*, source: str, incoming: list[IncomingAlert], at: datetime) -> Outcome:
    """Apply a delivery's alerts (received at ``at``) in the caller's transaction."""
    outcome = Outcome()
    if not incoming:
        return outcome
    account = monitoring_account()
    incoming = sorted(incoming, key=lambda alert: alert.key)
    keys = [alert.key for alert in incoming]
    # Rows for keys never seen, inserted in key order (so concurrent deliveries take their
    # index locks in one order), then every row of the delivery locked in that order.
    Alert.objects.bulk_create(
        [
            Alert(source=source, key=key, fire_count=0, first_seen_at=at, last_seen_at=at, state=AlertState.RESOLVED)
            for key in keys
        ],
        ignore_conflicts=True,
    )
    rows = {
        row.key: row
        for row in Alert.objects.select_for_update(of=("self",))
        .filter(source=source, key__in=keys)
        .select_related("ticket")
        .order_by("key")
    }
    reopen_after = timezone.now() - timedelta(hours=settings.HELPDESK_ALERTS_REOPEN_HOURS)
    repeats: dict[int, list[int]] = {}
    for alert in incoming:
        row = rows[alert.key]
        ticket = row.ticket
        stale = row.fire_count > 0 and at < row.last_seen_at
        changes = ["last_seen_at", "name", "severity", "host", "labels", "state"]
        if alert.state == AlertState.FIRING:
            if stale or (ticket is not None and ticket.status in OPEN_STATUSES and row.state == AlertState.FIRING):
                repeats.setdefault(alert.times, []).append(row.pk)
                outcome.repeats += alert.times
                continue
            if ticket is not None and ticket.status in OPEN_STATUSES:
                comment_add(
                    ticket_id=ticket.pk,
                    author=account,
                    body=_("%(source)s says this alert is firing again at %(at)s (%(count)s times so far).")
                    % {"source": _source_name(source), "at": _when(at), "count": row.fire_count + alert.times},
                    channel=Channel.MONITORING,
                )
            elif (
                ticket is not None
                and ticket.status == Status.RESOLVED
                and ticket.resolved_at is not None
                and ticket.resolved_at >= reopen_after
            ):
                ticket_reopen(
                    ticket_id=ticket.pk,
                    by=account,
                    reason=_("The alert fired again at %(at)s, soon after the ticket was resolved.")
                    % {"at": _when(at)},
                )
                outcome.reopened.append(ticket.pk)
            else:
                row.ticket = _open_ticket(row, alert, source, account, outcome)
                changes.append("ticket")
            row.fire_count += alert.times
            changes.append("fire_count")
        else:
            if stale or row.state == AlertState.RESOLVED:
                repeats.setdefault(0, []).append(row.pk)
                continue
            row.resolved_at = at
            changes.append("resolved_at")
            if ticket is not None and ticket.status in OPEN_STATUSES:
                _resolve(row, source, account, at, outcome)
        row.state = alert.state
        row.last_seen_at = max(row.last_seen_at, at)
        row.name, row.severity, row.host = alert.name[:200], alert.severity[:40], alert.host[:253]
        row.labels = alert.labels
        row.save(update_fields=changes)
    for times, ids in repeats.items():
        Alert.objects.filter(pk__in=ids).update(
            fire_count=F("fire_count") + times, last_seen_at=Greatest(F("last_seen_at"), at)
        )
    return outcome

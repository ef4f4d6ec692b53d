"""Automatic escalation ladders: rules stored as data, applied by the SLA sweep.

A rule fires at most once per ticket: the firing is claimed with INSERT … ON CONFLICT DO
NOTHING RETURNING, so two sweeps at once never double an escalation. The escalation
itself goes through ``tickets.services.ticket_escalate_automatically`` — the same path a
person takes, with the rule's name as the reason in the audit trail.
"""

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.models import SlaEvent
from tickets.choices import OPEN_STATUSES
from tickets.exceptions import TicketError
from tickets.models import Ticket
from tickets.services import ticket_escalate_automatically

from ..choices import RuleTrigger
from ..models import EscalationRule, EscalationRuleFiring
from .notices import supervisor_page_queue

logger = logging.getLogger(__name__)


def _not_taken_sql(rule: EscalationRule, now: datetime) -> tuple[str, list]:
    """Claim firings of a "not taken in time" rule for every matching ticket at once.
    Table names come from the models; every value is a parameter."""
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    priority = " AND priority = %s" if rule.priority else ""
    sql = (
        f"INSERT INTO {EscalationRuleFiring._meta.db_table} (rule_id, ticket_id, level, fired_at)"  # noqa: S608
        f" SELECT %s, id, level, %s FROM {Ticket._meta.db_table}"
        f" WHERE status IN ({statuses}) AND level = %s AND assignee_id IS NULL{priority}"
        " AND COALESCE(level_entered_at, created_at) <= %s"
        f" AND NOT EXISTS (SELECT 1 FROM {EscalationRuleFiring._meta.db_table} fired"
        f" WHERE fired.rule_id = %s AND fired.ticket_id = {Ticket._meta.db_table}.id)"
        " ON CONFLICT (rule_id, ticket_id) DO NOTHING RETURNING ticket_id"
    )
    params = [rule.pk, now, *OPEN_STATUSES, rule.level, *([rule.priority] if rule.priority else [])]
    return sql, [*params, now - timedelta(minutes=rule.minutes or 0), rule.pk]


def _act(rule: EscalationRule, ticket_id: int) -> bool:
    """Apply a fired rule to one ticket: escalate and/or page. A ticket that moved on
    meanwhile is left alone. Returns True if anything was done."""
    reason = _("Automatic escalation: %(rule)s") % {"rule": rule.display_name}
    try:
        with transaction.atomic():
            acted = False
            if rule.escalate:
                acted = (
                    ticket_escalate_automatically(ticket_id=ticket_id, from_level=rule.level, reason=reason) is not None
                )
            if rule.page_supervisors:
                ticket = Ticket.objects.select_related("assignee", "requester").get(pk=ticket_id)
                supervisor_page_queue(ticket=ticket, rule=rule)
                acted = True
            return acted
    except TicketError as exc:
        logger.warning("Escalation rule %s could not act on ticket %s: %s", rule.pk, ticket_id, exc.message)
        return False


def ladders_apply_not_taken(*, now: datetime | None = None) -> int:
    """Fire every active "not taken within N minutes" rule on the tickets it matches."""
    now = now or timezone.now()
    acted = 0
    for rule in EscalationRule.objects.filter(is_active=True, trigger=RuleTrigger.NOT_TAKEN):
        with connection.cursor() as cursor:
            cursor.execute(*_not_taken_sql(rule, now))
            ticket_ids = [row[0] for row in cursor.fetchall()]
        acted += sum(_act(rule, ticket_id) for ticket_id in ticket_ids)
    return acted


def ladders_apply_sla_event(*, event: SlaEvent) -> int:
    """Fire the rules an SLA event triggers (called once per event, when it is notified)."""
    rules = EscalationRule.objects.filter(
        Q(priority__isnull=True) | Q(priority=event.ticket.priority),
        is_active=True,
        trigger=RuleTrigger.SLA_THRESHOLD,
        level=event.level,
        metric=event.metric,
        threshold=event.threshold,
    )
    acted = 0
    for rule in rules:
        _firing, created = EscalationRuleFiring.objects.get_or_create(
            rule=rule, ticket_id=event.ticket_id, defaults={"level": event.level}
        )
        if created:
            acted += _act(rule, event.ticket_id)
    return acted


def ladders_backfill(*, now: datetime | None = None) -> int:
    """Mark "not taken" rules as already fired for tickets that match them now, without
    acting (for imported or seeded tickets whose lateness is history)."""
    now = now or timezone.now()
    claimed = 0
    for rule in EscalationRule.objects.filter(is_active=True, trigger=RuleTrigger.NOT_TAKEN):
        with connection.cursor() as cursor:
            cursor.execute(*_not_taken_sql(rule, now))
            claimed += len(cursor.fetchall())
    return claimed

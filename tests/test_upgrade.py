"""Upgrading keeps every row: a database built by the migrations as they stood before the
apps were split (support levels, calendars, SLA clocks and the outbox in ``escalation``),
filled with a bit of everything, then migrated forward, holds every row in the models'
new homes, with the same values, and takes new rows."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import ApiToken, SupportLevel, User
from escalation.models import EscalationRule, EscalationRuleFiring
from notifications.models import Notification, NotificationPreference, WebhookEndpoint
from sla.models import Calendar, Holiday, SlaClock, SlaEvent, SlaPolicy, WorkingPeriod
from tickets.models import Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

# The newest migration of each app before the split; apps born of it did not exist.
BEFORE_THE_SPLIT = [
    ("accounts", "0005_language_follows_browser"),
    ("escalation", "0011_webhooks"),
    ("tickets", "0010_fk_indexes_covered"),
    ("sla", None),
    ("notifications", None),
]
AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _fill(apps) -> dict:
    """One or more rows of every kind that lived in escalation, with what points at them."""
    get = apps.get_model
    user_model, group_model = get("accounts", "User"), get("auth", "Group")
    agent = user_model.objects.create(username="agent.lama", first_name="Andi", email="andi@example.com")
    requester = user_model.objects.create(username="rina", first_name="Rina", email="rina@example.com")
    level_two = get("escalation", "SupportLevel").objects.get(number=2)
    level_two.members.add(agent)
    category = get("tickets", "Category").objects.create(name="Kiosk printers", default_level=2)
    ticket = get("tickets", "Ticket").objects.create(
        requester=requester,
        assignee=agent,
        subject="Printer “lantai 2” won't print <A3>",
        description="Paper jam & smoke 🔥",
        category=category,
        priority=2,
        status="open",
        level=2,
        created_at=AT,
        updated_at=AT,
        sla_due_at=AT + timedelta(hours=9),
        resolution_due_at=AT + timedelta(hours=9),
    )
    get("tickets", "TicketEvent").objects.create(
        ticket=ticket, actor=agent, kind="escalated", field="level", from_value="1", to_value="2", created_at=AT
    )
    get("tickets", "Comment").objects.create(ticket=ticket, author=agent, body="On it.", created_at=AT)
    calendar = get("escalation", "Calendar").objects.create(name="Kiosk hours (WITA)", time_zone="Asia/Makassar")
    get("escalation", "WorkingPeriod").objects.create(calendar=calendar, weekday=5, start=time(9), end=time(13))
    get("escalation", "Holiday").objects.create(calendar=calendar, date=AT.date(), name="Hari kantor tutup")
    policy = get("escalation", "SlaPolicy").objects.create(
        priority=2, category=category, calendar=calendar, first_response_minutes=30, resolution_minutes=240
    )
    clock = get("escalation", "SlaClock").objects.create(ticket=ticket, next_check_at=AT + timedelta(hours=4))
    event = get("escalation", "SlaEvent").objects.create(
        ticket=ticket, metric="resolution", threshold="warning_1", due_at=AT, level=2, recorded_at=AT, notified_at=AT
    )
    rule = get("escalation", "EscalationRule").objects.create(
        name="Kiosk P2 not taken in 5 minutes", level=2, priority=2, trigger="not_taken", minutes=5
    )
    firing = get("escalation", "EscalationRuleFiring").objects.create(rule=rule, ticket=ticket, level=2, fired_at=AT)
    endpoint = get("escalation", "WebhookEndpoint").objects.create(
        name="Chat room", url="https://chat.example.com/hook", events=["ticket.escalated"]
    )
    outbox = get("escalation", "Notification")
    pending = outbox.objects.create(
        kind="escalated",
        channel="email",
        ticket=ticket,
        recipient=agent,
        address=agent.email,
        subject="[HD] Escalated",
        body_text="Escalated to you.",
        status="pending",
        created_at=AT,
    )
    sent = outbox.objects.create(
        kind="ticket_created",
        channel="sms",
        ticket=ticket,
        recipient=requester,
        address="+6281234567890",
        body_text="HD received",
        status="sent",
        attempts=1,
        provider_id="sms-1",
        created_at=AT,
        sent_at=AT,
    )
    dead = outbox.objects.create(
        kind="escalated",
        channel="webhook",
        ticket=ticket,
        webhook=endpoint,
        address=endpoint.url,
        subject="ticket.escalated",
        body_text="{}",
        status="dead",
        attempts=5,
        last_error="NotificationError: Webhook answered 500",
        created_at=AT,
    )
    preference = get("escalation", "NotificationPreference").objects.create(
        user=agent, sms_kinds=["escalated"], sms_max_priority=3, quiet_start=time(22), quiet_end=time(6)
    )
    token = get("accounts", "ApiToken").objects.create(user=agent, name="Nagios", prefix="hdk_abc", digest="d" * 64)
    # A permission on a moved model granted to a group of the organisation's own.
    content_type = get("contenttypes", "ContentType").objects.get(app_label="escalation", model="notification")
    permission = get("auth", "Permission").objects.get(content_type=content_type, codename="view_notification")
    watchers = group_model.objects.create(name="Outbox watchers")
    watchers.permissions.add(permission)
    return {
        "agent": agent.pk,
        "requester": requester.pk,
        "category": category.pk,
        "ticket": ticket.pk,
        "calendar": calendar.pk,
        "policy": policy.pk,
        "clock": clock.pk,
        "event": event.pk,
        "rule": rule.pk,
        "firing": firing.pk,
        "endpoint": endpoint.pk,
        "pending": pending.pk,
        "sent": sent.pk,
        "dead": dead.pk,
        "preference": preference.pk,
        "token": token.pk,
        "content_type": content_type.pk,
    }


def test_migrating_forward_from_before_the_split_keeps_every_row(reference_data):
    # post_migrate has already given this database the content types of today's apps;
    # going back puts it where an installation of the previous version is.
    executor = _migrate(BEFORE_THE_SPLIT)
    try:
        ids = _fill(executor.loader.project_state([node for node in BEFORE_THE_SPLIT if node[1]]).apps)
        tables = set(connection.introspection.table_names())
        assert {"escalation_calendar", "escalation_notification", "escalation_supportlevel_members"} <= tables
    finally:
        call_command("migrate", verbosity=0)

    tables = set(connection.introspection.table_names())
    assert not {name for name in tables if name.startswith("escalation_")} - {
        "escalation_escalationrule",
        "escalation_escalationrulefiring",
        "escalation_page",
        "escalation_page_paged",
    }
    assert {"accounts_supportlevel_members", "sla_slaclock", "notifications_notification"} <= tables

    agent = User.objects.get(pk=ids["agent"])
    assert list(agent.support_levels.values_list("number", flat=True)) == [2]
    assert SupportLevel.objects.count() == 3
    ticket = Ticket.objects.get(pk=ids["ticket"])
    assert (ticket.subject, ticket.description) == ("Printer “lantai 2” won't print <A3>", "Paper jam & smoke 🔥")
    assert (ticket.requester_id, ticket.assignee_id, ticket.category_id) == (
        ids["requester"],
        agent.pk,
        ids["category"],
    )
    assert TicketEvent.objects.get(ticket=ticket).to_value == "2"
    assert Comment.objects.get(ticket=ticket).body == "On it."

    calendar = Calendar.objects.get(pk=ids["calendar"])
    assert (calendar.name, calendar.time_zone) == ("Kiosk hours (WITA)", "Asia/Makassar")
    assert list(WorkingPeriod.objects.filter(calendar=calendar).values_list("weekday", "start", "end")) == [
        (5, time(9), time(13))
    ]
    assert Holiday.objects.get(calendar=calendar).name == "Hari kantor tutup"
    policy = SlaPolicy.objects.get(pk=ids["policy"])
    assert (policy.calendar_id, policy.category_id, policy.resolution_minutes) == (calendar.pk, ids["category"], 240)
    assert SlaClock.objects.get(pk=ids["clock"]).next_check_at == AT + timedelta(hours=4)
    event = SlaEvent.objects.get(pk=ids["event"])
    assert (event.ticket_id, event.threshold, event.notified_at) == (ticket.pk, "warning_1", AT)
    firing = EscalationRuleFiring.objects.get(pk=ids["firing"])
    assert (firing.rule_id, firing.ticket_id) == (ids["rule"], ticket.pk)
    assert EscalationRule.objects.get(pk=ids["rule"]).minutes == 5

    pending, sent, dead = (Notification.objects.get(pk=ids[key]) for key in ("pending", "sent", "dead"))
    assert (pending.status, pending.recipient_id, pending.ticket_id) == ("pending", agent.pk, ticket.pk)
    # Mail still to be sent carries its ticket's reference once it goes out.
    assert pending.headers == {"X-Helpdesk-Ticket": ticket.reference}
    assert (sent.status, sent.provider_id, sent.sent_at, sent.headers) == ("sent", "sms-1", AT, {})
    assert (dead.status, dead.attempts, dead.webhook_id) == ("dead", 5, ids["endpoint"])
    assert WebhookEndpoint.objects.get(pk=ids["endpoint"]).events == ["ticket.escalated"]
    preference = NotificationPreference.objects.get(pk=ids["preference"])
    assert (preference.sms_kinds, preference.quiet_start) == (["escalated"], time(22))
    assert ApiToken.objects.get(pk=ids["token"]).name == "Nagios"

    # The content type moved with its model, so the permission granted on it still holds.
    content_type = ContentType.objects.get(pk=ids["content_type"])
    assert (content_type.app_label, content_type.model) == ("notifications", "notification")
    assert not ContentType.objects.filter(app_label="escalation", model="notification").exists()
    watchers = Group.objects.get(name="Outbox watchers")
    assert list(watchers.permissions.values_list("content_type__app_label", "codename")) == [
        ("notifications", "view_notification")
    ]
    assert Permission.objects.filter(content_type__app_label="sla", codename="change_slapolicy").exists()

    # The renamed tables take new rows (their id sequences came along).
    assert Calendar.objects.create(name="Night shift").pk > calendar.pk
    assert (
        Notification.objects.create(kind="reply", channel="email", address="x@example.com", body_text="x").pk > dead.pk
    )
    assert SupportLevel.objects.get(number=1).members.count() == 0

"""The outbox rows a delivery bench drains: one requester and one ticket every notification
points at, email and SMS rows the size of the real messages, bulk-created, and the
Message-IDs their emails must reach the relay with."""

MAIL_DOMAIN = "bench.example"

# Bodies the size of the rendered acknowledgement emails (templates/emails/ticket_created_*).
BODY_TEXT = (
    "Hello,\n\nWe received your request HD-000001 \u201cOutlook keeps asking for my password\u201d "
    "and filed it for the Level I team.\nYou will hear from us within the first-response time "
    "of its priority.\n\nFollow it or add details: http://127.0.0.1:8000/tickets/HD-000001/\n\n"
    "-- \nIT Helpdesk\n"
)
BODY_HTML = (
    '<!doctype html><html><body style="font-family: sans-serif"><p>Hello,</p><p>We received '
    "your request <strong>HD-000001</strong> \u201cOutlook keeps asking for my password\u201d and "
    "filed it for the Level I team.</p><p>You will hear from us within the first-response time "
    'of its priority.</p><p><a href="http://127.0.0.1:8000/tickets/HD-000001/">Follow it or add '
    "details</a></p><p>-- <br>IT Helpdesk</p></body></html>"
)
SMS_TEXT = "HD-000001 P1 escalated to Level II: The whole office is offline. http://127.0.0.1:8000/t/HD-000001/"


def ticket_ensure():
    """One requester and one ticket every notification points at."""
    from django.contrib.auth import get_user_model

    from tickets.models import Ticket

    requester, _created = get_user_model().objects.get_or_create(
        username="bench-requester", defaults={"email": "bench-requester@example.com"}
    )
    ticket = Ticket.objects.filter(requester=requester).first()
    if ticket is None:
        ticket = Ticket.objects.create(
            requester=requester, subject="Outlook keeps asking for my password", description="Since this morning."
        )
    return ticket


def outbox_empty() -> None:
    from django.db import connection

    from notifications.models import Notification

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(Notification._meta.db_table)}")


def rows_create(*, channel: str, count: int, ticket, tag: str, first: int) -> list[int]:
    """Bulk-create ``count`` pending outbox rows on one channel, to recipients numbered
    from ``first`` on (each recipient gets one message); returns their ids."""
    from notifications.choices import NotificationChannel, NotificationKind
    from notifications.models import Notification

    if channel == NotificationChannel.EMAIL:
        rows = [
            Notification(
                kind=NotificationKind.TICKET_CREATED,
                channel=channel,
                ticket=ticket,
                recipient=ticket.requester,
                address=f"requester.{number}@example.com",
                subject=f"[{ticket.reference}] We received your request",
                body_text=BODY_TEXT,
                body_html=BODY_HTML,
            )
            for number in range(first, first + count)
        ]
    else:
        rows = [
            Notification(
                kind=NotificationKind.ESCALATED,
                channel=channel,
                ticket=ticket,
                recipient=ticket.requester,
                address=f"+62812{number:07d}",
                body_text=SMS_TEXT,
            )
            for number in range(first, first + count)
        ]
    return [row.pk for row in Notification.objects.bulk_create(rows, batch_size=2000)]


def expected_message_ids(ids: list[int]) -> set[str]:
    from notifications.models import Notification

    return {f"<{row.delivery_key}@{MAIL_DOMAIN}>" for row in Notification.objects.filter(pk__in=ids).only("created_at")}

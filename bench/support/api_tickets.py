"""What an API bench creates and what it clears up afterwards: the tickets it files (with a
subject of their own), the API tokens it files them with, and its Redis databases."""

import time

# Bench tickets carry this subject, so a run that was killed half-way is cleaned up by the next.
SUBJECT = "API bench: cannot print to the second floor printer"
TOKEN_NAME = "bench/api.py"


def ticket_body() -> dict:
    return {
        "subject": SUBJECT,
        "description": "Since this morning the printer on the second floor shows 'offline'. Restarted it twice.",
        "urgency": "medium",
    }


def filtered(url: str) -> str:
    return f"{url}?status=open&level=1"


def bench_tickets_remove(*, after_id: int) -> int:
    """Delete the tickets this bench created (ids past the dataset, with the bench's subject)
    and everything that points at them; set the id sequence back. Tickets deleted."""
    from django.db import connection, transaction

    from tickets.models import Ticket
    from tickets.services import tickets_erase

    with transaction.atomic():
        removed = tickets_erase(Ticket.objects.filter(pk__gt=after_id, subject=SUBJECT))
        last = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with connection.cursor() as cursor:
            # On an empty table the next id is 1 (setval's "is_called" false).
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                [Ticket._meta.db_table, max(last, 1), last > 0],
            )
    return removed


def tables_vacuum() -> None:
    """VACUUM (ANALYZE) the tables a ticket creation writes, as autovacuum would (it is off on
    the bench machine): the reports bench reads them with index-only scans."""
    from django.db import connection

    from notifications.models import Notification
    from sla.models import SlaClock
    from tickets.models import Ticket, TicketEvent

    with connection.cursor() as cursor:
        for model in (Ticket, TicketEvent, Notification, SlaClock):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def tokens_create() -> dict[str, str]:
    """A fresh API token for the demo requester and for the supervisor; their keys by role."""
    from django.contrib.auth import get_user_model

    from accounts.services import api_token_create

    User = get_user_model()
    keys = {}
    for role in ("requester", "supervisor"):
        _token, keys[role] = api_token_create(user=User.objects.get(username=role), name=TOKEN_NAME)
    return keys


def tokens_remove() -> None:
    from accounts.models import ApiToken

    ApiToken.objects.filter(name=TOKEN_NAME).delete()


def broker_flush(url: str) -> int:
    """Empty the bench's own Redis database; the number of messages its queues held."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        messages = sum(client.llen(key) for key in client.scan_iter() if client.type(key) == b"list")
        client.flushdb()
        return messages
    finally:
        client.close()


def tickets_settled(after_id: int) -> int:
    """The newest ticket id once no request still in flight adds one; waits up to 10 s."""
    from tickets.models import Ticket

    newest = None
    for _i in range(20):
        latest = Ticket.objects.filter(pk__gt=after_id).order_by("-pk").values_list("pk", flat=True).first()
        if latest == newest:
            break
        newest = latest
        time.sleep(0.5)
    return newest or after_id

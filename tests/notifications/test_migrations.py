"""Data migrations of the outbox, each run on a database filled at the schema before it."""

from django.utils import timezone

from notifications.models import Notification

BEFORE = [("notifications", "0003_outbox_headers_account_mail")]
AFTER = [("notifications", "0004_webhook_addresses_checked")]
MARKER = "RECEIVER-SAYS-internal-db-password=hunter2"


def test_what_receivers_wrote_back_is_forgotten_and_the_status_code_kept(migrate):
    apps = migrate(BEFORE)
    OldNotification = apps.get_model("notifications", "Notification")

    def row(channel: str, last_error: str) -> int:
        return OldNotification.objects.create(
            kind="ticket_created",
            channel=channel,
            address="https://hooks.example.com/",
            body_text="{}",
            status="dead",
            last_error=last_error,
            created_at=timezone.now(),
        ).pk

    answered = row("webhook", f"NotificationError: Webhook answered 500: {MARKER}\n<html>…</html>")
    empty = row("webhook", "NotificationError: Webhook answered 404: ")
    bare = row("webhook", "NotificationError: Webhook answered 503")
    unreachable = row("webhook", "NotificationError: Webhook unreachable: connection refused")
    mail = row("email", f"NotificationError: Webhook answered 500: {MARKER}")

    migrate(AFTER)

    errors = dict(Notification.objects.values_list("pk", "last_error"))
    assert errors[answered] == "NotificationError: Webhook answered 500"
    assert errors[empty] == "NotificationError: Webhook answered 404"
    assert errors[bare] == "NotificationError: Webhook answered 503"
    assert errors[unreachable] == "NotificationError: Webhook unreachable: connection refused"
    assert errors[mail] == f"NotificationError: Webhook answered 500: {MARKER}"  # not a webhook's
    # And back: the schema before, the rows as they are now.
    migrate(BEFORE)
    assert OldNotification.objects.filter(pk=answered).exists()

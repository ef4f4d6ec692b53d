"""Every read of the inbound channels."""

from django.db.models import QuerySet

from .models import InboundMessage, Mailbox


def mailbox_ids_active() -> list[int]:
    return list(Mailbox.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))


def mailboxes_for_fetch(*, name: str | None = None) -> QuerySet[Mailbox]:
    """The active mailboxes, or the one of that name (active or not)."""
    if name:
        return Mailbox.objects.filter(name=name).order_by("pk")
    return Mailbox.objects.filter(is_active=True).order_by("pk")


def inbound_messages_admin() -> QuerySet[InboundMessage]:
    return InboundMessage.objects.select_related("mailbox", "ticket")

"""Turning a recorded mail into a ticket or a comment.

A stand-in until mail processing lands: every mail is held for review, so nothing is
lost and an administrator can hand it back once processing is available."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import InboundStatus
from ..models import InboundMessage


@transaction.atomic
def inbound_email_process(*, message: InboundMessage) -> InboundMessage:
    """Hold the mail for review with the reason; never loses it. Commits before it returns."""
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    message.status = InboundStatus.HELD
    message.reason = _("Mail processing is not available.")
    message.attempts += 1
    message.processed_at = timezone.now()
    message.save(update_fields=["status", "reason", "attempts", "processed_at"])
    return message

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The three support tiers; a higher number is a deeper tier."""

    I = 1, _("Level I")  # noqa: E741 - the tier's own name
    II = 2, _("Level II")
    III = 3, _("Level III")


class NotificationKind(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Ticket received")
    REPLY = "reply", _("Reply from support")
    ESCALATED = "escalated", _("Ticket escalated")
    DE_ESCALATED = "de_escalated", _("Ticket sent back down")
    RESOLVED = "resolved", _("Ticket resolved")
    REQUESTER_REPLIED = "requester_replied", _("Requester replied")
    REOPENED = "reopened", _("Ticket reopened")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


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
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    SUPERVISOR_PAGE = "supervisor_page", _("Supervisor paged")


# Sent to the person who filed the ticket, by email.
REQUESTER_KINDS = (NotificationKind.TICKET_CREATED, NotificationKind.REPLY, NotificationKind.RESOLVED)
# Requester mail that is only a courtesy: "essential mail only" turns it off. A reply
# and a resolution ask something of the requester, so they always go.
NON_ESSENTIAL_KINDS = (NotificationKind.TICKET_CREATED,)
# Sent to support staff; each person picks the channels for each.
STAFF_KINDS = (
    NotificationKind.ESCALATED,
    NotificationKind.DE_ESCALATED,
    NotificationKind.REQUESTER_REPLIED,
    NotificationKind.REOPENED,
    NotificationKind.SLA_WARNING,
    NotificationKind.SLA_BREACH,
    NotificationKind.SUPERVISOR_PAGE,
)
# What staff get by SMS until they choose otherwise.
DEFAULT_SMS_KINDS = (NotificationKind.ESCALATED, NotificationKind.SLA_BREACH, NotificationKind.SUPERVISOR_PAGE)


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


# The events outside systems can subscribe to, and the notification kind each follows.
WEBHOOK_EVENTS = {
    "ticket.created": NotificationKind.TICKET_CREATED,
    "ticket.escalated": NotificationKind.ESCALATED,
    "ticket.resolved": NotificationKind.RESOLVED,
    "sla.warning": NotificationKind.SLA_WARNING,
    "sla.breached": NotificationKind.SLA_BREACH,
}
WEBHOOK_EVENT_CHOICES = [
    ("ticket.created", _("A ticket is filed")),
    ("ticket.escalated", _("A ticket is escalated")),
    ("ticket.resolved", _("A ticket is resolved")),
    ("sla.warning", _("An SLA warning")),
    ("sla.breached", _("An SLA breach")),
]


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead-lettered")


# States whose row still waits to be sent (now or after a back-off).
NOTIFICATION_DUE_STATES = (NotificationStatus.PENDING, NotificationStatus.FAILED)


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class SlaThreshold(models.TextChoices):
    WARNING_1 = "warning_1", _("First warning")
    WARNING_2 = "warning_2", _("Second warning")
    BREACHED = "breached", _("Breached")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class RuleTrigger(models.TextChoices):
    NOT_TAKEN = "not_taken", _("Not taken within some minutes at this level")
    SLA_THRESHOLD = "sla_threshold", _("An SLA threshold is crossed at this level")


# Names of the levels, calendars and rules a new helpdesk starts with (migrations 0002,
# 0005, 0007): shown translated; ones added later are shown as written.
DEFAULT_NAMES = [
    gettext_noop("Level I — front line"),
    gettext_noop("Level II — technical support"),
    gettext_noop("Level III — specialists"),
    gettext_noop("Office hours (WIB)"),
    gettext_noop("Around the clock"),
    gettext_noop("P1 not taken within 10 minutes at Level I goes to Level II"),
    gettext_noop("Resolution breach at Level II goes to Level III and pages the supervisor"),
]

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    PASSWORD_RESET = "password_reset", _("Password reset")
    MAIL_REFUSED = "mail_refused", _("Mail refused")
    LOW_RATING = "low_rating", _("Low satisfaction rating")
    COMPONENT_REPORT = "component_report", _("Component report to decide")
    COMPONENT_REPORT_DECIDED = "component_report_decided", _("Component report decided")
    PROCUREMENT_APPROVAL = "procurement_approval", _("Procurement request to approve")
    PROCUREMENT_DECIDED = "procurement_decided", _("Procurement request decided")
    VENDOR_ESCALATION = "vendor_escalation", _("Fault taken to a vendor")
    VENDOR_REMINDER = "vendor_reminder", _("Reminder to a vendor")
    VENDOR_OVERDUE = "vendor_overdue", _("Vendor overdue")
    VENDOR_REPLIED = "vendor_replied", _("Vendor replied")
    ASSET_EXPIRING = "asset_expiring", _("Warranty or licence ending")
    ALERT_PAGE = "alert_page", _("Monitoring alert paged")
    MERGED = "merged", _("Ticket merged into another")
    SNOOZE_ENDED = "snooze_ended", _("Ticket back from snooze")
    REMINDER = "reminder", _("Ticket reminder")
    AUTO_CLOSE_NOTICE = "auto_close_notice", _("Ticket will close itself")
    AUTO_CLOSED = "auto_closed", _("Ticket closed itself")


# Sent to the person who filed the ticket (and those who follow it), by email. A merge
# closes one of their tickets, so it is never turned off.
REQUESTER_KINDS = (
    NotificationKind.TICKET_CREATED,
    NotificationKind.REPLY,
    NotificationKind.RESOLVED,
    NotificationKind.MERGED,
    NotificationKind.AUTO_CLOSE_NOTICE,
    NotificationKind.AUTO_CLOSED,
)
# Requester mail that is only a courtesy: "essential mail only" turns it off. A reply
# and a resolution ask something of the requester, so they always go; so does the notice
# that a ticket will close itself (a reply keeps it open).
NON_ESSENTIAL_KINDS = (NotificationKind.TICKET_CREATED, NotificationKind.AUTO_CLOSED)
# About a person's own account: always by email, whatever their preferences.
ACCOUNT_KINDS = (NotificationKind.PASSWORD_RESET,)
# To an address without an account (a mail the helpdesk refused): by email, once.
ADDRESS_KINDS = (
    NotificationKind.MAIL_REFUSED,
    NotificationKind.VENDOR_ESCALATION,
    NotificationKind.VENDOR_REMINDER,
)
# Sent to support staff; each person picks the channels for each.
STAFF_KINDS = (
    NotificationKind.ESCALATED,
    NotificationKind.DE_ESCALATED,
    NotificationKind.REQUESTER_REPLIED,
    NotificationKind.REOPENED,
    NotificationKind.SLA_WARNING,
    NotificationKind.SLA_BREACH,
    NotificationKind.SUPERVISOR_PAGE,
    NotificationKind.LOW_RATING,
    NotificationKind.COMPONENT_REPORT,
    NotificationKind.COMPONENT_REPORT_DECIDED,
    NotificationKind.PROCUREMENT_APPROVAL,
    NotificationKind.PROCUREMENT_DECIDED,
    NotificationKind.VENDOR_OVERDUE,
    NotificationKind.VENDOR_REPLIED,
    NotificationKind.ASSET_EXPIRING,
    NotificationKind.ALERT_PAGE,
    NotificationKind.SNOOZE_ENDED,
    NotificationKind.REMINDER,
)
# What staff get by SMS until they choose otherwise.
DEFAULT_SMS_KINDS = (
    NotificationKind.ESCALATED,
    NotificationKind.SLA_BREACH,
    NotificationKind.SUPERVISOR_PAGE,
    NotificationKind.ALERT_PAGE,
)
# Always by SMS for those who chose it, whatever the priority of the ticket (a decision
# asked of an approver is not about a ticket's priority, and may be about no ticket).
ANY_PRIORITY_SMS_KINDS = (
    NotificationKind.SUPERVISOR_PAGE,
    NotificationKind.COMPONENT_REPORT,
    NotificationKind.PROCUREMENT_APPROVAL,
    # A reminder one set for oneself comes the way one asked, whatever the ticket.
    NotificationKind.REMINDER,
)


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

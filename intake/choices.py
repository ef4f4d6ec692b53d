from django.db import models
from django.utils.translation import gettext_lazy as _


class MailboxSecurity(models.TextChoices):
    SSL = "ssl", _("TLS (IMAPS, port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("None (only on a trusted local network)")


class InboundSource(models.TextChoices):
    IMAP = "imap", _("IMAP mailbox")
    WEBHOOK = "webhook", _("Provider webhook")
    COMMAND = "command", _("Handed in by hand")


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not yet processed")
    TICKET = "ticket", _("Opened a ticket")
    COMMENT = "comment", _("Added to a ticket")
    HELD = "held", _("Held for review")
    REJECTED = "rejected", _("Refused")
    IGNORED = "ignored", _("Ignored (auto-reply, bounce or list mail)")
    FAILED = "failed", _("Could not be processed")


# Messages an administrator may hand back for another try.
RETRYABLE_STATUSES = (InboundStatus.RECEIVED, InboundStatus.HELD, InboundStatus.FAILED)


class SmsGateway(models.TextChoices):
    GENERIC = "generic", _("SMS gateway")
    TWILIO = "twilio", _("Twilio")


class SmsOutcome(models.TextChoices):
    TICKET = "ticket", _("Opened a ticket")
    COMMENT = "comment", _("Added to a ticket")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged a page")
    REFUSED = "refused", _("Refused")

import secrets
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    ACCOUNT_KINDS,
    ANY_PRIORITY_SMS_KINDS,
    DEFAULT_SMS_KINDS,
    NON_ESSENTIAL_KINDS,
    REQUESTER_KINDS,
    STAFF_KINDS,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
)
from .webhooks import webhook_url_validate

SMS_PRIORITY_CHOICES = [
    (1, _("P1 only")),
    (2, _("P1 and P2")),
    (3, _("P1 to P3")),
    (4, _("Every priority")),
]


class Notification(models.Model):
    """One message to one recipient on one channel: the outbox row, written in the same
    transaction as the change it announces (a ticket's, or a person's own account) and
    delivered by a Celery worker."""

    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="notifications"
    )
    address = models.CharField(_("address"), max_length=500)
    webhook = models.ForeignKey(
        "WebhookEndpoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # Extra email headers the sender of the notification asks for (X-Helpdesk-Ticket, …).
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending", "failed"]),
                name="notification_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.address} ({self.get_status_display()})"

    @property
    def delivery_key(self) -> str:
        """The same for every attempt at this message and unique across installs that
        share a mail domain: the email's Message-ID and the SMS gateway's reference, so a
        message sent again after a worker died mid-send is recognised as the same one."""
        return f"helpdesk.{self.pk}.{self.created_at:%Y%m%d%H%M%S%f}"


def _webhook_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """An outside system told about ticket events by a signed HTTP POST, delivered
    through the same outbox as mail and SMS (retried, visible in the delivery log)."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[webhook_url_validate],
        help_text=_(
            "Where the events are POSTed (https:// in production). Addresses of this server and of "
            "internal networks are refused."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        default=_webhook_secret,
        help_text=_(
            "Each request carries X-Helpdesk-Signature: v1=HMAC-SHA256(secret, timestamp + '.' + body) in hex, "
            "and X-Helpdesk-Timestamp."
        ),
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


def _default_email_kinds() -> list[str]:
    return [str(kind) for kind in STAFF_KINDS]


def _default_sms_kinds() -> list[str]:
    return [str(kind) for kind in DEFAULT_SMS_KINDS]


class NotificationPreference(models.Model):
    """How one person wants to hear from the helpdesk. Without a row, the defaults hold:
    every staff notification by email, escalations, breaches and pages by SMS for P1 and
    P2, no quiet hours, and all mail about one's own tickets."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_kinds = models.JSONField(_("email for"), default=_default_email_kinds, blank=True)
    sms_kinds = models.JSONField(_("SMS for"), default=_default_sms_kinds, blank=True)
    sms_max_priority = models.PositiveSmallIntegerField(
        _("SMS only for priority"),
        choices=SMS_PRIORITY_CHOICES,
        default=2,
        help_text=_("Tickets of lower priority reach you by email only. A supervisor page always comes by SMS."),
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    essential_email_only = models.BooleanField(
        _("essential email only"),
        default=False,
        help_text=_("About your own tickets, email me only when support replies or resolves them."),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | models.Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="notification_preference_quiet_hours_both_or_neither",
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, *, kind: str, channel: str, priority: int | None) -> bool:
        """Whether a notification of this kind, about a ticket of this priority (None: not
        about a ticket), should reach this person on this channel."""
        if kind in ACCOUNT_KINDS:
            return channel == NotificationChannel.EMAIL
        if kind in REQUESTER_KINDS:
            return channel == NotificationChannel.EMAIL and not (
                self.essential_email_only and kind in NON_ESSENTIAL_KINDS
            )
        if channel == NotificationChannel.EMAIL:
            return kind in self.email_kinds
        return kind in self.sms_kinds and (
            kind in ANY_PRIORITY_SMS_KINDS or (priority is not None and priority <= self.sms_max_priority)
        )

    def quiet_until(self, *, at: datetime, time_zone: str) -> datetime | None:
        """When the quiet hours around ``at`` end (in the person's time zone), or None
        when ``at`` is outside them. Quiet hours may run past midnight (22:00-06:00)."""
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return None
        try:
            zone = zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        local = at.astimezone(zone)
        now, start, end = local.time(), self.quiet_start, self.quiet_end
        if start < end:
            quiet, end_day = start <= now < end, local.date()
        else:  # runs past midnight
            quiet = now >= start or now < end
            end_day = local.date() + timedelta(days=1) if now >= start else local.date()
        if not quiet:
            return None
        return datetime.combine(end_day, end, tzinfo=zone)


class FailingAddress(models.Model):
    """An address mail to which bounced: the mail server's reason and when, kept (one row
    per address, the latest bounce) so the delivery log shows whom mail no longer reaches."""

    address = models.CharField(_("address"), max_length=320, unique=True)
    reason = models.TextField(_("reason"), blank=True)
    status_code = models.CharField(_("status code"), max_length=32, blank=True)
    bounces = models.PositiveIntegerField(_("bounces"), default=1)
    first_failed_at = models.DateTimeField(_("first bounce"), default=timezone.now)
    last_failed_at = models.DateTimeField(_("last bounce"), default=timezone.now)

    class Meta:
        ordering = ["-last_failed_at"]
        verbose_name = _("failing address")
        verbose_name_plural = _("failing addresses")

    def __str__(self) -> str:
        return self.address

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Level, NotificationChannel, NotificationKind, NotificationStatus


class SupportLevel(models.Model):
    """A support tier (I, II, III) and the agents who work it; one row per tier."""

    number = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="support_levels", verbose_name=_("agents")
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("support level")
        verbose_name_plural = _("support levels")

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """One message to one recipient on one channel: the outbox row, written in the same
    transaction as the ticket change it announces and delivered by a Celery worker."""

    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="notifications"
    )
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
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
                condition=models.Q(status__in=["pending", "sending"]),
                name="notification_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.address} ({self.get_status_display()})"

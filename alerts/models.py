from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AlertSource, AlertState, DeliveryStatus


class AlertDelivery(models.Model):
    """One POST from a monitoring tool as it arrived, kept whole (as text): recorded before
    it is answered, then processed into tickets, or refused with the reason."""

    source = models.CharField(_("source"), max_length=16, choices=AlertSource.choices)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    address = models.CharField(_("from address"), max_length=64, blank=True)
    body = models.TextField(_("body"), blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    alert_count = models.PositiveIntegerField(_("alerts"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    reason = models.TextField(_("reason"), blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        permissions = [("post_alerts", _("Can post monitoring alerts"))]
        indexes = [models.Index(fields=["status", "received_at"], name="alert_delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.received_at:%Y-%m-%d %H:%M:%S}"


class Alert(models.Model):
    """One alert as the helpdesk follows it, by its key (Alertmanager's fingerprint or group
    key, Zabbix's problem event): the ticket it opened, how often it fired, whether it is
    firing now. One row per key ever (a unique constraint), so concurrent deliveries of the
    same alert meet on one row and open one ticket."""

    source = models.CharField(_("source"), max_length=16, choices=AlertSource.choices)
    key = models.CharField(_("key"), max_length=128)
    name = models.CharField(_("name"), max_length=200, blank=True)
    severity = models.CharField(_("severity"), max_length=40, blank=True)
    host = models.CharField(_("host"), max_length=253, blank=True)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=AlertState.choices, default=AlertState.FIRING)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("ticket"),
    )
    fire_count = models.PositiveIntegerField(_("times fired"), default=0)
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="alert_key_once")]
        indexes = [models.Index(fields=["ticket"], name="alert_ticket_idx")]

    def __str__(self) -> str:
        return self.name or self.key

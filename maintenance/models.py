from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from accounts.models import validate_time_zone
from assets.choices import AssetType
from assets.models import Asset
from tickets.models import Category, Ticket

from .choices import NAME_MAX_LENGTH, RULE_MAX_LENGTH


def default_time_zone() -> str:
    return settings.TIME_ZONE


class MaintenancePlan(models.Model):
    """Preventive work done again and again: on one asset or on every asset of a type
    (exactly one of the two), at the occurrences of an RFC 5545 rule counted in a time
    zone from ``dtstart``; each occurrence opens a ticket ``lead_time`` before it is due,
    at ``level``, with the plan's checklist. ``next_due_at`` is the next occurrence not yet
    opened, kept by the services so the generation reads an index, not every rule."""

    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    description = models.TextField(_("instructions"), blank=True)
    asset = models.ForeignKey(
        Asset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="maintenance_plans",
        verbose_name=_("asset"),
    )
    asset_type = models.CharField(_("asset type"), max_length=16, choices=AssetType.choices, blank=True)
    rrule = models.CharField(_("recurrence rule"), max_length=RULE_MAX_LENGTH)
    dtstart = models.DateTimeField(_("first occurrence"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    level = models.PositiveSmallIntegerField(_("support level"), choices=Level.choices, default=Level.I)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    lead_time = models.DurationField(_("opened ahead by"), default=timedelta)
    is_active = models.BooleanField(_("active"), default=True)
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True, editable=False)
    # next_due_at − lead_time: when the generation opens the next run (indexed).
    next_open_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(asset__isnull=False) & models.Q(asset_type=""))
                | (models.Q(asset__isnull=True) & ~models.Q(asset_type="")),
                name="maintenance_plan_asset_or_type",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="maintenance_plan_name_not_empty"),
        ]
        indexes = [
            models.Index(
                fields=["next_open_at", "id"],
                condition=models.Q(is_active=True, next_open_at__isnull=False),
                name="maintenance_plan_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("maintenance:detail", kwargs={"pk": self.pk})


class MaintenanceRun(models.Model):
    """One occurrence of a plan on one asset, and the ticket it opened. Unique per plan,
    asset and due time: claiming the row is what opens the ticket once, whoever runs the
    generation and however often."""

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="runs")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="maintenance_runs")
    due_at = models.DateTimeField(_("due"))
    ticket = models.OneToOneField(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="maintenance_run"
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)

    class Meta:
        ordering = ["-due_at", "id"]
        verbose_name = _("maintenance run")
        verbose_name_plural = _("maintenance runs")
        constraints = [
            models.UniqueConstraint(fields=["plan", "asset", "due_at"], name="maintenance_run_unique"),
        ]
        indexes = [
            models.Index(fields=["plan", "-due_at"], name="maintenance_run_plan_idx"),
            models.Index(fields=["due_at"], name="maintenance_run_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.asset_id} {self.due_at:%Y-%m-%d %H:%M}"

    def is_overdue(self, *, at: datetime) -> bool:
        """Past its due time and its ticket not resolved."""
        resolved_at = self.ticket.resolved_at if self.ticket is not None else None
        return self.due_at <= at and resolved_at is None

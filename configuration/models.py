from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ACTIVE_STATUSES, RecomputeScope, RecomputeStatus


class RecomputeRun(models.Model):
    """One recompute of the due times of the open tickets an SLA policy or a calendar
    governs, asked for after it changed: who asked, what for, and how far it got. At most
    one run per scope is at work at a time."""

    scope = models.CharField(_("scope"), max_length=10, choices=RecomputeScope.choices)
    # The policy's or the calendar's id (kept when it is deleted later: the run is a record).
    object_id = models.PositiveIntegerField(_("policy or calendar id"))
    subject = models.CharField(_("what changed"), max_length=255)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RecomputeStatus.choices, default=RecomputeStatus.PENDING
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total = models.PositiveIntegerField(_("tickets"), default=0)
    done = models.PositiveIntegerField(_("recomputed"), default=0)
    changed = models.PositiveIntegerField(_("due time moved"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # The highest ticket id done: a run picked up again carries on after it.
    cursor = models.PositiveBigIntegerField(default=0, editable=False)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("due-time recompute")
        verbose_name_plural = _("due-time recomputes")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "object_id"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="recompute_run_one_active_per_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if not self.is_active else 0
        return min(100, round(100 * (self.done + self.failed) / self.total))

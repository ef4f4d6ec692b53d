from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket

from .choices import ProblemEventKind, ProblemStatus

REFERENCE_PREFIX = "PRB-"


def reference_for(pk: int) -> str:
    return f"{REFERENCE_PREFIX}{pk:06d}"


def pk_from_reference(reference: str) -> int | None:
    """The id in ``PRB-000042`` (any case), or None when it is not one."""
    text = (reference or "").strip().upper().removeprefix(REFERENCE_PREFIX)
    return int(text) if text.isdigit() and 6 <= len(text) <= 12 else None


class Problem(models.Model):
    """The cause behind one or more incidents (ITIL problem management): what is known of
    its root cause, a workaround while it lasts, and the resolution that ends it. Its
    changes are kept in ProblemEvent, earlier text included."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    root_cause = models.TextField(_("root cause"), blank=True)
    workaround = models.TextField(_("workaround"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_problems",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    incidents: "models.ManyToManyField[Ticket, ProblemIncident]" = models.ManyToManyField(
        Ticket,
        through="ProblemIncident",
        related_name="problems",
        verbose_name=_("incidents"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["status", "-created_at"], name="problem_status_idx")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("problems:detail", kwargs={"reference": self.reference})

    @property
    def reference(self) -> str:
        return reference_for(self.pk) if self.pk else ""

    @property
    def is_active(self) -> bool:
        return self.status in (ProblemStatus.OPEN, ProblemStatus.KNOWN_ERROR)


class ProblemIncident(models.Model):
    """A ticket that is an incident of a problem: who linked it, and when. Once per pair."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links", verbose_name=_("problem"))
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="problem_links", verbose_name=_("ticket")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked by")
    )
    added_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("incident of a problem")
        verbose_name_plural = _("incidents of problems")
        constraints = [models.UniqueConstraint(fields=["problem", "ticket"], name="problem_incident_once")]

    def __str__(self) -> str:
        return f"{self.problem_id} ← {self.ticket_id}"


class ProblemEvent(models.Model):
    """One change to a problem, with the text before and after: the problem's history."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events", verbose_name=_("problem"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProblemEventKind.choices)
    field = models.CharField(_("field"), max_length=40, blank=True)
    from_value = models.TextField(_("before"), blank=True)
    to_value = models.TextField(_("after"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
        indexes = [models.Index(fields=["problem", "created_at"], name="problem_event_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind}"

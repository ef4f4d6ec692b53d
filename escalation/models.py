from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from notifications.choices import NotificationKind
from sla.choices import SlaMetric, SlaThreshold

from .choices import RuleTrigger


class EscalationRule(models.Model):
    """One rung of an automatic escalation ladder, e.g. "a P1 not taken within 10 minutes
    at Level I goes to Level II" or "a resolution breach at Level II goes to Level III and
    pages the supervisor". Applied by the SLA sweep through the same service as a person."""

    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    level = models.PositiveSmallIntegerField(_("at level"), choices=Level.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=[(p, f"P{p}") for p in (1, 2, 3, 4)],
        null=True,
        blank=True,
        help_text=_("Leave empty for every priority."),
    )
    trigger = models.CharField(_("when"), max_length=16, choices=RuleTrigger.choices)
    minutes = models.PositiveIntegerField(
        _("minutes"), null=True, blank=True, help_text=_("For “not taken”: minutes at this level without an assignee.")
    )
    metric = models.CharField(_("SLA metric"), max_length=16, choices=SlaMetric.choices, blank=True)
    threshold = models.CharField(_("SLA threshold"), max_length=12, choices=SlaThreshold.choices, blank=True)
    escalate = models.BooleanField(_("escalate to the next level"), default=True)
    page_supervisors = models.BooleanField(_("page the level's supervisors"), default=False)

    class Meta:
        ordering = ["level", "priority", "name"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(trigger="not_taken", minutes__isnull=False))
                | (models.Q(trigger="sla_threshold") & ~models.Q(metric="") & ~models.Q(threshold="")),
                name="escalation_rule_trigger_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (for the ones the helpdesk starts with)."""
        return gettext(self.name)

    def clean(self) -> None:
        if self.trigger == RuleTrigger.NOT_TAKEN and not self.minutes:
            raise ValidationError({"minutes": _("Say after how many minutes.")})
        if self.trigger == RuleTrigger.SLA_THRESHOLD and not (self.metric and self.threshold):
            raise ValidationError(_("Choose the SLA metric and threshold that trigger this rule."))
        if self.escalate and self.level == Level.III:
            raise ValidationError({"escalate": _("Level III is the last level; there is no next level.")})


class EscalationRuleFiring(models.Model):
    """A rule fired for a ticket; recorded once (unique), so no sweep applies it twice."""

    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="rule_firings")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    fired_at = models.DateTimeField(_("fired"), default=timezone.now)

    class Meta:
        ordering = ["fired_at", "id"]
        verbose_name = _("escalation rule firing")
        verbose_name_plural = _("escalation rule firings")
        constraints = [models.UniqueConstraint(fields=["rule", "ticket"], name="escalation_rule_fires_once")]

    def __str__(self) -> str:
        return f"{self.rule_id} → {self.ticket_id}"


class Page(models.Model):
    """An urgent call for people by SMS about one ticket (a supervisor page, a P1 breach),
    repeated every few minutes until one of them answers ``ACK HD-000123`` or the ticket
    is finished, up to a limit. ``paged`` are the people the SMS went to."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="pages")
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    rule = models.ForeignKey(
        EscalationRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("rule")
    )
    sla_event = models.ForeignKey(
        "sla.SlaEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("SLA event")
    )
    paged = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="pages_received", verbose_name=_("paged"))
    created_at = models.DateTimeField(_("paged at"), default=timezone.now)
    repeats_sent = models.PositiveSmallIntegerField(_("repeats sent"), default=0)
    next_repeat_at = models.DateTimeField(_("next repeat"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        indexes = [
            models.Index(
                fields=["next_repeat_at"], name="page_repeat_due_idx", condition=models.Q(next_repeat_at__isnull=False)
            ),
            models.Index(
                fields=["ticket", "created_at"],
                name="page_waiting_idx",
                condition=models.Q(acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
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

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from sla.models import Calendar
from tickets.models import Category

from .choices import AssignmentMethod, Presence, SkillRule


class AssignmentPolicy(models.Model):
    """How one level's new and returning tickets find an agent: by hand, round-robin or
    least-loaded, with or without a skill match, up to a cap of open tickets per agent."""

    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, unique=True)
    method = models.CharField(
        _("assignment"), max_length=16, choices=AssignmentMethod.choices, default=AssignmentMethod.MANUAL
    )
    skill_rule = models.CharField(_("skills"), max_length=8, choices=SkillRule.choices, default=SkillRule.ANY)
    cap = models.PositiveSmallIntegerField(
        _("open tickets per agent at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Automatic assignment stops giving an agent work at this many open tickets. Empty: no limit."),
    )
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shift calendar"),
        help_text=_(
            "The level's working hours, for agents without a shift calendar of their own. Empty: around the clock."
        ),
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("assignment policy")
        verbose_name_plural = _("assignment policies")

    def __str__(self) -> str:
        return f"{Level(self.level).label}: {self.get_method_display()}"


class AgentProfile(models.Model):
    """What routing knows of an agent: the presence they chose (and when), their own shift
    calendar if they have one, and when the helpdesk last gave them a ticket."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="routing_profile"
    )
    presence = models.CharField(_("presence"), max_length=10, choices=Presence.choices, default=Presence.AVAILABLE)
    # A choice of away or off lasts until the shift it was made in ends.
    presence_set_at = models.DateTimeField(_("presence chosen"), null=True, blank=True)
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shift calendar"),
        help_text=_("Working hours, read in the agent's own time zone. Empty: their level's."),
    )
    last_assigned_at = models.DateTimeField(_("last given a ticket"), null=True, blank=True, editable=False)
    # Round-robin gives the next ticket to the lowest turn: each automatic assignment sets
    # the agent's turn past everyone's (a counter, so that equal clock readings never tie).
    turn = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("agent availability")
        verbose_name_plural = _("agent availability")

    def __str__(self) -> str:
        return str(self.user)


class AgentSkill(models.Model):
    """A category an agent handles, with an optional proficiency (1 to 5)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills", verbose_name=_("agent")
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", verbose_name=_("category"))
    proficiency = models.PositiveSmallIntegerField(
        _("proficiency"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (learning) to 5 (expert); empty if not rated."),
    )

    class Meta:
        ordering = ["category__name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["agent", "category"], name="skill_once_per_agent_category"),
            models.CheckConstraint(
                condition=models.Q(proficiency__isnull=True) | models.Q(proficiency__gte=1, proficiency__lte=5),
                name="skill_proficiency_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent}: {self.category}"

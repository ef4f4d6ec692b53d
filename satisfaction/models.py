from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from tickets.models import Category, Ticket
from tickets.ratings import SCORE_LABELS

from .choices import HIGHEST_SCORE, LOW_UP_TO, LOWEST_SCORE, SATISFIED_FROM, RatingScale


class Rating(models.Model):
    """How the requester rated the help on one ticket: one rating per ticket, changed in
    place when they rate again. Who handled it (``agent``), its level and category are
    kept as they were when it was rated, so the reports group ratings without a join."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating", verbose_name=_("ticket"))
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requester")
    )
    score = models.PositiveSmallIntegerField(_("score"), help_text=_("1 to 5; “good” is 5 and “bad” is 1."))
    scale = models.CharField(_("rated on"), max_length=4, choices=RatingScale.choices, default=RatingScale.FIVE)
    comment = models.TextField(_("comment"), blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    level = models.PositiveSmallIntegerField(_("support level"), choices=Level.choices)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    created_at = models.DateTimeField(_("first rated"), default=timezone.now)
    rated_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=LOWEST_SCORE, score__lte=HIGHEST_SCORE), name="rating_score_1_to_5"
            )
        ]
        indexes = [
            # Reports over a period: ratings given in it, with what they are grouped by.
            models.Index(
                fields=["rated_at"], include=["score", "agent", "level", "category"], name="rating_report_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"

    @property
    def label(self) -> str:
        """The score as the requester picked it ("4 — satisfied", "Good")."""
        labels = SCORE_LABELS.get(self.scale) or SCORE_LABELS["five"]
        return str(labels.get(self.score) or self.score)

    @property
    def is_low(self) -> bool:
        return self.score <= LOW_UP_TO

    @property
    def is_satisfied(self) -> bool:
        return self.score >= SATISFIED_FROM

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from tickets.choices import Impact, Urgency

from .choices import REPLY_STATUSES, TITLE_MAX_LENGTH


class CannedReply(models.Model):
    """A saved reply: shared by a support level's staff (``level``) or one person's own
    (``owner``), never both. Its texts hold only known placeholders (replies/placeholders.py);
    sending it may also move the ticket's status or its priority (impact and urgency)."""

    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body_en = models.TextField(_("text in English"), blank=True)
    body_id = models.TextField(_("text in Bahasa Indonesia"), blank=True)
    level = models.PositiveSmallIntegerField(_("shared with level"), choices=Level.choices, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        verbose_name=_("personal reply of"),
    )
    set_status = models.CharField(_("then set the status to"), max_length=10, choices=REPLY_STATUSES, blank=True)
    set_impact = models.CharField(_("then set the impact to"), max_length=8, choices=Impact.choices, blank=True)
    set_urgency = models.CharField(_("then set the urgency to"), max_length=8, choices=Urgency.choices, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__isnull=False, owner__isnull=True)
                | models.Q(level__isnull=True, owner__isnull=False),
                name="canned_reply_level_or_owner",
            )
        ]
        indexes = [models.Index(fields=["level", "title"], name="canned_reply_level_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.level is not None

    def body_for(self, language: str) -> str:
        """The text in this language, else the other one."""
        first, other = (self.body_id, self.body_en) if language == "id" else (self.body_en, self.body_id)
        return first or other

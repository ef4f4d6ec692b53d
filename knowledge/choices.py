from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleStatus(models.TextChoices):
    """Where an article is in its life: only a published one reaches requesters."""

    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Visibility(models.TextChoices):
    """Who may read a published article."""

    PUBLIC = "public", _("Public: anyone may read it")
    INTERNAL = "internal", _("Internal: support staff only")


class Helpful(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")

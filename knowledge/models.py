from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Ticket

from .choices import ArticleStatus, Visibility

# The longest title and text an article's language version takes (pages, forms, services).
TITLE_LENGTH = 250
BODY_LENGTH = 50_000
SLUG_LENGTH = 80
TERM_LENGTH = 40


class Article(models.Model):
    """An answer written in plain language, in English and/or Bahasa Indonesia; only a
    published, public article ever reaches requesters."""

    slug = models.SlugField(_("address"), max_length=SLUG_LENGTH, unique=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("category"),
    )
    visibility = models.CharField(
        _("who may read it"), max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    # The resolved ticket the article was written from ("Turn this into an article").
    source_ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written from ticket"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    # The language version a list shows its reader (set by the selectors).
    shown: "ArticleTranslation | None" = None

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            # The public list, newest first, and its category filter.
            models.Index(fields=["status", "visibility", "-published_at"], name="article_published_idx"),
            models.Index(fields=["category", "status"], name="article_category_idx"),
            # The staff list by status.
            models.Index(fields=["status", "-updated_at"], name="article_status_idx"),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("knowledge:detail", kwargs={"slug": self.slug})

    def translation_for(self, language: str) -> "ArticleTranslation | None":
        """The version in ``language``, else the other one (from the prefetched rows)."""
        translations = sorted(self.translations.all(), key=lambda t: (t.language != language, t.language))
        return translations[0] if translations else None

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleTranslation(models.Model):
    """An article's title and text in one language (Markdown); at most one per language."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=TITLE_LENGTH)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="article_translation_once"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleTerm(models.Model):
    """A word of one language version (its title or its text), folded to lower case without
    accents: what the suggestion matcher looks words up in (an index, not a scan of texts)."""

    translation = models.ForeignKey(ArticleTranslation, on_delete=models.CASCADE, related_name="terms")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=TERM_LENGTH, db_index=True)
    in_title = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["translation", "term"], name="article_term_once")]

    def __str__(self) -> str:
        return self.term


class ArticleVersion(models.Model):
    """One saved state of one language version: who wrote it and when. Never changed;
    restoring an earlier one adds a new version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    # Empty title and text: the language version was removed.
    title = models.CharField(_("title"), max_length=TITLE_LENGTH, blank=True)
    body = models.TextField(_("text"), blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_once")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number} ({self.language})"

    @property
    def removed(self) -> bool:
        return not self.title and not self.body


class ArticleVote(models.Model):
    """One answer to "Was this helpful?": one per person, or per browser session for
    readers who are not signed in; answering again changes it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    session_key = models.CharField(max_length=40, blank=True)
    helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=models.Q(user__isnull=False), name="article_vote_person_once"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=models.Q(user__isnull=True),
                name="article_vote_session_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.helpful}"


class SuggestionVisit(models.Model):
    """One visit of the new-ticket form on which articles were suggested. A ticket its
    person files from when it started until ``window_ends_at`` counts as filed from it."""

    token = models.CharField(max_length=43, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    # The last suggestion shown or article opened, plus the deflection window.
    window_ends_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["user", "started_at"], name="suggestion_visit_user_idx"),
            models.Index(fields=["started_at"], name="suggestion_visit_started_idx"),
        ]

    def __str__(self) -> str:
        return self.token


class Suggestion(models.Model):
    """An article shown on one visit of the new-ticket form, and when it was opened from there."""

    visit = models.ForeignKey(SuggestionVisit, on_delete=models.CASCADE, related_name="suggestions")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    shown_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)

    # The article's language version its reader sees (set by the selectors).
    shown: "ArticleTranslation | None" = None

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "article"], name="suggestion_once_per_visit")]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.article_id}"

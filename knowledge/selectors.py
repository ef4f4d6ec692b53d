"""Reads of the knowledge base: who may read and write which article, the suggestion
matcher, and the deflection figures."""

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import agent_levels
from tickets.models import Ticket
from tickets.search import words_prefix_query_sql

from .choices import ArticleStatus, Visibility
from .models import TERM_LENGTH, Article, ArticleTerm, ArticleTranslation, ArticleVersion, ArticleVote, Suggestion

# A visit on which an article was opened and no ticket filed within this long of its last
# suggestion or opened article is a deflection: the article answered the question.
DEFLECTION_WINDOW = timedelta(minutes=30)
# How far back the dashboard counts visits.
DEFLECTION_DAYS = 30
# The most words of a query the matcher looks up, and of a text it indexes.
QUERY_WORDS = 8
TEXT_TERMS = 3000
# Words too common to say anything about what an article is about.
STOP_WORDS = frozenset(
    "the and for not can cannot with from this that are was have has how what why when does into your you our "
    "yang dan di ke dari ini itu tidak bisa dengan untuk saya ada pada atau akan sudah belum apa bagaimana kenapa"
    .split()
)  # fmt: skip
WORD = re.compile(r"\w+")


def can_write(user) -> bool:
    """Support staff (agents of any level, supervisors, administrators) write articles and read every one."""
    return bool(agent_levels(user))


def can_publish(user) -> bool:
    """Supervisors and administrators publish, archive and send articles back to draft."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("tickets.supervise_ticket"))


def kb_open_to(user) -> bool:
    """Whether the public articles may be read by this person (HELPDESK_KB_PUBLIC closes them to visitors)."""
    return settings.HELPDESK_KB_PUBLIC or user.is_authenticated


def fold(text: str) -> str:
    """Lower case without accents ("Kata Sandi", "kata sandí" → "kata sandi")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms_of(text: str, *, limit: int = TEXT_TERMS) -> list[str]:
    """The distinct words of a text worth looking up, in order of first appearance."""
    seen: dict[str, None] = {}
    for word in WORD.findall(fold(text or "")):
        word = word.strip("_")[:TERM_LENGTH]
        if len(word) < 2 or word in STOP_WORDS or word in seen:
            continue
        seen[word] = None
        if len(seen) >= limit:
            break
    return list(seen)


def _with_translations(queryset: QuerySet[Article]) -> QuerySet[Article]:
    return queryset.select_related("category").prefetch_related(
        Prefetch("translations", queryset=ArticleTranslation.objects.only("id", "article_id", "language", "title"))
    )


def articles_suggested(query: str, language: str, limit: int, *, internal: bool = False) -> list[Article]:
    """Published articles that match the words of ``query``, best first: a word found in a
    title counts three times one found in the text; among equals, those written in
    ``language``. Public ones only, unless ``internal`` (staff). Each article comes with
    ``shown``, the language version its reader sees. The one place articles are matched:
    two queries whatever the number of articles. On PostgreSQL by full-text search (each
    word as the start of a word, English stems, accents folded); elsewhere by a prefix
    lookup on the article terms table."""
    words = [word for word in terms_of(query, limit=QUERY_WORDS) if len(word) >= 3 or word.isdigit()]
    limit = max(1, min(int(limit), 50))
    if not words:
        return []
    in_language = Max(
        Case(When(translation__language=language, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    if connection.vendor == "postgresql":
        # The words kept by the database (knowledge/migrations/0002): title (weight A) over
        # text (B), English stems and folded accents as for tickets.
        table = ArticleTranslation._meta.db_table
        query, params = words_prefix_query_sql(words)
        matching = ArticleTranslation.objects.filter(
            RawSQL(f'"{table}"."search" @@ {query}', params, output_field=BooleanField()),  # noqa: S611
            article__status=ArticleStatus.PUBLISHED,
        )
        if not internal:
            matching = matching.filter(article__visibility=Visibility.PUBLIC)
        ranked: QuerySet[Any, dict[str, Any]] = (
            matching.values("article")
            .annotate(
                score=Max(RawSQL(f'ts_rank_cd("{table}"."search", {query})', params, output_field=FloatField())),  # noqa: S611
                in_language=Max(
                    Case(When(language=language, then=Value(1)), default=Value(0), output_field=IntegerField())
                ),
            )
            .order_by("-score", "-in_language", "-article")[:limit]
        )
    else:
        matches = Q()
        for word in words:
            matches |= Q(term__startswith=word)
        terms = ArticleTerm.objects.filter(matches, article__status=ArticleStatus.PUBLISHED)
        if not internal:
            terms = terms.filter(article__visibility=Visibility.PUBLIC)
        ranked = (
            terms.values("article")
            .annotate(
                score=Sum(Case(When(in_title=True, then=Value(3)), default=Value(1), output_field=IntegerField())),
                in_language=in_language,
            )
            .order_by("-score", "-in_language", "-article")[:limit]
        )
    order = [row["article"] for row in ranked]
    if not order:
        return []
    articles = {article.pk: article for article in _with_translations(Article.objects.filter(pk__in=order))}
    found = [articles[pk] for pk in order if pk in articles]
    for article in found:
        article.shown = article.translation_for(language)
    return found


def articles_readable(*, user) -> QuerySet[Article]:
    """Every article the person may open: staff all of them (drafts and internal ones
    too), everyone else the published public ones (none when the knowledge base is closed
    to visitors and they are not signed in)."""
    if can_write(user):
        return Article.objects.all()
    if not kb_open_to(user):
        return Article.objects.none()
    return Article.objects.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)


def article_list(*, user, language: str, category_id: int | None = None) -> QuerySet[Article]:
    """The published articles the person may read (internal ones for staff), newest first."""
    articles = articles_readable(user=user).filter(status=ArticleStatus.PUBLISHED)
    if category_id is not None:
        articles = articles.filter(category_id=category_id)
    return _with_translations(articles).order_by("-published_at", "-id")


def article_manage_list(*, status: str | None = None) -> QuerySet[Article]:
    """Every article for the staff's list, by status (waiting for review first), newest change first."""
    articles = Article.objects.all()
    if status:
        articles = articles.filter(status=status)
    first = Case(When(status=ArticleStatus.REVIEW, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        _with_translations(articles)
        .select_related("created_by")
        .annotate(review_first=first)
        .order_by("review_first", "-updated_at", "-id")
    )


def article_get_for_user(*, user, slug: str) -> Article:
    """The article at ``slug`` if the person may read it, else a 404 (drafts and internal
    articles do not exist for requesters and visitors)."""
    article = (
        articles_readable(user=user)
        .select_related("category", "created_by", "source_ticket")
        .prefetch_related("translations")
        .filter(slug=slug)
        .first()
    )
    if article is None:
        raise Http404
    return article


def article_votes(*, article: Article, user, session_key: str | None) -> dict[str, Any]:
    """The "Was this helpful?" counts and this reader's own answer, in one query."""
    mine = Q(user=user) if user.is_authenticated else Q(user__isnull=True, session_key=session_key or "-")
    counts = ArticleVote.objects.filter(article=article).aggregate(
        yes=Count("id", filter=Q(helpful=True)),
        no=Count("id", filter=Q(helpful=False)),
        mine=Max(Case(When(mine, then=Case(When(helpful=True, then=Value(2)), default=Value(1))), default=Value(0))),
    )
    return {"yes": counts["yes"], "no": counts["no"], "mine": {2: "yes", 1: "no"}.get(counts["mine"] or 0)}


def article_versions(*, article: Article) -> QuerySet[ArticleVersion]:
    return ArticleVersion.objects.filter(article=article).select_related("edited_by").order_by("-number")


def article_version(*, article: Article, number: int) -> tuple[ArticleVersion, ArticleVersion | None]:
    """One version and the one before it in the same language (what it changed), or a 404."""
    version = article_versions(article=article).filter(number=number).first()
    if version is None:
        raise Http404
    previous = (
        ArticleVersion.objects.filter(article=article, language=version.language, number__lt=number)
        .order_by("-number")
        .first()
    )
    return version, previous


def _filed(prefix: str = "") -> Exists:
    """A ticket the visit's person filed while the visit lasted."""
    return Exists(
        Ticket.objects.filter(
            requester=OuterRef(f"{prefix}user"),
            created_at__gte=OuterRef(f"{prefix}started_at"),
            created_at__lte=OuterRef(f"{prefix}window_ends_at"),
        )
    )


def deflections_by_category(*, now: datetime | None = None, days: int = DEFLECTION_DAYS) -> dict[str, Any]:
    """Per category of the articles suggested on the new-ticket form in the last ``days``
    days: the visits they were shown on, those where one was opened, and those where one
    was opened and no ticket filed (deflections). Only visits whose window is over count.
    Two queries, whatever the number of visits."""
    now = now or timezone.now()
    suggestions = Suggestion.objects.filter(
        visit__started_at__gte=now - timedelta(days=days), visit__window_ends_at__lt=now
    ).annotate(filed=_filed("visit__"))
    opened = Q(opened_at__isnull=False)
    rows = (
        suggestions.values("article__category", "article__category__name")
        .annotate(
            suggested=Count("visit", distinct=True),
            opened=Count("visit", distinct=True, filter=opened),
            deflected=Count("visit", distinct=True, filter=opened & Q(filed=False)),
        )
        .order_by("-deflected", "-opened", "article__category__name")
    )
    totals = suggestions.aggregate(
        suggested=Count("visit", distinct=True),
        opened=Count("visit", distinct=True, filter=opened),
        deflected=Count("visit", distinct=True, filter=opened & Q(filed=False)),
    )
    return {
        "rows": [
            {
                "category": _(row["article__category__name"]) if row["article__category__name"] else _("No category"),
                "suggested": row["suggested"],
                "opened": row["opened"],
                "deflected": row["deflected"],
            }
            for row in rows
        ],
        "totals": totals,
        "days": days,
    }


def suggestions_before_filing(*, ticket: Ticket, language: str) -> list[Suggestion]:
    """The articles suggested to the ticket's requester on the new-ticket form in the visit
    the ticket was filed from, and whether they opened them."""
    suggestions = list(
        Suggestion.objects.filter(
            visit__user_id=ticket.requester_id,
            visit__started_at__lte=ticket.created_at,
            visit__window_ends_at__gte=ticket.created_at,
            shown_at__lte=ticket.created_at,
        )
        .select_related("article")
        .prefetch_related(
            Prefetch(
                "article__translations", queryset=ArticleTranslation.objects.only("article_id", "language", "title")
            )
        )
        .order_by("shown_at", "id")[:20]
    )
    for suggestion in suggestions:
        suggestion.shown = suggestion.article.translation_for(language)
    return suggestions

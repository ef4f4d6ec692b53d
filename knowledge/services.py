"""Writes of the knowledge base: articles and their versions, their status, votes, and
what the new-ticket form suggested and the requester opened."""

import re
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from problems.models import Problem
from tickets.models import Category, Ticket
from tickets.text import multi_line, single_line

from .choices import ArticleStatus, Visibility
from .exceptions import KnowledgeError, NotAllowedError
from .models import (
    BODY_LENGTH,
    SLUG_LENGTH,
    TITLE_LENGTH,
    Article,
    ArticleTerm,
    ArticleTranslation,
    ArticleVersion,
    ArticleVote,
    Suggestion,
    SuggestionVisit,
)
from .selectors import DEFLECTION_WINDOW, can_publish, can_write, terms_of

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
# Addresses under /kb/ that are pages of their own, never an article's.
RESERVED_SLUGS = frozenset({"new", "manage", "suggest", "picker", "deflections", "tickets", "from-ticket"})

# language → (title, text); both empty: no version in that language.
Texts = Mapping[str, tuple[str, str]]


def _clean_texts(texts: Texts) -> dict[str, tuple[str, str]]:
    cleaned = {}
    for language in LANGUAGE_CODES:
        title, body = texts.get(language, ("", ""))
        title, body = single_line(title), multi_line(body)
        if not title and not body:
            continue
        if not title or not body:
            raise KnowledgeError(_("Each language version needs both a title and a text."))
        if len(title) > TITLE_LENGTH or len(body) > BODY_LENGTH:
            raise KnowledgeError(
                _("A title may have at most %(title)d characters and a text at most %(body)d.")
                % {"title": TITLE_LENGTH, "body": BODY_LENGTH}
            )
        cleaned[language] = (title, body)
    if not cleaned:
        raise KnowledgeError(_("Write the article in at least one language: a title and a text."))
    return cleaned


def _slug_for(title: str) -> str:
    base = slugify(title)[: SLUG_LENGTH - 8].strip("-") or "article"
    if base in RESERVED_SLUGS:
        base = f"{base}-article"
    taken = set(Article.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _index(translation: ArticleTranslation) -> None:
    """Rewrite the matcher's words of one language version."""
    ArticleTerm.objects.filter(translation=translation).delete()
    title_terms = terms_of(translation.title)
    rows = {term: True for term in title_terms}
    for term in terms_of(translation.body):
        rows.setdefault(term, False)
    ArticleTerm.objects.bulk_create(
        ArticleTerm(translation=translation, article_id=translation.article_id, term=term, in_title=in_title)
        for term, in_title in rows.items()
    )


def _write_versions(*, article: Article, texts: dict[str, tuple[str, str]], by, note: str = "") -> int:
    """Save each language version that changed (adding, changing or removing it) as a new
    version; the number of versions written."""
    now = timezone.now()
    existing = {t.language: t for t in ArticleTranslation.objects.filter(article=article)}
    number = (ArticleVersion.objects.filter(article=article).aggregate(top=Max("number"))["top"]) or 0
    written = 0
    for language in LANGUAGE_CODES:
        new = texts.get(language)
        old = existing.get(language)
        if new is None and old is None:
            continue
        if new is not None and old is not None and (old.title, old.body) == new:
            continue
        number += 1
        written += 1
        title, body = new if new is not None else ("", "")
        ArticleVersion.objects.create(
            article=article, number=number, language=language, title=title, body=body, note=note, edited_by=by,
            created_at=now,
        )  # fmt: skip
        if new is None:
            old.delete()  # type: ignore[union-attr]
            continue
        if old is None:
            old = ArticleTranslation(article=article, language=language)
        old.title, old.body, old.updated_at = title, body, now
        old.save()
        _index(old)
    return written


def _check_meta(*, visibility: str) -> None:
    if visibility not in Visibility.values:
        raise KnowledgeError(_("Choose who may read the article."))


@transaction.atomic
def article_create(
    *,
    by,
    texts: Texts,
    category: Category | None = None,
    visibility: str = Visibility.PUBLIC,
    submit_for_review: bool = False,
    source_ticket: Ticket | None = None,
    source_problem: Problem | None = None,
) -> Article:
    """A new draft (or one waiting for review) by a member of staff, its first version for
    each language it is written in; its address comes from its title and never changes.
    The ticket or problem it was written from is named in its first version's note."""
    if not can_write(by):
        raise NotAllowedError(_("Only support staff write articles."))
    _check_meta(visibility=visibility)
    cleaned = _clean_texts(texts)
    title = (cleaned.get("en") or next(iter(cleaned.values())))[0]
    source = source_ticket or source_problem
    note = _("Written from %(ref)s") % {"ref": source.reference} if source else ""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                article = Article.objects.create(
                    slug=_slug_for(title),
                    category=category,
                    visibility=visibility,
                    status=ArticleStatus.REVIEW if submit_for_review else ArticleStatus.DRAFT,
                    source_ticket=source_ticket,
                    created_by=by,
                )
            break
        except IntegrityError:  # someone took the same address a moment ago
            continue
    else:
        raise KnowledgeError(_("The article could not be saved; please try again."))
    _write_versions(article=article, texts=cleaned, by=by, note=note)
    return article


@transaction.atomic
def article_update(
    *,
    article_id: int,
    by,
    texts: Texts,
    category: Category | None,
    visibility: str,
    submit_for_review: bool = False,
) -> Article:
    """Change an article: each language version that changed becomes a new version. A
    draft may be handed in for review at the same time."""
    if not can_write(by):
        raise NotAllowedError(_("Only support staff write articles."))
    article = Article.objects.select_for_update().get(pk=article_id)
    _check_meta(visibility=visibility)
    cleaned = _clean_texts(texts)
    written = _write_versions(article=article, texts=cleaned, by=by)
    changed = written or (article.category_id, article.visibility) != (getattr(category, "pk", None), visibility)
    article.category, article.visibility = category, visibility
    if submit_for_review and article.status == ArticleStatus.DRAFT:
        article.status = ArticleStatus.REVIEW
        changed = True
    if changed:
        article.updated_at = timezone.now()
    article.save()
    return article


# status → who may move an article there, and from where.
_MOVES = {
    ArticleStatus.REVIEW: ({ArticleStatus.DRAFT}, False),
    ArticleStatus.PUBLISHED: ({ArticleStatus.DRAFT, ArticleStatus.REVIEW, ArticleStatus.ARCHIVED}, True),
    ArticleStatus.ARCHIVED: ({ArticleStatus.DRAFT, ArticleStatus.REVIEW, ArticleStatus.PUBLISHED}, True),
    ArticleStatus.DRAFT: ({ArticleStatus.REVIEW, ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED}, True),
}


@transaction.atomic
def article_status_set(*, article_id: int, by, status: str) -> Article:
    """Move an article on: staff hand a draft in for review; supervisors and administrators
    publish, archive, or send it back to draft."""
    if status not in _MOVES:
        raise KnowledgeError(_("Choose a status."))
    sources, publisher_only = _MOVES[ArticleStatus(status)]
    if not can_write(by) or (publisher_only and not can_publish(by)):
        raise NotAllowedError(_("Only a supervisor or an administrator publishes, archives or withdraws articles."))
    article = Article.objects.select_for_update().get(pk=article_id)
    if article.status not in sources:
        raise KnowledgeError(
            _("An article that is %(now)s cannot become %(then)s.")
            % {"now": ArticleStatus(article.status).label, "then": ArticleStatus(status).label}
        )
    now = timezone.now()
    article.status, article.updated_at = status, now
    if status == ArticleStatus.PUBLISHED:
        article.published_at = now
    article.save(update_fields=["status", "updated_at", "published_at"])
    return article


@transaction.atomic
def article_version_restore(*, article_id: int, number: int, by) -> Article:
    """Bring an earlier version of one language back, as a new version."""
    if not can_write(by):
        raise NotAllowedError(_("Only support staff write articles."))
    article = Article.objects.select_for_update().get(pk=article_id)
    version = ArticleVersion.objects.filter(article=article, number=number).first()
    if version is None or version.removed:
        raise KnowledgeError(_("There is no such version to restore."))
    current = {t.language: (t.title, t.body) for t in ArticleTranslation.objects.filter(article=article)}
    if current.get(version.language) == (version.title, version.body):
        raise KnowledgeError(_("This version is the current one."))
    current[version.language] = (version.title, version.body)
    _write_versions(
        article=article, texts=current, by=by, note=_("Restored version %(number)d") % {"number": version.number}
    )
    article.updated_at = timezone.now()
    article.save(update_fields=["updated_at"])
    return article


@transaction.atomic
def article_vote(*, article: Article, user, session_key: str, helpful: bool) -> ArticleVote:
    """Record "Was this helpful?": one answer per person (or per session when not signed
    in); answering again replaces the first answer."""
    now = timezone.now()
    if user.is_authenticated:
        key = {"article": article, "user": user}
    else:
        if not session_key:
            raise KnowledgeError(_("Your browser did not keep the session; allow cookies to answer."))
        key = {"article": article, "user": None, "session_key": session_key}
    vote, _created = ArticleVote.objects.update_or_create(
        **key, defaults={"helpful": helpful, "updated_at": now}, create_defaults={"helpful": helpful}
    )
    return vote


VISIT_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_visit_token() -> str:
    return secrets.token_urlsafe(24)


def _visit_token(token: str) -> str:
    """The token as the form sent it, or nothing when it cannot be one of ours."""
    return token if isinstance(token, str) and VISIT_TOKEN.fullmatch(token) else ""


@transaction.atomic
def suggestions_record(*, token: str, user, articles: list[Article]) -> SuggestionVisit:
    """Record the articles the new-ticket form showed on one visit (each once). A token
    that is not this person's visit starts a new one."""
    now = timezone.now()
    token = _visit_token(token)
    visit = SuggestionVisit.objects.select_for_update().filter(token=token, user=user).first() if token else None
    if visit is None:
        visit = SuggestionVisit.objects.create(
            token=new_visit_token(), user=user, started_at=now, window_ends_at=now + DEFLECTION_WINDOW
        )
    else:
        visit.window_ends_at = now + DEFLECTION_WINDOW
        visit.save(update_fields=["window_ends_at"])
    Suggestion.objects.bulk_create(
        [Suggestion(visit=visit, article=article, shown_at=now) for article in articles], ignore_conflicts=True
    )
    return visit


@transaction.atomic
def suggestion_opened(*, token: str, user, article: Article) -> bool:
    """Record that the person opened an article the new-ticket form suggested to them;
    False (nothing written) when the token is not theirs or the article was not suggested."""
    token = _visit_token(token)
    if not token or not user.is_authenticated:
        return False
    visit = SuggestionVisit.objects.select_for_update().filter(token=token, user=user).first()
    if visit is None:
        return False
    now = timezone.now()
    opened = Suggestion.objects.filter(visit=visit, article=article, opened_at__isnull=True).update(opened_at=now)
    if Suggestion.objects.filter(visit=visit, article=article).exists():
        visit.window_ends_at = max(visit.window_ends_at, now + DEFLECTION_WINDOW)
        visit.save(update_fields=["window_ends_at"])
    return bool(opened)

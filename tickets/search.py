"""Full-text search over tickets: the one selector the search page and the API share.

On PostgreSQL the database keeps each ticket's words (tickets/migrations/0019): every word
of the query must be found, as written (accents folded) or by its English stem, in the
ticket (internal notes too, for support staff); results are ranked by where the words are
(subject over description over replies). When no ticket has the words, misspelt or partial
ones are looked for in the subjects by trigram similarity. Elsewhere (SQLite, the embedded
default) every word must appear, as written, in the subject, the description or a reply.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.selectors import agent_levels

from .models import Comment, Ticket

WORD = re.compile(r"\w+")
# A query is read as at most this many words, each at most this long.
MAX_WORDS = 8
MAX_WORD_LENGTH = 60
# Where a match is shown: this much of the description and replies is read for a snippet.
SNIPPET_SOURCE = 20000
# The marks ts_headline puts around a match (control characters never stored in text).
START, STOP = "\x02", "\x03"
TICKETS, COMMENTS = Ticket._meta.db_table, Comment._meta.db_table


def search_words(query: str) -> list[str]:
    """The words of a query, folded to lower case, without punctuation."""
    return [word[:MAX_WORD_LENGTH] for word in WORD.findall((query or "").casefold())[:MAX_WORDS]]


def _query_sql(words: list[str], join: str) -> tuple[str, list[str]]:
    """The words as one tsquery, all of them required (``join="&&"``) or any (``"||"``):
    each word's lexeme, as written or English-stemmed (``hd_word_query``, migration
    0019). Every word is a parameter."""
    return "(" + f" {join} ".join(["hd_word_query(%s)"] * len(words)) + ")", list(words)


def words_prefix_query_sql(words: list[str]) -> tuple[str, list[str]]:
    """Any of the words, each as the start of a word, as one tsquery (for suggestions
    while someone types: a small table, where prefixes cost little). Words are letters and
    digits only, so quoted they are never tsquery syntax."""
    parts = ["to_tsquery('hd_simple', %s) || to_tsquery('hd_english', %s)"] * len(words)
    params = [f"'{word}':*" for word in words for _config in (1, 2)]
    return "(" + " || ".join(parts) + ")", params


def ticket_search(*, user, query: str, tickets: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """The tickets among ``tickets`` (default: those ``user`` may see) that match the
    words of ``query``, best first, each annotated with ``search_rank``. No words: none."""
    staff = bool(agent_levels(user))
    if tickets is None:
        tickets = Ticket.objects.all() if staff else Ticket.objects.filter(requester=user)
    words = search_words(query)
    if not words:
        return tickets.none()
    if connection.vendor == "postgresql":
        public, internal = f'"{TICKETS}"."search_public"', f'"{TICKETS}"."search_internal"'
        subject = f'"{TICKETS}"."subject"'
        # Table and column names come from the models; every value is a parameter.
        every, every_params = _query_sql(words, "&&")
        found = f"{public} @@ {every}" + (f" OR {internal} @@ {every}" if staff else "")
        matches = RawSQL(f"({found})", every_params * (2 if staff else 1), output_field=BooleanField())  # noqa: S611
        any_word, any_params = _query_sql(words, "||")
        # Subject (weight A) over description (B) over replies (C); a match in an internal
        # note alone ranks after them.
        rank = RawSQL(f"ts_rank_cd({public}, {any_word})::float8", any_params, output_field=FloatField())  # noqa: S611
        found_tickets = tickets.filter(matches)
        if found_tickets.exists():
            return found_tickets.annotate(search_rank=rank).order_by("-search_rank", "-id")
        # Nothing has these words: misspelt or partial ones may still be in a subject, each
        # word like one of its words (pg_trgm's word similarity, threshold 0.6).
        similar = [RawSQL(f"%s <%% {subject}", [word], output_field=BooleanField()) for word in words]  # noqa: S611
        closeness = RawSQL(  # noqa: S611
            f"word_similarity(%s, {subject})::float8", [" ".join(words)], output_field=FloatField()
        )
        return tickets.filter(*similar).annotate(search_rank=closeness).order_by("-search_rank", "-id")
    in_subject, in_ticket, each_word = Q(), Q(), []
    for word in words:
        replies = Comment.objects.filter(ticket=OuterRef("pk"), body__icontains=word)
        if not staff:
            replies = replies.filter(is_internal=False)
        each_word.append(Q(subject__icontains=word) | Q(description__icontains=word) | Q(Exists(replies)))
        in_subject &= Q(subject__icontains=word)
        in_ticket &= Q(subject__icontains=word) | Q(description__icontains=word)
    plain_rank = Case(
        When(in_subject, then=Value(3.0)),
        When(in_ticket, then=Value(2.0)),
        default=Value(1.0),
        output_field=FloatField(),
    )
    return tickets.filter(*each_word).annotate(search_rank=plain_rank).order_by("-search_rank", "-id")


@dataclass(frozen=True)
class Headline:
    subject: SafeString
    snippet: SafeString


def _marked(text: str) -> SafeString:
    """ts_headline's text, escaped, its marks made ``<mark>``."""
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def _highlighted(text: str, words: list[str], *, around: int = 90) -> SafeString:
    """Other databases: the first match with some text around it, every word marked."""
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - around) if first else 0
    piece = text[start : start + 2 * around + 60]
    marked = pattern.sub(lambda match: f"{START}{match.group(0)}{STOP}", piece)
    return _marked(("… " if start else "") + marked + (" …" if start + len(piece) < len(text) else ""))


def ticket_search_headlines(*, user, query: str, tickets: list[Ticket]) -> dict[int, Headline]:
    """For the tickets of one results page: the subject and a snippet of where the words
    were found (description and replies; internal notes for staff only), the words marked.
    One query, however many tickets."""
    words = search_words(query)
    if not tickets or not words:
        return {}
    staff = bool(agent_levels(user))
    ids = [ticket.pk for ticket in tickets]
    internal = "" if staff else " AND NOT c.is_internal"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source = (
                f"left(t.description || E'\\n' || coalesce((SELECT string_agg(c.body, E'\\n' ORDER BY c.id)"  # noqa: S608
                f" FROM {COMMENTS} c WHERE c.ticket_id = t.id{internal}), ''), {SNIPPET_SOURCE})"
            )
            any_word, any_params = _query_sql(words, "||")
            options = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2"
            cursor.execute(
                f"SELECT t.id, ts_headline('hd_simple', t.subject, {any_word}, %s),"  # noqa: S608
                f" ts_headline('hd_english', {source}, {any_word}, %s)"
                f" FROM {TICKETS} t WHERE t.id = ANY(%s)",
                [*any_params, f"StartSel={START}, StopSel={STOP}, HighlightAll=true", *any_params, options, ids],
            )
            return {pk: Headline(_marked(subject), _marked(snippet)) for pk, subject, snippet in cursor.fetchall()}
        source = (
            f"substr(t.description || char(10) || coalesce((SELECT group_concat(c.body, char(10))"  # noqa: S608
            f" FROM {COMMENTS} c WHERE c.ticket_id = t.id{internal}), ''), 1, {SNIPPET_SOURCE})"
        )
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT t.id, t.subject, {source} FROM {TICKETS} t WHERE t.id IN ({placeholders})",  # noqa: S608
            ids,
        )
        return {
            pk: Headline(_highlighted(subject, words, around=1000), _highlighted(snippet, words))
            for pk, subject, snippet in cursor.fetchall()
        }

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from knowledge import services
from knowledge.choices import ArticleStatus, Visibility
from knowledge.selectors import articles_suggested, deflections_by_category, suggestions_before_filing, terms_of
from tests.factories import TicketFactory, category, make_requester
from tests.knowledge.support import make_article

pytestmark = pytest.mark.django_db


def titles(articles) -> list[str]:
    return [article.shown.title for article in articles]


def test_words_are_folded_and_common_words_left_out():
    assert terms_of("Tidak bisa LOGIN ke Wi-Fi, kata sandí salah!") == ["login", "wi", "fi", "kata", "sandi", "salah"]


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_text():
    make_article(en=("Email on the phone", "If the printer is slow, restart it."))
    make_article(en=("Printer is slow", "Restart it."))
    assert titles(articles_suggested("printer", "en", 5)) == ["Printer is slow", "Email on the phone"]


def test_suggestions_match_the_beginning_of_words_in_either_language_and_show_the_readers_version():
    make_article(en=("Forgot my password", "Use the reset page."), id=("Lupa kata sandi", "Pakai halaman reset."))
    make_article(en=("Printer jams", "Pull the paper."))
    assert titles(articles_suggested("lupa sand", "id", 5)) == ["Lupa kata sandi"]
    assert titles(articles_suggested("lupa sand", "en", 5)) == ["Forgot my password"]
    # Only in English: an Indonesian reader sees the English version.
    assert titles(articles_suggested("printer", "id", 5)) == ["Printer jams"]


def test_suggestions_are_only_published_public_articles_unless_staff_ask():
    make_article(en=("Printer public", "x"))
    make_article(en=("Printer internal", "x"), visibility=Visibility.INTERNAL)
    for status in (ArticleStatus.DRAFT, ArticleStatus.REVIEW, ArticleStatus.ARCHIVED):
        make_article(en=(f"Printer {status}", "x"), status=status)
    assert titles(articles_suggested("printer", "en", 10)) == ["Printer public"]
    assert sorted(titles(articles_suggested("printer", "en", 10, internal=True))) == [
        "Printer internal",
        "Printer public",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", []),
        ("   ", []),
        ("a", []),
        ("the and", []),
        ("\x00", []),
        ("🙂" * 50, []),
        ("'; DROP TABLE x; --", []),
        # Markup is words like any other: "script" is looked up, as text.
        ("<script>", ["Script errors"]),
    ],
)
def test_only_words_worth_looking_up_are_matched(query, expected):
    make_article(en=("Script errors", "x"))
    assert titles(articles_suggested(query, "en", 5)) == expected


def test_the_limit_is_kept_and_the_queries_do_not_grow_with_articles(django_assert_max_num_queries):
    for number in range(30):
        make_article(en=(f"Printer {number}", "Paper"), id=(f"Pencetak {number}", "Kertas"))
    with django_assert_max_num_queries(3):
        found = articles_suggested("printer paper", "id", 5)
        assert len(titles(found)) == 5


def visit_with(requester, article, *, opened: bool):
    visit = services.suggestions_record(token="", user=requester, articles=[article])
    if opened:
        assert services.suggestion_opened(token=visit.token, user=requester, article=article)
    return visit


def test_a_visit_where_an_article_was_opened_and_nothing_filed_is_a_deflection_of_its_category():
    printers, passwords = category("Printer and scanner"), category("Password and account")
    printer = make_article(en=("Printer jams", "x"), category=printers)
    password = make_article(en=("Password reset", "x"), category=passwords)
    start = timezone.now() - timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        deflected = make_requester()
        visit_with(deflected, printer, opened=True)
        filed_anyway = make_requester()
        visit_with(filed_anyway, password, opened=True)
        only_shown = make_requester()
        visit_with(only_shown, password, opened=False)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        TicketFactory(requester=filed_anyway)
    # Someone else's ticket does not make a visit filed.
    TicketFactory()
    figures = deflections_by_category()
    rows = {row["category"]: (row["suggested"], row["opened"], row["deflected"]) for row in figures["rows"]}
    assert rows == {"Printer and scanner": (1, 1, 1), "Password and account": (2, 1, 0)}
    assert figures["totals"] == {"suggested": 3, "opened": 2, "deflected": 1}


def test_a_visit_still_within_its_window_is_not_counted_yet():
    article = make_article()
    visit_with(make_requester(), article, opened=True)
    assert deflections_by_category()["totals"]["suggested"] == 0


def test_the_deflection_figures_take_two_queries_whatever_the_visits(django_assert_num_queries):
    article = make_article(category=category("Printer and scanner"))
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
        for _n in range(10):
            visit_with(make_requester(), article, opened=True)
    with django_assert_num_queries(2):
        assert deflections_by_category()["totals"]["deflected"] == 10


def test_opening_is_recorded_only_for_the_persons_own_visit_and_a_suggested_article():
    shown, other = make_article(en=("Printer", "x")), make_article(en=("Scanner", "x"))
    requester = make_requester()
    visit = services.suggestions_record(token="", user=requester, articles=[shown])
    assert not services.suggestion_opened(token=visit.token, user=make_requester(), article=shown)
    assert not services.suggestion_opened(token=visit.token, user=requester, article=other)
    assert not services.suggestion_opened(token="forged", user=requester, article=shown)
    assert services.suggestion_opened(token=visit.token, user=requester, article=shown)
    # The same visit goes on with the same token; someone else's token starts a visit of their own.
    assert services.suggestions_record(token=visit.token, user=requester, articles=[other]).pk == visit.pk
    assert services.suggestions_record(token=visit.token, user=make_requester(), articles=[other]).pk != visit.pk


def test_the_ticket_page_lists_what_its_requester_was_shown_before_filing():
    requester = make_requester()
    shown, opened = make_article(en=("Printer", "x")), make_article(en=("Scanner", "x"), id=("Pemindai", "x"))
    visit = services.suggestions_record(token="", user=requester, articles=[shown, opened])
    services.suggestion_opened(token=visit.token, user=requester, article=opened)
    ticket = TicketFactory(requester=requester, created_at=timezone.now() + timedelta(minutes=5))
    later = TicketFactory(requester=requester, created_at=timezone.now() + timedelta(hours=2))
    suggestions = suggestions_before_filing(ticket=ticket, language="id")
    assert [(s.shown.title, s.opened_at is not None) for s in suggestions] == [("Printer", False), ("Pemindai", True)]
    assert suggestions_before_filing(ticket=later, language="id") == []
    assert suggestions_before_filing(ticket=TicketFactory(), language="en") == []

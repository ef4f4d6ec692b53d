import pytest

from knowledge import services
from knowledge.choices import ArticleStatus, Visibility
from knowledge.exceptions import KnowledgeError, NotAllowedError
from knowledge.models import Article, ArticleTerm, ArticleTranslation, ArticleVersion, ArticleVote
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tests.knowledge.support import make_article

pytestmark = pytest.mark.django_db


def test_an_agent_writes_a_draft_with_both_languages_and_each_becomes_a_first_version():
    agent = make_agent(1)
    article = services.article_create(
        by=agent,
        texts={"en": ("Reset your password", "Go to the portal."), "id": ("Atur ulang kata sandi", "Buka portal.")},
        category=category("Password and account"),
    )
    assert (article.status, article.slug, article.created_by) == (ArticleStatus.DRAFT, "reset-your-password", agent)
    assert sorted(ArticleTranslation.objects.filter(article=article).values_list("language", "title")) == [
        ("en", "Reset your password"),
        ("id", "Atur ulang kata sandi"),
    ]
    assert sorted(ArticleVersion.objects.filter(article=article).values_list("number", "language", "edited_by")) == [
        (1, "en", agent.pk),
        (2, "id", agent.pk),
    ]


def test_a_requester_cannot_write_an_article():
    with pytest.raises(NotAllowedError):
        services.article_create(by=make_requester(), texts={"en": ("Hi", "There")})
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "texts",
    [
        {},
        {"en": ("", "")},
        {"en": ("A title", "")},
        {"id": ("", "Teks saja")},
        {"en": ("\x00\x07", "\r\n\t")},
        {"en": ("x" * 251, "Body")},
        {"en": ("Title", "y" * 50_001)},
    ],
)
def test_an_article_without_a_complete_language_version_or_past_the_limits_is_refused(texts):
    with pytest.raises(KnowledgeError):
        services.article_create(by=make_agent(1), texts=texts)
    assert not Article.objects.exists() and not ArticleVersion.objects.exists()


def test_titles_are_one_line_and_the_address_is_unique_and_never_a_page_of_its_own():
    agent = make_agent(1)
    first = services.article_create(by=agent, texts={"en": ("VPN\r\nBcc: x", "Body")})
    second = services.article_create(by=agent, texts={"en": ("VPN Bcc: x", "Other body")})
    emoji = services.article_create(by=agent, texts={"en": ("🙂🙂", "Body")})
    reserved = services.article_create(by=agent, texts={"en": ("New", "Body")})
    assert first.translations.get().title == "VPN Bcc: x"
    assert (first.slug, second.slug, emoji.slug, reserved.slug) == (
        "vpn-bcc-x",
        "vpn-bcc-x-2",
        "article",
        "new-article",
    )


def test_a_250_character_unicode_title_is_kept_whole():
    title = ("Pencetak 🖨️ tidak jalan — ñ " * 20)[:250]
    article = services.article_create(by=make_agent(1), texts={"id": (title, "Teks")})
    assert article.translations.get().title == title.strip()
    assert len(article.slug) <= 80


def test_an_edit_records_a_version_only_for_the_language_that_changed():
    article = make_article(en=("Printer jams", "Pull the paper."), id=("Kertas macet", "Tarik kertasnya."))
    editor = make_agent(2)
    services.article_update(
        article_id=article.pk,
        by=editor,
        texts={
            "en": ("Printer jams", "Open the tray, then pull the paper."),
            "id": ("Kertas macet", "Tarik kertasnya."),
        },
        category=None,
        visibility=Visibility.PUBLIC,
    )
    latest = ArticleVersion.objects.filter(article=article).order_by("-number").first()
    assert (latest.number, latest.language, latest.edited_by, latest.body) == (
        3,
        "en",
        editor,
        "Open the tray, then pull the paper.",
    )
    assert ArticleVersion.objects.filter(article=article).count() == 3


def test_restoring_an_earlier_version_adds_a_new_version_with_its_text():
    article = make_article(en=("Printer jams", "First text."))
    agent = make_agent(1)
    services.article_update(
        article_id=article.pk, by=agent, texts={"en": ("Printer jams", "Second text.")}, category=None,
        visibility=Visibility.PUBLIC,
    )  # fmt: skip
    services.article_version_restore(article_id=article.pk, number=1, by=agent)
    assert article.translations.get().body == "First text."
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number").values_list("number", "body"))
    assert versions == [(1, "First text."), (2, "Second text."), (3, "First text.")]
    assert ArticleVersion.objects.get(article=article, number=3).note == "Restored version 1"
    with pytest.raises(KnowledgeError):
        services.article_version_restore(article_id=article.pk, number=3, by=agent)
    with pytest.raises(KnowledgeError):
        services.article_version_restore(article_id=article.pk, number=99, by=agent)


def test_removing_a_language_version_is_a_version_too_and_cannot_be_restored_as_such():
    article = make_article(en=("Printer jams", "Pull."), id=("Kertas macet", "Tarik."))
    agent = make_agent(1)
    services.article_update(
        article_id=article.pk, by=agent, texts={"en": ("Printer jams", "Pull.")}, category=None,
        visibility=Visibility.PUBLIC,
    )  # fmt: skip
    assert list(article.translations.values_list("language", flat=True)) == ["en"]
    removed = ArticleVersion.objects.filter(article=article).order_by("-number").first()
    assert removed.removed and removed.language == "id"
    with pytest.raises(KnowledgeError):
        services.article_version_restore(article_id=article.pk, number=removed.number, by=agent)
    services.article_version_restore(article_id=article.pk, number=2, by=agent)
    assert sorted(article.translations.values_list("language", "title")) == [
        ("en", "Printer jams"),
        ("id", "Kertas macet"),
    ]


def test_agents_hand_drafts_in_for_review_and_only_supervisors_publish_or_archive():
    agent, supervisor = make_agent(3), make_supervisor()
    article = make_article(status=ArticleStatus.DRAFT, by=agent)
    for status in (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED):
        with pytest.raises(NotAllowedError):
            services.article_status_set(article_id=article.pk, by=agent, status=status)
    with pytest.raises(NotAllowedError):
        services.article_status_set(article_id=article.pk, by=make_requester(), status=ArticleStatus.REVIEW)
    services.article_status_set(article_id=article.pk, by=agent, status=ArticleStatus.REVIEW)
    published = services.article_status_set(article_id=article.pk, by=supervisor, status=ArticleStatus.PUBLISHED)
    assert published.status == ArticleStatus.PUBLISHED and published.published_at is not None
    with pytest.raises(KnowledgeError):
        services.article_status_set(article_id=article.pk, by=supervisor, status=ArticleStatus.PUBLISHED)
    with pytest.raises(KnowledgeError):
        services.article_status_set(article_id=article.pk, by=supervisor, status="gone")
    archived = services.article_status_set(article_id=article.pk, by=supervisor, status=ArticleStatus.ARCHIVED)
    assert archived.status == ArticleStatus.ARCHIVED


def test_a_person_votes_once_and_voting_again_changes_the_answer():
    article = make_article()
    reader = make_requester()
    services.article_vote(article=article, user=reader, session_key="", helpful=True)
    services.article_vote(article=article, user=reader, session_key="", helpful=False)
    assert list(ArticleVote.objects.values_list("user", "helpful")) == [(reader.pk, False)]


def test_anonymous_readers_vote_once_per_session():
    from django.contrib.auth.models import AnonymousUser

    article = make_article()
    services.article_vote(article=article, user=AnonymousUser(), session_key="s1", helpful=True)
    services.article_vote(article=article, user=AnonymousUser(), session_key="s1", helpful=True)
    services.article_vote(article=article, user=AnonymousUser(), session_key="s2", helpful=False)
    assert sorted(ArticleVote.objects.values_list("session_key", "helpful")) == [("s1", True), ("s2", False)]
    with pytest.raises(KnowledgeError):
        services.article_vote(article=article, user=AnonymousUser(), session_key="", helpful=True)


def test_the_matcher_index_holds_folded_words_of_the_title_and_text():
    article = make_article(en=("Café Wi-Fi drops", "The **router** restarts."), id=("Wi-Fi putus", "Router mati."))
    english = article.translations.get(language="en")
    terms = dict(ArticleTerm.objects.filter(translation=english).values_list("term", "in_title"))
    assert terms == {"cafe": True, "wi": True, "fi": True, "drops": True, "router": False, "restarts": False}


def test_an_article_written_from_a_ticket_remembers_it():
    ticket = TicketFactory(resolution="Reseated the cable.")
    article = services.article_create(
        by=make_agent(1), texts={"en": ("Cable", "Reseat it.")}, source_ticket=ticket, submit_for_review=True
    )
    assert (article.source_ticket, article.status) == (ticket, ArticleStatus.REVIEW)
    assert ArticleVersion.objects.get(article=article).note == f"Written from {ticket.reference}"

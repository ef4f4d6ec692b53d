import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from knowledge.choices import ArticleStatus, Visibility
from knowledge.models import Article, ArticleVersion, ArticleVote, Suggestion, SuggestionVisit
from problems.models import Problem
from tests.api.permission_matrix import make_admin
from tests.factories import TicketFactory, category, make_agent, make_requester, make_supervisor
from tests.knowledge.support import make_article
from tests.problems.support import problem_with
from tickets.choices import Status

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "agent_l1", "agent_l2", "agent_l3", "supervisor", "admin")
STAFF = {"agent_l1", "agent_l2", "agent_l3", "supervisor", "admin"}


def person(role: str):
    return {
        "anonymous": lambda: None,
        "requester": make_requester,
        "agent_l1": lambda: make_agent(1),
        "agent_l2": lambda: make_agent(2),
        "agent_l3": lambda: make_agent(3),
        "supervisor": make_supervisor,
        "admin": make_admin,
    }[role]()


def client_as(role: str) -> Client:
    client = Client()
    user = person(role)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def library():
    """One article of each kind, all about printers."""
    return {
        "public": make_article(en=("Printer public", "Public text.")),
        "internal": make_article(en=("Printer internal", "Internal text."), visibility=Visibility.INTERNAL),
        "draft": make_article(en=("Printer draft", "Draft text."), status=ArticleStatus.DRAFT),
        "review": make_article(en=("Printer review", "Review text."), status=ArticleStatus.REVIEW),
        "archived": make_article(en=("Printer archived", "Archived text."), status=ArticleStatus.ARCHIVED),
    }


def listed(response) -> set[str]:
    return set(re.findall(r"Printer (public|internal|draft|review|archived)", response.content.decode()))


@pytest.mark.parametrize("role", ROLES)
def test_the_list_and_its_search_show_each_role_only_what_it_may_read(role, library):
    client = client_as(role)
    expected = {"public", "internal"} if role in STAFF else {"public"}
    for params in ({}, {"q": "printer"}):
        response = client.get("/kb/", params)
        assert response.status_code == 200
        assert listed(response) == expected, params


@pytest.mark.parametrize("role", ROLES)
def test_each_article_page_opens_only_for_the_roles_that_may_read_it(role, library):
    client = client_as(role)
    for kind, article in library.items():
        response = client.get(f"/kb/{article.slug}/")
        readable = kind == "public" or role in STAFF
        assert response.status_code == (200 if readable else 404), kind
        if readable:
            assert f"{kind.capitalize()} text." in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_new_ticket_suggestions_are_public_published_articles_for_everyone(role, library):
    response = client_as(role).get("/kb/suggest/", {"subject": "printer"})
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        return
    assert response.status_code == 200
    assert listed(response) == {"public"}


@pytest.mark.parametrize("role", ROLES)
def test_the_reply_picker_is_for_staff_and_offers_public_published_articles(role, library):
    response = client_as(role).get("/kb/picker/", {"q": "printer"})
    if role == "anonymous":
        assert response.status_code == 302
    elif role == "requester":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert listed(response) == {"public"}
        assert f'data-kb-insert="Printer public — http://127.0.0.1:8000/kb/{library["public"].slug}/"' in (
            response.content.decode()
        )


@pytest.mark.parametrize("role", ROLES)
def test_the_staff_pages_refuse_requesters_and_show_staff_every_article(role, library):
    client = client_as(role)
    for path in (
        "/kb/manage/",
        "/kb/new/",
        f"/kb/{library['public'].slug}/edit/",
        f"/kb/{library['draft'].slug}/versions/",
    ):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302, path
        else:
            assert response.status_code == (200 if role in STAFF else 403), path
    if role in STAFF:
        assert listed(client.get("/kb/manage/")) == set(library)
        assert listed(client.get("/kb/manage/", {"status": "review"})) == {"review"}


def test_with_the_knowledge_base_closed_visitors_are_asked_to_sign_in(settings, library):
    settings.HELPDESK_KB_PUBLIC = False
    anonymous = Client()
    for path in ("/kb/", f"/kb/{library['public'].slug}/"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    response = anonymous.post(f"/kb/{library['public'].slug}/vote/", {"helpful": "yes"})
    assert response.status_code == 302 and not ArticleVote.objects.exists()
    requester = client_as("requester")
    assert requester.get(f"/kb/{library['public'].slug}/").status_code == 200
    assert requester.get(f"/kb/{library['internal'].slug}/").status_code == 404


def test_hostile_markdown_is_shown_as_text_and_links_keep_only_safe_schemes():
    body = (
        "Hello <script>alert('x')</script> <img src=x onerror=alert(1)> <b onclick=\"x\">bold</b>\n\n"
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [ok](https://example.org/a?b=1&c=2)\n\n"
        "<iframe src='https://evil.example'></iframe> & ' \" 🙂"
    )
    article = make_article(en=('Hostile <b>title</b> & "quotes"', body))
    html = Client().get(f"/kb/{article.slug}/").content.decode()
    main = html.split('data-testid="article-body">', 1)[1].split("</div>", 1)[0]
    # No element but the safe ones, no event handler, no link of a dangerous scheme.
    assert set(re.findall(r"<([a-z0-9]+)", main)) == {"p", "a"}
    assert not re.search(r"<[^>]*\son\w+=", main)
    assert re.findall(r'href="([^"]*)"', main) == ["https://example.org/a?b=1&amp;c=2"]
    assert "&lt;script&gt;" in main
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">ok</a>' in main
    assert "Hostile &lt;b&gt;title&lt;/b&gt; &amp; &quot;quotes&quot;" in html
    assert "🙂" in main


def test_a_text_past_the_limit_is_refused_on_the_form_and_nothing_is_saved():
    client = client_as("agent_l1")
    response = client.post(
        "/kb/new/", {"visibility": "public", "title_en": "Huge", "body_en": "x" * 50_001, "title_id": "", "body_id": ""}
    )
    assert response.status_code == 400
    assert "at most 50000 characters" in response.content.decode() or "50.000" in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"title_en": "Only a title"},
        {"body_id": "Hanya teks"},
        {},
        {"title_en": "x" * 251, "body_en": "y"},
        {"title_en": "\x00", "body_en": "\x00"},
        {"title_en": "Ok", "body_en": "Ok", "visibility": "everyone"},
        {"title_en": "Ok", "body_en": "Ok", "category": "99999999999999999999"},
        {"title_en": "Ok", "body_en": "Ok", "category": "'; DROP"},
    ],
)
def test_an_incomplete_or_hostile_article_form_is_shown_again_with_its_errors(data):
    response = client_as("agent_l2").post("/kb/new/", {"visibility": "public", **data})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not Article.objects.exists()


def test_an_agent_writes_an_article_in_both_languages_and_hands_it_in(client):
    agent = make_agent(1)
    client.force_login(agent)
    response = client.post(
        "/kb/new/",
        {
            "category": category("Printer and scanner").pk,
            "visibility": "public",
            "title_en": "Printer 🖨️ jams",
            "body_en": "1. Open the tray\n2. Pull the paper",
            "title_id": "Kertas macet",
            "body_id": "1. Buka baki\n2. Tarik kertas",
            "submit_for_review": "on",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kb/{article.slug}/"
    assert (article.status, article.category.name, article.created_by) == ("review", "Printer and scanner", agent)
    page = client.get(response["Location"]).content.decode()
    assert "<ol>\n<li>Open the tray</li>" in page
    assert "Publish" not in page  # an agent does not publish


def test_the_reader_sees_their_language_and_else_the_other_with_a_note():
    both = make_article(en=("Printer jams", "Pull the paper."), id=("Kertas macet", "Tarik kertasnya."))
    english_only = make_article(en=("VPN drops", "Reconnect."))
    client = Client(headers={"accept-language": "id"})
    page = client.get(f"/kb/{both.slug}/").content.decode()
    assert "Kertas macet" in page and "Tarik kertasnya." in page and 'data-testid="other-language"' not in page
    assert "Printer jams" in client.get(f"/kb/{both.slug}/", {"lang": "en"}).content.decode()
    page = client.get(f"/kb/{english_only.slug}/").content.decode()
    assert "Reconnect." in page and 'data-testid="other-language"' in page


def test_supervisors_publish_and_agents_may_not(library):
    draft = library["review"]
    agent = client_as("agent_l3")
    assert agent.post(f"/kb/{draft.slug}/status/", {"status": "published"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "review"
    supervisor = client_as("supervisor")
    assert supervisor.post(f"/kb/{draft.slug}/status/", {"status": "published"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert client_as("requester").post(f"/kb/{draft.slug}/status/", {"status": "archived"}).status_code == 403
    # A move that makes no sense is explained, not refused.
    response = supervisor.post(f"/kb/{draft.slug}/status/", {"status": "published"})
    assert response.status_code == 409 and "cannot become" in response.content.decode()


def test_a_vote_counts_once_per_reader_and_anonymous_readers_may_vote():
    article = make_article()
    anonymous = Client()
    for answer in ("yes", "no", "no"):
        assert anonymous.post(f"/kb/{article.slug}/vote/", {"helpful": answer}).status_code == 302
    requester = client_as("requester")
    requester.post(f"/kb/{article.slug}/vote/", {"helpful": "yes"})
    assert sorted(ArticleVote.objects.values_list("helpful", flat=True)) == [False, True]
    assert "1 found it helpful, 1 did not" in anonymous.get(f"/kb/{article.slug}/").content.decode()
    assert anonymous.post(f"/kb/{article.slug}/vote/", {"helpful": "maybe"}).status_code == 400
    assert ArticleVote.objects.count() == 2


def test_staff_see_who_changed_what_and_restore_an_earlier_version(client):
    article = make_article(en=("Printer jams", "First line.\nSecond line."))
    editor = make_agent(2, username="budi")
    client.force_login(editor)
    response = client.post(
        f"/kb/{article.slug}/edit/",
        {"visibility": "public", "title_en": "Printer jams again", "body_en": "First line.\nChanged line."},
    )
    assert response.status_code == 302
    history = client.get(f"/kb/{article.slug}/versions/").content.decode()
    assert str(editor) in history and "Printer jams again" in history
    version = client.get(f"/kb/{article.slug}/versions/2/").content.decode()
    assert "-Second line." in version and "+Changed line." in version
    assert client.get(f"/kb/{article.slug}/versions/99/").status_code == 404
    assert client.post(f"/kb/{article.slug}/versions/1/restore/").status_code == 302
    assert article.translations.get().body == "First line.\nSecond line."
    assert ArticleVersion.objects.filter(article=article).count() == 3


def test_a_resolved_ticket_offers_staff_to_turn_it_into_an_article_prefilled():
    ticket = TicketFactory(
        subject="Printer on floor 3 jams",
        description="Every morning the printer jams. " * 40,
        resolution="Replaced the worn roller.",
        status=Status.RESOLVED,
        category=category("Printer and scanner"),
    )
    agent = client_as("agent_l1")
    page = agent.get(ticket.get_absolute_url()).content.decode()
    assert f"/kb/from-ticket/{ticket.reference}/" in page and "Turn this into an article" in page
    assert "data-kb-picker" in page
    owner = Client()
    owner.force_login(ticket.requester)
    own = owner.get(ticket.get_absolute_url()).content.decode()
    assert "Turn this into an article" not in own and "data-kb-picker" not in own
    assert owner.get(f"/kb/from-ticket/{ticket.reference}/").status_code == 403

    form = agent.get(f"/kb/from-ticket/{ticket.reference}/").context["form"]
    assert form.initial["title_en"] == "Printer on floor 3 jams"
    assert "Replaced the worn roller." in form.initial["body_en"]
    assert len(form.initial["body_en"]) < 800 and form.initial["category"] == ticket.category_id
    response = agent.post(
        f"/kb/from-ticket/{ticket.reference}/",
        {"visibility": "public", "title_en": form.initial["title_en"], "body_en": form.initial["body_en"],
         "category": ticket.category_id, "submit_for_review": "on"},
    )  # fmt: skip
    article = Article.objects.get()
    assert response.status_code == 302 and (article.source_ticket, article.status) == (ticket, "review")


def test_an_open_ticket_does_not_offer_it_yet():
    ticket = TicketFactory(status=Status.OPEN)
    assert "Turn this into an article" not in client_as("agent_l1").get(ticket.get_absolute_url()).content.decode()


def test_a_problem_s_workaround_and_fix_become_an_article_for_review_without_its_root_cause():
    hostile = "Ünïcødé 😀 ' \" <script>alert(1)</script> & \r\nline"
    problem = problem_with(
        TicketFactory(status=Status.OPEN),
        description="VPN drops for everyone at 09:00.",
        workaround="Reconnect the VPN. " + hostile,
    )
    Problem.objects.filter(pk=problem.pk).update(resolution="The firewall got a bigger table.")
    agent = client_as("agent_l1")
    page = agent.get(f"/problems/{problem.reference}/").content.decode()
    assert f"/kb/from-problem/{problem.reference}/" in page and "Publish as a knowledge article" in page
    response = agent.get(f"/kb/from-problem/{problem.reference}/")
    form = response.context["form"]
    body = form.initial["body_en"]
    assert form.initial["title_en"] == "VPN drops at 09:00"
    assert "Reconnect the VPN." in body and "The firewall got a bigger table." in body
    assert "session table" not in body  # the root cause stays on the problem
    assert "<script>alert(1)</script>" not in response.content.decode()  # shown escaped in the form
    response = agent.post(
        f"/kb/from-problem/{problem.reference}/",
        {"visibility": "public", "title_en": form.initial["title_en"], "body_en": body, "submit_for_review": "on"},
    )
    article = Article.objects.get()
    assert response.status_code == 302 and article.status == ArticleStatus.REVIEW and article.source_ticket is None
    version = ArticleVersion.objects.get(article=article)
    assert version.note == f"Written from {problem.reference}"
    assert "Ünïcødé 😀 ' \" <script>alert(1)</script> &" in version.body  # kept as text, whole


def test_only_staff_publish_from_a_problem_and_a_bad_form_keeps_what_was_typed():
    problem = problem_with(TicketFactory(status=Status.OPEN))
    assert client_as("requester").get(f"/kb/from-problem/{problem.reference}/").status_code == 403
    assert client_as("agent_l1").get("/kb/from-problem/PRB-999999/").status_code == 404
    response = client_as("agent_l1").post(
        f"/kb/from-problem/{problem.reference}/", {"visibility": "public", "title_en": "", "body_en": "Kept text"}
    )
    assert response.status_code == 400 and "Kept text" in response.content.decode()
    assert not Article.objects.exists()


def test_a_problem_with_nothing_to_tell_offers_no_article():
    problem = problem_with(TicketFactory(status=Status.OPEN), workaround="")
    assert (
        "Publish as a knowledge article"
        not in client_as("agent_l1").get(f"/problems/{problem.reference}/").content.decode()
    )


def test_suggestions_shown_and_opened_are_recorded_and_a_deflection_reaches_the_dashboard():
    article = make_article(en=("Printer jams", "Pull the paper."), category=category("Printer and scanner"))
    requester = make_requester()
    client = Client()
    client.force_login(requester)
    start = timezone.now() - timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        first = client.get("/kb/suggest/", {"subject": "printer"})
        token = re.search(r'name="visit" value="([^"]+)"', first.content.decode()).group(1)
        client.get("/kb/suggest/", {"subject": "printer jam", "visit": token})
        assert SuggestionVisit.objects.count() == 1
        link = re.search(
            r'href="(/kb/[^"]+\?visit=[^"]+)"',
            client.get("/kb/suggest/", {"subject": "printer", "visit": token}).content.decode(),
        ).group(1)
        assert client.get(link).status_code == 200
    suggestion = Suggestion.objects.get()
    assert (suggestion.article, suggestion.visit.user) == (article, requester) and suggestion.opened_at is not None
    dashboard = client_as("supervisor").get("/kb/deflections/").content.decode()
    assert re.search(r'data-testid="deflections-total">1<', dashboard)
    assert client_as("agent_l3").get("/kb/deflections/").status_code == 403


def test_staff_see_on_the_ticket_page_which_articles_were_suggested_before_filing():
    article = make_article(en=("Printer jams", "Pull the paper."))
    requester = make_requester()
    client = Client()
    client.force_login(requester)
    client.get("/kb/suggest/", {"subject": "printer"})
    ticket = TicketFactory(requester=requester, created_at=timezone.now() + timedelta(minutes=1))
    shown = client_as("agent_l1").get(f"/kb/tickets/{ticket.reference}/suggested/").content.decode()
    assert "Printer jams" in shown and "(not opened)" in shown and article.slug in shown
    assert client.get(f"/kb/tickets/{ticket.reference}/suggested/").status_code == 403


@pytest.mark.parametrize("path", ["/kb/", "/kb/manage/"])
def test_list_pages_take_the_same_queries_for_few_or_many_articles(path, django_assert_max_num_queries):
    client = client_as("agent_l2")
    make_article(en=("Printer one", "x"), id=("Pencetak satu", "x"))
    with django_assert_max_num_queries(12) as few:
        assert client.get(path).status_code == 200
    for number in range(25):
        make_article(
            en=(f"Printer {number}", "x"), id=(f"Pencetak {number}", "x"), category=category("Printer and scanner")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(path).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        assert (
            client.get(path, {"q": "printer pencetak"} if path == "/kb/" else {"status": "published"}).status_code
            == 200
        )


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 500},
        {"q": "\x00"},
        {"category": "abc"},
        {"category": "99999999999999999999999"},
        {"page": "-1"},
        {"page": "9" * 40},
        {"q": "<script>alert(1)</script>"},
    ],
)
def test_hostile_list_queries_are_answered(params):
    make_article()
    response = Client().get("/kb/", params)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()

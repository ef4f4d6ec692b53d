import difflib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from problems.selectors import problem_get
from tickets.selectors import ticket_get_for_user

from . import services
from .choices import ArticleStatus, Helpful, Visibility
from .exceptions import KnowledgeError, NotAllowedError
from .forms import (
    ArticleForm,
    ArticleSearchForm,
    ArticleStatusForm,
    ManageFilterForm,
    PickerForm,
    SuggestForm,
    VoteForm,
)
from .rendering import markdown_to_html
from .selectors import (
    article_get_for_user,
    article_list,
    article_manage_list,
    article_version,
    article_versions,
    article_votes,
    articles_suggested,
    can_publish,
    can_write,
    deflections_by_category,
    kb_open_to,
    suggestions_before_filing,
)

PAGE_SIZE = 20
SUGGESTIONS = 5
PICKER_RESULTS = 8
# How much of a ticket's description a new article starts with.
SUMMARY_LENGTH = 600


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _staff_only(request) -> None:
    if not can_write(request.user):
        raise PermissionDenied


def _closed_to_visitor(request):
    """HELPDESK_KB_PUBLIC off: visitors are sent to sign in first."""
    return None if kb_open_to(request.user) else redirect_to_login(request.get_full_path())


@login_not_required
@require_GET
def article_index(request):
    if (closed := _closed_to_visitor(request)) is not None:
        return closed
    form = ArticleSearchForm(request.GET or None)
    query, category = "", None
    if form.is_bound and form.is_valid():
        query, category = form.cleaned_data["q"].strip(), form.cleaned_data["category"]
    language = _language()
    staff = can_write(request.user)
    page = None
    results = None
    if query:
        results = articles_suggested(query, language, 50, internal=staff)
        if category is not None:
            results = [article for article in results if article.category_id == category.pk]
    else:
        articles = article_list(user=request.user, language=language, category_id=category.pk if category else None)
        page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
        for article in page:
            article.shown = article.translation_for(language)
    if form.is_bound and not form.is_valid():
        form = ArticleSearchForm()
    return render(
        request,
        "knowledge/article_list.html",
        {"form": form, "page": page, "results": results, "query": query, "category": category, "staff": staff},
    )


@login_not_required
@require_GET
def article_detail(request, slug):
    if (closed := _closed_to_visitor(request)) is not None:
        return closed
    article = article_get_for_user(user=request.user, slug=slug)
    visit = request.GET.get("visit", "")
    if visit and article.is_published:
        services.suggestion_opened(token=visit, user=request.user, article=article)
    return _detail_page(request, article)


def _detail_page(request, article, *, vote_form=None, status_form=None, status=200):
    languages = {t.language: t for t in article.translations.all()}
    translation = languages.get(request.GET.get("lang", "")) or article.translation_for(_language())
    staff = can_write(request.user)
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "translation": translation,
            "body": markdown_to_html(translation.body if translation else ""),
            "other_languages": [
                t for code, t in sorted(languages.items()) if translation and code != translation.language
            ],
            "not_in_mine": translation is not None and translation.language != _language(),
            "votes": article_votes(article=article, user=request.user, session_key=request.session.session_key),
            "vote_form": vote_form or VoteForm(),
            "helpful_choices": Helpful.choices,
            "status_form": status_form or ArticleStatusForm(),
            "staff": staff,
            "status_choices": _status_choices(request.user, article) if staff else [],
        },
        status=status,
    )


def _status_choices(user, article) -> list[tuple[str, str]]:
    """The moves this person may make with the article, as (status, button label)."""
    labels = {
        ArticleStatus.REVIEW: _("Hand in for review"),
        ArticleStatus.PUBLISHED: _("Publish"),
        ArticleStatus.ARCHIVED: _("Archive"),
        ArticleStatus.DRAFT: _("Back to draft"),
    }
    choices = []
    if article.status == ArticleStatus.DRAFT:
        choices.append(ArticleStatus.REVIEW)
    if can_publish(user):
        choices += [status for status in (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED, ArticleStatus.DRAFT)]
        choices = [status for status in choices if status != article.status]
    return [(status, labels[status]) for status in choices]


@login_not_required
@require_POST
def article_vote(request, slug):
    if (closed := _closed_to_visitor(request)) is not None:
        return closed
    article = article_get_for_user(user=request.user, slug=slug)
    form = VoteForm(request.POST)
    if not article.is_published:
        messages.error(request, _("Only published articles take answers."))
        return _detail_page(request, article, status=409)
    if not form.is_valid():
        messages.error(request, _("Answer yes or no."))
        return _detail_page(request, article, vote_form=form, status=400)
    if not request.user.is_authenticated and not request.session.session_key:
        # A session of its own, so that a visitor's answer is counted once.
        request.session["kb_reader"] = True
        request.session.save()
    try:
        services.article_vote(
            article=article,
            user=request.user,
            session_key=request.session.session_key or "",
            helpful=form.cleaned_data["helpful"] == "yes",
        )
    except KnowledgeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for telling us."))
    return redirect(article)


def _saved_message(article) -> str:
    if article.status == ArticleStatus.REVIEW:
        return _("The article was saved and handed in for review.")
    return _("The article was saved as a draft.")


def _article_form_page(request, *, form, title, article=None, source=None, status=200):
    return render(
        request,
        "knowledge/article_form.html",
        {"form": form, "title": title, "article": article, "source": source},
        status=status,
    )


def _article_created(request, *, title: str, ticket=None, problem=None):
    """Write the posted article (started from ``ticket`` or ``problem`` when given) and go
    to it, or show the form again with what was wrong."""
    form = ArticleForm(request.POST)
    if form.is_valid():
        try:
            article = services.article_create(
                by=request.user,
                texts=form.texts(),
                category=form.cleaned_data["category"],
                visibility=form.cleaned_data["visibility"],
                submit_for_review=form.cleaned_data.get("submit_for_review", False),
                source_ticket=ticket,
                source_problem=problem,
            )
        except KnowledgeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _saved_message(article))
            return redirect(article)
    return _article_form_page(request, form=form, title=title, source=ticket or problem, status=400)


def article_create(request):
    _staff_only(request)
    if request.method == "POST":
        return _article_created(request, title=_("New article"))
    return _article_form_page(request, form=ArticleForm(), title=_("New article"))


def _draft_from_ticket(ticket) -> dict:
    description = _summary(ticket.description)
    body = "\n\n".join(
        [
            "## " + _("The problem"),
            description,
            "## " + _("What solves it"),
            ticket.resolution.strip() or _("(Write the steps that solved it.)"),
        ]
    )
    language = _language()
    return {
        "category": ticket.category_id,
        "visibility": Visibility.PUBLIC,
        f"title_{language}": ticket.subject,
        f"body_{language}": body,
        "submit_for_review": True,
    }


def article_from_ticket(request, reference):
    """ "Turn this into an article": a new article started from a resolved ticket's subject,
    description and resolution, for a supervisor to review."""
    _staff_only(request)
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    title = _("New article from %(ref)s") % {"ref": ticket.reference}
    if request.method == "POST":
        return _article_created(request, title=title, ticket=ticket)
    return _article_form_page(request, form=ArticleForm(initial=_draft_from_ticket(ticket)), title=title, source=ticket)


def _summary(text: str) -> str:
    text = text.strip()
    if len(text) > SUMMARY_LENGTH:
        text = text[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + " …"
    return text


def _draft_from_problem(problem) -> dict:
    """What the people affected can do: the problem as they see it, the workaround, and the
    fix once there is one. Not the root cause: that is staff's analysis, and may name
    systems or people; whoever writes the article decides what of it to tell."""
    parts = ["## " + _("The problem"), _summary(problem.description) or problem.title]
    if problem.workaround.strip():
        parts += ["## " + _("What to do until it is fixed"), problem.workaround.strip()]
    if problem.resolution.strip():
        parts += ["## " + _("How it was fixed"), problem.resolution.strip()]
    language = _language()
    return {
        "visibility": Visibility.PUBLIC,
        f"title_{language}": problem.title,
        f"body_{language}": "\n\n".join(parts),
        "submit_for_review": True,
    }


def article_from_problem(request, reference):
    """ "Publish as an article": a new article started from a problem's workaround (and fix),
    for a supervisor to review before anyone outside support reads it."""
    _staff_only(request)
    problem = problem_get(user=request.user, reference=reference)
    title = _("New article from %(ref)s") % {"ref": problem.reference}
    if request.method == "POST":
        return _article_created(request, title=title, problem=problem)
    return _article_form_page(
        request, form=ArticleForm(initial=_draft_from_problem(problem)), title=title, source=problem
    )


def article_edit(request, slug):
    _staff_only(request)
    article = article_get_for_user(user=request.user, slug=slug)
    title = _("Edit the article")
    show_review = article.status == ArticleStatus.DRAFT
    if request.method == "POST":
        form = ArticleForm(request.POST, show_review=show_review)
        if form.is_valid():
            try:
                services.article_update(
                    article_id=article.pk,
                    by=request.user,
                    texts=form.texts(),
                    category=form.cleaned_data["category"],
                    visibility=form.cleaned_data["visibility"],
                    submit_for_review=form.cleaned_data.get("submit_for_review", False),
                )
            except KnowledgeError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The article was saved."))
                return redirect(article)
        return _article_form_page(request, form=form, title=title, article=article, status=400)
    initial: dict = {"category": article.category_id, "visibility": article.visibility}
    for translation in article.translations.all():
        initial[f"title_{translation.language}"] = translation.title
        initial[f"body_{translation.language}"] = translation.body
    return _article_form_page(
        request, form=ArticleForm(initial=initial, show_review=show_review), title=title, article=article
    )


@require_POST
def article_status(request, slug):
    _staff_only(request)
    article = article_get_for_user(user=request.user, slug=slug)
    form = ArticleStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return _detail_page(request, article, status_form=form, status=400)
    try:
        article = services.article_status_set(
            article_id=article.pk, by=request.user, status=form.cleaned_data["status"]
        )
    except NotAllowedError as exc:
        raise PermissionDenied(exc.message)
    except KnowledgeError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, article, status=409)
    messages.success(request, _("The article is now: %(status)s.") % {"status": article.get_status_display()})
    return redirect(article)


@require_GET
def article_versions_page(request, slug):
    _staff_only(request)
    return _versions_page(request, article_get_for_user(user=request.user, slug=slug))


def _versions_page(request, article, *, status=200):
    return render(
        request,
        "knowledge/article_versions.html",
        {
            "article": article,
            "versions": article_versions(article=article),
            "shown": article.translation_for(_language()),
        },
        status=status,
    )


@require_GET
def article_version_page(request, slug, number):
    _staff_only(request)
    article = article_get_for_user(user=request.user, slug=slug)
    version, previous = article_version(article=article, number=number)
    before = previous.body.splitlines() if previous else []
    diff = list(difflib.unified_diff(before, version.body.splitlines(), lineterm="", n=2, fromfile="", tofile=""))[2:]
    return render(
        request,
        "knowledge/article_version.html",
        {
            "article": article,
            "version": version,
            "previous": previous,
            "title_changed": previous is None or previous.title != version.title,
            "diff": [(line[:1], line) for line in diff[:2000]],
            "body": markdown_to_html(version.body),
        },
    )


@require_POST
def article_restore(request, slug, number):
    _staff_only(request)
    article = article_get_for_user(user=request.user, slug=slug)
    try:
        services.article_version_restore(article_id=article.pk, number=number, by=request.user)
    except KnowledgeError as exc:
        messages.error(request, exc.message)
        return _versions_page(request, article, status=409)
    messages.success(request, _("Version %(number)d was restored as a new version.") % {"number": number})
    return redirect(article)


@require_GET
def article_manage(request):
    _staff_only(request)
    form = ManageFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
    page = Paginator(article_manage_list(status=status or None), PAGE_SIZE).get_page(request.GET.get("page"))
    language = _language()
    for article in page:
        article.shown = article.translation_for(language)
    return render(
        request,
        "knowledge/article_manage.html",
        {"page": page, "status": status, "statuses": ArticleStatus.choices, "can_publish": can_publish(request.user)},
    )


@require_GET
def suggest(request):
    """The new-ticket form's suggestions while the subject is typed (an htmx partial):
    public, published articles only, whoever asks; what was shown is recorded for the visit."""
    form = SuggestForm(request.GET)
    subject = form.cleaned_data["subject"] if form.is_valid() else ""
    token = form.cleaned_data["visit"] if form.is_valid() else ""
    articles = articles_suggested(subject, _language(), SUGGESTIONS) if subject else []
    if articles:
        token = services.suggestions_record(token=token, user=request.user, articles=articles).token
    return render(request, "knowledge/_suggestions.html", {"articles": articles, "visit": token, "subject": subject})


@require_GET
def picker(request):
    """The reply box's article picker (an htmx partial): published public articles, each
    ready to be put into the reply as its title and full address."""
    _staff_only(request)
    form = PickerForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    articles = articles_suggested(query, _language(), PICKER_RESULTS) if query else []
    base = settings.HELPDESK_BASE_URL
    return render(
        request,
        "knowledge/_picker_results.html",
        {"articles": [(article, base + article.get_absolute_url()) for article in articles], "query": query},
    )


@require_GET
@permission_required("tickets.supervise_ticket", raise_exception=True)
def deflections(request):
    """The dashboard's deflections per category (an htmx partial)."""
    return render(request, "knowledge/_deflections.html", {"figures": deflections_by_category()})


@require_GET
def ticket_suggestions(request, reference):
    """The ticket page's list of articles suggested to the requester before filing (staff; an htmx partial)."""
    _staff_only(request)
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    seen: set[int] = set()
    suggestions = []
    for suggestion in suggestions_before_filing(ticket=ticket, language=_language()):
        if suggestion.article_id not in seen:
            seen.add(suggestion.article_id)
            suggestions.append(suggestion)
    return render(request, "knowledge/_ticket_suggestions.html", {"suggestions": suggestions, "ticket": ticket})

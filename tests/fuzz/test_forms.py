"""Every form the pages serve, fuzzed: its fields drawn from the form's own definition,
valid or hostile, present or missing, sent once or several times, with names it does not
have, posted as each role that reaches the form (the columns of the page permission
matrix), on a ticket in any state. No answer is a server error; a refused submission
(a 4xx, or the form shown again with its errors) saves nothing; an accepted one saves
what was sent, cleaned as the form says.

The routes are those of the page permission matrix (tests/test_url_permissions.py): a
page that takes input without a row here, in the query-string fuzz
(tests/fuzz/test_query_strings.py) or in the admin's (tests/fuzz/test_admin.py), or a
form class of an app's forms.py that no row posts, fails the suite."""

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.choices import Role
from accounts.forms import ApiTokenForm, OneTimeCodeForm, ProfileForm, SignInForm, TotpConfirmForm, TwoFactorDisableForm
from accounts.models import ApiToken, SupportLevel, phone_to_e164
from accounts.selectors import agent_levels, assignable_agents, user_role
from assets.forms import AssetForm, AssetImportForm, ImportConfirmForm, TicketAssetAddForm, TicketAssetRemoveForm
from assets.models import Asset, AssetImport, TicketAsset
from configuration.forms import CategoryForm, HolidayForm, LevelMemberForm, RecomputeForm, SlaPolicyForm
from configuration.models import RecomputeRun
from intake.forms import LogContactForm
from knowledge.forms import ArticleForm, ArticleStatusForm, VoteForm
from knowledge.models import Article, ArticleVersion, ArticleVote
from maintenance.forms import PlanActiveForm, PlanForm
from maintenance.models import MaintenancePlan
from notifications.choices import NotificationKind
from notifications.forms import NotificationPreferenceForm, PasswordResetForm
from notifications.models import Notification, NotificationPreference
from notifications.selectors import email_kind_wanted
from notifications.services import unsubscribe_token
from problems.forms import IncidentLinkForm, ProblemCreateForm, ProblemEditForm, ProblemResolveForm
from problems.models import Problem, ProblemEvent, ProblemIncident
from procurement.forms import (
    ApproveForm,
    ComponentReportForm,
    OrderForm,
    ProcurementForm,
    ReasonForm,
    ReceiveForm,
    ReportDecisionForm,
)
from procurement.models import ComponentReport, ProcurementRequest
from replies.forms import CannedReplyForm
from replies.models import CannedReply
from routing.forms import PresenceForm
from routing.models import AgentProfile
from satisfaction.forms import RatingForm
from satisfaction.models import Rating
from sla.models import Holiday, SlaPolicy
from tests.api.permission_matrix import ROLES
from tests.factories import make_agent
from tests.fuzz.strategies import (
    BOUNDARY,
    FUZZ,
    HOSTILE_TEXT,
    Known,
    Pick,
    Same,
    Secret,
    Upload,
    hostile_text,
    last,
    multipart,
    payloads,
    resolve,
)
from tests.problems.support import problem_ids
from tests.procurement.support import procurement_ids
from tests.test_url_permissions import LOGIN, PAGES, Place, place_for
from tickets.choices import EventKind, Status, priority_for
from tickets.forms import (
    AssignForm,
    BulkForm,
    ChecklistItemForm,
    CommentForm,
    ConfirmForm,
    DeescalateForm,
    EditForm,
    EscalateForm,
    LinkAddForm,
    MergeForm,
    ParentClearForm,
    ParentForm,
    ReclassifyForm,
    ReminderForm,
    ReopenForm,
    ResolveForm,
    SavedViewForm,
    SnoozeForm,
    StatusForm,
    TicketCreateForm,
    TimerForm,
    UnsnoozeForm,
    WatcherAddForm,
)
from tickets.models import (
    Attachment,
    Category,
    Comment,
    SavedView,
    Ticket,
    TicketChecklistItem,
    TicketEvent,
    TicketLink,
    TicketReminder,
    TicketWatcher,
    TimeEntry,
)
from tickets.ratings import rating_token
from tickets.text import multi_line, single_line
from vendors.forms import (
    ContactForm,
    ContractForm,
    VendorCloseForm,
    VendorEscalateForm,
    VendorForm,
    VendorReferenceForm,
    VendorResolutionForm,
)
from vendors.models import Vendor, VendorContact, VendorContract, VendorEscalation

ALL_STATUSES = tuple(Status)
WORKABLE = (Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED)
PASSWORDS = ("Correct-horse-battery-9", "Staple 🙂 ünïcode 2026", "pw", "password", "12345678")


@dataclass
class Sent:
    """One submission: who sends it, on a ticket in which state, with what, encoded how."""

    role: str
    status: str
    data: dict
    encoding: str = "multipart"


@dataclass(frozen=True)
class FormRoute:
    """A form posted to one URL of the page matrix, and what an accepted post saves."""

    form: Callable[[], forms.BaseForm] | None
    accepted: Callable[[Place, dict, dict, Any], None]
    statuses: tuple[str, ...] = WORKABLE
    overrides: dict = field(default_factory=dict)
    # Field name → the values a model choice field's rows are picked from.
    choices: Callable[[Place, str], list[str]] = lambda place, name: []
    # Who posts it, when not every role the page matrix lets through.
    roles: tuple[str, ...] = ()
    # How to reach the form when its URL needs more than the place's ids.
    path: Callable[[Place, Client], str] | None = None
    examples: tuple[Sent, ...] = ()
    # An accepted post answers with a page of its own (200) rather than a redirect.
    answers_with_a_page: bool = False


def checked(data: dict, name: str) -> bool:
    """A checkbox is ticked when sent with any value but "false" (Django's CheckboxInput)."""
    value = last(data, name)
    return bool(value) and str(value).lower() != "false"


def chosen(data: dict, name: str) -> str:
    """The id a model choice field was sent, as its row's key reads it (spaces around it
    are no part of a number)."""
    return str(last(data, name) or "").strip()


def stripped(data: dict, name: str) -> str:
    value = last(data, name)
    return (value or "").strip()


def cleaned(data: dict, name: str) -> str:
    """A reply, reason or resolution as the ticket's services keep it (tickets.text.multi_line)."""
    return multi_line(last(data, name) or "")


def newest_event(place: Place) -> TicketEvent:
    event = TicketEvent.objects.filter(ticket=place.ticket).order_by("-id").first()
    assert event is not None
    assert event.actor == place.actor
    return event


def ticket_now(place: Place) -> Ticket:
    return Ticket.objects.get(pk=place.ticket.pk)


def category_ids(place: Place, name: str) -> list[str]:
    return [str(pk) for pk in Category.objects.order_by("pk").values_list("pk", flat=True)]


def people_ids(place: Place, name: str) -> list[str]:
    agents = [str(pk) for pk in assignable_agents(level=place.ticket.level).values_list("pk", flat=True)]
    return [*agents, str(place.ticket.requester_id)]


# --- what an accepted submission saved


def filed(place, drawn, data, response):
    ticket = Ticket.objects.latest("pk")
    assert response["Location"] == ticket.get_absolute_url()
    assert ticket.requester == place.actor
    assert ticket.subject == single_line(last(data, "subject"))
    assert ticket.description == multi_line(last(data, "description"))
    assert (ticket.impact, ticket.urgency) == (last(data, "impact"), last(data, "urgency"))
    assert str(ticket.category_id or "") == chosen(data, "category")
    files_saved(Attachment.objects.filter(ticket=ticket), drawn, "attachment")


def files_saved(attachments, drawn, name) -> None:
    # A text value under a file's name is no file; every file sent is kept, in order.
    files = [item for item in as_list(drawn.get(name)) if isinstance(item, Upload)]
    attachments = list(attachments.order_by("pk"))
    assert len(attachments) == len(files)
    for attachment, upload in zip(attachments, files, strict=True):
        with attachment.file.open("rb") as stored:
            assert stored.read() == upload.content
        assert attachment.size == len(upload.content)
        assert attachment.original_name.isprintable() and "/" not in attachment.original_name


def commented(place, drawn, data, response):
    comment = Comment.objects.latest("pk")
    assert (comment.ticket_id, comment.author) == (place.ticket.pk, place.actor)
    assert comment.body == cleaned(data, "body")
    assert comment.is_internal == (checked(data, "internal") and bool(agent_levels(place.actor)))
    files_saved(comment.attachments.all(), drawn, "attachment")


def taken(place, drawn, data, response):
    assert ticket_now(place).assignee == place.actor


def page_acknowledged(place, drawn, data, response):
    assert newest_event(place).kind == EventKind.PAGE_ACKNOWLEDGED


def assigned(place, drawn, data, response):
    assert str(ticket_now(place).assignee_id or "") == chosen(data, "assignee")


def status_changed(place, drawn, data, response):
    assert ticket_now(place).status == last(data, "status")
    if place.ticket.status != last(data, "status"):
        assert newest_event(place).reason == cleaned(data, "reason")


def moved(step: int):
    def check(place, drawn, data, response):
        assert ticket_now(place).level == place.ticket.level + step
        assert TicketEvent.objects.filter(ticket=place.ticket, reason=cleaned(data, "reason")).exists()

    return check


def resolved(place, drawn, data, response):
    ticket = ticket_now(place)
    assert (ticket.status, ticket.resolution) == (Status.RESOLVED, cleaned(data, "resolution"))


def reclassified(place, drawn, data, response):
    ticket = ticket_now(place)
    assert (ticket.impact, ticket.urgency) == (last(data, "impact"), last(data, "urgency"))
    assert ticket.priority == priority_for(impact=ticket.impact, urgency=ticket.urgency)
    assert str(ticket.category_id or "") == chosen(data, "category")


def confirmed(place, drawn, data, response):
    assert ticket_now(place).status == Status.CLOSED


def reopened(place, drawn, data, response):
    assert ticket_now(place).status == Status.OPEN
    assert newest_event(place).reason == cleaned(data, "reason")


def retried(place, drawn, data, response):
    assert response["Location"] == "/notifications/"


def preferences_saved(place, drawn, data, response):
    preference = NotificationPreference.objects.get(user=place.actor)
    staff = place.actor.has_perm("tickets.work_ticket")
    assert preference.essential_email_only == checked(data, "essential_email_only")
    if staff:
        assert set(preference.email_kinds) == set(as_list(data.get("email_kinds")))
        assert set(preference.sms_kinds) == set(as_list(data.get("sms_kinds")))
        assert preference.sms_max_priority == int(last(data, "sms_max_priority"))
        start, end = last(data, "quiet_start"), last(data, "quiet_end")
        assert preference.quiet_start == (time.fromisoformat(start) if start else None)
        assert preference.quiet_end == (time.fromisoformat(end) if end else None)


def as_list(value) -> list:
    return value if isinstance(value, list) else ([] if value is None else [value])


def profile_saved(place, drawn, data, response):
    person = get_user_model().objects.get(pk=place.actor.pk)
    for name in ("first_name", "last_name", "email"):
        assert getattr(person, name) == stripped(data, name)
    phone = stripped(data, "phone")
    assert person.phone == (phone_to_e164(phone) if phone else "")
    assert (person.language, person.time_zone) == (last(data, "language") or "", last(data, "time_zone"))


def token_created(place, drawn, data, response):
    token = ApiToken.objects.latest("pk")
    assert (token.user, token.name) == (place.actor, stripped(data, "name"))
    assert response.context["new_key"].startswith(token.prefix)


def token_revoked(place, drawn, data, response):
    place.token.refresh_from_db()
    assert (place.token.revoked_at is not None) == (place.actor == place.ticket.requester)


def signed_in(place, drawn, data, response):
    person = get_user_model().objects.get(username=last(data, "username"))
    assert response.wsgi_request.user == person
    assert person.check_password(last(data, "password"))


def signed_out(place, drawn, data, response):
    assert not response.wsgi_request.user.is_authenticated


def password_changed(place, drawn, data, response):
    person = get_user_model().objects.get(pk=place.actor.pk)
    assert person.check_password(last(data, "new_password1"))
    assert not ApiToken.objects.filter(user=person, revoked_at__isnull=True).exists()


def password_set(place, drawn, data, response):
    assert response["Location"] == "/accounts/reset/done/"
    person = get_user_model().objects.get(pk=reset_person(place).pk)
    assert person.check_password(last(data, "new_password1"))


def reset_asked(place, drawn, data, response):
    assert response["Location"] == "/accounts/password_reset/done/"
    email = stripped(data, "email")
    owners = get_user_model().objects.filter(email__iexact=email, is_active=True)
    queued = Notification.objects.filter(kind="password_reset").count()
    assert queued == (1 if owners.exists() and owners.first().has_usable_password() else 0)


def language_chosen(place, drawn, data, response):
    language = last(data, "language")
    if language in dict(settings.LANGUAGES):
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
        if place.actor is not None:
            assert get_user_model().objects.get(pk=place.actor.pk).language == language
    else:
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def reset_person(place: Place):
    return place.actor or place.ticket.requester


def reset_form_path(place: Place, client: Client) -> str:
    """The set-password page of a valid reset link (the link's token moves to the session)."""
    person = reset_person(place)
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    response = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(person)}/")
    assert response.status_code == 302, response.status_code
    return response["Location"]


def unsubscribe_kind(person) -> str:
    """A kind of mail the person gets and may turn off from the mail itself."""
    return NotificationKind.TICKET_CREATED if user_role(person) == Role.REQUESTER else NotificationKind.ESCALATED


def unsubscribe_path(place: Place, client: Client) -> str:
    """The unsubscribe link of a mail to the person (whoever is signed in, if anyone)."""
    person = reset_person(place)
    return f"/notifications/unsubscribe/{unsubscribe_token(user=person, kind=unsubscribe_kind(person))}/"


def unsubscribed(place, drawn, data, response):
    # Anything but "undo" is the one-click unsubscribe; "undo" turns the mail back on.
    assert response.status_code == 200
    person = reset_person(place)
    assert email_kind_wanted(user=person, kind=unsubscribe_kind(person)) == (last(data, "action") == "undo")


def with_authenticator(path_name: str, *, verified: bool = False):
    """The form's page for a person who has an authenticator app set up, signed in with the
    password alone, or (``verified``) with its code too."""

    def path(place: Place, client: Client) -> str:
        device = TOTPDevice.objects.create(user=place.actor, name="Phone", confirmed=True)
        StaticToken.objects.create(
            device=place.actor.staticdevice_set.create(name="Backup", confirmed=True), token="backup12"
        )
        place.authenticator = device  # type: ignore[attr-defined]
        if verified:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return PAGES[path_name].path

    return path


def app_being_set_up(place: Place, client: Client) -> str:
    """The set-up page, with the app it shows (its secret) already made, as the page's GET does."""
    from accounts.services import totp_device_begin

    place.authenticator = totp_device_begin(user=place.actor)  # type: ignore[attr-defined]
    return PAGES["accounts:two-factor-setup"].path


def current_code(place: Place) -> str:
    device = place.authenticator  # type: ignore[attr-defined]
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


class Code:
    """The code the person's app shows now, resolved once the app exists."""


def code_strategy():
    return st.one_of(st.just(Code()), st.sampled_from(["backup12", "000000", "123456", " 1 2 3 4 5 6 "]), hostile_text)


def app_confirmed(place, drawn, data, response):
    assert TOTPDevice.objects.filter(user=place.actor, confirmed=True).exists()
    assert "codes" in response.context


def code_given(place, drawn, data, response):
    # Accepted: the code was right, or there was nothing to give (no app): on to the next page.
    assert response.status_code == 302


def app_removed(place, drawn, data, response):
    assert not TOTPDevice.objects.filter(user=place.actor).exists()


def backup_codes_made(place, drawn, data, response):
    assert response.status_code == 200
    codes = response.context["codes"]
    assert set(StaticToken.objects.filter(device__user=place.actor).values_list("token", flat=True)) == set(codes)


def logged(place, drawn, data, response):
    """A call or chat logged: a ticket filed for the caller, or the words added to theirs."""
    channel, action = last(data, "channel"), last(data, "action")
    if action == "new":
        ticket = Ticket.objects.latest("pk")
        assert response["Location"] == ticket.get_absolute_url()
        assert (ticket.channel, ticket.subject) == (channel, single_line(last(data, "subject")))
        assert ticket.description == multi_line(last(data, "text"))
        assert str(ticket.category_id or "") == chosen(data, "category")
        if chosen(data, "caller"):
            assert str(ticket.requester_id) == chosen(data, "caller")
        created = TicketEvent.objects.get(ticket=ticket, kind="created")
        assert created.actor == place.actor
        return
    comment = Comment.objects.latest("pk")
    assert response["Location"] == place.ticket.get_absolute_url()
    assert (comment.ticket_id, comment.channel, comment.body) == (
        place.ticket.pk,
        channel,
        multi_line(last(data, "text")),
    )
    if action == "note":
        assert (comment.author, comment.is_internal, comment.logged_by) == (place.actor, True, None)
    else:
        assert (comment.author_id, comment.is_internal) == (place.ticket.requester_id, False)
        assert comment.logged_by == place.actor


def article_saved(article: Article, data: dict) -> None:
    expected = {}
    for language in ("en", "id"):
        title, body = single_line(last(data, f"title_{language}") or ""), cleaned(data, f"body_{language}")
        if title:
            expected[language] = (title, body)
    assert {t.language: (t.title, t.body) for t in article.translations.all()} == expected
    assert str(article.category_id or "") == chosen(data, "category")
    assert article.visibility == last(data, "visibility")


def article_written(place, drawn, data, response):
    article = Article.objects.exclude(pk=place.article.pk).get()
    assert response["Location"] == article.get_absolute_url()
    assert article.created_by == place.actor
    assert article.status == ("review" if checked(data, "submit_for_review") else "draft")
    article_saved(article, data)


def article_from_ticket(place, drawn, data, response):
    article_written(place, drawn, data, response)
    assert Article.objects.exclude(pk=place.article.pk).get().source_ticket == place.ticket


def article_from_problem(place, drawn, data, response):
    article_written(place, drawn, data, response)
    article = Article.objects.exclude(pk=place.article.pk).get()
    assert article.source_ticket is None
    assert article.versions.first().note == f"Written from {place.problems['problem']}"


def article_edited(place, drawn, data, response):
    assert response["Location"] == place.article.get_absolute_url()
    article_saved(Article.objects.get(pk=place.article.pk), data)


def article_voted(place, drawn, data, response):
    vote = ArticleVote.objects.get(article=place.article)
    assert vote.helpful == (last(data, "helpful") == "yes")
    assert vote.user == place.actor


def article_moved(place, drawn, data, response):
    assert Article.objects.get(pk=place.article.pk).status == last(data, "status")


def article_restored(place, drawn, data, response):
    raise AssertionError("version 1 is the current text: restoring it is always refused")


def caller_choices(place: Place, name: str) -> list[str]:
    if name == "category":
        return category_ids(place, name)
    if name == "caller":
        return [str(place.ticket.requester_id)]
    if name == "ticket":
        return [place.ticket.reference]
    return []


def asset_saved(place, drawn, data, response):
    asset = Asset.objects.get(tag__iexact=stripped(data, "tag"))
    assert response["Location"] == asset.get_absolute_url()
    assert asset.asset_type == last(data, "asset_type")
    assert asset.mac_address == "" or len(asset.mac_address) == 17


def asset_imported(place, drawn, data, response):
    created = AssetImport.objects.latest("pk")
    assert response["Location"] == f"/assets/import/{created.pk}/"
    assert created.uploaded_by == place.actor and created.status == "uploaded"


def import_confirmed(place, drawn, data, response):
    place.asset_import.refresh_from_db()
    assert place.asset_import.status in ("confirmed", "applying", "applied")


def ticket_assets_kept(place, drawn, data, response):
    """The ticket still names LAP-0001 (added again, it is not added twice) and nothing else."""
    assert list(TicketAsset.objects.filter(ticket=place.ticket).values_list("asset__tag", flat=True)) == ["LAP-0001"]


def ticket_asset_removed(place, drawn, data, response):
    tags = list(TicketAsset.objects.filter(ticket=place.ticket).values_list("asset__tag", flat=True))
    assert tags == ([] if stripped(data, "tag").casefold() == "lap-0001" else ["LAP-0001"])


def reply_saved(place, drawn, data, response):
    reply = CannedReply.objects.latest("updated_at", "pk")
    assert reply.title == single_line(last(data, "title"))
    assert (reply.body_en, reply.body_id) == (cleaned(data, "body_en"), cleaned(data, "body_id"))
    scope = last(data, "scope")
    assert (reply.level, reply.owner) == ((None, place.actor) if scope == "personal" else (int(scope), None))


def own_reply_path(action: str):
    """The edit (or delete) page of a canned reply the person may manage."""

    def path(place: Place, client: Client) -> str:
        shared = place.actor is not None and place.actor.has_perm("tickets.supervise_ticket")
        place.reply = CannedReply.objects.create(
            title="Mine", body_en="x", owner=None if shared else place.actor, level=1 if shared else None
        )
        return f"/replies/{place.reply.pk}/{action}"

    return path


def view_saved(place, drawn, data, response):
    view = SavedView.objects.latest("updated_at", "pk")
    assert view.name == single_line(last(data, "name")) and view.owner == place.actor
    assert response["Location"] == view.get_absolute_url()


def own_view_path(action: str):
    """The edit (or delete) address of a saved view of the person's own."""

    def path(place: Place, client: Client) -> str:
        owner = place.actor or place.ticket.requester
        place.saved_view = SavedView.objects.create(owner=owner, name="Mine", query="status=closed")
        return f"/tickets/all/views/{place.saved_view.pk}/{action}"

    return path


def view_deleted(place, drawn, data, response):
    assert not SavedView.objects.filter(pk=place.saved_view.pk).exists()


def reply_deleted(place, drawn, data, response):
    assert not CannedReply.objects.filter(pk=place.reply.pk).exists()


def rating_link_path(place: Place, client: Client) -> str:
    """The rating link of the ticket's resolution mail, followed by anyone."""
    return f"/rate/{rating_token(ticket=place.ticket)}/5/"


def rated(place, drawn, data, response):
    rating = Rating.objects.get(ticket=place.ticket)
    assert rating.score == int(last(data, "score")) and rating.comment == cleaned(data, "comment")


def checklist_changed(place, drawn, data, response):
    item = TicketChecklistItem.objects.get(pk=place.item.pk)
    action = last(data, "action")
    state = "done" if item.done_at else ("skipped" if item.skipped_reason else "open")
    assert state == {"done": "done", "undone": "open", "skip": "skipped"}[action]
    if action == "skip":
        assert item.skipped_reason == single_line(last(data, "reason"))


def checklist_item_path(place: Place, client: Client) -> str:
    return f"/tickets/{place.ticket.reference}/checklist/{place.item.pk}/"


def timer_started(place, drawn, data, response):
    # Only a start can be accepted here: nobody has a timer running yet to stop or discard.
    assert last(data, "action") == "start"
    assert TimeEntry.objects.filter(ticket=place.ticket, agent=place.actor, ended_at__isnull=True).exists()


# A time as the browser's date-time picker sends it: ahead, gone by or too far ahead.
DATETIME_LOCAL = st.one_of(
    st.integers(min_value=-2 * 24 * 60, max_value=400 * 24 * 60).map(
        lambda minutes: timezone.localtime(timezone.now() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")
    ),
    hostile_text,
)
FOLLOW_UP_OVERRIDES = {"at": DATETIME_LOCAL, "remind_at": DATETIME_LOCAL}


def snoozed(place, drawn, data, response):
    ticket = Ticket.objects.get(pk=place.ticket.pk)
    assert ticket.snoozed_until is not None and ticket.snoozed_until > timezone.now()
    assert newest_event(place).kind == EventKind.SNOOZED


def unsnoozed(place, drawn, data, response):
    assert Ticket.objects.get(pk=place.ticket.pk).snoozed_until is None


def reminder_set(place, drawn, data, response):
    reminder = TicketReminder.objects.filter(ticket=place.ticket).latest("created_at", "pk")
    assert reminder.agent == place.actor and reminder.note == single_line(cleaned(data, "note"))
    assert reminder.remind_at > timezone.now()


def own_reminder_path(place: Place, client: Client) -> str:
    return f"/tickets/{place.ticket.reference}/reminders/{place.reminder.pk}/cancel/"


def reminder_cancelled(place, drawn, data, response):
    assert TicketReminder.objects.get(pk=place.reminder.pk).cancelled_at is not None


def presence_saved(place, drawn, data, response):
    assert AgentProfile.objects.get(user=place.actor).presence == last(data, "presence")
    assert response.status_code == 302


def own_time_entry_path(place: Place, client: Client) -> str:
    return f"/tickets/{place.ticket.reference}/time/{place.time_entry.pk}/delete/"


def time_entry_removed(place, drawn, data, response):
    assert not TimeEntry.objects.filter(pk=place.time_entry.pk).exists()
    assert newest_event(place).kind == EventKind.TIME_REMOVED


def colleague_copied_in(place, drawn, data, response):
    assert stripped(data, "email").casefold() == "dewi.copied@example.com"
    assert TicketWatcher.objects.filter(ticket=place.ticket, user__email="dewi.copied@example.com").exists()
    assert newest_event(place).kind == EventKind.WATCHER_ADDED


def followed(place, drawn, data, response):
    assert TicketWatcher.objects.filter(ticket=place.ticket, user=place.actor).exists()


def watcher_remove_path(place: Place, client: Client) -> str:
    return f"/tickets/{place.ticket.reference}/watchers/{place.watcher.user_id}/remove/"


def watcher_removed(place, drawn, data, response):
    assert not TicketWatcher.objects.filter(pk=place.watcher.pk).exists()
    assert newest_event(place).kind == EventKind.WATCHER_REMOVED


# The references a link or merge form is sent with stand for the place's own tickets.
def _with_references(place: Place, client: Client, action: str) -> str:
    place.references = {"{other}": place.other.reference, "{self}": place.ticket.reference}  # type: ignore[attr-defined]
    return f"/tickets/{place.ticket.reference}/{action}/"


def link_add_path(place: Place, client: Client) -> str:
    return _with_references(place, client, "links")


def merge_path(place: Place, client: Client) -> str:
    return _with_references(place, client, "merge")


def linked(place, drawn, data, response):
    assert TicketLink.objects.filter(from_ticket=place.ticket, to_ticket=place.other, kind=last(data, "kind")).exists()


def link_removed(place, drawn, data, response):
    assert not TicketLink.objects.filter(pk=place.link.pk).exists()


def link_remove_path(place: Place, client: Client) -> str:
    return f"/tickets/{place.ticket.reference}/links/{place.link.pk}/remove/"


def merged(place, drawn, data, response):
    assert Ticket.objects.get(pk=place.ticket.pk).merged_into_id == place.other.pk
    assert response["Location"] == place.other.get_absolute_url()


def plan_saved(place, drawn, data, response):
    plan = MaintenancePlan.objects.latest("updated_at", "pk")
    assert plan.name == single_line(last(data, "name"))
    assert (plan.asset is None) == (not stripped(data, "asset_tag"))
    assert plan.next_due_at is None or plan.next_open_at == plan.next_due_at - plan.lead_time


def plan_choices(place: Place, name: str) -> list[str]:
    if name == "category":
        return category_ids(place, name)
    if name == "asset_tag":
        return [place.plan.asset.tag]
    return []


def plan_path(action: str):
    return lambda place, client: f"/maintenance/{place.plan.pk}/{action}"


def plan_activated(place, drawn, data, response):
    assert MaintenancePlan.objects.get(pk=place.plan.pk).is_active == checked(data, "active")


PLAN_OVERRIDES = {
    "asset_tag": st.one_of(st.just(Pick(0)), st.just(""), hostile_text),
    "rrule": st.one_of(
        st.sampled_from(["FREQ=MONTHLY;INTERVAL=3", "FREQ=MINUTELY", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", ""]),
        hostile_text,
    ),
    "start_date": st.one_of(st.sampled_from(["2026-01-05", "1999-12-31", "2101-01-01", "9999-12-31"]), hostile_text),
}


def vendor_path(suffix: str):
    def path(place: Place, client: Client) -> str:
        return f"/vendors/{place.escalation.vendor_id}/{suffix}"

    return path


def escalation_path(suffix: str):
    def path(place: Place, client: Client) -> str:
        return f"/vendor-escalations/{place.escalation.pk}/{suffix}"

    return path


def vendor_saved(place, drawn, data, response):
    assert Vendor.objects.filter(name=single_line(last(data, "name"))).exists()


def vendor_contact_saved(place, drawn, data, response):
    assert VendorContact.objects.filter(
        vendor_id=place.escalation.vendor_id, name=single_line(last(data, "name"))
    ).exists()
    assert VendorContact.objects.filter(vendor_id=place.escalation.vendor_id, is_primary=True).count() == 1


def vendor_contact_deleted(place, drawn, data, response):
    assert not VendorContact.objects.filter(pk=place.escalation.contact_id).exists()


def vendor_contract_saved(place, drawn, data, response):
    contract = VendorContract.objects.get(
        vendor_id=place.escalation.vendor_id, reference=single_line(last(data, "reference"))
    )
    assert contract.resolution_minutes >= contract.response_minutes


def vendor_escalated(place, drawn, data, response):
    raise AssertionError("the place's ticket is at Level II: it never goes to a vendor")


def vendor_escalation_changed(field: str):
    def check(place, drawn, data, response):
        escalation = VendorEscalation.objects.get(pk=place.escalation.pk)
        assert getattr(escalation, field)

    return check


def calendar_ids(place: Place, name: str) -> list[str]:
    from sla.models import Calendar

    return [str(pk) for pk in Calendar.objects.values_list("pk", flat=True)] if name == "calendar" else []


new_password = st.one_of(st.sampled_from(PASSWORDS), st.text(max_size=40), hostile_text)
confirmation = st.one_of(st.just(Same("new_password1")), st.just(Same("new_password1")), new_password)
next_url = st.one_of(
    st.sampled_from(["/", "/tickets/", "https://evil.example.com/", "//evil.example.com"]), hostile_text
)

# --- procurement


# The procurement objects start from a component report, filed on an open ticket.
OPEN_TICKET = (Status.NEW, Status.OPEN, Status.PENDING)


def procurement_path(name: str):
    """The page's URL on the procurement objects of this place (tests/procurement/support.py)."""

    def path(place: Place, client: Client) -> str:
        place.procurement = procurement_ids(place.ticket)
        return PAGES[name].path.format(ref=place.ticket.reference, **place.procurement)

    return path


def vendor_ids(place: Place, name: str) -> list[str]:
    return [str(place.procurement["vendor"])] if getattr(place, "procurement", None) else []


def component_reported(place, drawn, data, response):
    report = ComponentReport.objects.latest("pk")
    assert (report.ticket_id, report.reported_by) == (place.ticket.pk, place.actor)
    assert report.fault == cleaned(data, "fault")


def report_decided(place, drawn, data, response):
    report = ComponentReport.objects.get(pk=place.procurement["report"])
    assert report.decided_by == place.actor and report.status != "pending"


def procurement_now(place: Place, key: str) -> ProcurementRequest:
    return ProcurementRequest.objects.get(pk=int(place.procurement[key].removeprefix("PR-")))


def procurement_moved(key: str, *statuses: str):
    def accepted(place, drawn, data, response):
        assert procurement_now(place, key).status in statuses

    return accepted


def procurement_asked(place, drawn, data, response):
    made = ProcurementRequest.objects.latest("pk")
    assert made.requested_by == place.actor
    assert response["Location"] == made.get_absolute_url()
    assert made.reason == cleaned(data, "reason")


def edited(place, drawn, data, response):
    ticket = ticket_now(place)
    assert ticket.subject == single_line(last(data, "subject"))
    assert ticket.description == multi_line(last(data, "description"))
    if place.ticket.subject != ticket.subject:
        assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.EDITED, reason=place.ticket.subject).exists()


def bulk_choices(place: Place, name: str) -> list[str]:
    if name in ("tickets", "page_tickets"):
        return [place.ticket.reference]
    return people_ids(place, name) if name == "assignee" else []


def bulk_applied(place, drawn, data, response):
    assert response.status_code == 200
    outcomes = response.context["outcomes"]
    assert outcomes and all(outcome.done or outcome.message for outcome in outcomes)
    ours = [outcome for outcome in outcomes if outcome.reference == place.ticket.reference]
    if ours and ours[0].done and last(data, "action") in ("escalate", "deescalate"):
        assert TicketEvent.objects.filter(ticket=place.ticket, reason=cleaned(data, "reason")).exists()
    if ours and ours[0].done and last(data, "action") == "take":
        assert ticket_now(place).assignee == place.actor


BULK_REFERENCES = st.one_of(
    st.just(Pick(0)), st.just(Pick(0)), st.just("HD-999999"), st.lists(st.just(Pick(0)), max_size=3), hostile_text
)

# --- problems and parent tickets

TICKET_REFERENCES = st.one_of(
    st.sampled_from(["HD-000001", "hd-000000", "HD-" + "9" * 30, "PRB-000001", ""]), hostile_text
)


def problem_path(name: str):
    """The page's URL on a problem whose incident is the place's ticket (tests/problems/support.py)."""

    def path(place: Place, client: Client) -> str:
        place.problems = problem_ids(place.ticket)
        return PAGES[name].path.format(ref=place.ticket.reference, **place.problems)

    return path


# --- the configuration pages


def staff_ids(place: Place, name: str) -> list[str]:
    if name != "agent":
        return []
    agent = make_agent(1)
    return [str(agent.pk), str(place.ticket.requester_id)]


def level_member_added(place, drawn, data, response):
    level = SupportLevel.objects.get(number=int(last(data, "level")))
    assert level.members.filter(pk=int(last(data, "agent"))).exists()


def level_member_removed(place, drawn, data, response):
    level = SupportLevel.objects.get(number=int(last(data, "level")))
    assert not level.members.filter(pk=int(last(data, "agent"))).exists()


def category_edit_path(place: Place, client: Client) -> str:
    place.item = Category.objects.create(name="Telepon kantor")
    return f"/configuration/categories/{place.item.pk}/"


def category_saved(place, drawn, data, response):
    saved = Category.objects.get(name=single_line(last(data, "name")))
    assert saved.description == cleaned(data, "description")
    assert saved.is_active == checked(data, "is_active")


def policy_choices(place: Place, name: str) -> list[str]:
    from sla.models import Calendar

    if name == "calendar":
        return [str(pk) for pk in Calendar.objects.values_list("pk", flat=True)]
    if name == "category":
        return category_ids(place, name)
    return []


def policy_path(action: str):
    def path(place: Place, client: Client) -> str:
        default = SlaPolicy.objects.get(priority=2, category__isnull=True)
        place.item = SlaPolicy.objects.create(
            priority=2,
            category=Category.objects.get(name="Email"),
            calendar=default.calendar,
            first_response_minutes=30,
            resolution_minutes=300,
        )
        return f"/configuration/sla/{place.item.pk}/{action}"

    return path


def problem_of(place: Place) -> Problem:
    return Problem.objects.get(pk=int(place.problems["problem"].removeprefix("PRB-")))


def problem_opened(place, drawn, data, response):
    made = Problem.objects.latest("pk")
    assert made.created_by == place.actor and made.title == single_line(last(data, "title"))
    assert response["Location"] == made.get_absolute_url()


def problem_opened_from_ticket(place, drawn, data, response):
    problem_opened(place, drawn, data, response)
    assert ProblemIncident.objects.filter(problem=Problem.objects.latest("pk"), ticket=place.ticket).exists()


def problem_edited(place, drawn, data, response):
    problem = problem_of(place)
    assert problem.title == single_line(last(data, "title"))
    assert problem.root_cause == multi_line(last(data, "root_cause") or "")


def incident_linked(place, drawn, data, response):
    assert ProblemIncident.objects.filter(problem=problem_of(place)).exists()


def incident_unlinked(place, drawn, data, response):
    assert not ProblemIncident.objects.filter(problem=problem_of(place), ticket=place.ticket).exists()


def problem_ended(place, drawn, data, response):
    assert problem_of(place).status == chosen(data, "status")


def workaround_sent(place, drawn, data, response):
    assert Comment.objects.filter(ticket=place.ticket, body="Reconnect the VPN", author=place.actor).exists()


def parent_set(place, drawn, data, response):
    assert ticket_now(place).parent_id is not None


def parent_cleared(place, drawn, data, response):
    assert ticket_now(place).parent_id is None


def sla_policy_saved(place, drawn, data, response):
    if not response["Location"].startswith("/configuration/recompute/?policy="):
        # An edit that changed nothing goes back to the list.
        assert response["Location"] == "/configuration/sla/"
        return
    policy = SlaPolicy.objects.get(pk=int(response["Location"].rsplit("=", 1)[1]))
    assert policy.first_response_minutes == int(last(data, "first_response_minutes"))
    assert policy.resolution_minutes == int(last(data, "resolution_minutes"))
    assert policy.calendar_id == int(last(data, "calendar"))
    assert policy.second_warning_percent > policy.first_warning_percent


def sla_policy_deleted(place, drawn, data, response):
    assert not SlaPolicy.objects.filter(pk=place.item.pk).exists()


def holiday_added(place, drawn, data, response):
    holiday = Holiday.objects.latest("pk")
    assert holiday.name == single_line(last(data, "name")) and str(holiday.calendar_id) == last(data, "calendar")


def holiday_path(place: Place, client: Client) -> str:
    from sla.models import Calendar

    place.item = Holiday.objects.create(calendar=Calendar.objects.first(), date=a_future_day(), name="Cuti")
    return f"/configuration/holidays/{place.item.pk}/delete/"


def a_future_day():
    return timezone.localdate().replace(year=2031)


def holiday_removed(place, drawn, data, response):
    assert not Holiday.objects.filter(pk=place.item.pk).exists()


def default_policy_id() -> int:
    return SlaPolicy.objects.get(priority=2, category__isnull=True).pk


def recompute_asked(place, drawn, data, response):
    run = RecomputeRun.objects.get()
    assert response["Location"] == f"/configuration/recompute/{run.pk}/"
    assert run.object_id == int(last(data, "policy")) and run.requested_by == place.actor


FORMS: dict[str, FormRoute] = {
    "tickets:bulk": FormRoute(
        lambda: BulkForm(agents=None),
        bulk_applied,
        choices=bulk_choices,
        answers_with_a_page=True,
        overrides={"tickets": BULK_REFERENCES, "page_tickets": BULK_REFERENCES},
        examples=(
            Sent("agent_l2", Status.OPEN, {"tickets": Pick(0), "action": "escalate", "reason": "Network <b>&</b> 🙂"}),
            Sent("agent_l1", Status.OPEN, {"tickets": Pick(0), "action": "take"}),
            Sent("agent_l2", Status.CLOSED, {"tickets": [Pick(0), "HD-000000"], "action": "status", "status": "open"}),
        ),
    ),
    "problems:new": FormRoute(lambda: ProblemCreateForm(action="/"), problem_opened),
    "problems:from-ticket": FormRoute(lambda: ProblemCreateForm(action="/"), problem_opened_from_ticket),
    "problems:edit": FormRoute(
        lambda: ProblemEditForm(action="/", owners=[]), problem_edited, path=problem_path("problems:edit")
    ),
    "problems:link": FormRoute(
        lambda: IncidentLinkForm(action="/"),
        incident_linked,
        path=problem_path("problems:link"),
        overrides={"ticket": TICKET_REFERENCES},
    ),
    "problems:unlink": FormRoute(None, incident_unlinked, path=problem_path("problems:unlink")),
    "problems:resolve": FormRoute(
        lambda: ProblemResolveForm(action="/"), problem_ended, path=problem_path("problems:resolve")
    ),
    "problems:send-workaround": FormRoute(
        None, workaround_sent, path=problem_path("problems:send-workaround"), statuses=(Status.NEW, Status.OPEN)
    ),
    "tickets:parent": FormRoute(
        ParentForm,
        parent_set,
        statuses=(Status.NEW, Status.OPEN, Status.PENDING),
        overrides={"parent": TICKET_REFERENCES},
    ),
    "tickets:parent-clear": FormRoute(ParentClearForm, parent_cleared),
    "tickets:new": FormRoute(
        TicketCreateForm,
        filed,
        choices=category_ids,
        examples=(
            Sent("owner", Status.NEW, {"subject": "\x00", "description": "x", "impact": "low", "urgency": "low"}),
            Sent(
                "agent_l2",
                Status.NEW,
                {"subject": "VPN", "description": "Drops", "impact": "low", "urgency": "low", "category": "-1"},
            ),
        ),
    ),
    "tickets:comment": FormRoute(lambda: CommentForm(staff=True), commented),
    "intake:log": FormRoute(
        LogContactForm,
        logged,
        choices=caller_choices,
        overrides={
            "caller": st.one_of(st.just(Pick(0)), st.just(""), st.sampled_from(["0", "9" * 30, "-1"]), hostile_text),
            "ticket": st.one_of(st.just(Pick(0)), st.sampled_from(["HD-000000", "HD-" + "9" * 30]), hostile_text),
            "new_email": st.one_of(st.emails(), hostile_text),
            "new_phone": st.one_of(st.sampled_from(["0812 3456 7890", "+62 21 555 0100", "12"]), hostile_text),
        },
        examples=(
            Sent(
                "agent_l2",
                Status.OPEN,
                {"channel": "phone", "caller": Pick(0), "action": "reply", "ticket": Pick(0), "text": "It's back 🙂"},
            ),
            Sent(
                "agent_l1",
                Status.NEW,
                {
                    "channel": "chat",
                    "new_name": "O'Brien <b>&</b>",
                    "new_email": "obrien@example.com",
                    "action": "new",
                    "subject": "VPN",
                    "impact": "low",
                    "urgency": "low",
                    "text": "x" * 200_000,
                },
            ),
        ),
    ),
    "tickets:take": FormRoute(None, taken),
    "escalation:acknowledge-page": FormRoute(None, page_acknowledged),
    "tickets:assign": FormRoute(lambda: AssignForm(agents=None), assigned, choices=people_ids),
    "tickets:status": FormRoute(StatusForm, status_changed, statuses=ALL_STATUSES),
    "tickets:escalate": FormRoute(EscalateForm, moved(+1)),
    "tickets:deescalate": FormRoute(DeescalateForm, moved(-1)),
    "tickets:resolve": FormRoute(ResolveForm, resolved),
    "tickets:reclassify": FormRoute(ReclassifyForm, reclassified, choices=category_ids),
    "tickets:edit": FormRoute(EditForm, edited),
    "tickets:confirm": FormRoute(ConfirmForm, confirmed, statuses=(Status.RESOLVED, Status.CLOSED)),
    "tickets:reopen": FormRoute(ReopenForm, reopened, statuses=(Status.RESOLVED, Status.CLOSED)),
    "notifications:preferences": FormRoute(lambda: NotificationPreferenceForm(staff=True), preferences_saved),
    # The link in a mail, followed by anyone (signed in as someone else, or not at all).
    "notifications:unsubscribe": FormRoute(
        None,
        unsubscribed,
        path=unsubscribe_path,
        overrides={"action": st.one_of(st.just("undo"), st.just("List-Unsubscribe=One-Click"), hostile_text)},
        answers_with_a_page=True,
    ),
    "notifications:delivery-retry": FormRoute(None, retried),
    "tickets:view-save": FormRoute(SavedViewForm, view_saved),
    "tickets:view-edit": FormRoute(SavedViewForm, view_saved, path=own_view_path("")),
    "tickets:view-delete": FormRoute(None, view_deleted, path=own_view_path("delete/")),
    "replies:manage": FormRoute(lambda: CannedReplyForm(may_share=True), reply_saved),
    "replies:edit": FormRoute(lambda: CannedReplyForm(may_share=True), reply_saved, path=own_reply_path("")),
    "replies:delete": FormRoute(None, reply_deleted, path=own_reply_path("delete/")),
    # The link in the resolution mail, followed by anyone (signed in as someone else, or not).
    "satisfaction:rate": FormRoute(
        RatingForm,
        rated,
        statuses=(Status.RESOLVED, Status.CLOSED),
        path=rating_link_path,
        roles=ROLES,
        answers_with_a_page=True,
    ),
    "satisfaction:ticket-rate": FormRoute(RatingForm, rated, statuses=(Status.RESOLVED, Status.CLOSED)),
    "accounts:profile": FormRoute(ProfileForm, profile_saved),
    "accounts:token-create": FormRoute(
        ApiTokenForm,
        token_created,
        examples=(
            # More fields than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS), and a body past its size.
            Sent("owner", Status.OPEN, {"name": "Laptop", **{f"field{i}": "x" for i in range(1001)}}, "urlencoded"),
            Sent("owner", Status.OPEN, {"name": "Laptop", "note": "x" * (6 * 1024 * 1024)}, "multipart"),
            Sent("owner", Status.OPEN, {"name": "Laptop", "note": "x" * (6 * 1024 * 1024)}, "urlencoded"),
        ),
    ),
    "accounts:token-revoke": FormRoute(None, token_revoked),
    "accounts:login": FormRoute(
        SignInForm,
        signed_in,
        overrides={
            "username": st.one_of(st.just(Known("username")), st.text(max_size=200), hostile_text),
            "password": st.one_of(st.just(Secret()), st.text(max_size=40), hostile_text),
            "next": next_url,
        },
    ),
    # Everyone is sent to the sign-in page; the signed-in are signed out on the way.
    "logout": FormRoute(None, signed_out, overrides={"next": next_url}, roles=ROLES[1:]),
    "password_change": FormRoute(
        lambda: auth_forms.PasswordChangeForm(None),
        password_changed,
        overrides={
            "old_password": st.one_of(st.just(Secret()), hostile_text),
            "new_password1": new_password,
            "new_password2": confirmation,
        },
    ),
    "password_reset": FormRoute(
        PasswordResetForm,
        reset_asked,
        overrides={"email": st.one_of(st.just(Known("email")), st.emails(), hostile_text)},
    ),
    "password_reset_confirm": FormRoute(
        lambda: auth_forms.SetPasswordForm(None),
        password_set,
        path=reset_form_path,
        overrides={"new_password1": new_password, "new_password2": confirmation},
    ),
    # Setting up an app, with its current code or anything else.
    "accounts:two-factor-setup": FormRoute(
        TotpConfirmForm,
        app_confirmed,
        path=app_being_set_up,
        overrides={"code": code_strategy()},
        answers_with_a_page=True,
        examples=(Sent("owner", Status.OPEN, {"code": Code()}),),
    ),
    "accounts:two-factor-verify": FormRoute(
        OneTimeCodeForm,
        code_given,
        path=with_authenticator("accounts:two-factor-verify"),
        overrides={"code": code_strategy(), "next": next_url},
        examples=(Sent("owner", Status.OPEN, {"code": Code(), "next": "%s %(name)s {0} {{ x }}"}),),
    ),
    "accounts:two-factor-disable": FormRoute(
        TwoFactorDisableForm,
        app_removed,
        path=with_authenticator("accounts:two-factor-disable", verified=True),
        overrides={
            "code": code_strategy(),
            "password": st.one_of(st.just(Secret()), st.text(max_size=40), hostile_text),
        },
    ),
    "accounts:two-factor-backup-codes": FormRoute(
        None,
        backup_codes_made,
        path=with_authenticator("accounts:two-factor-backup-codes", verified=True),
        answers_with_a_page=True,
    ),
    "procurement:report-file": FormRoute(ComponentReportForm, component_reported),
    "procurement:report-decide": FormRoute(
        ReportDecisionForm, report_decided, path=procurement_path("procurement:report-decide"), statuses=OPEN_TICKET
    ),
    "procurement:new": FormRoute(ProcurementForm, procurement_asked),
    "procurement:submit": FormRoute(
        None,
        procurement_moved("pr_draft", "submitted"),
        path=procurement_path("procurement:submit"),
        statuses=OPEN_TICKET,
    ),
    "procurement:approve": FormRoute(
        ApproveForm,
        procurement_moved("pr", "approved", "first_approved"),
        path=procurement_path("procurement:approve"),
        statuses=OPEN_TICKET,
    ),
    "procurement:reject": FormRoute(
        ReasonForm,
        procurement_moved("pr", "rejected"),
        path=procurement_path("procurement:reject"),
        statuses=OPEN_TICKET,
    ),
    "procurement:order": FormRoute(
        OrderForm,
        procurement_moved("pr_approved", "ordered"),
        path=procurement_path("procurement:order"),
        statuses=OPEN_TICKET,
        choices=vendor_ids,
    ),
    "procurement:receive": FormRoute(
        ReceiveForm,
        procurement_moved("pr_ordered", "received"),
        path=procurement_path("procurement:receive"),
        statuses=OPEN_TICKET,
    ),
    "procurement:cancel": FormRoute(
        ReasonForm,
        procurement_moved("pr", "cancelled"),
        path=procurement_path("procurement:cancel"),
        statuses=OPEN_TICKET,
    ),
    "knowledge:create": FormRoute(ArticleForm, article_written, choices=category_ids),
    "knowledge:from-ticket": FormRoute(
        ArticleForm,
        article_from_ticket,
        choices=category_ids,
        examples=(
            Sent(
                "agent_l1",
                Status.RESOLVED,
                {"visibility": "public", "title_id": "Judul 🙂 <b>&</b>", "body_id": "<script>x</script>" * 10},
            ),
        ),
    ),
    "knowledge:from-problem": FormRoute(
        ArticleForm,
        article_from_problem,
        choices=category_ids,
        path=problem_path("knowledge:from-problem"),
        examples=(
            Sent(
                "agent_l2",
                Status.OPEN,
                {"visibility": "public", "title_en": "VPN 🙂 ' \" < > &", "body_en": "\r\n" * 3},
            ),
        ),
    ),
    "knowledge:edit": FormRoute(
        lambda: ArticleForm(show_review=False),
        article_edited,
        choices=category_ids,
        examples=(
            Sent("agent_l3", Status.OPEN, {"visibility": "internal", "title_en": "é" * 250, "body_en": "x" * 50_001}),
        ),
    ),
    "knowledge:vote": FormRoute(VoteForm, article_voted),
    "knowledge:status": FormRoute(ArticleStatusForm, article_moved),
    "knowledge:restore": FormRoute(None, article_restored),
    "tickets:checklist-item": FormRoute(ChecklistItemForm, checklist_changed, path=checklist_item_path),
    "tickets:timer": FormRoute(TimerForm, timer_started),
    "tickets:snooze": FormRoute(SnoozeForm, snoozed, overrides=FOLLOW_UP_OVERRIDES),
    "tickets:unsnooze": FormRoute(UnsnoozeForm, unsnoozed),
    "tickets:remind": FormRoute(ReminderForm, reminder_set, overrides=FOLLOW_UP_OVERRIDES),
    "tickets:reminder-cancel": FormRoute(None, reminder_cancelled, path=own_reminder_path),
    "routing:presence": FormRoute(PresenceForm, presence_saved, roles=("agent_l1", "agent_l2", "agent_l3")),
    "tickets:time-delete": FormRoute(None, time_entry_removed, path=own_time_entry_path),
    "tickets:watcher-add": FormRoute(
        WatcherAddForm,
        colleague_copied_in,
        statuses=(Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED),
        overrides={
            "email": st.one_of(
                st.sampled_from(["dewi.copied@example.com", " DEWI.COPIED@example.com ", "nobody@example.com"]),
                hostile_text,
            )
        },
    ),
    "tickets:follow": FormRoute(None, followed, statuses=(Status.NEW, Status.OPEN, Status.RESOLVED)),
    "tickets:watcher-remove": FormRoute(None, watcher_removed, path=watcher_remove_path),
    "tickets:link-add": FormRoute(
        LinkAddForm,
        linked,
        overrides={
            "reference": st.one_of(
                st.sampled_from(["{other}", "HD-999999", "HD-", "{self}"]),
                hostile_text,
            )
        },
        path=link_add_path,
    ),
    "tickets:link-remove": FormRoute(None, link_removed, path=link_remove_path),
    "tickets:merge": FormRoute(
        MergeForm,
        merged,
        statuses=(Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED),
        overrides={"into": st.one_of(st.sampled_from(["{other}", "HD-999999", "{self}"]), hostile_text)},
        path=merge_path,
    ),
    "maintenance:create": FormRoute(PlanForm, plan_saved, choices=plan_choices, overrides=PLAN_OVERRIDES),
    "maintenance:edit": FormRoute(
        PlanForm, plan_saved, choices=plan_choices, overrides=PLAN_OVERRIDES, path=plan_path("edit/")
    ),
    "maintenance:active": FormRoute(PlanActiveForm, plan_activated, path=plan_path("active/")),
    "vendors:create": FormRoute(
        VendorForm,
        vendor_saved,
        examples=(Sent("supervisor", Status.OPEN, {"name": "ACME SERVERS", "email": "x@example.com"}),),
    ),
    "vendors:edit": FormRoute(VendorForm, vendor_saved, path=vendor_path("edit/")),
    "vendors:contact": FormRoute(ContactForm, vendor_contact_saved, path=vendor_path("contacts/")),
    "vendors:contact-delete": FormRoute(
        None,
        vendor_contact_deleted,
        path=lambda place, client: vendor_path("contacts/")(place, client) + f"{place.escalation.contact_id}/delete/",
    ),
    "vendors:contract": FormRoute(
        ContractForm,
        vendor_contract_saved,
        path=vendor_path("contracts/"),
        choices=calendar_ids,
        examples=(
            Sent(
                "admin",
                Status.OPEN,
                {
                    "reference": "A",
                    "starts_on": "2026-02-01",
                    "ends_on": "2026-01-01",
                    "response_minutes": "9",
                    "resolution_minutes": "1",
                },
            ),
        ),
    ),
    # The place's ticket is at Level II: taking it to a vendor is always refused, with the reason.
    "vendors:ticket": FormRoute(
        VendorEscalateForm, vendor_escalated, statuses=(Status.OPEN, Status.CLOSED), roles=("agent_l3", "supervisor")
    ),
    "vendors:escalation-response": FormRoute(
        None, vendor_escalation_changed("responded_at"), path=escalation_path("response/")
    ),
    "vendors:escalation-reference": FormRoute(
        VendorReferenceForm, vendor_escalation_changed("vendor_reference"), path=escalation_path("reference/")
    ),
    "vendors:escalation-resolution": FormRoute(
        VendorResolutionForm, vendor_escalation_changed("resolved_at"), path=escalation_path("resolution/")
    ),
    "vendors:escalation-close": FormRoute(
        VendorCloseForm, vendor_escalation_changed("closed_at"), path=escalation_path("close/")
    ),
    "assets:create": FormRoute(
        AssetForm,
        asset_saved,
        overrides={
            "tag": st.one_of(st.sampled_from(["PRN-0002", "lap-0001", "A" * 65, "a b"]), hostile_text),
            "mac_address": st.one_of(st.sampled_from(["AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "zz"]), hostile_text),
            "ip_address": st.one_of(st.sampled_from(["10.0.0.1", "::1", "10.0.0.256"]), hostile_text),
            "user_text": st.one_of(st.sampled_from(["", "nobody"]), hostile_text),
            "parent_tag": st.one_of(st.sampled_from(["", "LAP-0001", "NOPE"]), hostile_text),
        },
        examples=(
            Sent(
                "agent_l1",
                Status.OPEN,
                {"tag": "LIC-1", "asset_type": "licence", "status": "in_use", "seats_owned": "5", "seats_used": "9"},
            ),
            Sent("agent_l2", Status.OPEN, {"tag": "PRN-0002", "asset_type": "printer", "status": "in_use"}),
        ),
    ),
    "assets:edit": FormRoute(
        AssetForm,
        asset_saved,
        overrides={
            "tag": st.one_of(st.sampled_from(["LAP-0001", "LAP-0002"]), hostile_text),
            "parent_tag": st.one_of(st.sampled_from(["", "LAP-0001"]), hostile_text),
        },
        examples=(
            Sent(
                "supervisor",
                Status.OPEN,
                {"tag": "LAP-0001", "asset_type": "laptop", "status": "retired", "parent_tag": "lap-0001"},
            ),
        ),
    ),
    "assets:import-upload": FormRoute(AssetImportForm, asset_imported),
    "assets:import-confirm": FormRoute(ImportConfirmForm, import_confirmed),
    "assets:ticket-add": FormRoute(
        TicketAssetAddForm,
        ticket_assets_kept,
        overrides={"tag": st.one_of(st.sampled_from(["LAP-0001", " lap-0001 ", "NOPE-1"]), hostile_text)},
    ),
    "assets:ticket-remove": FormRoute(
        TicketAssetRemoveForm,
        ticket_asset_removed,
        overrides={"tag": st.one_of(st.sampled_from(["LAP-0001", "lap-0001", "NOPE-1"]), hostile_text)},
    ),
    "configuration:levels": FormRoute(LevelMemberForm, level_member_added, choices=staff_ids),
    "configuration:level-member-remove": FormRoute(LevelMemberForm, level_member_removed, choices=staff_ids),
    "configuration:categories": FormRoute(CategoryForm, category_saved),
    "configuration:category-edit": FormRoute(CategoryForm, category_saved, path=category_edit_path),
    "configuration:sla-policies": FormRoute(
        SlaPolicyForm,
        sla_policy_saved,
        choices=policy_choices,
        examples=(
            Sent(
                "supervisor",
                Status.OPEN,
                {
                    "priority": "3",
                    "calendar": Pick(0),
                    "first_response_minutes": "30",
                    "resolution_minutes": "600",
                    "first_warning_percent": "80",
                    "second_warning_percent": "50",
                },
            ),
        ),
    ),
    "configuration:sla-policy-edit": FormRoute(
        lambda: SlaPolicyForm(creating=False), sla_policy_saved, choices=policy_choices, path=policy_path("")
    ),
    "configuration:sla-policy-delete": FormRoute(None, sla_policy_deleted, path=policy_path("delete/")),
    "configuration:calendars": FormRoute(HolidayForm, holiday_added, choices=calendar_ids),
    "configuration:holiday-delete": FormRoute(None, holiday_removed, path=holiday_path),
    "configuration:recompute": FormRoute(
        RecomputeForm,
        recompute_asked,
        choices=lambda place, name: [str(default_policy_id())] if name == "policy" else [],
        overrides={"policy": st.one_of(st.just(Pick(0)), st.sampled_from(["0", "abc", "9" * 30]))},
    ),
    "set_language": FormRoute(
        None,
        language_chosen,
        overrides={
            "language": st.one_of(st.sampled_from([code for code, _name in settings.LANGUAGES]), hostile_text),
            "next": next_url,
        },
    ),
}
# Two names of the sign-in page: Django's own (``login``) is shadowed by ours.
SAME_PAGE = {"login": "accounts:login"}


def reaching(name: str) -> list[str]:
    """The roles the page matrix lets through to the form (anything but a refusal)."""
    if FORMS[name].roles:
        return list(FORMS[name].roles)
    expected = dict(zip(ROLES, PAGES[name].expect, strict=True))
    return [role for role in ROLES if expected[role] not in (LOGIN, 403, 404)]


def fields_of(route: FormRoute) -> dict[str, forms.Field]:
    return dict(route.form().fields) if route.form else {}


def submissions(name: str) -> st.SearchStrategy[Sent]:
    route = FORMS[name]
    return st.builds(
        Sent,
        role=st.sampled_from(reaching(name)),
        status=st.sampled_from(route.statuses),
        data=payloads(fields_of(route), route.overrides),
        encoding=st.sampled_from(["multipart", "urlencoded"]),
    )


def ticket_in(place: Place, status: str) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"status": status}
    if status in (Status.RESOLVED, Status.CLOSED):
        fields |= {"resolved_at": now, "first_response_at": now, "resolution": "Replaced the cable."}
    if status == Status.CLOSED:
        fields["closed_at"] = now
    Ticket.objects.filter(pk=place.ticket.pk).update(**fields)
    place.ticket.refresh_from_db()


def saved_state(place: Place) -> dict:
    """Everything a refused submission must leave as it was."""
    people = [place.ticket.requester_id, *([place.actor.pk] if place.actor else [])]
    return {
        "ticket": Ticket.objects.filter(pk=place.ticket.pk).values().get(),
        "counts": [
            model.objects.count()
            for model in (Ticket, TicketEvent, Comment, Attachment, Notification, NotificationPreference)
        ],
        "knowledge": [
            list(Article.objects.order_by("pk").values()),
            ArticleVersion.objects.count(),
            list(ArticleVote.objects.order_by("pk").values_list("pk", "helpful")),
        ],
        "maintenance": [
            list(MaintenancePlan.objects.order_by("pk").values()),
            list(TicketChecklistItem.objects.order_by("pk").values()),
        ],
        "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "name", "revoked_at")),
        "vendors": [
            list(model.objects.order_by("pk").values())
            for model in (Vendor, VendorContact, VendorContract, VendorEscalation)
        ],
        "followers and links": [
            list(TicketWatcher.objects.order_by("pk").values_list("ticket_id", "user_id")),
            list(TicketLink.objects.order_by("pk").values_list("from_ticket_id", "to_ticket_id", "kind")),
            list(Ticket.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id")),
        ],
        "assets": [
            list(Asset.objects.order_by("pk").values()),
            list(TicketAsset.objects.order_by("pk").values_list("ticket_id", "asset_id")),
            list(AssetImport.objects.order_by("pk").values_list("pk", "status")),
        ],
        "problems": [
            list(Problem.objects.order_by("pk").values()),
            list(ProblemIncident.objects.order_by("pk").values_list("problem_id", "ticket_id")),
            ProblemEvent.objects.count(),
        ],
        "people": list(get_user_model().objects.filter(pk__in=people).order_by("pk").values()),
        "preferences": list(NotificationPreference.objects.order_by("pk").values()),
        "configuration": [
            list(model.objects.order_by("pk").values()) for model in (SlaPolicy, Holiday, Category, RecomputeRun)
        ]
        + [list(SupportLevel.members.through.objects.order_by("pk").values_list("supportlevel_id", "user_id"))],
        "second factors": [
            list(TOTPDevice.objects.filter(confirmed=True).order_by("pk").values_list("pk", "user_id")),
            list(StaticToken.objects.order_by("pk").values_list("pk", "token")),
        ],
    }


def forms_shown(response) -> list[forms.BaseForm]:
    if response.context is None:
        return []
    shown = []
    for context in response.context if isinstance(response.context, list) else [response.context]:
        for value in context.flatten().values():
            values = value.values() if isinstance(value, dict) else [value]
            shown += [item for item in values if isinstance(item, forms.BaseForm)]
    return shown


def refused(response) -> bool:
    return response.status_code >= 400 or any(form.is_bound and form.errors for form in forms_shown(response))


def has_file(value) -> bool:
    return any(isinstance(item, Upload) for item in (value if isinstance(value, list) else [value]))


def post(client: Client, path: str, data: dict, encoding: str):
    if encoding == "urlencoded" and not any(has_file(value) for value in data.values()):
        return client.post(path, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")
    return client.post(path, multipart(data), content_type=f"multipart/form-data; boundary={BOUNDARY}")


def submit(name: str, sent: Sent) -> None:
    route = FORMS[name]
    cache.clear()
    with transaction.atomic():
        place = place_for(sent.role)
        ticket_in(place, sent.status)
        client = Client()
        if place.actor is not None:
            client.force_login(place.actor)
        if route.path:
            path = route.path(place, client)
        else:
            ids = {"ref": place.ticket.reference, "file": place.file.pk}
            path = PAGES[name].path.format(
                **ids, notification=place.notification.pk, token=place.token.pk, asset_import=place.asset_import.pk
            )
        data: dict = {}
        for key, value in sent.data.items():
            if isinstance(value, Code):
                value = current_code(place)
            data[key] = resolve(value, choices=route.choices(place, key), person=reset_person(place), sent=data)
            references = getattr(place, "references", {})
            if isinstance(data[key], str) and data[key] in references:
                data[key] = references[data[key]]
        before = saved_state(place)

        response = post(client, path, data, sent.encoding)

        assert response.status_code < 500
        # The page showed the form again (not Django's own answer to a request it cannot read).
        shown_again = response.context is not None and "400.html" not in [t.name for t in response.templates]
        page_of_its_own = route.answers_with_a_page and not refused(response)
        if route.form is not None and response.status_code in (200, 400) and shown_again and not page_of_its_own:
            shown = forms_shown(response)
            assert any(type(form) is type(route.form()) for form in shown), (name, [type(f) for f in shown])
        if refused(response):
            assert saved_state(place) == before
        else:
            route.accepted(place, sent.data, data, response)
        transaction.set_rollback(True)


def fuzz_test(name: str):
    @pytest.mark.django_db
    @FUZZ
    @given(sent=submissions(name))
    def test(sent):
        # A small limit, so that files past it are cheap to send.
        with override_settings(HELPDESK_ATTACHMENT_MAX_BYTES=2048):
            submit(name, sent)

    for sent in reversed(FORMS[name].examples):
        test = example(sent=sent)(test)
    test.__name__ = test.__qualname__ = f"test_the_{name.replace(':', '_').replace('-', '_')}_form_never_fails"
    return test


for _name in FORMS:
    _test = fuzz_test(_name)
    globals()[_test.__name__] = _test


# --- what is covered


def app_form_classes() -> set[type]:
    """Every form class defined in a forms.py of the project's own apps."""
    found = set()
    for config in apps.get_app_configs():
        if Path(config.path).parent != Path(settings.BASE_DIR) or not (Path(config.path) / "forms.py").exists():
            continue
        module = importlib.import_module(f"{config.name}.forms")
        for _n, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == module.__name__
                and not cls.__name__.startswith("_")
            ):
                found.add(cls)
    return found


def test_every_page_that_takes_input_is_fuzzed():
    from tests.fuzz.test_admin import PAGES_COVERED as ADMIN_PAGES
    from tests.fuzz.test_inbound_webhooks import PAGES_COVERED as INBOUND_PAGES
    from tests.fuzz.test_query_strings import QUERIES, TAKES_NO_INPUT
    from tests.fuzz.test_sign_in_provider import PAGES_COVERED as PROVIDER_PAGES

    covered = [*FORMS, *SAME_PAGE, *QUERIES, *TAKES_NO_INPUT, *ADMIN_PAGES, *PROVIDER_PAGES, *INBOUND_PAGES]
    assert len(covered) == len(set(covered)), "a page is listed twice"
    assert set(PAGES) - set(covered) == set(), "pages without a fuzz row"
    assert set(covered) - set(PAGES) == set(), "fuzz rows for pages the matrix does not have"
    for name, route in FORMS.items():
        assert PAGES[name].method == "POST" or route.form is not None, name
        assert reaching(name), f"nobody reaches {name}"


def test_every_form_class_of_the_apps_is_fuzzed():
    from tests.fuzz.test_query_strings import QUERIES

    posted = {type(route.form()) for route in FORMS.values() if route.form}
    read = {type(query.form()) for query in QUERIES.values() if query.form}
    assert app_form_classes() - posted - read == set()


def test_the_hostile_values_are_what_a_request_can_carry():
    # Lone surrogates cannot be encoded in a request; everything else can.
    for value in HOSTILE_TEXT:
        assert value.encode("utf-8").decode("utf-8") == value

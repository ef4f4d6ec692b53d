"""Every page that reads its query string or a value of its path (the queue's filters,
sorting and paging, the reports' periods and months, the delivery log's status, a
ticket's reference, a file's id), fuzzed as each role that reaches it: never a server
error, never a change saved, and what is shown keeps to what the page promises (a report
period inside its bounds, a queue of the level the agent works)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django import forms
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.choices import Level
from accounts.selectors import agent_levels
from assets.forms import AssetFilterForm
from intake.forms import CallerSearchForm
from knowledge.forms import ArticleSearchForm, ManageFilterForm, PickerForm, SuggestForm
from maintenance.forms import PlanForm
from notifications.choices import NotificationStatus
from problems.forms import ProblemFilterForm
from procurement.forms import ProcurementFilterForm
from reports.forms import FIRST_DAY, LAST_DAY, MonthForm, ReportFilterForm
from reports.selectors import MAX_RANGE_DAYS
from reports.views import EXPORTS
from search.forms import SearchForm
from tests.api.permission_matrix import ROLES
from tests.fuzz.strategies import FUZZ, HOSTILE_IDS, Pick, hostile_text, payloads, resolve
from tests.fuzz.test_forms import category_ids, saved_state, ticket_in
from tests.test_url_permissions import LOGIN, PAGES, Place, place_for
from tickets.choices import OPEN_STATUSES, QueueView, Status
from tickets.filters import LIST_PAGE_SIZES, LIST_SORTS, QUEUE_SORTS, TicketListFilter, TicketQueueFilter
from tickets.selectors import REQUESTER_STATES
from tickets.views import PAGE_SIZES
from vendors.forms import VendorFilterForm

# Pages whose answer depends on nothing the request sends (or only on who sends it).
TAKES_NO_INPUT = {
    "home",
    "tickets:dashboard",
    "tickets:dashboard-sla",
    "password_change_done",
    "password_reset_done",
    "password_reset_complete",
    "healthz",
    "api-docs",
    "api-redoc",
    "api-unknown",
    "knowledge:deflections",
    "knowledge:versions",
    "maintenance:list",
    "maintenance:overdue",
    "procurement:reports",
    "configuration:index",
}


@dataclass
class Asked:
    role: str
    params: dict
    path: dict = field(default_factory=dict)
    htmx: bool = False


@dataclass(frozen=True)
class QueryRoute:
    """A page and what it reads: a form bound to the query string, other parameters, and
    values of its path."""

    form: Callable[[], forms.BaseForm] | None = None
    params: dict = field(default_factory=dict)
    path: dict = field(default_factory=dict)
    shown: Callable[[Place, Any], None] = lambda place, response: None
    # The URL with its fuzzed values as fields, when the matrix's row names fixed ones.
    template: str = ""
    examples: tuple[Asked, ...] = ()


def pages() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["1", "2", "last", "999999"]), st.sampled_from(HOSTILE_IDS), hostile_text)


def period_kept(place: Place, response) -> None:
    if response.status_code != 200 or not response.context or "filters" not in response.context:
        return
    filters = response.context["filters"]
    assert FIRST_DAY <= filters.start <= filters.end <= LAST_DAY
    assert (filters.end - filters.start).days < MAX_RANGE_DAYS
    if not place.actor.has_perm("tickets.supervise_ticket"):
        assert filters.agent_id == place.actor.pk


def month_kept(place: Place, response) -> None:
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        month = response.context["month"]
        assert month.day == 1 and FIRST_DAY <= month <= timezone.localdate()


def queue_kept(place: Place, response) -> None:
    if response.status_code != 200:
        return
    level = response.context["level"]
    assert level in agent_levels(place.actor)
    for ticket in response.context["page"]:
        assert ticket.level == level and ticket.status in OPEN_STATUSES


def list_kept(place: Place, response) -> None:
    """The ticket list shows only tickets at levels the person works."""
    if response.status_code != 200:
        return
    levels = agent_levels(place.actor)
    assert levels
    for ticket in response.context["page"]:
        assert ticket.level in levels


def callers_only(place: Place, response) -> None:
    """The lookup names callers and no more than the few details the agent needs."""
    if response.status_code == 200 and response["Content-Type"] == "application/json":
        for row in response.json()["results"]:
            assert set(row) == {"id", "name", "email", "phone", "open_tickets"}


def own_results_only(place: Place, response) -> None:
    """A requester's results are their own tickets, whatever the query or filters."""
    if response.status_code == 200 and response.context and not agent_levels(place.actor):
        for ticket, _headline in response.context["results"]:
            assert ticket.requester_id == place.actor.pk


def today_form(form_class, **kwargs):
    return lambda: form_class(today=timezone.localdate(), **kwargs)


REFERENCES = st.one_of(
    st.just(Pick(0)), st.sampled_from(["HD-000000", "hd-000001", "HD-" + "9" * 30, "HD-" + "0" * 200 + "1"])
)
IDS = st.one_of(st.just(Pick(0)), st.sampled_from(["0", "99999999999", "9" * 30]))
PROCUREMENT_REFERENCES = st.sampled_from(["PR-000000", "pr-000001", "PR-" + "9" * 30, "PR-" + "0" * 200 + "1"])
TAGS = st.sampled_from(["LAP-0001", "lap-0001", "NOPE-1", "x" * 300, "%00", "%F0%9F%99%82", "a.b-c_d"])


def staff_assets_only(place: Place, response) -> None:
    """The asset list and its export answer staff only, whatever the filters."""
    if response.status_code == 200:
        assert agent_levels(place.actor)


QUERIES: dict[str, QueryRoute] = {
    "tickets:mine": QueryRoute(
        params={"page": pages(), "state": st.one_of(st.sampled_from(list(REQUESTER_STATES)), hostile_text)}
    ),
    "tickets:list": QueryRoute(
        lambda: TicketListFilter().form,
        params={
            "sort": st.one_of(st.sampled_from(list(LIST_SORTS)), hostile_text),
            "per_page": st.one_of(st.sampled_from([str(size) for size in LIST_PAGE_SIZES]), hostile_text),
            "view": st.one_of(st.sampled_from(HOSTILE_IDS), hostile_text),
            "page": pages(),
        },
        shown=list_kept,
    ),
    "tickets:detail": QueryRoute(path={"ref": REFERENCES}),
    "tickets:attachment": QueryRoute(path={"file": IDS}),
    "tickets:queue": QueryRoute(
        lambda: TicketQueueFilter().form,
        params={
            "level": st.one_of(st.sampled_from([str(value) for value in Level.values]), hostile_text),
            "view": st.one_of(st.sampled_from(QueueView.values), hostile_text),
            "sort": st.one_of(st.sampled_from(list(QUEUE_SORTS)), hostile_text),
            "per_page": st.one_of(st.sampled_from([str(size) for size in PAGE_SIZES]), hostile_text),
            "page": pages(),
        },
        shown=queue_kept,
    ),
    "notifications:delivery-log": QueryRoute(
        params={"status": st.one_of(st.sampled_from(NotificationStatus.values), hostile_text), "page": pages()}
    ),
    "intake:caller-lookup": QueryRoute(CallerSearchForm, shown=callers_only),
    "replies:picker": QueryRoute(params={"q": hostile_text}),
    "replies:fill": QueryRoute(path={"pk": IDS}, template="/tickets/{ref}/replies/{pk}/"),
    "search:results": QueryRoute(lambda: SearchForm(staff=True), shown=own_results_only),
    "intake:caller-tickets": QueryRoute(path={"pk": IDS}, template="/log/callers/{pk}/tickets/"),
    "reports:index": QueryRoute(today_form(ReportFilterForm), shown=period_kept),
    "reports:live": QueryRoute(today_form(ReportFilterForm), shown=period_kept),
    "reports:export": QueryRoute(
        today_form(ReportFilterForm),
        path={"name": st.one_of(st.sampled_from(EXPORTS), st.sampled_from(["nothing", "tickets-", "_", "9" * 40]))},
        template="/reports/export/{name}.csv",
        shown=period_kept,
    ),
    "reports:maintenance": QueryRoute(
        today_form(ReportFilterForm), params={"format": st.one_of(st.just("csv"), hostile_text)}, shown=period_kept
    ),
    "reports:monthly": QueryRoute(
        today_form(MonthForm), params={"format": st.one_of(st.just("csv"), hostile_text)}, shown=month_kept
    ),
    "knowledge:list": QueryRoute(ArticleSearchForm, params={"page": pages()}),
    "knowledge:detail": QueryRoute(
        params={"visit": hostile_text, "lang": st.one_of(st.sampled_from(["en", "id"]), hostile_text)}
    ),
    "knowledge:suggest": QueryRoute(SuggestForm),
    "knowledge:picker": QueryRoute(PickerForm),
    "knowledge:manage": QueryRoute(ManageFilterForm, params={"page": pages()}),
    "knowledge:version": QueryRoute(path={"pk": IDS}, template="/kb/printer-jam/versions/{pk}/"),
    "knowledge:ticket-suggestions": QueryRoute(path={"ref": REFERENCES}, template="/kb/tickets/{ref}/suggested/"),
    "tickets:checklist": QueryRoute(path={"ref": REFERENCES}, template="/tickets/{ref}/checklist/"),
    "maintenance:detail": QueryRoute(path={"pk": IDS}, template="/maintenance/{pk}/"),
    "maintenance:preview": QueryRoute(PlanForm, template="/maintenance/preview/"),
    "procurement:list": QueryRoute(ProcurementFilterForm, params={"page": pages()}),
    "procurement:detail": QueryRoute(path={"pr": PROCUREMENT_REFERENCES}, template="/procurement/{pr}/"),
    "procurement:print": QueryRoute(
        params={"language": st.one_of(st.sampled_from(["en", "id"]), hostile_text)},
        path={"pr": PROCUREMENT_REFERENCES},
        template="/procurement/{pr}/print/",
    ),
    "procurement:ticket-panel": QueryRoute(path={"ref": REFERENCES}, template="/tickets/{ref}/component-reports/"),
    "problems:list": QueryRoute(ProblemFilterForm, params={"page": pages()}),
    "problems:detail": QueryRoute(
        path={"prb": st.sampled_from(["PRB-000000", "prb-000001", "PRB-" + "9" * 30, "PRB-" + "0" * 200 + "1"])},
        template="/problems/{prb}/",
    ),
    "problems:ticket-panel": QueryRoute(path={"ref": REFERENCES}, template="/tickets/{ref}/problems/"),
    "vendors:list": QueryRoute(VendorFilterForm, params={"page": pages()}),
    "vendors:detail": QueryRoute(path={"pk": IDS}, template="/vendors/{pk}/"),
    "reports:vendors": QueryRoute(
        today_form(ReportFilterForm), params={"format": st.one_of(st.just("csv"), hostile_text)}, shown=period_kept
    ),
    "assets:list": QueryRoute(AssetFilterForm, params={"page": pages()}, shown=staff_assets_only),
    "assets:export": QueryRoute(
        AssetFilterForm,
        params={"format": st.one_of(st.sampled_from(["csv", "xlsx"]), hostile_text)},
        shown=staff_assets_only,
    ),
    "assets:detail": QueryRoute(params={"page": pages()}, path={"tag": TAGS}, template="/assets/{tag}/"),
    "assets:import": QueryRoute(path={"pk": IDS}, template="/assets/import/{pk}/"),
    "assets:import-progress": QueryRoute(path={"pk": IDS}, template="/assets/import/{pk}/progress/"),
    "configuration:recompute-run": QueryRoute(path={"pk": IDS}, template="/configuration/recompute/{pk}/"),
    "assets:ticket-panel": QueryRoute(path={"ref": REFERENCES}, template="/assets/tickets/{ref}/"),
}


def reaching(name: str) -> list[str]:
    expected = dict(zip(ROLES, PAGES[name].expect, strict=True))
    return [role for role in ROLES if expected[role] not in (LOGIN, 403, 404)]


def askings(name: str) -> st.SearchStrategy[Asked]:
    route = QUERIES[name]
    fields = dict(route.form().fields) if route.form else {}
    return st.builds(
        Asked,
        role=st.sampled_from(reaching(name)),
        params=payloads(fields, route.params),
        path=st.fixed_dictionaries(route.path),
        htmx=st.booleans(),
    )


def path_ids(place: Place, path: dict) -> dict:
    ids = {"ref": place.ticket.reference, "file": place.file.pk, "name": "tickets"}
    own = {"ref": [place.ticket.reference], "file": [str(place.file.pk)], "pk": [str(place.ticket.requester_id)]}
    return ids | {
        key: resolve(value, choices=own.get(key, []), person=place.actor, sent={}) for key, value in path.items()
    }


def ask(name: str, asked: Asked) -> None:
    route = QUERIES[name]
    cache.clear()
    with transaction.atomic():
        place = place_for(asked.role)
        ticket_in(place, Status.OPEN)
        client = Client()
        if place.actor is not None:
            client.force_login(place.actor)
        path = (route.template or PAGES[name].path).format(**path_ids(place, asked.path))
        params = {
            key: resolve(value, choices=category_ids(place, key), person=place.actor, sent={})
            for key, value in asked.params.items()
        }
        before = saved_state(place)

        response = client.get(path, params, headers={"HX-Request": "true"} if asked.htmx else {})

        assert response.status_code < 500
        if response.streaming:
            b"".join(response.streaming_content)
        assert saved_state(place) == before
        route.shown(place, response)
        transaction.set_rollback(True)


def fuzz_test(name: str):
    @pytest.mark.django_db
    @FUZZ
    @given(asked=askings(name))
    def test(asked):
        ask(name, asked)

    for asked in reversed(QUERIES[name].examples):
        test = example(asked=asked)(test)
    test.__name__ = test.__qualname__ = f"test_the_{name.replace(':', '_').replace('-', '_')}_query_never_fails"
    return test


for _name in QUERIES:
    _test = fuzz_test(_name)
    globals()[_test.__name__] = _test


RESET_UIDS = [
    urlsafe_base64_encode(force_bytes(value)) for value in ("1", "0", "-1", str(2**63), "9" * 40, "\x00", "é")
]


@pytest.mark.django_db
@FUZZ
@given(
    uid=st.one_of(st.sampled_from(RESET_UIDS), st.text(max_size=30)),
    token=st.one_of(st.just("set-password"), st.text(max_size=60)),
)
def test_a_password_reset_link_of_any_shape_is_never_a_server_error(uid, token):
    response = Client().get(f"/accounts/reset/{quote(uid, safe='')}/{quote(token, safe='')}/")
    assert response.status_code in (200, 302, 404)
    if response.status_code == 200:
        # No valid link: the page says so and offers no form.
        assert response.context["validlink"] is False

"""The admin of every registered model, fuzzed as its administrator: the change list's
filters, search, ordering and paging, and the add form of each model the admin lets
people add, with the fields its own form has. No answer is a server error; a refused
form saves nothing, and neither does a change list."""

import pytest
from auditlog.models import LogEntry as AuditLogEntry
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.test import Client, RequestFactory
from hypothesis import example, given, settings
from hypothesis import strategies as st

from accounts.admin_site import HelpdeskAdminSite
from health.models import Heartbeat
from notifications.models import Notification
from tests.api.permission_matrix import make_admin
from tests.fuzz.strategies import BOUNDARY, FUZZ, HOSTILE_IDS, hostile_text, multipart, payloads, resolve
from tickets.models import Ticket

# The page matrix's one row for the whole admin.
PAGES_COVERED = {"admin:index"}
MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def admin_url(model, action: str) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{action}"


def filter_names(model_admin) -> list[str]:
    names = []
    for entry in model_admin.list_filter:
        name = entry if isinstance(entry, str) else getattr(entry, "parameter_name", None) or entry[0]
        if isinstance(name, str):
            names += [name, f"{name}__exact", f"{name}__in", f"{name}__isnull"]
    return names


def changelist_queries(model_admin) -> st.SearchStrategy[dict]:
    value = st.one_of(hostile_text, st.sampled_from(HOSTILE_IDS))
    named = {name: value for name in [*filter_names(model_admin), "q", "o", "p", "e", "all", "_to_field"]}
    return st.fixed_dictionaries({}, optional=named)


def table_rows(model) -> int:
    return model._default_manager.count()


def change_list_asked():
    return st.sampled_from(MODEL_ADMINS).flatmap(lambda pair: st.tuples(st.just(pair[0]), changelist_queries(pair[1])))


@pytest.mark.django_db
@settings(FUZZ, max_examples=FUZZ.max_examples * 4)
@given(asked=change_list_asked())
@example(asked=(Ticket, {"status": "\x00"}))
@example(asked=(Notification, {"channel__exact": "a\x00b", "q": "\x00"}))
@example(asked=(AuditLogEntry, {"resource_type": ""}))
@example(asked=(AuditLogEntry, {"resource_type": "²"}))
def test_no_change_list_answers_with_a_server_error(asked):
    model, params = asked
    cache.clear()
    with transaction.atomic():
        client = Client()
        client.force_login(make_admin())
        before = (table_rows(model), LogEntry.objects.count())
        response = client.get(admin_url(model, ""), params)
        assert response.status_code < 500
        if any("\x00" in key + value for key, value in params.items()):
            # No row holds a NUL: the list is shown unfiltered, with a word why.
            assert response.status_code == 302 and response["Location"] == admin_url(model, "")
            assert "NUL" in str(list(get_messages(response.wsgi_request))[0])
        assert (table_rows(model), LogEntry.objects.count()) == before
        transaction.set_rollback(True)


def superuser_request():
    """A request of an administrator, for asking a model admin what it offers."""
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    return request


def add_form_fields(model_admin) -> dict:
    return dict(model_admin.get_form(superuser_request())().fields)


ADDABLE = [
    (model, model_admin) for model, model_admin in MODEL_ADMINS if model_admin.has_add_permission(superuser_request())
]


def add_asked():
    return st.sampled_from(ADDABLE).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), payloads(add_form_fields(pair[1])))
    )


@pytest.mark.django_db
@settings(FUZZ, max_examples=FUZZ.max_examples * 4)
@given(asked=add_asked())
@example(asked=(Heartbeat, {}))
def test_no_add_form_of_the_admin_answers_with_a_server_error(asked):
    model, drawn = asked
    cache.clear()
    with transaction.atomic():
        client = Client()
        client.force_login(make_admin())
        sent = {key: resolve(value, choices=[], person=None, sent={}) for key, value in drawn.items()}
        before = (table_rows(model), LogEntry.objects.count())
        response = client.post(
            admin_url(model, "add/"), multipart(sent), content_type=f"multipart/form-data; boundary={BOUNDARY}"
        )
        assert response.status_code < 500
        if response.status_code != 302:
            # Refused: the form is shown again with its errors (or the request is a 4xx).
            assert (table_rows(model), LogEntry.objects.count()) == before
        else:
            assert LogEntry.objects.count() == before[1] + 1
            assert table_rows(model) == before[0] + 1
        transaction.set_rollback(True)


def test_the_admin_fuzz_reaches_every_registered_model():
    assert {model for model, _admin in MODEL_ADMINS} == set(admin.site._registry)
    assert ADDABLE, "no model can be added in the admin"
    assert isinstance(admin.site._wrapped, HelpdeskAdminSite)


@pytest.mark.django_db
def test_a_heartbeat_cannot_be_added_by_hand(client):
    client.force_login(make_admin())
    assert client.post(admin_url(Heartbeat, "add/"), {}).status_code == 403
    assert not Heartbeat.objects.exists()


CHANGEABLE = [
    (model, model_admin)
    for model, model_admin in MODEL_ADMINS
    if model_admin.has_change_permission(superuser_request())
]


def change_form_fields(model, model_admin) -> dict:
    return dict(model_admin.get_form(superuser_request(), model())().fields)


def change_asked():
    return st.sampled_from(CHANGEABLE).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), payloads(change_form_fields(*pair)))
    )


@pytest.mark.django_db
@settings(FUZZ, max_examples=FUZZ.max_examples * 4)
@given(asked=change_asked())
def test_no_change_form_of_the_admin_answers_with_a_server_error(asked):
    model, drawn = asked
    cache.clear()
    with transaction.atomic():
        signed_in = make_admin()
        client = Client()
        client.force_login(signed_in)
        row = signed_in if model is get_user_model() else model._default_manager.order_by("pk").first()
        sent = {key: resolve(value, choices=[], person=None, sent={}) for key, value in drawn.items()}
        before = (list(model._default_manager.order_by("pk").values()), LogEntry.objects.count())
        response = client.post(
            admin_url(model, f"{row.pk if row else 1}/change/"),
            multipart(sent),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
        assert response.status_code < 500
        if response.status_code != 302 or row is None:
            assert (list(model._default_manager.order_by("pk").values()), LogEntry.objects.count()) == before
        else:
            assert LogEntry.objects.count() == before[1] + 1
        transaction.set_rollback(True)

"""Every page of the Django admin used for configuration opens for an administrator and
saves: for each registered model admin of a configuration model (the models the
configuration's audit tracks, settings.AUDITLOG_INCLUDE_TRACKING_MODELS, read with the
admin's registry, so a new one is covered without a row here), its change list, its add
page and the change page of a row; its change form posted back with the row's current
values is saved, and so is one with a change.

The admin's fuzz (tests/fuzz/test_admin.py) sends it hostile input; this one sends what a
person would."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import get_user_model
from django.utils import timezone

from configuration.models import RecomputeRun
from sla.models import Calendar, Holiday, SlaEvent, SlaPolicy
from tests.api.permission_matrix import make_admin
from tests.factories import TicketFactory, make_agent, make_supervisor
from tests.fuzz.test_admin import MODEL_ADMINS, admin_url, superuser_request
from tests.test_configuration_audit import form_data as fields_as_they_stand

pytestmark = pytest.mark.django_db


def _ticket_event():
    from tickets.models import TicketEvent

    ticket = TicketFactory()
    return TicketEvent.objects.create(ticket=ticket, kind="created")


def _sla_event():
    return SlaEvent.objects.create(
        ticket=TicketFactory(), metric="resolution", threshold="breached", due_at=timezone.now(), level=1
    )


def _recompute_run():
    policy = SlaPolicy.objects.first()
    return RecomputeRun.objects.create(
        scope="policy", object_id=policy.pk, subject=str(policy), requested_by=make_supervisor()
    )


def _canned_reply():
    from replies.models import CannedReply

    return CannedReply.objects.create(title="Wait for the courier", body_en="Hello", level=1)


def _routing_profile():
    from routing.models import AgentProfile

    return AgentProfile.objects.create(user=make_agent(1))


def _routing_skill():
    from routing.models import AgentSkill
    from tickets.models import Category

    return AgentSkill.objects.create(agent=make_agent(1), category=Category.objects.first(), proficiency=3)


def _routing_policy():
    from routing.models import AssignmentPolicy

    return AssignmentPolicy.objects.create(level=1)


def _holiday_calendar():
    calendar = Calendar.objects.get(name="Office hours (WIB)")
    Holiday.objects.get_or_create(calendar=calendar, date=date(2031, 1, 2), defaults={"name": "Cuti bersama"})
    return calendar


def _webhook():
    from notifications.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(name="Chat", url="https://chat.example.com/hook", secret="s3cret-value")


def _vendor():
    from vendors.models import Vendor, VendorContact

    vendor = Vendor.objects.create(name="Acme Servers", email="support@acme.example")
    VendorContact.objects.create(vendor=vendor, name="Budi", email="budi@acme.example", is_primary=True)
    return vendor


def _totp():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=make_agent(1), name="Phone", confirmed=True)


def _static():
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=make_agent(1), name="Backup codes")
    device.token_set.create(token="abcd1234")
    return device


# Rows for models a new helpdesk has none of (the others are seeded by the migrations).
SEEDS = {
    "tickets.Ticket": TicketFactory,
    "tickets.TicketEvent": _ticket_event,
    "sla.SlaEvent": _sla_event,
    "sla.Calendar": _holiday_calendar,
    "configuration.RecomputeRun": _recompute_run,
    "replies.CannedReply": _canned_reply,
    "routing.AgentProfile": _routing_profile,
    "routing.AgentSkill": _routing_skill,
    "routing.AssignmentPolicy": _routing_policy,
    "accounts.User": make_agent,
    "notifications.WebhookEndpoint": _webhook,
    "vendors.Vendor": _vendor,
    "otp_totp.TOTPDevice": _totp,
    "otp_static.StaticDevice": _static,
}
# Configuration models whose change form must save a change: the field changed, to what.
CHANGES = {
    "sla.SlaPolicy": ("resolution_minutes", lambda row: str(row.resolution_minutes + 15)),
    "sla.Calendar": ("name", lambda row: f"{row.name} (baru)"),
    "tickets.Category": ("description", lambda row: "Diubah · changed"),
    "accounts.SupportLevel": ("description", lambda row: "Diubah · changed"),
    "escalation.EscalationRule": ("name", lambda row: f"{row.name} (baru)"),
    "replies.CannedReply": ("title", lambda row: f"{row.title} (baru)"),
    "routing.AssignmentPolicy": ("cap", lambda row: "7"),
    "routing.AgentSkill": ("proficiency", lambda row: "4"),
    "notifications.WebhookEndpoint": ("name", lambda row: f"{row.name} (baru)"),
    "vendors.Vendor": ("notes", lambda row: "Kontrak diperbarui"),
}
CONFIGURATION = sorted(CHANGES)


def form_data(page) -> dict:
    """What the change form posts as it stands, a date and time split as its widget sends it."""
    data = fields_as_they_stand(page)
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, AdminSplitDateTime) and value:
            local = timezone.localtime(value) if hasattr(value, "tzinfo") else value
            data.pop(name, None)
            data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
    return data


def _audited() -> set[str]:
    from django.conf import settings

    return {entry if isinstance(entry, str) else entry["model"] for entry in settings.AUDITLOG_INCLUDE_TRACKING_MODELS}


# The admin pages used for configuration: the registered model admins of audited models.
CONFIGURATION_ADMINS = [(model, model_admin) for model, model_admin in MODEL_ADMINS if model._meta.label in _audited()]


def a_row(model):
    label = model._meta.label
    if label in SEEDS:
        return SEEDS[label]()
    return model._default_manager.order_by("pk").first()


def row_id(model_admin, row) -> str:
    return str(row.pk)


@pytest.mark.parametrize(
    ("model", "model_admin"), [pytest.param(m, a, id=m._meta.label) for m, a in CONFIGURATION_ADMINS]
)
def test_every_admin_page_opens_for_an_administrator(client, model, model_admin):
    row = a_row(model)
    client.force_login(make_admin())
    assert client.get(admin_url(model, "")).status_code == 200
    if model_admin.has_add_permission(superuser_request()):
        assert client.get(admin_url(model, "add/")).status_code == 200
    assert row is not None, f"{model._meta.label}: no row to open; give it a seed here"
    assert client.get(admin_url(model, f"{row.pk}/change/")).status_code == 200


def changeable(label: str) -> bool:
    model = next(m for m, _a in MODEL_ADMINS if m._meta.label == label)
    return admin.site._registry[model].has_change_permission(superuser_request())


@pytest.mark.parametrize("label", CONFIGURATION)
def test_a_configuration_change_form_saves_a_change(client, label):
    model = next(m for m, _a in MODEL_ADMINS if m._meta.label == label)
    row = a_row(model)
    client.force_login(make_admin())
    url = admin_url(model, f"{row.pk}/change/")
    data = form_data(client.get(url))
    field, value = CHANGES[label]
    data[field] = value(row)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    row.refresh_from_db()
    assert str(getattr(row, field)) == data[field]


@pytest.mark.parametrize(
    ("model", "model_admin"),
    [
        pytest.param(m, a, id=m._meta.label)
        for m, a in CONFIGURATION_ADMINS
        if a.has_change_permission(superuser_request()) and m is not get_user_model()
    ],
)
def test_every_change_form_saves_its_row_as_it_stands(client, model, model_admin):
    row = a_row(model)
    client.force_login(make_admin())
    url = admin_url(model, f"{row.pk}/change/")
    page = client.get(url)
    response = client.post(url, form_data(page))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response


def test_the_configuration_models_of_the_audit_have_a_change_row_here():
    from django.conf import settings

    audited = {
        entry if isinstance(entry, str) else entry["model"] for entry in settings.AUDITLOG_INCLUDE_TRACKING_MODELS
    }
    registered = {m._meta.label for m, _a in MODEL_ADMINS}
    holds_configuration = {"sla.SlaPolicy", "sla.Calendar", "tickets.Category", "accounts.SupportLevel"}
    assert holds_configuration <= set(CHANGES)
    assert set(CHANGES) <= registered and all(changeable(label) for label in CHANGES)
    assert holds_configuration <= audited

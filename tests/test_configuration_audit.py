"""Changes to the configuration (SLA policies, calendars, escalation rules, webhooks, levels,
categories, roles and users) are kept with who made them, when and each field before → after,
and administrators, and nobody else, read them in the admin."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from accounts.choices import Role
from accounts.models import SupportLevel
from accounts.services import user_set_role
from escalation.models import EscalationRule
from notifications.models import WebhookEndpoint
from sla.models import Calendar, Holiday, SlaPolicy
from tests.factories import UserFactory, make_agent, make_requester, make_supervisor

pytestmark = pytest.mark.django_db


def make_admin():
    user = UserFactory(first_name="Ayu")
    user_set_role(user=user, role=Role.ADMIN)
    return user


def form_data(response) -> dict:
    """What the admin's change form would post as it stands: the fields and every inline row."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = str(value)
        for row in formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value is None or value is False:
                    continue
                data[row.add_prefix(name)] = "on" if value is True else str(value)
    return data


def entries_for(instance):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_pk=str(instance.pk)
    ).order_by("timestamp", "pk")


def test_an_sla_policy_changed_in_the_admin_is_kept_before_and_after_with_who(client):
    admin_user = make_admin()
    policy = SlaPolicy.objects.filter(category__isnull=True, priority=2).first()
    before = policy.first_response_minutes
    client.force_login(admin_user)
    url = f"/admin/sla/slapolicy/{policy.pk}/change/"
    data = form_data(client.get(url))
    data["first_response_minutes"] = str(before + 15)
    response = client.post(url, data, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = entries_for(policy).last()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == admin_user
    assert entry.remote_addr == "10.1.2.3"
    assert entry.changes_dict == {"first_response_minutes": [str(before), str(before + 15)]}


def test_a_calendar_and_its_holidays_are_audited_with_their_inline_rows(client):
    admin_user = make_admin()
    calendar = Calendar.objects.create(name="Kantor Makassar", time_zone="Asia/Makassar")
    client.force_login(admin_user)
    url = f"/admin/sla/calendar/{calendar.pk}/change/"
    data = form_data(client.get(url))
    data["name"] = 'Kantor Makassar & "Gowa" <WITA> 🏢'
    data["holidays-TOTAL_FORMS"] = "1"
    data["holidays-0-date"] = "2026-12-25"
    data["holidays-0-name"] = "Hari Natal"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert entries_for(calendar).last().changes_dict == {
        "name": ["Kantor Makassar", 'Kantor Makassar & "Gowa" <WITA> 🏢']
    }
    holiday = Holiday.objects.get(calendar=calendar)
    created = entries_for(holiday).get()
    assert created.action == LogEntry.Action.CREATE
    assert created.actor == admin_user


def test_every_kind_of_configuration_records_create_change_and_delete():
    level = SupportLevel.objects.get(number=2)
    level.name = "Level II (jaringan)"
    level.save()
    rule = EscalationRule.objects.create(name="P1 unanswered", level=1, priority=1, trigger="not_taken", minutes=30)
    rule.minutes = 20
    rule.save()
    endpoint = WebhookEndpoint.objects.create(name="Chat", url="https://chat.example.com/hook")
    endpoint_pk = endpoint.pk
    endpoint.delete()
    group = Group.objects.create(name="Night shift")
    level.members.add(make_agent(username="sari"))
    assert [e.action for e in entries_for(level)] == [LogEntry.Action.UPDATE, LogEntry.Action.UPDATE]
    assert entries_for(level).last().changes_dict["members"]["operation"] == "add"
    assert [e.action for e in entries_for(rule)] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries_for(rule).last().changes_dict == {"minutes": ["30", "20"]}
    endpoint_entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(WebhookEndpoint), object_pk=str(endpoint_pk)
    )
    assert sorted(e.action for e in endpoint_entries) == [LogEntry.Action.CREATE, LogEntry.Action.DELETE]
    assert [e.action for e in entries_for(group)] == [LogEntry.Action.CREATE]


def test_secrets_are_masked_and_a_sign_in_is_not_a_change(client):
    endpoint = WebhookEndpoint.objects.create(name="Chat", url="https://chat.example.com/hook")
    secret = endpoint.secret
    assert secret not in str(entries_for(endpoint).get().changes)
    person = make_requester(username="rina")
    person.set_password("a new password that is long")
    person.save()
    changed = entries_for(person).last().changes_dict
    assert set(changed) == {"password"}
    assert "a new password" not in str(changed) and person.password not in str(changed)
    count = entries_for(person).count()
    client.post("/accounts/login/", {"username": "rina", "password": "a new password that is long"})
    assert client.session.get("_auth_user_id") == str(person.pk)
    assert entries_for(person).count() == count, entries_for(person).last().changes_dict


def test_a_role_given_to_a_person_is_kept_as_a_change_of_their_groups():
    person = make_agent(1, username="budi")
    user_set_role(user=person, role=Role.SUPERVISOR)
    groups = [e for e in entries_for(person) if "groups" in e.changes_dict]
    assert groups, "the change of role left no trace"
    assert groups[-1].changes_dict["groups"]["type"] == "m2m"


@pytest.mark.parametrize("maker", [make_requester, lambda: make_agent(3), make_supervisor])
def test_only_administrators_read_the_audit(client, maker):
    Calendar.objects.create(name="Audited")
    client.force_login(maker())
    response = client.get("/admin/auditlog/logentry/")
    assert response.status_code in (302, 403)
    assert b"Audited" not in response.content


def test_administrators_read_the_audit_in_the_admin(client):
    Calendar.objects.create(name='Kalender <audit> & "uji"')
    client.force_login(make_admin())
    response = client.get("/admin/auditlog/logentry/")
    assert response.status_code == 200
    assert "Kalender &lt;audit&gt; &amp; &quot;uji&quot;" in response.content.decode()
    entry = LogEntry.objects.latest("timestamp")
    assert client.get(f"/admin/auditlog/logentry/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    ("proxies", "meta", "recorded"),
    [
        # No proxy: the connection's address; what the client wrote in the header is not believed.
        (0, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "192.0.2.66"}, "10.1.2.3"),
        # Behind Caddy: the address Caddy appended, not the one the client wrote before it.
        (1, {"REMOTE_ADDR": "172.18.0.5", "HTTP_X_FORWARDED_FOR": "192.0.2.66, 203.0.113.7"}, "203.0.113.7"),
    ],
)
def test_a_change_is_kept_with_the_clients_address_as_the_trusted_proxies_give_it(
    client, settings, proxies, meta, recorded
):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = (
        ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if proxies else ("REMOTE_ADDR",)
    )
    settings.AXES_IPWARE_PROXY_COUNT = proxies - 1 if proxies else None
    admin_user = make_admin()
    policy = SlaPolicy.objects.filter(category__isnull=True, priority=3).first()
    client.force_login(admin_user)
    url = f"/admin/sla/slapolicy/{policy.pk}/change/"
    data = form_data(client.get(url))
    data["resolution_minutes"] = str(policy.resolution_minutes + 60)

    response = client.post(url, data, **meta)

    assert response.status_code == 302
    entry = entries_for(policy).last()
    assert (entry.actor, entry.remote_addr) == (admin_user, recorded)


def test_reads_go_without_the_audits_context_and_changes_get_it(client, monkeypatch):
    """The library connects and disconnects a signal receiver for each request it covers: a
    GET, which changes nothing by HTTP's rules, is left out."""
    from accounts.middleware import ConfigurationAuditMiddleware

    covered = []
    original = ConfigurationAuditMiddleware.get_extra_data
    monkeypatch.setattr(
        ConfigurationAuditMiddleware,
        "get_extra_data",
        lambda self, request: (covered.append(request.method), original(self, request))[1],
    )
    client.force_login(make_requester())

    assert client.get("/tickets/").status_code == 200
    assert client.head("/tickets/").status_code == 405  # the page answers GET only
    client.post("/accounts/profile/", {"first_name": "Rina"})

    assert covered == ["POST"]

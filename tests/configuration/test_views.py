"""The supervisors' configuration pages: levels and their agents, categories, SLA policies
and holidays, each change audited, and the recompute each SLA change offers."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from accounts.choices import Level
from accounts.models import SupportLevel
from configuration.choices import RecomputeStatus
from configuration.models import RecomputeRun
from sla.models import Calendar, Holiday, SlaPolicy
from tests.api.permission_matrix import make_admin
from tests.factories import make_agent, make_requester, make_supervisor
from tickets.choices import Impact, Urgency
from tickets.models import Category, Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

HOSTILE = ["' \" < > &", "🙂" * 5, "ä" * 250, "a\r\nb", "", "x" * 5000, "<script>alert(1)</script>"]


def signed_in(client, user=None):
    client.force_login(user or make_supervisor())
    return client


def policy_form(policy, **changes) -> dict:
    data = {
        "calendar": policy.calendar_id,
        "first_response_minutes": policy.first_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "first_warning_percent": policy.first_warning_percent,
        "second_warning_percent": policy.second_warning_percent,
    }
    return {**data, **changes}


def audited(instance) -> list:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_pk=str(instance.pk)
        ).order_by("timestamp", "pk")
    )


def test_a_supervisor_edits_a_policy_confirms_the_recompute_and_sees_it_finished(
    client, django_capture_on_commit_callbacks
):
    policy = SlaPolicy.objects.get(priority=4, category__isnull=True)
    requester = make_requester()
    for _ in range(2):
        ticket_create(requester=requester, subject="Printer", description="Jams.", urgency=Urgency.LOW)
    supervisor = make_supervisor()
    signed_in(client, supervisor)
    url = f"/configuration/sla/{policy.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, policy_form(policy, first_response_minutes=policy.first_response_minutes + 60))
    assert response.status_code == 302
    assert response["Location"] == f"/configuration/recompute/?policy={policy.pk}"
    offer = client.get(response["Location"])
    assert "2 open tickets are governed by this; recompute their due times now?" in offer.content.decode()
    entry = audited(policy)[-1]
    assert entry.actor == supervisor and "first_response_minutes" in entry.changes_dict
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/configuration/recompute/", {"policy": policy.pk})
    run = RecomputeRun.objects.get()
    assert started["Location"] == f"/configuration/recompute/{run.pk}/"
    assert (run.status, run.requested_by, run.total, run.done, run.changed) == (
        RecomputeStatus.FINISHED,
        supervisor,
        2,
        2,
        2,
    )
    partial = client.get(started["Location"], headers={"HX-Request": "true"})
    assert 'data-status="finished"' in partial.content.decode()
    assert "hx-trigger" not in partial.content.decode()


def test_the_progress_of_a_run_at_work_is_polled(client):
    policy = SlaPolicy.objects.get(priority=4, category__isnull=True)
    supervisor = make_supervisor()
    run = RecomputeRun.objects.create(
        scope="policy", object_id=policy.pk, subject=str(policy), requested_by=supervisor, total=10, done=4
    )
    page = signed_in(client, supervisor).get(f"/configuration/recompute/{run.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "40%" in page


def test_asking_again_while_a_run_is_at_work_shows_that_run(client, django_capture_on_commit_callbacks):
    policy = SlaPolicy.objects.get(priority=4, category__isnull=True)
    supervisor = make_supervisor()
    run = RecomputeRun.objects.create(scope="policy", object_id=policy.pk, subject=str(policy), requested_by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client, supervisor).post("/configuration/recompute/", {"policy": policy.pk})
    assert response["Location"] == f"/configuration/recompute/{run.pk}/"
    assert RecomputeRun.objects.count() == 1


@pytest.mark.parametrize("bad", [{"policy": "abc"}, {"policy": "-1"}, {"policy": "99999999"}, {}, {"calendar": "1e9"}])
def test_a_recompute_of_nothing_is_not_found(client, bad):
    client = signed_in(client)
    assert client.get("/configuration/recompute/", bad).status_code == 404
    assert client.post("/configuration/recompute/", bad).status_code == 404
    assert not RecomputeRun.objects.exists()


def test_saving_a_policy_in_the_admin_offers_the_recompute(client):
    from tests.test_configuration_audit import form_data

    policy = SlaPolicy.objects.get(priority=3, category__isnull=True)
    client.force_login(make_admin())
    url = f"/admin/sla/slapolicy/{policy.pk}/change/"
    data = form_data(client.get(url))
    data["resolution_minutes"] = str(policy.resolution_minutes + 30)
    response = client.post(url, data)
    assert response["Location"] == f"/configuration/recompute/?policy={policy.pk}"
    # Saving and staying on the form stays on the form.
    data["resolution_minutes"] = str(policy.resolution_minutes + 60)
    assert client.post(url, {**data, "_continue": "1"})["Location"] == url


def test_a_policy_s_priority_and_category_stay_as_made_in_the_admin(client):
    from tests.test_configuration_audit import form_data

    policy = SlaPolicy.objects.get(priority=3, category__isnull=True)
    client.force_login(make_admin())
    url = f"/admin/sla/slapolicy/{policy.pk}/change/"
    page = client.get(url)
    assert {"priority", "category"}.isdisjoint(page.context["adminform"].form.fields)
    data = form_data(page)
    client.post(url, {**data, "priority": "1", "category": str(Category.objects.first().pk)})
    policy.refresh_from_db()
    assert (policy.priority, policy.category_id) == (3, None)
    # A new policy still chooses both.
    assert {"priority", "category"} <= set(client.get("/admin/sla/slapolicy/add/").context["adminform"].form.fields)


@pytest.mark.parametrize("field", ["first_response_minutes", "resolution_minutes", "first_warning_percent"])
@pytest.mark.parametrize("value", [*HOSTILE, "-5", "0", "99999999999999999999", "1.5"])
def test_hostile_policy_targets_are_refused_and_nothing_is_saved(client, field, value):
    policy = SlaPolicy.objects.get(priority=2, category__isnull=True)
    before = SlaPolicy.objects.filter(pk=policy.pk).values().get()
    response = signed_in(client).post(f"/configuration/sla/{policy.pk}/", policy_form(policy, **{field: value}))
    assert response.status_code == 400
    assert SlaPolicy.objects.filter(pk=policy.pk).values().get() == before


def test_warnings_out_of_order_are_refused(client):
    policy = SlaPolicy.objects.get(priority=2, category__isnull=True)
    response = signed_in(client).post(
        f"/configuration/sla/{policy.pk}/", policy_form(policy, first_warning_percent=80, second_warning_percent=50)
    )
    assert response.status_code == 400
    assert "The second warning comes after the first." in response.content.decode()


def test_a_category_policy_is_created_and_deleted_and_a_default_is_kept(client):
    client = signed_in(client)
    office = Calendar.objects.get(name="Office hours (WIB)")
    email = Category.objects.get(name="Email")
    data = {
        "priority": 3,
        "category": email.pk,
        "calendar": office.pk,
        "first_response_minutes": 30,
        "resolution_minutes": 600,
        "first_warning_percent": 50,
        "second_warning_percent": 80,
    }
    response = client.post("/configuration/sla/", data)
    created = SlaPolicy.objects.get(priority=3, category=email)
    assert response["Location"] == f"/configuration/recompute/?policy={created.pk}"
    # One per priority and category.
    assert client.post("/configuration/sla/", data).status_code == 400
    default = SlaPolicy.objects.get(priority=3, category__isnull=True)
    response = client.post(f"/configuration/sla/{created.pk}/delete/")
    assert response["Location"] == f"/configuration/recompute/?policy={default.pk}"
    assert not SlaPolicy.objects.filter(pk=created.pk).exists()
    client.post(f"/configuration/sla/{default.pk}/delete/")
    assert SlaPolicy.objects.filter(pk=default.pk).exists()


def test_a_supervisor_adds_an_agent_to_level_two_and_takes_them_off_again(client):
    agent = make_agent(Level.I, first_name="Budi")
    supervisor = make_supervisor()
    client = signed_in(client, supervisor)
    response = client.post("/configuration/levels/", {"level": 2, "agent": agent.pk})
    assert response.status_code == 302
    level_two = SupportLevel.objects.get(number=2)
    assert agent in level_two.members.all()
    entry = audited(level_two)[-1]
    assert entry.actor == supervisor
    assert "Budi" in client.get("/configuration/levels/").content.decode()
    assert client.post("/configuration/levels/remove/", {"level": 2, "agent": agent.pk}).status_code == 302
    assert agent not in level_two.members.all()


@pytest.mark.parametrize(
    "data",
    [
        {"level": 2, "agent": "requester"},
        {"level": 9, "agent": "agent"},
        {"level": "' \" < > &", "agent": "agent"},
        {"level": 2, "agent": "🙂"},
        {"level": 2, "agent": "99999999999999999999"},
        {},
    ],
)
def test_a_level_cannot_be_given_to_a_requester_or_nonsense(client, data):
    people = {"requester": make_requester(), "agent": make_agent(Level.I)}
    sent = {key: str(people[value].pk) if value in people else value for key, value in data.items()}
    response = signed_in(client).post("/configuration/levels/", sent)
    assert response.status_code == 400
    assert not SupportLevel.objects.get(number=2).members.exists()


def test_a_category_is_created_edited_and_deactivated(client):
    supervisor = make_supervisor()
    client = signed_in(client, supervisor)
    data = {"name": "Telepon kantor", "description": "Desk phones", "default_level": 2, "default_impact": "medium"}
    assert client.post("/configuration/categories/", {**data, "is_active": "on"}).status_code == 302
    created = Category.objects.get(name="Telepon kantor")
    assert (created.default_level, created.default_impact, created.is_active) == (2, Impact.MEDIUM, True)
    assert client.post(f"/configuration/categories/{created.pk}/", data).status_code == 302
    created.refresh_from_db()
    assert not created.is_active
    assert audited(created)[-1].actor == supervisor
    # Names are unique.
    assert client.post("/configuration/categories/", {**data, "name": "Email"}).status_code == 400


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_category_names_are_stored_as_one_line_or_refused(client, name):
    before = Category.objects.count()
    data = {"name": name, "description": name, "default_level": 1, "default_impact": "low", "is_active": "on"}
    response = signed_in(client).post("/configuration/categories/", data)
    if response.status_code == 302:
        saved = Category.objects.latest("pk")
        assert "\r" not in saved.name and "\n" not in saved.name and len(saved.name) <= 100
    else:
        assert response.status_code == 400
        assert Category.objects.count() == before


def test_a_holiday_added_offers_the_recompute_of_its_calendar(client):
    office = Calendar.objects.get(name="Office hours (WIB)")
    client = signed_in(client)
    response = client.post("/configuration/calendars/", {"calendar": office.pk, "date": "2026-08-18", "name": "Cuti"})
    assert response["Location"] == f"/configuration/recompute/?calendar={office.pk}"
    holiday = Holiday.objects.get(calendar=office, date="2026-08-18")
    # Once per date.
    again = client.post("/configuration/calendars/", {"calendar": office.pk, "date": "2026-08-18", "name": "Cuti"})
    assert again.status_code == 400
    assert client.post(f"/configuration/holidays/{holiday.pk}/delete/").status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()


@pytest.mark.parametrize("date", ["2026-02-30", "' \" < > &", "", "99999-01-01", "🙂"])
def test_a_holiday_on_no_date_is_refused(client, date):
    office = Calendar.objects.get(name="Office hours (WIB)")
    response = signed_in(client).post("/configuration/calendars/", {"calendar": office.pk, "date": date, "name": "X"})
    assert response.status_code == 400
    assert not Holiday.objects.exists()


def test_the_pages_answer_in_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client = signed_in(client)
    for level in SupportLevel.objects.all():
        level.members.add(*[make_agent() for _ in range(3)])
    for url in ("/configuration/", "/configuration/levels/", "/configuration/categories/", "/configuration/sla/"):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/configuration/calendars/").status_code == 200


def test_the_navbar_offers_the_configuration_to_supervisors_only(client):
    assert 'data-testid="nav-configuration"' in signed_in(client).get("/queue/").content.decode()
    client.force_login(make_agent(Level.I))
    assert 'data-testid="nav-configuration"' not in client.get("/queue/").content.decode()


def test_tickets_are_untouched_by_the_pages_alone(client):
    ticket = ticket_create(requester=make_requester(), subject="Printer", description="Jams.", urgency=Urgency.LOW)
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    policy = SlaPolicy.objects.get(priority=ticket.priority, category__isnull=True)
    signed_in(client).post(f"/configuration/sla/{policy.pk}/", policy_form(policy, resolution_minutes=10))
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before

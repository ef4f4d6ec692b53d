"""The ticket list: every ticket of every status at the levels a person works, filtered,
sorted, searched and paged; saved views of its filters; and "My tickets" by state."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.http import QueryDict

from tests.factories import TicketFactory, make_agent, make_requester, make_supervisor
from tickets import services
from tickets.choices import EventKind, Status
from tickets.exceptions import NotAllowedError, TicketError
from tickets.models import SavedView, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

HOSTILE = "Ünïcødé 😀 ' \" < > & \r\nline"


def list_page(client, **params):
    response = client.get("/tickets/all/", params)
    assert response.status_code == 200
    return response


def found(client, **params) -> list[str]:
    return [ticket.subject for ticket in list_page(client, **params).context["page"].object_list]


def test_the_list_shows_every_status_at_the_agents_levels_only(client):
    agent = make_agent(1)
    for status in Status:
        TicketFactory(level=1, status=status, subject=f"L1 {status}")
    TicketFactory(level=2, subject="L2 open", status=Status.OPEN)
    client.force_login(agent)
    subjects = found(client)
    assert sorted(subjects) == sorted(f"L1 {status}" for status in Status)
    # Another level is not the agent's to read: asked for, it is refused with a message.
    response = list_page(client, level=2)
    assert "L2 open" not in response.content.decode()
    assert "Level" in response.context["filter_errors"]


def test_supervisors_see_every_level(client):
    TicketFactory(level=1, subject="one")
    TicketFactory(level=3, subject="three", status=Status.CLOSED)
    client.force_login(make_supervisor())
    assert sorted(found(client)) == ["one", "three"]
    assert found(client, level=3) == ["three"]


def test_requesters_are_refused_the_list(client):
    client.force_login(make_requester())
    assert client.get("/tickets/all/").status_code == 403


def test_filters_narrow_the_list(client):
    agent = make_agent(1, 2)
    other = make_agent(1)
    asker = make_requester(username="budi")
    TicketFactory(level=1, status=Status.CLOSED, subject="closed mine", assignee=agent, priority=1)
    TicketFactory(level=2, status=Status.PENDING, subject="pending nobody", requester=asker, priority=3)
    TicketFactory(level=1, status=Status.RESOLVED, subject="resolved other", assignee=other, priority=3)
    client.force_login(agent)
    assert found(client, status="closed") == ["closed mine"]
    assert sorted(found(client, status=["closed", "pending"])) == ["closed mine", "pending nobody"]
    assert found(client, state="open") == ["pending nobody"]
    assert sorted(found(client, state="done")) == ["closed mine", "resolved other"]
    assert found(client, assignee="me") == ["closed mine"]
    assert found(client, assignee="none") == ["pending nobody"]
    assert found(client, assignee=str(other.pk)) == ["resolved other"]
    assert found(client, requester="BUDI") == ["pending nobody"]
    assert found(client, level=2) == ["pending nobody"]
    assert sorted(found(client, priority=3)) == ["pending nobody", "resolved other"]


def test_date_ranges_take_local_days_and_instants(client, settings):
    settings.TIME_ZONE = "Asia/Jakarta"
    agent = make_agent(1)
    # 23:30 on 1 March in Jakarta is still 1 March there, though 16:30 UTC.
    TicketFactory(level=1, subject="late", created_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    TicketFactory(level=1, subject="next day", created_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC))
    client.force_login(agent)
    assert found(client, created_after="2026-03-01", created_before="2026-03-02") == ["late"]
    assert found(client, created_after="2026-03-02") == ["next day"]
    assert found(client, created_after="2026-03-02T00:00:00+07:00") == ["next day"]


def test_sla_age_and_overdue_filters(client):
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    agent = make_agent(1)
    TicketFactory(
        level=1, subject="breached", sla_warn_at=now - timedelta(hours=2), sla_due_at=now - timedelta(hours=1)
    )
    TicketFactory(level=1, subject="at risk", sla_warn_at=now - timedelta(hours=1), sla_due_at=now + timedelta(hours=1))
    TicketFactory(level=1, subject="old", created_at=now - timedelta(days=8))
    TicketFactory(level=1, subject="old closed", created_at=now - timedelta(days=8), status=Status.CLOSED)
    client.force_login(agent)
    with time_machine.travel(now, tick=False):
        assert found(client, sla="breached") == ["breached"]
        assert found(client, sla="at_risk") == ["at risk"]
        assert found(client, overdue="true") == ["breached"]
        assert found(client, age="7+") == ["old"]


def test_sorting_by_resolved_and_searching(client):
    agent = make_agent(1)
    early = TicketFactory(level=1, subject="Printer jammed", status=Status.CLOSED)
    early.resolved_at = datetime(2026, 1, 1, tzinfo=UTC)
    early.save()
    late = TicketFactory(level=1, subject="Mouse squeaks", status=Status.RESOLVED)
    late.resolved_at = datetime(2026, 2, 1, tzinfo=UTC)
    late.save()
    client.force_login(agent)
    assert found(client, sort="resolved") == ["Printer jammed", "Mouse squeaks"]
    assert found(client, sort="-resolved") == ["Mouse squeaks", "Printer jammed"]
    assert found(client, q="printer") == ["Printer jammed"]
    assert found(client, q=late.reference) == ["Mouse squeaks"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "gone"},
        {"priority": "high"},
        {"assignee": "'; drop table"},
        {"category": "<script>"},
        {"created_after": "yesterday"},
        {"created_after": "9999-12-31T23:59:59-23:00"},
        {"age": "100"},
        {"sort": "drop"},
        {"per_page": "lots"},
        {"page": "-3"},
        {"q": HOSTILE * 40},
        {"requester": HOSTILE},
        {"view": "x"},
        {"overdue": "maybe"},
        {"journey": "started_9"},
        {"target": HOSTILE},
        {"escalated_to": "4"},
        {"escalated_after": "<script>"},
        {"responded_before": "0000-00-00"},
        {"worked_by": "-1"},
        {"worked_after": HOSTILE},
        {"rated_agent": "'; drop table"},
        {"rated_level": "9"},
        {"rated_category": HOSTILE},
        {"rating": "great"},
        {"rated_after": "2026-02-30"},
    ],
    ids=lambda params: next(iter(params)),
)
def test_bad_parameters_give_a_message_never_an_error(client, params):
    TicketFactory(level=1, subject="still here")
    client.force_login(make_agent(1))
    response = client.get("/tickets/all/", params)
    assert response.status_code == 200


def test_an_invalid_filter_is_named_in_the_message(client):
    TicketFactory(level=1, subject="still here")
    client.force_login(make_agent(1))
    response = list_page(client, created_after="yesterday")
    assert "Created from" in response.context["filter_errors"]
    assert "still here" in response.content.decode()


@pytest.mark.parametrize("tickets", [3, 30])
def test_a_page_costs_the_same_queries_whatever_the_data(client, django_assert_max_num_queries, tickets):
    agent = make_agent(1)
    TicketFactory.create_batch(tickets, level=1, assignee=agent, status=Status.CLOSED)
    SavedView.objects.create(owner=agent, name="mine", query="assignee=me")
    client.force_login(agent)
    client.get("/tickets/all/")  # the session and permissions, as on every later page
    # 14: the list's own 12, and the bulk bar's agents and canned replies.
    with django_assert_max_num_queries(14):
        list_page(client, per_page=25, assignee="me", q="printer")
    with django_assert_max_num_queries(14):
        list_page(client, per_page=25, sort="-resolved", page=2)


def test_the_table_sits_in_an_include_with_a_selection_hook():
    from django.template.loader import get_template

    source = get_template("tickets/_list_table.html").template.source
    assert "{% if selectable %}" in source and "row_select_template" in source


def test_the_list_carries_the_bulk_bar_and_a_bulk_action_from_it_comes_back_to_it(client):
    agent = make_agent(1)
    closed = TicketFactory(level=1, status=Status.CLOSED, subject="Closed one")
    resolved = TicketFactory(level=1, status=Status.RESOLVED, subject="Resolved one")
    client.force_login(agent)
    page = list_page(client, state="done").content.decode()
    assert 'id="bulk-form"' in page
    for ticket in (closed, resolved):
        assert f'name="tickets" value="{ticket.reference}" form="bulk-form"' in page
    assert 'name="all_on_page" value="on" form="bulk-form"' in page
    response = client.post(
        "/tickets/bulk/",
        {
            "tickets": [closed.reference, resolved.reference],
            "action": "status",
            "status": "open",
            "next": "/tickets/all/?state=done",
        },
    )
    assert response.status_code == 200
    outcomes = {outcome.reference: outcome for outcome in response.context["outcomes"]}
    # Each ticket through the status service: the resolved one reopens, the closed one is refused, with why.
    assert outcomes[resolved.reference].done
    assert not outcomes[closed.reference].done and outcomes[closed.reference].message
    resolved.refresh_from_db()
    closed.refresh_from_db()
    assert resolved.status == Status.OPEN and closed.status == Status.CLOSED
    assert response.context["back"] == "/tickets/all/?state=done"


def test_a_bulk_action_on_every_ticket_that_matches_reaches_past_the_page(client, settings):
    """ "Select all N tickets that match" acts on every ticket the list's filters find, on
    every page, not one more: the query string travels with the form."""
    agent = make_agent(1)
    mine = TicketFactory.create_batch(12, level=1, status=Status.OPEN, priority=3, subject="printer")
    other = TicketFactory(level=1, status=Status.OPEN, priority=3, subject="not this one", category=None)
    client.force_login(agent)
    query = "q=printer&per_page=10"
    page = list_page(client, q="printer", per_page=10).content.decode()
    assert 'data-testid="bulk-matching"' in page and "Select all 12 tickets that match" in page
    assert f'name="matching" value="{query}"'.replace("&", "&amp;") in page
    response = client.post(
        "/tickets/bulk/",
        {"all_matching": "on", "matching": query, "action": "priority", "impact": "high", "urgency": "high"},
    )
    assert response.status_code == 200, response.context["form"].errors
    assert {outcome.reference for outcome in response.context["outcomes"]} == {t.reference for t in mine}
    other.refresh_from_db()
    assert other.priority == 3
    # Over the cap: refused with the count, nothing changed.
    settings.HELPDESK_BULK_MAX_TICKETS = 5
    response = client.post(
        "/tickets/bulk/",
        {"all_matching": "on", "matching": query, "action": "priority", "impact": "low", "urgency": "low"},
    )
    assert response.status_code == 400
    assert "12 tickets were chosen; a bulk action changes at most 5 at a time." in response.content.decode()
    assert all(t.priority == 1 for t in Ticket.objects.filter(pk__in=[t.pk for t in mine]))


@pytest.mark.parametrize("matching", ["level=2", "created_after=yesterday", "journey=" + HOSTILE])
def test_every_ticket_that_matches_never_widens_past_the_person_s_levels_or_a_bad_filter(client, matching):
    TicketFactory(level=1, status=Status.OPEN, subject="mine")
    above = TicketFactory(level=2, status=Status.OPEN, priority=3)
    client.force_login(make_agent(1))
    response = client.post(
        "/tickets/bulk/",
        {"all_matching": "on", "matching": matching, "action": "priority", "impact": "high", "urgency": "high"},
    )
    assert response.status_code == 400
    assert "The list&#x27;s filters could not be read; tick the tickets instead." in response.content.decode()
    above.refresh_from_db()
    assert above.priority == 3


def test_a_junk_query_matches_what_the_list_shows_for_it_and_never_another_level(client):
    mine = TicketFactory(level=1, status=Status.OPEN, priority=3)
    above = TicketFactory(level=2, status=Status.OPEN, priority=3)
    client.force_login(make_agent(1))
    response = client.post(
        "/tickets/bulk/",
        {
            "all_matching": "on",
            "matching": "%ZZ&&==&x=" + HOSTILE,
            "action": "priority",
            "impact": "high",
            "urgency": "high",
        },
    )
    assert response.status_code == 200
    assert [outcome.reference for outcome in response.context["outcomes"]] == [mine.reference]
    above.refresh_from_db()
    assert above.priority == 3


def test_a_single_page_offers_no_select_every_match(client):
    TicketFactory.create_batch(3, level=1)
    client.force_login(make_agent(1))
    assert 'data-testid="bulk-matching"' not in list_page(client).content.decode()


# --- saved views -----------------------------------------------------------------------


def test_saving_a_view_keeps_only_known_filters_checked_and_in_order():
    agent = make_agent(1)
    view = services.saved_view_save(
        by=agent, name=HOSTILE, params=QueryDict("zzz=1&status=closed&q=+printer+&sort=-created&page=4&assignee=me")
    )
    assert view.name == "Ünïcødé 😀 ' \" < > & line"
    assert view.query == "q=printer&status=closed&assignee=me&sort=-created"


def test_a_view_with_an_invalid_filter_is_refused_with_its_name():
    with pytest.raises(TicketError, match="Created from"):
        services.saved_view_save(by=make_agent(1), name="x", params=QueryDict("created_after=nonsense"))
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("name", ["", " \r\n ", "x" * 251])
def test_a_view_needs_a_sensible_name(name):
    with pytest.raises(TicketError):
        services.saved_view_save(by=make_agent(1), name=name, params=QueryDict(""))


def test_a_250_character_unicode_name_is_kept():
    name = "é😀" * 125
    assert services.saved_view_save(by=make_agent(1), name=name, params=QueryDict("")).name == name


def test_only_the_owner_or_a_supervisor_changes_a_shared_view():
    owner, colleague, supervisor = make_agent(1), make_agent(1), make_supervisor()
    view = services.saved_view_save(by=owner, name="P1", params=QueryDict("priority=1"), shared=True)
    with pytest.raises(NotAllowedError):
        services.saved_view_save(by=colleague, name="mine now", params=QueryDict(""), view_id=view.pk)
    with pytest.raises(NotAllowedError):
        services.saved_view_delete(by=colleague, view_id=view.pk)
    services.saved_view_save(
        by=supervisor, name="P1 renamed", params=QueryDict("priority=1"), shared=True, view_id=view.pk
    )
    services.saved_view_delete(by=supervisor, view_id=view.pk)
    assert not SavedView.objects.exists()


def test_a_private_view_is_nobody_elses():
    owner, colleague = make_agent(1), make_agent(1)
    view = services.saved_view_save(by=owner, name="mine", params=QueryDict(""))
    with pytest.raises(TicketError):
        services.saved_view_delete(by=colleague, view_id=view.pk)
    with pytest.raises(TicketError):
        services.saved_view_delete(by=make_supervisor(), view_id=view.pk)
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_requesters_save_no_views():
    with pytest.raises(NotAllowedError):
        services.saved_view_save(by=make_requester(), name="x", params=QueryDict(""))


def test_save_this_view_in_one_click_and_open_it_again(client):
    agent = make_agent(1)
    TicketFactory(level=1, subject="closed one", status=Status.CLOSED)
    TicketFactory(level=1, subject="open one", status=Status.OPEN)
    client.force_login(agent)
    page = list_page(client, status="closed")
    query = page.context["save_form"].initial["query"]
    response = client.post("/tickets/all/views/", {"name": "Closed", "query": query, "shared": "on"})
    view = SavedView.objects.get()
    assert response.status_code == 302 and response["Location"] == view.get_absolute_url()
    assert view.is_shared and view.query == "status=closed"
    reopened = client.get(response["Location"])
    assert [t.subject for t in reopened.context["page"].object_list] == ["closed one"]
    assert reopened.context["current_view"] == view
    colleague = make_agent(2)
    client.force_login(colleague)
    assert view in list_page(client).context["saved_views"]
    assert client.post(f"/tickets/all/views/{view.pk}/delete/").status_code == 403


def test_a_refused_save_shows_the_list_again_with_the_reason(client):
    client.force_login(make_agent(1))
    response = client.post("/tickets/all/views/", {"name": "x", "query": "created_after=never"})
    assert response.status_code == 400
    assert "Created from" in response.content.decode()
    assert not SavedView.objects.exists()


# --- My tickets ------------------------------------------------------------------------


def test_requesters_filter_their_tickets_by_state_with_counts(client):
    me = make_requester()
    TicketFactory(requester=me, subject="working", status=Status.OPEN)
    TicketFactory(requester=me, subject="waiting on me", status=Status.PENDING)
    TicketFactory(requester=me, subject="solved", status=Status.RESOLVED)
    TicketFactory(requester=me, subject="done", status=Status.CLOSED)
    TicketFactory(subject="someone else's", status=Status.PENDING)
    client.force_login(me)
    expected = {"open": ["working"], "waiting": ["waiting on me"], "resolved": ["solved"], "closed": ["done"]}
    for state, subjects in expected.items():
        response = client.get("/tickets/", {"state": state})
        assert [t.subject for t in response.context["page"].object_list] == subjects
    response = client.get("/tickets/", {"state": "nonsense"})
    assert len(response.context["page"].object_list) == 4
    counts = {value: count for value, _label, count in response.context["states"]}
    assert counts == {"open": 1, "waiting": 1, "resolved": 1, "closed": 1, "all": 4}


def test_created_within_counts_back_from_now(client):
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    TicketFactory(level=1, subject="this week", created_at=now - timedelta(days=6))
    TicketFactory(level=1, subject="last month", created_at=now - timedelta(days=30))
    client.force_login(make_agent(1))
    with time_machine.travel(now, tick=False):
        assert found(client, created_within=7) == ["this week"]
        assert "Created in the last" in list_page(client, created_within=0).context["filter_errors"]


def test_filters_a_link_set_are_named_above_the_list_and_kept_by_the_form(client):
    """A drill-down link's filters the form has no control for (the funnel's path, an SLA
    target) are named above the list and carried as hidden fields, so refining the list
    by the form keeps counting the figure's tickets."""
    TicketFactory(level=1, subject="never moved", status=Status.RESOLVED, resolved_at=datetime(2026, 3, 1, tzinfo=UTC))
    TicketFactory(level=1, subject="open one", status=Status.OPEN)
    client.force_login(make_supervisor())
    response = list_page(client, journey="solved_at_1", target="resolution_met")
    assert found(client, journey="solved_at_1") == ["never moved"]
    html = response.content.decode()
    assert "Escalation path: Solved at Level I, never escalated" in html
    assert "SLA target: Resolution met" in html
    assert '<input type="hidden" name="journey" value="solved_at_1">' in html
    assert '<input type="hidden" name="target" value="resolution_met">' in html


def test_a_bad_drill_down_filter_is_named_and_the_list_still_shows(client):
    TicketFactory(level=1, subject="still here")
    client.force_login(make_agent(1))
    response = list_page(client, journey="started_9")
    assert "Escalation path" in response.context["filter_errors"]
    assert "still here" in response.content.decode()


def test_escalated_since_and_to_a_level_read_one_escalation_together(client):
    """Both given, one escalation must match both: a ticket escalated to Level II last
    week and to Level III today is in "to III today", not in "to II today"."""
    now = datetime(2026, 3, 15, 5, 0, tzinfo=UTC)
    ticket = TicketFactory(level=3, subject="up twice", created_at=now - timedelta(days=9))
    for to, at in (("2", now - timedelta(days=7)), ("3", now - timedelta(hours=1))):
        TicketEvent.objects.create(ticket=ticket, kind=EventKind.ESCALATED, field="level", to_value=to, created_at=at)
    client.force_login(make_supervisor())
    today = (now - timedelta(hours=5)).isoformat()
    assert found(client, escalated_after=today, escalated_to=3) == ["up twice"]
    assert found(client, escalated_after=today, escalated_to=2) == []
    assert found(client, escalated_to=2) == ["up twice"]
    assert found(client, escalated_after=today) == ["up twice"]
    shown = list_page(client, escalated_after="2026-03-15T00:00:00+07:00", escalated_to=3).content.decode()
    assert "Escalated since: March 15, 2026, midnight" in shown and "Escalated to: Level III" in shown

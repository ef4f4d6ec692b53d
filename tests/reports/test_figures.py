"""Every figure of the range report against a small hand-computed fixture."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.choices import Level
from reports.selectors import (
    ReportFilters,
    agent_workload,
    aging,
    by_category,
    by_channel,
    escalation_funnel,
    oldest_open_per_level,
    response_times,
    sla_compliance,
    sla_compliance_totals,
    trend,
)
from tests.factories import TicketFactory, category, make_agent
from tickets.choices import Channel, EventKind, Status
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
START = datetime(2026, 3, 2, 9, 0, tzinfo=WIB)  # a Monday morning
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=WIB)
WEEK = ReportFilters(start=date(2026, 3, 1), end=date(2026, 3, 7), time_zone="Asia/Jakarta")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def resolved_ticket(n: int, **kwargs):
    """Ticket n of ten at Level I, P2: first response after 10 x n minutes (due after
    an hour), resolved after n hours (due after eight)."""
    created = START + n * M
    fields = {
        "level": 1,
        "priority": 2,
        "created_at": created,
        "first_response_at": created + 10 * n * M,
        "first_response_due_at": created + 60 * M,
        "resolved_at": created + n * H,
        "resolution_due_at": created + 8 * H,
        "status": Status.RESOLVED,
        **kwargs,
    }
    return TicketFactory(**fields)


def ten_resolved(**kwargs):
    return [resolved_ticket(n, **kwargs) for n in range(1, 11)]


def test_mtta_and_mttr_median_and_p90_are_nearest_rank():
    ten_resolved()
    [row] = response_times(WEEK)
    assert (row["level"], row["priority"], row["acknowledged"], row["resolved"]) == (1, 2, 10, 10)
    # Ten values: the median is the 5th (ceil(0.5 x 10)), the 90th percentile the 9th.
    assert row["mtta_p50"] == 50 * M
    assert row["mtta_p90"] == 90 * M
    assert row["mttr_p50"] == 5 * H
    assert row["mttr_p90"] == 9 * H


def test_percentiles_of_one_and_of_three_values():
    resolved_ticket(3, priority=1)
    for n in (1, 2, 7):
        resolved_ticket(n, priority=3)
    rows = {row["priority"]: row for row in response_times(WEEK)}
    assert (rows[1]["mttr_p50"], rows[1]["mttr_p90"]) == (3 * H, 3 * H)
    # Three values 1, 2, 7 h: median rank ceil(1.5) = 2, p90 rank ceil(2.7) = 3.
    assert (rows[3]["mttr_p50"], rows[3]["mttr_p90"]) == (2 * H, 7 * H)


def test_sla_compliance_counts_met_missed_and_not_yet_due():
    ten_resolved()
    # Open, no response yet, both due times passed: missed twice.
    TicketFactory(
        level=1,
        priority=2,
        created_at=START,
        first_response_due_at=START + H,
        resolution_due_at=START + 8 * H,
        status=Status.OPEN,
    )
    # Open, responded in time, resolution not due yet: one met, one pending (not counted).
    TicketFactory(
        level=2,
        priority=1,
        created_at=START,
        first_response_at=START + 5 * M,
        first_response_due_at=START + 15 * M,
        resolution_due_at=NOW + H,
        status=Status.OPEN,
    )
    # Resolved well in time: the clock stopped before its due times, so none is known.
    TicketFactory(
        level=3,
        priority=4,
        created_at=START,
        first_response_at=START + M,
        resolved_at=START + 2 * M,
        status=Status.RESOLVED,
    )
    rows = {(row["level"], row["priority"]): row for row in sla_compliance(WEEK, now=NOW)}
    l3 = rows[(3, 4)]
    assert (l3["fr_met"], l3["fr_missed"], l3["res_met"], l3["res_missed"]) == (1, 0, 1, 0)
    del rows[(3, 4)]
    l1 = rows[(1, 2)]
    # First response: 10..60 min met (6), 70..100 min late (4), plus the unanswered one.
    assert (l1["tickets"], l1["fr_met"], l1["fr_missed"], l1["fr_pct"]) == (11, 6, 5, 54.5)
    # Resolution: 1..8 h met (8), 9 and 10 h late, plus the open one past due.
    assert (l1["res_met"], l1["res_missed"], l1["res_pct"]) == (8, 3, 72.7)
    l2 = rows[(2, 1)]
    assert (l2["fr_met"], l2["fr_missed"], l2["fr_pct"], l2["res_met"], l2["res_missed"], l2["res_pct"]) == (
        1,
        0,
        100.0,
        0,
        0,
        None,
    )
    totals = sla_compliance_totals(list(rows.values()))
    assert (totals["tickets"], totals["fr_met"], totals["fr_missed"], totals["fr_pct"]) == (12, 7, 5, 58.3)


def test_days_are_cut_in_the_viewers_time_zone():
    # 00:30 on 1 March in Jakarta is still 28 February in UTC: in the range, on day one.
    TicketFactory(created_at=datetime(2026, 3, 1, 0, 30, tzinfo=WIB))
    # 23:30 on 28 February in Jakarta: before the range.
    TicketFactory(created_at=datetime(2026, 2, 28, 23, 30, tzinfo=WIB))
    # The last minute of the range, and the first minute after it.
    TicketFactory(
        created_at=datetime(2026, 3, 7, 23, 59, tzinfo=WIB),
        resolved_at=datetime(2026, 3, 7, 23, 59, 30, tzinfo=WIB),
        status=Status.RESOLVED,
    )
    TicketFactory(created_at=datetime(2026, 3, 8, 0, 10, tzinfo=WIB))
    days = {row["day"]: (row["created"], row["resolved"]) for row in trend(WEEK)}
    assert list(days) == [date(2026, 3, d) for d in range(1, 8)]
    assert days[date(2026, 3, 1)] == (1, 0)
    assert days[date(2026, 3, 7)] == (1, 1)
    assert sum(created for created, _resolved in days.values()) == 2
    # The same tickets seen from Jayapura (UTC+9): 00:30 WIB on 1 March is 02:30 WIT,
    # still 1 March; 23:59 WIB on 7 March is 01:59 WIT on 8 March, outside the range.
    wit = ReportFilters(start=date(2026, 3, 1), end=date(2026, 3, 7), time_zone="Asia/Jayapura")
    days_wit = {row["day"]: row["created"] for row in trend(wit)}
    # ... and 23:30 WIB on 28 February is 01:30 WIT on 1 March: inside for Jayapura.
    assert days_wit[date(2026, 3, 1)] == 2
    assert days_wit[date(2026, 3, 7)] == 0
    assert sum(days_wit.values()) == 2


def event(ticket, kind, from_value="", to_value="", after=H):
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, from_value=from_value, to_value=to_value, created_at=ticket.created_at + after
    )


def history(start_level, *moves, created=START, resolved=False, **kwargs):
    """A ticket filed at ``start_level`` (its created event), then moved from level to
    level an hour apart (``moves`` are the levels it went to), resolved after the moves
    when ``resolved``; its current level is where the moves leave it."""
    levels = [start_level, *moves]
    end = created + len(levels) * H
    ticket = TicketFactory(
        level=levels[-1],
        created_at=created,
        status=Status.RESOLVED if resolved else Status.OPEN,
        resolved_at=end if resolved else None,
        **kwargs,
    )
    event(ticket, EventKind.CREATED, to_value=str(start_level), after=timedelta(0))
    for n, (old, new) in enumerate(zip(levels, levels[1:], strict=False), 1):
        kind = EventKind.ESCALATED if new > old else EventKind.DE_ESCALATED
        event(ticket, kind, str(old), str(new), after=n * H)
    return ticket


def test_escalation_funnel_counts_what_the_readme_says():
    network = category("Network and Wi-Fi")
    # Routed straight to Level II or III by their category.
    history(2, resolved=True, category=network)
    history(3)
    history(2, 3, resolved=True, category=network)  # started at II, escalated to III
    history(2, 1, resolved=True, category=network)  # started at II, sent down, solved at I
    # Started at Level I.
    history(1, 2, 3, resolved=True)  # escalated twice, solved at III
    history(1, 2, 1, 2)  # escalated, sent back down, escalated again: still open at II
    history(1, resolved=True)  # solved at Level I
    history(1, 2, resolved=True)  # solved at Level II
    history(1, 2, 1, resolved=True)  # solved at Level I, but only after Level II looked at it
    history(1)  # still open at Level I
    # Outside the period: filed before it (moved and resolved during it) and after it.
    history(1, 2, 3, created=START - timedelta(days=3), resolved=True)
    history(1, resolved=True, created=START - timedelta(days=3))
    history(1, 2, 3, created=START + timedelta(days=7), resolved=True)

    funnel = escalation_funnel(WEEK)
    assert funnel["created"] == 10
    assert funnel["started"] == {1: 6, 2: 3, 3: 1}
    # Of the six that started at Level I: four reached Level II (once each, however often
    # they went), and one of those went on to Level III.
    assert funnel["escalated_to"] == {1: 0, 2: 4, 3: 1}
    assert (funnel["to_ii_pct"], funnel["to_iii_pct"]) == (66.7, 25.0)
    # Sent down at least once: of the eight that were ever above Level I.
    assert (funnel["bounced"], funnel["above_first"], funnel["bounced_pct"]) == (3, 8, 37.5)
    # Started at Level I and resolved: four; without ever being escalated: one.
    assert (funnel["resolved_from_first"], funnel["solved_at_first"], funnel["solved_at_first_pct"]) == (4, 1, 25.0)

    # A category that routes to Level II: nothing started at Level I, so nothing was solved there.
    routed = escalation_funnel(ReportFilters(**{**WEEK.__dict__, "category_id": network.pk}))
    assert routed["created"] == 3
    assert routed["started"] == {1: 0, 2: 3, 3: 0}
    assert routed["escalated_to"] == {1: 0, 2: 0, 3: 0}
    assert (routed["bounced"], routed["above_first"]) == (1, 3)
    assert (routed["resolved_from_first"], routed["solved_at_first"], routed["solved_at_first_pct"]) == (0, 0, None)


def test_the_escalation_funnel_narrows_from_level_to_level_whatever_the_routing():
    # Most tickets routed straight to Level II and escalated to III from there: the
    # funnel from Level I still narrows.
    for _n in range(3):
        history(2, 3)
    history(1, 2)
    history(1, resolved=True)
    funnel = escalation_funnel(WEEK)
    assert funnel["started"][Level.I] >= funnel["escalated_to"][Level.II] >= funnel["escalated_to"][Level.III]
    assert funnel["escalated_to"] == {1: 0, 2: 1, 3: 0}
    assert funnel["started"] == {1: 2, 2: 3, 3: 0}
    assert funnel["solved_at_first"] == funnel["resolved_from_first"] == 1


def test_the_escalation_funnel_filtered_by_agent_and_level_counts_their_tickets_only():
    agent = make_agent(2)
    history(1, 2, assignee=agent)
    history(1, 2)
    history(1, assignee=make_agent(1), resolved=True)
    mine = escalation_funnel(ReportFilters(**{**WEEK.__dict__, "agent_id": agent.pk}))
    assert (mine["created"], mine["started"][Level.I], mine["escalated_to"][Level.II]) == (1, 1, 1)
    # The level filter is the level tickets are at now.
    at_ii = escalation_funnel(ReportFilters(**{**WEEK.__dict__, "level": 2}))
    assert (at_ii["created"], at_ii["started"][Level.I], at_ii["escalated_to"][Level.II]) == (2, 2, 2)


def test_agent_workload():
    busy = make_agent(1, first_name="Budi")
    idle = make_agent(1, first_name="Wati")
    make_agent(3, first_name="Citra")  # filtered out by level below
    TicketFactory(assignee=busy, status=Status.OPEN)
    TicketFactory(assignee=busy, status=Status.PENDING)
    TicketFactory(assignee=idle, status=Status.CLOSED, resolved_at=START - 60 * H, created_at=START - 70 * H)
    for hours in (1, 2, 4):
        TicketFactory(assignee=busy, status=Status.RESOLVED, created_at=START, resolved_at=START + hours * H)
    rows = {row["agent"]: row for row in agent_workload(ReportFilters(**{**WEEK.__dict__, "level": 1}))}
    assert set(rows) == {str(busy), str(idle)}
    assert (rows[str(busy)]["open"], rows[str(busy)]["resolved"], rows[str(busy)]["handling_p50"]) == (2, 3, 2 * H)
    assert (rows[str(idle)]["open"], rows[str(idle)]["resolved"], rows[str(idle)]["handling_p50"]) == (0, 0, None)
    # An agent's own version holds their row only.
    [own] = agent_workload(ReportFilters(**{**WEEK.__dict__, "agent_id": idle.pk}))
    assert own["agent_id"] == idle.pk


def test_aging_buckets_of_open_tickets():
    for age in (timedelta(hours=12), timedelta(days=2), timedelta(days=5), timedelta(days=10), timedelta(days=30)):
        TicketFactory(created_at=NOW - age, status=Status.OPEN)
    TicketFactory(created_at=NOW - timedelta(days=20), status=Status.CLOSED)
    TicketFactory(created_at=NOW - timedelta(days=1), status=Status.PENDING)  # exactly one day: 1-3
    assert aging(WEEK, now=NOW) == {"0-1": 1, "1-3": 2, "3-7": 1, "7+": 2}


def test_tickets_by_channel_and_category():
    email = category("Email")
    TicketFactory(created_at=START, channel=Channel.EMAIL, category=email)
    TicketFactory(created_at=START, channel=Channel.EMAIL, category=email)
    TicketFactory(created_at=START, channel=Channel.PHONE)
    TicketFactory(created_at=START - timedelta(days=30), channel=Channel.PHONE, category=email)  # outside
    channels = {row["channel"]: row["tickets"] for row in by_channel(WEEK)}
    assert channels == {"web": 0, "email": 2, "phone": 1, "sms": 0, "chat": 0, "api": 0, "monitor": 0}
    assert [(row["label"], row["tickets"]) for row in by_category(WEEK)] == [("Email", 2), ("", 1)]


def test_filters_narrow_every_figure():
    email = category("Email")
    agent = make_agent(2)
    TicketFactory(created_at=START, level=2, category=email, assignee=agent)
    TicketFactory(created_at=START, level=2, category=email)
    TicketFactory(created_at=START, level=1, category=email, assignee=agent)
    TicketFactory(created_at=START, level=2)
    narrow = ReportFilters(**{**WEEK.__dict__, "level": 2, "category_id": email.pk, "agent_id": agent.pk})
    assert sum(row["tickets"] for row in by_channel(narrow)) == 1
    level_only = ReportFilters(**{**WEEK.__dict__, "level": 2})
    assert sum(row["tickets"] for row in by_channel(level_only)) == 3


def test_oldest_open_ticket_of_each_level():
    old = TicketFactory(level=1, created_at=NOW - timedelta(days=9), status=Status.OPEN)
    TicketFactory(level=1, created_at=NOW - timedelta(days=2), status=Status.OPEN)
    TicketFactory(level=1, created_at=NOW - timedelta(days=30), status=Status.CLOSED)
    iii = TicketFactory(level=3, created_at=NOW - timedelta(days=1), status=Status.PENDING)
    assert oldest_open_per_level(WEEK) == {Level.I: old, Level.II: None, Level.III: iii}


@pytest.mark.django_db(transaction=True)
def test_a_report_page_uses_the_requests_connection_only(reference_data, client):
    from django.core.cache import cache
    from django.db.backends.signals import connection_created

    from tests.factories import make_supervisor

    ten_resolved()
    TicketFactory(level=2, priority=1, created_at=START, status=Status.OPEN, first_response_due_at=START + H)
    client.force_login(make_supervisor())
    client.get("/reports/")  # the request's connection is open from here on
    opened = []

    def count(sender, connection, **kwargs):
        opened.append(connection.alias)

    connection_created.connect(count)
    try:
        cache.clear()
        response = client.get("/reports/", {"preset": "custom", "start": "2026-03-01", "end": "2026-03-07"})
    finally:
        connection_created.disconnect(count)
    assert response.status_code == 200
    assert response.context["report"].compliance_totals["tickets"] == 11
    assert opened == []

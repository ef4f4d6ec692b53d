"""Every figure of the dashboard and of the reports page links to the ticket list filtered
to exactly the tickets it counts: followed, the list's total is the figure shown. On a
varied dataset (every status, level, priority, channel, with and without category and
assignee, at risk and breached, of every age), with tickets filed and resolved on either
side of midnight in the report's time zone."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from itertools import cycle

import pytest
import time_machine
from django.core.cache import cache

from satisfaction.models import Rating
from tests.factories import TicketFactory, make_agent, make_supervisor
from tickets.choices import Channel, EventKind, Status
from tickets.models import Category, TicketEvent, TimeEntry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 15, 5, 0, tzinfo=UTC)  # noon in Jakarta
REPORT = "/reports/?start=2026-03-01&end=2026-03-15&time_zone=Asia/Jakarta"
LINK = re.compile(r'<a href="([^"]+)"[^>]*data-drill="([a-z0-9_-]+)"[^>]*>\s*(\d+)(?: [^<]*)?</a>')
# Moves through the levels by the level a ticket is at now (and n, to vary): a ticket's
# level changes only by these, so each history ends at the ticket's level.
MOVES = {
    (1, 1): [(1, 2), (2, 1)],
    (2, 0): [(1, 2)],
    (3, 0): [(1, 2), (2, 3)],
    (2, 1): [(1, 2), (2, 1), (1, 2)],  # escalated to Level II twice: one ticket
    (3, 3): [(3, 2), (2, 3)],  # started at Level III, sent down, back up
}

DASHBOARD_KINDS = [
    "total-open",
    "total-unassigned",
    "level-priority",
    "level-total",
    "level-unassigned",
    "priority-total",
    "sla-at-risk",
    "sla-breached",
    "escalated-today",
    "level-escalated-today",
]
REPORT_KINDS = [
    "live-open",
    "live-unassigned",
    "live-at-risk",
    "live-breached",
    "live-level-priority",
    "live-level-unassigned",
    "live-level-at-risk",
    "live-level-breached",
    "trend-created",
    "trend-resolved",
    "funnel-created",
    "aging",
    "workload-open",
    "workload-resolved",
    "channel",
    "category",
    "response-resolved",
    "response-acknowledged",
    "compliance-total",
    "compliance-tickets",
    "compliance-fr-met",
    "compliance-fr-missed",
    "compliance-res-met",
    "compliance-res-missed",
    "funnel-started_1",
    "funnel-started_2",
    "funnel-started_3",
    "funnel-escalated_2",
    "funnel-escalated_3",
    "funnel-sent_down",
    "funnel-solved_at_1",
    "funnel-resolved_from_1",
    "time-agent",
    "time-level",
    "time-category",
    "rating-agent",
    "rating-agent-low",
    "rating-level",
    "rating-level-low",
    "rating-category",
    "rating-category-low",
]


@pytest.fixture
def dataset(settings):
    settings.TIME_ZONE = "Asia/Jakarta"
    cache.clear()
    agents = [make_agent(1, first_name="Ani"), make_agent(2, first_name="Bayu"), make_agent(3, first_name="Citra")]
    categories = [None, *Category.objects.order_by("id")[:3]]
    statuses = cycle(list(Status))
    channels = cycle(list(Channel)[:3])
    # Filed on either side of midnight in Jakarta (17:00 UTC), and at every age.
    created = cycle(
        [
            datetime(2026, 2, 28, 16, 30, tzinfo=UTC),  # 23:30 on 28 February there: before the period
            datetime(2026, 2, 28, 17, 30, tzinfo=UTC),  # 00:30 on 1 March there: in it
            NOW - timedelta(hours=12),
            NOW - timedelta(days=2),
            NOW - timedelta(days=5),
            NOW - timedelta(days=10),
            datetime(2026, 3, 14, 16, 59, tzinfo=UTC),
        ]
    )
    for n in range(42):
        status = next(statuses)
        at = next(created)
        done = status in (Status.RESOLVED, Status.CLOSED)
        level = 1 + n % 3
        ticket = TicketFactory(
            level=level,
            priority=1 + n % 4,
            status=status,
            channel=next(channels),
            category=categories[n % 4],
            assignee=agents[n % 3] if n % 5 else None,
            created_at=at,
            updated_at=at,
            resolved_at=(at + timedelta(hours=7 + n)) if done else None,
            sla_warn_at=NOW - timedelta(hours=1) if n % 6 in (0, 1) else NOW + timedelta(days=1),
            sla_due_at=NOW - timedelta(minutes=5) if n % 6 == 0 else NOW + timedelta(hours=2 + n),
            # Responses on time, late and not yet; due times known or not (a target met
            # before its time leaves none), past or still ahead.
            first_response_at=at + timedelta(hours=n % 4) if n % 3 != 2 else None,
            first_response_due_at=at + timedelta(hours=2) if n % 5 != 4 else None,
            resolution_due_at=at + timedelta(hours=10 + n % 9) if n % 2 else None,
        )
        if done:
            # Rated with the agent, level and category as they were then (not the ticket's now).
            Rating.objects.create(
                ticket=ticket,
                requester=ticket.requester,
                score=1 + n % 5,
                agent=agents[(n + 1) % 3] if n % 4 else None,
                level=1 + (n + 1) % 3,
                category=categories[(n + 1) % 4],
                rated_at=ticket.resolved_at + timedelta(hours=1),
            )
        # Time recorded: by one agent or two, twice on some tickets, some before the period.
        for k in range(n % 3):
            TimeEntry.objects.create(
                ticket=ticket,
                agent=agents[(n + k * (n % 2)) % 3],
                minutes=15 + k,
                ended_at=at + timedelta(hours=2 + k),
            )
        for step, (before, after) in enumerate(MOVES.get((level, n % 4), [])):
            kind = EventKind.ESCALATED if after > before else EventKind.DE_ESCALATED
            TicketEvent.objects.create(
                ticket=ticket,
                kind=kind,
                field="level",
                from_value=str(before),
                to_value=str(after),
                created_at=at + timedelta(hours=1 + step),
            )
    return agents


def links_of(html: str) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for href, kind, figure in LINK.findall(html):
        found.setdefault(kind, []).append((unescape(href), int(figure)))
    return found


def assert_each_link_counts_its_figure(client, links):
    assert links, "no link of this kind"
    assert any(figure for _href, figure in links), "every figure of this kind is zero: the data is not varied enough"
    for href, figure in links:
        response = client.get(href)
        assert response.status_code == 200, href
        assert not response.context["filter_errors"], (href, response.context["filter_errors"])
        assert response.context["page"].paginator.count == figure, href


@pytest.mark.parametrize("kind", DASHBOARD_KINDS)
def test_each_dashboard_figure_links_to_exactly_its_tickets(client, dataset, kind):
    client.force_login(make_supervisor())
    with time_machine.travel(NOW, tick=False):
        html = client.get("/dashboard/").content.decode()
        assert_each_link_counts_its_figure(client, links_of(html).get(kind, []))


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_each_report_figure_links_to_exactly_its_tickets(client, dataset, kind):
    client.force_login(make_supervisor())
    with time_machine.travel(NOW, tick=False):
        response = client.get(REPORT)
        assert response.status_code == 200
        assert_each_link_counts_its_figure(client, links_of(response.content.decode()).get(kind, []))


def test_a_report_of_one_level_links_within_that_level(client, dataset):
    client.force_login(make_supervisor())
    with time_machine.travel(NOW, tick=False):
        html = client.get(REPORT + "&level=2").content.decode()
        links = links_of(html)
        for kind in ("funnel-created", "aging", "channel"):
            assert_each_link_counts_its_figure(client, links[kind])


@pytest.mark.parametrize("kind", ["monthly-tickets", "monthly-fr-met", "monthly-res-met"])
def test_each_monthly_report_figure_links_to_exactly_its_tickets(client, dataset, kind):
    client.force_login(make_supervisor())
    with time_machine.travel(NOW, tick=False):
        response = client.get("/reports/monthly/?month=2026-03")
        assert response.status_code == 200
        assert_each_link_counts_its_figure(client, links_of(response.content.decode()).get(kind, []))

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import TicketFactory, category, make_agent, make_supervisor
from tickets.choices import Channel, EventKind, Status
from tickets.models import TicketEvent

from .pages import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CANVAS_DRAWN = """(id) => {
    const canvas = document.getElementById(id);
    const blank = document.createElement("canvas");
    blank.width = canvas.width; blank.height = canvas.height;
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { painted += 1; } }
    return {differs: canvas.toDataURL() !== blank.toDataURL(), painted: painted};
}"""
CHARTS = ["chart-trend", "chart-compliance", "chart-funnel", "chart-aging", "chart-channels", "chart-categories"]


def test_the_supervisor_reports_page_draws_every_chart(helpdesk, artefacts):
    agent = make_agent(1, first_name="Budi")
    now = timezone.now()
    for n in range(12):
        created = now - timedelta(days=n % 6, hours=n + 1)
        TicketFactory(
            assignee=agent if n % 3 else None,
            level=1 + n % 3,
            channel=[Channel.WEB, Channel.EMAIL, Channel.PHONE][n % 3],
            category=category("Email") if n % 2 else None,
            created_at=created,
            first_response_at=created + timedelta(minutes=20 + n),
            first_response_due_at=created + timedelta(minutes=30),
            resolved_at=created + timedelta(hours=n % 5 + 1) if n % 2 else None,
            resolution_due_at=created + timedelta(hours=3),
            status=Status.RESOLVED if n % 2 else Status.OPEN,
        )
    page = helpdesk.page
    helpdesk.sign_in(make_supervisor())
    helpdesk.nav("Reports")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(page.get_by_test_id("live-open")).to_have_text("6")
    for chart in CHARTS:
        page.wait_for_function(
            "(id) => window.Chart && Chart.getChart(document.getElementById(id)) !== undefined", arg=chart
        )
    page.evaluate(
        "() => Object.values(Chart.instances).forEach(chart => { chart.options.animation = false; chart.update(); })"
    )
    drawn = {chart: page.evaluate(CANVAS_DRAWN, chart) for chart in CHARTS}
    assert all(result["differs"] and result["painted"] > 500 for result in drawn.values()), drawn
    page.screenshot(path=str(artefacts / "reports-desktop.png"), full_page=True)
    violations = helpdesk.axe_violations()
    assert violations == [], describe(violations)

    page.get_by_label("Period").select_option("7d")
    page.get_by_label("Level", exact=True).select_option("1")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("live-open")).to_have_text("2")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artefacts / "reports-phone.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


FUNNEL_WORDS = {
    "en": ("Started at Level I, escalated to Level II", "1 ticket"),
    "id": ("Mulai di Level I, dieskalasi ke Level II", "1 tiket"),
}


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_funnel_step_opens_the_list_of_exactly_its_tickets(helpdesk, language, artefacts):
    """The funnel's "escalated to Level II" figure is a link: the list it opens counts the
    same tickets and names the step it was filtered by."""
    now = timezone.now()
    up = TicketFactory(level=2, subject="Went up", created_at=now - timedelta(hours=5))
    TicketEvent.objects.create(
        ticket=up,
        kind=EventKind.ESCALATED,
        field="level",
        from_value="1",
        to_value="2",
        created_at=now - timedelta(hours=4),
    )
    TicketFactory(level=1, subject="Stayed", created_at=now - timedelta(hours=3))
    page = helpdesk.page
    helpdesk.sign_in(make_supervisor(language=language))
    helpdesk.open("/reports/")
    step = page.locator('a[data-drill="funnel-escalated_2"]')
    expect(step).to_have_text("1")
    step.click()
    step_name, count = FUNNEL_WORDS[language]
    expect(page.get_by_test_id("list-count")).to_have_text(count)
    expect(page.get_by_test_id("linked-filters")).to_contain_text(step_name)
    expect(page.get_by_test_id("list-table")).to_contain_text("Went up")
    expect(page.get_by_test_id("list-table")).not_to_contain_text("Stayed")
    page.screenshot(path=artefacts / f"report-drill-funnel-{language}.png", full_page=True)

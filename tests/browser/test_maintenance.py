"""Preventive maintenance in the browser: a supervisor makes a plan from a preset and sees
the next occurrences, the generation opens its ticket, and the checklist is ticked and
skipped on the ticket page without a reload before the ticket resolves."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assets.models import Asset
from maintenance.models import MaintenancePlan
from maintenance.services import maintenance_runs_open
from tests.factories import make_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_plan_from_a_preset_opens_a_ticket_whose_checklist_is_ticked_before_it_resolves(helpdesk):
    Asset.objects.create(tag="SRV-DB-01", asset_type="server", name="Database server")
    supervisor = make_supervisor(time_zone="Asia/Jakarta")
    helpdesk.sign_in(supervisor)
    page = helpdesk.open("/maintenance/new/")
    start = timezone.localtime(timezone.now() + timedelta(hours=2), timezone.get_fixed_timezone(7 * 60))
    page.fill("#id_name", "Check the database backups")
    page.fill("#id_asset_tag", "SRV-DB-01")
    page.fill("#id_start_date", start.strftime("%Y-%m-%d"))
    page.fill("#id_start_time", start.strftime("%H:%M"))
    page.select_option("#id_time_zone", "Asia/Jakarta")
    page.select_option("#id_level", "2")
    page.fill("#id_checklist", "Read the backup log\nRestore one file")
    page.select_option("#id_preset", "quarterly")
    expect(page.locator("[data-testid=preview-occurrences] li")).to_have_count(5)
    page.select_option("#id_preset", "custom")
    page.locator("#id_rrule").press_sequentially("FREQ=MINUTELY")
    expect(page.locator("#plan-preview")).to_contain_text("at most hourly")
    page.select_option("#id_preset", "quarterly")
    page.get_by_role("button", name="Save").click()
    expect(helpdesk.success("The plan is saved")).to_be_visible()

    assert maintenance_runs_open() == 1
    plan = MaintenancePlan.objects.get()
    page = helpdesk.open(plan.get_absolute_url())
    page.locator("[data-testid=run-row] a").first.click()
    expect(page.locator("[data-testid=checklist-item]")).to_have_count(2)
    page.evaluate("() => { window.stillHere = true }")
    page.locator("[data-testid=checklist-done]").first.click()
    expect(page.locator("[data-testid=checklist-item][data-state=done]")).to_have_count(1)
    page.locator("#checklist details summary").click()
    page.locator("[data-testid=checklist-reason]").fill("No scratch space today")
    page.locator("[data-testid=checklist-skip]").click()
    expect(page.locator("[data-testid=checklist-item][data-state=skipped]")).to_have_count(1)
    expect(page.locator("[data-testid=checklist-left]")).to_have_text("0 steps left")
    assert page.evaluate("() => window.stillHere") is True
    page.fill("#id_resolve_resolution", "Backups read.")
    page.click("#form-resolve-submit")
    expect(helpdesk.success("Resolved")).to_be_visible()

"""The monev dashboard in a real browser: a national admin finds it in the menu, reads the indicators,
ranks the agencies by another indicator, drills down into a province and an agency, and switches
language; a coordinator sees only their province."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_journeys import log_in
from tests.helpers import Api
from workflows.monev import rollup


def test_national_admin_ranks_and_drills_down(page, app, world, services):
    api = Api(app.test_client(), world)
    for _ in range(3):
        tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid, "verify")
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    api.submit(instansi_id=world.inst_b, region_id=world.province)
    rollup.refresh(services.sessions, services.clock())

    log_in(page, "nasional")
    page.click("nav >> text=Monev")
    expect(page).to_have_url(re.compile(r"/monev$"))
    expect(page.locator("[data-kpi=received] strong")).to_have_text("4")
    expect(page.locator("[data-kpi=follow_up_share] strong")).to_have_text("25,0%")
    rows = page.locator("table[data-table=instansi] tbody tr")
    expect(rows).to_have_count(2)
    # ranked by follow-up share, best first: A dispatched one of three, B none of one
    expect(rows.nth(0)).to_have_attribute("data-instansi", str(world.inst_a))

    page.click("table[data-table=instansi] [data-sort=received]")  # most reports first
    expect(page.locator("table[data-table=instansi] thead [data-sort=received]")).to_have_attribute(
        "aria-sort", "descending")
    expect(rows.nth(0)).to_have_attribute("data-instansi", str(world.inst_a))
    page.click("table[data-table=instansi] [data-sort=received]")  # again: fewest first
    expect(rows.nth(0)).to_have_attribute("data-instansi", str(world.inst_b))

    page.click(f"table[data-table=instansi] tr[data-instansi='{world.inst_b}'] a")
    expect(page.locator("[data-kpi=received] strong")).to_have_text("1")
    expect(page.locator("#instansi_id")).to_have_value(str(world.inst_b))

    page.click("[data-lang=en]")
    expect(page.locator("h1")).to_have_text("Monitoring and evaluation")
    expect(page.locator("[data-kpi=received] strong")).to_have_text("1")


def test_the_period_form_reports_a_bad_range_next_to_the_field(page, world):
    log_in(page, "koord")
    page.goto("/monev")
    page.fill("#from", "2025-07-31")
    page.fill("#to", "2025-07-01")
    page.click("button[type=submit].primary")
    expect(page.locator("[data-error-for=end]")).to_be_visible()
    expect(page.locator("#province_id")).to_have_count(0)  # a coordinator has one province

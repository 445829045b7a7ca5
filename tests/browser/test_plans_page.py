"""A rencana aksi in Chromium: a province's coordinator sets the year's targets and an activity; monev
shows each target against the actual figure and flags those behind plan; bad input is refused at the
field; the agency admin reads it only."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_page import _log_in
from tests.helpers import Api
from workflows.monev import rollup


def test_targets_show_against_actuals_in_monev(page, client, world, services):
    api = Api(client, world)
    submitted = api.submit()
    verify = api.task_for("admin_a", submitted["tracking_id"])
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    rollup.refresh(services.sessions, services.clock())

    _log_in(page, "koord")
    page.goto("/plans")
    expect(page.locator("h1")).to_contain_text("Provinsi Uji")
    page.fill("#follow_up_share", "150")
    page.fill("#socialisation_events", "2,5")
    page.click("#save-targets")
    expect(page.locator("[data-error-for=follow_up_share]")).to_be_visible()
    expect(page.locator("[data-error-for=socialisation_events]")).to_be_visible()  # events are whole numbers
    expect(page.locator("#follow_up_share")).to_have_value("150")  # what was typed stays to be corrected
    page.fill("#follow_up_share", "95")
    page.fill("#satisfaction", "80")
    page.fill("#socialisation_events", "4")
    page.fill("#socialisation_events_achieved", "1")
    page.click("#save-targets")
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("#follow_up_share")).to_have_value("95")
    page.fill("#what", "Sosialisasi SP4N-LAPOR! di kecamatan")
    page.select_option("#due_quarter", "2")
    page.click("#add-activity")
    expect(page.locator("#activities tr[data-status=planned]")).to_contain_text("Sosialisasi")
    expect(page.locator("#plan-history tbody tr")).to_have_count(4)

    page.goto("/monev")
    card = page.locator("#plan-progress")
    expect(card).to_contain_text("Provinsi Uji")
    expect(card.locator("tr[data-indicator=follow_up_share]")).to_have_attribute("data-behind", "false")
    no_ratings = card.locator("tr[data-indicator=satisfaction]")  # nobody has rated yet: no data, not behind
    expect(no_ratings).to_have_attribute("data-behind", "false")
    expect(no_ratings).to_contain_text("belum ada data")
    expect(card.locator("tr[data-indicator=socialisation_events]")).to_have_attribute("data-behind", "true")

    _log_in(page, "admin_a")
    page.goto("/plans?region=31")
    expect(page.locator("#save-targets")).to_have_count(0)
    expect(page.locator("#follow_up_share")).to_be_disabled()

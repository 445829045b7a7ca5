"""The complaint search page in Chromium: a coordinator follows the top-bar link, searches by text, sees the
report waiting for triage marked as such, narrows to the triage queue, opens a result on its detail page;
an instansi admin finds nothing outside the instansi and is told so."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_page import _log_in
from tests.helpers import Api


def test_a_coordinator_searches_and_opens_a_complaint(page, client, world):
    api = Api(client, world)
    road = api.submit(title="Jalan berlubang di Sukamaju", location="Jl. Merdeka 10")["tracking_id"]
    rubbish = api.submit(title="Sampah menumpuk di pasar", category="lingkungan", instansi_id=None)["tracking_id"]
    api.submit(title="Lampu jalan mati", instansi_id=world.inst_b, region_id=world.province)

    _log_in(page, "koord")
    page.locator(".topbar a[href='/complaints']").click()
    expect(page.locator("h1 [data-total]")).to_have_attribute("data-total", "3")
    expect(page.locator("#results tbody tr")).to_have_count(3)

    page.fill("#q", "merdeka")
    page.locator("#complaint-search button[type=submit]").click()
    expect(page.locator("#results tbody tr")).to_have_count(1)
    row = page.locator(f"#results tr[data-tracking-id='{road}']")
    expect(row).to_contain_text("Jalan berlubang di Sukamaju")
    expect(row).to_contain_text("Pemkab Uji")
    expect(page.locator("#q")).to_have_value("merdeka")

    # the triage queue: the report without an instansi, marked as waiting
    page.fill("#q", "")
    page.select_option("#instansi", "triage")
    page.locator("#complaint-search button[type=submit]").click()
    row = page.locator(f"#results tr[data-tracking-id='{rubbish}']")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(row.locator("[data-triage]")).to_be_visible()

    # a search that finds nothing says so
    page.fill("#q", "tidak ada yang cocok")
    page.locator("#complaint-search button[type=submit]").click()
    expect(page.locator("[data-empty]")).to_be_visible()

    # open a result: the officer's complaint page
    page.goto("/complaints")
    page.fill("#q", road.lower())
    page.locator("#complaint-search button[type=submit]").click()
    page.locator(f"#results tr[data-tracking-id='{road}'] a").click()
    expect(page.locator("h1")).to_contain_text(road)


def test_an_instansi_admin_sees_only_their_instansi(page, client, world):
    api = Api(client, world)
    api.submit(title="Jalan berlubang di Sukamaju")
    other = api.submit(title="Lampu jalan mati", instansi_id=world.inst_b, region_id=world.province)["tracking_id"]
    _log_in(page, "admin_a")
    page.goto(f"/complaints?q={other}")
    expect(page.locator("[data-empty]")).to_be_visible()
    expect(page.locator("#instansi option[value=triage]")).to_have_count(0)
    # a filter the page does not understand is dropped and named
    page.goto("/complaints?received_from=2025-99-01&q=jalan")
    expect(page.locator(".problem")).to_be_visible()
    expect(page.locator("#results tbody tr")).to_have_count(1)

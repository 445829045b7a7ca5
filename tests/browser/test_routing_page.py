"""The routing page in Chromium: a coordinator adds a row to the province's routing table (the unit picker
shows the chosen instansi's units), is refused bad keywords at the field; a citizen reports without knowing
the instansi; the coordinator's triage task pre-selects the suggested instansi, the verification task the
suggested unit; the Admin Nasional adds a category the report form then offers; another province's
coordinator gets 403."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_page import _log_in
from workflows.accounts import credentials, roles
from workflows.db import transaction
from workflows.org.models import Region

PROVINCE = "31"


def test_a_routing_row_routes_a_report_through_triage_to_a_preselected_unit(page, world, services):
    with transaction(services.sessions) as db:
        other = Region(code="32", name="Provinsi Lain", kind="province")
        db.add(other)
        db.flush()
        credentials.create_user(db, "koord_lain", "KOORD LAIN", "rahasia-123", roles.ADMIN_KOORDINATOR,
                                region_id=other.id)
    _log_in(page, "koord")
    page.goto("/routing")  # opens on the coordinator's province
    expect(page.locator("h1")).to_contain_text("Provinsi Uji")
    expect(page.locator("#no-routes")).to_be_visible()
    page.select_option("#r-category", "kesehatan")
    page.select_option("#r-instansi", str(world.inst_a))
    # only instansi A's units are offered
    expect(page.locator(f"#r-unit option[value='{world.unit_b1}']")).to_be_hidden()
    page.select_option("#r-unit", str(world.unit_a2))
    page.fill("#r-keywords", "obat; <script>")
    page.click("#add-route")
    expect(page.locator("[data-error-for=keywords]")).to_be_visible()
    expect(page.locator("#routes")).to_have_count(0)  # nothing saved
    page.fill("#r-keywords", "obat, puskesmas")
    page.click("#add-route")
    row = page.locator("#routes tr[data-category=kesehatan]")
    expect(row).to_contain_text("Dinas Kesehatan")
    expect(row.locator("[data-source]")).to_have_attribute("data-source", "here")
    expect(page.locator("#history tr[data-kind=routing]")).to_have_count(1)

    # a citizen who does not know the instansi
    page.context.clear_cookies()
    page.goto("/report")
    page.select_option("#category", "kesehatan")
    page.select_option("#region_id", str(world.regency))
    page.fill("#title", "Obat kosong di puskesmas")
    page.fill("#description", "Sudah dua minggu obat hipertensi kosong di Puskesmas Sukamaju.")
    page.fill("#reporter_name", "Siti")
    page.click("button[type=submit].primary")
    tracking_id = page.locator("[data-tracking-id]").get_attribute("data-tracking-id")
    assert tracking_id

    # the coordinator's triage: the routing table's instansi pre-selected
    _log_in(page, "koord")
    page.locator(f"tr[data-tracking-id='{tracking_id}'] a.button").click()
    expect(page.locator("h1")).to_contain_text("Triase")
    expect(page.locator("#f-target_instansi_id")).to_have_value(str(world.inst_a))
    expect(page.locator("[data-suggested]")).to_be_visible()
    page.locator("form button[type=submit].primary").last.click()
    expect(page.locator(".notice")).to_be_visible()

    # the instansi's verification: the suggested unit pre-selected, and the officer may choose another
    _log_in(page, "admin_a")
    page.locator(f"tr[data-tracking-id='{tracking_id}'] a.button").click()
    expect(page.locator("#f-unit_id")).to_have_value(str(world.unit_a2))

    # another province's coordinator may not open this province's routing
    _log_in(page, "koord_lain")
    assert page.goto(f"/routing?region={PROVINCE}").status == 403


def test_the_admin_nasional_adds_a_category_the_report_form_offers(page, world):
    _log_in(page, "nasional")
    page.goto("/routing?region=")
    expect(page.locator("h1")).to_contain_text("nasional")
    page.fill("#c-code", "air_bersih")
    page.fill("#c-name-id", "Air bersih")
    page.fill("#c-name-en", "Clean water")
    page.click("#add-category")
    expect(page.locator("#categories tr[data-category=air_bersih]")).to_be_visible()
    page.fill("#c-code", "air_bersih")
    page.fill("#c-name-id", "Lagi")
    page.fill("#c-name-en", "Again")
    page.click("#add-category")
    expect(page.locator("[data-error-for=code]")).to_contain_text("sudah ada")
    page.context.clear_cookies()
    page.goto("/report")
    expect(page.locator("#category option[value=air_bersih]")).to_have_text("Air bersih")

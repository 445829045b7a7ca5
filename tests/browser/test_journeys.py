"""The main journeys in a real browser (Debian's Chromium through Playwright), on SQLite and PostgreSQL:
citizen reports → admin verifies and dispatches → liaison officer follows up → citizen rates;
a hand-over; the language switch; a scope violation; a phone-width report."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.helpers import Api

PNG = bytes.fromhex("89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C4890000000D4944415478"
                    "9C6360000002000154A24F5D0000000049454E44AE426082")


@pytest.fixture
def new_page(chromium_browser, live_server):
    """Another person's browser: its own context, so its own cookies."""
    contexts = []

    def make(**options):
        context = chromium_browser.new_context(base_url=live_server, locale="id-ID", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = PASSWORD):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/tasks$"))


def open_task(page, tracking_id: str):
    page.goto("/tasks")
    row = page.locator(f"tr[data-tracking-id='{tracking_id}']")
    expect(row).to_have_count(1)
    row.locator("a.button").click()


def test_report_dispatch_follow_up_and_rate(page, new_page, world):
    # The citizen reports, with an attachment.
    page.goto("/")
    page.click("a.button.primary")
    page.check("input[name=type][value=pengaduan]")
    page.select_option("#category", "infrastruktur")
    page.select_option("#region_id", str(world.regency))
    page.select_option("#instansi_id", str(world.inst_a))
    page.fill("#title", "Jalan berlubang di depan pasar")
    page.fill("#description", "Lubang besar di Jalan Pasar Baru membahayakan pengendara motor.")
    page.fill("#location", "Jl. Pasar Baru No. 1")
    page.set_input_files("#attachments", files=[{"name": "foto.png", "mimeType": "image/png", "buffer": PNG}])
    page.fill("#reporter_name", "Siti Aminah")
    page.click("button[type=submit].primary")
    tracking = page.locator("[data-tracking-id]")
    expect(tracking).to_have_text(re.compile(r"^LAP-[A-Z0-9]{8}$"))
    tracking_id = tracking.inner_text()

    # The agency admin verifies and dispatches to a unit, through the form drawn from the BPMN.
    admin = new_page()
    log_in(admin, "admin_a")
    open_task(admin, tracking_id)
    admin.click("[data-action=claim]")
    expect(admin.locator("[data-assignee]")).to_have_text("Saya")
    admin.select_option("#f-action", "dispatch")
    admin.click("[data-action=complete]")  # no unit chosen yet: the message sits next to the field
    expect(admin.locator("[data-error-for=unit_id]")).to_be_visible()
    admin.select_option("#f-unit_id", str(world.unit_a1))
    admin.click("[data-action=complete]")
    expect(admin.locator(".notice")).to_have_text("Tugas selesai.")

    # The liaison officer of that unit follows up; the complaint page shows the diagram at the step.
    officer = new_page()
    log_in(officer, "pp_a1")
    open_task(officer, tracking_id)
    officer.click("text=Rincian laporan, riwayat dan diagram SOP")
    expect(officer.locator("[data-rendered=true]")).to_be_visible()
    expect(officer.locator("g.djs-element[data-element-id=follow_up]")).to_have_class(re.compile("aduan-current"))
    expect(officer.locator("g.djs-element[data-element-id=verify]")).not_to_have_class(re.compile("aduan-current"))
    expect(officer.locator(".attachments li")).to_contain_text("foto.png")
    officer.go_back()
    officer.fill("#f-follow_up_text", "Lubang sudah ditambal oleh Dinas PU pada hari Senin.")
    officer.click("[data-action=complete]")
    expect(officer.locator(".notice")).to_have_text("Tugas selesai.")

    # The citizen (same browser: it remembers the reply code) rates the follow-up.
    page.goto(f"/track/{tracking_id}")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "diselesaikan")
    # a conversation: the agency's follow-up as its message, quoted above the reply form, the deadline shown
    expect(page.locator(".conversation [data-kind=agency][data-task=follow_up]")).to_contain_text("Lubang sudah ditambal")
    expect(page.locator("#reply [data-quoted=follow_up_text]")).to_contain_text("Lubang sudah ditambal")
    expect(page.locator("[data-status-help]")).to_contain_text("puas")
    expect(page.locator("#f-comment")).to_be_hidden()  # the reply form's conditional fields work here too
    page.check("input[name=satisfied][value=true]")
    page.select_option("#f-rating", "sangat_puas")
    page.click("#reply button[type=submit]")
    expect(page.locator(".notice")).to_have_text("Terima kasih, tanggapan Anda telah dikirim.")
    expect(page.locator(".facts")).to_contain_text("Sangat puas")
    expect(page.locator("#reply")).to_have_count(0)
    expect(page.locator(".conversation [data-kind=reporter][data-task=reporter_response]")).to_contain_text("Sangat puas")


def test_dissatisfied_reporter_reopens_with_the_code(page, new_page, world, client):
    api = Api(client, world)
    submitted = api.submit()
    tracking_id = submitted["tracking_id"]
    verify = api.task_for("admin_a", tracking_id, "verify")
    api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    follow = api.task_for("pp_a1", tracking_id, "follow_up")
    api.complete("pp_a1", follow["id"], {"follow_up_text": "Sudah kami tinjau."})

    # Another browser: the reporter types the secret code first.
    page.goto(f"/track/{tracking_id}")
    page.fill("#code", "kode-yang-salah")
    page.click("form[action$='/code'] button")
    expect(page.locator(".problem")).to_be_visible()
    page.fill("#code", submitted["reporter_token"])
    page.click("form[action$='/code'] button")
    page.check("input[name=satisfied][value=false]")
    page.click("#reply button[type=submit]")
    expect(page.locator("[data-error-for=comment]")).to_be_visible()
    page.fill("#f-comment", "Jalan masih berlubang.")
    page.click("#reply button[type=submit]")
    expect(page.locator(".notice")).to_be_visible()
    assert api.task_for("pp_a1", tracking_id, "follow_up")["id"] != follow["id"]  # back to the unit


def test_hand_over_moves_all_open_work_to_the_successor(page, new_page, world, client):
    api = Api(client, world)
    tracking_ids = []
    for _ in range(2):
        tid = api.submit()["tracking_id"]
        verify = api.task_for("admin_a", tid, "verify")
        api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
        assert api.claim("pp_a1", api.task_for("pp_a1", tid, "follow_up")["id"]).status_code == 200
        tracking_ids.append(tid)

    log_in(page, "admin_a")
    page.click("nav >> text=Akun")
    page.click("tr[data-username=pp_a1] a")
    expect(page.locator("[data-open-count]")).to_have_attribute("data-open-count", "2")
    page.select_option("#to_user_id", label="PP_A1B (pp_a1b)")
    page.check("#deactivate")  # not ticked unless the officer has left; asked again on submit
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-action=handover]")
    expect(page.locator(".notice")).to_have_text("2 tugas terbuka dialihkan.")
    expect(page.locator("[data-inactive]")).to_be_visible()

    successor = new_page()
    log_in(successor, "pp_a1b")
    for tid in tracking_ids:
        expect(successor.locator(f"tr[data-tracking-id='{tid}'] .badge.mine")).to_be_visible()

    leaver = new_page()
    leaver.goto("/login")
    leaver.fill("#username", "pp_a1")
    leaver.fill("#password", PASSWORD)
    leaver.click("button[type=submit].primary")
    expect(leaver.locator(".problem")).to_be_visible()


def test_language_switch(page):
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Laporkan masalah pelayanan publik")
    page.click("[data-lang=en]")
    expect(page.locator("h1")).to_have_text("Report a public-service problem")
    page.click("text=Write a report")
    expect(page.locator("h1")).to_have_text("Write a report")
    expect(page.locator("label[for=category]")).to_contain_text("Category")
    page.click("[data-lang=id]")
    expect(page.locator("h1")).to_have_text("Tulis laporan")


def test_officer_cannot_open_work_outside_scope(page, world, client):
    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid, "verify")
    log_in(page, "admin_b")
    expect(page.locator(f"tr[data-tracking-id='{tid}']")).to_have_count(0)
    response = page.goto(f"/tasks/{verify['id']}")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Tidak diizinkan")
    response = page.goto(f"/complaints/{verify['complaint_id']}")
    assert response.status == 403


def test_report_on_a_phone(phone_page, world):
    page = phone_page
    page.goto("/report")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.click("button[type=submit].primary")  # nothing filled in: messages next to the fields
    expect(page.locator("[data-error-for=title]")).to_be_visible()
    expect(page.locator("[data-error-for=region_id]")).to_be_visible()
    page.select_option("#category", "kesehatan")
    page.select_option("#region_id", str(world.regency))
    page.select_option("#instansi_id", str(world.inst_a))
    page.fill("#title", "Obat kosong di puskesmas")
    page.fill("#description", "Sudah dua minggu obat hipertensi kosong di Puskesmas Sukamaju.")
    page.check("input[name=anonymous]")
    page.click("button[type=submit].primary")
    expect(page.locator("[data-tracking-id]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_officer_pages_fit_a_phone(phone_page, world, client):
    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    page = phone_page
    log_in(page, "admin_a")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    row = page.locator(f"tr[data-tracking-id='{tid}']")
    expect(row).to_be_visible()
    row.locator("a.button").click()
    expect(page.locator("#f-action")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.click("text=Rincian laporan, riwayat dan diagram SOP")
    expect(page.locator("[data-rendered=true]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

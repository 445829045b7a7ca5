"""The webhooks page in Chromium: an Admin Instansi is refused a bad address at its field, creates a
subscription for their instansi, sees its secret once (not after a reload), sends a test ping, and
deactivates it after confirming; a liaison officer gets 403."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_designer_page import _log_in
from workflows.mail.outbox import MailSettings
from workflows.service import Aduan


@pytest.fixture
def services(database_url):
    """The operator's default, explicitly: receivers inside the private network are refused."""
    aduan = Aduan(database_url, mail=MailSettings(webhook_allow_private=False))
    yield aduan
    aduan.sql_engine.dispose()


def test_an_admin_creates_a_webhook_sees_its_secret_once_and_deactivates_it(page, world):
    _log_in(page, "admin_a")
    page.goto("/integrations/webhooks")
    expect(page.locator("nav.tabs [aria-current=page]")).to_have_text("Webhook")
    expect(page.locator("#no-subscriptions")).to_have_text("Belum ada webhook.")
    # an Admin Instansi may only pick their instansi
    expect(page.locator("#w-scope option")).to_have_count(1)
    expect(page.locator("#w-scope option")).to_have_text("Instansi: Pemkab Uji")

    page.fill("#w-name", "Dasbor Pemkab Uji")
    page.fill("#w-url", "ftp://dasbor.example.id/aduan")
    page.uncheck("input[name=events][value=closed]")
    page.check("input[name=events][value=breached]")
    page.get_by_role("button", name="Buat webhook").click()
    expect(page.locator("[data-error-for=url]")).to_contain_text("http:// atau https://")
    expect(page.locator("#w-url")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new-secret")).to_have_count(0)
    # what was typed and ticked is kept
    expect(page.locator("#w-name")).to_have_value("Dasbor Pemkab Uji")
    expect(page.locator("input[name=events][value=breached]")).to_be_checked()
    expect(page.locator("input[name=events][value=closed]")).not_to_be_checked()

    # the server's own network is no receiver (here: its database)
    page.fill("#w-url", "http://127.0.0.1:5432/")
    page.get_by_role("button", name="Buat webhook").click()
    expect(page.locator("[data-error-for=url]")).to_contain_text("Alamat 127.0.0.1 berada di dalam jaringan privat")
    expect(page.locator("#new-secret")).to_have_count(0)

    page.fill("#w-url", "https://dasbor.example.id/aduan")
    page.get_by_role("button", name="Buat webhook").click()
    secret = page.locator("[data-secret]")
    expect(secret).to_contain_text("whsec_")
    expect(page.locator("#new-secret")).to_contain_text("hanya ditampilkan kali ini")
    row = page.locator("tr[data-name='Dasbor Pemkab Uji']")
    expect(row).to_contain_text("https://dasbor.example.id/aduan")
    expect(row).to_contain_text("Instansi: Pemkab Uji")
    expect(row.locator("[data-event]")).to_have_text(["Laporan dikirim", "Ditindaklanjuti", "Batas waktu terlewati"])
    expect(row.locator("[data-active]")).to_have_text("Aktif")
    shown = secret.inner_text().strip()

    page.goto("/integrations/webhooks")  # shown once: not again
    expect(page.locator("[data-secret]")).to_have_count(0)
    assert shown not in page.content()

    row.locator("[data-action=ping]").click()
    expect(page.locator(".notice")).to_contain_text("ping")
    expect(page.locator("#deliveries tr[data-event=ping] [data-delivery-status]")).to_have_text("menunggu")

    questions: list[str] = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    row.locator("[data-action=deactivate]").click()
    expect(row.locator("[data-active]")).to_have_text("Aktif")  # dismissed: still active
    assert questions and "Dasbor Pemkab Uji" in questions[0]
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("[data-action=deactivate]").click()
    expect(page.locator(".notice")).to_contain_text("dinonaktifkan")
    expect(row.locator("[data-active]")).to_contain_text("Nonaktif")
    expect(row.locator("[data-action]")).to_have_count(0)
    expect(page.locator("#deliveries tr[data-event=ping] [data-delivery-status]")).to_have_text("gagal")


def test_a_liaison_officer_may_not_open_the_page(page, world):
    _log_in(page, "pp_a1")
    response = page.goto("/integrations/webhooks")
    assert response.status == 403


def _fits(page, selector: str, text_js: str) -> bool:
    """The text (a JS expression over the element ``e``) fits the control's inner width, in its font."""
    return page.eval_on_selector(selector, """e => {
        const style = getComputedStyle(e), context = document.createElement("canvas").getContext("2d");
        context.font = style.font;
        const room = e.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const text = %s;
        return context.measureText(text).width + (e.tagName === "SELECT" ? 24 : 0) <= room;
    }""" % text_js)


def test_at_1280_pixels_the_form_shows_its_example_and_the_whole_scope(page, world):
    """The name's example and the longest scope are not cut off (page: 1280 px wide); the receiver's
    documentation is a page, in Indonesian with the English switch."""
    _log_in(page, "nasional")
    page.goto("/integrations/webhooks")
    assert page.viewport_size["width"] == 1280
    assert _fits(page, "#w-name", "e.placeholder")
    assert _fits(page, "#w-scope", "[...e.options].map(o => o.text).sort((a, b) => b.length - a.length)[0]")
    boxes = [page.locator(s).bounding_box() for s in ("#w-name", "#w-url", "#w-scope", "#w-secret")]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[2]["y"] == boxes[3]["y"]  # two by two, aligned
    assert abs(boxes[2]["height"] - boxes[3]["height"]) < 4

    page.get_by_role("link", name="Apa yang diterima sistem penerima").click()
    expect(page.locator("h1")).to_have_text("Menerima webhook")
    expect(page.locator("#headers")).to_contain_text("X-Aduan-Signature")
    expect(page.locator("#verify-snippet")).to_contain_text("hmac.compare_digest")
    page.locator("[data-lang=en]").click()
    expect(page.locator("h1")).to_have_text("Receiving webhooks")
    expect(page.locator("#retries")).to_contain_text("Answer with any 2xx within 10 seconds")

"""API keys in Chromium: a coordinator finds Integrations in the top bar, is refused a national key at the
field, creates a key for their province, sees it once (copied with the button), finds it gone after a
reload (and no second key made), and revokes it after confirming; the page keeps the CSP."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.test_csp import WATCH, _violations
from tests.browser.test_designer_page import _log_in
from workflows.apikeys import keys
from workflows.apikeys.models import ApiKey
from workflows.db import transaction
from workflows.errors import Unauthorized


def _count(services) -> int:
    with transaction(services.sessions) as db:
        return db.scalar(select(func.count()).select_from(ApiKey))


def test_a_coordinator_creates_sees_once_and_revokes_a_key(page, world, services):
    page.context.add_init_script(WATCH)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _log_in(page, "koord")
    page.click("[data-nav=integrations]")
    expect(page.locator("h1")).to_have_text("Integrasi")
    tabs = page.locator("nav.tabs a")
    expect(tabs).to_have_text(["Kunci API", "Webhook", "Dokumentasi API"])
    expect(page.locator("nav.tabs a[aria-current=page]")).to_have_attribute("href", "/integrations/keys")
    expect(page.locator("[data-no-keys]")).to_be_visible()

    # nothing chosen: a key for anywhere, which only the Admin Nasional makes
    page.fill("#name", "Aplikasi Lapor Provinsi")
    page.fill("#channel", "prov-app")
    page.click("[data-action=create-key]")
    expect(page.locator("[data-error-for=region_ids]")).to_contain_text("hanya Admin Nasional")
    expect(page.locator("#name")).to_have_value("Aplikasi Lapor Provinsi")  # what was typed stays

    page.get_by_label("Provinsi Uji").check()
    page.fill("#rate_per_minute", "30")
    page.click("[data-action=create-key]")
    secret = page.locator("#new-key")
    expect(secret).to_contain_text("Salin sekarang: kunci ini tidak akan ditampilkan lagi.")
    raw = page.locator("#new-key-value").input_value()
    assert raw.startswith("adn_")
    page.click("button[data-copy]")
    expect(page.locator("[data-copy-status]")).to_have_text("Tersalin")
    assert page.evaluate("navigator.clipboard.readText()") == raw
    row = page.locator("tr[data-status=active]")
    expect(row).to_contain_text("Aplikasi Lapor Provinsi")
    expect(row).to_contain_text("Provinsi Uji")
    expect(row).to_contain_text("30 per menit")
    expect(row.locator("[data-prefix]")).to_have_text(raw[:12] + "…")

    page.reload()
    expect(page.locator("#new-key")).to_have_count(0)
    assert raw not in page.content()
    assert _count(services) == 1  # the reload did not post the form again

    questions = []

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.click("[data-action=revoke]")
    expect(page.locator(".notice")).to_contain_text("Kunci Aplikasi Lapor Provinsi dicabut")
    assert questions and "Cabut kunci Aplikasi Lapor Provinsi?" in questions[0]
    revoked = page.locator("tr[data-status=revoked]")
    expect(revoked).to_contain_text("Dicabut")
    expect(revoked).to_contain_text("oleh KOORD")
    expect(page.locator("[data-action=revoke]")).to_have_count(0)
    with transaction(services.sessions) as db:
        try:
            keys.authenticate(db, raw, services.clock())
            raise AssertionError("a revoked key was accepted")
        except Unauthorized:
            pass
    assert _violations(page) == []


CLIPPED = """() => [...document.querySelectorAll('#new-key *, [data-table=api-keys] *')].filter(e =>
    !e.matches('.sr-only') && (e.matches('textarea, input') ? e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1
     : getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1
     || e.getBoundingClientRect().right > window.innerWidth + 1)).map(e => e.tagName + '#' + e.id)"""


def test_a_new_key_and_its_example_are_whole_on_a_phone_and_a_desktop(page, world, services):
    """At 390 px the new key wraps in its box (an input would hide its end), and neither the example nor the
    list reaches past the screen; at 1280 px likewise."""
    _log_in(page, "koord")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/integrations/keys")
        page.fill("#name", f"Aplikasi {width}")
        page.fill("#channel", f"app-{width}")
        page.get_by_label("Provinsi Uji").check()
        page.get_by_label("Kabupaten Uji").check()
        page.click("[data-action=create-key]")
        raw = page.locator("#new-key-value").input_value()
        expect(page.locator("[data-example]")).to_contain_text(f"api_key={raw}")
        expect(page.locator("[data-example]")).to_contain_text("jurisdiction_id=31")
        expect(page.locator("[data-jurisdictions]")).to_contain_text("31.01 Kabupaten Uji")
        assert page.evaluate(CLIPPED) == [], width
        assert page.evaluate("document.documentElement.scrollWidth") <= width

"""A region's rules page in Chromium: a coordinator sees the inherited rules, previews a shorter follow-up
limit for a regency, saves it (a new complaint there is due earlier, an older one keeps its date), is
refused a limit longer than the national one at the field; another province's coordinator gets 403."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_page import _log_in
from tests.helpers import Api
from workflows.accounts import credentials, roles
from workflows.db import transaction
from workflows.org.models import Region

REGENCY = "31.01"


def test_a_coordinator_shortens_a_regency_limit_with_a_preview(page, client, world, services):
    api = Api(client, world)
    with transaction(services.sessions) as db:
        other = Region(code="32", name="Provinsi Lain", kind="province")
        db.add(other)
        db.flush()
        credentials.create_user(db, "koord_lain", "KOORD LAIN", "rahasia-123", roles.ADMIN_KOORDINATOR,
                                region_id=other.id)
    older = api.submit()
    verify = api.task_for("admin_a", older["tracking_id"])
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    older_due = api.task_for("pp_a1", older["tracking_id"])["due_at"]

    _log_in(page, "koord")
    page.goto("/rules")  # opens on the coordinator's province
    expect(page.locator("h1")).to_contain_text("Provinsi Uji")
    page.select_option("#region", REGENCY)
    page.click("#region-picker button")
    expect(page.locator("h1")).to_contain_text("Kabupaten Uji")
    normatif = page.locator("#limits tr[data-step=follow_up][data-tier=normatif]")
    expect(normatif).to_have_attribute("data-limit", "5WD")
    expect(normatif.locator("[data-source]")).to_have_attribute("data-source", "national")

    # preview first: a complaint arriving Monday 09:00 would be due two working days earlier
    page.select_option("#step_tier", "follow_up/normatif")
    page.fill("#limit", "3WD")
    page.fill("#arrival", "2026-12-07T09:00")
    page.click("#preview")
    row = page.locator("#preview-result tr[data-step=follow_up][data-tier=normatif]")
    expect(row).to_have_attribute("data-due", "2026-12-10T09:00:00+00:00")
    expect(row).to_have_class("is-changed")
    expect(page.locator("#limit")).to_have_value("3WD")  # the form keeps what was typed

    # longer than the national limit: refused at the field, nothing saved
    page.fill("#limit", "7WD")
    page.click("#save-limit")
    expect(page.locator("[data-error-for=limit]")).to_contain_text("5WD")
    expect(page.locator("#history tr[data-kind]")).to_have_count(0)

    page.fill("#limit", "3WD")
    page.click("#save-limit")
    expect(page.locator(".notice")).to_be_visible()
    expect(normatif).to_have_attribute("data-limit", "3WD")
    expect(normatif.locator("[data-source]")).to_have_attribute("data-source", "here")
    expect(page.locator("#history tr[data-rule='follow_up/normatif']")).to_contain_text("5WD")

    newer = api.submit()
    verify = api.task_for("admin_a", newer["tracking_id"])
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    assert api.task_for("pp_a1", newer["tracking_id"])["due_at"] < older_due
    assert api.task_for("pp_a1", older["tracking_id"])["due_at"] == older_due

    # another province's coordinator may not open this region's page
    _log_in(page, "koord_lain")
    response = page.goto(f"/rules?region={REGENCY}")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("tidak berwenang")


def test_a_coordinator_lets_a_regency_inherit_again(page, client, world, services):
    api = Api(client, world)
    assert client.put("/api/rules/limits", json={"region": REGENCY, "step": "verify", "limit": "2HK"},
                      headers=api.auth("koord")).status_code == 200  # Indonesian units are understood
    _log_in(page, "koord")
    page.goto(f"/rules?region={REGENCY}")
    verify = page.locator("#limits tr[data-step=verify]")
    expect(verify).to_have_attribute("data-limit", "2WD")
    page.once("dialog", lambda dialog: dialog.accept())  # "inherit again?" is asked first
    verify.locator("[data-action=inherit]").click()
    expect(page.locator(".notice")).to_be_visible()
    expect(verify).to_have_attribute("data-limit", "3WD")
    expect(verify.locator("[data-source]")).to_have_attribute("data-source", "national")

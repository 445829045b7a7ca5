"""Breach risk in Chromium: an instansi admin sees the "berisiko" badge with its percentage on a task
likely to miss its limit (and its explanation on hover), sorts the list by risk, follows the top-bar link
to the at-risk list and finds the task there; the page switches to English; a liaison officer has no
at-risk list. ADUAN_RISK_SCREENSHOTS=<dir> keeps screenshots of both lists."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_designer_page import _log_in
from tests.helpers import Api
from tests.test_risk import add_history


def _shot(page, name: str) -> None:
    folder = os.environ.get("ADUAN_RISK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _in_indonesian(app, text: str, **values) -> str:
    """The page's words as the Indonesian catalogue has them ("berisiko 60%")."""
    from flask_babel import force_locale, gettext
    with app.test_request_context(), force_locale("id"):
        return gettext(text, **values)


def test_the_badge_the_sort_and_the_at_risk_list(page, app, client, world, services):
    api = Api(client, world)
    slow = api.submit(title="Jembatan putus di Cibeunying")["tracking_id"]
    task = api.task_for("admin_a", slow)
    # instansi A's past verifications: 20 done within a working hour, 30 after 25 working days (late)
    add_history(services, task, [1] * 20 + [200] * 30, datetime.now(timezone.utc) - timedelta(days=150))
    other = api.submit(title="Lampu taman mati", instansi_id=world.inst_b, region_id=world.province)["tracking_id"]

    _log_in(page, "admin_a")
    page.goto("/tasks")
    row = page.locator(f"tr[data-tracking-id='{slow}']")
    badge = row.locator("[data-badge=risk]")
    at_risk_60 = _in_indonesian(app, "at risk %(percent)s%%", percent=60)
    expect(badge).to_have_text(at_risk_60)
    expect(badge).to_have_attribute("data-risk", "0.600")  # 30 of the 50 past tasks ran past the limit
    expect(badge).to_have_attribute("title", _in_indonesian(
        app, "Estimated chance of missing the limit: %(percent)s%%, from %(count)s past tasks of this step %(basis)s.",
        percent=60, count=51, basis=_in_indonesian(app, "in this instansi")))  # 50 + itself (still open)
    _shot(page, "task-list.png")

    page.select_option("select[name=sort]", "risk")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("tbody tr").first).to_have_attribute("data-tracking-id", slow)

    page.locator(".topbar [data-nav=at-risk]").click()
    expect(page.locator("h1")).to_contain_text(_in_indonesian(app, "Tasks at risk"))
    rows = page.locator("table.at-risk tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-tracking-id", slow)
    expect(rows.first.locator("[data-badge=risk]")).to_have_text(at_risk_60)
    expect(rows.first).to_contain_text("Pemkab Uji")
    _shot(page, "at-risk.png")

    page.locator("[data-lang=en]").click()
    expect(page.locator("table.at-risk [data-badge=risk]")).to_have_text("at risk 60%")

    # the province's coordinator sees both instansi's tasks; instansi B has no history of the step, so
    # its task's estimate rests on the step's national history
    _log_in(page, "koord")
    page.goto("/tasks/at-risk")
    expect(page.locator(f"table.at-risk tr[data-tracking-id='{slow}'] [data-basis=instansi]")).to_be_visible()
    expect(page.locator(f"table.at-risk tr[data-tracking-id='{other}'] [data-basis=national]")).to_be_visible()

    _log_in(page, "pp_a1")
    expect(page.locator(".topbar [data-nav=at-risk]")).to_have_count(0)
    assert page.goto("/tasks/at-risk").status == 403

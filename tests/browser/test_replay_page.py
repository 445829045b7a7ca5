"""The replay in Chromium: a designer replays last year's complaints with a shorter verification limit,
watches it run, reads the comparison with its charts, downloads the CSV; bad input is refused at its
field; an instansi admin is not offered the replay."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_designer_page import _log_in
from workflows.accounts.models import User
from workflows.db import transaction
from workflows.history import importer

HEADER = ("external_id,received_at,region,instansi,category,type,title,description,unit,tier,verify_started,"
          "verify_done,verify_action,verify_note,follow_up_started,follow_up_done,follow_up_text,"
          "reporter_response_done,satisfied,rating,comment,closed_at")


def _history(services) -> None:
    """Twelve complaints in on a Monday months ago, each verified on Wednesday (in time for 3WD, due
    Thursday 16:00; late for 1WD, due Tuesday 16:00), followed up and closed by a satisfied reporter."""
    calendar = services.policy.calendar(None)
    start = (datetime.now(timezone.utc) - timedelta(days=200)).date()
    monday = start - timedelta(days=start.weekday())
    weeks = [monday + timedelta(days=7 * i) for i in range(26)]  # weeks without a holiday (the real calendar)
    weeks = [w for w in weeks if all(calendar.is_working_day(w + timedelta(days=d)) for d in range(5))]
    rows = [HEADER]
    for i, day in enumerate(weeks[:12]):
        rows.append(f"OLD-{i},{day}T09:00:00+07:00,31.01,pemkab-uji,infrastruktur,pengaduan,Jalan rusak {i},"
                    f"Jalan berlubang.,dpu,normatif,,{day + timedelta(days=2)}T14:00:00+07:00,dispatch,,,"
                    f"{day + timedelta(days=3)}T10:00:00+07:00,Sudah ditambal.,{day + timedelta(days=4)}T09:00:00+07:00,"
                    "yes,puas,,")
    result = importer.import_text(services.sessions, services.registry, services.policy, "\n".join(rows), "csv",
                                  services.clock())
    assert len(result.rejected) == 0 and result.loaded == 12, result
    with transaction(services.sessions) as db:
        db.scalars(select(User).where(User.username == "nasional")).one().designer = "national"


def test_a_designer_replays_a_shorter_limit_and_reads_the_comparison(page, services):
    _history(services)
    _log_in(page, "nasional")
    page.goto("/designer")
    page.click("#replays-link")
    expect(page.locator("h1")).to_contain_text("Putar ulang")
    # bad input: named at its field, nothing kept
    page.fill("#period_from", "2025-13-40")
    page.fill("#limit_verify", "soon")
    page.click("#run-replay")
    expect(page.locator("[data-error-for=period_from]")).to_be_visible()
    expect(page.locator("#replays tbody tr")).to_have_count(0)
    page.fill("#period_from", (datetime.now(timezone.utc) - timedelta(days=365)).date().isoformat())
    page.click("#run-replay")
    expect(page.locator("[data-error-for=limits]")).to_be_visible()
    page.fill("#limit_verify", "1WD")
    page.fill("#label", "Verifikasi sehari")
    page.click("#run-replay")
    expect(page.locator("#totals")).to_be_visible(timeout=30_000)  # the page refreshes until it is done
    late = page.locator("#totals tr[data-measure=late] td")
    expect(late.nth(0)).to_have_text("0")   # happened
    expect(late.nth(1)).to_have_text("0")   # live
    expect(late.nth(2)).to_have_text("12")  # candidate: every verification missed Tuesday 16:00
    expect(page.locator("#steps tr[data-step=verify] td[data-scenario=candidate]").nth(1)).to_have_text("12")
    expect(page.locator("body")).to_have_attribute("data-charts", "drawn")
    box = page.locator("#chart-steps").bounding_box()
    assert box and box["height"] > 100 and box["width"] > 200
    with page.expect_download() as download:
        page.click("#csv")
    assert "within_share" in download.value.path().read_text()
    page.goto("/designer/replays")
    expect(page.locator("#replays tbody tr")).to_have_count(1)
    expect(page.locator("#replays tbody tr").first).to_contain_text("Verifikasi sehari")


def test_an_instansi_admin_is_not_offered_the_replay(page, services):
    _log_in(page, "admin_a")
    page.goto("/designer")
    expect(page.locator("#replays-link")).to_have_count(0)
    response = page.goto("/designer/replays")
    assert response.status == 403

"""The API's docs page in Chromium: a visitor follows the footer's API link, reads how to log in and how
errors look (Indonesian, English on the switch), and Swagger UI -- served from /static, not a CDN -- draws
the OpenAPI document under the CSP without a violation: the claim operation with its lock and its errors'
Indonesian examples. A logged-in officer tries an operation out with the page's session: a change goes
through with the CSRF header the page adds."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_csp import WATCH, _violations
from tests.browser.test_designer_page import _log_in
from tests.helpers import Api


def _operation(page, tag: str, path: str):
    page.locator(f"#swagger-ui .opblock-tag[data-tag='{tag}']").click()
    operation = page.locator("#swagger-ui .opblock").filter(
        has=page.locator(".opblock-summary-path", has_text=path)).first
    operation.locator(".opblock-summary-control").click()
    return operation


def test_a_visitor_reads_the_api_docs(page):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.context.add_init_script(WATCH)
    page.goto("/")
    page.locator("footer a[data-footer='api']").click()
    page.wait_for_url("**/api/docs")
    expect(page.locator("h1")).to_have_text("Dokumentasi API")
    expect(page.locator("#api-auth")).to_contain_text("Authorization: Bearer")
    expect(page.locator("#api-auth")).to_contain_text("api_key")
    expect(page.locator("#api-errors")).to_contain_text("Bahasa Indonesia")

    claim = _operation(page, "tasks", "/api/tasks/{task_id}/claim")
    expect(claim.locator(".authorization__btn")).to_be_visible()  # the lock: it needs a login
    for status in ("401", "403", "404", "409"):
        expect(claim.locator(f".responses-table tr.response[data-code='{status}']")).to_be_visible()
    expect(claim.locator(".responses-table tr.response[data-code='409']")).to_contain_text(
        "tugas sudah diambil petugas lain")
    expect(claim.locator(".responses-table tr.response[data-code='412']")).to_have_count(0)

    regions = _operation(page, "reference", "/api/regions")
    expect(regions.locator(".authorization__btn")).to_have_count(0)  # public

    assert _violations(page) == []
    origin = page.url.split("/api/docs")[0]
    assert [u for u in requested if not u.startswith(origin)] == []  # nothing from a CDN

    page.locator("a[data-lang='en']").click()
    expect(page.locator("h1")).to_have_text("API documentation")
    expect(page.locator("#api-auth h2")).to_have_text("Logging in")


def test_an_officer_tries_an_operation_out_with_the_page_session(page, client, world):
    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    _log_in(page, "admin_a")
    page.goto("/api/docs")

    claim = _operation(page, "tasks", "/api/tasks/{task_id}/claim")
    claim.locator(".try-out__btn").click()
    claim.locator("input[placeholder='task_id']").fill(str(verify["id"]))
    claim.locator(".execute").click()
    expect(claim.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(claim.locator(".live-responses-table")).to_contain_text('"assignee_id"')
    assert api.task_for("admin_a", tid)["assignee_id"] is not None  # claimed, with the cookie and its CSRF header

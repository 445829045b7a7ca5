"""The Content-Security-Policy holds on every page: each page a citizen and an officer opens, the
SOP diagram (bpmn-js) and the monev dashboard included, renders in Chromium without a single CSP
violation (caught by the page's own securitypolicyviolation events and the console)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.helpers import Api

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_pages_work_under_the_csp_without_violations(page, client, world):
    api = Api(client, world)
    submitted = api.submit()
    tid = submitted["tracking_id"]
    verify = api.task_for("admin_a", tid, "verify")
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    page.context.add_init_script(WATCH)

    seen = {}
    for path in ("/", "/report", f"/track/{tid}", "/track", "/login", "/api/docs"):
        response = page.goto(path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        if path == "/api/docs":  # Swagger UI (from /static/vendor) draws the OpenAPI document
            expect(page.locator("#swagger-ui .opblock-tag").first).to_be_visible()
        seen[path] = _violations(page)
    page.goto("/login")
    page.fill("#username", "admin_a")
    page.fill("#password", "rahasia-123")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/tasks**")
    for path in ("/tasks", f"/tasks/{verify['id']}", f"/complaints/{verify['complaint_id']}", "/monev",
                 "/users", "/notifications", "/designer"):
        page.goto(path)
        if path.startswith("/complaints/"):
            # the SOP diagram drawn by bpmn-js, with the current step marked
            expect(page.locator(".diagram svg").first).to_be_visible()
            expect(page.locator(".diagram .aduan-current").first
                   ).to_be_visible()
        seen[path] = _violations(page)
    assert {p: v for p, v in seen.items() if v} == {}
    assert [m for m in console if "Content Security Policy" in m] == []

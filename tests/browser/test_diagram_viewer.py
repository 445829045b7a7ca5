"""The browser harness and the diagram viewer: bpmn-js from web/static/vendor (put there by
`make static`), web/static/js/diagram.js and web/static/css/diagram.css render bpmn/sop_nasional.bpmn
in Chromium and mark the current and passed steps."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Response
from playwright.sync_api import expect

DIAGRAM = Path(__file__).resolve().parents[2] / "bpmn" / "sop_nasional.bpmn"
VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor" / "bpmn-js"

PAGE = """<!doctype html>
<html lang="id">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>diagram</title>
  <link rel="stylesheet" href="/static/vendor/bpmn-js/assets/diagram-js.css">
  <link rel="stylesheet" href="/static/vendor/bpmn-js/assets/bpmn-js.css">
  <link rel="stylesheet" href="/static/vendor/bpmn-js/assets/bpmn-font/css/bpmn.css">
  <link rel="stylesheet" href="/static/css/diagram.css">
  <script src="/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"></script>
  <script src="/static/js/diagram.js"></script>
</head>
<body>
  <div id="diagram" class="aduan-diagram" data-bpmn-url="{url}" data-current="verify" data-done="start"></div>
</body>
</html>
"""


@pytest.fixture
def app(app):
    """The suite's app (SQLite and PostgreSQL) with two test-only routes, added before it is served."""
    if not (VENDOR / "bpmn-navigated-viewer.production.min.js").is_file():
        pytest.fail(f"{VENDOR} is missing: run `make static` (npm ci + copy)", pytrace=False)

    def diagram_page():
        return PAGE.replace("{url}", "/test-diagram.bpmn")

    def broken_page():
        return PAGE.replace("{url}", "/test-missing.bpmn")

    def diagram_xml():
        return Response(DIAGRAM.read_bytes(), mimetype="application/xml")

    app.add_url_rule("/test-diagram", "test_diagram_page", diagram_page)
    app.add_url_rule("/test-diagram-broken", "test_diagram_broken", broken_page)
    app.add_url_rule("/test-diagram.bpmn", "test_diagram_xml", diagram_xml)
    return app


def _failed_requests(page):
    failed = []
    def response(r):
        if r.status >= 400 and not r.url.endswith("/favicon.ico"):
            failed.append(f"{r.status} {r.url}")

    page.on("response", response)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    return failed


def test_viewer_renders_and_marks_the_current_step(page):
    failed = _failed_requests(page)
    page.goto("/test-diagram")

    diagram = page.locator("#diagram[data-rendered=true]")
    expect(diagram).to_be_visible()
    expect(diagram).not_to_have_attribute("data-error", re.compile(".*"))

    verify = page.locator('g.djs-element[data-element-id="verify"]')
    expect(verify).to_have_class(re.compile(r"\baduan-current\b"))
    expect(page.locator('g.djs-element[data-element-id="follow_up"]')).not_to_have_class(
        re.compile(r"\baduan-current\b"))
    expect(page.locator('g.djs-element[data-element-id="start"]')).to_have_class(re.compile(r"\baduan-done\b"))

    # diagram.css is applied: the current step's shape is drawn amber.
    stroke = verify.locator(".djs-visual > :nth-child(1)").evaluate("e => getComputedStyle(e).stroke")
    assert stroke == "rgb(217, 119, 6)"
    # The viewer is the vendored bpmn-js, and every file the page asked for was there.
    assert page.locator("#diagram .bjs-container").count() == 1
    page.wait_for_load_state("networkidle")
    assert failed == []


def test_viewer_reports_a_diagram_it_cannot_load(page):
    page.goto("/test-diagram-broken")
    diagram = page.locator("#diagram[data-error]")
    expect(diagram).to_have_attribute("data-error", re.compile("404"))
    expect(diagram).to_contain_text("Diagram tidak dapat ditampilkan")
    expect(diagram).not_to_have_attribute("data-rendered", re.compile(".*"))


def test_viewer_fits_a_phone_screen(phone_page):
    phone_page.goto("/test-diagram")
    diagram = phone_page.locator("#diagram[data-rendered=true]")
    expect(diagram).to_be_visible()
    box = diagram.bounding_box()
    assert box["height"] == 300
    assert box["width"] <= 390
    expect(phone_page.locator('g.djs-element[data-element-id="verify"]')).to_have_class(
        re.compile(r"\baduan-current\b"))

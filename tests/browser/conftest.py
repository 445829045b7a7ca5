"""Browser tests: Playwright (Python) driving Debian's Chromium against the app served on localhost.

Playwright's own browser download cannot work on a closed network, so Chromium is the system one:
ADUAN_CHROMIUM (default /usr/bin/chromium; `make test` installs Debian's `chromium` when missing).
A missing browser fails the run instead of skipping the browser tests.

Fixtures:
  chromium_browser  (session)  a headless Chromium, launched once
  live_server       (function) from tests/conftest.py: the `app` served on 127.0.0.1 over real HTTP
  page              (function) a fresh context (1280x900, locale id-ID, base_url=live_server), 10 s timeout
  phone_page        (function) the same at 390x844 with is_mobile and has_touch
On a failing test the page's screenshot and browser console go to the test's tmp_path.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ADUAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium_browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests drive Debian's Chromium. Install it with "
            "`make chromium` (apt-get install chromium) or point ADUAN_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _open_page(browser, base_url: str, request, tmp_path: Path, options: dict):
    context = browser.new_context(base_url=base_url, locale="id-ID", **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda err: console.append(f"pageerror: {err}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                (tmp_path / "console.log").write_text("\n".join(console) + "\n", encoding="utf-8")
                print(f"\nbrowser screenshot: {shot}\nbrowser console: {tmp_path / 'console.log'}")
            except Exception as exc:  # the page may be gone; the test's own failure matters more
                print(f"\nno browser screenshot: {exc}")
        context.close()


@pytest.fixture
def page(chromium_browser, live_server, request, tmp_path):
    yield from _open_page(chromium_browser, live_server, request, tmp_path, DESKTOP)


@pytest.fixture
def phone_page(chromium_browser, live_server, request, tmp_path):
    yield from _open_page(chromium_browser, live_server, request, tmp_path, PHONE)

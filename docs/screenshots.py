"""Screenshots of the main pages for the README (`make screenshots`), taken in Debian's Chromium.

A throw-away SQLite database gets the real migrations and the demo data, the app is served on a
free local port, and Playwright drives the pages as a citizen and as officers would.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrations import upgrade  # noqa: E402
from web import create_app  # noqa: E402
from workflows import demo  # noqa: E402
from workflows.monev import rollup  # noqa: E402
from workflows.service import Aduan  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("ADUAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-dev-shm-usage"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/screens.sqlite3"
        upgrade(url)
        services = Aduan(url)
        for _line in demo.seed(services):
            pass
        rollup.refresh(services.sessions, services.clock())  # what the scheduler does within a minute
        app = create_app({"SECRET_KEY": "screenshots", "SESSION_COOKIE_SECURE": False}, services=services)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            shoot(base)
        finally:
            server.shutdown()
            services.sql_engine.dispose()


def shoot(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        desk = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860}, locale="id-ID")
        phone = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, is_mobile=True,
                                    has_touch=True, locale="id-ID")
        citizen = desk.new_page()
        save(citizen, "/", "home")
        save(citizen, "/report", "report-form", full=True)
        mobile = phone.new_page()
        save(mobile, "/report", "report-form-phone", full=True)
        # A report through the form, then its tracking page.
        citizen.goto("/report")
        citizen.select_option("#category", "infrastruktur")
        select_by_text(citizen, "#region_id", "Kota Bandung")
        select_by_text(citizen, "#instansi_id", "Pemerintah Kota Bandung")
        citizen.select_option("#attr__infrastruktur__jenis_kerusakan", "lampu")  # the category's extra field
        citizen.fill("#title", "Lampu penerangan jalan padam")
        citizen.fill("#description", "Lampu PJU di Jl. Dago mati sejak seminggu, rawan kecelakaan malam hari.")
        citizen.fill("#location", "Jl. Ir. H. Juanda, Bandung")
        citizen.fill("#latitude", "-6.893")
        citizen.fill("#longitude", "107.613")
        citizen.set_input_files("#attachments", files=[{"name": "lampu-padam.jpg", "mimeType": "image/jpeg",
                                                        "buffer": demo._demo_photo((30, 40, 70))}])
        citizen.fill("#reporter_name", "Rina")
        citizen.click("button[type=submit].primary")
        citizen.screenshot(path=str(OUT / "report-submitted.png"))
        tracking_id = citizen.locator("[data-tracking-id]").inner_text()
        save(citizen, f"/track/{tracking_id}", "track", full=True)
        save(citizen, "/map", "public-map", full=True)
        # the API's docs page: Swagger UI draws the OpenAPI document under the page's own introduction
        citizen.goto("/api/docs")
        citizen.wait_for_selector("#swagger-ui .opblock-tag")
        citizen.screenshot(path=str(OUT / "api-docs.png"))
        # a report further along: the conversation with the agency's question and the reporter's answer
        citizen.goto("/map")
        citizen.locator("#map-list tr", has_text="Puskesmas tutup").locator("a").click()
        citizen.screenshot(path=str(OUT / "track-conversation.png"), full_page=True)

        officer = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860},
                                      locale="id-ID").new_page()
        log_in(officer, "admin.pemkot-bandung")
        save(officer, "/tasks", "task-list", full=True)
        officer.goto("/tasks")
        officer.locator(f"tr[data-tracking-id='{tracking_id}'] a.button").click()
        officer.select_option("#f-action", "dispatch")
        officer.select_option("#f-unit_id", "")  # (the routing table pre-selected one: clear it to show a message)
        officer.click("[data-action=complete]")
        officer.screenshot(path=str(OUT / "task-form-errors.png"), full_page=True)
        officer.click("text=Rincian laporan, riwayat dan diagram SOP")
        officer.wait_for_selector("[data-rendered=true]")
        officer.screenshot(path=str(OUT / "complaint-detail.png"), full_page=True)
        save(officer, "/users", "accounts", full=True)
        save(officer, "/complaints?q=jalan", "complaint-search", full=True)
        bogor = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860},
                                    locale="id-ID").new_page()  # its own cookies: another officer
        log_in(bogor, "admin.pemkab-bogor")
        bogor.goto("/users")
        bogor.locator("tr[data-username='pp.pemkab-bogor.disdukcapil'] a").click()
        bogor.select_option("#to_user_id", label="Pejabat Penghubung Pengganti Disdukcapil Kabupaten Bogor "
                                                "(pp2.pemkab-bogor.disdukcapil)")
        bogor.screenshot(path=str(OUT / "hand-over.png"), full_page=True)
        save(officer, "/tasks?lang=en", "task-list-en", full=True)
        national = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860},
                                       locale="id-ID").new_page()
        log_in(national, "nasional")
        save(national, "/monev", "monev", full=True)
        designer_walk(national)
        national.goto("/designer/replays/1")  # the demo's draft, replayed over Kota Bandung's year
        national.wait_for_selector("body[data-charts=drawn]")
        national.screenshot(path=str(OUT / "replay-result.png"), full_page=True)
        coordinator = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860},
                                          locale="id-ID").new_page()
        log_in(coordinator, "koordinator.jabar")
        coordinator.goto("/rules?region=32.73")
        coordinator.select_option("#step_tier", "follow_up/normatif")
        coordinator.fill("#limit", "3WD")
        coordinator.click("#preview")
        coordinator.wait_for_selector("#preview-result")
        coordinator.screenshot(path=str(OUT / "rules-preview.png"), full_page=True)
        save(coordinator, "/plans", "plans", full=True)
        save(coordinator, "/tasks/at-risk", "tasks-at-risk", full=True)
        save(coordinator, "/routing?region=32.73", "routing", full=True)
        save(coordinator, "/integrations/keys", "integrations-keys", full=True)
        save(coordinator, "/integrations/webhooks", "integrations-webhooks", full=True)
        save(national, "/routing/categories/infrastruktur/fields", "category-fields", full=True)
        coordinator.goto("/tasks")
        coordinator.locator("tr[data-task-name=triage] a.button").first.click()
        coordinator.screenshot(path=str(OUT / "triage.png"), full_page=True)
        browser.close()
    print(f"screenshots written to {OUT.relative_to(ROOT)}/")


def designer_walk(page) -> None:
    """The process designer's day: versions with the heat-map, a draft in the modeler with a
    validation message at its element, the diff of two versions, a migration dry run."""
    page.goto("/designer")
    page.wait_for_selector("#heatmap[data-rendered=true]")
    page.screenshot(path=str(OUT / "designer-versions.png"), full_page=True)
    page.click("#new-draft")
    page.wait_for_selector("#designer[data-ready=true]")
    page.screenshot(path=str(OUT / "designer-modeler.png"), full_page=True)
    # break a condition the way Camunda Modeler writes them, save: the problem shows at its flow
    page.evaluate("""() => {
        const m = window.aduanModeler, flow = m.get('elementRegistry').get('flow_action_dispatch');
        const expr = m.get('moddle').create('bpmn:FormalExpression', {body: '${action == "dispatch"}'});
        m.get('modeling').updateProperties(flow, {conditionExpression: expr});
    }""")
    page.click("#save")
    page.wait_for_selector("#problems li[data-element=flow_action_dispatch]")
    page.click("#problems li[data-element=flow_action_dispatch]")
    page.screenshot(path=str(OUT / "designer-validation.png"), full_page=True)
    page.goto("/designer/diff?from=1&to=2")
    page.wait_for_selector("#diff-new[data-rendered=true]")
    page.screenshot(path=str(OUT / "designer-diff.png"), full_page=True)
    save(page, "/designer/migrate?from=1&to=2", "designer-migration-plan", full=True)


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/tasks")


def select_by_text(page, selector: str, text: str) -> None:
    value = page.eval_on_selector(selector, "(s, t) => [...s.options].find(o => o.text.trim() === t).value", text)
    page.select_option(selector, value)


def save(page, path: str, name: str, full: bool = False) -> None:
    page.goto(path)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)


if __name__ == "__main__":
    main()

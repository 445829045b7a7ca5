"""The process designer's day in Chromium: open the live SOP in the modeler, add a step and change a
limit, save, see the broken draft's problem at its element and select it from the message, fix it,
deploy; a new complaint starts on the new version while the old one stays on its own; diff the two
versions; dry-run then run the migration; the heat-map's counts follow a completed task. No CSP
violation on the way."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_csp import WATCH, _violations
from tests.conftest import PASSWORD
from tests.helpers import Api
from workflows.db import transaction

ADD_STEP = """(script) => {
  const m = window.aduanModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
  const flow = reg.get('flow_verify_to_action'), source = flow.source, target = flow.target;
  modeling.removeConnection(flow);
  const step = modeling.createShape({type: 'bpmn:ScriptTask'},
    {x: source.x + source.width + 70, y: source.y + source.height / 2 + 90}, source.parent);
  modeling.updateProperties(step, {name: 'Catat hasil verifikasi', scriptFormat: 'python', script: script});
  modeling.connect(source, step);
  modeling.connect(step, target);
  const timer = reg.get('verify_deadline'), definition = timer.businessObject.eventDefinitions[0];
  modeling.updateModdleProperties(timer, definition.timeDate, {body: 'working_days(2)'});
  return step.id;
}"""
FIX_STEP = """(id) => {
  const m = window.aduanModeler;
  m.get('modeling').updateProperties(m.get('elementRegistry').get(id), {script: 'verification_noted = True'});
}"""


def _heat(page, step: str) -> str | None:
    badge = page.locator(f"#heatmap .aduan-heat[data-step={step}]")
    return badge.get_attribute("data-waiting") if badge.count() else None


def test_a_designer_edits_validates_deploys_diffs_and_migrates(page, client, world):
    api = Api(client, world)
    users = {u["username"]: u["id"] for u in client.get("/api/users", headers=api.auth("nasional")).json}
    assert client.put(f"/api/users/{users['koord']}/designer", json={"designer": "national"},
                      headers=api.auth("nasional")).status_code == 200
    old = api.submit()
    page.context.add_init_script(WATCH)
    page.goto("/login")
    page.fill("#username", "koord")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/tasks**")

    # the live version with its load: one complaint waits at verification
    page.goto("/designer")
    expect(page.locator("#heatmap")).to_have_attribute("data-rendered", "true")
    assert _heat(page, "verify") == "1"
    expect(page.locator("tr[data-version='1'] [data-running]")).to_have_text("1")

    # a draft of the live version in the modeler, with the properties panel and bpmnlint
    page.click("#new-draft")
    page.wait_for_url("**/designer/drafts/*")
    expect(page.locator("#designer")).to_have_attribute("data-ready", "true")
    expect(page.locator("#properties .bio-properties-panel")).to_be_visible()
    expect(page.locator("#canvas .bjsl-button")).to_be_visible()
    step = page.evaluate(ADD_STEP, "import os\nverification_noted = True")
    page.click("#save")
    expect(page.locator("#designer")).to_have_attribute("data-saved", "true")
    expect(page.locator("#revision")).to_have_attribute("data-revision", "2")
    # the broken script is named at its element, marked on the canvas; the message selects it
    problem = page.locator(f"#problems li[data-element='{step}']")
    expect(problem).to_contain_text("import")
    expect(page.locator(f"#canvas [data-element-id='{step}'].aduan-problem")).to_have_count(1)
    problem.click()
    assert page.evaluate("() => window.aduanModeler.get('selection').get().map(e => e.id)") == [step]
    expect(page.locator("#properties .bio-properties-panel-header-label")).to_contain_text("Catat hasil verifikasi")
    # deploying the broken draft is refused
    page.fill("#note", "Langkah pencatatan verifikasi, batas verifikasi 2 hari kerja")
    page.click("#deploy")
    expect(page.locator("#status")).to_have_class("designer-status bad")
    # fixed, saved, deployed
    page.evaluate(FIX_STEP, step)
    page.click("#save")
    expect(page.locator("#problems li")).to_have_count(0)
    expect(page.locator("#status")).to_have_class("designer-status good")
    page.click("#deploy")
    page.wait_for_url("**/designer?deployed=2")
    expect(page.locator("tr[data-version='2']")).to_contain_text("Langkah pencatatan verifikasi")

    # a new complaint starts on version 2; the old one stays on version 1
    new = api.submit()
    versions = client.get("/api/processes/sop_nasional/versions", headers=api.auth("koord")).json
    assert [(v["version"], v["running"]) for v in versions] == [(2, 1), (1, 1)]

    # the diff: the new step added, the timer's limit changed, coloured on the diagram
    page.goto("/designer/diff?from=1&to=2")
    expect(page.locator(f"#changes tr[data-element='{step}']")).to_have_attribute("data-change", "added")
    expect(page.locator("#changes tr[data-element='verify_deadline']")).to_have_attribute("data-change", "changed")
    expect(page.locator("#diff-new")).to_have_attribute("data-rendered", "true")
    expect(page.locator(f"#diff-new [data-element-id='{step}'].aduan-added")).to_have_count(1)
    expect(page.locator("#diff-old [data-element-id='verify_deadline'].aduan-changed")).to_have_count(1)

    # migration: a dry run, then the run
    page.goto("/designer/migrate?from=1&to=2")
    expect(page.locator(f"#plan tr[data-tracking-id='{old['tracking_id']}']")).to_have_attribute("data-movable", "true")
    page.click("#run-migration")
    expect(page.locator(f"#report tr[data-tracking-id='{old['tracking_id']}']")).to_have_attribute("data-outcome",
                                                                                               "moved")
    versions = client.get("/api/processes/sop_nasional/versions", headers=api.auth("koord")).json
    assert [(v["version"], v["running"]) for v in versions] == [(2, 2), (1, 0)]

    # the heat-map follows the work: a verification completed moves one complaint to follow-up
    page.goto("/designer")
    expect(page.locator("#heatmap")).to_have_attribute("data-rendered", "true")
    assert (_heat(page, "verify"), _heat(page, "follow_up")) == ("2", None)
    task = api.task_for("admin_a", new["tracking_id"])
    assert api.complete("admin_a", task["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    page.reload()
    expect(page.locator("#heatmap")).to_have_attribute("data-rendered", "true")
    assert (_heat(page, "verify"), _heat(page, "follow_up")) == ("1", "1")
    assert _violations(page) == []


def _log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/tasks**")


def test_officers_see_the_designer_read_only_until_the_admin_nasional_grants_the_right(page, client, world):
    api = Api(client, world)
    api.submit()
    _log_in(page, "admin_a")
    page.goto("/designer")
    expect(page.locator("#heatmap")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#new-draft")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("hak perancang proses")
    # the Admin Nasional grants the right on the officer's account page
    admin_a = next(u["id"] for u in client.get("/api/users", headers=api.auth("nasional")).json
                   if u["username"] == "admin_a")
    _log_in(page, "nasional")
    page.goto(f"/users/{admin_a}")
    page.select_option("#designer", "national")
    page.click("[data-action=designer]")
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("#designer")).to_have_value("national")
    _log_in(page, "admin_a")
    page.goto("/designer")
    expect(page.locator("#new-draft")).to_be_visible()


def test_a_regional_designer_forks_the_national_sop_into_the_regions_variant(page, client, world, services):
    api = Api(client, world)
    koord = next(u["id"] for u in client.get("/api/users", headers=api.auth("nasional")).json
                 if u["username"] == "koord")
    assert client.put(f"/api/users/{koord}/designer", json={"designer": "regional"},
                      headers=api.auth("nasional")).status_code == 200
    _log_in(page, "koord")
    page.goto("/designer")
    expect(page.locator("#new-draft")).to_have_count(0)  # not the national SOP
    page.click("#own-variant")
    expect(page.locator("main")).to_contain_text("belum memiliki varian")
    page.click("#new-draft")
    expect(page.locator("#designer")).to_have_attribute("data-ready", "true")
    expect(page.locator("#status")).to_have_class("designer-status good")
    page.fill("#note", "Varian provinsi: sama dengan nasional untuk awal")
    page.click("#deploy")
    page.wait_for_url("**/designer?variant=31&deployed=1")
    expect(page.locator("tr[data-version='1']")).to_contain_text("Varian provinsi")
    # the province's new complaints start on its variant
    api.submit(region_id=world.province, instansi_id=world.inst_b)
    variant = client.get("/api/processes/sop_nasional/versions?variant=31", headers=api.auth("koord")).json
    assert [(v["version"], v["running"]) for v in variant] == [(1, 1)]
    expect(page.locator("#behind-national")).to_have_count(0)
    # the national SOP moves on: the variant is flagged behind, with the national diff to review
    with transaction(services.sessions) as db:
        xml = services.designer.version(db, "sop_nasional", 1).bpmn_xml
        services.registry.deploy(db, "sop_nasional", xml.replace("Verifikasi laporan", "Verifikasi aduan"), note="v2")
    page.reload()
    expect(page.locator("#behind-national")).to_contain_text("2")
    page.goto("/rules?region=31")
    expect(page.locator("#behind-national")).to_be_visible()

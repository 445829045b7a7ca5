"""Accessibility and rough edges in Chromium (issue 14): a skip link first on every page, fields with
errors named invalid and described by their error, the diagram reachable by keyboard with its steps as
a list for screen readers, the favicon; the verification form asks the follow-up category only when
dispatching and offers delegation only when someone else could take the task; the hand-over deactivates
an account only when ticked, and asks first."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_designer_page import _log_in
from tests.helpers import Api
from workflows.accounts.models import User
from workflows.db import transaction


def _user_id(services, username: str) -> int:
    with transaction(services.sessions) as db:
        return db.scalars(select(User.id).where(User.username == username)).one()


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.tagName")


def test_the_skip_link_is_the_first_stop_and_moves_the_focus_to_the_content(page, phone_page):
    for browser in (page, phone_page):
        browser.goto("/report")
        link = browser.locator("a.skip-link")
        expect(link).to_have_attribute("href", "#content")
        box = link.bounding_box()
        assert box is None or box["y"] + box["height"] <= 0  # out of sight until focused
        browser.keyboard.press("Tab")
        expect(link).to_be_focused()
        expect(link).to_be_in_viewport()
        assert link.text_content().strip()
        browser.keyboard.press("Enter")
        assert _focused(browser) == "content"
        browser.keyboard.press("Tab")  # the next stop is inside the page's content, not the top bar
        assert browser.evaluate("() => document.getElementById('content').contains(document.activeElement)")


def test_favicon(page):
    page.goto("/")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("type", "image/svg+xml")
    assert page.request.get(icon.get_attribute("href")).ok
    r = page.request.get("/favicon.ico")  # browsers ask for it whatever the page links
    assert r.ok and r.headers["content-type"].startswith("image/svg+xml")


def test_a_failed_task_form_marks_its_fields_and_asks_the_category_only_for_dispatch(page, client, world):
    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    _log_in(page, "admin_a")
    page.goto(f"/tasks/{verify['id']}")
    tier = page.locator("[data-field=tier]")
    expect(tier).to_have_attribute("data-shown-if", "action:dispatch")
    expect(tier).to_be_hidden()  # nothing chosen yet
    page.select_option("#f-action", "defer")
    expect(tier).to_be_hidden()
    page.select_option("#f-action", "archive")
    expect(tier).to_be_hidden()
    page.select_option("#f-action", "dispatch")
    expect(tier).to_be_visible()
    expect(page.locator("#f-unit_id")).not_to_have_attribute("aria-invalid", "true")

    page.locator("#f-unit_id").select_option("")  # dispatch without a unit: refused at the field
    page.click("button[data-action=complete]")
    unit = page.locator("#f-unit_id")
    expect(unit).to_have_attribute("aria-invalid", "true")
    expect(unit).to_have_attribute("aria-describedby", "error-unit_id")
    expect(page.locator("#error-unit_id")).to_be_visible()
    expect(page.locator("[data-field=tier]")).to_be_visible()  # still dispatching
    expect(page.locator("#f-action")).not_to_have_attribute("aria-invalid", "true")
    # every aria-describedby names an element of the page
    missing = page.evaluate("""() => [...document.querySelectorAll('[aria-describedby]')]
        .flatMap(e => e.getAttribute('aria-describedby').split(' '))
        .filter(id => !document.getElementById(id))""")
    assert missing == []


def test_delegation_is_offered_only_when_someone_else_could_take_the_task(page, client, world):
    api = Api(client, world)
    alone = api.task_for("admin_b", api.submit(instansi_id=world.inst_b)["tracking_id"])
    shared = api.task_for("admin_a", api.submit()["tracking_id"])
    _log_in(page, "admin_b")  # the only admin of instansi B
    page.goto(f"/tasks/{alone['id']}")
    expect(page.locator("button[data-action=claim]")).to_be_visible()
    expect(page.locator("#delegate-to")).to_have_count(0)
    _log_in(page, "admin_a")
    page.goto(f"/tasks/{shared['id']}")
    options = page.locator("#delegate-to option").all_text_contents()
    assert any("ADMIN_A2" in o for o in options) and not any("(admin_a)" in o for o in options)


def test_the_diagram_is_reachable_by_keyboard_and_listed_as_steps(page, client, world):
    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    _log_in(page, "admin_a")
    page.goto(f"/complaints/{verify['complaint_id']}")
    diagram = page.locator("[data-bpmn-url]").first
    expect(diagram).to_have_attribute("data-rendered", "true")
    canvas = diagram.locator("svg").first
    expect(canvas).to_have_attribute("tabindex", "0")
    # named and described in the page's language (the texts come with the script, from the catalog)
    texts = page.locator("script[data-msg-label]")
    expect(canvas).to_have_attribute("aria-label", texts.get_attribute("data-msg-label"))
    hint = page.locator("#" + canvas.get_attribute("aria-describedby"))
    expect(hint).to_have_text(texts.get_attribute("data-msg-keys"))

    steps = page.locator("ol[data-steps]")
    expect(steps).to_have_class("sr-only")
    expect(steps.locator("> li").first).to_have_attribute("data-element", "start")
    expect(steps.locator("li[data-element=verify]")).to_have_attribute("data-current", "")
    expect(steps.locator("li[data-element=verify]")).to_contain_text("Verifikasi laporan")
    expect(steps.locator("li[data-element=gw_action] li")).to_have_count(4)  # where each answer leads
    expect(steps.locator("li[data-element=gw_action]")).to_contain_text("Disposisi → Tindak lanjut")
    order = steps.locator("> li").evaluate_all("items => items.map(i => i.dataset.element)")
    assert order.index("start") < order.index("verify") < order.index("follow_up") < order.index("end_closed")

    # Tab reaches the diagram; the arrow keys and + move and zoom it
    page.locator("a[href*='/tasks']").first.focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if canvas.evaluate("svg => svg === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the diagram")
    viewport = diagram.locator("g.viewport").first
    before = viewport.get_attribute("transform")
    page.keyboard.press("ArrowRight")
    moved = viewport.get_attribute("transform")
    assert moved != before
    page.keyboard.press("+")
    assert viewport.get_attribute("transform") != moved
    # no label is cut inside a word: each line of a label holds whole words of its name
    broken = page.evaluate("""() => {
        const registry = document.querySelector('[data-bpmn-url]').aduanViewer.get('elementRegistry');
        return registry.getAll().flatMap(element => {
            const name = element.businessObject && element.businessObject.name;
            if (!name) { return []; }
            const words = new Set(name.split(/\\s+/));
            return [...registry.getGraphics(element).querySelectorAll(':scope > .djs-visual > text tspan')]
                .flatMap(line => line.textContent.trim().split(/\\s+/)).filter(w => w && !words.has(w));
        });
    }""")
    assert broken == [], broken


def test_the_hand_over_deactivates_only_when_ticked_and_asks_first(page, client, world, services):
    api = Api(client, world)
    tid = api.submit(title="Lampu jalan padam")["tracking_id"]
    verify = api.task_for("admin_a", tid)
    dispatched = api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert dispatched.status_code == 200, dispatched.json
    follow_up = api.task_for("pp_a1", tid, "follow_up")
    assert api.claim("pp_a1", follow_up["id"]).status_code == 200
    leaver, successor = _user_id(services, "pp_a1"), _user_id(services, "pp_a1b")

    _log_in(page, "admin_a")
    page.goto(f"/users/{leaver}")
    item = page.locator(f"#handover li[data-task-id='{follow_up['id']}']")
    expect(item).to_contain_text(tid)
    expect(item).to_contain_text("Lampu jalan padam")
    deactivate = page.locator("#deactivate")
    expect(deactivate).not_to_be_checked()

    page.select_option("#to_user_id", str(successor))
    deactivate.check()
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("button[data-action=handover]")
    page.wait_for_timeout(300)
    assert questions and "PP_A1" in questions[0]
    expect(page.locator("[data-open-count]")).to_have_attribute("data-open-count", "1")  # nothing done
    expect(page.locator("[data-inactive]")).to_have_count(0)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-action=handover]")
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("[data-inactive]")).to_be_visible()
    expect(page.locator("[data-open-count]")).to_have_attribute("data-open-count", "0")


def test_a_hand_over_without_deactivating_asks_nothing(page, client, world, services):
    leaver, successor = _user_id(services, "pp_a1b"), _user_id(services, "pp_a1")
    _log_in(page, "admin_a")
    page.goto(f"/users/{leaver}")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.select_option("#to_user_id", str(successor))
    page.click("button[data-action=handover]")
    expect(page.locator(".notice")).to_be_visible()
    assert asked == []
    expect(page.locator("[data-inactive]")).to_have_count(0)

"""What the reorganisation by areas made explicit, held by tests:

- the public status tells "waiting for the reporter" from "closed" (API, tracking page, monev);
- which answers the public timeline shows is the diagram's word (form fields marked ``public``);
- completing a task goes into the engine once: one lookup of the task, one validation, and the
  ready tasks read once (by the save, after the step).
"""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

import engine.runtime
from engine.runtime import Engine
from tests.helpers import Api
from workflows.db import transaction
from workflows.monev import rollup
from workflows.processes.registry import NATIONAL_SOP, bundled_dir


@pytest.fixture
def api(client, world):
    return Api(client, world)


def _followed_up(api, world) -> tuple[str, str]:
    tid, token, _complaint_id = _followed_up_with_id(api, world)
    return tid, token


def _followed_up_with_id(api, world) -> tuple[str, str, int]:
    submitted = api.submit()
    tid, token = submitted["tracking_id"], submitted["reporter_token"]
    verify = api.task_for("admin_a", tid, "verify")
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    follow = api.task_for("pp_a1", tid, "follow_up")
    assert api.complete("pp_a1", follow["id"], {"follow_up_text": "Sudah diperbaiki."}).status_code == 200
    return tid, token, verify["complaint_id"]


def test_the_public_status_tells_waiting_for_the_reporter_from_closed(api, world, client, services):
    tid, token = _followed_up(api, world)
    waiting = api.track(tid).json
    assert (waiting["status"], waiting["closed"]) == ("diselesaikan", False)
    page = client.get(f"/track/{tid}").get_data(as_text=True)
    assert 'data-closed="false"' in page and "menunggu tanggapan pelapor" in page

    assert api.reply(tid, token, {"satisfied": True, "rating": "puas"}).status_code == 200
    closed = api.track(tid).json
    assert (closed["status"], closed["closed"]) == ("diselesaikan", True) and closed["closed_at"]
    page = client.get(f"/track/{tid}").get_data(as_text=True)
    assert 'data-closed="true"' in page and "selesai" in page
    assert 'action="/track/%s/code"' % tid not in page  # nothing left to answer: no code form

    # monev counts the two apart
    _followed_up(api, world)
    rollup.refresh(services.sessions, services.clock(), full=True)
    today = services.clock().astimezone(ZoneInfo("Asia/Jakarta")).date()  # arrival days are the region's
    r = client.get(f"/api/monev?from={today - timedelta(days=30)}&to={today}", headers=api.auth("admin_a"))
    assert r.status_code == 200, r.json
    totals = r.json["totals"]
    assert (totals["awaiting_reply"], totals["closed"]) == (1, 1)


def test_the_officer_view_carries_the_closed_flag(api, world):
    tid, token, complaint_id = _followed_up_with_id(api, world)
    assert api.detail("admin_a", complaint_id).json["closed"] is False
    assert api.reply(tid, token, {"satisfied": True, "rating": "sangat_puas"}).status_code == 200
    detail = api.detail("admin_a", complaint_id).json
    assert (detail["status"], detail["closed"]) == ("diselesaikan", True)


def test_the_public_timeline_shows_what_the_diagram_marks_public(api, world, services):
    tid, _ = _followed_up(api, world)
    answers = {e["task"]: e["data"] for e in api.track(tid).json["timeline"] if e["action"] == "task_completed"}
    assert answers["verify"]["action"] == "dispatch" and answers["verify"]["unit"]  # marked public, by name
    assert "tier" not in answers["verify"]  # not marked: stays with the officers
    assert answers["follow_up"]["follow_up_text"] == "Sudah diperbaiki."

    # A version whose designer made the follow-up text private: the public timeline drops it.
    xml = (bundled_dir() / "sop_nasional.bpmn").read_text(encoding="utf-8")
    private = re.sub(r'(<camunda:formField id="follow_up_text".*?)<camunda:property id="public" value="text" />',
                     r"\1", xml, count=1, flags=re.S)
    assert private != xml
    with transaction(services.sessions) as db:
        services.registry.deploy(db, NATIONAL_SOP, private)
    later, _ = _followed_up(api, world)
    answers = {e["task"]: e["data"] for e in api.track(later).json["timeline"] if e["action"] == "task_completed"}
    assert "follow_up_text" not in answers["follow_up"]
    # the earlier complaint runs on its own version and still shows its follow-up
    answers = {e["task"]: e["data"] for e in api.track(tid).json["timeline"] if e["action"] == "task_completed"}
    assert answers["follow_up"]["follow_up_text"] == "Sudah diperbaiki."


def test_a_completion_enters_the_engine_once(api, world, monkeypatch):
    calls = {"validate": 0, "ready_tasks": 0}
    real_validate, real_ready_tasks = engine.runtime.validate, Engine.ready_tasks

    def counting_validate(*args, **kwargs):
        calls["validate"] += 1
        return real_validate(*args, **kwargs)

    def counting_ready_tasks(self, workflow):
        calls["ready_tasks"] += 1
        return real_ready_tasks(self, workflow)

    submitted = api.submit()
    verify = api.task_for("admin_a", submitted["tracking_id"], "verify")
    monkeypatch.setattr(engine.runtime, "validate", counting_validate)
    monkeypatch.setattr(Engine, "ready_tasks", counting_ready_tasks)
    r = api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert r.status_code == 200, r.json
    # one validation of the answer; the ready tasks read once, by the save after the step
    assert calls == {"validate": 1, "ready_tasks": 1}

    calls.update(validate=0, ready_tasks=0)
    follow = api.task_for("pp_a1", submitted["tracking_id"], "follow_up")
    r = api.complete("pp_a1", follow["id"], {"follow_up_text": ""})
    assert r.status_code == 422 and "follow_up_text" in r.json["fields"]
    assert calls == {"validate": 1, "ready_tasks": 0}  # refused before anything ran

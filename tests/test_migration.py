"""Moving running complaints between versions over the API: dry run, run (each complaint on its own,
timeline entry, old state kept), refusal of a complaint whose step was removed, revert; the diff of
two versions and the heat-map counts."""
from __future__ import annotations

import re
import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.helpers import Api
from workflows.accounts.models import User
from workflows.db import DatabaseError, is_write_conflict, transaction
from workflows.errors import Conflict
from workflows.processes.models import ProcessInstance
from workflows.processes.registry import NATIONAL_SOP, bundled_dir
from workflows.tasks.models import HumanTask

SOP = (bundled_dir() / "sop_nasional.bpmn").read_text(encoding="utf-8")
BASE = f"/api/processes/{NATIONAL_SOP}"
# v2: the verification step renamed and its limit one working day from when the step started
VERIFY_TIMER = '<bpmn:timerEventDefinition id="verify_deadline_timer">\n        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
SHORTER = SOP.replace("Verifikasi laporan", "Verifikasi aduan").replace(VERIFY_TIMER + 'sla_due("verify")',
                                                                        VERIFY_TIMER + "working_days(1)", 1)
# v3: the verification step replaced by another element (its BPMN id changed)
RENAMED = re.sub(r'((?:id|attachedToRef|sourceRef|targetRef|bpmnElement)=")verify"', r'\1verify_v3"', SOP)
RENAMED = RENAMED.replace("<bpmn:flowNodeRef>verify</bpmn:flowNodeRef>", "<bpmn:flowNodeRef>verify_v3</bpmn:flowNodeRef>")


@pytest.fixture
def api(client, world):
    api = Api(client, world)
    ids = {u["username"]: u["id"] for u in client.get("/api/users", headers=api.auth("nasional")).json}
    r = client.put(f"/api/users/{ids['koord']}/designer", json={"designer": "national"}, headers=api.auth("nasional"))
    assert r.status_code == 200
    return api


def _deploy(services, xml, note):
    with transaction(services.sessions) as db:
        return services.registry.deploy(db, NATIONAL_SOP, xml, note=note).version


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def test_dry_run_then_run_moves_complaints_with_a_timeline_entry_and_new_due_dates(api, client, services, world):
    first, second = api.submit(), api.submit()
    assert _deploy(services, SHORTER, "verifikasi 1 hari") == 2
    body = {"from": 1, "to": 2}
    plan = client.post(f"{BASE}/migrations/plan", json=body, headers=api.auth("koord"))
    assert plan.status_code == 200, plan.json
    by_id = {c["tracking_id"]: c for c in plan.json}
    assert set(by_id) == {first["tracking_id"], second["tracking_id"]}
    candidate = by_id[first["tracking_id"]]
    assert candidate["movable"] and "verify" in candidate["waiting"] and candidate["outcome"] is None
    assert "verify_deadline" in candidate["changed"]
    before, after = _parse(candidate["due_before"]["verify_deadline"]), _parse(candidate["due_after"]["verify_deadline"])
    with transaction(services.sessions) as db:
        started = db.scalar(select(HumanTask.created_at).where(HumanTask.complaint_id == candidate["complaint_id"],
                                                                HumanTask.name == "verify"))
        # counted from when the complaint reached the step, by the region's calendar
        assert after == services.policy.calendar(world.regency).add_working_days(started, 1)
        assert after < before
        # a dry run writes nothing
        assert db.scalars(select(ProcessInstance.definition_id).distinct()).all() == [1]

    run = client.post(f"{BASE}/migrations", json=body, headers=api.auth("koord"))
    assert run.status_code == 200, run.json
    assert sorted(c["outcome"] for c in run.json) == ["moved", "moved"]
    # the task now answers to version 2 and its due date follows the new limit
    task = api.task_for("admin_a", first["tracking_id"])
    assert task["title"] == "Verifikasi aduan" and _parse(task["due_at"]) == after
    detail = api.detail("admin_a", candidate["complaint_id"]).json
    assert any(e["action"] == "process_migrated" for e in detail["timeline"])
    history = client.get(f"{BASE}/migrations", headers=api.auth("admin_a")).json
    assert len(history) == 2 and all(m["reverted_at"] is None for m in history)
    # the moved complaint goes on under version 2
    assert api.complete("admin_a", task["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    assert api.task_for("pp_a1", first["tracking_id"])["name"] == "follow_up"
    versions = client.get(f"{BASE}/versions", headers=api.auth("admin_a")).json
    assert [(v["version"], v["running"]) for v in versions] == [(2, 2), (1, 0)]


def test_a_complaint_whose_step_was_removed_is_refused_and_left_untouched(api, client, services):
    waiting = api.submit()
    assert _deploy(services, RENAMED, "langkah verifikasi baru") == 2
    with transaction(services.sessions) as db:
        state = db.scalars(select(ProcessInstance.state)).one()
    plan = client.post(f"{BASE}/migrations/plan", json={"from": 1, "to": 2}, headers=api.auth("koord")).json
    assert [(c["movable"], c["unmapped"]) for c in plan] == [(False, ["verify"])]
    run = client.post(f"{BASE}/migrations", json={"from": 1, "to": 2}, headers=api.auth("koord")).json
    assert [c["outcome"] for c in run] == ["refused"]
    with transaction(services.sessions) as db:
        instance = db.scalars(select(ProcessInstance)).one()
        assert (instance.definition_id, instance.state) == (1, state)
    assert api.task_for("admin_a", waiting["tracking_id"])["title"] == "Verifikasi laporan"


def test_revert_puts_the_old_state_back_until_the_complaint_moves_on(api, client, services, world):
    one, two = api.submit(), api.submit()
    _deploy(services, SHORTER, "verifikasi 1 hari")
    run = client.post(f"{BASE}/migrations", json={"from": 1, "to": 2}, headers=api.auth("koord")).json
    ids = {c["tracking_id"]: c["migration_id"] for c in run}
    r = client.post(f"/api/processes/migrations/{ids[one['tracking_id']]}/revert", headers=api.auth("koord"))
    assert r.status_code == 200 and r.json["reverted_at"]
    assert api.task_for("admin_a", one["tracking_id"])["title"] == "Verifikasi laporan"
    again = client.post(f"/api/processes/migrations/{ids[one['tracking_id']]}/revert", headers=api.auth("koord"))
    assert again.status_code == 409
    # the other complaint moved on after its migration: reverting it would lose that step
    task = api.task_for("admin_a", two["tracking_id"])
    assert api.complete("admin_a", task["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    r = client.post(f"/api/processes/migrations/{ids[two['tracking_id']]}/revert", headers=api.auth("koord"))
    assert r.status_code == 409 and "berlanjut" in r.json["message"]
    # only designers migrate and revert
    assert client.post(f"{BASE}/migrations", json={"from": 1, "to": 2}, headers=api.auth("admin_a")).status_code == 403


def test_migration_input_is_checked(api, client, services):
    _deploy(services, SHORTER, "v2")
    for body, field in (({"to": 2}, "from"), ({"from": 1, "to": 1}, "to"), ({"from": "x", "to": 2}, "from"),
                        ({"from": 1, "to": 2, "complaint_ids": [0]}, "complaint_ids")):
        r = client.post(f"{BASE}/migrations/plan", json=body, headers=api.auth("koord"))
        assert r.status_code == 422 and field in r.json["fields"], (body, r.json)
    r = client.post(f"{BASE}/migrations/plan", json={"from": 1, "to": 9}, headers=api.auth("koord"))
    assert r.status_code == 404


def test_diff_names_what_changed_between_versions_and_against_a_draft(api, client, services):
    _deploy(services, SHORTER, "v2")
    r = client.get(f"{BASE}/diff", query_string={"from": 1, "to": 2}, headers=api.auth("admin_a"))
    assert r.status_code == 200
    assert {(c["element"], c["change"], tuple(c["aspects"])) for c in r.json} == {
        ("verify", "changed", ("name",)), ("verify_deadline", "changed", ("limit",))}
    draft = client.post(f"{BASE}/drafts", data=RENAMED, content_type="application/xml", headers=api.auth("koord")).json
    r = client.get(f"{BASE}/diff", query_string={"from": 1, "draft": draft["id"]}, headers=api.auth("koord"))
    changes = {(c["element"], c["change"]) for c in r.json}
    assert {("verify", "removed"), ("verify_v3", "added")} <= changes
    assert ("verify_deadline", "changed") in changes  # attached to the new step now
    r = client.get(f"{BASE}/diff", query_string={"from": "abc"}, headers=api.auth("koord"))
    assert r.status_code == 422 and "from" in r.json["fields"]


def test_heatmap_counts_waiting_and_overdue_per_step_within_scope(api, client, world):
    first, _second = api.submit(), api.submit()
    api.submit(instansi_id=world.inst_b, region_id=world.province)
    load = {s["step"]: s for s in client.get(f"{BASE}/heatmap", headers=api.auth("nasional")).json}
    assert load["verify"]["waiting"] == 3 and load["verify"]["overdue"] == 0
    assert load["verify"]["median_days"] >= 0
    mine = {s["step"]: s["waiting"] for s in client.get(f"{BASE}/heatmap", headers=api.auth("admin_a")).json}
    assert mine == {"verify": 2}  # admin_b's complaint is outside admin_a's scope
    task = api.task_for("admin_a", first["tracking_id"])
    assert api.complete("admin_a", task["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    load = {s["step"]: s["waiting"] for s in client.get(f"{BASE}/heatmap", headers=api.auth("nasional")).json}
    assert load == {"verify": 2, "follow_up": 1}


def test_a_complaint_that_changed_since_the_dry_run_is_reported_not_moved(api, client, services, world):
    stays, moves = api.submit(), api.submit()
    _deploy(services, SHORTER, "v2")
    plan = client.post(f"{BASE}/migrations/plan", json={"from": 1, "to": 2}, headers=api.auth("koord")).json
    reviewed = [{"complaint_id": c["complaint_id"], "lock_version": c["lock_version"]} for c in plan]
    # between the dry run and the run, an officer verifies the first complaint
    task = api.task_for("admin_a", stays["tracking_id"])
    assert api.complete("admin_a", task["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    run = client.post(f"{BASE}/migrations", json={"from": 1, "to": 2, "reviewed": reviewed}, headers=api.auth("koord"))
    assert run.status_code == 200, run.json
    outcomes = {c["tracking_id"]: c["outcome"] for c in run.json}
    assert outcomes == {stays["tracking_id"]: "moved_on", moves["tracking_id"]: "moved"}
    assert api.task_for("pp_a1", stays["tracking_id"])["name"] == "follow_up"  # still on version 1, untouched
    versions = client.get(f"{BASE}/versions", headers=api.auth("koord")).json
    assert [(v["version"], v["running"]) for v in versions] == [(2, 1), (1, 1)]
    r = client.post(f"{BASE}/migrations", json={"from": 1, "to": 2, "reviewed": [{"complaint_id": 1}]},
                    headers=api.auth("koord"))
    assert r.status_code == 422 and "reviewed" in r.json["fields"]


def test_two_reverts_at_once_one_wins_the_other_is_told(api, client, services):
    api.submit()
    _deploy(services, SHORTER, "v2")
    [moved] = client.post(f"{BASE}/migrations", json={"from": 1, "to": 2}, headers=api.auth("koord")).json
    barrier, outcomes = threading.Barrier(2), []

    def revert():
        try:
            with transaction(services.sessions) as db:
                user = db.scalars(select(User).where(User.username == "koord")).one()
                barrier.wait()
                services.migrations.revert(db, user, moved["migration_id"])
            outcomes.append("reverted")
        except Conflict:
            outcomes.append("conflict")
        except DatabaseError as exc:  # SQLite: the other writer held the lock (the API answers 409 too)
            outcomes.append("conflict" if is_write_conflict(exc) else repr(exc))

    threads = [threading.Thread(target=revert) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "reverted"]
    with transaction(services.sessions) as db:
        assert db.scalars(select(ProcessInstance.definition_id)).one() == 1

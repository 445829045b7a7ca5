"""Two officers completing the same task at once: exactly one wins, the other is told why (409)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from tests.helpers import Api
from workflows.accounts.models import User
from workflows.audit import AuditEvent
from workflows.db import transaction
from workflows.errors import Conflict
from workflows.processes.models import ProcessInstance
from workflows.tasks.models import HumanTask


def _dispatch_task(api: Api) -> tuple[str, dict]:
    tid = api.submit()["tracking_id"]
    return tid, api.task_for("admin_a", tid)


def test_optimistic_lock_refuses_the_second_writer(services, world, client):
    """Both sessions read the same instance version; the one that commits second gets a Conflict."""
    api = Api(client, world)
    tid, verify = _dispatch_task(api)
    first, second = services.sessions(), services.sessions()
    try:
        u1 = first.scalars(select(User).where(User.username == "admin_a")).one()
        u2 = second.scalars(select(User).where(User.username == "admin_a2")).one()
        # keep references: the identity map holds objects weakly
        stale = (second.get(ProcessInstance, verify_instance(services, verify["id"])),
                 second.get(HumanTask, verify["id"]))
        assert stale[1].state == "open"
        services.tasks.complete(first, verify["id"], u1, {"action": "dispatch", "unit_id": world.unit_a1})
        first.commit()
        with pytest.raises(Conflict) as caught:
            services.tasks.complete(second, verify["id"], u2, {"action": "archive", "note": "ganda"})
        assert "same time" in caught.value.message
        second.rollback()
    finally:
        first.close()
        second.close()
    public = api.track(tid).json
    assert public["status"] == "didisposisi"
    assert [e["data"]["action"] for e in public["timeline"] if e["task"] == "verify"] == ["dispatch"]


def verify_instance(services, task_id: int) -> int:
    with transaction(services.sessions) as db:
        return db.get(HumanTask, task_id).instance_id


@pytest.mark.postgres
@pytest.mark.parametrize("round_", range(5))
def test_threads_race_to_complete_one_task(services, world, client, app, round_):
    api = Api(client, world)
    tid, verify = _dispatch_task(api)
    officers = ["admin_a", "admin_a2"] * 3
    headers = [api.auth(u) for u in officers]
    barrier = threading.Barrier(len(officers))
    results: list[int] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        local = app.test_client()
        action = {"action": "dispatch", "unit_id": world.unit_a1} if i % 2 == 0 else \
            {"action": "archive", "note": f"arsip oleh {i}"}
        barrier.wait()
        r = local.post(f"/api/tasks/{verify['id']}/complete", json={"data": action}, headers=headers[i])
        with lock:
            results.append(r.status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(officers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * (len(officers) - 1), results

    with transaction(services.sessions) as db:
        done = db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task_completed", AuditEvent.task_name == "verify",
            AuditEvent.complaint_id == verify["complaint_id"]))
        open_tasks = db.scalars(select(HumanTask.name).where(
            HumanTask.complaint_id == verify["complaint_id"], HumanTask.state == "open")).all()
        instance = db.scalars(select(ProcessInstance).where(
            ProcessInstance.complaint_id == verify["complaint_id"])).one()
    assert done == 1
    status = api.track(tid).json["status"]
    if status == "didisposisi":
        assert open_tasks == ["follow_up"]
    else:
        assert status == "diarsipkan" and open_tasks == [] and instance.completed
    assert instance.lock_version == 2  # started once, changed once


def test_audit_trail_is_append_only(services, world, client):
    api = Api(client, world)
    api.submit()
    for statement in ("UPDATE audit_events SET action = 'tampered'", "DELETE FROM audit_events"):
        with pytest.raises(Exception) as caught:
            with transaction(services.sessions) as db:
                db.execute(text(statement))
        assert "append-only" in str(caught.value)
    with transaction(services.sessions) as db:
        actions = db.scalars(select(AuditEvent.action)).all()
    assert "tampered" not in actions and "submitted" in actions


def test_a_claim_between_read_and_write_makes_the_completion_lose(services, world, client):
    """Officer B reads an unclaimed task; A claims it; B's completion must not overwrite A's claim."""
    api = Api(client, world)
    _tid, verify = _dispatch_task(api)
    slow = services.sessions()
    try:
        b = slow.scalars(select(User).where(User.username == "admin_a2")).one()
        held = slow.get(HumanTask, verify["id"])  # B has read the task: unclaimed, version 1
        assert held.assignee_id is None
        assert api.claim("admin_a", verify["id"]).status_code == 200
        with pytest.raises(Conflict):
            services.tasks.complete(slow, verify["id"], b, {"action": "dispatch", "unit_id": world.unit_a1})
        slow.rollback()
    finally:
        slow.close()
    task = api.task_for("admin_a", _tid)
    assert task["state"] == "open" and task["name"] == "verify"

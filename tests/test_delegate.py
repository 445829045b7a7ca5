"""Delegating a task to a colleague: who may, to whom, and what happens when two officers race."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import Api
from workflows.accounts.models import User
from workflows.audit import AuditEvent
from workflows.db import transaction
from workflows.errors import Conflict
from workflows.notifications.models import Notification
from workflows.tasks.models import HumanTask


@pytest.fixture
def api(client, world):
    return Api(client, world)


def _ids(services) -> dict[str, int]:
    with transaction(services.sessions) as db:
        return dict(db.execute(select(User.username, User.id)).all())


def _follow_up(api: Api, world) -> tuple[str, dict]:
    """A complaint dispatched to unit a1: its follow-up task waits, unclaimed, for pp_a1 / pp_a1b."""
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    return tid, api.task_for("pp_a1", tid, "follow_up")


def _delegate(api: Api, username: str, task_id: int, user_id):
    return api.client.post(f"/api/tasks/{task_id}/delegate", json={"user_id": user_id}, headers=api.auth(username))


def test_holder_delegates_to_a_colleague_of_the_same_unit(api, world, services):
    ids = _ids(services)
    tid, follow = _follow_up(api, world)
    assert api.claim("pp_a1", follow["id"]).status_code == 200

    r = api.client.get(f"/api/tasks/{follow['id']}/colleagues", headers=api.auth("pp_a1"))
    assert r.status_code == 200
    assert r.json == [{"id": ids["pp_a1b"], "username": "pp_a1b", "full_name": "PP_A1B"}]

    r = _delegate(api, "pp_a1", follow["id"], ids["pp_a1b"])
    assert r.status_code == 200, r.json
    assert r.json["assignee_id"] == ids["pp_a1b"] and r.json["status"] == "dalam_proses"
    assert [t["id"] for t in api.tasks("pp_a1b", group=False)] == [follow["id"]]
    assert api.tasks("pp_a1", group=False) == []

    notes = api.client.get("/api/notifications", headers=api.auth("pp_a1b")).json
    delegated = [n for n in notes if n["kind"] == "delegated"]
    assert len(delegated) == 1
    assert delegated[0]["data"]["tracking_id"] == tid and delegated[0]["data"]["title"] == follow["title"]
    assert delegated[0]["complaint_id"] == follow["complaint_id"]

    trail = api.detail("admin_a", follow["complaint_id"]).json["timeline"]
    event = [e for e in trail if e["action"] == "task_delegated"]
    assert len(event) == 1 and event[0]["data"] == {"from": ids["pp_a1"], "to": ids["pp_a1b"]}
    assert event[0]["actor"] == "PP_A1"
    assert "task_delegated" not in [e["action"] for e in api.track(tid).json["timeline"]]

    # the new holder finishes it; the old one no longer can
    r = api.complete("pp_a1", follow["id"], {"follow_up_text": "Sudah ditangani oleh saya."})
    assert r.status_code == 409
    r = api.complete("pp_a1b", follow["id"], {"follow_up_text": "Jalan sudah ditambal hari Senin."})
    assert r.status_code == 200, r.json


def test_delegating_an_unclaimed_task_claims_it_for_the_colleague(api, world, services):
    ids = _ids(services)
    tid, follow = _follow_up(api, world)
    assert api.track(tid).json["status"] == "didisposisi"
    r = _delegate(api, "pp_a1", follow["id"], ids["pp_a1b"])
    assert r.status_code == 200, r.json
    assert r.json["assignee_id"] == ids["pp_a1b"]
    assert api.track(tid).json["status"] == "dalam_proses"  # as if claimed


def test_an_admin_in_scope_may_take_a_task_from_its_holder(api, world, services):
    ids = _ids(services)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    assert api.claim("admin_a", verify["id"]).status_code == 200
    r = _delegate(api, "admin_a2", verify["id"], ids["admin_a2"])
    assert r.status_code == 200, r.json
    assert r.json["assignee_id"] == ids["admin_a2"]


def test_only_colleagues_in_scope_can_receive_the_task(api, world, services):
    ids = _ids(services)
    tid, follow = _follow_up(api, world)
    assert api.claim("pp_a1", follow["id"]).status_code == 200
    for target in (ids["pp_a2"], ids["pp_b1"], ids["admin_a"], ids["pp_a1"], 999_999):
        r = _delegate(api, "pp_a1", follow["id"], target)
        assert r.status_code == 422, (target, r.json)
        assert list(r.json["fields"]) == ["user_id"]
    with transaction(services.sessions) as db:
        db.get(User, ids["pp_a1b"]).active = False
    r = _delegate(api, "pp_a1", follow["id"], ids["pp_a1b"])
    assert r.status_code == 422 and list(r.json["fields"]) == ["user_id"]
    r = api.client.get(f"/api/tasks/{follow['id']}/colleagues", headers=api.auth("pp_a1"))
    assert r.status_code == 200 and r.json == []
    r = _delegate(api, "pp_a1", follow["id"], "pp_a1b")
    assert r.status_code == 422 and "user_id" in r.json["fields"]


def test_a_colleague_who_does_not_hold_the_task_may_not_delegate_it(api, world, services):
    ids = _ids(services)
    tid, follow = _follow_up(api, world)
    assert api.claim("pp_a1", follow["id"]).status_code == 200
    r = _delegate(api, "pp_a1b", follow["id"], ids["pp_a1b"])
    assert r.status_code == 403, r.json
    assert api.client.get(f"/api/tasks/{follow['id']}/colleagues", headers=api.auth("pp_a1b")).status_code == 403
    r = _delegate(api, "pp_a2", follow["id"], ids["pp_a2"])  # another unit: outside its scope
    assert r.status_code == 403
    with transaction(services.sessions) as db:
        assert db.get(HumanTask, follow["id"]).assignee_id == ids["pp_a1"]


def test_a_task_claimed_meanwhile_is_not_delegated(api, world, services):
    """The delegating officer read the task unclaimed; someone claims it before the update: 409."""
    ids = _ids(services)
    tid, follow = _follow_up(api, world)
    session = services.sessions()
    try:
        officer = session.get(User, ids["pp_a1"])
        stale = session.get(HumanTask, follow["id"])
        assert stale.assignee_id is None
        assert api.claim("pp_a1b", follow["id"]).status_code == 200   # meanwhile, another request
        with pytest.raises(Conflict) as caught:
            services.tasks.delegate(session, follow["id"], officer, ids["pp_a1"])
        assert caught.value.status == 409
        session.rollback()
    finally:
        session.close()
    with transaction(services.sessions) as db:
        assert db.get(HumanTask, follow["id"]).assignee_id == ids["pp_a1b"]
        assert db.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "task_delegated")) == 0
        assert db.scalar(select(func.count()).select_from(Notification)
                         .where(Notification.kind == "delegated")) == 0


def test_a_closed_task_cannot_be_delegated(api, world, services):
    ids = _ids(services)
    tid, follow = _follow_up(api, world)
    assert api.complete("pp_a1", follow["id"], {"follow_up_text": "Jalan sudah ditambal hari Senin."}).status_code == 200
    r = _delegate(api, "pp_a1", follow["id"], ids["pp_a1b"])
    assert r.status_code == 409

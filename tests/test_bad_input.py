"""Bad input gets a clear 4xx naming the field and the reason, and changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.helpers import Api
from workflows.audit import AuditEvent
from workflows.complaints.models import Complaint
from workflows.db import transaction
from workflows.processes.models import ProcessInstance


@pytest.fixture
def api(client, world):
    return Api(client, world)


def _counts(services):
    with transaction(services.sessions) as db:
        return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Complaint, AuditEvent, ProcessInstance))


def test_submit_missing_fields_lists_each(api, client, services):
    before = _counts(services)
    r = client.post("/api/complaints", json={"type": "pengaduan"})
    assert r.status_code == 422
    assert {"category", "title", "description", "region_id"} <= set(r.json["fields"])
    assert "instansi_id" not in r.json["fields"]  # optional: the routing table proposes one at triage
    assert r.json["error"] == "invalid"
    assert _counts(services) == before


def test_submit_wrong_types_and_values(api, client, world):
    body = {"type": "keluhan", "category": "x", "title": "Judul", "description": "Deskripsi panjang sekali.",
            "region_id": "satu", "instansi_id": world.inst_a, "anonymous": "mungkin",
            "reporter_email": "bukan-email"}
    r = client.post("/api/complaints", json=body)
    assert r.status_code == 422
    assert {"type", "region_id", "anonymous", "reporter_email"} <= set(r.json["fields"])


def test_submit_oversize_text_and_unknown_references(api, client, world, services):
    before = _counts(services)
    base = {"type": "pengaduan", "category": "jalan", "title": "Judul laporan", "region_id": world.regency,
            "instansi_id": world.inst_a, "reporter_name": "Budi"}
    r = client.post("/api/complaints", json={**base, "description": "x" * 10_001})
    assert r.status_code == 422 and "description" in r.json["fields"]
    r = client.post("/api/complaints", json={**base, "description": "Cukup panjang.", "instansi_id": 9999,
                                             "region_id": 9999})
    assert r.status_code == 422 and set(r.json["fields"]) == {"instansi_id", "region_id"}
    r = client.post("/api/complaints", json={**base, "description": "Cukup panjang.", "reporter_name": None})
    assert r.status_code == 422 and "reporter_name" in r.json["fields"]
    r = client.post("/api/complaints", json={**base, "description": "Cukup panjang.", "surprise": 1})
    assert r.status_code == 422 and "surprise" in r.json["fields"]
    assert _counts(services) == before


def test_malformed_json_and_huge_body(api, client, app):
    r = client.post("/api/complaints", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad_request"
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = client.post("/api/complaints", data="x" * 5000, content_type="application/json")
    assert r.status_code == 413 and r.json["error"] == "too_large"


def test_unknown_tracking_id_and_wrong_reporter_token(api):
    assert api.track("LAP-NOPE0000").status_code == 404
    assert api.track("LAP-NOPE0000").json["error"] == "not_found"
    s = api.submit()
    r = api.track(s["tracking_id"], token="wrong")
    assert r.status_code == 403
    r = api.reply(s["tracking_id"], "wrong", {"additional_info": "x"})
    assert r.status_code == 403


def test_reply_when_nothing_awaits_the_reporter(api):
    s = api.submit()
    r = api.reply(s["tracking_id"], s["reporter_token"], {"satisfied": True, "rating": "puas"})
    assert r.status_code == 409


def test_authentication_is_required_and_checked(api, client):
    assert client.get("/api/tasks").status_code == 401
    assert client.get("/api/tasks", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    r = client.post("/api/auth/login", json={"username": "admin_a", "password": "salah-sekali"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized"
    r = client.post("/api/auth/login", json={"username": "tidak_ada", "password": "salah-sekali"})
    assert r.status_code == 401


def test_wrong_role_and_wrong_instansi_are_forbidden(api, world, services):
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    for user in ("pp_a1", "admin_b", "koord"):
        r = api.complete(user, verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
        assert r.status_code == 403, (user, r.json)
        assert api.claim(user, verify["id"]).status_code == 403
    assert api.detail("admin_b", verify["complaint_id"]).status_code == 403
    assert api.detail("pp_a1", verify["complaint_id"]).status_code == 403  # not dispatched to the unit yet
    assert api.client.get(f"/api/tasks/{verify['id']}", headers=api.auth("admin_b")).status_code == 403
    assert api.track(tid).json["status"] == "belum_diproses"


def test_form_errors_name_the_field(api, world):
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    cases = [
        ({}, {"action"}),
        ({"action": "teleport"}, {"action"}),
        ({"action": "dispatch"}, {"unit_id"}),
        ({"action": "dispatch", "unit_id": "abc"}, {"unit_id"}),
        ({"action": "dispatch", "unit_id": 424242}, {"unit_id"}),
        ({"action": "dispatch", "unit_id": world.unit_b1}, {"unit_id"}),
        ({"action": "transfer", "target_instansi_id": world.inst_a, "note": "x"}, {"target_instansi_id"}),
        ({"action": "defer", "note": "x" * 2001}, {"note"}),
        ({"action": "dispatch", "unit_id": world.unit_a1, "bonus": True}, {"bonus"}),
    ]
    for data, fields in cases:
        r = api.complete("admin_a", verify["id"], data)
        assert r.status_code == 422, (data, r.json)
        assert set(r.json["fields"]) == fields, (data, r.json)
    r = api.client.post(f"/api/tasks/{verify['id']}/complete", json={"values": {}}, headers=api.auth("admin_a"))
    assert r.status_code == 422 and {"data", "values"} <= set(r.json["fields"])
    assert api.track(tid).json["status"] == "belum_diproses"
    assert api.task_for("admin_a", tid)["id"] == verify["id"]


def test_conflicts_on_done_or_claimed_tasks(api, world):
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    assert api.claim("admin_a", verify["id"]).status_code == 200
    assert api.claim("admin_a", verify["id"]).status_code == 409
    r = api.claim("admin_a2", verify["id"])
    assert r.status_code == 409 and r.json["error"] == "conflict"
    r = api.complete("admin_a2", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert r.status_code == 409
    # the admin tier may release a colleague's claim; then the colleague can take it
    r = api.client.post(f"/api/tasks/{verify['id']}/unclaim", headers=api.auth("admin_a2"))
    assert r.status_code == 200 and r.json["assignee_id"] is None
    assert api.complete("admin_a2", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    r = api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert r.status_code == 409
    assert api.client.post("/api/tasks/999999/claim", headers=api.auth("admin_a")).status_code == 404


def test_liaison_cannot_release_a_colleagues_claim(api, world):
    tid = api.submit()["tracking_id"]
    api.complete("admin_a", api.task_for("admin_a", tid)["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    follow = api.task_for("pp_a1", tid)
    assert api.claim("pp_a1", follow["id"]).status_code == 200
    r = api.client.post(f"/api/tasks/{follow['id']}/unclaim", headers=api.auth("pp_a1b"))
    assert r.status_code == 403
    r = api.client.post(f"/api/tasks/{follow['id']}/unclaim", headers=api.auth("pp_a1"))
    assert r.status_code == 200
    assert api.track(tid).json["status"] == "didisposisi"

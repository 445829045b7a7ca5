"""Answers to malformed or hostile requests: always a 4xx that says what is wrong, never a 500."""
from __future__ import annotations

import json
import re

import pytest

from tests.helpers import Api


def test_trace_and_other_unknown_methods_answer_405_with_allow(client, world):
    for path in ("/api/tasks", "/api/complaints", "/track", "/"):
        r = client.open(path, method="TRACE")
        assert r.status_code == 405, path
        allowed = {m.strip() for m in r.headers["Allow"].split(",")}
        assert "GET" in allowed or "POST" in allowed, path
        assert "TRACE" not in allowed


def test_every_response_carries_a_content_security_policy(client, world):
    for path in ("/", "/report", "/login", "/api/regions", "/api/openapi.json"):
        csp = client.get(path).headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


# -- the 500s an outside probe found, each now a clear 4xx (both backends) ----------------------
HUGE = (2**31, 2**63, 10**20)


@pytest.fixture
def api(client, world):
    return Api(client, world)


@pytest.mark.parametrize("number", HUGE)
def test_ids_beyond_any_record_are_not_found_in_paths(api, client, number):
    admin = api.auth("admin_a")
    for path in (f"/api/tasks/{number}", f"/api/officer/complaints/{number}", f"/api/instansi/{number}/units",
                 f"/api/tasks/{number}/colleagues", f"/api/officer/complaints/{number}/attachments/{number}",
                 f"/tasks/{number}", f"/complaints/{number}"):
        r = client.get(path, headers=admin)
        assert r.status_code == 404, (path, r.status_code)
    r = client.patch(f"/api/users/{number}", json={"active": False}, headers=admin)
    assert r.status_code == 404


@pytest.mark.parametrize("number", HUGE)
def test_ids_beyond_any_record_are_refused_at_their_field(api, client, world, number):
    body = {"type": "pengaduan", "category": "infrastruktur", "title": "Jalan rusak",
            "description": "Jalan di depan pasar rusak parah.", "region_id": number, "instansi_id": world.inst_a,
            "reporter_name": "Siti"}
    r = client.post("/api/complaints", json=body)
    assert r.status_code == 422 and list(r.json["fields"]) == ["region_id"]

    r = client.get(f"/api/monev?instansi_id={number}", headers=api.auth("nasional"))
    assert r.status_code == 422 and "instansi_id" in r.json["fields"]

    r = client.post(f"/api/users/{world_user(api, 'pp_a1')}/handover", json={"to_user_id": number},
                    headers=api.auth("admin_a"))
    assert r.status_code == 422 and "to_user_id" in r.json["fields"]

    r = client.post(f"/api/tasks/{api.task_for('admin_a', api.submit()['tracking_id'], 'verify')['id']}/delegate",
                    json={"user_id": number}, headers=api.auth("admin_a"))
    assert r.status_code == 422 and "user_id" in r.json["fields"]

    verify = api.task_for("admin_a", api.submit()["tracking_id"], "verify")
    r = api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": number})
    assert r.status_code == 422 and "unit_id" in r.json["fields"]


def world_user(api, username: str) -> int:
    return api.client.get("/api/auth/me", headers=api.auth(username)).json["id"]


def test_the_report_form_names_a_region_id_beyond_any_record(client, world):
    page = client.get("/report")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    r = client.post("/report", data={"csrf_token": token, "type": "pengaduan", "category": "infrastruktur",
                                     "title": "Jalan rusak", "description": "Jalan di depan pasar rusak parah.",
                                     "region_id": "99999999999999999999", "instansi_id": str(world.inst_a),
                                     "reporter_name": "Siti"})
    assert r.status_code == 422
    assert "Harus berupa id data" in r.get_data(as_text=True)


NUL_PATHS = ("/api/complaints/LAP-%00", "/track/LAP-%00", "/api/complaints/LAP-%00/reply")


def test_a_nul_byte_in_a_tracking_id_is_not_found(client, world):
    for path in NUL_PATHS:
        r = client.get(path) if not path.endswith("reply") else client.post(path, json={"token": "x", "data": {}})
        assert r.status_code == 404, (path, r.status_code)


def test_a_nul_byte_in_a_username_is_a_wrong_login(client, world):
    r = client.post("/api/auth/login", json={"username": "admin_a\u0000", "password": "rahasia-123"})
    assert r.status_code == 422 and "username" in r.json["fields"]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    r = client.post("/login", data={"csrf_token": token, "username": "admin_a\u0000", "password": "x"})
    assert r.status_code in (401, 422)


@pytest.mark.parametrize("bad", ["a\u0000b judul", "a\ud800bcd judul"])
def test_text_no_database_can_store_is_refused_at_its_field(api, client, world, bad):
    body = {"type": "pengaduan", "category": "infrastruktur", "title": bad,
            "description": "Jalan di depan pasar rusak parah.", "region_id": world.regency,
            "instansi_id": world.inst_a, "reporter_name": "Siti"}
    raw = json.dumps(body)  # \\ud800 stays an escape: the server's JSON parser makes the lone surrogate
    r = client.post("/api/complaints", data=raw, content_type="application/json")
    assert r.status_code == 422 and list(r.json["fields"]) == ["title"]
    assert "NUL" in r.json["fields"]["title"][0]

    verify = api.task_for("admin_a", api.submit()["tracking_id"], "verify")
    r = client.post(f"/api/tasks/{verify['id']}/complete", headers=api.auth("admin_a"),
                    data=json.dumps({"data": {"action": "archive", "note": bad}}), content_type="application/json")
    assert r.status_code == 422 and "data.note" in r.json["fields"]


def test_a_body_nested_fifty_thousand_deep_is_refused(client, world):
    r = client.post("/api/complaints", data="[" * 50_000, content_type="application/json")
    assert r.status_code == 400
    assert r.json["error"] == "bad_request"

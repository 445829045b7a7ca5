"""Language switch, the OpenAPI document and reference data."""
from __future__ import annotations

from tests.helpers import Api


def test_errors_speak_indonesian_by_default_and_english_on_request(client, world):
    r = client.get("/api/complaints/LAP-TIDAKADA")
    assert r.status_code == 404 and r.json["message"] == "tidak ada laporan dengan nomor pelacakan ini"
    r = client.get("/api/complaints/LAP-TIDAKADA?lang=en")
    assert r.json["message"] == "no complaint with this tracking ID"
    r = client.get("/api/complaints/LAP-TIDAKADA", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.json["message"] == "no complaint with this tracking ID"
    r = client.post("/api/complaints?lang=id", json={})  # an explicit choice beats the remembered one
    assert r.json["fields"]["title"] == ["Kolom ini wajib diisi."]


def test_form_messages_are_translated(client, world):
    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    r = api.complete("admin_a", verify["id"], {"action": "dispatch"})
    assert r.json["fields"]["unit_id"] == ["Wajib diisi bila action bernilai dispatch."]
    r = client.post(f"/api/tasks/{verify['id']}/complete?lang=en", json={"data": {"action": "dispatch"}},
                    headers=api.auth("admin_a"))
    assert r.json["fields"]["unit_id"] == ["Required when action is dispatch."]


def test_openapi_document_describes_the_api(client):
    spec = client.get("/api/openapi.json").json
    assert spec["info"]["title"] == "Aduan API"
    for path in ("/api/complaints", "/api/complaints/{tracking_id}", "/api/complaints/{tracking_id}/reply",
                 "/api/tasks", "/api/tasks/{task_id}/claim", "/api/tasks/{task_id}/complete",
                 "/api/auth/login", "/api/officer/complaints/{complaint_id}"):
        assert path in spec["paths"], path
    assert "ComplaintIn" in spec["components"]["schemas"]


def test_reference_data_for_pickers(client, world):
    regions = client.get("/api/regions").json
    assert {r["name"] for r in regions} == {"Provinsi Uji", "Kabupaten Uji"}
    units = client.get(f"/api/instansi/{world.inst_a}/units").json
    assert {u["name"] for u in units} == {"Dinas PU", "Dinas Kesehatan"}


def test_task_detail_carries_the_form_from_the_diagram(client, world):
    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    r = client.get(f"/api/tasks/{verify['id']}", headers=api.auth("admin_a"))
    fields = {f["id"]: f for f in r.json["form"]["fields"]}
    assert [o["id"] for o in fields["action"]["options"]] == ["dispatch", "defer", "transfer", "archive"]
    assert fields["unit_id"]["required_if"] == {"field": "action", "values": ["dispatch"]}


def test_session_login_works_for_browsers(client, world):
    r = client.post("/api/auth/login", json={"username": "admin_a", "password": "rahasia-123"})
    assert r.status_code == 200
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json["username"] == "admin_a"
    client.post("/api/auth/logout")
    assert client.get("/api/auth/me").status_code == 401


def test_task_list_filters_by_tracking_id_and_status(client, world):
    api = Api(client, world)
    first, second = api.submit()["tracking_id"], api.submit()["tracking_id"]
    found = api.tasks("admin_a", tracking_id=second.lower())
    assert [t["tracking_id"] for t in found] == [second]
    assert {t["tracking_id"] for t in api.tasks("admin_a", status="belum_diproses")} == {first, second}
    assert api.tasks("admin_a", status="dipending") == []
    r = client.get("/api/tasks", query_string={"status": "kacau"}, headers=api.auth("admin_a"))
    assert r.status_code == 422 and "status" in r.json["fields"]


def test_a_database_deadlock_is_a_conflict_not_a_crash(app, client, world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from workflows.tasks.service import Tasks

    def deadlocked(*_args, **_kwargs):
        raise OperationalError("UPDATE human_tasks ...", {}, Exception("deadlock detected"))

    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    monkeypatch.setattr(Tasks, "claim", deadlocked)
    r = api.claim("admin_a", verify["id"])
    assert r.status_code == 409 and r.json["error"] == "conflict"

"""The complaint lifecycle end to end through the HTTP API."""
from __future__ import annotations

import pytest

from tests.helpers import Api


@pytest.fixture
def api(client, world):
    return Api(client, world)


def test_submit_verify_dispatch_follow_up_and_close(api, world):
    submitted = api.submit()
    tid, token = submitted["tracking_id"], submitted["reporter_token"]
    assert tid.startswith("LAP-") and submitted["status"] == "belum_diproses"

    verify = api.task_for("admin_a", tid, "verify")
    assert verify["due_at"] is not None and verify["status"] == "belum_diproses"
    assert all(t["tracking_id"] != tid for t in api.tasks("admin_b"))

    r = api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert r.status_code == 200, r.json
    assert api.track(tid).json["status"] == "didisposisi"

    follow = api.task_for("pp_a1", tid, "follow_up")
    assert all(t["tracking_id"] != tid for t in api.tasks("pp_a2"))  # another unit sees nothing
    assert api.claim("pp_a1", follow["id"]).status_code == 200
    assert api.track(tid).json["status"] == "dalam_proses"
    assert all(t["tracking_id"] != tid for t in api.tasks("pp_a1b", mine=False))  # claimed: off the group list

    r = api.complete("pp_a1", follow["id"], {"follow_up_text": "Jalan sudah ditambal pada hari Senin."})
    assert r.status_code == 200, r.json

    public = api.track(tid).json
    assert public["status"] == "diselesaikan" and public["closed_at"] is None
    assert public["awaiting_reply"] is None  # only the reporter (with the token) sees the form
    actions = [e["action"] for e in public["timeline"]]
    assert actions[0] == "submitted" and "status_changed" in actions
    follow_entry = [e for e in public["timeline"] if e["task"] == "follow_up"][0]
    assert follow_entry["data"]["follow_up_text"] == "Jalan sudah ditambal pada hari Senin."

    mine = api.track(tid, token).json
    assert mine["awaiting_reply"]["task"] == "reporter_response"
    assert {f["id"] for f in mine["awaiting_reply"]["form"]["fields"]} == {"satisfied", "rating", "comment"}

    r = api.reply(tid, token, {"satisfied": True, "rating": "sangat_puas"})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "diselesaikan" and r.json["closed_at"] is not None
    assert r.json["rating"] == "sangat_puas"
    assert r.json["awaiting_reply"] is None

    # The audit trail names who did what, when, with what data.
    complaint_id = follow["complaint_id"]
    trail = api.detail("admin_a", complaint_id).json["timeline"]
    completed = [(e["task"], e["actor"], e["actor_kind"]) for e in trail if e["action"] == "task_completed"]
    assert completed == [("verify", "ADMIN_A", "officer"), ("follow_up", "PP_A1", "officer"),
                         ("reporter_response", "Pelapor", "citizen")]
    dispatch = [e for e in trail if e["task"] == "verify" and e["action"] == "task_completed"][0]
    assert dispatch["data"]["unit_id"] == world.unit_a1 and dispatch["at"]
    assert [e["action"] for e in trail if e["action"] == "process_ended"] == ["process_ended"]


def test_defer_waits_for_the_reporter_then_returns_to_verification(api, world):
    s = api.submit()
    tid, token = s["tracking_id"], s["reporter_token"]
    verify = api.task_for("admin_a", tid)
    r = api.complete("admin_a", verify["id"], {"action": "defer", "note": "Di mana tepatnya lokasinya?"})
    assert r.status_code == 200, r.json
    public = api.track(tid).json
    assert public["status"] == "dipending"
    question = [e for e in public["timeline"] if e["task"] == "verify"][0]["data"]
    assert question["action"] == "defer" and question["note"] == "Di mana tepatnya lokasinya?"
    assert api.tasks("admin_a") == [] or all(t["tracking_id"] != tid for t in api.tasks("admin_a"))

    assert api.reply(tid, token, {"additional_info": ""}).status_code == 422
    r = api.reply(tid, token, {"additional_info": "Di depan Pasar Baru, sisi utara."})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "belum_diproses"
    again = api.task_for("admin_a", tid, "verify")
    assert again["id"] != verify["id"]
    r = api.complete("admin_a", again["id"], {"action": "dispatch", "unit_id": world.unit_a2})
    assert r.status_code == 200
    api.task_for("pp_a2", tid, "follow_up")


def test_transfer_hands_verification_to_the_other_instansi(api, world):
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    r = api.complete("admin_a", verify["id"], {"action": "transfer", "target_instansi_id": world.inst_b,
                                               "note": "Kewenangan provinsi."})
    assert r.status_code == 200, r.json
    assert all(t["tracking_id"] != tid for t in api.tasks("admin_a"))
    theirs = api.task_for("admin_b", tid, "verify")
    public = api.track(tid).json
    assert public["instansi"] == "Pemprov Uji" and public["status"] == "belum_diproses"
    entry = [e for e in public["timeline"] if e["task"] == "verify"][0]["data"]
    assert entry["target_instansi"] == "Pemprov Uji"
    # the old instansi lost access, the new one has it
    assert api.detail("admin_a", theirs["complaint_id"]).status_code == 403
    assert api.detail("admin_b", theirs["complaint_id"]).status_code == 200
    # the new instansi dispatches to its own unit, not to one of the old instansi
    bad = api.complete("admin_b", theirs["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert bad.status_code == 422 and "unit_id" in bad.json["fields"]
    ok = api.complete("admin_b", theirs["id"], {"action": "dispatch", "unit_id": world.unit_b1})
    assert ok.status_code == 200
    api.task_for("pp_b1", tid, "follow_up")


def test_archive_needs_a_reason_and_closes(api, world):
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    r = api.complete("admin_a", verify["id"], {"action": "archive"})
    assert r.status_code == 422 and set(r.json["fields"]) == {"note"}
    r = api.complete("admin_a", verify["id"], {"action": "archive", "note": "Laporan ganda."})
    assert r.status_code == 200, r.json
    public = api.track(tid).json
    assert public["status"] == "diarsipkan" and public["closed_at"] is not None
    assert all(t["tracking_id"] != tid for t in api.tasks("admin_a"))


def test_not_satisfied_reopens_to_the_unit(api, world):
    s = api.submit()
    tid, token = s["tracking_id"], s["reporter_token"]
    api.complete("admin_a", api.task_for("admin_a", tid)["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    first = api.task_for("pp_a1", tid)
    api.complete("pp_a1", first["id"], {"follow_up_text": "Sudah diperbaiki."})
    r = api.reply(tid, token, {"satisfied": False})
    assert r.status_code == 422 and "comment" in r.json["fields"]
    r = api.reply(tid, token, {"satisfied": False, "comment": "Belum diperbaiki sama sekali."})
    assert r.status_code == 200, r.json
    assert r.json["closed_at"] is None and r.json["status"] == "didisposisi"
    second = api.task_for("pp_a1", tid, "follow_up")
    assert second["id"] != first["id"]
    api.complete("pp_a1", second["id"], {"follow_up_text": "Perbaikan selesai, foto terlampir."})
    r = api.reply(tid, token, {"satisfied": True, "rating": "puas"})
    assert r.json["closed_at"] is not None and r.json["rating"] == "puas"
    follow_ups = [e for e in r.json["timeline"] if e["task"] == "follow_up"]
    assert len(follow_ups) == 2


def test_restart_resumes_every_instance(services, world, api):
    """A fresh app (new engine, empty spec cache) on the same database continues where it was."""
    from web import create_app
    from workflows.service import Aduan

    s = api.submit()
    tid, token = s["tracking_id"], s["reporter_token"]
    api.complete("admin_a", api.task_for("admin_a", tid)["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    follow = api.task_for("pp_a1", tid)
    assert api.claim("pp_a1", follow["id"]).status_code == 200

    restarted = Aduan(services.sql_engine.url.render_as_string(hide_password=False))
    try:
        api2 = Api(create_app({"TESTING": True, "SECRET_KEY": "test"}, services=restarted).test_client(), world)
        still = api2.task_for("pp_a1", tid)
        assert still["id"] == follow["id"] and still["assignee_id"] is not None
        r = api2.complete("pp_a1", follow["id"], {"follow_up_text": "Selesai setelah restart."})
        assert r.status_code == 200, r.json
        r = api2.reply(tid, token, {"satisfied": True, "rating": "cukup_puas"})
        assert r.status_code == 200 and r.json["closed_at"] is not None
    finally:
        restarted.sql_engine.dispose()

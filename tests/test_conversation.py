"""The reporter and the agency in conversation (issue 14): the agency's next deadline on the tracking view,
the reporter's answers shown, and the officers told when the reporter answers or reopens a report."""
from __future__ import annotations

from tests.helpers import Api


def _notes(client, api, user):
    r = client.get("/api/notifications", headers=api.auth(user))
    assert r.status_code == 200, r.json
    return r.json


def test_the_agency_is_told_of_the_reporters_answer_and_of_a_reopening(client, world):
    api = Api(client, world)
    submitted = api.submit()
    tid, code = submitted["tracking_id"], submitted["reporter_token"]
    public = api.track(tid).json
    assert public["next_due"]["task"] == "verify" and public["next_due"]["due_at"]
    verify = api.task_for("admin_a", tid)
    api.complete("admin_a", verify["id"], {"action": "defer", "note": "Di RT berapa?"})
    assert api.track(tid).json["next_due"] is None  # waiting for the reporter: the agency's clock waits too
    assert api.reply(tid, code, {"additional_info": "RT 03 RW 05."}).status_code == 200
    answered = [n for n in _notes(client, api, "admin_a") if n["kind"] == "answered"]
    assert answered and answered[0]["data"]["text"] == "RT 03 RW 05."
    # the reporter's answer is public on the tracking view (it is their own text, not confidential)
    entries = [e for e in api.track(tid).json["timeline"] if e["task"] == "reporter_info"]
    assert entries[0]["data"]["additional_info"] == "RT 03 RW 05."

    verify = api.task_for("admin_a", tid)
    api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    follow = api.task_for("pp_a1", tid)
    api.complete("pp_a1", follow["id"], {"follow_up_text": "Sudah diperbaiki."})
    assert api.reply(tid, code, {"satisfied": False, "comment": "Masih berlubang."}).status_code == 200
    reopened = [n for n in _notes(client, api, "pp_a1") if n["kind"] == "reopened"]
    assert reopened and reopened[0]["data"]["text"] == "Masih berlubang."
    assert api.track(tid).json["next_due"]["task"] == "follow_up"

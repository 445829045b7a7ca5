"""The replay over the JSON API: asked for, run in the background, read, downloaded; refused with the
field named; kept out of reach of those without the right."""
from __future__ import annotations

import time

from sqlalchemy import select

from tests.helpers import Api
from tests.test_replay import history  # noqa: F401  (the fixture: a hand-built history)
from web import create_app
from workflows.accounts.models import User
from workflows.db import transaction


def _api(services, world) -> Api:
    with transaction(services.sessions) as db:
        db.scalars(select(User).where(User.username == "nasional")).one().designer = "national"
    return Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)


def _wait(api: Api, run_id: int, user: str = "nasional") -> dict:
    for _ in range(200):
        body = api.client.get(f"/api/replays/{run_id}", headers=api.auth(user)).json
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"replay {run_id} did not finish: {body}")


def test_a_replay_is_asked_for_run_and_read(history, world):  # noqa: F811
    services, _clock, _ids = history
    api = _api(services, world)
    r = api.client.post("/api/replays", headers=api.auth("nasional"), json={
        "period_from": "2025-07-01", "period_to": "2025-07-31", "limits": {"verify": "2WD"}, "seed": 3,
        "label": "dua hari"})
    assert r.status_code == 202, r.json
    assert r.json["total"] == 4 and r.json["candidate"]["limits"] == {"verify": "2WD"}
    body = _wait(api, r.json["id"])
    assert body["state"] == "done" and body["done"] == 4
    totals = body["report"]["totals"]
    assert (totals["live"]["late"], totals["candidate"]["late"]) == (0, 1)
    listed = api.client.get("/api/replays", headers=api.auth("nasional")).json
    assert [run["id"] for run in listed] == [r.json["id"]] and "report" not in listed[0]
    csv = api.client.get(f"/api/replays/{r.json['id']}/csv", headers=api.auth("nasional"))
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "total,,,late,0,0,1" in csv.get_data(as_text=True)
    # a coordinator reads their own region's replays only; an instansi admin may not ask
    assert api.client.get(f"/api/replays/{r.json['id']}", headers=api.auth("koord")).status_code == 404
    assert api.client.get("/api/replays", headers=api.auth("koord")).json == []
    refused = api.client.post("/api/replays", headers=api.auth("admin_a"), json={
        "period_from": "2025-07-01", "period_to": "2025-07-31", "limits": {"verify": "2WD"}})
    assert refused.status_code == 403
    assert api.client.application.test_client().get(f"/api/replays/{r.json['id']}").status_code == 401


def test_bad_requests_are_refused_at_their_field(history, world):  # noqa: F811
    services, _clock, _ids = history
    api = _api(services, world)
    cases = [({"period_from": "2025-07-31", "period_to": "2025-07-01", "limits": {"verify": "2WD"}}, "period_to"),
             ({"period_from": "yesterday", "period_to": "2025-07-01"}, "period_from"),
             ({"period_from": "2025-07-01", "period_to": "2025-07-31", "limits": {"verify": "tomorrow"}}, "limits"),
             ({"period_from": "2025-07-01", "period_to": "2025-07-31", "chain": [{"role": "raja", "after": "2WD"}]},
              "chain"),
             ({"period_from": "2025-07-01", "period_to": "2025-07-31", "draft_id": 999}, "draft_id"),
             ({"period_from": "2025-07-01", "period_to": "2025-07-31"}, "candidate"),
             ({"period_from": "2025-07-01", "period_to": "2025-07-31", "seed": -4, "limits": {"verify": "2WD"}},
              "seed")]
    for body, field in cases:
        r = api.client.post("/api/replays", headers=api.auth("nasional"), json=body)
        assert r.status_code == 422, (body, r.json)
        assert field in r.json["fields"], (body, r.json)
    assert api.client.get("/api/replays", headers=api.auth("nasional")).json == []  # nothing kept
    assert api.client.get("/api/replays/12345", headers=api.auth("nasional")).status_code == 404

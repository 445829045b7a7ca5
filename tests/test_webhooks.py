"""Outgoing webhooks against a real HTTP receiver started by the test (http.server in a thread): signed POSTs
for the chosen events in scope only, the signature and timestamp verified as docs/webhooks.md tells a
receiver to; a 500 retried after the backoff and delivered once; a worker killed mid-delivery neither loses
the event nor makes the receiver process it twice (the idempotency key); bad input named by its field, on
the API and on the page."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import Api
from tests.test_pages import csrf_of, login_page
from workflows.db import transaction
from workflows.mail import delivery
from workflows.mail.models import FAILED, PENDING, SENDING, SENT, OutboxMessage
from workflows.mail.outbox import MailSettings
from workflows.webhooks import signing

ROOT = Path(__file__).resolve().parent.parent
NO_MAIL = MailSettings()  # no SMTP, no gateway: only the subscribers' events are claimed


class Receiver:
    """A subscriber's endpoint. It records every request, verifies the signature and the timestamp with the
    secrets it knows (as docs/webhooks.md shows), *processes* each delivery key once (a duplicate is
    acknowledged and dropped), and answers with the next status in ``answers`` (then 200). With ``hold``
    set it processes the request and then keeps its answer back until ``release`` is set."""

    def __init__(self):
        self.requests: list[dict] = []
        self.processed: dict[str, int] = {}
        self.secrets: dict[str, str] = {}  # path -> secret
        self.answers: list[int] = []
        self.hold = False
        self.release = threading.Event()
        self.received = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                secret = receiver.secrets.get(self.path, "")
                valid = signing.verify(secret, self.headers.get("X-Aduan-Timestamp", ""), body,
                                       self.headers.get("X-Aduan-Signature", ""), time.time())
                key = self.headers.get("X-Aduan-Delivery", "")
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                              "valid": valid})
                    if valid and key not in receiver.processed:
                        receiver.processed[key] = 1  # the receiver's own work, done once per key
                    status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.set()
                if receiver.hold:
                    receiver.release.wait(30)
                try:
                    self.send_response(status if valid else 401)
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"try later")
                except OSError:  # the worker is gone
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def payloads(self, path: str | None = None) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests if path is None or r["path"] == path]

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def api(client, world):
    return Api(client, world)


def subscribe(api: Api, receiver: Receiver, path: str, username: str = "nasional", **body) -> dict:
    r = api.client.post("/api/webhooks", json={"name": path.strip("/"), "url": receiver.url(path), **body},
                        headers=api.auth(username))
    assert r.status_code == 201, r.json
    receiver.secrets[path] = r.json["secret"]
    return r.json


def documented_verify():
    """The first Python block of docs/webhooks.md (the receiver's check), as a function."""
    text = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify"]


def hook_rows(services, **where) -> list[OutboxMessage]:
    with transaction(services.sessions) as db:
        stmt = select(OutboxMessage).where(OutboxMessage.channel == "hook").order_by(OutboxMessage.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, name) == value)
        rows = list(db.scalars(stmt))
        db.expunge_all()
        return rows


def test_chosen_events_in_scope_arrive_signed(api, services, receiver, world):
    chosen = subscribe(api, receiver, "/regency", events=["submitted", "verified"], region_id=world.regency)
    assert chosen["secret"].startswith("whsec_") and chosen["scope"] == "Kabupaten Uji"
    subscribe(api, receiver, "/province", events=["dispatched"], region_id=world.province)  # covers its regencies
    subscribe(api, receiver, "/other-instansi", events=list(("submitted", "verified", "dispatched")),
              instansi_id=world.inst_b)
    subscribe(api, receiver, "/closing-only", events=["closed"])

    submitted = api.submit(reporter_name="Siti Aminah", reporter_email="siti@example.id",
                           reporter_phone="+628111222333")
    tid = submitted["tracking_id"]
    verify = api.task_for("admin_a", tid)
    assert api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1}).status_code == 200
    secret_one = api.submit(confidential=True, title="Pungli di loket", description="Petugas meminta uang tambahan.")

    result = delivery.deliver_due(services.sessions, NO_MAIL, services.clock())
    assert (result.sent, result.retried, result.failed) == (4, 0, 0)
    assert all(r["valid"] for r in receiver.requests)
    by_path = {p: [(x["event"], x["complaint"]["tracking_id"]) for x in receiver.payloads(p)]
               for p in ("/regency", "/province", "/other-instansi", "/closing-only")}
    assert by_path == {"/regency": [("submitted", tid), ("verified", tid), ("submitted", secret_one["tracking_id"])],
                       "/province": [("dispatched", tid)], "/other-instansi": [], "/closing-only": []}

    first = receiver.requests[0]
    headers, body = first["headers"], first["body"]
    stamp = headers["X-Aduan-Timestamp"]
    assert stamp.isdigit() and abs(int(stamp) - time.time()) < 60
    # the signature recomputed here, as a receiver in another language would
    import hashlib
    import hmac
    expected = hmac.new(chosen["secret"].encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Aduan-Signature"] == f"sha256={expected}"
    assert not signing.verify(chosen["secret"], stamp, body + b" ", headers["X-Aduan-Signature"], time.time())
    assert not signing.verify(chosen["secret"], stamp, body, headers["X-Aduan-Signature"], time.time() + 301)
    payload = json.loads(body)
    assert headers["Content-Type"] == "application/json" and headers["X-Aduan-Event"] == "submitted"
    assert headers["X-Aduan-Delivery"] == payload["id"] and payload["id"].startswith("evt_")
    assert payload["complaint"]["title"] == "Jalan rusak" and payload["complaint"]["status"] == "belum_diproses"
    assert payload["complaint"]["region"]["name"] == "Kabupaten Uji"
    assert payload["complaint"]["instansi"]["name"] == "Pemkab Uji"
    assert payload["complaint"]["links"]["track"].endswith(f"/track/{tid}")
    assert payload["occurred_at"][:4].isdigit()
    verified = receiver.payloads("/regency")[1]
    assert verified["complaint"]["status"] == "didisposisi"
    # never the reporter; a confidential report without its content
    everything = b"".join(r["body"] for r in receiver.requests).decode()
    for private in ("Siti", "siti@example.id", "628111222333", "Petugas meminta", "Pungli", "description"):
        assert private not in everything
    confidential = receiver.payloads("/regency")[2]["complaint"]
    assert confidential["confidential"] is True and "title" not in confidential
    assert {r.status for r in hook_rows(services)} == {SENT}


def test_followed_up_closed_and_reopened(api, services, receiver, world):
    subscribe(api, receiver, "/all", events=["dispatched", "followed_up", "closed"], instansi_id=world.inst_a)
    submitted = api.submit()
    tid, code = submitted["tracking_id"], submitted["reporter_token"]
    api.complete("admin_a", api.task_for("admin_a", tid)["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    follow = api.task_for("pp_a1", tid)
    assert api.claim("pp_a1", follow["id"]).status_code == 200  # claiming is no new dispatch
    assert api.complete("pp_a1", follow["id"], {"follow_up_text": "Sudah diperbaiki."}).status_code == 200
    assert api.reply(tid, code, {"satisfied": False, "comment": "Belum beres."}).status_code == 200
    follow = api.task_for("pp_a1", tid)
    api.claim("pp_a1", follow["id"])
    api.complete("pp_a1", follow["id"], {"follow_up_text": "Sudah diperbaiki lagi."})
    assert api.reply(tid, code, {"satisfied": True, "rating": "puas"}).status_code == 200
    delivery.deliver_due(services.sessions, NO_MAIL, services.clock())
    events = [(p["event"], p.get("reopened"), p.get("outcome")) for p in receiver.payloads()]
    assert events == [("dispatched", None, None), ("followed_up", None, None), ("dispatched", True, None),
                      ("followed_up", None, None), ("closed", None, "closed")]


def test_a_missed_limit_is_sent_as_breached(database_url, world, receiver):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sla.scheduler.sweep import sweep
    from web import create_app
    from workflows.clock import ManualClock
    from workflows.service import Aduan
    clock = ManualClock(datetime(2025, 7, 7, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # a Monday
    services = Aduan(database_url, clock=clock)
    try:
        api = Api(create_app({"TESTING": True, "SECRET_KEY": "t"}, services=services).test_client(), world)
        subscribe(api, receiver, "/late", events=["breached"])
        tid = api.submit()["tracking_id"]
        clock.advance(days=7)
        assert sweep(services).kinds.get("timer") == 1
        delivery.deliver_due(services.sessions, NO_MAIL, clock())
    finally:
        services.sql_engine.dispose()
    [payload] = receiver.payloads()
    assert payload["event"] == "breached" and payload["complaint"]["tracking_id"] == tid
    assert payload["breach"]["step"] == "verify" and payload["breach"]["due_at"].startswith("2025-07-10")
    assert receiver.requests[0]["valid"]


def test_a_500_is_retried_after_the_backoff_and_delivered_once(api, services, receiver, world):
    subscribe(api, receiver, "/flaky", events=["submitted"])
    receiver.answers = [500]
    api.submit()
    now = services.clock()
    result = delivery.deliver_due(services.sessions, NO_MAIL, now)
    assert (result.sent, result.retried) == (0, 1)
    [row] = hook_rows(services)
    assert row.status == PENDING and row.attempts == 1 and "HTTP 500" in row.last_error
    assert row.next_attempt_at == now + delivery.BACKOFF[0]
    assert delivery.deliver_due(services.sessions, NO_MAIL, now + timedelta(seconds=30)).sent == 0  # not due yet
    assert delivery.deliver_due(services.sessions, NO_MAIL, now + timedelta(minutes=2)).sent == 1
    assert delivery.deliver_due(services.sessions, NO_MAIL, now + timedelta(hours=5)).sent == 0
    keys = [r["headers"]["X-Aduan-Delivery"] for r in receiver.requests]
    assert len(keys) == 2 and keys[0] == keys[1] and receiver.processed == {keys[0]: 1}
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]  # the same bytes on every attempt
    [row] = hook_rows(services)
    assert (row.status, row.attempts, row.last_error) == (SENT, 2, None)


def test_refusals_fail_and_gone_deactivates(api, services, receiver, world):
    refused = subscribe(api, receiver, "/refuses", events=["submitted"])
    gone = subscribe(api, receiver, "/gone", events=["submitted", "verified"])
    receiver.answers = [422, 410]
    tid = api.submit()["tracking_id"]
    result = delivery.deliver_due(services.sessions, NO_MAIL, services.clock())
    assert (result.sent, result.failed) == (0, 2)
    assert [r.last_error[:8] for r in hook_rows(services)] == ["HTTP 422", "HTTP 410"]
    listed = {s["id"]: s for s in api.client.get("/api/webhooks", headers=api.auth("nasional")).json}
    assert listed[refused["id"]]["active"] is True and listed[gone["id"]]["active"] is False
    assert listed[gone["id"]]["counts"] == {"sent": 0, "pending": 0, "failed": 1}
    api.complete("admin_a", api.task_for("admin_a", tid)["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert hook_rows(services, subscription_id=gone["id"], kind="verified") == []  # nothing more for it


def test_a_worker_killed_mid_delivery_delivers_again_and_the_receiver_processes_once(
        api, services, receiver, database_url, world):
    subscribe(api, receiver, "/slow", events=["submitted"])
    api.submit()
    receiver.hold = True  # processed, then the answer is held back: the worker is killed while waiting
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "t"}
    for name in ("ADUAN_SMTP_HOST", "ADUAN_NOTIFY_WEBHOOK_URL"):
        env.pop(name, None)
    worker = subprocess.Popen([str(Path(sys.executable).with_name("aduan")), "mail", "send"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert receiver.received.wait(60), "the worker never reached the receiver"
    finally:
        worker.kill()  # SIGKILL: no cleanup in the worker
        worker.wait(10)
    receiver.release.set()
    [row] = hook_rows(services)
    assert row.status == SENDING  # claimed, its outcome never written
    receiver.hold = False
    # within the lease nothing happens to it (the worker might still be alive)
    assert delivery.deliver_due(services.sessions, NO_MAIL, services.clock()).sent == 0
    later = services.clock() + delivery.LEASE + timedelta(minutes=1)
    result = delivery.deliver_due(services.sessions, NO_MAIL, later)
    assert (result.requeued, result.sent, result.interrupted) == (1, 1, 0)
    keys = [r["headers"]["X-Aduan-Delivery"] for r in receiver.requests]
    assert keys == [row.event_id, row.event_id]  # delivered again with the same key ...
    assert receiver.processed == {row.event_id: 1}  # ... and processed once
    [row] = hook_rows(services)
    assert (row.status, row.attempts) == (SENT, 2)
    assert delivery.deliver_due(services.sessions, NO_MAIL, later + timedelta(hours=1)).sent == 0
    assert len(receiver.requests) == 2


def test_a_lost_claim_out_of_attempts_fails_instead_of_looping(api, services, receiver):
    subscribe(api, receiver, "/x", events=["submitted"])
    api.submit()
    now = services.clock()
    settings = MailSettings(max_attempts=2)
    with transaction(services.sessions) as db:
        row = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "hook")).one()
        row.status, row.claimed_at, row.attempts = SENDING, now - delivery.LEASE * 2, 1
    result = delivery.deliver_due(services.sessions, settings, now)
    assert (result.requeued, result.failed, result.interrupted, result.sent) == (0, 1, 0, 0)
    [row] = hook_rows(services)
    assert row.status == FAILED and row.attempts == 2 and receiver.requests == []


def test_a_ping_is_queued_and_signed(api, services, receiver):
    sub = subscribe(api, receiver, "/ping", events=["closed"])
    r = api.client.post(f"/api/webhooks/{sub['id']}/test", headers=api.auth("nasional"))
    assert r.status_code == 202 and r.json["event"] == "ping" and r.json["status"] == "pending"
    delivery.deliver_due(services.sessions, NO_MAIL, services.clock())
    [payload] = receiver.payloads()
    assert payload["event"] == "ping" and payload["subscription"]["id"] == sub["id"]
    assert receiver.requests[0]["valid"]
    # the receiver snippet of docs/webhooks.md accepts it, and refuses a changed body or a wrong secret
    verify = documented_verify()
    request = receiver.requests[0]
    assert verify(request["headers"], request["body"], sub["secret"])
    assert not verify(request["headers"], request["body"].replace(b"ping", b"pong"), sub["secret"])
    assert not verify(request["headers"], request["body"], sub["secret"] + "x")
    assert not verify({**request["headers"], "X-Aduan-Timestamp": str(int(time.time()) - 301)}, request["body"],
                      sub["secret"])
    r = api.client.get(f"/api/webhooks/{sub['id']}/deliveries", headers=api.auth("nasional"))
    assert [(d["event"], d["status"], d["attempts"]) for d in r.json] == [("ping", "sent", 1)]
    assert "secret" not in api.client.get(f"/api/webhooks/{sub['id']}", headers=api.auth("nasional")).json


def test_deactivation_stops_deliveries(api, services, receiver):
    sub = subscribe(api, receiver, "/off", events=["submitted"])
    api.submit()
    r = api.client.delete(f"/api/webhooks/{sub['id']}", headers=api.auth("nasional"))
    assert r.status_code == 200 and r.json["active"] is False and r.json["revoked_at"]
    assert delivery.deliver_due(services.sessions, NO_MAIL, services.clock()).sent == 0
    [row] = hook_rows(services)
    assert row.status == FAILED and row.last_error == "the subscription was deactivated"
    api.submit()
    assert len(hook_rows(services)) == 1  # nothing new for it
    assert api.client.post(f"/api/webhooks/{sub['id']}/test", headers=api.auth("nasional")).status_code == 409
    assert receiver.requests == []


def test_who_manages_which_subscriptions(api, receiver, world):
    national = subscribe(api, receiver, "/n", events=["submitted"])
    province = subscribe(api, receiver, "/k", username="koord", events=["submitted"])
    own = subscribe(api, receiver, "/a", username="admin_a", events=["submitted"])
    assert (province["region_id"], province["instansi_id"]) == (world.province, None)  # left out: the province
    assert (own["region_id"], own["instansi_id"]) == (None, world.inst_a)  # left out: the instansi
    seen = {u: {s["id"] for s in api.client.get("/api/webhooks", headers=api.auth(u)).json}
            for u in ("nasional", "koord", "admin_a", "admin_b")}
    assert seen == {"nasional": {national["id"], province["id"], own["id"]}, "koord": {province["id"], own["id"]},
                    "admin_a": {own["id"]}, "admin_b": set()}
    assert api.client.delete(f"/api/webhooks/{national['id']}", headers=api.auth("koord")).status_code == 404
    assert api.client.delete(f"/api/webhooks/{own['id']}", headers=api.auth("admin_b")).status_code == 404
    for username in ("pp_a1",):
        assert api.client.get("/api/webhooks", headers=api.auth(username)).status_code == 403
        r = api.client.post("/api/webhooks", json={"name": "x", "url": "https://x.id", "events": ["submitted"]},
                            headers=api.auth(username))
        assert r.status_code == 403 and r.json["error"] == "forbidden"
    assert api.client.application.test_client().get("/api/webhooks").status_code == 401  # (no login cookie)


@pytest.mark.parametrize("body, username, field, words", [
    ({"url": "ftp://example.id/x"}, "nasional", "url", "http:// atau https://"),
    ({"url": "https://exa mple.id"}, "nasional", "url", "http:// atau https://"),
    ({"url": "https://" + "a" * 500 + ".id"}, "nasional", "url", "500"),
    ({"url": "https:///nohost"}, "nasional", "url", "http:// atau https://"),
    ({"name": "  "}, "nasional", "name", "wajib"),
    ({"name": "n" * 101}, "nasional", "name", "100"),
    ({"events": []}, "nasional", "events", "submitted"),
    ({"events": ["submitted", "deleted"]}, "nasional", "events", "breached"),
    ({"events": "submitted"}, "nasional", "events", "daftar"),
    ({"secret": "short"}, "nasional", "secret", "16"),
    ({"secret": "has spaces in it, long enough"}, "nasional", "secret", "spasi"),
    ({"region_id": 999999}, "nasional", "region_id", "wilayah"),
    ({"region_id": "x"}, "nasional", "region_id", "bilangan"),
    ({"instansi_id": 999999}, "nasional", "instansi_id", "instansi"),
    ({"region_id": "REGENCY", "instansi_id": "INST_A"}, "nasional", "instansi_id", "bukan keduanya"),
    ({"instansi_id": "INST_B"}, "admin_a", "instansi_id", "cakupan"),
    ({"region_id": "REGENCY"}, "admin_a", "region_id", "cakupan"),
])
def test_bad_input_is_refused_at_its_field(api, world, services, body, username, field, words):
    values = {"REGENCY": world.regency, "INST_A": world.inst_a, "INST_B": world.inst_b}
    body = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    sent = {"name": "Dasbor", "url": "https://dasbor.example.id/hook", "events": ["submitted"], **body}
    r = api.client.post("/api/webhooks", json=sent, headers=api.auth(username))
    assert r.status_code == 422, r.json
    assert list(r.json["fields"]) == [field], r.json
    assert words.lower() in " ".join(r.json["fields"][field]).lower(), r.json
    assert api.client.get("/api/webhooks", headers=api.auth("nasional")).json == []


def test_a_coordinator_is_refused_another_province(api, services, world):
    from workflows.org.models import Region
    with transaction(services.sessions) as db:
        other = Region(code="33", name="Provinsi Lain", kind="province")
        db.add(other)
        db.flush()
        other_id = other.id
    r = api.client.post("/api/webhooks", json={"name": "x", "url": "https://x.id", "events": ["closed"],
                                               "region_id": other_id}, headers=api.auth("koord"))
    assert r.status_code == 422 and list(r.json["fields"]) == ["region_id"]


def test_the_page_refuses_bad_input_at_its_field_and_shows_the_secret_once(app, world):
    client = login_page(app, "admin_a")
    token = csrf_of(client, "/integrations/webhooks")
    r = client.post("/integrations/webhooks", data={"csrf_token": token, "name": "", "url": "javascript:alert(1)",
                                                    "scope": f"instansi:{world.inst_b}"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for field in ("name", "url", "events", "scope"):
        assert f'data-error-for="{field}"' in html, field
    assert "Wajib diisi" in html or "wajib" in html.lower()
    r = client.post("/integrations/webhooks", data={"csrf_token": token, "name": "Dasbor", "scope": "bogus",
                                                    "url": "https://x.id", "events": "submitted"})
    assert r.status_code == 422 and 'data-error-for="scope"' in r.get_data(as_text=True)
    r = client.post("/integrations/webhooks", data={"csrf_token": token, "name": "Dasbor Pemkab",
                                                    "url": "https://dasbor.example.id/hook",
                                                    "scope": f"instansi:{world.inst_a}",
                                                    "events": ["submitted", "closed"]})
    html = r.get_data(as_text=True)
    assert r.status_code == 201 and "data-secret" in html and "whsec_" in html
    again = client.get("/integrations/webhooks").get_data(as_text=True)
    assert "whsec_" not in again and "Dasbor Pemkab" in again
    assert client.post("/integrations/webhooks", data={"name": "x"}).status_code == 400  # no CSRF token
    officer = login_page(app, "pp_a1")
    assert officer.get("/integrations/webhooks").status_code == 403

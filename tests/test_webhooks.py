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
from workflows.service import Aduan
from workflows.webhooks import addresses, failures, signing

ROOT = Path(__file__).resolve().parent.parent
# No SMTP, no gateway: only the subscribers' events are claimed. The receivers here listen on 127.0.0.1, so
# the private network is allowed, explicitly (as ADUAN_WEBHOOK_ALLOW_PRIVATE=1 would); STRICT is the default.
NO_MAIL = MailSettings(webhook_allow_private=True)
STRICT = MailSettings()


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
        self.error_body = b"try later"  # what it says with an error status
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
                    self.wfile.write(b"ok" if status < 300 else receiver.error_body)
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
def allow_private() -> bool:
    """The operator's ADUAN_WEBHOOK_ALLOW_PRIVATE for the app of a test (parametrize it to change it)."""
    return True


@pytest.fixture
def services(database_url, allow_private):
    """The suite's services with explicit settings, not the environment's."""
    aduan = Aduan(database_url, mail=MailSettings(webhook_allow_private=allow_private))
    yield aduan
    aduan.sql_engine.dispose()


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
    clock = ManualClock(datetime(2025, 7, 7, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # a Monday
    services = Aduan(database_url, clock=clock, mail=NO_MAIL)
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
    assert [r.last_error for r in hook_rows(services)] == ["HTTP 422 Unprocessable Entity", "HTTP 410 Gone"]
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
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "t", "ADUAN_WEBHOOK_ALLOW_PRIVATE": "1"}
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


# -- the private network (SSRF): refused when made, and again right before each connection --------------
PRIVATE_TARGETS = [
    ("http://127.0.0.1:5432/", "127.0.0.1"),  # loopback (here: the database)
    ("http://10.20.30.40/hook", "10.20.30.40"),  # RFC 1918
    ("http://172.16.5.4/hook", "172.16.5.4"),
    ("https://192.168.1.10/hook", "192.168.1.10"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),  # link-local: cloud metadata
    ("http://100.100.100.200/latest/meta-data/", "100.100.100.200"),  # shared address space (a metadata too)
    ("http://0.0.0.0:5077/", "0.0.0.0"),  # unspecified
    ("http://224.0.0.1/", "224.0.0.1"),  # multicast
    ("http://240.0.0.1/", "240.0.0.1"),  # reserved
    ("http://[::1]:8080/", "::1"),
    ("http://[fd12:3456::1]/", "fd12:3456::1"),  # unique local (fc00::/7)
    ("http://[fe80::1]/", "fe80::1"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),  # IPv4 inside IPv6
    ("http://localhost:5077/api/auth/login", "127.0.0.1 (localhost)"),  # a name resolving to loopback
    ("http://2130706433/", "127.0.0.1 (2130706433)"),  # 127.0.0.1 written as one number
]


@pytest.mark.parametrize("allow_private", [False])
@pytest.mark.parametrize("url, where", PRIVATE_TARGETS)
def test_a_receiver_inside_the_private_network_is_refused_when_made(api, url, where):
    body = {"name": "Dalam", "url": url, "events": ["submitted"]}
    r = api.client.post("/api/webhooks", json=body, headers=api.auth("admin_a"))
    assert r.status_code == 422, r.json
    assert list(r.json["fields"]) == ["url"]
    assert r.json["fields"]["url"] == [f"Alamat {where} berada di dalam jaringan privat: webhook hanya boleh "
                                       "dikirim ke penerima di internet publik."]
    r = api.client.post("/api/webhooks", json=body, headers={**api.auth("admin_a"), "Accept-Language": "en"})
    assert r.json["fields"]["url"] == [f"The address {where} is inside the private network: a webhook may only "
                                       "go to a receiver on the public internet."]
    assert api.client.get("/api/webhooks", headers=api.auth("nasional")).json == []


@pytest.mark.parametrize("allow_private", [False])
def test_public_receivers_are_accepted_and_the_refusal_is_as_documented(api, client, monkeypatch):
    spec = client.get("/api/openapi.json").json
    from tests.test_openapi import _answered_as_documented
    r = client.post("/api/webhooks", json={"name": "x", "url": "http://127.0.0.1:5432/", "events": ["closed"]},
                    headers=api.auth("nasional"))
    _answered_as_documented(spec, "POST", "/api/webhooks", r)
    assert "ADUAN_WEBHOOK_ALLOW_PRIVATE" in spec["paths"]["/api/webhooks"]["post"]["responses"]["422"]["description"]
    for url in ("https://93.184.216.34/hook",  # a public address
                "https://dasbor.example.id/hook"):  # a name that does not resolve (yet): checked when sent
        r = client.post("/api/webhooks", json={"name": "x", "url": url, "events": ["closed"]},
                        headers=api.auth("nasional"))
        assert r.status_code == 201, r.json
    # a name resolving to a public address and a private one: refused (any address counts)
    monkeypatch.setattr(addresses.socket, "getaddrinfo", fake_dns({"mixed.example.id": ["93.184.216.34", "10.0.0.7"]}))
    r = client.post("/api/webhooks", json={"name": "x", "url": "https://mixed.example.id/", "events": ["closed"]},
                    headers=api.auth("nasional"))
    assert r.status_code == 422 and "10.0.0.7 (mixed.example.id)" in r.json["fields"]["url"][0]


@pytest.mark.parametrize("allow_private", [False])
def test_the_page_names_a_private_address_at_its_field(app, world):
    client = login_page(app, "admin_a")
    token = csrf_of(client, "/integrations/webhooks")
    r = client.post("/integrations/webhooks", data={"csrf_token": token, "name": "Dalam", "url": "http://[::1]:5432/",
                                                    "scope": f"instansi:{world.inst_a}", "events": "submitted"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-error-for="url"' in html
    assert "Alamat ::1 berada di dalam jaringan privat" in html


def fake_dns(names: dict[str, list[str]]):
    """socket.getaddrinfo answering ``names`` from the dict (TCP, IPv4 or IPv6 by the address's form)."""
    import socket
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in names:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in names[host]]
    return getaddrinfo


def test_a_delivery_to_the_private_network_is_refused_when_sent(api, services, receiver, monkeypatch):
    """The rows exist (made while it was allowed, or with a name that resolved elsewhere then): with the
    setting off, nothing is sent, for good, and the admin reads why."""
    subscribe(api, receiver, "/inside", events=["submitted"])
    moved = subscribe(api, receiver, "/moved", events=["submitted"])
    with transaction(services.sessions) as db:  # a name whose DNS answer changed after it was made
        from workflows.webhooks.models import WebhookSubscription
        db.get(WebhookSubscription, moved["id"]).url = f"http://moved.example.id:{receiver.server.server_port}/moved"
    monkeypatch.setattr(addresses.socket, "getaddrinfo",
                        fake_dns({"moved.example.id": ["93.184.216.34", "127.0.0.1"]}))
    api.submit()
    result = delivery.deliver_due(services.sessions, STRICT, services.clock())
    assert (result.sent, result.retried, result.failed) == (0, 0, 2)
    assert receiver.requests == []
    errors = [r.last_error for r in hook_rows(services)]
    assert errors == ["the address 127.0.0.1 is inside the private network; refused",
                      "the address 127.0.0.1 (moved.example.id) is inside the private network; refused"]
    listed = {s["name"]: s["last_error"] for s in api.client.get("/api/webhooks", headers=api.auth("nasional")).json}
    assert listed == {"inside": errors[0], "moved": errors[1]}
    # the page says it in Indonesian
    page = login_page(api.client.application, "nasional").get("/integrations/webhooks").get_data(as_text=True)
    assert "alamat 127.0.0.1 (moved.example.id) berada di dalam jaringan privat; ditolak" in page
    # with the operator's setting, the same receivers get their events (the connection goes to the address
    # checked: moved.example.id exists only in this test's DNS)
    monkeypatch.setattr(addresses.socket, "getaddrinfo", fake_dns({"moved.example.id": ["127.0.0.1"]}))
    with transaction(services.sessions) as db:
        for row in db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "hook")):
            assert delivery.retry(db, row.id, services.clock()) is not None
    assert delivery.deliver_due(services.sessions, NO_MAIL, services.clock()).sent == 2
    assert {r["path"] for r in receiver.requests} == {"/inside", "/moved"}


def test_the_check_judges_every_address_a_name_resolves_to():
    assert addresses.refused("93.184.216.34", 443) is None
    assert addresses.refused("2606:2800:220:1:248:1893:25c8:1946", 443) is None
    for address in ("127.0.0.2", "10.0.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.64.0.1",
                    "0.0.0.0", "255.255.255.255", "224.0.0.251", "::", "::1", "fc00::1", "fe80::1%1",
                    "::ffff:10.0.0.1", "2002:7f00:1::1", "64:ff9b::a9fe:a9fe", "198.18.0.1"):
        assert addresses.refused(address, 80) == address, address
    resolver = fake_dns({"two.example.id": ["93.184.216.34", "192.168.1.1"], "one.example.id": ["93.184.216.34"]})
    assert addresses.refused("two.example.id", 80, resolver) == "192.168.1.1 (two.example.id)"
    assert addresses.refused("one.example.id", 80, resolver) is None
    with pytest.raises(addresses.PrivateAddress, match=r"192\.168\.1\.1 \(two\.example\.id\) is inside the private"):
        addresses.public_addresses("two.example.id", 80, resolver)


# -- what a receiver answered is never stored nor shown -------------------------------------------------
class RawServer:
    """A TCP service that is not a webhook receiver: it reads the request and then closes without a word,
    or answers a line that is not HTTP (as a database or an SSH server would)."""

    def __init__(self, answer: bytes):
        import socket
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.answer = answer
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    request = b""
                    while b"\r\n\r\n" not in request:  # the whole request first: the answer comes after it
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        request += chunk
                    head, _sep, body = request.partition(b"\r\n\r\n")
                    length = int(next((line.split(b":", 1)[1] for line in head.split(b"\r\n")
                                       if line.lower().startswith(b"content-length:")), b"0"))
                    while len(body) < length and (chunk := conn.recv(65536)):
                        body += chunk
                    if self.answer:
                        conn.sendall(self.answer)
                except OSError:
                    pass

    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def close(self):
        self.sock.close()


def test_the_receivers_answer_is_never_stored_nor_shown(api, services, receiver, app):
    subscribe(api, receiver, "/login", events=["submitted"])
    receiver.answers = [422]
    receiver.error_body = b'{"detail": "internal: postgres@10.0.0.5 password authentication failed"}'
    closing, talking = RawServer(b""), RawServer(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    try:
        for name, server in (("closing", closing), ("talking", talking)):
            r = api.client.post("/api/webhooks", json={"name": name, "url": server.url(), "events": ["submitted"]},
                                headers=api.auth("nasional"))
            assert r.status_code == 201
        api.submit()
        result = delivery.deliver_due(services.sessions, NO_MAIL, services.clock())
    finally:
        closing.close()
        talking.close()
    assert (result.sent, result.failed, result.retried) == (0, 1, 2)
    assert [r.last_error for r in hook_rows(services)] == [
        "HTTP 422 Unprocessable Entity", "the connection was closed without an answer",
        "the receiver did not answer in HTTP"]
    page = login_page(app, "nasional").get("/integrations/webhooks").get_data(as_text=True)
    assert "koneksi ditutup tanpa jawaban" in page and "penerima tidak menjawab dengan HTTP" in page
    # an error stored before this rule (the body, an exception's name) is shown cut down to our words
    with transaction(services.sessions) as db:
        rows = list(db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "hook").order_by(OutboxMessage.id)))
        rows[0].last_error = 'HTTP 422: {"detail": "internal: postgres@10.0.0.5 password authentication failed"}'
        rows[1].last_error = "RemoteDisconnected: Remote end closed connection without response"
    shown = [api.client.get("/api/webhooks", headers=api.auth("nasional")).get_data(as_text=True)]
    for sub in api.client.get("/api/webhooks", headers=api.auth("nasional")).json:
        shown.append(api.client.get(f"/api/webhooks/{sub['id']}/deliveries", headers=api.auth("nasional"))
                     .get_data(as_text=True))
    page = login_page(app, "nasional").get("/integrations/webhooks").get_data(as_text=True)
    for text in shown + [page]:
        for secret in ("postgres", "10.0.0.5", "authentication", "RemoteDisconnected", "SSH", "OpenSSH"):
            assert secret not in text, secret
    assert "HTTP 422 Unprocessable Entity" in page and "pengiriman gagal" in page
    assert failures.shown("HTTP 503: the reason") == "HTTP 503 Service Unavailable"
    assert failures.shown("ConnectionResetError: [Errno 104] by 10.1.1.1") == failures.FAILED


# -- the receiver's documentation, on a page --------------------------------------------------------------
def test_the_receivers_documentation_is_a_page_anyone_may_read(app, client):
    from web.pages.webhooks import VERIFY_SNIPPET
    text = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    assert VERIFY_SNIPPET == text.split("```python\n", 1)[1].split("```", 1)[0]  # the same check as the docs
    r = client.get("/integrations/webhooks/help")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Menerima webhook" in html
    for header in ("X-Aduan-Event", "X-Aduan-Delivery", "X-Aduan-Timestamp", "X-Aduan-Signature"):
        assert header in html
    assert "def verify(headers, body: bytes, secret: str, tolerance: int = 300) -&gt; bool:" in html
    assert "1, 5, 15 dan 60 menit" in html and "8 percobaan" in html and "410 Gone" in html
    english = client.get("/integrations/webhooks/help?lang=en").get_data(as_text=True)
    assert "Receiving webhooks" in english and "Answer with any 2xx within 10 seconds" in english
    # the webhooks page links to it (docs/webhooks.md is no address a browser opens)
    page = login_page(app, "admin_a").get("/integrations/webhooks").get_data(as_text=True)
    assert 'href="/integrations/webhooks/help"' in page and "docs/webhooks.md" not in page


def test_https_goes_through_the_same_check_and_its_failures_are_said_in_our_words(api, services):
    """A TLS receiver with a certificate nobody vouches for: refused as private when the setting is off,
    and when allowed, the certificate is refused (the name is still what TLS verifies)."""
    import ssl

    import trustme  # (a certificate authority of its own, made for tests: nobody else vouches for it)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    trustme.CA().issue_cert("localhost", "127.0.0.1").configure_cert(context)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r = api.client.post("/api/webhooks", json={"name": "tls", "url": f"https://127.0.0.1:{server.server_port}/",
                                                   "events": ["submitted"]}, headers=api.auth("nasional"))
        assert r.status_code == 201
        api.submit()
        now = services.clock()
        assert delivery.deliver_due(services.sessions, NO_MAIL, now).retried == 1
        [row] = hook_rows(services)
        assert row.last_error == "the receiver's TLS certificate was not accepted"
        assert delivery.deliver_due(services.sessions, STRICT, now + timedelta(minutes=2)).failed == 1
        [row] = hook_rows(services)
        assert row.last_error == "the address 127.0.0.1 is inside the private network; refused"
    finally:
        server.shutdown()
        server.server_close()

"""E-mail (and the SMS/WhatsApp gateway webhook) through the outbox, against a real SMTP server (aiosmtpd)
started by the test: what reporters and opted-in officers are told, delivered once, retried after a refused
connection, failed on a permanent refusal, never sent twice after the worker is killed mid-delivery."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.helpers import Api
from workflows.accounts.models import User
from workflows.db import transaction
from workflows.mail import delivery
from workflows.mail.models import INTERRUPTED, PENDING, SENT, OutboxMessage
from workflows.mail.outbox import MailSettings

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping what it received; ``delay`` holds the answer to DATA, ``refuse`` says 550."""

    def __init__(self):
        self.messages: list = []
        self.delay = 0.0
        self.refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        if self.delay:
            import asyncio
            await asyncio.sleep(self.delay)
        return "250 Message accepted"

    def bodies(self) -> list[str]:
        return [m.get_payload(decode=True).decode("utf-8") for m in self.messages]

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages]


@pytest.fixture
def smtp():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def api(client, world):
    return Api(client, world)


def _settings(port: int, **kw) -> MailSettings:
    return MailSettings(smtp_host="127.0.0.1", smtp_port=port, **kw)


def _outbox(services, **where) -> list[OutboxMessage]:
    with transaction(services.sessions) as db:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, name) == value)
        rows = list(db.scalars(stmt))
        db.expunge_all()
        return rows


def test_the_reporter_hears_of_each_step_in_their_language_once(api, services, smtp, world):
    submitted = api.submit(reporter_email="siti@example.id")
    code = submitted["reporter_token"]
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)
    settings = _settings(smtp.port)
    assert delivery.deliver_due(services.sessions, settings, services.clock()).sent == 1
    assert smtp.messages[0]["To"] == "siti@example.id"
    assert submitted["tracking_id"] in smtp.subjects()[0]
    assert code in smtp.bodies()[0] and "/track/" + submitted["tracking_id"] in smtp.bodies()[0]
    # the code works typed in lower case without the dashes
    assert api.track(submitted["tracking_id"], code.replace("-", "").lower()).status_code == 200

    verify = api.task_for("admin_a", submitted["tracking_id"])
    api.complete("admin_a", verify["id"], {"action": "defer", "note": "Mohon kirim foto lokasi."})
    api.reply(submitted["tracking_id"], code, {"additional_info": "Foto menyusul."})
    verify = api.task_for("admin_a", submitted["tracking_id"])
    api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    follow = api.task_for("pp_a1", submitted["tracking_id"])
    api.complete("pp_a1", follow["id"], {"follow_up_text": "Jalan sudah ditambal."})
    assert api.reply(submitted["tracking_id"], code, {"satisfied": True, "rating": "puas"}).status_code == 200
    assert delivery.deliver_due(services.sessions, settings, services.clock()).sent == 3
    assert [m.kind for m in _outbox(services)] == ["submitted", "question", "followed_up", "closed"]
    bodies = smtp.bodies()
    assert "Mohon kirim foto lokasi." in bodies[1] and "Jalan sudah ditambal." in bodies[2]
    assert "paling lambat" in bodies[2]  # the reporter's deadline to answer
    # a second run sends nothing again
    assert delivery.deliver_due(services.sessions, settings, services.clock()).sent == 0
    assert len(smtp.messages) == 4

    english = api.submit(reporter_email="john@example.com", language="en")
    delivery.deliver_due(services.sessions, settings, services.clock())
    assert smtp.subjects()[-1] == f"Report {english['tracking_id']} received"


def test_a_refused_connection_is_retried_later_and_delivered_once(api, services, smtp):
    api.submit(reporter_email="siti@example.id")
    down = _settings(_free_port())  # nothing listens there
    now = services.clock()
    result = delivery.deliver_due(services.sessions, down, now)
    assert (result.sent, result.retried) == (0, 1)
    [message] = _outbox(services)
    assert message.status == PENDING and message.attempts == 1 and "Refused" in (message.last_error or "")
    assert message.next_attempt_at >= now + timedelta(minutes=1) - timedelta(seconds=1)
    up = _settings(smtp.port)
    assert delivery.deliver_due(services.sessions, up, now).sent == 0  # not due yet
    assert delivery.deliver_due(services.sessions, up, now + timedelta(minutes=2)).sent == 1
    assert delivery.deliver_due(services.sessions, up, now + timedelta(minutes=30)).sent == 0
    assert len(smtp.messages) == 1 and _outbox(services)[0].status == SENT


def test_a_permanent_refusal_fails_at_once(api, services, smtp):
    smtp.refuse = "nobody@example.id"
    api.submit(reporter_email="nobody@example.id")
    result = delivery.deliver_due(services.sessions, _settings(smtp.port), services.clock())
    assert result.failed == 1 and _outbox(services)[0].status == "failed"


def test_a_worker_killed_mid_delivery_does_not_send_twice(api, services, smtp, database_url):
    api.submit(reporter_email="siti@example.id")
    smtp.delay = 4  # the server holds its answer to DATA: the worker is killed while waiting
    env = {**os.environ, "DATABASE_URL": database_url, "ADUAN_SMTP_HOST": "127.0.0.1",
           "ADUAN_SMTP_PORT": str(smtp.port)}
    worker = subprocess.Popen(
        [sys.executable, "-c", "from workflows.service import Aduan\nfrom workflows.mail import delivery\n"
                               "s = Aduan()\ndelivery.deliver_due(s.sessions, s.mail, s.clock())"],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 20
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smtp.messages, "the worker never reached the server"
    worker.kill()
    worker.wait(10)
    time.sleep(smtp.delay)
    [message] = _outbox(services)
    assert message.status == "sending"
    smtp.delay = 0
    settings = _settings(smtp.port)
    later = services.clock() + delivery.LEASE + timedelta(minutes=1)
    result = delivery.deliver_due(services.sessions, settings, later)
    assert (result.sent, result.interrupted) == (0, 1)
    assert _outbox(services)[0].status == INTERRUPTED
    assert delivery.deliver_due(services.sessions, settings, later + timedelta(hours=1)).sent == 0
    assert len(smtp.messages) == 1
    # the operator may send it again on purpose
    with transaction(services.sessions) as db:
        assert delivery.retry(db, message.id, later) is not None
    assert delivery.deliver_due(services.sessions, settings, later).sent == 1


class _Gateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers["X-Aduan-Signature"], body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_gateway_gets_a_signed_webhook_for_a_phone_number(api, services):
    _Gateway.received = []
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = MailSettings(webhook_url=f"http://127.0.0.1:{server.server_port}/hook", webhook_secret="s3cret")
        services.progress.mail = settings  # the process uses these settings when it writes to the outbox
        submitted = api.submit(reporter_email=None, reporter_phone="+6281234567890")
        assert delivery.deliver_due(services.sessions, settings, services.clock()).sent == 1
    finally:
        server.shutdown()
    [(signature, body)] = _Gateway.received
    assert signature == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    payload = json.loads(body)
    assert payload["to"] == "+6281234567890" and submitted["tracking_id"] in payload["text"]


def test_officers_who_opted_in_get_their_notifications_by_email(api, services, client, world):
    with transaction(services.sessions) as db:
        a1 = db.scalars(select(User).where(User.username == "pp_a1")).one()
        a1.email, a1.email_notifications = "pp.a1@example.id", True
        db.scalars(select(User).where(User.username == "pp_a1b")).one().email = "pp.a1b@example.id"  # not opted in
    tid = api.submit(reporter_email=None)["tracking_id"]
    verify = api.task_for("admin_a", tid)
    api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    follow = api.task_for("pp_a1b", tid)
    api.claim("pp_a1b", follow["id"])
    r = client.post(f"/api/tasks/{follow['id']}/delegate", json={"user_id": _id(services, "pp_a1")},
                    headers=api.auth("pp_a1b"))
    assert r.status_code == 200, r.json
    mails = _outbox(services, kind="delegated")
    assert [m.recipient for m in mails] == ["pp.a1@example.id"] and tid in mails[0].subject


def test_a_lost_code_is_replaced_by_a_new_one_sent_to_the_reporter(api, services, client, smtp):
    submitted = api.submit(reporter_email="siti@example.id")
    r = client.post(f"/api/complaints/{submitted['tracking_id']}/code")
    assert r.status_code == 202
    [new] = _outbox(services, kind="new_code")
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", new.body).group(0)
    # a stranger asking cannot lock the reporter out: the old code works until the new one is used
    assert api.track(submitted["tracking_id"], submitted["reporter_token"]).status_code == 200
    assert api.track(submitted["tracking_id"], code).status_code == 200
    assert api.track(submitted["tracking_id"], submitted["reporter_token"]).status_code == 403
    # without an address the answer is the same, and nothing is queued
    anonymous = api.submit(reporter_email=None)
    assert client.post(f"/api/complaints/{anonymous['tracking_id']}/code").status_code == 202
    assert len(_outbox(services, kind="new_code")) == 1
    assert client.post("/api/complaints/LAP-NOTHERE/code").status_code == 404


def _id(services, username: str) -> int:
    with transaction(services.sessions) as db:
        return db.scalars(select(User.id).where(User.username == username)).one()

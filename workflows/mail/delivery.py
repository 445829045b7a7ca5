"""Delivering the outbox: the worker claims due messages, sends each, and records the outcome.

* **Retries with backoff.** A refused connection, a timeout or a temporary SMTP error (4xx) puts the
  message back with the next attempt after 1, 5, 15, 60 minutes, then every 4 hours, until
  ``max_attempts``; a permanent error (5xx: no such mailbox) fails it at once.
* **Never twice.** A message is claimed (``sending``) and that is committed before the first byte goes
  out; the outcome is committed after. A worker that dies in between leaves it ``sending``: the next
  run marks it ``interrupted`` once the claim is older than the lease, and does not send it again (the
  server may have accepted it). ``aduan mail retry ID`` sends such a message again on purpose.
  Several workers never claim the same message (a row lock skipped by the others on PostgreSQL, the
  database's write lock on SQLite).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from .models import FAILED, INTERRUPTED, PENDING, SENDING, SENT, OutboxMessage
from .outbox import MailSettings

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
LATER = timedelta(hours=4)
LEASE = timedelta(minutes=10)  # longer than any delivery (the SMTP timeout is 30 s)
TIMEOUT = 30
BATCH = 20  # messages claimed per run (each send waits at most TIMEOUT; every claim is renewed before it)


class TemporaryFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """Trying again cannot help."""


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0


def backoff(attempts: int) -> timedelta:
    return BACKOFF[attempts - 1] if 0 < attempts <= len(BACKOFF) else LATER


def deliver_due(sessions: sessionmaker[Session], settings: MailSettings, now: datetime,
                send: Callable[[OutboxMessage], None] | None = None, batch: int = BATCH) -> DeliveryResult:
    """One run of the worker: mark interrupted deliveries, claim what is due, send it, record each outcome."""
    send = send or Transport(settings)
    result = DeliveryResult()
    with transaction(sessions) as db:
        result.interrupted = db.execute(
            update(OutboxMessage).where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < now - LEASE)
            .values(status=INTERRUPTED, last_error="the worker stopped while delivering; not sent again")).rowcount
    claimed = _claim(sessions, settings, now, batch)
    started = time.monotonic()
    for message in claimed:
        # The claim is renewed just before each send: a batch of slow servers must not outlive its lease
        # (another worker would take the rest for interrupted); one it lost is left alone.
        if not _renew(sessions, message.id, now + timedelta(seconds=time.monotonic() - started)):
            continue
        try:
            send(message)
        except PermanentFailure as exc:
            _finish(sessions, message.id, FAILED, now, str(exc))
            result.failed += 1
        except TemporaryFailure as exc:
            attempts = message.attempts + 1
            if attempts >= settings.max_attempts:
                _finish(sessions, message.id, FAILED, now, str(exc), attempts)
                result.failed += 1
            else:
                _finish(sessions, message.id, PENDING, now, str(exc), attempts, now + backoff(attempts))
                result.retried += 1
        else:
            _finish(sessions, message.id, SENT, now, None, message.attempts + 1)
            result.sent += 1
    return result


def _claim(sessions: sessionmaker[Session], settings: MailSettings, now: datetime, batch: int) -> list[OutboxMessage]:
    channels = [c for c, on in (("email", settings.smtp_host), ("webhook", settings.webhook_url)) if on]
    if not channels:
        return []
    with transaction(sessions) as db:
        if db.get_bind().dialect.name == "sqlite":  # take the write lock first: a second worker waits
            db.execute(update(OutboxMessage).where(OutboxMessage.id == -1).values(status=PENDING))
        rows = list(db.scalars(
            select(OutboxMessage).where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now,
                                        OutboxMessage.channel.in_(channels))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch)
            .with_for_update(skip_locked=True)))
        for row in rows:
            row.status, row.claimed_at = SENDING, now
        db.flush()
        db.expunge_all()
    return rows


def _renew(sessions: sessionmaker[Session], message_id: int, at: datetime) -> bool:
    with transaction(sessions) as db:
        return db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == SENDING)
                          .values(claimed_at=at)).rowcount == 1


def _finish(sessions: sessionmaker[Session], message_id: int, status: str, now: datetime, error: str | None,
            attempts: int | None = None, next_at: datetime | None = None) -> None:
    values: dict = {"status": status, "last_error": error[:500] if error else None}
    if attempts is not None:
        values["attempts"] = attempts
    if status == SENT:
        values["sent_at"] = now
    if next_at is not None:
        values["next_attempt_at"] = next_at
    with transaction(sessions) as db:
        db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == SENDING)
                   .values(**values))


def retry(session: Session, message_id: int, now: datetime) -> OutboxMessage | None:
    """Queue a failed or interrupted message again (the operator's decision: it may arrive twice)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status not in (FAILED, INTERRUPTED):
        return None
    message.status, message.next_attempt_at, message.attempts = PENDING, now, 0
    return message


class Transport:
    """Sends one outbox message: e-mail over SMTP, or a signed JSON POST to the gateway."""

    def __init__(self, settings: MailSettings):
        self.settings = settings

    def __call__(self, message: OutboxMessage) -> None:
        if message.channel == "email":
            self.email(message)
        elif message.channel == "webhook":
            self.webhook(message)
        else:
            raise PermanentFailure(f"unknown channel {message.channel}")

    def email(self, message: OutboxMessage) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = s.sender, message.recipient, message.subject
        mail["Date"] = format_datetime(message.created_at)
        # The same Message-ID on every attempt: a receiving server that saw it already may drop a copy.
        mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="aduan.local")
        mail["Content-Language"] = message.language
        mail.set_content(message.body)
        try:
            if s.smtp_tls == "ssl":
                client = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=TIMEOUT,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT)
            with client:
                if s.smtp_tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    client.login(s.smtp_user, s.smtp_password or "")
                client.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TemporaryFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timeout, dropped
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    def webhook(self, message: OutboxMessage) -> None:
        s = self.settings
        body = json.dumps({"id": message.id, "to": message.recipient, "kind": message.kind,
                           "language": message.language, "subject": message.subject, "text": message.body},
                          ensure_ascii=False).encode("utf-8")
        signature = hmac.new((s.webhook_secret or "").encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(s.webhook_url or "", data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Aduan-Signature": f"sha256={signature}",
            "X-Aduan-Delivery": str(message.id)})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (configured URL)
                response.read(1024)
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise PermanentFailure(f"HTTP {exc.code}") from exc
            raise TemporaryFailure(f"HTTP {exc.code}") from exc
        except (OSError, socket.timeout) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc


def listed(session: Session, status: str | None = None, limit: int = 20) -> list[OutboxMessage]:
    """The newest outbox messages (of one status), for the operator."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return list(session.scalars(stmt))

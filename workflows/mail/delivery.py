"""Delivering the outbox: the worker claims due messages, sends each, and records the outcome.

Three channels share the one outbox: ``email`` (SMTP), ``webhook`` (the SMS/WhatsApp gateway) and ``hook``
(a webhook subscriber's signed POST, :mod:`workflows.webhooks`). E-mail and the gateway are claimed when
configured; subscribers' deliveries always (each row names its subscription, whose URL and secret are read
with the claim).

* **Retries with backoff.** A refused connection, a timeout or a temporary error (SMTP 4xx, HTTP 5xx, 408,
  429) puts the message back with the next attempt after 1, 5, 15, 60 minutes, then every 4 hours, until
  ``max_attempts``; a permanent error (SMTP 5xx: no such mailbox; HTTP 4xx) fails it at once. A
  subscriber answering 410 Gone asked to stop: the delivery fails and the subscription is deactivated.
* **Subscribers on the public internet only.** Right before connecting, a subscriber's host is resolved and
  the delivery fails for good when any of its addresses is inside the private network (unless
  ``ADUAN_WEBHOOK_ALLOW_PRIVATE``); the connection goes to the addresses checked. What a receiver answered is
  recorded as its status code only, a failed connection in our own words (:mod:`workflows.webhooks.failures`).
* **Claimed before sending.** A message is claimed (``sending``) and that is committed before the first byte
  goes out; the outcome is committed after, only if the claim is still this worker's. Several workers never
  claim the same message (a row lock skipped by the others on PostgreSQL, the database's write lock on
  SQLite).
* **After a crash, per channel** (:data:`LEASE_POLICY`). A worker that dies mid-delivery leaves its message
  ``sending``; once the claim is older than the lease the next run decides by channel:

  - e-mail and the gateway: **at most once**. The message becomes ``interrupted`` and is not sent again by
    itself (the server may have accepted it; a second reply code or follow-up is worse than a missing one).
    ``aduan mail retry ID`` sends it again on purpose.
  - webhook subscribers: **at least once**. The delivery goes back to ``pending`` (the lost attempt counted)
    and is sent again with the same ``X-Aduan-Delivery`` key, which the receiver uses to drop a copy.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
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
from ..webhooks import addresses, failures, signing, subscriptions
from ..webhooks.events import CHANNEL as HOOK
from ..webhooks.models import WebhookSubscription
from .models import FAILED, INTERRUPTED, PENDING, SENDING, SENT, OutboxMessage
from .outbox import MailSettings

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
LATER = timedelta(hours=4)
LEASE = timedelta(minutes=10)  # longer than any delivery (the SMTP timeout is 30 s)
TIMEOUT = 30
HOOK_TIMEOUT = 10  # a subscriber's answer (a slow one must not hold up the reporters' mail for long)
BATCH = 20  # messages claimed per run (each send waits at most TIMEOUT; every claim is renewed before it)
AT_MOST_ONCE, AT_LEAST_ONCE = "at_most_once", "at_least_once"
# What a claim that outlived its lease (the worker died while delivering) becomes, by channel.
LEASE_POLICY = {"email": AT_MOST_ONCE, "webhook": AT_MOST_ONCE, HOOK: AT_LEAST_ONCE}
REFUSED, NO_ANSWER = failures.REFUSED, failures.NO_ANSWER
INTERRUPTED_ERROR, REQUEUED_ERROR = failures.INTERRUPTED, failures.REQUEUED


class TemporaryFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """Trying again cannot help."""


class Gone(PermanentFailure):
    """A webhook subscriber answered 410 Gone: it asks to get nothing more."""


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0
    requeued: int = 0  # at-least-once deliveries whose worker died, put back to be sent again


def backoff(attempts: int) -> timedelta:
    return BACKOFF[attempts - 1] if 0 < attempts <= len(BACKOFF) else LATER


def deliver_due(sessions: sessionmaker[Session], settings: MailSettings, now: datetime,
                send: Callable[[OutboxMessage], None] | None = None, batch: int = BATCH) -> DeliveryResult:
    """One run of the worker: settle lost claims, claim what is due, send it, record each outcome."""
    send = send or Transport(settings)
    result = DeliveryResult()
    result.interrupted, result.requeued, result.failed = _settle_lost_claims(sessions, settings, now)
    claimed = _claim(sessions, settings, now, batch)
    started = time.monotonic()
    for message in claimed:
        # The claim is renewed just before each send: a batch of slow servers must not outlive its lease
        # (another worker would settle the rest as lost); one it lost is left alone.
        claim = _renew(sessions, message.id, now + timedelta(seconds=time.monotonic() - started))
        if claim is None:
            continue
        try:
            send(message)
        except PermanentFailure as exc:
            _finish(sessions, message.id, claim, FAILED, now, str(exc), message.attempts + 1)
            if isinstance(exc, Gone) and message.subscription_id is not None:
                _stop_subscription(sessions, message.subscription_id, now)
            result.failed += 1
        except TemporaryFailure as exc:
            attempts = message.attempts + 1
            if attempts >= settings.max_attempts:
                _finish(sessions, message.id, claim, FAILED, now, str(exc), attempts)
                result.failed += 1
            else:
                _finish(sessions, message.id, claim, PENDING, now, str(exc), attempts, now + backoff(attempts))
                result.retried += 1
        else:
            _finish(sessions, message.id, claim, SENT, now, None, message.attempts + 1)
            result.sent += 1
    return result


def _settle_lost_claims(sessions: sessionmaker[Session], settings: MailSettings,
                        now: datetime) -> tuple[int, int, int]:
    """Claims older than the lease, by channel: at most once -> interrupted; at least once -> pending
    again now (the lost attempt counted; out of attempts -> failed). Returns the three counts."""
    lost = (OutboxMessage.status == SENDING) & (OutboxMessage.claimed_at < now - LEASE)
    again = [c for c, policy in LEASE_POLICY.items() if policy == AT_LEAST_ONCE]
    with transaction(sessions) as db:
        interrupted = db.execute(update(OutboxMessage).where(lost, OutboxMessage.channel.not_in(again))
                                 .values(status=INTERRUPTED, last_error=INTERRUPTED_ERROR)).rowcount
        gave_up = db.execute(update(OutboxMessage).where(
            lost, OutboxMessage.channel.in_(again), OutboxMessage.attempts + 1 >= settings.max_attempts)
            .values(status=FAILED, attempts=OutboxMessage.attempts + 1, last_error=REQUEUED_ERROR)).rowcount
        requeued = db.execute(update(OutboxMessage).where(lost, OutboxMessage.channel.in_(again))
                              .values(status=PENDING, next_attempt_at=now, attempts=OutboxMessage.attempts + 1,
                                      last_error=REQUEUED_ERROR)).rowcount
    return interrupted, requeued, gave_up


def _claim(sessions: sessionmaker[Session], settings: MailSettings, now: datetime, batch: int) -> list[OutboxMessage]:
    channels = [c for c, on in (("email", settings.smtp_host), ("webhook", settings.webhook_url), (HOOK, True)) if on]
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
        subscription_ids = {row.subscription_id for row in rows if row.subscription_id is not None}
        if subscription_ids:  # into the session, so each row's subscription is there when detached
            list(db.scalars(select(WebhookSubscription).where(WebhookSubscription.id.in_(subscription_ids))))
            for row in rows:
                _ = row.subscription
        db.flush()
        db.expunge_all()
    return rows


def _renew(sessions: sessionmaker[Session], message_id: int, at: datetime) -> datetime | None:
    """The claim, renewed to ``at``; None when it is no longer this worker's."""
    with transaction(sessions) as db:
        renewed = db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == SENDING)
                             .values(claimed_at=at)).rowcount == 1
    return at if renewed else None


def _finish(sessions: sessionmaker[Session], message_id: int, claim: datetime, status: str, now: datetime,
            error: str | None, attempts: int | None = None, next_at: datetime | None = None) -> None:
    """Record the outcome, unless the claim was lost meanwhile (settled by another worker, perhaps claimed
    again: its outcome is that worker's to write)."""
    values: dict = {"status": status, "last_error": error[:500] if error else None}
    if attempts is not None:
        values["attempts"] = attempts
    if status == SENT:
        values["sent_at"] = now
    if next_at is not None:
        values["next_attempt_at"] = next_at
    with transaction(sessions) as db:
        db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == SENDING,
                                               OutboxMessage.claimed_at == claim).values(**values))


def _stop_subscription(sessions: sessionmaker[Session], subscription_id: int, now: datetime) -> None:
    with transaction(sessions) as db:
        subscriptions.stop(db, subscription_id, now, subscriptions.GONE)


def retry(session: Session, message_id: int, now: datetime) -> OutboxMessage | None:
    """Queue a failed or interrupted message again (the operator's decision: it may arrive twice)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status not in (FAILED, INTERRUPTED):
        return None
    message.status, message.next_attempt_at, message.attempts = PENDING, now, 0
    return message


class Transport:
    """Sends one outbox message: e-mail over SMTP, a signed JSON POST to the gateway, or a webhook
    subscriber's signed event. ``wall``: the real time a request is signed at (a receiver compares it with
    its own clock, so never the demo's moved clock)."""

    def __init__(self, settings: MailSettings, wall: Callable[[], float] = time.time):
        self.settings = settings
        self.wall = wall

    def __call__(self, message: OutboxMessage) -> None:
        if message.channel == "email":
            self.email(message)
        elif message.channel == "webhook":
            self.webhook(message)
        elif message.channel == HOOK:
            self.hook(message)
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
        _post(s.webhook_url or "", body, {"X-Aduan-Signature": f"sha256={signature}",
                                          "X-Aduan-Delivery": str(message.id)}, TIMEOUT)

    def hook(self, message: OutboxMessage) -> None:
        """A subscriber's event: the stored body, signed now with its secret over ``<timestamp>.<body>``."""
        subscription = message.subscription
        if subscription is None or not subscription.active:
            raise PermanentFailure(subscriptions.STOPPED)
        body = message.body.encode("utf-8")
        timestamp = int(self.wall())
        _post(subscription.url, body, {
            "X-Aduan-Event": message.kind, "X-Aduan-Delivery": message.event_id or str(message.id),
            "X-Aduan-Timestamp": str(timestamp),
            "X-Aduan-Signature": signing.signature(subscription.secret, timestamp, body),
            "User-Agent": "Aduan-Webhooks/1"}, HOOK_TIMEOUT,
            _HOOK_OPENERS[bool(self.settings.webhook_allow_private)])


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as it came (an error below): a POST is never re-sent elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: PLR0913
        return None


def _connector(allow_private: bool):
    """``HTTPConnection._create_connection`` for a subscriber: the host resolved here, every address it
    resolves to checked (:mod:`workflows.webhooks.addresses`), and the connection made to those very
    addresses, so a DNS answer that changes between the check and the connection cannot get in."""

    def connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):  # noqa: SLF001
        host, port = address
        found = addresses.resolve(host, port) if allow_private else addresses.public_addresses(host, port)
        error: OSError | None = None
        for family, kind, proto, _name, sockaddr in found:
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # noqa: SLF001
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                error = exc
                sock.close()
        raise error or OSError(f"no address for {host}")
    return connect


def _hook_opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """The opener of subscribers' deliveries: no redirects, no proxy from the environment (the address
    checked is the one connected to), every connection through :func:`_connector`."""
    connect = _connector(allow_private)

    class Connection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class SecureConnection(http.client.HTTPSConnection):  # (TLS on top: the name is still what is verified)
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(SecureConnection, req, context=self._context)

    return urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}), Handler, SecureHandler)


_OPENER = urllib.request.build_opener(_NoRedirects)  # the operator's gateway (ADUAN_NOTIFY_WEBHOOK_URL)
_HOOK_OPENERS = {False: _hook_opener(False), True: _hook_opener(True)}


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float,
          opener: urllib.request.OpenerDirector = _OPENER) -> None:
    """POST JSON; 2xx is delivered. 410: gone; other 3xx/4xx (but 408, 429): permanent; the rest: temporary.
    The error recorded is in Aduan's words only (:mod:`workflows.webhooks.failures`): never what the receiver
    answered beyond its status code, never the name of the exception a connection ended with."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with opener.open(request, timeout=timeout) as response:  # noqa: S310 (a configured http(s) URL)
            response.read(1024)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 410:
            raise Gone(failures.http(410)) from exc
        if 300 <= exc.code < 500 and exc.code not in (408, 429):
            raise PermanentFailure(failures.http(exc.code)) from exc
        raise TemporaryFailure(failures.http(exc.code)) from exc
    except addresses.PrivateAddress as exc:
        raise PermanentFailure(str(exc)) from exc
    except (OSError, http.client.HTTPException) as exc:  # (URLError is an OSError; socket.timeout too)
        raise TemporaryFailure(_failure(exc)) from exc


def _failure(exc: BaseException) -> str:
    """A failed connection in our own words."""
    reason = getattr(exc, "reason", None)
    reason = reason if isinstance(reason, BaseException) else exc
    if isinstance(reason, ConnectionRefusedError):
        return failures.REFUSED
    if isinstance(reason, TimeoutError):  # (socket.timeout is TimeoutError)
        return failures.NO_ANSWER
    if isinstance(reason, (http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError,
                           BrokenPipeError, http.client.IncompleteRead)):
        return failures.CLOSED
    if isinstance(reason, http.client.HTTPException):  # a status line or headers that are not HTTP
        return failures.NOT_HTTP
    if isinstance(reason, socket.gaierror):
        return failures.NAME_NOT_FOUND
    if isinstance(reason, ssl.SSLCertVerificationError):
        return failures.CERTIFICATE
    if isinstance(reason, ssl.SSLError):
        return failures.TLS
    return failures.UNREACHABLE


def listed(session: Session, status: str | None = None, limit: int = 20) -> list[OutboxMessage]:
    """The newest outbox messages (of one status), for the operator."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return list(session.scalars(stmt))

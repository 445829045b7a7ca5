"""Writing messages into the outbox, in the transaction of the event they tell about (so a message is
never sent for a change that rolled back, nor lost for one that committed).

Reporters get e-mail at the address they gave, and -- when a gateway is configured -- a webhook message
to their phone number (the gateway sends the SMS or WhatsApp message). Officers get e-mail only when
they opted in (``users.email_notifications``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..complaints.models import Complaint, ReporterContact
from .models import OutboxMessage
from .texts import render

TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class MailSettings:
    """From the environment (README, Configuration). No SMTP host: e-mail waits in the outbox."""
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_tls: str = "none"          # none | starttls | ssl
    smtp_user: str | None = None
    smtp_password: str | None = None
    sender: str = "Aduan <no-reply@aduan.local>"
    base_url: str = "http://127.0.0.1:5000"
    webhook_url: str | None = None  # an SMS/WhatsApp gateway: POST JSON, signed with webhook_secret
    webhook_secret: str | None = None
    max_attempts: int = 8
    # Webhook subscribers may be inside the private network (loopback, RFC 1918, link-local...): off unless
    # the operator says so (ADUAN_WEBHOOK_ALLOW_PRIVATE=1; workflows/webhooks/addresses.py).
    webhook_allow_private: bool = False

    @classmethod
    def from_env(cls) -> MailSettings:
        env = os.environ
        tls = env.get("ADUAN_SMTP_TLS", "none").lower()
        if tls not in ("none", "starttls", "ssl"):
            raise ValueError("ADUAN_SMTP_TLS must be none, starttls or ssl")
        webhook_url = env.get("ADUAN_NOTIFY_WEBHOOK_URL") or None
        if webhook_url and not env.get("ADUAN_NOTIFY_WEBHOOK_SECRET"):
            raise ValueError("ADUAN_NOTIFY_WEBHOOK_URL needs ADUAN_NOTIFY_WEBHOOK_SECRET (the signing key)")
        return cls(smtp_host=env.get("ADUAN_SMTP_HOST") or None, smtp_port=int(env.get("ADUAN_SMTP_PORT", 25)),
                   smtp_tls=tls, smtp_user=env.get("ADUAN_SMTP_USER") or None,
                   smtp_password=env.get("ADUAN_SMTP_PASSWORD") or None,
                   sender=env.get("ADUAN_MAIL_FROM", cls.sender),
                   base_url=env.get("ADUAN_BASE_URL", cls.base_url).rstrip("/"),
                   webhook_url=webhook_url, webhook_secret=env.get("ADUAN_NOTIFY_WEBHOOK_SECRET") or None,
                   max_attempts=int(env.get("ADUAN_MAIL_MAX_ATTEMPTS", 8)),
                   webhook_allow_private=env.get("ADUAN_WEBHOOK_ALLOW_PRIVATE", "").strip().lower() in TRUE)

    def track_link(self, tracking_id: str) -> str:
        return f"{self.base_url}/track/{tracking_id}"


_SETTINGS: list[MailSettings] = []


def default_settings() -> MailSettings:
    """The settings of this process (read from the environment once)."""
    if not _SETTINGS:
        _SETTINGS.append(MailSettings.from_env())
    return _SETTINGS[0]


def enqueue(session: Session, channel: str, recipient: str, kind: str, language: str | None,
            values: dict[str, Any], now: datetime, complaint_id: int | None = None) -> OutboxMessage:
    subject, body = render(kind, language, values)
    message = OutboxMessage(channel=channel, recipient=recipient[:300], language=language or "id", kind=kind,
                            subject=subject, body=body, complaint_id=complaint_id, next_attempt_at=now,
                            created_at=now)
    session.add(message)
    return message


def to_reporter(session: Session, settings: MailSettings, complaint: Complaint, kind: str,
                values: dict[str, Any], now: datetime) -> list[OutboxMessage]:
    """Tell the reporter, at the address and phone number they gave (none: nothing to send)."""
    contact = session.get(ReporterContact, complaint.id)
    if contact is None:
        return []
    values = {"tracking_id": complaint.tracking_id, "title": complaint.title,
              "link": settings.track_link(complaint.tracking_id), **values}
    sent = []
    if contact.email:
        sent.append(enqueue(session, "email", contact.email, kind, contact.language, values, now, complaint.id))
    if contact.phone and settings.webhook_url:
        sent.append(enqueue(session, "webhook", contact.phone, kind, contact.language, values, now, complaint.id))
    return sent

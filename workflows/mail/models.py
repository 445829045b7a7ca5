"""The outbox: one row per message to deliver, written in the transaction of the event it tells about."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..orm import Base, utcnow
from ..webhooks.models import WebhookSubscription

PENDING = "pending"          # waiting for its next attempt
SENDING = "sending"          # claimed by a worker; it is being delivered now
SENT = "sent"
FAILED = "failed"            # gave up after the last retry
INTERRUPTED = "interrupted"  # a worker died while delivering an e-mail: maybe delivered, so not sent again
# by itself (a webhook delivery goes back to pending instead: its receiver drops a copy by its key)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))          # email | webhook (SMS gateway) | hook
    recipient: Mapped[str] = mapped_column(String(300))       # an address, or the phone number for the gateway
    language: Mapped[str] = mapped_column(String(5), default="id")
    kind: Mapped[str] = mapped_column(String(30))            # submitted, question, followed_up, closed, ...
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An event for a webhook subscriber (channel "hook"): the subscription, and the idempotency key the
    # receiver sees on every attempt of this delivery.
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    # (read with the row when the worker claims it: the URL and the secret that signs)
    subscription: Mapped[WebhookSubscription | None] = relationship()

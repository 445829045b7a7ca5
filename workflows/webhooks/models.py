"""Webhook subscriptions. Deliveries are rows of the one outbox (channel ``hook``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, JSONData, utcnow


class WebhookSubscription(Base):
    """A URL that gets a signed POST for each event it chose, on complaints in its scope (region and/or
    instansi; none: every complaint). The secret signs the body (HMAC-SHA256); it is kept, because
    signing needs it, and shown once when the subscription is made."""
    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[Any]] = mapped_column(JSONData, default=list)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

"""Messages for officers: reminders, missed limits, escalations, delegations, hand-overs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class Notification(Base):
    """A message for an officer (``user_id``) or for everyone of a role in a scope. Most are about
    one complaint; a hand-over of many tasks is about none (``complaint_id`` None)."""
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reminder | breach | escalation | delegated | handover
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str | None] = mapped_column(String(40))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

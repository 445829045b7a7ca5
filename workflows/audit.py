"""The audit trail: every step of a complaint lands here; nothing is ever changed or removed (the
migration installs triggers that refuse UPDATE and DELETE). Part of the shared kernel: every area
records into it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from .orm import Base, utcnow

if TYPE_CHECKING:
    from .accounts.models import User


class AuditEvent(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_complaint", "complaint_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))  # citizen | officer | system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    task_name: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    public: Mapped[bool] = mapped_column(default=False)



@dataclass(frozen=True)
class Actor:
    kind: str                 # citizen | officer | system
    user: User | None = None

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.full_name
        return {"citizen": "Pelapor", "system": "Sistem"}.get(self.kind, self.kind)


CITIZEN = Actor("citizen")
SYSTEM = Actor("system")


def officer(user: User) -> Actor:
    return Actor("officer", user)


def record(session: Session, complaint_id: int, actor: Actor, action: str, at: datetime, *,
           task_name: str | None = None, data: dict[str, Any] | None = None, public: bool = False) -> AuditEvent:
    event = AuditEvent(complaint_id=complaint_id, at=at, actor_kind=actor.kind,
                       actor_id=actor.user.id if actor.user else None, actor_label=actor.label,
                       action=action, task_name=task_name, data=data or {}, public=public)
    session.add(event)
    return event

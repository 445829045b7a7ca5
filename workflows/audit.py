"""Writing the audit trail. Every step of a complaint lands here; nothing is ever changed or removed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEvent, User


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

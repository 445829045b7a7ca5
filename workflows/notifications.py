"""An officer's notifications: their own, and those for their role within their scope."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .models import Complaint, Notification, User
from .scope import scope_filter


def notify_user(session: Session, user_id: int, kind: str, at: datetime, data: dict[str, Any],
                complaint: Complaint | None = None) -> Notification:
    """A notification addressed to one officer, about one complaint (with its tracking ID) or none."""
    if complaint is not None:
        data = {**data, "tracking_id": complaint.tracking_id}
    note = Notification(complaint_id=complaint.id if complaint is not None else None, kind=kind,
                        user_id=user_id, created_at=at, data=data)
    session.add(note)
    return note


def for_user(session: Session, user: User, limit: int = 50) -> list[Notification]:
    scope = scope_filter(user, Notification.region_id, Notification.instansi_id, Notification.unit_id)
    stmt = (select(Notification)
            .where(or_(Notification.user_id == user.id,
                       and_(Notification.user_id.is_(None), Notification.role == user.role, scope)))
            .order_by(Notification.id.desc()).limit(limit))
    return list(session.scalars(stmt))

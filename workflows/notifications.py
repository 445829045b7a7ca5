"""An officer's notifications: their own, and those for their role within their scope."""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .models import Notification, User
from .scope import scope_filter


def for_user(session: Session, user: User, limit: int = 50) -> list[Notification]:
    scope = scope_filter(user, Notification.region_id, Notification.instansi_id, Notification.unit_id)
    stmt = (select(Notification)
            .where(or_(Notification.user_id == user.id,
                       and_(Notification.user_id.is_(None), Notification.role == user.role, scope)))
            .order_by(Notification.id.desc()).limit(limit))
    return list(session.scalars(stmt))

"""An officer's notifications: their own, and those for their role within their scope."""
from __future__ import annotations

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from .models import Notification, User
from .roles import ADMIN_INSTANSI, ADMIN_KOORDINATOR, ADMIN_NASIONAL, PEJABAT_PENGHUBUNG


def _scope(user: User):
    if user.role == ADMIN_NASIONAL:
        return true()
    if user.role == ADMIN_KOORDINATOR:
        return Notification.region_id == user.region_id
    if user.role == ADMIN_INSTANSI:
        return Notification.instansi_id == user.instansi_id
    if user.role == PEJABAT_PENGHUBUNG:
        return Notification.unit_id == user.unit_id
    return Notification.id.is_(None)


def for_user(session: Session, user: User, limit: int = 50) -> list[Notification]:
    stmt = (select(Notification)
            .where(or_(Notification.user_id == user.id,
                       and_(Notification.user_id.is_(None), Notification.role == user.role, _scope(user))))
            .order_by(Notification.id.desc()).limit(limit))
    return list(session.scalars(stmt))

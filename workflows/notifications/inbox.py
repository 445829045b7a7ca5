"""An officer's notifications: their own, and those for their role within their scope."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..accounts import roles
from ..accounts.models import User
from ..accounts.scope import scope_filter
from ..complaints.models import Complaint
from ..errors import Invalid
from ..mail import officers
from ..mail.outbox import default_settings
from ..tasks.models import HumanTask
from .models import Notification


def notify_user(session: Session, user_id: int, kind: str, at: datetime, data: dict[str, Any],
                complaint: Complaint | None = None) -> Notification:
    """A notification addressed to one officer, about one complaint (with its tracking ID) or none."""
    if complaint is not None:
        data = {**data, "tracking_id": complaint.tracking_id}
    note = Notification(complaint_id=complaint.id if complaint is not None else None, kind=kind,
                        user_id=user_id, created_at=at, data=data)
    session.add(note)
    _by_email(session, note, complaint, at)
    return note


def notify_task_holders(session: Session, complaint: Complaint, kind: str, task: HumanTask,
                        data: dict[str, Any], at: datetime) -> Notification:
    """About a task: to the officer holding it, else to everyone of the task's role in its scope
    (an Admin Koordinator's scope is the province, an Admin Nasional's everything)."""
    scope = {"role": task.role, "instansi_id": task.instansi_id, "unit_id": task.unit_id, "region_id": task.region_id}
    if task.role == roles.ADMIN_KOORDINATOR:
        scope.update(instansi_id=None, unit_id=None)
    elif task.role == roles.ADMIN_NASIONAL:
        scope.update(instansi_id=None, unit_id=None, region_id=None)
    note = Notification(complaint_id=complaint.id, kind=kind, user_id=task.assignee_id, created_at=at,
                        data={**data, "tracking_id": complaint.tracking_id}, **scope)
    session.add(note)
    _by_email(session, note, complaint, at)
    return note


def _by_email(session: Session, note: Notification, complaint: Complaint | None, at: datetime) -> None:
    """Officers who opted in get an e-mail copy (workflows/mail/officers.py)."""
    officers.copy(session, default_settings(), note, complaint, at)


def _visible(user: User):
    scope = scope_filter(user, Notification.region_id, Notification.instansi_id, Notification.unit_id)
    return or_(Notification.user_id == user.id,
               and_(Notification.user_id.is_(None), Notification.role == user.role, scope))


def for_user(session: Session, user: User, limit: int = 50) -> list[Notification]:
    stmt = select(Notification).where(_visible(user)).order_by(Notification.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def is_unread(user: User, note: Notification) -> bool:
    return note.id > (user.notifications_seen_id or 0)


UNREAD_CAP = 100  # counting stops here ("99+"): every officer page shows the count


def unread_count(session: Session, user: User, cap: int = UNREAD_CAP) -> int:
    newer = (select(Notification.id).where(_visible(user), Notification.id > (user.notifications_seen_id or 0))
             .order_by(Notification.id.desc()).limit(cap).subquery())
    return session.scalar(select(func.count()).select_from(newer)) or 0


def mark_read(session: Session, user: User, up_to: int) -> int:
    """Mark read what the officer has seen: their notifications up to ``up_to`` (the newest one the
    page showed; one that arrived after it stays unread). Never moves the watermark back."""
    newest = session.scalar(select(func.max(Notification.id)).where(_visible(user), Notification.id <= up_to))
    if newest is not None and newest > (user.notifications_seen_id or 0):
        user.notifications_seen_id = newest
    return unread_count(session, user)


EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def set_email(session: Session, user: User, email: str | None, by_email: bool) -> None:
    """The officer's own choice: an address, and whether their notifications also come by e-mail."""
    email = (email or "").strip() or None
    if email is not None and (len(email) > 200 or not EMAIL.match(email)):
        raise Invalid({"email": [("not_an_email", {})]})
    if by_email and email is None:
        raise Invalid({"email": [("required", {})]})
    user.email, user.email_notifications = email, by_email

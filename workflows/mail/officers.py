"""E-mail copies of officers' notifications (reminders, missed limits, escalations, delegations, hand-overs)
for those who opted in and gave an address. Written with the notification, in the same transaction."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts import roles
from ..accounts.models import User
from ..complaints.models import Complaint
from ..notifications.models import Notification
from .outbox import MailSettings, enqueue
from .reporter import moment

KINDS = ("reminder", "breach", "escalation", "delegated", "handover", "answered", "reopened")


def _recipients(session: Session, note: Notification) -> list[User]:
    wanted = select(User).where(User.active.is_(True), User.email_notifications.is_(True), User.email.is_not(None))
    if note.user_id is not None:
        return list(session.scalars(wanted.where(User.id == note.user_id)))
    wanted = wanted.where(User.role == note.role)
    if note.role == roles.ADMIN_KOORDINATOR:
        wanted = wanted.where(User.region_id == note.region_id)
    elif note.role == roles.ADMIN_INSTANSI:
        wanted = wanted.where(User.instansi_id == note.instansi_id)
    elif note.role == roles.PEJABAT_PENGHUBUNG:
        wanted = wanted.where(User.unit_id == note.unit_id)
    elif note.role != roles.ADMIN_NASIONAL:
        return []
    return list(session.scalars(wanted))


def copy(session: Session, settings: MailSettings, note: Notification, complaint: Complaint | None,
         now: datetime) -> int:
    """Queue an e-mail copy of ``note`` for each opted-in recipient; returns how many."""
    if note.kind not in KINDS:
        return 0
    recipients = _recipients(session, note)
    if not recipients:
        return 0
    data = note.data or {}
    zone = complaint.region.timezone if complaint is not None else "Asia/Jakarta"
    due = data.get("due_at")
    due_at = datetime.fromisoformat(due) if isinstance(due, str) else None
    values = {"text": data.get("text"), "tracking_id": data.get("tracking_id"), "task": data.get("task") or data.get("title")
              or data.get("late_task"), "by": data.get("by"), "count": data.get("count"), "who": data.get("from"),
              "link": f"{settings.base_url}/notifications"}
    for user in recipients:
        values["due"] = moment(due_at.astimezone(ZoneInfo(zone)) if due_at else None, zone, "id")
        enqueue(session, "email", user.email or "", note.kind, "id", values, now,
                complaint.id if complaint is not None else None)
    return len(recipients)

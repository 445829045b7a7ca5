"""What the reporter is told, and when: on submission (the tracking ID and the reply code), when the
agency asks a question (deferral), when it follows up, when the report is archived, closed or closed
automatically. Called by the process in the transaction of the change."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy.orm import Session

from ..complaints import statuses
from ..complaints.models import Complaint, ReporterContact
from .outbox import MailSettings, to_reporter

OUTCOME_KINDS = {"closed": "closed", "auto_closed": "auto_closed"}


def moment(at: datetime | None, zone: str, language: str | None) -> str | None:
    """A due moment as the reporter reads it: "Jumat, 4 Desember 2026 16.00 WIB"."""
    if at is None:
        return None
    local = at.astimezone(ZoneInfo(zone))
    lang = "en" if language == "en" else "id"
    day = format_datetime(local, "EEEE, d MMMM y HH.mm" if lang == "id" else "EEEE, d MMMM y, HH:mm", locale=lang)
    return f"{day} {local.tzname()}"


def _language(session: Session, complaint: Complaint) -> str:
    contact = session.get(ReporterContact, complaint.id)
    return contact.language if contact is not None else "id"


def submitted(session: Session, settings: MailSettings, complaint: Complaint, code: str,
              due_at: datetime | None, now: datetime) -> None:
    language = _language(session, complaint)
    to_reporter(session, settings, complaint, "submitted",
                {"code": code, "due": moment(due_at, complaint.region.timezone, language)}, now)


def new_code(session: Session, settings: MailSettings, complaint: Complaint, code: str, now: datetime) -> bool:
    return bool(to_reporter(session, settings, complaint, "new_code", {"code": code}, now))


def progressed(session: Session, settings: MailSettings, complaint: Complaint, old_status: str | None,
               data: dict[str, Any], due_at: datetime | None, outcome: str | None, now: datetime) -> None:
    """After a save: a status the reporter must hear about, or the end of the process."""
    zone = complaint.region.timezone
    if outcome in OUTCOME_KINDS:
        to_reporter(session, settings, complaint, OUTCOME_KINDS[outcome], {}, now)
        return
    if old_status == complaint.status:
        return
    if complaint.status == statuses.DIPENDING:
        to_reporter(session, settings, complaint, "question", {"text": data.get("note")}, now)
    elif complaint.status == statuses.DISELESAIKAN:
        to_reporter(session, settings, complaint, "followed_up",
                    {"text": data.get("follow_up_text"), "due": moment(due_at, zone, _language(session, complaint))},
                    now)
    elif complaint.status == statuses.DIARSIPKAN:
        to_reporter(session, settings, complaint, "archived", {"text": data.get("note")}, now)

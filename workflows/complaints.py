"""Complaints: submission, the public tracking view, the officer's detail view and the timeline."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, statuses
from .attachments import Upload
from .attachments import check as check_attachments
from .attachments import problems as attachment_problems
from .clock import Clock
from .errors import Forbidden, Invalid, NotFound
from .models import Attachment, AuditEvent, Complaint, HumanTask, Instansi, Region, ReporterContact, Unit, User
from .progress import Progress
from .scope import complaint_in_scope, may_see_reporter, task_visible_to
from .tasks import Tasks

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


@dataclass(frozen=True)
class NewComplaint:
    type: str
    category: str
    title: str
    description: str
    region_id: int
    instansi_id: int
    location: str | None = None
    anonymous: bool = False
    confidential: bool = False
    reporter_name: str | None = None
    reporter_email: str | None = None
    reporter_phone: str | None = None
    channel: str = "web"
    attachments: tuple[Upload, ...] = ()  # photos or letters (see workflows.attachments for the limits)


def new_tracking_id() -> str:
    return "LAP-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Complaints:
    def __init__(self, progress: Progress, tasks: Tasks):
        self.progress = progress
        self.tasks = tasks
        self.clock: Clock = progress.clock

    def submit(self, session: Session, new: NewComplaint) -> tuple[Complaint, str]:
        """File a complaint and start its process. Returns the complaint and the reporter's secret token."""
        errors: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        if new.type not in statuses.COMPLAINT_TYPES:
            errors["type"] = [("not_one_of", {"choices": list(statuses.COMPLAINT_TYPES)})]
        region = session.get(Region, new.region_id)
        if region is None:
            errors["region_id"] = [("unknown_region", {})]
        if session.get(Instansi, new.instansi_id) is None:
            errors["instansi_id"] = [("unknown_instansi", {})]
        if not new.anonymous and not (new.reporter_name or "").strip():
            errors["reporter_name"] = [("required_unless_anonymous", {})]
        file_problems = attachment_problems(new.attachments)
        if file_problems:
            errors["attachments"] = file_problems
        if errors:
            raise Invalid(errors)
        files = check_attachments(new.attachments)
        token = secrets.token_urlsafe(24)
        now = self.clock()
        for _attempt in range(5):
            complaint = Complaint(
                tracking_id=new_tracking_id(), type=new.type, category=new.category, title=new.title,
                description=new.description, location=new.location, channel=new.channel,
                region_id=new.region_id, instansi_id=new.instansi_id, unit_id=None, status=statuses.BELUM_DIPROSES,
                anonymous=new.anonymous, confidential=new.confidential, created_at=now, updated_at=now,
                received_on=now.astimezone(self.progress.policy.calendar(new.region_id).zone).date())
            try:
                with session.begin_nested():
                    session.add(complaint)
                    session.flush()
                break
            except IntegrityError:  # tracking ID collision: draw again
                continue
        session.add(ReporterContact(complaint_id=complaint.id, name=new.reporter_name,
                                    email=new.reporter_email, phone=new.reporter_phone,
                                    token_hash=_digest(token)))
        for file in files:
            session.add(Attachment(complaint_id=complaint.id, filename=file.filename,
                                   content_type=file.content_type, size=file.size, sha256=file.sha256,
                                   data=file.data, created_at=now))
        audit.record(session, complaint.id, audit.CITIZEN, "submitted", now,
                     data={"type": new.type, "category": new.category, "channel": new.channel}, public=True)
        self.progress.start(session, complaint)
        return complaint, token

    def by_tracking_id(self, session: Session, tracking_id: str) -> Complaint:
        complaint = session.scalars(select(Complaint).where(
            Complaint.tracking_id == tracking_id.strip().upper())).first()
        if complaint is None:
            raise NotFound("no complaint with this tracking ID")
        return complaint

    def check_reporter(self, session: Session, complaint: Complaint, token: str | None) -> None:
        contact = session.get(ReporterContact, complaint.id)
        if not token or contact is None or not hmac.compare_digest(contact.token_hash, _digest(token)):
            raise Forbidden("the reporter token does not match this complaint")

    def reply(self, session: Session, tracking_id: str, token: str | None, data: Any) -> Complaint:
        complaint = self.by_tracking_id(session, tracking_id)
        self.check_reporter(session, complaint, token)
        self.tasks.reply(session, complaint, data)
        return complaint

    def for_officer(self, session: Session, complaint_id: int, user: User) -> Complaint:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            raise NotFound("complaint not found")
        if not complaint_in_scope(user, complaint):
            raise Forbidden("this complaint is outside your scope")
        return complaint

    def attachments(self, session: Session, complaint: Complaint) -> list[Attachment]:
        """The complaint's files in the order they were attached (their bytes load when read)."""
        return list(session.scalars(select(Attachment).where(Attachment.complaint_id == complaint.id)
                                    .order_by(Attachment.id)))

    def attachment(self, session: Session, complaint: Complaint, attachment_id: int) -> Attachment:
        item = session.get(Attachment, attachment_id)
        if item is None or item.complaint_id != complaint.id:
            raise NotFound("attachment not found")
        return item

    # -- views -----------------------------------------------------------------------------------
    def public_view(self, session: Session, complaint: Complaint, reporter: bool = False) -> dict[str, Any]:
        """What anyone with the tracking ID may see. Confidential complaints show no content;
        anonymous ones no name. With the reporter token, the reporter also sees what awaits them."""
        contact = session.get(ReporterContact, complaint.id)
        hide_content = complaint.confidential and not reporter
        view: dict[str, Any] = {
            "tracking_id": complaint.tracking_id,
            "type": complaint.type,
            "category": complaint.category,
            "status": complaint.status,
            "instansi": complaint.instansi.name,
            "region": complaint.region.name,
            "timezone": complaint.region.timezone,
            "created_at": complaint.created_at,
            "closed_at": complaint.closed_at,
            "confidential": complaint.confidential,
            "anonymous": complaint.anonymous,
            "title": None if hide_content else complaint.title,
            "description": None if hide_content else complaint.description,
            "location": None if hide_content else complaint.location,
            "reporter_name": None if complaint.anonymous or contact is None else contact.name,
            "rating": complaint.rating,
            "timeline": self.timeline(session, complaint, public=True, hide_content=hide_content),
            "awaiting_reply": None,
        }
        if reporter:
            waiting = session.scalars(select(HumanTask).where(
                HumanTask.complaint_id == complaint.id, HumanTask.state == "open",
                HumanTask.role == "pelapor")).first()
            if waiting is not None:
                view["awaiting_reply"] = {"task": waiting.name, "title": waiting.title,
                                          "due_at": waiting.due_at, "form": self.tasks.form(session, waiting)}
        return view

    def officer_view(self, session: Session, complaint: Complaint, user: User) -> dict[str, Any]:
        contact = session.get(ReporterContact, complaint.id)
        reporter = None
        if contact is not None and may_see_reporter(user, complaint):
            reporter = {"name": contact.name, "email": contact.email, "phone": contact.phone}
        open_tasks = session.scalars(select(HumanTask).where(
            HumanTask.complaint_id == complaint.id, HumanTask.state == "open").order_by(HumanTask.id)).all()
        return {
            "id": complaint.id, "tracking_id": complaint.tracking_id, "type": complaint.type,
            "category": complaint.category, "title": complaint.title, "description": complaint.description,
            "location": complaint.location, "status": complaint.status, "tier": complaint.tier,
            "rating": complaint.rating, "anonymous": complaint.anonymous, "confidential": complaint.confidential,
            "region": {"id": complaint.region_id, "name": complaint.region.name},
            "instansi": {"id": complaint.instansi_id, "name": complaint.instansi.name},
            "unit": {"id": complaint.unit_id, "name": complaint.unit.name} if complaint.unit else None,
            "created_at": complaint.created_at, "updated_at": complaint.updated_at,
            "closed_at": complaint.closed_at, "reporter": reporter,
            "open_tasks": [{"id": t.id, "name": t.name, "title": t.title, "role": t.role,
                            "assignee_id": t.assignee_id, "due_at": t.due_at,
                            "openable": task_visible_to(user, t)} for t in open_tasks],
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                            for a in self.attachments(session, complaint)],
            "timeline": self.timeline(session, complaint, public=False, hide_content=False),
        }

    def timeline(self, session: Session, complaint: Complaint, public: bool, hide_content: bool) -> list[dict]:
        stmt = select(AuditEvent).where(AuditEvent.complaint_id == complaint.id).order_by(AuditEvent.id)
        if public:
            stmt = stmt.where(AuditEvent.public.is_(True))
        events = list(session.scalars(stmt))
        names = _names(session, events)
        entries = []
        for event in events:
            data = _public_data(event, names, hide_content) if public else dict(event.data)
            entry = {"at": event.at, "action": event.action, "task": event.task_name, "data": data}
            if not public:
                entry.update(id=event.id, actor_kind=event.actor_kind, actor_id=event.actor_id,
                             actor=event.actor_label)
            else:
                entry["actor"] = {"citizen": "Pelapor", "system": "Sistem"}.get(event.actor_kind, "Petugas")
            entries.append(entry)
        return entries


# Fields of each task's form that the public timeline may show; free text only if not confidential.
PUBLIC_FIELDS = {
    "verify": {"action": False, "note": True, "unit_id": False, "target_instansi_id": False},
    "follow_up": {"follow_up_text": True},
    "reporter_response": {"satisfied": False, "rating": False, "comment": True},
    "reporter_info": {},
}


def _public_data(event: AuditEvent, names: dict[str, dict[int, str]], hide_content: bool) -> dict[str, Any]:
    if event.action != "task_completed":
        return {k: v for k, v in event.data.items() if k in ("from", "to", "type", "category", "outcome",
                                                               "step", "title", "channel")}
    allowed = PUBLIC_FIELDS.get(event.task_name or "", {})
    out: dict[str, Any] = {"title": event.data.get("title")}
    for key, is_text in allowed.items():
        value = event.data.get(key)
        if value is None or (is_text and hide_content):
            continue
        if key == "unit_id":
            out["unit"] = names["unit"].get(value)
        elif key == "target_instansi_id":
            out["target_instansi"] = names["instansi"].get(value)
        else:
            out[key] = value
    return out


def _names(session: Session, events: list[AuditEvent]) -> dict[str, dict[int, str]]:
    """Names of the units and instansi that verification answers refer to."""
    data = [e.data for e in events if e.action == "task_completed"]
    unit_ids = {d.get("unit_id") for d in data if isinstance(d.get("unit_id"), int)}
    inst_ids = {d.get("target_instansi_id") for d in data if isinstance(d.get("target_instansi_id"), int)}
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) if unit_ids else {}
    insts = dict(session.execute(select(Instansi.id, Instansi.name).where(Instansi.id.in_(inst_ids))).all()) \
        if inst_ids else {}
    return {"unit": units, "instansi": insts}

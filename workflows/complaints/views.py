"""What people see of a complaint: the public tracking view (anyone with the tracking ID; more for
the reporter with the secret token), the officer's detail view, and the timeline of each.

Which answers of a task the public timeline shows is the diagram's word, not this module's: a form
field marked ``public`` (``value``, or ``text`` for free text that a confidential report hides) is
shown; every other field stays with the officers.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.roles import PELAPOR
from ..accounts.scope import may_see_reporter, task_visible_to
from ..apikeys import channels
from ..audit import AuditEvent
from ..org.models import Instansi, Unit
from ..org.tree import region_and_children
from ..processes.registry import Registry
from ..tasks import queries as task_queries
from ..tasks.models import HumanTask
from .images import IMAGE_TYPES
from .models import Attachment, Complaint, ReporterContact

# Keys of the audit events other than task answers that the public timeline may show.
PUBLIC_EVENT_KEYS = ("from", "to", "type", "category", "outcome", "step", "title", "channel")
PUBLIC_ACTOR = {"citizen": "Pelapor", "system": "Sistem"}  # anyone else is "Petugas" (an officer)


def is_closed(complaint: Complaint) -> bool:
    """The complaint's process has ended (closed after a rating or no reply, or archived): the
    published status alone cannot tell "diselesaikan, waiting for the reporter" from "closed"."""
    return complaint.closed_at is not None


def public_view(session: Session, registry: Registry, complaint: Complaint, reporter: bool = False,
                form_of: Callable[[HumanTask], dict[str, Any] | None] | None = None,
                props_of: Callable[[HumanTask], dict[str, str]] | None = None) -> dict[str, Any]:
    """What anyone with the tracking ID may see, the same as the tracking page shows: never who
    reported (the reporter's identity is for the officers in scope, see :func:`officer_view`);
    a confidential complaint shows no content. With the reporter token, the reporter also sees
    their own report's content and what awaits them."""
    hide_content = complaint.confidential and not reporter
    view: dict[str, Any] = {
        "tracking_id": complaint.tracking_id,
        "type": complaint.type,
        "category": complaint.category,
        "status": complaint.status,
        "closed": is_closed(complaint),
        "instansi": complaint.instansi.name if complaint.instansi else None,  # None: waiting for triage
        "region": complaint.region.name,
        "timezone": complaint.region.timezone,
        "created_at": complaint.created_at,
        "closed_at": complaint.closed_at,
        "confidential": complaint.confidential,
        "anonymous": complaint.anonymous,
        "title": None if hide_content else complaint.title,
        "description": None if hide_content else complaint.description,
        "location": None if hide_content else complaint.location,
        "rating": complaint.rating,
        "timeline": timeline(session, registry, complaint, public=True, hide_content=hide_content),
        "awaiting_reply": None,
        "next_due": _next_due(session, complaint),
        # the report's own photos, shown (re-encoded without metadata) unless the report is confidential
        "photos": [] if hide_content else [
            {"id": a.id, "filename": a.filename} for a in attachments(session, complaint)
            if a.task_name is None and a.content_type in IMAGE_TYPES],
        "latitude": None if hide_content else complaint.latitude,
        "longitude": None if hide_content else complaint.longitude,
    }
    if reporter:
        waiting = task_queries.open_for_complaint(session, complaint.id, role=PELAPOR)
        if waiting:
            task = waiting[0]
            view["awaiting_reply"] = {"task": task.name, "title": task.title, "due_at": task.due_at,
                                      "form": form_of(task) if form_of is not None else None,
                                      "accepts_files": props_of is not None
                                      and props_of(task).get("accepts_files") == "true"}
    return view


def _next_due(session: Session, complaint: Complaint) -> dict[str, Any] | None:
    """The agency's next deadline, as the reporter should see it: the earliest open officer step."""
    if is_closed(complaint):
        return None
    due = [t for t in task_queries.open_for_complaint(session, complaint.id)
           if t.role != PELAPOR and t.due_at is not None and t.kind == "bpmn"]
    if not due:
        return None
    first = min(due, key=lambda t: t.due_at)
    return {"task": first.name, "title": first.title, "due_at": first.due_at}


def officer_view(session: Session, registry: Registry, complaint: Complaint, user: User) -> dict[str, Any]:
    contact = session.get(ReporterContact, complaint.id)
    reporter = None
    if contact is not None and may_see_reporter(user, complaint):
        reporter = {"name": contact.name, "email": contact.email, "phone": contact.phone}
    open_tasks = task_queries.open_for_complaint(session, complaint.id)
    return {
        "id": complaint.id, "tracking_id": complaint.tracking_id, "type": complaint.type,
        "category": complaint.category, "title": complaint.title, "description": complaint.description,
        "location": complaint.location, "status": complaint.status, "closed": is_closed(complaint),
        "tier": complaint.tier, "rating": complaint.rating, "anonymous": complaint.anonymous,
        "confidential": complaint.confidential,
        "region": {"id": complaint.region_id, "name": complaint.region.name},
        "instansi": {"id": complaint.instansi_id, "name": complaint.instansi.name} if complaint.instansi else None,
        "unit": {"id": complaint.unit_id, "name": complaint.unit.name} if complaint.unit else None,
        "created_at": complaint.created_at, "updated_at": complaint.updated_at,
        "closed_at": complaint.closed_at, "reporter": reporter,
        "open_tasks": [{"id": t.id, "name": t.name, "title": t.title, "role": t.role,
                        "assignee_id": t.assignee_id, "due_at": t.due_at,
                        "openable": task_visible_to(user, t)} for t in open_tasks],
        "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                         "task_name": a.task_name} for a in attachments(session, complaint)],
        "latitude": complaint.latitude, "longitude": complaint.longitude,
        "channel": {"code": complaint.channel, "name": channels.names(session, [complaint.channel]).get(complaint.channel)},
        "timeline": timeline(session, registry, complaint, public=False, hide_content=False),
    }


def attachments(session: Session, complaint: Complaint) -> list[Attachment]:
    """The complaint's files in the order they were attached (their bytes load when read)."""
    return list(session.scalars(select(Attachment).where(Attachment.complaint_id == complaint.id)
                                .order_by(Attachment.id)))


def timeline(session: Session, registry: Registry, complaint: Complaint, public: bool,
             hide_content: bool) -> list[dict]:
    stmt = select(AuditEvent).where(AuditEvent.complaint_id == complaint.id).order_by(AuditEvent.id)
    if public:
        stmt = stmt.where(AuditEvent.public.is_(True))
    events = list(session.scalars(stmt))
    shown = _public_fields(session, registry, complaint) if public else {}
    names = _names(session, events, shown) if public else _officer_names(session, events)
    arrived = [e.data.get("channel") for e in events if e.action == "submitted"]
    channel_names = channels.names(session, [c for c in arrived if isinstance(c, str)])
    entries = []
    for event in events:
        data = _public_data(event, shown, names, hide_content) if public else dict(event.data)
        entry = {"at": event.at, "action": event.action, "task": event.task_name, "data": data}
        code = event.data.get("channel") if event.action == "submitted" else None
        if isinstance(code, str):  # the channel it arrived through, in words on the pages
            entry["channel"] = {"code": code, "name": channel_names.get(code)}
        if not public:  # the audit trail keeps the data as recorded; ``display`` is how a page reads it
            entry.update(id=event.id, actor_kind=event.actor_kind, actor_id=event.actor_id,
                         actor=event.actor_label, display=_officer_data(event, names))
        else:
            entry["actor"] = PUBLIC_ACTOR.get(event.actor_kind, "Petugas")
        entries.append(entry)
    return entries


def _public_fields(session: Session, registry: Registry, complaint: Complaint) -> dict[str, dict[str, dict]]:
    """task name -> field id -> field, for the form fields the complaint's diagram marks public."""
    forms = registry.forms_of_complaint(session, complaint.id)
    return {task: {f["id"]: f for f in form.get("fields", []) if f.get("public")} for task, form in forms.items()}


def _public_data(event: AuditEvent, shown: dict[str, dict[str, dict]], names: dict[str, dict[int, str]],
                 hide_content: bool) -> dict[str, Any]:
    if event.action != "task_completed":
        return {k: v for k, v in event.data.items() if k in PUBLIC_EVENT_KEYS}
    out: dict[str, Any] = {"title": event.data.get("title")}
    if event.data.get("attachments") and not hide_content:  # photos with the answer (their ids)
        out["attachments"] = list(event.data["attachments"])
    for key, field in shown.get(event.task_name or "", {}).items():
        value = event.data.get(key)
        if value is None or (field["public"] == "text" and hide_content):
            continue
        ref = field.get("ref")
        if ref in names:  # a record's id: show its name, under the field's name without "_id"
            out[key.removesuffix("_id")] = names[ref].get(value)
        else:
            out[key] = value
    return out


OFFICER_REFS = {"unit_id": "unit", "target_instansi_id": "instansi"}  # answers naming a record, by field


def _officer_data(event: AuditEvent, names: dict[str, dict[int, str]]) -> dict[str, Any]:
    """An event's data for officers: empty answers left out, units and instansi by name (under the field's
    name without ``_id``)."""
    out: dict[str, Any] = {}
    for key, value in event.data.items():
        if value is None or value == "" or key == "attachments":  # (the files are listed with the complaint)
            continue
        ref = OFFICER_REFS.get(key) if event.action == "task_completed" else None
        if ref is not None and isinstance(value, int):
            out[key.removesuffix("_id")] = names[ref].get(value, value)
        else:
            out[key] = value
    return out


def _officer_names(session: Session, events: list[AuditEvent]) -> dict[str, dict[int, str]]:
    ids: dict[str, set[int]] = {"unit": set(), "instansi": set()}
    for event in events:
        if event.action == "task_completed":
            for key, ref in OFFICER_REFS.items():
                value = event.data.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    ids[ref].add(value)
    return _named(session, ids)


def _named(session: Session, ids: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids["unit"]))).all()) if ids["unit"] else {}
    insts = dict(session.execute(select(Instansi.id, Instansi.name).where(Instansi.id.in_(ids["instansi"]))).all()) \
        if ids["instansi"] else {}
    return {"unit": units, "instansi": insts}


def _names(session: Session, events: list[AuditEvent], shown: dict[str, dict[str, dict]]) -> dict[str, dict[int, str]]:
    """Names of the units and instansi that public answers refer to (fields with ``ref``)."""
    ids: dict[str, set[int]] = {"unit": set(), "instansi": set()}
    for event in events:
        if event.action != "task_completed":
            continue
        for key, field in shown.get(event.task_name or "", {}).items():
            value = event.data.get(key)
            if field.get("ref") in ids and isinstance(value, int) and not isinstance(value, bool):
                ids[field["ref"]].add(value)
    return _named(session, ids)


MAP_POINTS = 500


def map_points(session: Session, region_id: int | None) -> list[dict[str, Any]]:
    """The newest pinned reports that are not confidential, of one region (a province: with its regencies
    and cities) or all: what the public map shows (no reporter, no description)."""
    stmt = (select(Complaint.tracking_id, Complaint.title, Complaint.category, Complaint.status,
                   Complaint.latitude, Complaint.longitude)
            .where(Complaint.latitude.is_not(None), Complaint.longitude.is_not(None),
                   Complaint.confidential.is_(False))
            .order_by(Complaint.id.desc()).limit(MAP_POINTS))
    if region_id is not None:
        stmt = stmt.where(Complaint.region_id.in_(
            region_and_children(region_id)))
    return [{"tracking_id": t, "title": title, "category": c, "status": st, "lat": lat, "lng": lng}
            for t, title, c, st, lat, lng in session.execute(stmt)]

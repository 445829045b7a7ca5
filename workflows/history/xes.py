"""The audit trail as an XES event log (IEEE Std 1849-2016), for process-mining tools (pm4py, ProM,
Disco, Celonis): one trace per complaint, one event per audit-trail entry.

Written as a stream of text pieces (a batch of complaints at a time), so a year of a large province
is never one string in memory. The document follows the standard's XML Schema (no namespace, as in
its schema): the Concept, Time, Lifecycle and Organizational extensions, global defaults for every
key the classifiers name, then the traces.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from xml.sax.saxutils import quoteattr

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session, sessionmaker

from ..accounts.models import User
from ..accounts.roles import ADMIN_KOORDINATOR, PELAPOR
from ..accounts.scope import scope_filter
from ..audit import AuditEvent
from ..complaints.models import Complaint
from ..errors import Invalid, NotFound
from ..org.models import Instansi, Region
from ..org.tree import region_and_children
from ..tasks.models import HumanTask

BATCH = 500  # complaints per read
EXTENSIONS = (("Concept", "concept"), ("Time", "time"), ("Lifecycle", "lifecycle"), ("Organizational", "org"))
CLASSIFIERS = (("Activity", "concept:name"), ("Activity_Transition", "concept:name lifecycle:transition"),
               ("Resource", "org:resource"))
# Activities that are not a step of the diagram, in the pages' language (the diagram's names are Indonesian too)
ACTIVITY = {"submitted": "Pengaduan diterima", "status_changed": "Status: {to}", "sla_reminder": "Pengingat batas waktu",
            "sla_paused": "Batas waktu dijeda", "escalated": "Eskalasi ke {to_role}", "reply_code_renewed": "Kode balasan baru",
            "process_migrated": "Pindah versi SOP", "process_migration_reverted": "Pindah versi SOP dibatalkan"}
TRANSITION = {"task_claimed": "start", "task_unclaimed": "suspend", "task_delegated": "reassign",
              "task_handed_over": "reassign", "escalated": "assign"}
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class ExportQuery:
    received_from: date | None = None
    received_to: date | None = None
    region: str | None = None  # a region code: that region and, for a province, its regencies


@dataclass
class Counts:
    traces: int = 0
    events: int = 0


def check(session: Session, query: ExportQuery) -> int | None:
    """The region's id (None: all); refuses a period that ends before it starts and an unknown region."""
    if query.received_from and query.received_to and query.received_to < query.received_from:
        raise Invalid({"to": [("before_start", {})]})
    if not query.region:
        return None
    region_id = session.scalar(select(Region.id).where(Region.code == query.region))
    if region_id is None:
        raise NotFound(f"no region with code {query.region!r}")
    return region_id


def _in_scope(user: User | None) -> ColumnElement[bool] | None:
    """An officer's complaints (as the complaint search reads them); None: everything (the operator's CLI)."""
    if user is None:
        return None
    if user.role == ADMIN_KOORDINATOR:
        if user.region_id is None:
            return false()
        province = region_and_children(user.region_id)
        return Complaint.region_id.in_(province)
    return scope_filter(user, Complaint.region_id, Complaint.instansi_id, Complaint.unit_id)


def _conditions(user: User | None, query: ExportQuery, region_id: int | None) -> list[ColumnElement[bool]]:
    conditions = []
    scope = _in_scope(user)
    if scope is not None:
        conditions.append(scope)
    if query.received_from:
        conditions.append(Complaint.received_on >= query.received_from)
    if query.received_to:
        conditions.append(Complaint.received_on <= query.received_to)
    if region_id is not None:
        within = region_and_children(region_id)
        conditions.append(Complaint.region_id.in_(within))
    return conditions


def stream(sessions: sessionmaker[Session], user: User | None, query: ExportQuery, now: datetime,
           counts: Counts | None = None) -> Iterator[str]:
    """The XES document in pieces. Check the query first (:func:`check`): this runs when the first piece
    is asked for, after the response has begun."""
    counts = counts if counts is not None else Counts()
    with sessions() as db:
        region_id = check(db, query)
        regions = {r.id: (r.code, r.name) for r in db.scalars(select(Region))}
        instansi = {i.id: (i.code, i.name) for i in db.scalars(select(Instansi))}
    yield _header(now)
    conditions = _conditions(user, query, region_id)
    last = 0
    while True:
        with sessions() as db:
            complaints = list(db.scalars(select(Complaint).where(Complaint.id > last, *conditions)
                                         .order_by(Complaint.id).limit(BATCH)))
            if not complaints:
                break
            ids = [c.id for c in complaints]
            last = ids[-1]
            events: dict[int, list[AuditEvent]] = {i: [] for i in ids}
            for event in db.scalars(select(AuditEvent).where(AuditEvent.complaint_id.in_(ids))
                                    .order_by(AuditEvent.complaint_id, AuditEvent.id)):
                events[event.complaint_id].append(event)
            tasks = {(cid, name): (title, role) for cid, name, title, role in db.execute(
                select(HumanTask.complaint_id, HumanTask.name, HumanTask.title, HumanTask.role)
                .where(HumanTask.complaint_id.in_(ids), HumanTask.kind == "bpmn"))}
        pieces = []
        for complaint in complaints:
            pieces.append(_trace(complaint, events[complaint.id], tasks, regions, instansi))
            counts.traces += 1
            counts.events += len(events[complaint.id])
        yield "".join(pieces)
    yield "</log>\n"


def _attr(kind: str, key: str, value: str) -> str:
    return f"<{kind} key={quoteattr(key)} value={quoteattr(_NOT_XML.sub('', value))}/>"


def _moment(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _header(now: datetime) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             "<!-- Aduan audit trail as an XES event log (IEEE Std 1849-2016) -->",
             '<log xes.version="1849.2016" xes.features="">']
    for name, prefix in EXTENSIONS:
        lines.append(f'  <extension name="{name}" prefix="{prefix}" uri="http://www.xes-standard.org/{prefix}.xesext"/>')
    lines.append('  <global scope="trace">' + _attr("string", "concept:name", "UNKNOWN") + "</global>")
    lines.append('  <global scope="event">' + _attr("string", "concept:name", "UNKNOWN")
                 + _attr("string", "lifecycle:transition", "complete") + _attr("string", "org:resource", "UNKNOWN")
                 + _attr("date", "time:timestamp", "1970-01-01T00:00:00.000+00:00") + "</global>")
    for name, keys in CLASSIFIERS:
        lines.append(f'  <classifier name="{name}" keys="{keys}"/>')
    lines.append("  " + _attr("string", "concept:name", "Aduan: jejak audit pengaduan"))
    lines.append("  " + _attr("string", "lifecycle:model", "standard"))
    lines.append("  " + _attr("date", "exported_at", _moment(now)))
    return "\n".join(lines) + "\n"


def _trace(complaint: Complaint, events: list[AuditEvent], tasks: dict, regions: dict, instansi: dict) -> str:
    region_code, region_name = regions.get(complaint.region_id, ("", ""))
    inst_code, inst_name = instansi.get(complaint.instansi_id, ("", "")) if complaint.instansi_id else ("", "")
    parts = ["  <trace>", _attr("string", "concept:name", complaint.tracking_id),
             _attr("string", "region", region_code), _attr("string", "region_name", region_name),
             _attr("string", "instansi", inst_code), _attr("string", "instansi_name", inst_name),
             _attr("string", "category", complaint.category), _attr("string", "type", complaint.type),
             _attr("string", "channel", complaint.channel), _attr("string", "status", complaint.status),
             _attr("date", "received", _moment(complaint.created_at))]
    for event in events:
        title, role = tasks.get((complaint.id, event.task_name), (None, None)) if event.task_name else (None, None)
        data = event.data or {}
        if event.action in ACTIVITY:
            try:
                activity = ACTIVITY[event.action].format(**{k: v for k, v in data.items() if isinstance(k, str)})
            except (KeyError, IndexError, ValueError):
                activity = ACTIVITY[event.action].split(":")[0]
        else:
            activity = str(data.get("title") or title or event.task_name or event.action)
        if event.actor_kind == "citizen":
            role = PELAPOR
        elif event.actor_kind == "system":
            role = "system"
        parts.append("<event>" + _attr("string", "concept:name", activity)
                     + _attr("string", "lifecycle:transition", TRANSITION.get(event.action, "complete"))
                     + _attr("date", "time:timestamp", _moment(event.at))
                     + _attr("string", "org:resource", event.actor_label or event.actor_kind)
                     + (_attr("string", "org:role", role) if role else "")
                     + _attr("string", "action", event.action)
                     + (_attr("string", "task", event.task_name) if event.task_name else "") + "</event>")
    parts.append("</trace>\n")
    return "".join(parts)

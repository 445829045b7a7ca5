"""Writing checked records as the history the live system would have left: the complaint with its
monev milestones, a finished process instance, the completed tasks with their due moments by the
region's rules, the audit trail the forms would have written, and the missed limits.

Each record is first played through in memory (:func:`plan`), then the rows of many records go in
with one bulk statement per table.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.runtime import LoadedSpec

from ..accounts.roles import OFFICER_ROLES, task_role
from ..audit import AuditEvent
from ..complaints import statuses
from ..complaints.models import Complaint, ReporterContact
from ..complaints.service import new_tracking_id
from ..monev import rollup
from ..processes.models import ProcessInstance
from ..processes.registry import Registry
from ..sla import timing
from ..sla.escalations import ESCALATION
from ..sla.models import SlaBreach
from ..sla.policy import FOLLOW_UP, REPORTER_REPLY, VERIFY, SlaPolicy
from ..tasks.models import HumanTask
from . import importer
from .importer import ARCHIVED, AUTO_CLOSED, CLOSED, Lookups, Record
from .models import ImportedComplaint
from .templates import finished_states

CHUNK = 500  # records per bulk statement
SLA_STEP = {importer.VERIFY: VERIFY, importer.FOLLOW_UP: FOLLOW_UP, importer.REPORTER_RESPONSE: REPORTER_REPLY}
ROLE_LABEL = {"admin_instansi": "Admin Instansi", "admin_koordinator": "Admin Koordinator",
              "admin_nasional": "Admin Nasional", "pejabat_penghubung": "Pejabat Penghubung", "pelapor": "Pelapor"}
DECIDED = (statuses.DIDISPOSISI, statuses.DALAM_PROSES, statuses.DIARSIPKAN)
DISPATCHED = (statuses.DIDISPOSISI, statuses.DALAM_PROSES)


@dataclass(frozen=True)
class Diagram:
    """What the live SOP says about its steps: title and role of each task, end events, escalations."""
    titles: dict[str, str]
    roles: dict[str, str]
    ends: dict[str, tuple[str, str]]         # outcome -> (end event name, title)
    escalations: dict[str, tuple[str, str]]  # sla step -> (escalation task name, title)

    @classmethod
    def of(cls, loaded: LoadedSpec) -> Diagram:
        titles, roles, ends, escalations = {}, {}, {}, {}
        for name, spec in loaded.spec.task_specs.items():
            ext = dict(getattr(spec, "extensions", {}) or {})
            title = getattr(spec, "bpmn_name", None) or name
            if getattr(spec, "manual", False):
                groups = tuple(g.strip() for g in ext.get("candidateGroups", "").split(",") if g.strip())
                titles[name] = title
                roles[name] = task_role(groups, getattr(spec, "lane", None)) or "unassigned"
            if spec.__class__.__name__ == "EndEvent" and ext.get("outcome"):
                ends[ext["outcome"]] = (name, title)
            if ext.get("audit") == "sla_breach" and ext.get("sla_step"):
                step = ext["sla_step"]
                if step not in escalations or name == f"{step}_escalation":
                    escalations[step] = (name, title)
        missing = [s for s in importer.STEPS if s not in titles]
        if missing:
            raise ValueError(f"the live SOP has no step {', '.join(missing)}: history cannot be imported onto it")
        return cls(titles, roles, ends, escalations)


@dataclass
class Plan:
    record: Record
    complaint: dict[str, Any]
    tasks: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (task index, row)
    escalations: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (late task's index, row)
    events: list[dict[str, Any]] = field(default_factory=list)


def plan(record: Record, policy: SlaPolicy, diagram: Diagram, province_id: int) -> Plan:
    """Play one record through: the rows it leaves, without ids."""
    cal = policy.calendar(record.region_id)
    received = record.received_at
    c: dict[str, Any] = {
        "type": record.type, "category": record.category, "title": record.title,
        "description": record.description, "location": record.location, "channel": record.channel,
        "region_id": record.region_id, "instansi_id": record.instansi_id, "unit_id": None,
        "status": statuses.BELUM_DIPROSES, "anonymous": record.reporter_name is None, "confidential": False,
        "tier": None, "rating": None, "created_at": received, "received_on": received.astimezone(cal.zone).date(),
        "verified_at": None, "verify_seconds": None, "verify_late": None, "dispatched_at": None,
        "followed_up_at": None, "follow_up_seconds": None, "follow_up_late": None, "reopened": 0}
    p = Plan(record, c)
    seq = [0]

    def event(kind: str, label: str, action: str, at: datetime, task_name: str | None = None,
              data: dict[str, Any] | None = None, public: bool = False) -> None:
        seq[0] += 1
        p.events.append({"actor_kind": kind, "actor_id": None, "actor_label": label, "action": action, "at": at,
                         "task_name": task_name, "data": data or {}, "public": public, "_seq": seq[0]})

    def breached(step: str) -> bool:
        return any(row["step"] == step for _i, row in p.breaches)

    def set_status(new: str, at: datetime, kind: str, label: str) -> None:
        old = c["status"]
        if new == old:
            return
        event(kind, label, "status_changed", at, data={"from": old, "to": new}, public=True)
        if c["verified_at"] is None and new in DECIDED:
            c["verified_at"] = at
            c["verify_seconds"] = cal.working_seconds_between(received, at)
            c["verify_late"] = breached(VERIFY)
        if c["dispatched_at"] is None and new in DISPATCHED:
            c["dispatched_at"] = at
        if new == statuses.DISELESAIKAN and c["dispatched_at"] is not None and c["followed_up_at"] is None:
            c["followed_up_at"] = at
            c["follow_up_seconds"] = cal.working_seconds_between(c["dispatched_at"], at)
            c["follow_up_late"] = breached(FOLLOW_UP)
        if old == statuses.DISELESAIKAN and new in DISPATCHED:
            c["reopened"] += 1
        c["status"] = new

    def ended(outcome: str, at: datetime) -> None:
        name, title = diagram.ends.get(outcome, (f"end_{outcome}", outcome))
        event("system", "Sistem", "process_ended", at, task_name=name, data={"outcome": outcome, "title": title},
              public=True)

    event("citizen", "Pelapor", "submitted", received,
          data={"type": record.type, "category": record.category, "channel": record.channel}, public=True)
    created, remaining, closed_at = received, None, None
    for step in record.steps:
        name, role, title = step.name, diagram.roles[step.name], diagram.titles[step.name]
        officer = role in OFFICER_ROLES
        kind = "officer" if officer else "citizen"
        label = step.by or ROLE_LABEL.get(role, role)
        on = created.astimezone(cal.zone).date()
        if name == importer.VERIFY and remaining:
            due = cal.add_working_seconds(created, remaining)
        elif name in SLA_STEP:
            due = cal.due(created, policy.limit(record.region_id, SLA_STEP[name], c["tier"], on=on))
        else:
            due = None
        task = {"kind": "bpmn", "spiff_task_id": f"import:{len(p.tasks) + 1}", "name": name, "title": title,
                "role": role, "region_id": province_id, "instansi_id": c["instansi_id"], "unit_id": c["unit_id"],
                "state": "completed", "created_at": created, "due_at": due, "claimed_at": step.started,
                "completed_at": step.done}
        p.tasks.append(task)
        index = len(p.tasks) - 1
        if step.started is not None and officer:
            event(kind, label, "task_claimed", step.started, task_name=name)
            if name == importer.FOLLOW_UP:
                set_status(statuses.DALAM_PROSES, step.started, kind, label)
        if officer and due is not None and step.done is not None and step.done > due:
            p.breaches.append((index, {"step": SLA_STEP[name], "instansi_id": task["instansi_id"],
                                       "unit_id": task["unit_id"], "due_at": due, "breached_at": due}))
            esc_name, esc_title = diagram.escalations.get(SLA_STEP[name], (f"{name}_escalation", title))
            event("system", "Sistem", "sla_breach", due, task_name=esc_name,
                  data={"step": SLA_STEP[name], "title": esc_title}, public=True)
            # the chain's rungs the sweep would have called in until the task was done (resolved then)
            for level, (rung, called, rung_due) in enumerate(
                    timing.rungs(cal, policy.chain(record.region_id), role, due, step.done), start=1):
                p.escalations.append((index, {
                    "kind": ESCALATION, "spiff_task_id": f"import:{index + 1}:esc:{level}", "name": ESCALATION,
                    "title": f"Eskalasi: {title}", "role": rung, "region_id": province_id,
                    "instansi_id": task["instansi_id"], "unit_id": task["unit_id"], "state": "resolved",
                    "created_at": called, "due_at": rung_due, "claimed_at": None, "completed_at": step.done}))
                event("system", "Sistem", "escalated", called, task_name=name,
                      data={"level": level, "to_role": rung, "step": name}, public=True)
        if step.done is None:  # the reporter never answered: closed when the limit passed
            closed_at = record.closed_at or due
            task["state"], task["completed_at"] = "cancelled", closed_at
            ended(AUTO_CLOSED, closed_at)
            break
        done = step.done
        event(kind, label, "task_completed", done, task_name=name, data={"title": title, **step.answer}, public=True)
        if name == importer.VERIFY:
            action = step.answer["action"]
            if action == "dispatch":
                c["unit_id"], c["tier"] = step.answer.get("unit_id"), step.answer.get("tier")
                remaining = None
                set_status(statuses.DIDISPOSISI, done, kind, label)
            elif action == "archive":
                ended(ARCHIVED, done)
                set_status(statuses.DIARSIPKAN, done, kind, label)
                closed_at = done
            else:  # defer: the verification clock stops, keeping the working time left
                remaining = max(1, cal.working_seconds_between(done, due)) if due is not None else None
                event(kind, label, "sla_paused", done, task_name=name,
                      data={"step": VERIFY, "remaining_seconds": remaining})
                set_status(statuses.DIPENDING, done, kind, label)
        elif name == importer.REPORTER_INFO:
            set_status(statuses.BELUM_DIPROSES, done, kind, label)
        elif name == importer.FOLLOW_UP:
            set_status(statuses.DISELESAIKAN, done, kind, label)
        elif step.answer.get("satisfied"):
            c["rating"] = step.answer.get("rating")
            ended(CLOSED, done)
            closed_at = done
        else:
            set_status(statuses.DIDISPOSISI, done, kind, label)
        created = done
    if record.closed_at is not None and record.outcome != AUTO_CLOSED:
        closed_at = record.closed_at
    c["closed_at"] = closed_at
    c["updated_at"] = closed_at
    p.events.sort(key=lambda e: (e["at"], e["_seq"]))
    for e in p.events:
        del e["_seq"]
    return p


def write(session: Session, registry: Registry, policy: SlaPolicy, lookups: Lookups, records: list[Record],
          now: datetime, source: str = "", progress: Callable[[int], None] | None = None) -> list[str]:
    """Write the records in bulk; returns their new tracking IDs (in the records' order)."""
    if not records:
        return []
    diagram = Diagram.of(lookups.loaded)
    definition_id = lookups.definition.id
    states = finished_states(lookups.loaded, policy, None)
    provinces = lookups.provinces
    tracking: list[str] = []
    stale: set[tuple[Any, int]] = set()
    for start in range(0, len(records), CHUNK):
        chunk = records[start:start + CHUNK]
        plans = [plan(r, policy, diagram, provinces.get(r.region_id, r.region_id)) for r in chunk]
        ids = _tracking_ids(session, len(plans))
        for p, tid in zip(plans, ids):
            p.complaint["tracking_id"] = tid
        complaint_ids = list(session.scalars(insert(Complaint).returning(Complaint.id, sort_by_parameter_order=True),
                                             [p.complaint for p in plans]))
        session.execute(insert(ReporterContact), [
            {"complaint_id": cid, "name": p.record.reporter_name, "email": None, "phone": None,
             "token_hash": hashlib.sha256(secrets.token_bytes(32)).hexdigest(), "language": "id"}
            for p, cid in zip(plans, complaint_ids)])
        session.execute(insert(ImportedComplaint), [
            {"external_id": p.record.external_id, "complaint_id": cid, "source": source[:200], "imported_at": now}
            for p, cid in zip(plans, complaint_ids)])
        instance_ids = list(session.scalars(
            insert(ProcessInstance).returning(ProcessInstance.id, sort_by_parameter_order=True), [
                {"complaint_id": cid, "definition_id": definition_id, "state": states[p.record.outcome],
                 "completed": True, "created_at": p.record.received_at, "updated_at": p.complaint["closed_at"]}
                for p, cid in zip(plans, complaint_ids)]))
        task_rows = [{**t, "instance_id": iid, "complaint_id": cid}
                     for p, cid, iid in zip(plans, complaint_ids, instance_ids) for t in p.tasks]
        task_ids = list(session.scalars(insert(HumanTask).returning(HumanTask.id, sort_by_parameter_order=True),
                                        task_rows))
        breach_rows, event_rows, offset = [], [], 0
        for p, cid in zip(plans, complaint_ids):
            breach_rows.extend({**row, "complaint_id": cid, "human_task_id": task_ids[offset + i]}
                               for i, row in p.breaches)
            event_rows.extend({**e, "complaint_id": cid} for e in p.events)
            offset += len(p.tasks)
            stale.add((p.complaint["received_on"], p.complaint["instansi_id"]))
        if breach_rows:
            session.execute(insert(SlaBreach), breach_rows)
        escalation_rows, offset = [], 0
        for p, cid, iid in zip(plans, complaint_ids, instance_ids):
            escalation_rows.extend({**row, "instance_id": iid, "complaint_id": cid,
                                    "source_task_id": task_ids[offset + i]} for i, row in p.escalations)
            offset += len(p.tasks)
        if escalation_rows:
            session.execute(insert(HumanTask), escalation_rows)
        session.execute(insert(AuditEvent), event_rows)
        tracking.extend(ids)
        if progress is not None:
            progress(len(chunk))
    for day, instansi_id in sorted(stale):
        rollup.mark_stale(session, day, instansi_id, now)
    return tracking


def _tracking_ids(session: Session, count: int) -> list[str]:
    ids: list[str] = []
    while len(ids) < count:
        fresh = {new_tracking_id() for _ in range(count - len(ids))} - set(ids)
        taken = set(session.scalars(select(Complaint.tracking_id).where(Complaint.tracking_id.in_(fresh))))
        ids.extend(sorted(fresh - taken))
    return ids

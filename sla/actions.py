"""What the sweep does with a due deadline: fire a timer, remind, escalate one level further.

A missed officer step (verify, follow-up) is recorded as a breach and escalates up the region's
chain (e.g. unit -> Admin Instansi -> Admin Koordinator -> Admin Nasional): each level gets an
escalation task in its task list and a notification; if the late task is still open when that level's
time is up, the next level is called in. Finishing the late task ends its escalations.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from workflows import audit, roles
from workflows.models import Complaint, Deadline, HumanTask, Notification, ProcessInstance, SlaBreach
from workflows.service import Aduan

BREACHING_STEPS = ("verify", "follow_up")
log = logging.getLogger(__name__)


def act(services: Aduan, db: Session, row: Deadline, now: datetime) -> bool:
    """Handle one due row inside the caller's transaction. Returns True when the row is done."""
    complaint = db.get(Complaint, row.complaint_id)
    if row.kind == "timer":
        return _fire_timer(services, db, row, complaint, now)
    if row.kind == "reminder":
        _remind(db, row, complaint, now)
        return True
    if row.kind == "escalate":
        _escalate(services, db, row, complaint, now)
        return True
    raise ValueError(f"unknown deadline kind {row.kind!r}")


def _fire_timer(services: Aduan, db: Session, row: Deadline, complaint: Complaint, now: datetime) -> bool:
    instance = db.get(ProcessInstance, row.instance_id)
    late = db.get(HumanTask, row.human_task_id) if row.human_task_id else None
    # The save marks the row fired (state and time in one write) when the engine's timer is gone.
    services.progress.fire_timers(db, complaint, instance, firing=row, fired_at=now)
    if row.state == "pending":
        # The engine's timer is still waiting (it is not due by the engine's reading): leave it to the
        # engine, record the disagreement instead of looping on it.
        log.warning("timer deadline %s was due but the engine did not fire it", row.key)
        row.state = "failed"
        return True
    row.state = "fired"
    if row.step in BREACHING_STEPS and late is not None and late.state == "open":
        db.add(SlaBreach(complaint_id=complaint.id, human_task_id=late.id, step=row.step,
                         instansi_id=late.instansi_id, unit_id=late.unit_id, due_at=row.due_at, breached_at=now))
        _notify(db, complaint, "breach", late, {"step": row.step, "task": late.title,
                                                "due_at": row.due_at.isoformat()}, now)
        _escalate_to(services, db, complaint, late, level=1, now=now)
    return True


def _remind(db: Session, row: Deadline, complaint: Complaint, now: datetime) -> None:
    task = db.get(HumanTask, row.human_task_id) if row.human_task_id else None
    if task is None or task.state != "open":
        return
    _notify(db, complaint, "reminder", task, {"step": row.step, "task": task.title,
                                              "due_at": task.due_at.isoformat() if task.due_at else None}, now)
    audit.record(db, complaint.id, audit.SYSTEM, "sla_reminder", now, task_name=task.name,
                 data={"step": row.step, "due_at": task.due_at.isoformat() if task.due_at else None})


def _escalate(services: Aduan, db: Session, row: Deadline, complaint: Complaint, now: datetime) -> None:
    late = db.get(HumanTask, row.human_task_id) if row.human_task_id else None
    if late is None or late.state != "open":
        return
    _escalate_to(services, db, complaint, late, level=row.level or 1, now=now)


def _escalate_to(services: Aduan, db: Session, complaint: Complaint, late: HumanTask, level: int,
                 now: datetime) -> None:
    """Call in the ``level``-th rung above the late task's role, and schedule the next rung."""
    chain = services.policy.chain(complaint.region_id)
    roles_in_chain = [role for role, _after in chain]
    start = roles_in_chain.index(late.role) + 1 if late.role in roles_in_chain else 0
    position = start + level - 1
    if position >= len(chain):
        return  # top of the chain: nobody further up inside the system (the Ombudsman is outside)
    role, after = chain[position]
    province = complaint.region.province_id()
    task = HumanTask(instance_id=late.instance_id, complaint_id=complaint.id,
                     spiff_task_id=f"esc:{late.id}:{level}", kind="escalation", source_task_id=late.id,
                     name="escalation", title=f"Eskalasi: {late.title}", role=role,
                     instansi_id=late.instansi_id, unit_id=late.unit_id, region_id=province,
                     created_at=now, due_at=services.policy.calendar(complaint.region_id).due(now, after))
    db.add(task)
    db.flush()
    _notify(db, complaint, "escalation", task, {"level": level, "late_task": late.title,
                                                "late_role": late.role}, now)
    audit.record(db, complaint.id, audit.SYSTEM, "escalated", now, task_name=late.name,
                 data={"level": level, "to_role": role, "step": late.name}, public=True)
    db.add(Deadline(instance_id=late.instance_id, complaint_id=complaint.id, human_task_id=late.id,
                    key=f"escalate:{late.id}:{level + 1}", kind="escalate", step=late.name, level=level + 1,
                    due_at=task.due_at, created_at=now))


def _notify(db: Session, complaint: Complaint, kind: str, task: HumanTask, data: dict, now: datetime) -> None:
    """To the officer holding the task, else to everyone of the task's role in its scope."""
    scope = {"role": task.role, "instansi_id": task.instansi_id, "unit_id": task.unit_id, "region_id": task.region_id}
    if task.role == roles.ADMIN_KOORDINATOR:
        scope.update(instansi_id=None, unit_id=None)
    elif task.role == roles.ADMIN_NASIONAL:
        scope.update(instansi_id=None, unit_id=None, region_id=None)
    db.add(Notification(complaint_id=complaint.id, kind=kind, user_id=task.assignee_id, created_at=now,
                        data={**data, "tracking_id": complaint.tracking_id}, **scope))

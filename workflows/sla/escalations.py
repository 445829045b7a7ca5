"""The escalation chain applied: where a missed limit on an officer's step goes, level by level.

A breach calls in the first rung of the region's chain above the late task's role (e.g. unit ->
Admin Instansi -> Admin Koordinator -> Admin Nasional): that level gets an escalation task in its
task list and a notification, and a deadline for the next rung. If the late task is still open when
that level's time is up, the next level is called in (:mod:`workflows.sla.due`). The officer called
in acknowledges the escalation with what they did (:func:`acknowledge`); finishing the late task
ends its escalations (:func:`end`). This module is the one writer of escalation tasks.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.forms import FormInvalid, validate

from .. import audit
from ..complaints.models import Complaint
from ..errors import Conflict, Invalid
from ..notifications import inbox
from ..tasks.models import HumanTask
from ..tasks.projection import OPEN, update_row
from . import deadlines
from .models import Deadline, SlaBreach
from .policy import SlaPolicy

ESCALATION = "escalation"  # HumanTask.kind of the tasks this module creates

# Escalation tasks live outside the diagram: the officer called in records what they did about it.
ESCALATION_FORM = {"key": "escalation", "fields": [
    {"id": "note", "label": "Tindakan pembinaan", "type": "string", "default": None, "required": True,
     "maxlength": 2000}]}


def breach(session: Session, policy: SlaPolicy, complaint: Complaint, late: HumanTask, row: Deadline,
           now: datetime) -> None:
    """The limit of an open officer's task passed: record it, tell the task's holders, escalate."""
    session.add(SlaBreach(complaint_id=complaint.id, human_task_id=late.id, step=row.step,
                          instansi_id=late.instansi_id, unit_id=late.unit_id, due_at=row.due_at, breached_at=now))
    inbox.notify_task_holders(session, complaint, "breach", late,
                              {"step": row.step, "task": late.title, "due_at": row.due_at.isoformat()}, now)
    escalate(session, policy, complaint, late, level=1, now=now)


def escalate(session: Session, policy: SlaPolicy, complaint: Complaint, late: HumanTask, level: int,
             now: datetime) -> HumanTask | None:
    """Call in the ``level``-th rung above the late task's role, and schedule the next rung.
    None: the chain ends below that rung (the Ombudsman, outside the system, is next)."""
    chain = policy.chain(complaint.region_id)
    roles_in_chain = [role for role, _after in chain]
    start = roles_in_chain.index(late.role) + 1 if late.role in roles_in_chain else 0
    position = start + level - 1
    if position >= len(chain):
        return None
    role, after = chain[position]
    task = HumanTask(instance_id=late.instance_id, complaint_id=complaint.id,
                     spiff_task_id=f"esc:{late.id}:{level}", kind=ESCALATION, source_task_id=late.id,
                     name=ESCALATION, title=f"Eskalasi: {late.title}", role=role,
                     instansi_id=late.instansi_id, unit_id=late.unit_id, region_id=complaint.region.province_id(),
                     created_at=now, due_at=policy.calendar(complaint.region_id).due(now, after))
    session.add(task)
    session.flush()
    inbox.notify_task_holders(session, complaint, "escalation", task,
                              {"level": level, "late_task": late.title, "late_role": late.role}, now)
    audit.record(session, complaint.id, audit.SYSTEM, "escalated", now, task_name=late.name,
                 data={"level": level, "to_role": role, "step": late.name}, public=True)
    deadlines.add_escalation(session, late, level + 1, task.due_at, now)
    return task


def acknowledge(session: Session, task: HumanTask, data: Any, actor: audit.Actor, now: datetime) -> HumanTask:
    """The officer called in records what they did; the escalation task is done."""
    try:
        cleaned = validate(ESCALATION_FORM, data)
    except FormInvalid as exc:
        raise Invalid.from_form(exc) from exc
    if not update_row(session, task, update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == OPEN)
                      .values(state="completed", completed_at=now, completed_by_id=actor.user.id,
                              assignee_id=task.assignee_id or actor.user.id,
                              lock_version=HumanTask.lock_version + 1)):
        raise Conflict("task changed just now; reload and try again")
    audit.record(session, task.complaint_id, actor, "escalation_handled", now, task_name=task.name,
                 data={"title": task.title, **cleaned})
    return task


def end(session: Session, instance_id: int, now: datetime) -> None:
    """A late task is done: its escalation tasks and pending escalation deadlines end with it."""
    closed = select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.kind == "bpmn",
                                        HumanTask.state != OPEN).scalar_subquery()
    session.execute(update(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.kind == ESCALATION, HumanTask.state == OPEN,
        HumanTask.source_task_id.in_(closed))
        .values(state="resolved", completed_at=now, lock_version=HumanTask.lock_version + 1)
        .execution_options(synchronize_session=False))
    deadlines.cancel_escalations(session, instance_id, closed)

"""The deadline table: what the SLA sweep must act on, kept in step with each instance.

After every change to an instance its waiting timers become ``timer`` rows (due when the BPMN timer
is due) and, for officers' steps, ``reminder`` rows at a share of the limit in working time. Rows of
timers that are gone are cancelled. When a late task is finally done, its escalations end too.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.runtime import PendingTimer

from .models import Complaint, Deadline, HumanTask, ProcessInstance
from .policy import SlaPolicy

REMINDED_STEPS = ("verify", "follow_up")


def sync(session: Session, policy: SlaPolicy, complaint: Complaint, instance: ProcessInstance,
         timers: list[PendingTimer], tasks_by_spiff_id: dict[str, HumanTask], now: datetime,
         new: bool = False, firing: Deadline | None = None, fired_at: datetime | None = None) -> bool:
    """Bring the instance's timer and reminder rows in step with its waiting timers. ``new``: the
    instance has no rows yet. ``firing``: the timer row being fired now is marked ``fired`` instead
    of ``cancelled`` (at ``fired_at``) when its timer is gone, so it is written once. Returns whether the instance has a pending
    escalation deadline (read in the same query), so ending escalations can be skipped if not."""
    wanted: dict[str, tuple[str, PendingTimer]] = {}
    for timer in timers:
        wanted[f"timer:{timer.id}"] = ("timer", timer)
        if timer.properties.get("sla_step") in REMINDED_STEPS:
            wanted[f"reminder:{timer.id}"] = ("reminder", timer)
    rows: dict[str, Deadline] = {}
    escalate_pending = False
    if not new:
        for d in session.scalars(select(Deadline).where(Deadline.instance_id == instance.id)):
            if d.kind in ("timer", "reminder"):
                rows[d.key] = d
            elif d.kind == "escalate" and d.state == "pending":
                escalate_pending = True
    for key, row in rows.items():
        if key not in wanted and row.state == "pending":
            if row is firing:
                row.state, row.fired_at = "fired", fired_at or now
            else:
                row.state = "cancelled"
    for key, (kind, timer) in wanted.items():
        row = rows.get(key)
        task = tasks_by_spiff_id.get(timer.attached_task_id or "")
        due = timer.due_at if kind == "timer" else _reminder_at(policy, complaint, now, timer.due_at)
        if row is None:
            session.add(Deadline(instance_id=instance.id, complaint_id=complaint.id, key=key, kind=kind,
                                 step=timer.properties.get("sla_step"), due_at=due, created_at=now,
                                 human_task_id=task.id if task is not None and task.id else None))
        elif row.state == "pending" and kind == "timer" and row.due_at != due:
            row.due_at = due
    return escalate_pending


def _reminder_at(policy: SlaPolicy, complaint: Complaint, start: datetime, due: datetime) -> datetime:
    calendar = policy.calendar(complaint.region_id)
    budget = calendar.working_seconds_between(start, due)
    if budget <= 0:
        return due
    return calendar.add_working_seconds(start, int(budget * policy.reminder_share))


def end_escalations(session: Session, instance_id: int, now: datetime) -> None:
    """A late task is done: its escalation tasks and pending escalation deadlines end with it."""
    closed = select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.kind == "bpmn",
                                        HumanTask.state != "open").scalar_subquery()
    session.execute(update(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.kind == "escalation", HumanTask.state == "open",
        HumanTask.source_task_id.in_(closed))
        .values(state="resolved", completed_at=now, lock_version=HumanTask.lock_version + 1)
        .execution_options(synchronize_session=False))
    session.execute(update(Deadline).where(
        Deadline.instance_id == instance_id, Deadline.kind == "escalate", Deadline.state == "pending",
        Deadline.human_task_id.in_(closed))
        .values(state="cancelled").execution_options(synchronize_session=False))

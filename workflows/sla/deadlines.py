"""The deadline table: what the SLA sweep must act on. This module is the one writer of
``Deadline.state`` (pending -> fired | cancelled | failed).

After every change to an instance its waiting timers become ``timer`` rows (due when the BPMN timer
is due) and, for timers on an officer's step, ``reminder`` rows at a share of the limit in working
time. Rows of timers that are gone are cancelled. Escalation rows (``escalate``) are added by
:mod:`workflows.sla.escalations` and cancelled when the late task is done. The sweep claims what is
due with :func:`claim_due` and marks each row with :func:`mark` in the same transaction.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from engine.runtime import PendingTimer

from ..accounts.roles import OFFICER_ROLES
from ..complaints.models import Complaint
from ..processes.models import ProcessInstance
from ..settings import Setting
from ..tasks.models import HumanTask
from .models import Deadline
from .policy import SlaPolicy

PENDING, FIRED, CANCELLED, FAILED = "pending", "fired", "cancelled", "failed"


def on_officer_step(task: HumanTask | None) -> bool:
    """Whether a timer watches an officer's step (the diagram's user task is in an officer's lane or
    candidate group). Those are reminded before they are due, and missing them is a breach that
    escalates; a limit on the reporter's step only moves the process on (e.g. auto-closing)."""
    return task is not None and task.role in OFFICER_ROLES


def sync(session: Session, policy: SlaPolicy, complaint: Complaint, instance: ProcessInstance,
         timers: list[PendingTimer], tasks_by_spiff_id: dict[str, HumanTask], now: datetime,
         new: bool = False, firing: Deadline | None = None, fired_at: datetime | None = None) -> bool:
    """Bring the instance's timer and reminder rows in step with its waiting timers. ``new``: the
    instance has no rows yet. ``firing``: the timer row being fired now is marked ``fired`` instead
    of ``cancelled`` (at ``fired_at``) when its timer is gone, so it is written once. Returns whether
    the instance has a pending escalation deadline (read in the same query), so ending escalations
    can be skipped if not. Reminders go only to timers on an officer's step (:func:`on_officer_step`)."""
    wanted: dict[str, tuple[str, PendingTimer]] = {}
    for timer in timers:
        wanted[f"timer:{timer.id}"] = ("timer", timer)
        if on_officer_step(tasks_by_spiff_id.get(timer.attached_task_id or "")):
            wanted[f"reminder:{timer.id}"] = ("reminder", timer)
    rows: dict[str, Deadline] = {}
    escalate_pending = False
    if not new:
        for d in session.scalars(select(Deadline).where(Deadline.instance_id == instance.id)):
            if d.kind in ("timer", "reminder"):
                rows[d.key] = d
            elif d.kind == "escalate" and d.state == PENDING:
                escalate_pending = True
    for key, row in rows.items():
        if key not in wanted and row.state == PENDING:
            if row is firing:
                mark(row, FIRED, fired_at or now)
            else:
                row.state = CANCELLED
    for key, (kind, timer) in wanted.items():
        row = rows.get(key)
        task = tasks_by_spiff_id.get(timer.attached_task_id or "")
        due = timer.due_at if kind == "timer" else _reminder_at(policy, complaint, now, timer.due_at)
        if row is None:
            session.add(Deadline(instance_id=instance.id, complaint_id=complaint.id, key=key, kind=kind,
                                 step=timer.properties.get("sla_step"), due_at=due, created_at=now,
                                 human_task_id=task.id if task is not None and task.id else None))
        elif row.state == PENDING and kind == "timer" and row.due_at != due:
            row.due_at = due
    return escalate_pending


def _reminder_at(policy: SlaPolicy, complaint: Complaint, start: datetime, due: datetime) -> datetime:
    calendar = policy.calendar(complaint.region_id)
    budget = calendar.working_seconds_between(start, due)
    if budget <= 0:
        return due
    return calendar.add_working_seconds(start, int(budget * policy.reminder_share))


def add_escalation(session: Session, late: HumanTask, level: int, due_at: datetime, now: datetime) -> Deadline:
    """When the ``level``-th rung above a late task is to be called in (if the task is still open)."""
    row = Deadline(instance_id=late.instance_id, complaint_id=late.complaint_id, human_task_id=late.id,
                   key=f"escalate:{late.id}:{level}", kind="escalate", step=late.name, level=level,
                   due_at=due_at, created_at=now)
    session.add(row)
    return row


def cancel_escalations(session: Session, instance_id: int, late_tasks: ColumnElement) -> None:
    """The pending escalation rows of the instance's late tasks among ``late_tasks`` (task ids) end."""
    session.execute(update(Deadline).where(
        Deadline.instance_id == instance_id, Deadline.kind == "escalate", Deadline.state == PENDING,
        Deadline.human_task_id.in_(late_tasks))
        .values(state=CANCELLED).execution_options(synchronize_session=False))


def claim_due(session: Session, now: datetime, batch: int) -> list[Deadline]:
    """Lock up to ``batch`` pending rows due by ``now``, oldest first, skipping rows (and instances)
    that another transaction holds: any number of workers share the work, each row goes to one.
    On SQLite the transaction takes the database's write lock first, so a second worker waits
    instead of reading the same rows."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Setting).where(Setting.key == "sweep").values(value="sweep"))
    # Lock the instance too, and skip what an officer is changing right now: the officer's transaction
    # holds the instance row, so the sweep neither waits on it nor deadlocks with it (lock order).
    stmt = (select(Deadline).join(ProcessInstance, ProcessInstance.id == Deadline.instance_id)
            .where(Deadline.state == PENDING, Deadline.due_at <= now)
            .order_by(Deadline.due_at, Deadline.id).limit(batch)
            .with_for_update(skip_locked=True, of=[Deadline.__table__, ProcessInstance.__table__]))
    return list(session.scalars(stmt))


def mark(row: Deadline, state: str, at: datetime) -> None:
    """A due row was acted on (``fired``) or could not be (``failed``); it is never read again."""
    row.state, row.fired_at = state, at

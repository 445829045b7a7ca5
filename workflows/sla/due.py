"""What happens when a deadline falls due: fire the diagram's timer (and, on an officer's step,
record the breach and escalate), remind, or call in the next rung of the escalation chain.

:class:`Timekeeper` is what the scheduler (``sla/scheduler``) drives: it claims due rows and handles
each inside the caller's transaction, so a row is acted on and marked together, exactly once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from .. import audit
from ..complaints.models import Complaint
from ..errors import DomainError
from ..notifications import inbox
from ..processes.models import ProcessInstance
from ..processes.progress import Progress
from ..tasks.models import HumanTask
from ..tasks.projection import OPEN
from ..webhooks import events as hooks
from . import deadlines, escalations
from .models import Deadline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    kind: str   # the deadline's kind: timer | reminder | escalate
    done: bool  # False: it could not be handled and is marked failed (never retried)


class Timekeeper:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.policy = progress.policy

    def claim(self, session: Session, now: datetime, batch: int) -> list[Deadline]:
        return deadlines.claim_due(session, now, batch)

    def handle(self, session: Session, row: Deadline, now: datetime) -> Outcome:
        """Act on one claimed row in a savepoint; a row the process refuses is marked failed."""
        try:
            with session.begin_nested():
                self.act(session, row, now)
            return Outcome(row.kind, True)
        except DomainError as exc:
            log.warning("deadline %s (%s) could not be handled: %s", row.id, row.key, exc.message)
            with session.begin_nested():
                deadlines.mark(row, deadlines.FAILED, now)
            return Outcome(row.kind, False)

    def act(self, session: Session, row: Deadline, now: datetime) -> None:
        """Handle one due row inside the caller's transaction and mark it."""
        complaint = session.get(Complaint, row.complaint_id)
        if row.kind == "timer":
            self._fire_timer(session, row, complaint, now)
        elif row.kind == "reminder":
            self._remind(session, row, complaint, now)
        elif row.kind == "escalate":
            late = session.get(HumanTask, row.human_task_id) if row.human_task_id else None
            if late is not None and late.state == OPEN:
                escalations.escalate(session, self.policy, complaint, late, level=row.level or 1, now=now)
        else:
            raise ValueError(f"unknown deadline kind {row.kind!r}")
        if row.state == deadlines.PENDING:
            deadlines.mark(row, deadlines.FIRED, now)

    def _fire_timer(self, session: Session, row: Deadline, complaint: Complaint, now: datetime) -> None:
        instance = session.get(ProcessInstance, row.instance_id)
        late = session.get(HumanTask, row.human_task_id) if row.human_task_id else None
        # The save marks the row fired (state and time in one write) when the engine's timer is gone.
        self.progress.fire_timers(session, complaint, instance, firing=row, fired_at=now)
        if row.state == deadlines.PENDING:
            # The engine's timer is still waiting (it is not due by the engine's reading): leave it to the
            # engine, record the disagreement instead of looping on it.
            log.warning("timer deadline %s was due but the engine did not fire it", row.key)
            deadlines.mark(row, deadlines.FAILED, now)
            return
        if deadlines.on_officer_step(late) and late.state == OPEN:
            escalations.breach(session, self.policy, complaint, late, row, now)
            hooks.breached(session, self.progress.mail.base_url, complaint, row.step, row.due_at, now)

    @staticmethod
    def _remind(session: Session, row: Deadline, complaint: Complaint, now: datetime) -> None:
        task = session.get(HumanTask, row.human_task_id) if row.human_task_id else None
        if task is None or task.state != OPEN:
            return
        due = task.due_at.isoformat() if task.due_at else None
        inbox.notify_task_holders(session, complaint, "reminder", task,
                                  {"step": row.step, "task": task.title, "due_at": due}, now)
        audit.record(session, complaint.id, audit.SYSTEM, "sla_reminder", now, task_name=task.name,
                     data={"step": row.step, "due_at": due})

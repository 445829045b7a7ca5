"""A complaint's path as it happened, in the shape a replay produces, so both are counted alike."""
from __future__ import annotations

from datetime import datetime

from ..accounts.roles import OFFICER_ROLES
from ..sla import timing
from ..sla.policy import Rules
from .records import PastComplaint, Path, TaskRun, queue_of


def path(past: PastComplaint, rules: Rules, observed_at: datetime) -> Path:
    """``observed_at``: when the history was read (a task still open then is still waiting)."""
    calendar = rules.calendar(past.region_id)
    runs = []
    for step in past.steps:
        officer = step.role in OFFICER_ROLES
        cancelled = step.completed_at is None and past.closed_at is not None  # (by a timer, or the end)
        end = step.completed_at or past.closed_at or observed_at
        runs.append(TaskRun(
            name=step.name, role=step.role,
            unit_key=queue_of(step.role, step.unit_id, step.instansi_id, past.region_id),
            instansi_id=step.instansi_id, ready_at=step.created_at.timestamp(),
            done_at=step.completed_at.timestamp() if step.completed_at else
            (past.closed_at.timestamp() if cancelled else None),
            due_at=step.due_at.timestamp() if step.due_at else None,
            late=officer and (step.late or (step.due_at is not None and end > step.due_at)),
            escalations=step.escalations,
            reminded=officer and timing.reminded(calendar, rules.reminder_share, step.created_at, step.due_at, end),
            working_seconds=calendar.working_seconds_between(step.created_at, step.completed_at)
            if step.completed_at else None,
            cancelled=cancelled, officer=officer))
    ended = past.closed_at
    return Path(past.id, past.region_id, _final_instansi(past), past.arrived_at.timestamp(), past.outcome,
                ended.timestamp() if ended else None,
                calendar.working_seconds_between(past.arrived_at, ended) if ended else None, tuple(runs))


def _final_instansi(past: PastComplaint) -> int | None:
    for step in reversed(past.steps):
        if step.instansi_id is not None:
            return step.instansi_id
    return past.instansi_id

"""The live load on a process diagram: per step, the complaints waiting there, how many are overdue
and the median waiting time in working days, scoped to what the viewer may see.

One query over the task projection (open diagram tasks of the process's versions, in scope):
window functions give each step's count, overdue count and its median arrival moment (waiting time
grows as arrival moves back, so the median wait is the wait of the median arrival), in SQLite and
PostgreSQL alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.scope import task_scope_filter
from ..sla.policy import SlaPolicy
from ..tasks.models import HumanTask
from ..tasks.projection import OPEN
from .models import ProcessDefinition, ProcessInstance


@dataclass(frozen=True)
class StepLoad:
    step: str                  # BPMN id
    waiting: int
    overdue: int
    median_days: float         # median waiting time, working days by the national calendar


def step_load(session: Session, user: User, policy: SlaPolicy, now: datetime, key: str, variant: str | None = None,
              version: int | None = None) -> list[StepLoad]:
    """``variant``: '' national, a region's code, None every variant (the dashboards: wherever the
    complaints in scope run)."""
    versions = select(ProcessDefinition.id).where(ProcessDefinition.key == key)
    if variant is not None:
        versions = versions.where(ProcessDefinition.variant == variant)
    if version is not None:
        versions = versions.where(ProcessDefinition.version == version)
    by_step = {"partition_by": HumanTask.name}
    rows = (select(HumanTask.name.label("step"), HumanTask.created_at.label("arrived"),
                   func.row_number().over(order_by=(HumanTask.created_at, HumanTask.id), **by_step).label("rank"),
                   func.count().over(**by_step).label("waiting"),
                   func.sum(case((HumanTask.due_at < now, 1), else_=0)).over(**by_step).label("overdue"))
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(HumanTask.state == OPEN, HumanTask.kind == "bpmn", ProcessInstance.definition_id.in_(versions),
                   task_scope_filter(user))
            .subquery())
    medians = session.execute(select(rows.c.step, rows.c.waiting, rows.c.overdue, rows.c.arrived)
                              .where(rows.c.rank == (rows.c.waiting + 1) // 2).order_by(rows.c.step)).all()
    calendar = policy.calendar(None)
    day = calendar.hours.seconds
    return [StepLoad(step, waiting, int(overdue or 0),
                     round(calendar.working_seconds_between(arrived, now) / day, 1) if arrived <= now else 0.0)
            for step, waiting, overdue, arrived in medians]

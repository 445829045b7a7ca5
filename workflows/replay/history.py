"""The complaints of a period and scope as they happened, read in a few queries per thousand complaints."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import AuditEvent
from ..complaints.models import Complaint
from ..org.models import Region
from ..org.tree import region_and_children
from ..processes.registry import NATIONAL_SOP, Registry
from ..sla.escalations import ESCALATION
from ..sla.models import SlaBreach
from ..tasks.models import HumanTask
from .records import PastComplaint, PastStep

CHUNK = 2000
_NOT_ANSWERS = ("title", "attachments")


@dataclass(frozen=True)
class Scope:
    period_from: date
    period_to: date
    region_id: int | None = None     # the region and the regions under it
    instansi_id: int | None = None


def _filters(scope: Scope) -> list:
    filters = [Complaint.received_on >= scope.period_from, Complaint.received_on <= scope.period_to]
    if scope.region_id is not None:
        under = region_and_children(scope.region_id)
        filters.append(Complaint.region_id.in_(under))
    if scope.instansi_id is not None:
        filters.append(Complaint.instansi_id == scope.instansi_id)
    return filters


def count(session: Session, scope: Scope) -> int:
    return session.scalar(select(func.count()).select_from(Complaint).where(*_filters(scope))) or 0


def load(session: Session, registry: Registry, scope: Scope) -> Iterator[PastComplaint]:
    """Each complaint of the scope, oldest first, with its human tasks and the answers given to them."""
    live: dict[int, int] = {}
    regions = {r.id: r for r in session.scalars(select(Region))}
    ids = list(session.scalars(select(Complaint.id).where(*_filters(scope)).order_by(Complaint.created_at,
                                                                                     Complaint.id)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        complaints = session.execute(select(
            Complaint.id, Complaint.tracking_id, Complaint.region_id, Complaint.instansi_id, Complaint.unit_id,
            Complaint.type, Complaint.category, Complaint.created_at, Complaint.closed_at)
            .where(Complaint.id.in_(chunk))).all()
        tasks: dict[int, list[HumanTask]] = defaultdict(list)
        for task in session.scalars(select(HumanTask).where(HumanTask.complaint_id.in_(chunk),
                                                            HumanTask.kind != ESCALATION)
                                    .order_by(HumanTask.created_at, HumanTask.id)):
            tasks[task.complaint_id].append(task)
        escalated = dict(session.execute(
            select(HumanTask.source_task_id, func.count()).where(HumanTask.complaint_id.in_(chunk),
                                                                HumanTask.kind == ESCALATION)
            .group_by(HumanTask.source_task_id)).all())
        breached = set(session.scalars(select(SlaBreach.human_task_id).where(SlaBreach.complaint_id.in_(chunk))))
        answers: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        outcomes: dict[int, str] = {}
        for complaint_id, action, name, data in session.execute(
                select(AuditEvent.complaint_id, AuditEvent.action, AuditEvent.task_name, AuditEvent.data)
                .where(AuditEvent.complaint_id.in_(chunk),
                       AuditEvent.action.in_(("task_completed", "process_ended")))
                .order_by(AuditEvent.id)):
            if action == "process_ended":
                outcomes[complaint_id] = (data or {}).get("outcome")
            else:
                answers[(complaint_id, name)].append({k: v for k, v in (data or {}).items()
                                                      if k not in _NOT_ANSWERS})
        for row in sorted(complaints, key=lambda r: (r.created_at, r.id)):
            if row.region_id not in live:
                live[row.region_id] = registry.active(session, NATIONAL_SOP, regions.get(row.region_id)).id
            yield PastComplaint(
                id=row.id, tracking_id=row.tracking_id, region_id=row.region_id,
                instansi_id=_arrived_at(tasks[row.id], row.instansi_id), unit_id=row.unit_id, type=row.type,
                category=row.category, arrived_at=row.created_at, outcome=outcomes.get(row.id),
                closed_at=row.closed_at, live_definition=live[row.region_id],
                steps=_steps(tasks[row.id], answers, escalated, breached))


def _arrived_at(tasks: list[HumanTask], instansi_id: int | None) -> int | None:
    """The instansi the report named when it arrived: none if it went to triage, else the one its
    first task was for (a later transfer moved it)."""
    if any(t.name == "triage" for t in tasks):
        return None
    return tasks[0].instansi_id if tasks and tasks[0].instansi_id is not None else instansi_id


def _steps(tasks: list[HumanTask], answers: dict[tuple[int, str], list[dict[str, Any]]],
           escalated: dict[int, int], breached: set[int]) -> tuple[PastStep, ...]:
    """The tasks with the answers given to them: the k-th completion of a step got the k-th answer."""
    steps = []
    used: dict[str, int] = defaultdict(int)
    for task in sorted(tasks, key=lambda t: (t.completed_at is None, t.completed_at or t.created_at, t.id)):
        answer: dict[str, Any] = {}
        if task.state == "completed":
            given = answers.get((task.complaint_id, task.name), [])
            if used[task.name] < len(given):
                answer = given[used[task.name]]
            used[task.name] += 1
        steps.append(PastStep(
            name=task.name, role=task.role, unit_id=task.unit_id, instansi_id=task.instansi_id,
            created_at=task.created_at, completed_at=task.completed_at if task.state == "completed" else None,
            due_at=task.due_at, late=task.id in breached, escalations=escalated.get(task.id, 0), answer=answer))
    return tuple(sorted(steps, key=lambda s: s.created_at))

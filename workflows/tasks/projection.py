"""The human-task rows mirror the engine: after every change to an instance, rows of ready tasks
that are gone are closed, new ready tasks get rows, and the rest follow the complaint's routing.

Guarded writes to a task row (claim, hand over, finish) go through :func:`update_row`, so two
officers acting on the same task at once cannot both succeed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.runtime import ReadyTask

from ..accounts.models import User
from ..accounts.roles import OFFICER_ROLES, task_role
from ..accounts.scope import officers_for_task_filter
from ..complaints.models import Complaint
from ..processes.models import ProcessInstance
from .models import HumanTask

OPEN = "open"
UNASSIGNED = "unassigned"  # a user task whose diagram names no known role (the deploy check refuses these)


def open_rows(session: Session, instance: ProcessInstance, new: bool) -> tuple[dict[str, HumanTask], bool]:
    """The instance's open diagram-task rows by engine task id, and whether it has open
    escalation tasks (one query; none for an instance created just now)."""
    rows: dict[str, HumanTask] = {}
    escalations_open = False
    if not new:
        for row in session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.state == OPEN)):
            if row.kind == "bpmn":
                rows[row.spiff_task_id] = row
            else:
                escalations_open = True
    return rows, escalations_open


def project(session: Session, complaint: Complaint, instance: ProcessInstance, ready: list[ReadyTask],
            now: datetime, rows: dict[str, HumanTask]) -> list[HumanTask]:
    """Close rows whose task is gone, add rows for new ready tasks, refresh the rest."""
    wanted = {t.id: t for t in ready}
    for spiff_id, row in rows.items():
        if spiff_id not in wanted:
            row.state = "cancelled"
            row.completed_at = now
    province_id = complaint.region.province_id()
    result = []
    for spiff_id, task in wanted.items():
        row = rows.get(spiff_id)
        if row is None:
            row = HumanTask(instance_id=instance.id, complaint_id=complaint.id, spiff_task_id=spiff_id,
                            name=task.name, title=task.title,
                            role=task_role(task.candidate_groups, task.lane) or UNASSIGNED,
                            created_at=now, state=OPEN, instansi_id=complaint.instansi_id,
                            unit_id=complaint.unit_id, region_id=province_id, due_at=task.due_at)
            _fall_back(session, row, task.properties.get("fallback_role"))
            session.add(row)
        else:  # (title and role change when the complaint moves to another version of its process)
            role = task_role(task.candidate_groups, task.lane) or UNASSIGNED
            if row.role != task.properties.get("fallback_role"):  # (a fallen-back task stays where it went)
                _set_changed(row, role=role)
            _set_changed(row, instansi_id=complaint.instansi_id, unit_id=complaint.unit_id,
                         region_id=province_id, due_at=task.due_at, title=task.title)
        result.append(row)
    return result


def _fall_back(session: Session, row: HumanTask, fallback: str | None) -> None:
    """A task whose role has nobody in its scope (e.g. a province without an Admin Koordinator) goes to
    the diagram's ``fallback_role`` instead (the Admin Nasional), so it never waits unseen."""
    if not fallback or fallback not in OFFICER_ROLES or fallback == row.role:
        return
    anyone = session.scalar(select(User.id).where(User.active.is_(True), officers_for_task_filter(row)).limit(1))
    if anyone is None:
        row.role = fallback


def _set_changed(row, **values) -> None:
    """Assign only what differs, so an unchanged row is not written (nor its version bumped)."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


_TASK_COLUMNS = tuple(HumanTask.__table__.columns)


def update_row(session: Session, task: HumanTask, stmt) -> bool:
    """Run a guarded UPDATE of ``task``'s row; when it matched, take the row as written from its
    RETURNING clause (what ``session.refresh`` read with a second statement). False: nothing matched."""
    row = session.execute(stmt.returning(*_TASK_COLUMNS).execution_options(synchronize_session=False)).first()
    if row is None:
        return False
    mapper = inspect(HumanTask)
    for column, value in zip(_TASK_COLUMNS, row):
        set_committed_value(task, mapper.get_property_by_column(column).key, value)
    return True

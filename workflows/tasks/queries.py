"""Reading the task list: an officer's own tasks and their group's unclaimed ones, filtered, sorted
and paged, in one indexed query over the task projection."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from ..accounts.models import User
from ..accounts.scope import task_scope_filter
from ..complaints.models import Complaint
from ..errors import Invalid, NotFound
from ..ids import is_id
from .models import HumanTask
from .projection import OPEN

# The task list's "due soon" filter: due from now until this much later.
DUE_SOON = timedelta(days=2)
DUE_FILTERS = ("soon", "overdue")
SORTS = ("due", "-due")  # soonest due first / latest due first; tasks without a due date last in both


@dataclass(frozen=True)
class TaskQuery:
    mine: bool = True          # tasks claimed by me
    group: bool = True         # unclaimed tasks of my role in my scope
    status: str | None = None  # complaint status
    tracking_id: str | None = None
    category: str | None = None  # exact complaint category
    due: str | None = None       # "soon" (within DUE_SOON) | "overdue"
    sort: str = "due"            # "due" | "-due"
    limit: int = 50
    offset: int = 0


def get(session: Session, task_id: int) -> HumanTask:
    """The task with its complaint (one query; every action and view needs both)."""
    task = session.get(HumanTask, task_id, options=[joinedload(HumanTask.complaint)]) if is_id(task_id) else None
    if task is None:
        raise NotFound("task not found")
    return task


def list_for(session: Session, user: User, query: TaskQuery, now: datetime) -> list[tuple[HumanTask, Complaint]]:
    stmt = _matching(user, query, now)
    if stmt is None:
        return []
    due = HumanTask.due_at.desc() if query.sort == "-due" else HumanTask.due_at
    tiebreak = HumanTask.id.desc() if query.sort == "-due" else HumanTask.id
    # The complaint comes with its task (``task.complaint``), read by the same query.
    stmt = (stmt.options(contains_eager(HumanTask.complaint)).order_by(HumanTask.due_at.is_(None), due, tiebreak)
            .limit(query.limit).offset(query.offset))
    return [(t, t.complaint) for t in session.scalars(stmt)]


def count_for(session: Session, user: User, query: TaskQuery, now: datetime) -> int:
    """How many tasks :func:`list_for` would list without ``limit`` and ``offset``."""
    stmt = _matching(user, query, now)
    if stmt is None:
        return 0
    return session.scalar(stmt.with_only_columns(func.count(HumanTask.id))) or 0


def page_for(session: Session, user: User, query: TaskQuery, now: datetime
             ) -> tuple[list[tuple[HumanTask, Complaint]], int]:
    """:func:`list_for` and :func:`count_for` together; the count query is skipped when the page
    itself shows where the list ends (fewer rows than the limit)."""
    rows = list_for(session, user, query, now)
    if len(rows) < query.limit and (rows or query.offset == 0):
        return rows, query.offset + len(rows)
    return rows, count_for(session, user, query, now)


def open_for_complaint(session: Session, complaint_id: int, role: str | None = None) -> list[HumanTask]:
    """The complaint's open tasks (of one role, if given), oldest first."""
    stmt = select(HumanTask).where(HumanTask.complaint_id == complaint_id, HumanTask.state == OPEN)
    if role is not None:
        stmt = stmt.where(HumanTask.role == role)
    return list(session.scalars(stmt.order_by(HumanTask.id)))


def current_steps(session: Session, complaint_id: int) -> list[str]:
    """The diagram steps the complaint waits at now (names of its open diagram tasks)."""
    return sorted(set(session.scalars(select(HumanTask.name).where(
        HumanTask.complaint_id == complaint_id, HumanTask.state == OPEN, HumanTask.kind == "bpmn"))))


def held_by(session: Session, user_id: int) -> list[HumanTask]:
    """The open tasks an officer holds (claimed or delegated to them), oldest first, each with its
    complaint at hand (the hand-over lists them by tracking ID and title)."""
    return list(session.scalars(select(HumanTask).options(joinedload(HumanTask.complaint)).where(
        HumanTask.assignee_id == user_id, HumanTask.state == OPEN).order_by(HumanTask.id)))


def held_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    """How many open tasks each of these officers holds (those holding none are left out)."""
    if not user_ids:
        return {}
    return dict(session.execute(select(HumanTask.assignee_id, func.count()).where(
        HumanTask.assignee_id.in_(user_ids), HumanTask.state == OPEN).group_by(HumanTask.assignee_id)).all())


def matching(user: User, query: TaskQuery, now: datetime) -> Select | None:
    """The open tasks :func:`list_for` would list, unordered and unpaged (the breach-risk sort in
    :mod:`workflows.risk.estimate` orders them itself); None when the query excludes everything."""
    return _matching(user, query, now)


def _matching(user: User, query: TaskQuery, now: datetime) -> Select | None:
    """Open tasks for ``user`` that pass the query's filters (None: the query excludes everything)."""
    if query.due is not None and query.due not in DUE_FILTERS:
        raise Invalid({"due": [("not_one_of", {"choices": list(DUE_FILTERS)})]})
    if query.sort not in SORTS:
        raise Invalid({"sort": [("not_one_of", {"choices": list(SORTS)})]})
    who = []
    if query.mine:
        who.append(HumanTask.assignee_id == user.id)
    if query.group:
        who.append((HumanTask.assignee_id.is_(None)) & (HumanTask.role == user.role)
                   & task_scope_filter(user))
    if not who:
        return None
    condition = who[0] if len(who) == 1 else (who[0] | who[1])
    stmt = (select(HumanTask).join(Complaint, Complaint.id == HumanTask.complaint_id)
            .where(HumanTask.state == OPEN, condition))
    if query.status:
        stmt = stmt.where(Complaint.status == query.status)
    if query.tracking_id:
        stmt = stmt.where(Complaint.tracking_id == query.tracking_id.strip().upper())
    if query.category:
        stmt = stmt.where(Complaint.category == query.category)
    if query.due:
        if query.due == "overdue":
            stmt = stmt.where(HumanTask.due_at < now)
        else:
            stmt = stmt.where(HumanTask.due_at >= now, HumanTask.due_at < now + DUE_SOON)
    return stmt

"""The task list and what officers and reporters do with tasks: claim, unclaim, complete, reply."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, inspect, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from engine.forms import FormInvalid, condition_holds, validate
from engine.runtime import ReadyTask
from engine.runtime import EngineError, TaskNotReady

from . import audit, notifications, rules
from .errors import Conflict, DomainError, Invalid, NotFound
from .models import Complaint, HumanTask, Instansi, ProcessInstance, Unit, User
from .progress import Progress
from .scope import officers_for_task_filter, task_in_scope, task_scope_filter

# Escalation tasks live outside the diagram: the officer called in records what they did about it.
ESCALATION_FORM = {"key": "escalation", "fields": [
    {"id": "note", "label": "Tindakan pembinaan", "type": "string", "default": None, "required": True,
     "maxlength": 2000}]}

RACE_MESSAGE = "this complaint was changed by someone else at the same time; reload and try again"

# The task list's "due soon" filter: due from now until this much later.
DUE_SOON = timedelta(days=2)
DUE_FILTERS = ("soon", "overdue")
SORTS = ("due", "-due")  # soonest due first / latest due first; tasks without a due date last in both


class ProcessError(DomainError):
    """The process refused to continue (e.g. a diagram script the sandbox rejected)."""
    status, code = 422, "process_error"


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


def form_errors(exc: FormInvalid) -> Invalid:
    return Invalid({k: [(e.code, e.params) for e in v] for k, v in exc.errors.items()})


class Tasks:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.clock = progress.clock

    # -- reading ---------------------------------------------------------------------------------
    def list_for(self, session: Session, user: User, query: TaskQuery) -> list[tuple[HumanTask, Complaint]]:
        stmt = self._matching(user, query)
        if stmt is None:
            return []
        due = HumanTask.due_at.desc() if query.sort == "-due" else HumanTask.due_at
        tiebreak = HumanTask.id.desc() if query.sort == "-due" else HumanTask.id
        stmt = (stmt.add_columns(Complaint).order_by(HumanTask.due_at.is_(None), due, tiebreak)
                .limit(query.limit).offset(query.offset))
        return [(t, c) for t, c in session.execute(stmt)]

    def count_for(self, session: Session, user: User, query: TaskQuery) -> int:
        """How many tasks :meth:`list_for` would list without ``limit`` and ``offset``."""
        stmt = self._matching(user, query)
        if stmt is None:
            return 0
        return session.scalar(stmt.with_only_columns(func.count(HumanTask.id))) or 0

    def page_for(self, session: Session, user: User, query: TaskQuery
                 ) -> tuple[list[tuple[HumanTask, Complaint]], int]:
        """:meth:`list_for` and :meth:`count_for` together; the count query is skipped when the page
        itself shows where the list ends (fewer rows than the limit)."""
        rows = self.list_for(session, user, query)
        if len(rows) < query.limit and (rows or query.offset == 0):
            return rows, query.offset + len(rows)
        return rows, self.count_for(session, user, query)

    def _matching(self, user: User, query: TaskQuery) -> Select | None:
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
                .where(HumanTask.state == "open", condition))
        if query.status:
            stmt = stmt.where(Complaint.status == query.status)
        if query.tracking_id:
            stmt = stmt.where(Complaint.tracking_id == query.tracking_id.strip().upper())
        if query.category:
            stmt = stmt.where(Complaint.category == query.category)
        if query.due:
            now = self.clock()
            if query.due == "overdue":
                stmt = stmt.where(HumanTask.due_at < now)
            else:
                stmt = stmt.where(HumanTask.due_at >= now, HumanTask.due_at < now + DUE_SOON)
        return stmt

    def get(self, session: Session, task_id: int) -> HumanTask:
        """The task with its complaint (one query; every action and view needs both)."""
        task = session.get(HumanTask, task_id, options=[joinedload(HumanTask.complaint)])
        if task is None:
            raise NotFound("task not found")
        return task

    def form(self, session: Session, task: HumanTask) -> dict[str, Any] | None:
        if task.state != "open":
            return None
        if task.kind == "escalation":
            return ESCALATION_FORM
        workflow = self.progress.open(session, session.get(ProcessInstance, task.instance_id))
        for ready in self.progress.engine.ready_tasks(workflow):
            if ready.id == task.spiff_task_id:
                return ready.form
        return None

    # -- changing --------------------------------------------------------------------------------
    def claim(self, session: Session, task_id: int, user: User) -> HumanTask:
        task = self.get(session, task_id)
        rules.check("claim", task, user)
        now = self.clock()
        if not _update_task(session, task, update(HumanTask).where(
                HumanTask.id == task.id, HumanTask.state == "open", HumanTask.assignee_id.is_(None))
                .values(assignee_id=user.id, claimed_at=now, lock_version=HumanTask.lock_version + 1)):
            raise Conflict("task was claimed by someone else just now")
        complaint = task.complaint
        audit.record(session, complaint.id, audit.officer(user), "task_claimed", now, task_name=task.name)
        claimed_status = self.progress.task_properties(session, task).get("status_claimed")
        self.progress.set_status(session, complaint, claimed_status, audit.officer(user))
        return task

    def colleagues(self, session: Session, task: HumanTask, user: User) -> list[User]:
        """Who ``user`` could delegate the task to: active officers in its scope, not its holder."""
        rules.check("colleagues", task, user)
        stmt = (select(User).where(User.active.is_(True), officers_for_task_filter(task))
                .order_by(User.full_name, User.id))
        if task.assignee_id is not None:
            stmt = stmt.where(User.id != task.assignee_id)
        return [u for u in session.scalars(stmt) if task_in_scope(u, task)]

    def delegate(self, session: Session, task_id: int, user: User, to_user_id: int) -> HumanTask:
        """Hand the task to a colleague: the holder, anyone in scope while it is unclaimed, or an
        admin in scope may. 409 if the task changed hands since it was read."""
        task = self.get(session, task_id)
        target = session.get(User, to_user_id)
        rules.check("delegate", task, user, target)
        assert target is not None  # the rules refuse a missing target
        held_by = task.assignee_id
        now = self.clock()
        if not _update_task(session, task, update(HumanTask).where(
                HumanTask.id == task.id, HumanTask.state == "open",
                HumanTask.assignee_id.is_not_distinct_from(held_by))
                .values(assignee_id=target.id, claimed_at=now, lock_version=HumanTask.lock_version + 1)):
            raise Conflict("task changed just now; reload and try again")
        complaint = task.complaint
        actor = audit.officer(user)
        audit.record(session, complaint.id, actor, "task_delegated", now, task_name=task.name,
                     data={"from": held_by, "to": target.id})
        notifications.notify_user(session, target.id, "delegated", now,
                                  {"task_id": task.id, "title": task.title, "by": user.full_name}, complaint)
        claimed_status = self.progress.task_properties(session, task).get("status_claimed")
        self.progress.set_status(session, complaint, claimed_status, actor)
        return task

    def unclaim(self, session: Session, task_id: int, user: User) -> HumanTask:
        task = self.get(session, task_id)
        rules.check("unclaim", task, user)
        if not _update_task(session, task, update(HumanTask).where(
                HumanTask.id == task.id, HumanTask.state == "open", HumanTask.assignee_id == task.assignee_id)
                .values(assignee_id=None, claimed_at=None, lock_version=HumanTask.lock_version + 1)):
            raise Conflict("task changed just now; reload and try again")
        complaint = task.complaint
        audit.record(session, complaint.id, audit.officer(user), "task_unclaimed", self.clock(), task_name=task.name)
        status = self.progress.task_properties(session, task).get("status")
        self.progress.set_status(session, complaint, status, audit.officer(user))
        return task

    def complete(self, session: Session, task_id: int, user: User, data: Any) -> HumanTask:
        task = self.get(session, task_id)
        rules.check("complete", task, user)
        if task.kind == "escalation":
            return self._acknowledge(session, task, data, audit.officer(user))
        return self._complete(session, task, data, audit.officer(user))

    def _acknowledge(self, session: Session, task: HumanTask, data: Any, actor: audit.Actor) -> HumanTask:
        try:
            cleaned = validate(ESCALATION_FORM, data)
        except FormInvalid as exc:
            raise form_errors(exc) from exc
        now = self.clock()
        if not _update_task(session, task, update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == "open")
                            .values(state="completed", completed_at=now, completed_by_id=actor.user.id,
                                    assignee_id=task.assignee_id or actor.user.id,
                                    lock_version=HumanTask.lock_version + 1)):
            raise Conflict("task changed just now; reload and try again")
        audit.record(session, task.complaint_id, actor, "escalation_handled", now, task_name=task.name,
                     data={"title": task.title, **cleaned})
        return task

    def reply(self, session: Session, complaint: Complaint, data: Any) -> HumanTask:
        """The reporter answers the task waiting for them (more information, or the follow-up)."""
        task = session.scalars(select(HumanTask).where(
            HumanTask.complaint_id == complaint.id, HumanTask.state == "open",
            HumanTask.role == "pelapor")).first()
        if task is None:
            raise Conflict("nothing is waiting for the reporter's reply on this complaint")
        rules.check("reply", task, None)
        return self._complete(session, task, data, audit.CITIZEN)

    def _clock_data(self, session: Session, complaint: Complaint, task: HumanTask, ready: ReadyTask,
                    cleaned: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
        """Pause a step's clock when the diagram says this answer pauses it (``sla_pause_when``, e.g.
        a deferral): keep the working time left, so the step resumes with it. Any other answer
        clears it."""
        step = ready.properties.get("sla_step")
        if not step:
            return {}
        remaining = dict(ready.data.get("sla_remaining") or {})
        pause = ready.properties.get("sla_pause_when")
        if pause and condition_holds(pause, cleaned) and task.due_at is not None:
            calendar = self.progress.policy.calendar(complaint.region_id)
            remaining[step] = max(1, calendar.working_seconds_between(self.clock(), task.due_at))
            audit.record(session, complaint.id, actor, "sla_paused", self.clock(), task_name=task.name,
                         data={"step": step, "remaining_seconds": remaining[step]}, public=False)
        else:
            remaining.pop(step, None)
        return {"sla_remaining": remaining}

    def _complete(self, session: Session, task: HumanTask, data: Any, actor: audit.Actor) -> HumanTask:
        complaint = task.complaint
        instance = session.get(ProcessInstance, task.instance_id)
        workflow = self.progress.open(session, instance)
        ready = next((t for t in self.progress.engine.ready_tasks(workflow) if t.id == task.spiff_task_id), None)
        if ready is None:
            raise Conflict("task is no longer waiting for input")
        try:
            cleaned = validate(ready.form, data)
            # Held until the save: the session keeps objects weakly, and the save looks them up again.
            referenced = _check_references(session, complaint, ready.form, cleaned)
            clock_data = self._clock_data(session, complaint, task, ready, cleaned, actor)
            cleaned, result = self.progress.engine.complete(workflow, task.spiff_task_id, cleaned, clock_data)
        except FormInvalid as exc:
            raise form_errors(exc) from exc
        except TaskNotReady as exc:
            raise Conflict(str(exc)) from exc
        except EngineError as exc:
            raise ProcessError(f"the process could not continue: {exc}") from exc
        now = self.clock()
        task.state = "completed"
        task.completed_at = now
        if actor.user is not None:
            task.completed_by_id = actor.user.id
            task.assignee_id = task.assignee_id or actor.user.id
        audit.record(session, complaint.id, actor, "task_completed", now, task_name=task.name,
                     data={"title": task.title, **cleaned}, public=True)
        try:
            self.progress.save(session, complaint, instance, workflow, result, actor)
        except StaleDataError as exc:
            raise Conflict(RACE_MESSAGE) from exc
        except OperationalError as exc:  # SQLite: the other writer held the lock past the timeout
            if "locked" in str(exc):
                raise Conflict(RACE_MESSAGE) from exc
            raise
        del referenced
        return task


_TASK_COLUMNS = tuple(HumanTask.__table__.columns)


def _update_task(session: Session, task: HumanTask, stmt) -> bool:
    """Run a guarded UPDATE of ``task``'s row; when it matched, take the row as written from its
    RETURNING clause (what ``session.refresh`` read with a second statement). False: nothing matched."""
    row = session.execute(stmt.returning(*_TASK_COLUMNS).execution_options(synchronize_session=False)).first()
    if row is None:
        return False
    mapper = inspect(HumanTask)
    for column, value in zip(_TASK_COLUMNS, row):
        set_committed_value(task, mapper.get_property_by_column(column).key, value)
    return True


def _check_references(session: Session, complaint: Complaint, form: dict[str, Any] | None,
                      cleaned: dict[str, Any]) -> list[Unit | Instansi]:
    """Check the units and instansi the answer names; returns those it found."""
    errors: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    found: list[Unit | Instansi] = []
    for field in (form or {}).get("fields", []):
        value = cleaned.get(field["id"])
        if value is None or "ref" not in field:
            continue
        if field["ref"] == "unit":
            unit = session.get(Unit, value)
            if unit is None or unit.instansi_id != complaint.instansi_id:
                errors[field["id"]] = [("unknown_unit", {"instansi_id": complaint.instansi_id})]
            else:
                found.append(unit)
        elif field["ref"] == "instansi":
            instansi = session.get(Instansi, value)
            if instansi is None:
                errors[field["id"]] = [("unknown_instansi", {})]
            elif value == complaint.instansi_id:
                errors[field["id"]] = [("same_instansi", {})]
            else:
                found.append(instansi)
    if errors:
        raise Invalid(errors)
    return found

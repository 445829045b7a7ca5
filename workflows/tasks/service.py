"""What officers and reporters do with tasks: claim, unclaim, delegate, complete, reply.

Every transition passes its orchestration rules (:mod:`workflows.tasks.rules`) first; the task row
is written with a guarded UPDATE (:func:`workflows.tasks.projection.update_row`), so of two
officers acting at once one wins and the other gets 409. Completing a diagram task goes into the
engine once: the task is found, its answer validated and checked, and the process run, then saved.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.forms import FormInvalid
from engine.runtime import EngineError, ReadyTask, TaskNotReady

from .. import audit
from ..accounts.models import User
from ..accounts.roles import PELAPOR
from ..accounts.scope import officers_for_task_filter, task_in_scope
from ..complaints.attachments import CheckedFile, Upload
from ..complaints.attachments import check as check_attachments
from ..complaints.models import Attachment, Complaint
from ..errors import Conflict, DomainError, Invalid
from ..ids import is_id
from ..notifications import inbox
from ..org.models import Instansi, Unit
from ..orm import find
from ..processes.models import ProcessInstance
from ..processes.progress import Progress
from ..sla import escalations, pause
from . import queries, rules
from .models import HumanTask
from .projection import OPEN, update_row
from .queries import TaskQuery

RACE_MESSAGE = "this complaint was changed by someone else at the same time; reload and try again"


@dataclass(frozen=True)
class TaskWithForm:
    """A task as its page or API shows it: the row, and the form to complete it with (from the
    diagram; None when it is not open)."""
    task: HumanTask
    form: dict[str, Any] | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.task, name)


class ProcessError(DomainError):
    """The process refused to continue (e.g. a diagram script the sandbox rejected)."""
    status, code = 422, "process_error"


class Tasks:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.clock = progress.clock

    # -- reading (the queries live in workflows.tasks.queries) -------------------------------------
    def list_for(self, session: Session, user: User, query: TaskQuery) -> list[tuple[HumanTask, Complaint]]:
        return queries.list_for(session, user, query, self.clock())

    def count_for(self, session: Session, user: User, query: TaskQuery) -> int:
        return queries.count_for(session, user, query, self.clock())

    def page_for(self, session: Session, user: User, query: TaskQuery
                 ) -> tuple[list[tuple[HumanTask, Complaint]], int]:
        return queries.page_for(session, user, query, self.clock())

    @staticmethod
    def get(session: Session, task_id: int) -> HumanTask:
        return queries.get(session, task_id)

    def with_form(self, session: Session, task: HumanTask) -> TaskWithForm:
        return TaskWithForm(task, self.form(session, task))

    def form(self, session: Session, task: HumanTask) -> dict[str, Any] | None:
        if task.state != OPEN:
            return None
        if task.kind == escalations.ESCALATION:
            return escalations.ESCALATION_FORM
        workflow = self.progress.open(session, session.get(ProcessInstance, task.instance_id))
        try:
            ready = self.progress.engine.ready_task(workflow, task.spiff_task_id)
        except TaskNotReady:
            return None
        return _suggest(session, task.complaint, ready.form, ready.data)

    # -- changing --------------------------------------------------------------------------------
    def claim(self, session: Session, task_id: int, user: User) -> HumanTask:
        task = self.get(session, task_id)
        rules.check("claim", task, user)
        now = self.clock()
        if not update_row(session, task, update(HumanTask).where(
                HumanTask.id == task.id, HumanTask.state == OPEN, HumanTask.assignee_id.is_(None))
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
        target = find(session, User, to_user_id)
        rules.check("delegate", task, user, target)
        assert target is not None  # the rules refuse a missing target
        held_by = task.assignee_id
        now = self.clock()
        if not update_row(session, task, update(HumanTask).where(
                HumanTask.id == task.id, HumanTask.state == OPEN,
                HumanTask.assignee_id.is_not_distinct_from(held_by))
                .values(assignee_id=target.id, claimed_at=now, lock_version=HumanTask.lock_version + 1)):
            raise Conflict("task changed just now; reload and try again")
        complaint = task.complaint
        actor = audit.officer(user)
        audit.record(session, complaint.id, actor, "task_delegated", now, task_name=task.name,
                     data={"from": held_by, "to": target.id})
        inbox.notify_user(session, target.id, "delegated", now,
                          {"task_id": task.id, "title": task.title, "by": user.full_name}, complaint)
        claimed_status = self.progress.task_properties(session, task).get("status_claimed")
        self.progress.set_status(session, complaint, claimed_status, actor)
        return task

    def unclaim(self, session: Session, task_id: int, user: User) -> HumanTask:
        task = self.get(session, task_id)
        rules.check("unclaim", task, user)
        if not update_row(session, task, update(HumanTask).where(
                HumanTask.id == task.id, HumanTask.state == OPEN, HumanTask.assignee_id == task.assignee_id)
                .values(assignee_id=None, claimed_at=None, lock_version=HumanTask.lock_version + 1)):
            raise Conflict("task changed just now; reload and try again")
        complaint = task.complaint
        audit.record(session, complaint.id, audit.officer(user), "task_unclaimed", self.clock(), task_name=task.name)
        status = self.progress.task_properties(session, task).get("status")
        self.progress.set_status(session, complaint, status, audit.officer(user))
        return task

    def complete(self, session: Session, task_id: int, user: User, data: Any,
                 files: tuple[Upload, ...] = ()) -> HumanTask:
        task = self.get(session, task_id)
        rules.check("complete", task, user)
        if task.kind == escalations.ESCALATION:
            return escalations.acknowledge(session, task, data, audit.officer(user), self.clock())
        return self._complete(session, task, data, audit.officer(user), files)

    def reply(self, session: Session, complaint: Complaint, data: Any, files: tuple[Upload, ...] = ()) -> HumanTask:
        """The reporter answers the task waiting for them (more information, or the follow-up)."""
        waiting = queries.open_for_complaint(session, complaint.id, role=PELAPOR)
        if not waiting:
            raise Conflict("nothing is waiting for the reporter's reply on this complaint")
        task = waiting[0]
        rules.check("reply", task, None)
        return self._complete(session, task, data, audit.CITIZEN, files)

    def _clock_data(self, session: Session, complaint: Complaint, task: HumanTask, ready: ReadyTask,
                    cleaned: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
        """The step's clock after this answer (:func:`workflows.sla.pause.after_answer`); a pause is
        recorded in the audit trail."""
        after = pause.after_answer(ready.properties, ready.data, cleaned, task.due_at,
                                   self.progress.policy.calendar(complaint.region_id), self.clock())
        if after is None:
            return {}
        if after.paused_seconds is not None:
            audit.record(session, complaint.id, actor, "sla_paused", self.clock(), task_name=task.name,
                         data={"step": ready.properties["sla_step"], "remaining_seconds": after.paused_seconds},
                         public=False)
        return {"sla_remaining": after.remaining}

    def _complete(self, session: Session, task: HumanTask, data: Any, actor: audit.Actor,
                  files: tuple[Upload, ...] = ()) -> HumanTask:
        """One pass through the engine: it finds the ready task, validates the answer against its
        form, lets :meth:`prepare` check references and pause the clock, runs the process; then
        the state is saved with everything that mirrors it."""
        complaint = task.complaint
        instance = session.get(ProcessInstance, task.instance_id)
        workflow = self.progress.open(session, instance)
        # Held until the save: the session keeps objects weakly, and the save looks them up again.
        referenced: list[Unit | Instansi] = []

        checked: list[CheckedFile] = []

        def prepare(ready: ReadyTask, cleaned: dict[str, Any]) -> dict[str, Any]:
            referenced.extend(_check_references(session, complaint, ready.form, cleaned))
            if files:  # photos or letters with the answer, where the diagram takes them (accepts_files)
                if ready.properties.get("accepts_files") != "true":
                    raise Invalid({"attachments": [("no_files_here", {})]})
                checked.extend(check_attachments(files))
            return self._clock_data(session, complaint, task, ready, cleaned, actor)

        try:
            cleaned, result = self.progress.engine.complete(workflow, task.spiff_task_id, data, prepare)
        except FormInvalid as exc:
            raise Invalid.from_form(exc) from exc
        except TaskNotReady as exc:
            raise Conflict("task is no longer waiting for input") from exc
        except EngineError as exc:
            raise ProcessError(f"the process could not continue: {exc}") from exc
        now = self.clock()
        task.state = "completed"
        task.completed_at = now
        if actor.user is not None:
            task.completed_by_id = actor.user.id
            task.assignee_id = task.assignee_id or actor.user.id
        stored = [Attachment(complaint_id=complaint.id, filename=f.filename, content_type=f.content_type, size=f.size,
                             sha256=f.sha256, data=f.data, created_at=now, task_name=task.name,
                             by_reporter=actor.user is None) for f in checked]
        session.add_all(stored)
        if stored:
            session.flush()
        audit.record(session, complaint.id, actor, "task_completed", now, task_name=task.name,
                     data={"title": task.title, **cleaned, **({"attachments": [a.id for a in stored]} if stored else {})},
                     public=True)
        try:
            self.progress.save(session, complaint, instance, workflow, result, actor)
        except StaleDataError as exc:
            raise Conflict(RACE_MESSAGE) from exc
        except OperationalError as exc:  # SQLite: the other writer held the lock past the timeout
            if "locked" in str(exc):
                raise Conflict(RACE_MESSAGE) from exc
            raise
        referenced.clear()  # (kept alive until here on purpose)
        if actor.user is None:
            self._tell_officers(session, complaint, task, cleaned, now)
        return task

    @staticmethod
    def _tell_officers(session: Session, complaint: Complaint, answered: HumanTask, cleaned: dict[str, Any],
                       now) -> None:
        """The reporter answered: whoever takes the step it reopens hears of it (an answer to the agency's
        question goes back to verification; dissatisfaction reopens the follow-up), with what they wrote."""
        text = cleaned.get("additional_info") or cleaned.get("comment")
        if not text:
            return
        kind = "reopened" if cleaned.get("satisfied") is False else "answered"
        for task in queries.open_for_complaint(session, complaint.id):
            if task.role != PELAPOR and task.kind == "bpmn" and task.id != answered.id:
                inbox.notify_task_holders(session, complaint, kind, task,
                                          {"task": task.title, "text": str(text)[:300]}, now)


def _suggest(session: Session, complaint: Complaint, form: dict[str, Any] | None,
             data: dict[str, Any]) -> dict[str, Any] | None:
    """Fields with ``default_from`` start with that process variable's value (e.g. the routing table's
    suggested unit) when it names a record the answer may name: a unit of the complaint's instansi that
    is still active, an existing instansi. Such a field is marked ``suggested``."""
    if form is None:
        return None
    fields = []
    for field in form["fields"]:
        value = data.get(field.get("default_from") or "")
        if is_id(value):
            if field.get("ref") == "unit":
                unit = session.get(Unit, value)
                value = value if unit is not None and unit.active and unit.instansi_id == complaint.instansi_id \
                    else None
            elif field.get("ref") == "instansi":
                value = value if session.get(Instansi, value) is not None else None
        else:
            value = None
        fields.append({**field, "default": value, "suggested": True} if value is not None else field)
    return {**form, "fields": fields}


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
            unit = session.get(Unit, value) if is_id(value) else None
            if unit is None or not unit.active or unit.instansi_id != complaint.instansi_id:
                errors[field["id"]] = [("unknown_unit", {"instansi_id": complaint.instansi_id})]
            else:
                found.append(unit)
        elif field["ref"] == "instansi":
            instansi = session.get(Instansi, value) if is_id(value) else None
            if instansi is None:
                errors[field["id"]] = [("unknown_instansi", {})]
            elif value == complaint.instansi_id:
                errors[field["id"]] = [("same_instansi", {})]
            else:
                found.append(instansi)
    if errors:
        raise Invalid(errors)
    return found

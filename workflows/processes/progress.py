"""Moving a complaint's process forward and keeping everything that mirrors it in step.

After every change to an instance (start, task completed, timer fired) :meth:`Progress.save`
stores the state, updates the human-task projection incrementally, mirrors routing data and the
status onto the complaint and records what the engine did by itself in the audit trail.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from engine.runtime import Engine, EngineError, ReadyTask, StepResult

from .. import audit
from ..accounts.roles import PELAPOR
from ..clock import Clock
from ..complaints import statuses
from ..complaints.models import Complaint
from ..errors import Conflict
from ..mail import reporter
from ..mail.outbox import MailSettings
from ..monev import rollup
from ..org.models import Instansi, Unit
from ..routing.decide import Routing
from ..sla import deadlines, escalations, milestones
from ..sla.models import Deadline
from ..sla.policy import SlaPolicy
from ..tasks import projection
from ..tasks.models import HumanTask
from ..webhooks import events as hooks
from .models import ProcessInstance
from .registry import NATIONAL_SOP, Registry


class Progress:
    def __init__(self, registry: Registry, clock: Clock, policy: SlaPolicy, routing: Routing | None = None,
                 mail: MailSettings | None = None):
        self.mail = mail or MailSettings()
        self.registry = registry
        self.engine: Engine = registry.engine
        self.clock = clock
        self.policy = policy
        self.routing = routing or Routing()

    def start(self, session: Session, complaint: Complaint) -> ProcessInstance:
        definition = self.registry.active(session, NATIONAL_SOP, complaint.region)
        data = {"complaint_id": complaint.id, "tracking_id": complaint.tracking_id,
                "instansi_id": complaint.instansi_id, "unit_id": None, "region_id": complaint.region_id,
                "type": complaint.type, "category": complaint.category}
        try:
            with self.routing.prepared(session, complaint):  # the routing table the diagram calls
                workflow, result = self.engine.start(self.registry.loaded(definition), data)
        except EngineError as exc:
            raise Conflict(f"the process could not start: {exc}") from exc
        instance = ProcessInstance(complaint_id=complaint.id, definition_id=definition.id,
                                   state=self.engine.dump(workflow), created_at=self.clock(),
                                   updated_at=self.clock())
        session.add(instance)
        session.flush()
        self.save(session, complaint, instance, workflow, result, audit.SYSTEM, store=False, new=True)
        return instance

    def open(self, session: Session, instance: ProcessInstance):
        return self.engine.load(self.registry.loaded_by_id(session, instance.definition_id), instance.state)

    def save(self, session: Session, complaint: Complaint, instance: ProcessInstance, workflow,
             result: StepResult, actor: audit.Actor, store: bool = True, new: bool = False,
             firing: Deadline | None = None, fired_at: datetime | None = None) -> None:
        """Store the instance and bring its mirrors in step. ``new``: the instance was just created, so
        it has no task rows or deadlines to read yet. ``firing``: the timer deadline the sweep is
        acting on; when its timer is gone it is marked fired here (not cancelled, then fired), and
        everything the save records is dated ``fired_at`` (the sweep's moment), so the audit trail
        of one transaction never goes back in time."""
        now = fired_at or self.clock()
        if store:
            instance.state = self.engine.dump(workflow)
            instance.updated_at = now
        instance.completed = self.engine.is_completed(workflow)
        # Read the open task rows first: this query's autoflush writes the instance (taking its row
        # lock) before anything else is read, and the complaint is changed after it, so written once.
        rows, escalations_open = projection.open_rows(session, instance, new)
        data = self.engine.data(workflow)
        self._mirror_data(session, complaint, data, now)
        ready = self.engine.ready_tasks(workflow)
        tasks = projection.project(session, complaint, instance, ready, now, rows)
        # Everything that changes the complaint and the audit trail before the one flush that gives
        # new task rows their ids (so the complaint is written once per save, not once per phase).
        self._record_steps(session, complaint, result, now)
        # (set_status reads sla_breaches for the monev milestones without autoflush: the complaint
        # is still written once per save.)
        old_status = complaint.status
        self.set_status(session, complaint, self.status_of(workflow, ready, tasks), actor, at=now)
        outcome = None
        if instance.completed and complaint.closed_at is None:
            complaint.closed_at = now
            outcome = self.engine.final_properties(workflow).get("outcome")
            hooks.closed(session, self.mail.base_url, complaint, outcome, now)
        if not new:  # (a new complaint's reporter hears of it from Complaints.submit, with the code)
            waiting = [t.due_at for t in tasks if t.role == PELAPOR and t.due_at is not None]
            reporter.progressed(session, self.mail, complaint, old_status, data, min(waiting) if waiting else None,
                                outcome, now)
        if not new:  # a complaint whose process starts now was written in this transaction
            complaint.updated_at = now
        session.flush()
        escalate_pending = deadlines.sync(session, self.policy, complaint, instance,
                                          self.engine.pending_timers(workflow),
                                          {t.spiff_task_id: t for t in tasks}, now, new=new, firing=firing,
                                          fired_at=fired_at)
        if escalations_open or escalate_pending:
            escalations.end(session, instance.id, now)
        session.flush()

    def set_status(self, session: Session, complaint: Complaint, status: str | None, actor: audit.Actor,
                   at: datetime | None = None) -> None:
        if status is None or status == complaint.status:
            return
        now = at or self.clock()
        audit.record(session, complaint.id, actor, "status_changed", now,
                     data={"from": complaint.status, "to": status}, public=True)
        old, undecided = complaint.status, complaint.verified_at is None
        milestones.record(session, self.policy, complaint, old, status, now)
        complaint.status = status
        hooks.status_changed(session, self.mail.base_url, complaint, old, status,
                             first_decision=undecided and complaint.verified_at is not None, now=now)

    def fire_timers(self, session: Session, complaint: Complaint, instance: ProcessInstance,
                    firing: Deadline | None = None, fired_at: datetime | None = None) -> StepResult:
        """Let the engine fire whatever timers are due by the clock, and store the outcome."""
        workflow = self.open(session, instance)
        try:
            result = self.engine.fire_due_timers(workflow)
        except EngineError as exc:
            raise Conflict(f"the process could not continue: {exc}") from exc
        self.save(session, complaint, instance, workflow, result, audit.SYSTEM, firing=firing, fired_at=fired_at)
        return result

    def task_properties(self, session: Session, task: HumanTask) -> dict[str, str]:
        instance = session.identity_map.get(identity_key(ProcessInstance, task.instance_id))
        if instance is not None:
            definition_id = instance.definition_id
        else:  # only the version's id: the serialized state is not needed here
            definition_id = session.scalar(select(ProcessInstance.definition_id).where(
                ProcessInstance.id == task.instance_id))
        loaded = self.registry.loaded_by_id(session, definition_id)
        spec = loaded.spec.task_specs.get(task.name)
        return dict(getattr(spec, "extensions", {}) or {})

    # -- internals -------------------------------------------------------------------------------
    @staticmethod
    def _mirror_data(session: Session, complaint: Complaint, data: dict[str, Any], now: datetime) -> None:
        instansi_id = data.get("instansi_id")
        if isinstance(instansi_id, int) and instansi_id != complaint.instansi_id \
                and session.get(Instansi, instansi_id) is not None:
            # monev counts the complaint for its new instansi: the old one's day is rebuilt too
            if complaint.instansi_id is not None:  # (None: it was waiting for triage)
                rollup.mark_stale(session, complaint.received_on, complaint.instansi_id, now)
            complaint.instansi_id = instansi_id
        unit_id = data.get("unit_id")
        if not isinstance(unit_id, int):
            unit_id = None
        elif unit_id != complaint.unit_id and session.get(Unit, unit_id) is None:
            unit_id = None  # (a unit already on the complaint exists: the foreign key says so)
        if unit_id != complaint.unit_id:
            complaint.unit_id = unit_id
        if data.get("tier") and data["tier"] != complaint.tier:
            complaint.tier = data["tier"]
        if data.get("rating") and data["rating"] != complaint.rating:
            complaint.rating = data["rating"]

    @staticmethod
    def status_of(workflow, ready: list[ReadyTask], rows: list[HumanTask]) -> str | None:
        """The status the process state says: the end event's, else the ready task's (its claimed
        status when an officer holds it); None when the diagram names none."""
        if Engine.is_completed(workflow):
            return Engine.final_properties(workflow).get("status")
        claimed = {r.spiff_task_id for r in rows if r.assignee_id is not None}
        for task in ready:
            if task.id in claimed and task.properties.get("status_claimed"):
                return task.properties["status_claimed"]
            if task.properties.get("status") in statuses.ALL:
                return task.properties["status"]
        return None

    def _record_steps(self, session: Session, complaint: Complaint, result: StepResult, now) -> None:
        """What the engine did by itself: scripts, escalations, end events."""
        for step in result.steps:
            props = step.properties
            if props.get("audit") == "sla_breach":
                audit.record(session, complaint.id, audit.SYSTEM, "sla_breach", now, task_name=step.name,
                             data={"step": props.get("sla_step"), "title": step.title}, public=True)
            elif step.kind == "ScriptTask":
                audit.record(session, complaint.id, audit.SYSTEM, "script_ran", now, task_name=step.name,
                             data={"title": step.title})
            elif step.kind == "EndEvent" and props.get("outcome"):
                audit.record(session, complaint.id, audit.SYSTEM, "process_ended", now, task_name=step.name,
                             data={"outcome": props["outcome"], "title": step.title}, public=True)


"""Moving a complaint's process forward and keeping everything that mirrors it in step.

After every change to an instance (start, task completed, timer fired) :meth:`Progress.save`
stores the state, updates the human-task projection incrementally, mirrors routing data and the
status onto the complaint and records what the engine did by itself in the audit trail.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.runtime import Engine, EngineError, ReadyTask, StepResult

from . import audit, deadlines, statuses
from .clock import Clock
from .errors import Conflict
from .models import Complaint, HumanTask, Instansi, ProcessInstance, Unit
from .policy import SlaPolicy
from .registry import NATIONAL_SOP, Registry
from .roles import task_role

OPEN = "open"


class Progress:
    def __init__(self, registry: Registry, clock: Clock, policy: SlaPolicy):
        self.registry = registry
        self.engine: Engine = registry.engine
        self.clock = clock
        self.policy = policy

    def start(self, session: Session, complaint: Complaint) -> ProcessInstance:
        definition = self.registry.active(session, NATIONAL_SOP, complaint.region)
        data = {"complaint_id": complaint.id, "tracking_id": complaint.tracking_id,
                "instansi_id": complaint.instansi_id, "unit_id": None, "region_id": complaint.region_id,
                "type": complaint.type, "category": complaint.category}
        try:
            workflow, result = self.engine.start(self.registry.loaded(definition), data)
        except EngineError as exc:
            raise Conflict(f"the process could not start: {exc}") from exc
        instance = ProcessInstance(complaint_id=complaint.id, definition_id=definition.id,
                                   state=self.engine.dump(workflow), created_at=self.clock(),
                                   updated_at=self.clock())
        session.add(instance)
        session.flush()
        self.save(session, complaint, instance, workflow, result, audit.SYSTEM, store=False)
        return instance

    def open(self, session: Session, instance: ProcessInstance):
        return self.engine.load(self.registry.loaded_by_id(session, instance.definition_id), instance.state)

    def save(self, session: Session, complaint: Complaint, instance: ProcessInstance, workflow,
             result: StepResult, actor: audit.Actor, store: bool = True) -> None:
        now = self.clock()
        if store:
            instance.state = self.engine.dump(workflow)
            instance.updated_at = now
        instance.completed = self.engine.is_completed(workflow)
        self._mirror_data(session, complaint, self.engine.data(workflow))
        ready = self.engine.ready_tasks(workflow)
        tasks = self._project(session, complaint, instance, ready, now)
        session.flush()
        deadlines.sync(session, self.policy, complaint, instance, self.engine.pending_timers(workflow),
                       {t.spiff_task_id: t for t in tasks}, now)
        deadlines.end_escalations(session, instance.id, now)
        self._record_steps(session, complaint, result, now)
        self.set_status(session, complaint, self._status(workflow, ready, tasks), actor)
        if instance.completed and complaint.closed_at is None:
            complaint.closed_at = now
        complaint.updated_at = now
        session.flush()

    def set_status(self, session: Session, complaint: Complaint, status: str | None, actor: audit.Actor) -> None:
        if status is None or status == complaint.status:
            return
        audit.record(session, complaint.id, actor, "status_changed", self.clock(),
                     data={"from": complaint.status, "to": status}, public=True)
        complaint.status = status

    def fire_timers(self, session: Session, complaint: Complaint, instance: ProcessInstance) -> StepResult:
        """Let the engine fire whatever timers are due by the clock, and store the outcome."""
        workflow = self.open(session, instance)
        try:
            result = self.engine.fire_due_timers(workflow)
        except EngineError as exc:
            raise Conflict(f"the process could not continue: {exc}") from exc
        self.save(session, complaint, instance, workflow, result, audit.SYSTEM)
        return result

    def task_properties(self, session: Session, task: HumanTask) -> dict[str, str]:
        instance = session.get(ProcessInstance, task.instance_id)
        loaded = self.registry.loaded_by_id(session, instance.definition_id)
        spec = loaded.spec.task_specs.get(task.name)
        return dict(getattr(spec, "extensions", {}) or {})

    # -- internals -------------------------------------------------------------------------------
    @staticmethod
    def _mirror_data(session: Session, complaint: Complaint, data: dict[str, Any]) -> None:
        instansi_id = data.get("instansi_id")
        if isinstance(instansi_id, int) and instansi_id != complaint.instansi_id \
                and session.get(Instansi, instansi_id) is not None:
            complaint.instansi_id = instansi_id
        unit_id = data.get("unit_id")
        complaint.unit_id = unit_id if isinstance(unit_id, int) and session.get(Unit, unit_id) else None
        if data.get("tier"):
            complaint.tier = data["tier"]
        if data.get("rating"):
            complaint.rating = data["rating"]

    def _project(self, session: Session, complaint: Complaint, instance: ProcessInstance,
                 ready: list[ReadyTask], now) -> list[HumanTask]:
        """Close rows whose task is gone, add rows for new ready tasks, refresh the rest."""
        rows = {t.spiff_task_id: t for t in session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.kind == "bpmn", HumanTask.state == OPEN))}
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
                                role=task_role(task.candidate_groups, task.lane) or "unassigned",
                                created_at=now, state=OPEN)
                session.add(row)
            row.instansi_id = complaint.instansi_id
            row.unit_id = complaint.unit_id
            row.region_id = province_id
            row.due_at = task.due_at
            result.append(row)
        return result

    @staticmethod
    def _status(workflow, ready: list[ReadyTask], rows: list[HumanTask]) -> str | None:
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

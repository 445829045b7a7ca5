"""The one adapter around SpiffWorkflow.

Everything Aduan does with a process goes through :class:`Engine`: parse a deployed version (once,
cached), start an instance, list its ready human tasks, complete one with validated data, run the
engine steps, fire due timers and (de)serialize state. The engine is storage-agnostic: it takes
and returns state strings; the domain layer (``workflows``) persists them.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import serializer
from .decisions import DecisionSource
from .forms import form_definition, validate
from .parser import parse_process
from .sandbox import make_script_engine


class EngineError(Exception):
    """A process could not take a step; the instance's stored state is untouched."""


class TaskNotReady(EngineError):
    """The task is not (or no longer) waiting for a person."""


@dataclass(frozen=True)
class ReadyTask:
    id: str
    name: str
    title: str
    lane: str | None
    candidate_groups: tuple[str, ...]
    properties: dict[str, str]
    form: dict[str, Any] | None
    data: dict[str, Any]
    due_at: datetime | None


@dataclass(frozen=True)
class PendingTimer:
    id: str
    name: str
    attached_to: str | None       # the activity's BPMN id
    attached_task_id: str | None  # the activity's task id in this instance
    due_at: datetime
    properties: dict[str, str]


@dataclass(frozen=True)
class Step:
    """A task the engine completed by itself or for a person (for the audit trail)."""
    name: str
    title: str
    kind: str
    properties: dict[str, str]


@dataclass
class StepResult:
    steps: list[Step] = field(default_factory=list)

    def add(self, task) -> None:
        spec = task.task_spec
        self.steps.append(Step(spec.name, getattr(spec, "bpmn_name", None) or spec.name,
                               spec.__class__.__name__, dict(getattr(spec, "extensions", {}) or {})))


@dataclass(frozen=True)
class LoadedSpec:
    spec: Any
    subprocess_specs: dict[str, Any]


class Engine:
    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None,
                 clock: Callable[[], datetime] | None = None, decisions: DecisionSource | None = None):
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.script_engine = make_script_engine(functions, self.clock)
        # Where business rule tasks find their decision tables (engine/decisions.py).
        self.script_engine.decisions = decisions
        self._specs: dict[Any, LoadedSpec] = {}
        self._lock = threading.Lock()

    # -- specs -----------------------------------------------------------------------------------
    @staticmethod
    def forms(loaded: LoadedSpec) -> dict[str, dict[str, Any]]:
        """The form of every user task of a parsed version, by task name."""
        forms = {}
        for process in [loaded.spec, *loaded.subprocess_specs.values()]:
            for name, task_spec in process.task_specs.items():
                form = form_definition(task_spec) if task_spec.manual else None
                if form is not None:
                    forms[name] = form
        return forms

    def cached_spec(self, cache_key: Any) -> LoadedSpec | None:
        return self._specs.get(cache_key)

    def spec(self, cache_key: Any, bpmn_xml: str, process_id: str) -> LoadedSpec:
        """The parsed spec of a deployed version; each version is parsed once per process."""
        loaded = self._specs.get(cache_key)
        if loaded is None:
            spec, subspecs = parse_process(bpmn_xml, process_id)
            loaded = LoadedSpec(spec, subspecs)
            with self._lock:
                loaded = self._specs.setdefault(cache_key, loaded)
        return loaded

    # -- instances -------------------------------------------------------------------------------
    def start(self, loaded: LoadedSpec, data: Mapping[str, Any]) -> tuple[BpmnWorkflow, StepResult]:
        workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=self.script_engine)
        workflow.task_tree.data.update(data)
        for start in workflow.get_tasks(state=TaskState.READY):
            start.data.update(data)
        return workflow, self._run(workflow)

    def load(self, loaded: LoadedSpec, state: str) -> BpmnWorkflow:
        return serializer.loads(state, loaded.spec, loaded.subprocess_specs, self.script_engine)

    @staticmethod
    def dump(workflow: BpmnWorkflow) -> str:
        return serializer.dumps(workflow)

    def ready_tasks(self, workflow: BpmnWorkflow) -> list[ReadyTask]:
        return [self._describe(task) for task in workflow.get_tasks(state=TaskState.READY, manual=True)]

    @staticmethod
    def ready_ids(workflow: BpmnWorkflow) -> list[str]:
        """The ids of the tasks waiting for a person (cheaper than :meth:`ready_tasks`: nothing described)."""
        return [str(task.id) for task in workflow.get_tasks(state=TaskState.READY, manual=True)]

    def ready_task(self, workflow: BpmnWorkflow, task_id: str) -> ReadyTask:
        """One ready human task by id, found directly (no walk over the whole task tree); raises
        :class:`TaskNotReady` when it is not (or no longer) waiting for a person."""
        return self._describe(self._ready_task(workflow, task_id))

    def pending_timers(self, workflow: BpmnWorkflow) -> list[PendingTimer]:
        """Timers still waiting to fire, with their due moments (known once their activity is entered)."""
        timers = []
        for task in workflow.get_tasks(state=TaskState.WAITING):
            timer = self._timer(task)
            if timer is not None:
                timers.append(timer)
        return timers

    def complete(self, workflow: BpmnWorkflow, task_id: str, data: Any,
                 prepare: Callable[[ReadyTask, dict[str, Any]], Mapping[str, Any] | None] | None = None,
                 ) -> tuple[dict[str, Any], StepResult]:
        """Complete a ready human task with form data; returns the cleaned form data and what ran.

        The task is looked up once and its data validated once against its form (raises
        :class:`~engine.forms.FormInvalid`). ``prepare(ready, cleaned)``, if given, runs after the
        validation and before anything changes: the domain checks what the form cannot (e.g. that
        a unit exists) and returns extra data to store with the answer (e.g. a paused clock); if it
        raises, the workflow is untouched."""
        task = self._ready_task(workflow, task_id)
        ready = self._describe(task)
        cleaned = validate(ready.form, data)
        extra = prepare(ready, cleaned) if prepare is not None else None
        task.data.update(cleaned)
        task.data.update(extra or {})
        result = StepResult()
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise EngineError(str(exc)) from exc
        result.add(task)
        self._run(workflow, result)
        return cleaned, result

    def fire_due_timers(self, workflow: BpmnWorkflow) -> StepResult:
        workflow.refresh_timers()
        return self._run(workflow)

    @staticmethod
    def is_completed(workflow: BpmnWorkflow) -> bool:
        return workflow.is_completed()

    @staticmethod
    def final_properties(workflow: BpmnWorkflow) -> dict[str, str]:
        """Properties of the end event the main path reached (status, outcome), if any."""
        ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
                if t.task_spec.__class__.__name__ == "EndEvent"
                and (getattr(t.task_spec, "extensions", None) or {}).get("status")]
        if not ends:
            return {}
        return dict(max(ends, key=lambda t: t.last_state_change).task_spec.extensions)

    @staticmethod
    def data(workflow: BpmnWorkflow) -> dict[str, Any]:
        """The data a person would call 'current': the newest ready task's, else the last task's."""
        ready = workflow.get_tasks(state=TaskState.READY)
        if ready:
            return dict(max(ready, key=lambda t: t.last_state_change).data)
        if workflow.last_task is not None:
            return dict(workflow.last_task.data)
        return dict(workflow.data)

    # -- internals -------------------------------------------------------------------------------
    def _run(self, workflow: BpmnWorkflow, result: StepResult | None = None) -> StepResult:
        result = result or StepResult()
        try:
            workflow.do_engine_steps(did_complete_task=result.add)
            # A timer boundary expression is evaluated when its activity is entered: do it now, so
            # due dates are known (and stored) from the first moment.
            workflow.refresh_timers()
            workflow.do_engine_steps(did_complete_task=result.add)
        except SpiffWorkflowException as exc:
            raise EngineError(_describe(exc)) from exc
        return result

    def _describe(self, task) -> ReadyTask:
        spec = task.task_spec
        props = dict(getattr(spec, "extensions", {}) or {})
        groups = tuple(g.strip() for g in props.pop("candidateGroups", "").split(",") if g.strip())
        due = [t.due_at for t in self._timers_of(task)]
        return ReadyTask(id=str(task.id), name=spec.name, title=getattr(spec, "bpmn_name", None) or spec.name,
                         lane=spec.lane, candidate_groups=groups, properties=props, form=form_definition(spec),
                         data=dict(task.data), due_at=min(due) if due else None)

    @staticmethod
    def _ready_task(workflow: BpmnWorkflow, task_id: str):
        try:
            task = workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, SpiffWorkflowException):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is not waiting for input")
        return task

    def _timers_of(self, task) -> list[PendingTimer]:
        parent = task.parent
        if parent is None or parent.task_spec.__class__.__name__ != "BoundaryEventSplit":
            return []
        # A non-interrupting timer that already fired still tells when the task was due.
        timers = [self._timer(t) for t in parent.children
                  if t is not task and t.state in (TaskState.WAITING, TaskState.READY, TaskState.COMPLETED)]
        return [t for t in timers if t is not None]

    @staticmethod
    def _timer(task) -> PendingTimer | None:
        spec = task.task_spec
        if not isinstance(spec, CatchingEvent) or not isinstance(spec.event_definition, TimerEventDefinition):
            return None
        value = task._get_internal_data("event_value")
        if not isinstance(value, str):
            return None
        attached = None
        if task.parent is not None and task.parent.task_spec.__class__.__name__ == "BoundaryEventSplit":
            attached = next((c for c in task.parent.children if not isinstance(c.task_spec, CatchingEvent)), None)
        due = TimerEventDefinition.get_datetime(value).astimezone(timezone.utc)
        return PendingTimer(str(task.id), spec.name, attached.task_spec.name if attached else None,
                            str(attached.id) if attached else None, due,
                            dict(getattr(spec, "extensions", {}) or {}))


def _describe(exc: SpiffWorkflowException) -> str:
    inner = getattr(exc, "exception", None) or exc.__cause__
    message = str(exc)
    if inner is not None and str(inner) not in message:
        message = f"{message}: {inner}"
    spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
    name = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    if name and name not in message:
        message = f"{name}: {message}"  # the BPMN element the engine stopped at
    return message

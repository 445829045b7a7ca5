"""Moving a running instance to another version of its process.

Built on SpiffWorkflow's own diff (``SpiffWorkflow.bpmn.util.diff``): task specs are aligned by
BPMN id. The rules, after Camunda 8 and SpiffArena:

* every *active* element of the instance (a task waiting for a person, a timer or message waiting)
  must exist in the target version with the same kind of element, else the instance cannot move
  (:attr:`MigrationCheck.unmapped` names them) -- nothing is guessed;
* an active element whose definition did not change keeps what it has (a timer keeps its due
  moment, a claimed task its data);
* an active element whose definition changed is re-entered: a timer's expression is evaluated
  again *as of the moment its step started* (:mod:`engine.moment`), so a new limit counts from
  when the complaint reached the step, not from the migration;
* what lies ahead of the active elements is predicted again from the target version.

The caller keeps the old state (to revert) and stores the new one.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState

from . import serializer
from .moment import evaluated_at
from .runtime import LoadedSpec

ACTIVE = TaskState.READY | TaskState.WAITING


@dataclass(frozen=True)
class MigrationCheck:
    active: tuple[str, ...]      # BPMN ids of the elements the instance waits at
    unmapped: tuple[str, ...]    # active elements missing (or of another kind) in the target
    changed: tuple[str, ...]     # active elements whose definition differs in the target

    @property
    def movable(self) -> bool:
        return not self.unmapped


class MigrationRefused(Exception):
    def __init__(self, check: MigrationCheck):
        super().__init__("active elements not in the target version: " + ", ".join(check.unmapped))
        self.check = check


def _pairs(workflow: BpmnWorkflow, target: LoadedSpec):
    """(sub)workflow, its spec diff against the target (None: the target lacks that process)."""
    registry = serializer.registry()
    yield workflow, SpecDiff(registry, workflow.spec, target.spec), target.spec
    for sub in workflow.subprocesses.values():
        new_spec = target.subprocess_specs.get(sub.spec.name)
        yield sub, (SpecDiff(registry, sub.spec, new_spec) if new_spec is not None else None), new_spec


def _active(flow) -> list:
    return [t for t in flow.get_tasks(state=ACTIVE, skip_subprocesses=True)
            if t.task_spec.__class__.__name__ not in ("BpmnStartTask", "StartEvent")]


def check(workflow: BpmnWorkflow, target: LoadedSpec) -> MigrationCheck:
    active, unmapped, changed = [], [], []
    for flow, diff, _spec in _pairs(workflow, target):
        for task in _active(flow):
            name = task.task_spec.name
            active.append(name)
            aligned = diff.alignment.get(task.task_spec) if diff is not None else None
            if aligned is None or aligned.name != name or type(aligned) is not type(task.task_spec):
                unmapped.append(name)
            elif _differs(diff, task.task_spec, aligned):
                changed.append(name)
    return MigrationCheck(tuple(active), tuple(unmapped), tuple(changed))


def migrate(workflow: BpmnWorkflow, target: LoadedSpec,
            entered: Mapping[str, datetime] | None = None) -> MigrationCheck:
    """Move ``workflow`` (in memory) onto ``target``; refuses, untouched, when an active element is
    not mapped. ``entered``: when each waiting activity (by task id) was reached, by the caller's
    clock; SpiffWorkflow's own wall-clock stamp otherwise."""
    result = check(workflow, target)
    if not result.movable:
        raise MigrationRefused(result)
    for flow, diff, new_spec in list(_pairs(workflow, target)):
        changed = {old for old, new in diff.alignment.items() if new is not None and _differs(diff, old, new)}
        active = _active(flow)
        flow.spec = new_spec
        for task in flow.tasks.values():
            aligned = diff.alignment.get(task.task_spec)
            if aligned is not None:
                task.task_spec = aligned
        for task in active:
            if task.id not in flow.tasks:
                continue
            if task.state == TaskState.WAITING and _old_spec(diff, task) in changed:
                with evaluated_at(_started(task, entered or {})):
                    task.reset_branch(None)
            else:  # what lies ahead is predicted again from the target version
                task._drop_children(force=True)
                task.task_spec._predict(task, mask=task.state | TaskState.PREDICTED_MASK | TaskState.FUTURE)
        if flow.last_task is not None and flow.last_task.id not in flow.tasks:
            flow.last_task = None
    return result


def _differs(diff: SpecDiff, old, new) -> bool:
    """SpiffWorkflow's comparison, plus what it cannot see: an event definition compares equal by
    kind and name alone, so a timer's changed expression is compared here."""
    if old in diff.changed:
        return True
    old_event, new_event = getattr(old, "event_definition", None), getattr(new, "event_definition", None)
    return getattr(old_event, "expression", None) != getattr(new_event, "expression", None)


def _old_spec(diff: SpecDiff, task):
    return next((old for old, new in diff.alignment.items() if new is task.task_spec), None)


def _started(task, entered: Mapping[str, datetime]) -> datetime:
    """When the step the task belongs to was entered (a boundary timer: when its activity was)."""
    anchor = task
    if task.parent is not None and task.parent.task_spec.__class__.__name__ == "BoundaryEventSplit":
        anchor = next((c for c in task.parent.children if c is not task
                       and not isinstance(c.task_spec, CatchingEvent)), task.parent)
    moment = entered.get(str(anchor.id))
    return moment or datetime.fromtimestamp(anchor.last_state_change, timezone.utc)

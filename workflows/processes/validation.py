"""Whether a diagram may be deployed: the engine's checks (``engine.lint``) plus Aduan's own rules,
each problem naming the BPMN element it concerns, so a designer (or their own tooling over the API)
sees every problem at once and never deploys a diagram that fails a complaint at run time.

Aduan's rules:

* every user task is worked by a known role (``camunda:candidateGroups`` or its lane);
* every officer's task has a time limit (a timer boundary event) or says why not (the property
  ``sla_exempt`` with a reason);
* ``status`` / ``status_claimed`` are published LAPOR! statuses;
* a timer that calls ``sla_due("step")`` names a step with a time limit;
* a condition reads only names something gives a value: a form field, a script, the data every
  complaint starts with (``START_DATA``) or a helper diagrams may call -- a condition on an answer
  no form asks any more (its task deleted) is named, not left to fail a complaint at run time;
* a diagram with a liaison officer's task lets an earlier form choose the unit (a field ``unit_id``
  with ``ref`` = ``unit``): the domain routes the complaint to the unit from that field;
* compatible with the live version it replaces: a user task kept (same BPMN id) keeps every form
  field of the live version, with its type and every choice value -- complaints waiting there,
  their recorded answers, reports and integrating systems read them. A field is retired by
  removing the task (a new id), never silently.
"""
from __future__ import annotations

import ast
import builtins
import re
from typing import Any

from engine.lint import Diagram, Problem, lint

from ..accounts.roles import OFFICER_ROLES, PEJABAT_PENGHUBUNG, PELAPOR, task_role
from ..complaints import statuses
from ..errors import Invalid
from ..sla.policy import DEFAULT_LIMITS

STEPS = sorted({step for step, _tier in DEFAULT_LIMITS})
# What every complaint's process starts with (workflows.processes.progress.Progress.start) and the
# engine adds (a paused clock's remaining time, the follow-up tier), and the helpers diagrams call.
START_DATA = ("complaint_id", "tracking_id", "instansi_id", "unit_id", "region_id", "type", "category", "tier",
              "sla_remaining")
DIAGRAM_HELPERS = ("sla_due", "working_days", "working_hours")
_SLA_DUE = re.compile(r"""sla_due\(\s*["']([^"']*)["']\s*\)""")


class DiagramInvalid(Invalid):
    """A diagram refused, with every problem (element, code, params)."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        where = f" at {first.element}" if first.element else ""
        reason = first.params.get("reason") or first.code
        super().__init__({"bpmn": [(p.code, {**p.params, "element": p.element}) for p in problems]},
                         f"the diagram cannot be deployed{where}: {reason}")
        self.problems = problems


def problems(bpmn_xml: str, key: str, live_xml: str | None = None) -> list[Problem]:
    """Every reason this diagram cannot be deployed as process ``key`` (empty: it can), replacing
    the diagram ``live_xml`` when given."""
    found, diagram = lint(bpmn_xml, key)
    if diagram is None:
        return found
    found.extend(_unit_routing(diagram))
    found.extend(_unset_names(diagram))
    if live_xml is not None:
        _live_problems, live = lint(live_xml, key)
        if live is not None:
            found.extend(_compatible(diagram, live))
    for task in diagram.user_tasks:
        role = task_role(task.candidate_groups, task.lane)
        if role not in (*OFFICER_ROLES, PELAPOR):
            found.append(Problem(task.id, "unknown_role", {
                "reason": f"user task {task.id!r} has no known role: set camunda:candidateGroups to one of "
                          f"{', '.join((*OFFICER_ROLES, PELAPOR))} or put it in a known lane",
                "roles": [*OFFICER_ROLES, PELAPOR]}))
        elif role in OFFICER_ROLES and not task.timers and not task.properties.get("sla_exempt", "").strip():
            found.append(Problem(task.id, "no_time_limit", {}))
    for element, props in diagram.properties.items():
        for name in ("status", "status_claimed"):
            if name in props and props[name] not in statuses.ALL:
                found.append(Problem(element, "unknown_status", {"status": props[name],
                                                                 "statuses": list(statuses.ALL)}))
    for element, expression in diagram.timer_expressions.items():
        for step in _SLA_DUE.findall(expression):
            if step not in STEPS:
                found.append(Problem(element, "unknown_step", {"step": step, "steps": STEPS}))
    return found


def _names_read(source: str) -> set[str]:
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return set()  # (already named by the engine's checks)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _names_set(diagram: Diagram) -> set[str]:
    found = set(START_DATA) | set(DIAGRAM_HELPERS) | set(dir(builtins))
    found.update(f["id"] for task in diagram.user_tasks for f in task.fields)
    for script in diagram.scripts.values():
        try:
            tree = ast.parse(script)
        except SyntaxError:
            continue
        found.update(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return found


def _unset_names(diagram: Diagram) -> list[Problem]:
    known = _names_set(diagram)
    return [Problem(flow, "unset_variable", {"names": sorted(names - known)})
            for flow, condition in diagram.conditions.items() if (names := _names_read(condition)) - known]


def _unit_routing(diagram: Diagram) -> list[Problem]:
    chooses_unit = any(f["id"] == "unit_id" and f["props"].get("ref") == "unit"
                       for task in diagram.user_tasks for f in task.fields)
    if chooses_unit:
        return []
    return [Problem(task.id, "no_unit_choice", {}) for task in diagram.user_tasks
            if task_role(task.candidate_groups, task.lane) == PEJABAT_PENGHUBUNG]


def _compatible(new: Diagram, live: Diagram) -> list[Problem]:
    found = []
    kept = {task.id: task for task in new.user_tasks}
    for old in live.user_tasks:
        task = kept.get(old.id)
        if task is None:
            continue
        fields = {f["id"]: f for f in task.fields}
        for field in old.fields:
            now = fields.get(field["id"])
            where = {"field": field["id"]}
            if now is None:
                found.append(Problem(task.id, "field_removed", where))
            elif now["type"] != field["type"]:
                found.append(Problem(task.id, "field_retyped", {**where, "was": field["type"], "type": now["type"]}))
            elif [v for v in field["values"] if v not in now["values"]]:
                found.append(Problem(task.id, "values_removed", {
                    **where, "values": [v for v in field["values"] if v not in now["values"]]}))
    return found


def check(bpmn_xml: str, key: str, live_xml: str | None = None) -> None:
    found = problems(bpmn_xml, key, live_xml)
    if found:
        raise DiagramInvalid(found)


def as_json(found: list[Problem]) -> list[dict[str, Any]]:
    return [{"element": p.element, "code": p.code, "params": p.params} for p in found]

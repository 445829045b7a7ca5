"""Checks a diagram must pass before it is deployed, each naming the element it concerns.

The engine's share of validation: whatever SpiffWorkflow and the sandbox decide. The XML is
well-formed and valid against the BPMN 2.0 schema and parses as a process; every flow node is
reachable from a start event and can reach an end event; every condition, timer expression and
script compiles in the sandbox (a Camunda JUEL condition such as ``${action == "dispatch"}`` is
named as such, with the Python form to write instead); every form field has a known type, enum
values, a ``required_if`` or ``shown_if`` naming a field of the same form and known values. The
domain adds its own rules (roles, statuses, time limits: ``workflows.processes.validation``) on the
:class:`Diagram` summary this returns.

Problems carry a stable ``code`` and parameters; the web layer words them.
"""
from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .parser import DiagramError, parse_process
from .sandbox import ScriptNotAllowed, compile_expression, compile_script

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
FIELD_TYPES = ("string", "long", "boolean", "enum", "date")
REFS = ("unit", "instansi")
PUBLIC = ("value", "text")
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
FLOW_NODES = ("startEvent", "endEvent", "task", "userTask", "scriptTask", "serviceTask", "manualTask",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
              "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "subProcess", "callActivity")


@dataclass(frozen=True)
class Problem:
    element: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class UserTask:
    id: str
    name: str
    candidate_groups: tuple[str, ...]
    lane: str | None
    properties: dict[str, str]
    fields: list[dict[str, Any]]
    timers: list[str]  # ids of the timer boundary events attached to it


@dataclass
class Diagram:
    """What the domain's rules read: user tasks (with their lane and timers), properties of events."""
    user_tasks: list[UserTask] = field(default_factory=list)
    properties: dict[str, dict[str, str]] = field(default_factory=dict)  # element id -> camunda:properties
    timer_expressions: dict[str, str] = field(default_factory=dict)      # timer event id -> expression
    conditions: dict[str, str] = field(default_factory=dict)             # sequence flow id -> condition
    scripts: dict[str, str] = field(default_factory=dict)                # script task id -> script


def _q(tag: str) -> str:
    return f"{{{BPMN}}}{tag}"


def _properties(node) -> dict[str, str]:
    props = {}
    for prop in node.iterfind(f"{_q('extensionElements')}/{{{CAMUNDA}}}properties/{{{CAMUNDA}}}property"):
        if prop.get("name"):
            props[prop.get("name")] = prop.get("value", "")
    return props


def lint(bpmn_xml: str, process_id: str) -> tuple[list[Problem], Diagram | None]:
    try:
        parse_process(bpmn_xml, process_id)
    except DiagramError as exc:
        return [Problem(_element_in(str(exc)), "invalid_diagram", {"reason": str(exc)})], None
    root = etree.fromstring(bpmn_xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    process = next((p for p in root.iter(_q("process")) if p.get("id") == process_id), None)
    if process is None:
        return [Problem(None, "invalid_diagram", {"reason": f"no process with id {process_id!r}"})], None
    problems: list[Problem] = []
    diagram = Diagram()
    lanes = {ref.text.strip(): lane.get("name") for lane in process.iter(_q("lane"))
             for ref in lane.iterfind(_q("flowNodeRef")) if ref.text}
    nodes = {n.get("id"): n for tag in FLOW_NODES for n in process.iter(_q(tag))}
    timers_of: dict[str, list[str]] = defaultdict(list)
    for node_id, node in nodes.items():
        diagram.properties[node_id] = _properties(node)
        definition = node.find(_q("timerEventDefinition"))
        if definition is not None:
            expression = next((c.text or "" for c in definition if c.tag in (_q("timeDate"), _q("timeDuration"),
                                                                             _q("timeCycle"))), "")
            diagram.timer_expressions[node_id] = expression
            problems.extend(_expression(node_id, expression, "timer"))
            if node.tag == _q("boundaryEvent") and node.get("attachedToRef"):
                timers_of[node.get("attachedToRef")].append(node_id)
    for node_id, node in nodes.items():
        if node.tag == _q("userTask"):
            groups = node.get(f"{{{CAMUNDA}}}candidateGroups") or ""
            fields = _form_fields(node, problems)
            diagram.user_tasks.append(UserTask(
                node_id, node.get("name") or node_id, tuple(g.strip() for g in groups.split(",") if g.strip()),
                lanes.get(node_id), diagram.properties[node_id], fields, timers_of.get(node_id, [])))
        elif node.tag == _q("scriptTask"):
            script = node.findtext(_q("script")) or ""
            diagram.scripts[node_id] = script
            problems.extend(_script(node_id, script))
    for flow in process.iter(_q("sequenceFlow")):
        condition = flow.findtext(_q("conditionExpression"))
        if condition is not None and condition.strip():
            diagram.conditions[flow.get("id")] = condition
            problems.extend(_expression(flow.get("id"), condition, "condition"))
    problems.extend(_paths(process, nodes))
    return problems, diagram


def _element_in(message: str) -> str | None:
    found = re.search(r"(?:id|ID)[\s:=]+['\"]?([A-Za-z_][\w.-]*)", message)
    return found.group(1) if found else None


def _expression(element: str, source: str, kind: str) -> list[Problem]:
    juel = _JUEL.match(source)
    if juel:
        return [Problem(element, "juel_expression", {"kind": kind, "python": juel.group(1).strip()})]
    try:
        compile_expression(source)
    except (SyntaxError, ScriptNotAllowed) as exc:
        return [Problem(element, "expression_invalid", {"kind": kind, "reason": _reason(exc)})]
    return []


def _script(element: str, source: str) -> list[Problem]:
    try:
        compile_script(source)
    except (SyntaxError, ScriptNotAllowed) as exc:
        return [Problem(element, "script_invalid", {"reason": _reason(exc)})]
    return []


def _reason(exc: Exception) -> str:
    if isinstance(exc, SyntaxError):
        return f"{exc.msg} (line {exc.lineno})"
    return str(exc)


def _form_fields(node, problems: list[Problem]) -> list[dict[str, Any]]:
    fields = []
    for item in node.iterfind(f"{_q('extensionElements')}/{{{CAMUNDA}}}formData/{{{CAMUNDA}}}formField"):
        props = {p.get("id"): p.get("value", "") for p in item.iterfind(f"{{{CAMUNDA}}}properties/{{{CAMUNDA}}}property")}
        fields.append({"id": item.get("id"), "type": item.get("type"), "props": props,
                       "values": [v.get("id") for v in item.iterfind(f"{{{CAMUNDA}}}value")]})
    ids = {f["id"]: f for f in fields}
    task = node.get("id")
    for f in fields:
        where = {"field": f["id"]}
        if f["type"] not in FIELD_TYPES:
            problems.append(Problem(task, "field_type", {**where, "type": f["type"], "types": list(FIELD_TYPES)}))
        if f["type"] == "enum" and not f["values"]:
            problems.append(Problem(task, "field_no_values", where))
        if "ref" in f["props"] and f["props"]["ref"] not in REFS:
            problems.append(Problem(task, "field_ref", {**where, "ref": f["props"]["ref"], "refs": list(REFS)}))
        if "public" in f["props"] and f["props"]["public"] not in PUBLIC:
            problems.append(Problem(task, "field_public", {**where, "value": f["props"]["public"]}))
        for condition in ("required_if", "shown_if"):
            if condition not in f["props"]:
                continue
            other, _, values = f["props"][condition].partition(":")
            target = ids.get(other)
            if target is None:
                problems.append(Problem(task, f"{condition}_field", {**where, "other": other}))
            elif target["type"] == "enum":
                unknown = [v for v in values.split(",") if v not in target["values"]]
                if unknown:
                    problems.append(Problem(task, f"{condition}_value", {**where, "other": other, "values": unknown}))
    return fields


def _paths(process, nodes: dict[str, Any]) -> list[Problem]:
    """Every node reachable from a start event, and able to reach an end event."""
    forward: dict[str, set[str]] = defaultdict(set)
    for flow in process.iter(_q("sequenceFlow")):
        forward[flow.get("sourceRef")].add(flow.get("targetRef"))
    for node_id, node in nodes.items():
        if node.tag == _q("boundaryEvent") and node.get("attachedToRef"):
            forward[node.get("attachedToRef")].add(node_id)
    backward: dict[str, set[str]] = defaultdict(set)
    for source, targets in forward.items():
        for target in targets:
            backward[target].add(source)
    starts = [n for n, node in nodes.items() if node.tag == _q("startEvent")]
    ends = [n for n, node in nodes.items() if node.tag == _q("endEvent")]
    reached = _walk(starts, forward)
    finishing = _walk(ends, backward)
    problems = []
    for node_id, node in nodes.items():
        if node_id not in reached:
            problems.append(Problem(node_id, "unreachable", {}))
        elif node_id not in finishing:
            problems.append(Problem(node_id, "no_way_to_end", {}))
    return problems


def _walk(starts: list[str], edges: dict[str, set[str]]) -> set[str]:
    seen, queue = set(starts), deque(starts)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen

"""What changed between two diagrams: steps, flows, limits, forms, scripts and lanes, element by element.

Elements are matched by BPMN id (as SpiffWorkflow's migration aligns them). Each element of the
process is reduced to the aspects a designer edits -- its name, its lane, the time limit of a
timer, a flow's condition, a script, a user task's form fields and properties -- and two versions
are compared aspect by aspect. The page colours the diagram from the same answer the API gives.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
_NS = {"bpmn": BPMN, "camunda": CAMUNDA}
STEP_KINDS = {"userTask", "manualTask", "task", "scriptTask", "serviceTask", "businessRuleTask", "sendTask",
              "receiveTask", "callActivity", "subProcess"}
SKIPPED = {"laneSet", "lane", "flowNodeRef", "extensionElements", "documentation", "incoming", "outgoing",
           "textAnnotation", "association"}


@dataclass(frozen=True)
class Change:
    element: str          # BPMN id
    name: str
    kind: str             # step | event | gateway | flow
    change: str           # added | removed | changed
    aspects: tuple[str, ...] = ()   # for "changed": name, lane, limit, condition, script, form, properties, type, path
    old_name: str = ""              # the name before, when it changed


def _text(node) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def _kind(tag: str) -> str:
    if tag == "sequenceFlow":
        return "flow"
    if tag in STEP_KINDS:
        return "step"
    return "gateway" if tag.endswith("Gateway") else "event"


def _aspects(node, lanes: dict[str, str]) -> dict[str, object]:
    tag = etree.QName(node).localname
    found: dict[str, object] = {
        "type": tag,
        "name": node.get("name") or "",
        "lane": lanes.get(node.get("id"), ""),
        "limit": tuple(_text(t) for t in node.iterfind(".//bpmn:timeDate", _NS))
        + tuple(_text(t) for t in node.iterfind(".//bpmn:timeDuration", _NS))
        + tuple(_text(t) for t in node.iterfind(".//bpmn:timeCycle", _NS)),
        "condition": _text(node.find("bpmn:conditionExpression", _NS)),
        "script": _text(node.find("bpmn:script", _NS)),
        "form": tuple(etree.tostring(f, method="c14n") for f in node.iterfind(".//camunda:formField", _NS)),
        "properties": tuple(sorted((p.get("name") or "", p.get("value") or "")
                                   for p in node.iterfind("bpmn:extensionElements/camunda:properties/camunda:property",
                                                          _NS)))
        + tuple(sorted((k, v) for k, v in node.attrib.items() if k.startswith("{" + CAMUNDA))),
        "path": (node.get("sourceRef") or "", node.get("targetRef") or "", node.get("attachedToRef") or ""),
    }
    return found


def _elements(xml: str) -> dict[str, tuple[str, dict[str, object]]]:
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                 huge_tree=False))
    lanes = {ref.text.strip(): lane.get("name") or lane.get("id")
             for lane in root.iterfind(".//bpmn:lane", _NS) for ref in lane.iterfind("bpmn:flowNodeRef", _NS)
             if ref.text}
    found = {}
    for process in root.iterfind("bpmn:process", _NS):
        for node in process.iter(etree.Element):
            tag = etree.QName(node).localname
            if node is process or tag in SKIPPED or node.get("id") is None or etree.QName(node).namespace != BPMN:
                continue
            if node.getparent() is not process and etree.QName(node.getparent()).localname != "subProcess":
                continue  # event definitions, expressions: aspects of their element
            found[node.get("id")] = (_kind(tag), _aspects(node, lanes))
    return found


def compare(old_xml: str, new_xml: str) -> list[Change]:
    """Every element added, removed or changed from ``old_xml`` to ``new_xml``, steps first."""
    old, new = _elements(old_xml), _elements(new_xml)
    changes = []
    for element, (kind, aspects) in new.items():
        if element not in old:
            changes.append(Change(element, str(aspects["name"]), kind, "added"))
        else:
            differing = tuple(a for a, v in aspects.items() if old[element][1].get(a) != v)
            if differing:
                changes.append(Change(element, str(aspects["name"]), kind, "changed", differing,
                                      str(old[element][1]["name"]) if "name" in differing else ""))
    for element, (kind, aspects) in old.items():
        if element not in new:
            changes.append(Change(element, str(aspects["name"]), kind, "removed"))
    order = {"step": 0, "event": 1, "gateway": 2, "flow": 3}
    return sorted(changes, key=lambda c: (order[c.kind], c.change, c.element))


def names(xml: str) -> dict[str, str]:
    """The name of every element of a diagram by BPMN id (its id where it has none)."""
    return {element: str(aspects["name"]) or element for element, (_kind, aspects) in _elements(xml).items()}

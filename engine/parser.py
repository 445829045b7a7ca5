"""BPMN parsing: the Camunda flavour of SpiffWorkflow, with two small additions.

* ``camunda:properties`` are read on events too (stock SpiffWorkflow reads them on tasks only), so a
  designer can put ``status`` / ``outcome`` / ``sla_step`` on end and boundary events.
* ``camunda:candidateGroups`` on user tasks is kept in ``task_spec.extensions['candidateGroups']``:
  it names the role whose officers may work the task.
* ``bpmn:businessRuleTask`` calls its ``camunda:decisionRef`` when it runs, not when it is parsed
  (engine/decisions.py): regions edit their decision tables while complaints run.

See docs/adr/0001-camunda-flavour.md for why the Camunda flavour.
"""
from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator, full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    IntermediateCatchEvent,
    NoneTask,
    StartEvent,
)
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaEndEventParser,
    CamundaIntermediateCatchEventParser,
    CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CamundaTaskParser, UserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from .decisions import LiveBusinessRuleTask, LiveBusinessRuleTaskParser
from .timers import clocked


class DiagramError(ValueError):
    """A diagram that cannot be deployed; the message says where and why."""


def _parse_properties(parser) -> dict[str, str]:
    return CamundaTaskParser.parse_extensions(parser)


class _ClockedTimers:
    """Event parsers mix this in so timers follow the engine's clock (engine/timers.py)."""

    def parse_timer_event(self, event):
        return clocked(super().parse_timer_event(event))


class _UserTaskParser(UserTaskParser):
    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        groups = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}candidateGroups")
        if groups:
            extensions["candidateGroups"] = groups
        return extensions


class _AutomaticTaskParser(CamundaTaskParser):
    """A plain ``bpmn:task`` is a marker step (e.g. "escalation recorded") the engine passes at once;
    stock SpiffWorkflow would wait for a person. Work for people is modelled as ``bpmn:userTask``."""

    def create_task(self):
        task = super().create_task()
        task.manual = False
        return task


class _StartEventParser(_ClockedTimers, CamundaStartEventParser):
    parse_extensions = _parse_properties


class _EndEventParser(CamundaEndEventParser):
    parse_extensions = _parse_properties


class _CatchEventParser(_ClockedTimers, CamundaIntermediateCatchEventParser):
    parse_extensions = _parse_properties


class _BoundaryEventParser(_ClockedTimers, CamundaBoundaryEventParser):
    parse_extensions = _parse_properties


class AduanParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (_UserTaskParser, UserTask),
        full_tag("task"): (_AutomaticTaskParser, NoneTask),
        full_tag("startEvent"): (_StartEventParser, StartEvent),
        full_tag("endEvent"): (_EndEventParser, EndEvent),
        full_tag("intermediateCatchEvent"): (_CatchEventParser, IntermediateCatchEvent),
        full_tag("boundaryEvent"): (_BoundaryEventParser, BoundaryEvent),
        full_tag("businessRuleTask"): (LiveBusinessRuleTaskParser, LiveBusinessRuleTask),
    }


def parse_process(bpmn_xml: str | bytes, process_id: str):
    """Parse one process out of a BPMN document, validating it against the BPMN 2.0 schema.

    Returns ``(spec, subprocess_specs)``. Raises :class:`DiagramError` with a readable message.
    """
    data = bpmn_xml.encode("utf-8") if isinstance(bpmn_xml, str) else bpmn_xml
    parser = AduanParser(validator=BpmnValidator())
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        parser.add_bpmn_xml(root, filename=f"{process_id}.bpmn")
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except etree.XMLSyntaxError as exc:
        raise DiagramError(f"not well-formed XML: {exc}") from exc
    except ValidationException as exc:
        raise DiagramError(str(exc)) from exc
    return spec, subprocess_specs

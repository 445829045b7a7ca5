"""DMN decisions a diagram calls from a ``bpmn:businessRuleTask``, looked up when the task runs.

Stock SpiffWorkflow binds a business rule task to one decision table when the diagram is parsed. Aduan's
decision tables (e.g. the routing table) are edited by regions while complaints run, and which table
applies depends on the complaint's region. So the task keeps only its ``camunda:decisionRef``; when it
runs it asks the engine's *decision source* for the table (``source(ref, data)`` returns the DMN
document's text, or None when there is none), and SpiffWorkflow's own DMN parser and engine evaluate
it. Input and output names follow the DMN; the outputs are merged into the task data.

The source may also hand extra, read-only inputs for the evaluation (``Decision.inputs``: e.g. the
complaint's text for keyword rules) that are not kept in the process data.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer.helpers.spec import TaskSpecConverter
from SpiffWorkflow.bpmn.specs.mixins import BpmnSpecMixin
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CamundaTaskParser
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.dmn.specs.model import DecisionTable
from SpiffWorkflow.util.deep_merge import DeepMerge

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


@dataclass(frozen=True)
class Decision:
    """A decision to evaluate: the DMN document, and inputs given only for this evaluation."""
    dmn: str
    inputs: Mapping[str, Any] = field(default_factory=dict)


DecisionSource = Callable[[str, Mapping[str, Any]], "Decision | None"]


class DecisionError(ValueError):
    """A DMN document SpiffWorkflow cannot read."""


def parse_table(dmn: str) -> DecisionTable:
    """The first decision table of a DMN document, read by SpiffWorkflow's DMN parser."""
    try:
        root = etree.fromstring(dmn.encode("utf-8"),
                                parser=etree.XMLParser(resolve_entities=False, no_network=True))
        nsmap = {"dmn": root.nsmap.get(None) or DMN_NS}
        parser = DMNParser(None, root, nsmap)
        parser.parse()
        return parser.decision.decisionTables[0]
    except (etree.XMLSyntaxError, ValidationException, IndexError, KeyError) as exc:
        raise DecisionError(f"not a readable DMN decision table: {exc}") from exc


class FirstHitEngine(DMNEngine):
    """SpiffWorkflow's DMN engine, stopping at the first matching rule under hit policy FIRST (stock
    SpiffWorkflow evaluates every rule, then takes the first match: the same result, more work)."""

    def decide(self, task):
        if self.decision_table.hit_policy != "FIRST":
            return super().decide(task)
        for rule in self.decision_table.rules:
            if self._DMNEngine__check_rule(rule, task):  # (DMNEngine's own rule check)
                return [rule]
        return []


class LiveBusinessRuleTask(BpmnSpecMixin):
    """A ``bpmn:businessRuleTask`` whose decision table is fetched when it runs."""

    def __init__(self, wf_spec, name, decision_ref: str, **kwargs):
        super().__init__(wf_spec, name, **kwargs)
        self.decision_ref = decision_ref

    def _run_hook(self, my_task):
        source: DecisionSource | None = getattr(my_task.workflow.script_engine, "decisions", None)
        decision = source(self.decision_ref, dict(my_task.data)) if source is not None else None
        if decision is not None:
            table = _cached_table(decision.dmn)
            kept = dict(my_task.data)
            my_task.data.update(decision.inputs)
            try:
                result = FirstHitEngine(table).result(my_task)
            finally:
                my_task.data = kept
            my_task.data = DeepMerge.merge(my_task.data, dict(result))
        return super()._run_hook(my_task)


_TABLES: dict[str, DecisionTable] = {}
_TABLES_KEPT = 256


def _cached_table(dmn: str) -> DecisionTable:
    """Parsed tables by their text: a region's table is parsed once until it changes."""
    table = _TABLES.get(dmn)
    if table is None:
        if len(_TABLES) >= _TABLES_KEPT:
            _TABLES.clear()
        table = _TABLES[dmn] = parse_table(dmn)
    return table


class LiveBusinessRuleTaskParser(CamundaTaskParser):
    @staticmethod
    def get_decision_ref(node) -> str:
        return node.get(f"{{{CAMUNDA_MODEL_NS}}}decisionRef") or ""

    def create_task(self):
        ref = self.get_decision_ref(self.node)
        if not ref:
            self.raise_validation_exception("a business rule task needs camunda:decisionRef (the decision it calls)")
        return LiveBusinessRuleTask(self.spec, self.bpmn_id, decision_ref=ref, **self.bpmn_attributes)


class LiveBusinessRuleTaskConverter(TaskSpecConverter):
    """For comparing versions (SpecDiff): the task is its attributes and the decision it calls."""

    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct["decision_ref"] = spec.decision_ref
        return dct

    def from_dict(self, dct):
        return self.task_spec_from_dict(dct)

"""Benchmark 1: the engine's own ceiling — complete lifecycles per second of the national SOP
in-process, with SpiffWorkflow alone, serializing (and restoring) after every step.

Also runs the same lifecycle through Aduan's engine adapter (sandboxed scripts, spec-free state) so
the adapter's own cost is visible. Prints lifecycles/s; `bench/run_all.py` collects the figures.

    .venv/bin/python bench/engine_ceiling.py [--seconds 10]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.runtime import Engine
from engine.sandbox import task_data_helper

SOP = Path(__file__).resolve().parent.parent / "bpmn" / "sop_nasional.bpmn"
FAR = "2999-01-01T00:00:00+00:00"
ANSWERS = {
    "verify": {"action": "dispatch", "unit_id": 1, "tier": "normatif", "target_instansi_id": None, "note": None},
    "follow_up": {"follow_up_text": "Sudah ditindaklanjuti."},
    "reporter_response": {"satisfied": True, "rating": "puas", "comment": None},
}


def stock_lifecycles(seconds: float) -> tuple[int, float]:
    parser = CamundaParser()
    parser.add_bpmn_file(str(SOP))
    spec = parser.get_spec("sop_nasional")
    engine = PythonScriptEngine(environment=TaskDataEnvironment({"sla_due": lambda step: FAR}))
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        workflow = BpmnWorkflow(spec, script_engine=engine)
        workflow.task_tree.data.update({"region_id": 1, "instansi_id": 1})
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        while True:
            workflow = serializer.deserialize_json(state)
            workflow.script_engine = engine
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            task = ready[0]
            task.data.update(ANSWERS[task.task_spec.name])
            task.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
        assert workflow.is_completed()
        done += 1
    return done, time.perf_counter() - began


def adapter_lifecycles(seconds: float) -> tuple[int, float]:
    engine = Engine(functions={"sla_due": task_data_helper(lambda data, step: FAR)})
    loaded = engine.spec("bench", SOP.read_text(encoding="utf-8"), "sop_nasional")
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        workflow, _ = engine.start(loaded, {"region_id": 1, "instansi_id": 1})
        state = engine.dump(workflow)
        while True:
            workflow = engine.load(loaded, state)
            ready = engine.ready_tasks(workflow)
            if not ready:
                break
            engine.complete(workflow, ready[0].id, ANSWERS[ready[0].name])
            state = engine.dump(workflow)
        assert engine.is_completed(workflow)
        done += 1
    return done, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--json", action="store_true", help="print one JSON line (for run_all.py)")
    args = parser.parse_args()
    stock_n, stock_t = stock_lifecycles(args.seconds)
    ours_n, ours_t = adapter_lifecycles(args.seconds)
    result = {"stock_per_s": stock_n / stock_t, "adapter_per_s": ours_n / ours_t}
    if args.json:
        print(json.dumps(result))
        return
    print(f"SpiffWorkflow alone (stock serializer, spec in state): {result['stock_per_s']:8.1f} lifecycles/s")
    print(f"Aduan engine adapter (sandbox, spec-free state):       {result['adapter_per_s']:8.1f} lifecycles/s")


if __name__ == "__main__":
    main()

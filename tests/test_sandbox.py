"""Tests for engine.sandbox: the RestrictedPython script environment."""

from __future__ import annotations

import copy
import time
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import (
    SCRIPT_SECONDS,
    SandboxedEnvironment,
    ScriptNotAllowed,
    _compile_eval,
    find_script_not_allowed,
    make_script_engine,
)


def fake_working_days(days: int) -> str:
    return f"{days} working days"


@pytest.fixture
def env() -> SandboxedEnvironment:
    return SandboxedEnvironment({"working_days": fake_working_days})


# ---------------------------------------------------------------- allowed


@pytest.mark.parametrize(
    ("expression", "context", "expected"),
    [
        ("1 + 2 * 3 - 4 / 2", {}, 5.0),
        ("7 // 2, 7 % 2, 2 ** 10", {}, (3, 1, 1024)),
        ("amount > 100 and amount <= 500", {"amount": 250}, True),
        ("not (a or b)", {"a": False, "b": False}, True),
        ('action == "dispatch"', {"action": "dispatch"}, True),
        ('action == "dispatch"', {"action": "reject"}, False),
        ('{"k": [1, 2], "n": None}', {}, {"k": [1, 2], "n": None}),
        ("[x * 2 for x in values if x > 1]", {"values": [1, 2, 3]}, [4, 6]),
        ("{k: v for k, v in pairs}", {"pairs": [("a", 1), ("b", 2)]}, {"a": 1, "b": 2}),
        ('data["k"]', {"data": {"k": "v"}}, "v"),
        ('name.upper()', {"name": "budi"}, "BUDI"),
        ('data.get("missing", 0)', {"data": {}}, 0),
        ("sorted(values, reverse=True)[0]", {"values": [3, 9, 1]}, 9),
        ("len(values), sum(values), min(values), max(values)", {"values": [1, 2, 3]}, (3, 6, 1, 3)),
        ("isinstance(values, list) and any(values) and all(values)", {"values": [1, 2]}, True),
        ("working_days(3)", {}, "3 working days"),
        ("f'{name}: {n}'", {"name": "x", "n": 2}, "x: 2"),
        ("\n  status == 'open'\n", {"status": "open"}, True),
    ],
)
def test_evaluate_allowed(env, expression, context, expected):
    before = copy.deepcopy(context)
    assert env.evaluate(expression, context) == expected
    assert context == before


def test_execute_sets_changes_and_deletes_variables(env):
    context = {"count": 1, "items": [1], "data": {"k": 5}, "obsolete": True, "label": "x"}
    script = "\n".join([
        "count += 1",
        "count *= 10",
        "label += 'y'",
        "a, b = 1, 2",
        "items.append(data['k'])",
        "data['new'] = 'value'",
        "del obsolete",
        "deadline = working_days(3)",
        "doubled = [i * 2 for i in items]",
        "helper = lambda v: v",
        "def local_function(v):",
        "    return v",
        "print(doubled)",
    ])
    assert env.execute(script, context) is True
    assert context == {
        "count": 20,
        "items": [1, 5],
        "data": {"k": 5, "new": "value"},
        "label": "xy",
        "a": 1,
        "b": 2,
        "deadline": "3 working days",
        "doubled": [2, 10],
    }


def test_execute_leaves_no_helpers_or_builtins_in_context(env):
    context = {"x": 1}
    env.execute("y = len([x]) + working_days(1).count('d')", context)
    assert context == {"x": 1, "y": 2}
    assert not any(name.startswith("_") for name in context)
    assert "working_days" not in context


def test_task_data_shadowing_a_helper_is_refused(env):
    context = {"working_days": 5}
    with pytest.raises(ValueError, match="working_days"):
        env.execute("x = 1", context)
    with pytest.raises(ValueError, match="working_days"):
        env.evaluate("1", context)
    assert context == {"working_days": 5}


def test_ordinary_script_errors_propagate_unchanged(env):
    with pytest.raises(ZeroDivisionError):
        env.execute("x = 1 / 0", {})
    with pytest.raises(KeyError):
        env.evaluate('data["missing"]', {"data": {}})
    with pytest.raises(NameError) as info:
        env.evaluate("undefined_variable + 1", {})
    assert not isinstance(info.value, ScriptNotAllowed)
    with pytest.raises(SyntaxError):
        env.execute("x = (", {})


def test_compiled_code_is_cached(env):
    expression = "cache_probe_value == 42"
    env.evaluate(expression, {"cache_probe_value": 1})
    hits = _compile_eval.cache_info().hits
    assert env.evaluate(expression, {"cache_probe_value": 42}) is True
    assert _compile_eval.cache_info().hits == hits + 1


def test_call_service_is_refused(env):
    with pytest.raises(ScriptNotAllowed, match="service tasks are not supported"):
        env.call_service({}, operation_name="http/get")


# ---------------------------------------------------------------- refused

# (source, fragment the message must contain)
REFUSED_EXPRESSIONS = [
    ("open('/etc/passwd')", "'open'"),
    ("__import__('os')", "__import__"),
    ("().__class__.__base__.__subclasses__()", "__class__"),
    ("getattr(1, '__class__')", "'getattr'"),
    ("'{0.__class__}'.format(1)", "'format'"),
    ("'{x}'.format_map(data)", "'format_map'"),
    ("(x for x in []).gi_frame", "gi_frame"),
    ("type(1)", "'type'"),
    ("eval('1')", "Eval"),
    ("exec('x=1')", "Exec"),
    ("globals()", "'globals'"),
    ("vars()", "'vars'"),
    ("[].__class__", "__class__"),
    ("int.mro()", "'mro'"),
    ("working_days.__globals__", "__globals__"),
]

REFUSED_STATEMENTS = [
    ("import os", "import statements are forbidden"),
    ("from os import path", "import statements are forbidden"),
    ("_hidden = 1", '"_hidden"'),
    ("class Escape:\n    pass", "class definitions are forbidden"),
    ("label.upper = None", "'str'"),
]


@pytest.mark.parametrize(("expression", "fragment"), REFUSED_EXPRESSIONS)
def test_evaluate_refuses(env, expression, fragment):
    context = {"data": {"x": 1}, "label": "a"}
    before = copy.deepcopy(context)
    with pytest.raises(ScriptNotAllowed) as info:
        env.evaluate(expression, context)
    message = str(info.value)
    assert message.startswith("Script not allowed: ")
    assert fragment in message
    assert context == before


@pytest.mark.parametrize(("source", "fragment"), REFUSED_EXPRESSIONS + REFUSED_STATEMENTS)
def test_execute_refuses_and_leaves_context_unchanged(env, source, fragment):
    # Earlier lines mutate data; the refusal must not leave those changes behind.
    script = f"items.append(99)\ncount += 1\nresult = {source}" if source in dict(REFUSED_EXPRESSIONS) \
        else f"items.append(99)\ncount += 1\n{source}"
    context = {"items": [1], "count": 0, "data": {"x": 1}, "label": "a"}
    before = copy.deepcopy(context)
    with pytest.raises(ScriptNotAllowed) as info:
        env.execute(script, context)
    message = str(info.value)
    assert message.startswith("Script not allowed: ")
    assert fragment in message
    assert info.value.line_number == 3
    assert "(line 3)" in message
    assert context == before


# ---------------------------------------------------------------- through SpiffWorkflow

BPMN_NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'targetNamespace="http://aduan.test/sandbox"'
)


def script_process(script: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {BPMN_NS} id="defs">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="script" name="Script" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def gateway_process(condition: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {BPMN_NS} id="defs">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="prepare" name="Prepare" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>action = "dispatch"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gateway" default="f_no">
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_yes</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_yes"><bpmn:incoming>f_yes</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no"><bpmn:incoming>f_no</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare"/>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="gateway"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="gateway" targetRef="end_yes">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gateway" targetRef="end_no"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def make_workflow(xml: bytes) -> BpmnWorkflow:
    parser = CamundaParser()
    parser.add_bpmn_str(xml)
    spec = parser.get_spec("proc")
    return BpmnWorkflow(spec, script_engine=make_script_engine({"working_days": fake_working_days}))


def test_workflow_runs_benign_script():
    workflow = make_workflow(script_process("amount = 21\ntotal = amount * 2\ndue = working_days(3)"))
    workflow.do_engine_steps()
    assert workflow.completed
    task = workflow.get_next_task(spec_name="script")
    assert task.state == TaskState.COMPLETED
    assert task.data == {"amount": 21, "total": 42, "due": "3 working days"}
    assert workflow.data["total"] == 42


@pytest.mark.parametrize(
    "script",
    [source for source, _ in REFUSED_STATEMENTS]
    + [f"result = {source}" for source, _ in REFUSED_EXPRESSIONS],
)
def test_workflow_script_task_refused(script):
    workflow = make_workflow(script_process(f"label = 'a'\ndata = {{}}\n{script}"))
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    refusal = find_script_not_allowed(info.value)
    assert isinstance(refusal, ScriptNotAllowed)
    assert info.value.__cause__ is refusal
    assert info.value.error_type == "ScriptNotAllowed"
    assert info.value.line_number == 3
    assert info.value.error_line == script.splitlines()[0]
    task = workflow.get_next_task(spec_name="script")
    assert task.state != TaskState.COMPLETED
    assert task.state == TaskState.ERROR
    assert not workflow.completed


def test_workflow_script_error_is_not_a_refusal():
    workflow = make_workflow(script_process("total = 1 / 0"))
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert find_script_not_allowed(info.value) is None
    assert info.value.error_type == "ZeroDivisionError"


@pytest.mark.parametrize(("condition", "end"), [('action == "dispatch"', "end_yes"), ('action == "x"', "end_no")])
def test_workflow_gateway_benign_condition(condition, end):
    workflow = make_workflow(gateway_process(condition))
    workflow.do_engine_steps()
    assert workflow.completed
    assert workflow.get_next_task(spec_name=end).state == TaskState.COMPLETED


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ("__import__('os').system('true') == 0", "__import__"),
        ("open('/etc/passwd') is not None", "'open'"),
        ("'{0.__class__}'.format(action) != ''", "'format'"),
    ],
)
def test_workflow_gateway_condition_refused(condition, fragment):
    workflow = make_workflow(gateway_process(condition))
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    refusal = find_script_not_allowed(info.value)
    assert isinstance(refusal, ScriptNotAllowed)
    assert fragment in str(refusal)
    assert info.value.__cause__ is refusal
    assert workflow.get_next_task(spec_name="gateway").state != TaskState.COMPLETED
    assert not workflow.completed


# -- bounded runs: a script that loops or grabs memory cannot hang a web process or a worker -------
@pytest.mark.parametrize("script, reason", [
    ("while True:\n    pass", "ran longer than"),
    ("hoard = []\nwhile True:\n    hoard.append('x' * 1000)", "more than"),
    ("x = 'a' * (10 ** 10)", "larger than a script may build"),
    ("x = [0] * (10 ** 9)", "larger than a script may build"),
    ("x = 2 ** (10 ** 8)", "larger than a script may build"),
    ("x = 1 << (10 ** 9)", "larger than a script may build"),
    ("x = 'ab'\nx *= 10 ** 9", "larger than a script may build"),
    ("x = list(range(10 ** 10))", r"range\(\) of more than"),
])
def test_a_script_that_loops_or_grabs_memory_is_stopped(script, reason):
    env = SandboxedEnvironment({})
    context = {"kept": 1}
    began = time.perf_counter()
    with pytest.raises(ScriptNotAllowed, match=reason):
        env.execute(script, context)
    assert time.perf_counter() - began < SCRIPT_SECONDS + 2
    assert context == {"kept": 1}  # the task data is untouched


def test_ordinary_arithmetic_and_sequences_still_work():
    env = SandboxedEnvironment({})
    context = {}
    env.execute("a = 3 * 4\nb = 'ab' * 3\nc = 2 ** 10\nd = 1 << 3\ne = [0] * 5\nf = 2\nf *= 5\n"
                "g = sum(range(1000))", context)
    assert context == {"a": 12, "b": "ababab", "c": 1024, "d": 8, "e": [0] * 5, "f": 10, "g": 499500}
    assert env.evaluate("x * 2 == 6", {"x": 3}) is True


def test_the_watchdog_leaves_the_previous_trace_function_in_place():
    import sys
    calls = []

    def tracer(frame, event, arg):
        calls.append(event)
        return None

    sys.settrace(tracer)
    try:
        SandboxedEnvironment({}).execute("x = 1", {})
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)

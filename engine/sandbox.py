"""RestrictedPython sandbox for BPMN scripts, conditions and expressions.

SpiffWorkflow's default :class:`TaskDataEnvironment` runs script tasks, gateway
conditions, timer expressions etc. with plain ``eval``/``exec``.  This module
replaces it with :class:`SandboxedEnvironment`, which compiles every source
string with RestrictedPython and runs it with guarded builtins and guards:

* compile time (RestrictedPython policy, slightly tightened): no ``import`` /
  ``from ... import``, no class definitions, no ``eval``/``exec`` calls, no
  names or attributes starting with ``_``, no frame/code/generator
  introspection attributes (``gi_frame``, ``f_globals``, ...);
* run time: a small whitelist of builtins (``len``, ``sum``, ``sorted``,
  ``dict``, ``isinstance``, ... but no ``open``, ``getattr``, ``type``,
  ``globals``, ``vars``, ``compile``, ...); attribute reads go through
  RestrictedPython's ``safer_getattr`` (which also blocks ``str.format`` /
  ``format_map`` format-string attacks) plus a block on ``mro``; attribute and
  item writes only on ``dict`` and ``list`` (``full_write_guard``).

Anything the sandbox refuses raises :class:`ScriptNotAllowed`.  Ordinary script
bugs (``ZeroDivisionError``, ``KeyError`` on task data, a misspelt variable,
a ``SyntaxError``) propagate unchanged.

The sandbox protects the interpreter, not the CPU: it does not limit run time
or memory (``while True: pass`` or ``10 ** 10 ** 10`` still hang a worker).

Detecting a refusal through SpiffWorkflow
-----------------------------------------
:class:`~SpiffWorkflow.bpmn.script_engine.PythonScriptEngine` wraps every
non-SpiffWorkflow exception from ``evaluate``/``execute`` in a
:class:`~SpiffWorkflow.bpmn.exceptions.WorkflowTaskException` (message
``"ScriptNotAllowed:Script not allowed: ..."`` for scripts, ``"Error evaluating
expression ..."`` for conditions) and sets its ``error_type`` to
``"ScriptNotAllowed"``.  The engine returned by :func:`make_script_engine`
additionally sets the wrapper's ``__cause__`` to the original
:class:`ScriptNotAllowed` (and, for script tasks, fills the wrapper's
``line_number``/``error_line`` also for compile-time refusals), so callers do::

    try:
        workflow.do_engine_steps()
    except Exception as exc:
        refusal = find_script_not_allowed(exc)
        if refusal is not None:
            ...  # the sandbox refused; refusal.reason / refusal.line_number

:func:`find_script_not_allowed` walks ``__cause__``/``__context__``, so it
also finds refusals raised directly (e.g. by
``BpmnProcessSpec`` evaluating conditions through the environment itself).
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import operator
import os
import re
import resource
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
)
from RestrictedPython.Guards import raise_ as _RAISE
from RestrictedPython.Guards import safer_getattr
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

__all__ = [
    "ScriptNotAllowed",
    "SandboxedEnvironment",
    "SandboxedScriptEngine",
    "find_script_not_allowed",
    "make_script_engine",
]

#: Filename given to compiled scripts; PythonScriptEngine looks for frames with
#: this name to report the failing line.
SCRIPT_FILENAME = "<string>"

#: Number of compiled code objects kept per mode (exec / eval).
COMPILE_CACHE_SIZE = 1024


class ScriptNotAllowed(Exception):
    """The sandbox refused a script or expression.

    ``reason`` names what was refused; ``line_number`` is the 1-based line in
    the script when known.
    """

    def __init__(self, reason: str, line_number: int | None = None) -> None:
        message = f"Script not allowed: {reason}"
        if line_number is not None:
            message += f" (line {line_number})"
        super().__init__(message)
        self.reason = reason
        self.line_number = line_number


def find_script_not_allowed(exc: BaseException | None) -> ScriptNotAllowed | None:
    """Return the :class:`ScriptNotAllowed` behind ``exc`` (itself, its cause or context), if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ScriptNotAllowed):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


# --------------------------------------------------------------------------
# Compilation
# --------------------------------------------------------------------------


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, minus imports and class definitions."""

    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "import statements are forbidden")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "import statements are forbidden")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are forbidden")
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """``a * b``, ``a ** b`` and ``a << b`` can build a huge value in one step (no line runs while
        it grows): they go through ``_binop_``, which refuses results over the size limit."""
        node = self.node_contents_visit(node)
        name = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}.get(type(node.op))
        if name is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(name), node.left, node.right],
                        keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


_ERROR_LINE = re.compile(r"^Line (\d+|None): (.*?)\.?$", re.DOTALL)


def _refusal_from_compile_errors(errors: Iterable[str]) -> ScriptNotAllowed:
    parsed: list[tuple[int | None, str]] = []
    for error in dict.fromkeys(errors):  # de-duplicate, keep order
        match = _ERROR_LINE.match(error)
        if match:
            line = None if match.group(1) == "None" else int(match.group(1))
            parsed.append((line, match.group(2)))
        else:
            parsed.append((None, error))
    lines = {line for line, _ in parsed}
    if len(lines) == 1:
        return ScriptNotAllowed("; ".join(text for _, text in parsed), lines.pop())
    parsed.sort(key=lambda item: item[0] or 0)
    return ScriptNotAllowed("; ".join(text if line is None else f"{text} (line {line})" for line, text in parsed))


@functools.lru_cache(maxsize=COMPILE_CACHE_SIZE)
def _compile_exec(source: str) -> types.CodeType:
    tree = ast.parse(source, SCRIPT_FILENAME, "exec")  # plain SyntaxError for script bugs
    result = compile_restricted_exec(tree, SCRIPT_FILENAME, policy=_Policy)
    if result.errors or result.code is None:
        raise _refusal_from_compile_errors(result.errors)
    return result.code


@functools.lru_cache(maxsize=COMPILE_CACHE_SIZE)
def _compile_eval(source: str) -> types.CodeType:
    tree = ast.parse(source.strip(), SCRIPT_FILENAME, "eval")
    result = compile_restricted_eval(tree, SCRIPT_FILENAME, policy=_Policy)
    if result.errors or result.code is None:
        raise _refusal_from_compile_errors(result.errors)
    return result.code


def compile_expression(source: str) -> None:
    """Raise SyntaxError or ScriptNotAllowed if ``source`` would be refused as a condition or timer."""
    _compile_eval(source)


def compile_script(source: str) -> None:
    """Raise SyntaxError or ScriptNotAllowed if ``source`` would be refused as a script task."""
    _compile_exec(source)


# --------------------------------------------------------------------------
# Run-time guards
# --------------------------------------------------------------------------

_ALLOWED_EXTRAS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "enumerate", "float", "frozenset", "int",
        "isinstance", "len", "list", "max", "min", "range", "round", "set", "sorted",
        "str", "sum", "tuple", "zip",
    )
}

# safe_builtins minus anything that builds classes, writes attributes or can
# stop the interpreter (raise SystemExit / KeyboardInterrupt past `except Exception`).
_REMOVED_FROM_SAFE_BUILTINS = frozenset({
    "__build_class__", "_getattr_", "setattr", "delattr",
    "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit",
})

SAFE_BUILTINS: Mapping[str, Any] = types.MappingProxyType({
    **{k: v for k, v in safe_builtins.items() if k not in _REMOVED_FROM_SAFE_BUILTINS},
    **_ALLOWED_EXTRAS,
})

#: Attributes refused in addition to safer_getattr's rules.
_EXTRA_FORBIDDEN_ATTRIBUTES = frozenset({"mro"})


def _guarded_getattr(obj: Any, name: str, default: Any = _RAISE) -> Any:
    """``obj.name`` for scripts: RestrictedPython's safer_getattr, raising ScriptNotAllowed on refusal."""
    if not isinstance(name, str):
        raise ScriptNotAllowed("attribute names must be strings")
    if name.startswith("_") or name in INSPECT_ATTRIBUTES or name in _EXTRA_FORBIDDEN_ATTRIBUTES:
        raise ScriptNotAllowed(f"attribute {name!r} is not allowed")
    try:
        return safer_getattr(obj, name, default)
    except NotImplementedError as exc:  # str.format / string.Formatter
        raise ScriptNotAllowed(f"attribute {name!r} is not allowed: {exc}") from None


def _guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _guarded_write(obj: Any) -> Any:
    """Target of ``obj.attr = ...`` / ``obj[k] = ...`` / ``del``: only dicts and lists."""
    if full_write_guard(obj) is obj:
        return obj
    raise ScriptNotAllowed(f"modifying {type(obj).__name__!r} objects is not allowed")


_INPLACE_OPERATORS: Mapping[str, Callable[[Any, Any], Any]] = types.MappingProxyType({
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "@=": operator.imatmul,
})


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    """``x op= value`` for plain names (RestrictedPython refuses it on attributes/items)."""
    try:
        func = _INPLACE_OPERATORS[op]
    except KeyError:
        raise ScriptNotAllowed(f"operator {op!r} is not allowed") from None
    if op in ("*=", "**=", "<<="):
        _check_size(op[:-1], target, value)
    return func(target, value)


#: The largest value one operation of a script may build: items of a sequence, bits of an integer.
MAX_ITEMS = 1_000_000
MAX_BITS = 1_000_000
_SIZED = (str, bytes, bytearray, list, tuple)


def _check_size(op: str, left: Any, right: Any) -> None:
    too_big = False
    if op == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, _SIZED) and isinstance(times, int) and len(seq) * times > MAX_ITEMS:
                too_big = True
    elif op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1 \
                and left.bit_length() * right > MAX_BITS:
            too_big = True
    elif op == "<<" and isinstance(right, int) and right > MAX_BITS:
        too_big = True
    if too_big:
        raise ScriptNotAllowed(f"the result of {op!r} would be larger than a script may build")


def _binop(op: str, left: Any, right: Any) -> Any:
    _check_size(op, left, right)
    return {"*": operator.mul, "**": operator.pow, "<<": operator.lshift}[op](left, right)


def _range(*args: int) -> range:
    """``range`` for scripts: at most MAX_ITEMS numbers (``list(range(10**10))`` would fill memory
    in one call)."""
    numbers = range(*args)
    if len(numbers) > MAX_ITEMS:
        raise ScriptNotAllowed(f"range() of more than {MAX_ITEMS:,} numbers is not allowed")
    return numbers


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Calls using ``*args`` / ``**kwargs``."""
    return func(*args, **kwargs)


#: Names the compiled code needs; injected last so task data cannot replace them.
_GUARDS: Mapping[str, Any] = types.MappingProxyType({
    "__builtins__": {**SAFE_BUILTINS, "range": _range},
    "__name__": "sandboxed_script",
    "_getattr_": _guarded_getattr,
    "_getitem_": _guarded_getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _guarded_write,
    "_inplacevar_": _inplacevar,
    "_binop_": _binop,
    "_apply_": _apply,
    "_print_": PrintCollector,
})


def _script_line(exc: BaseException) -> int | None:
    """Innermost line of the sandboxed script in ``exc``'s traceback."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _is_plain_data(value: Any) -> bool:
    return not callable(value) and not isinstance(value, types.ModuleType)


# --------------------------------------------------------------------------
# Environment and engine
# --------------------------------------------------------------------------


def task_data_helper(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a trusted helper that receives a read-only view of the task data as first argument,
    so a diagram can write ``sla_due("verify")`` and the helper reads region, tier, pauses."""
    func.wants_task_data = True  # type: ignore[attr-defined]
    return func


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """Script environment running everything through RestrictedPython.

    ``functions`` are trusted helpers (e.g. ``working_days``) callable from
    scripts by name.  Semantics follow ``TaskDataEnvironment``: ``context`` is
    the task data; ``execute`` leaves new/changed plain-data variables in it and
    removes deleted ones.  ``execute`` is atomic: it runs on a deep copy of
    ``context`` and writes back only if the script succeeds.
    """

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None) -> None:
        functions = dict(functions or {})
        for name, func in functions.items():
            if not callable(func):
                raise TypeError(f"helper {name!r} is not callable")
            if name.startswith("_"):
                raise ValueError(f"helper name {name!r} must not start with '_' (scripts cannot use it)")
        super().__init__(functions)

    @property
    def functions(self) -> Mapping[str, Callable[..., Any]]:
        return types.MappingProxyType(self.globals)

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        """Evaluate ``expression`` against ``context`` and return its value."""
        self._check_for_overwrite(context, {})
        namespace = {**(external_context or {}), **context, **self._helpers(context), **_GUARDS}
        return self._run(_compile_eval, expression, namespace, eval)

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        """Run ``script``, then update ``context`` with its plain-data variables."""
        external_context = external_context or {}
        self._check_for_overwrite(context, external_context)
        namespace = {**external_context, **copy.deepcopy(context), **self._helpers(context), **_GUARDS}
        self._run(_compile_exec, script, namespace, exec)

        hidden = set(self.globals) | set(external_context)
        result = {
            name: value for name, value in namespace.items()
            if not name.startswith("_") and name not in hidden and _is_plain_data(value)
        }
        for name in [n for n in context if not n.startswith("_") and n not in result]:
            del context[name]
        context.update(result)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ScriptNotAllowed("service tasks are not supported")

    def _helpers(self, context: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
        view = types.MappingProxyType(context)
        return {name: functools.partial(func, view) if getattr(func, "wants_task_data", False) else func
                for name, func in self.globals.items()}

    def _check_for_overwrite(self, context: Mapping[str, Any], external_context: Mapping[str, Any]) -> None:
        clashes = sorted((set(self.globals) | set(external_context)) & set(context))
        if clashes:
            raise ValueError(
                "Task data overwrites predefined script function(s); rename these "
                f"variables or fields: {', '.join(clashes)}"
            )

    @staticmethod
    def _run(compiler: Callable[[str], types.CodeType], source: str,
             namespace: dict[str, Any], runner: Callable[..., Any]) -> Any:
        code = compiler(source)
        try:
            with Watchdog():
                return runner(code, namespace)
        except ScriptNotAllowed as exc:
            if exc.line_number is not None:
                raise
            refusal = ScriptNotAllowed(exc.reason, _script_line(exc))
            raise refusal.with_traceback(exc.__traceback__) from None
        except NameError as exc:
            # A real Python builtin we do not provide (open, getattr, type, ...).
            name = getattr(exc, "name", None)
            if name is None or name in SAFE_BUILTINS or not hasattr(builtins, name):
                raise
            refusal = ScriptNotAllowed(f"name {name!r} is not available in scripts", _script_line(exc))
            raise refusal.with_traceback(exc.__traceback__) from None


class Watchdog:
    """A time and memory limit on one run of a script or expression, in the thread that runs it.

    A trace function follows only the script's own frames (compiled as ``SCRIPT_FILENAME``); every
    ``CHECK_EVERY`` lines it compares the time spent with ``SCRIPT_SECONDS`` and the process's
    resident memory with what it was at the start plus ``SCRIPT_MEMORY_MB``, and stops the script
    with ScriptNotAllowed when either is exceeded. (What one operation can build at once is bounded
    by ``_binop_`` and ``range``.) The previous trace function is put back afterwards.
    """

    CHECK_EVERY = 2000

    def __enter__(self) -> Watchdog:
        now = time.perf_counter()
        self.deadline = now + SCRIPT_SECONDS
        self.memory_limit = _baseline(now) + SCRIPT_MEMORY_MB * 1024 * 1024
        self.lines = 0
        self.previous = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        sys.settrace(self.previous)

    def _call(self, frame, event, arg):
        return self._line if frame.f_code.co_filename == SCRIPT_FILENAME else None

    def _line(self, frame, event, arg):
        if event == "line":
            self.lines += 1
            if self.lines % self.CHECK_EVERY == 0:
                if time.perf_counter() > self.deadline:
                    raise ScriptNotAllowed(f"the script ran longer than {SCRIPT_SECONDS:g} s")
                if _resident_bytes() > self.memory_limit:
                    raise ScriptNotAllowed(f"the script used more than {SCRIPT_MEMORY_MB} MB of memory")
        return self._line


_BASELINE = threading.local()


def _baseline(now: float) -> int:
    """The process's resident memory, read at most once a second per thread: a condition is evaluated
    several times per request, and reading /proc costs more than evaluating it."""
    if getattr(_BASELINE, "until", 0.0) < now:
        _BASELINE.bytes, _BASELINE.until = _resident_bytes(), now + 1.0
    return _BASELINE.bytes


def _resident_bytes() -> int:
    """This process's resident memory (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
#: Limits on one run of a script or expression (environment: ADUAN_SCRIPT_SECONDS, ADUAN_SCRIPT_MEMORY_MB).
SCRIPT_SECONDS = float(os.environ.get("ADUAN_SCRIPT_SECONDS", 2.0))
SCRIPT_MEMORY_MB = int(os.environ.get("ADUAN_SCRIPT_MEMORY_MB", 64))


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose wrapped errors keep the ScriptNotAllowed as ``__cause__``."""

    environment: SandboxedEnvironment
    decisions: Any = None  # where business rule tasks find their decision tables (engine/decisions.py)

    def evaluate(self, task: Any, expression: str, external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as exc:
            _link_refusal(exc)
            raise

    def execute(self, task: Any, script: str, external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().execute(task, script, external_context)
        except WorkflowTaskException as exc:
            refusal = _link_refusal(exc)
            if refusal is not None and refusal.line_number and not exc.line_number:
                # Compile-time refusals have no traceback into the script.
                exc.line_number = refusal.line_number
                lines = script.splitlines()
                if refusal.line_number <= len(lines):
                    exc.error_line = lines[refusal.line_number - 1]
            raise

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        # PythonScriptEngine.call_service's error path references an undefined
        # name in SpiffWorkflow 3.2.0; wrap the error ourselves.
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            raise WorkflowTaskException(f"{type(err).__name__}: {err}", task=task, exception=err) from err


def _link_refusal(exc: WorkflowTaskException) -> ScriptNotAllowed | None:
    """Make a wrapped ScriptNotAllowed the explicit ``__cause__`` of ``exc``; return it."""
    if exc.__cause__ is None and isinstance(exc.__context__, ScriptNotAllowed):
        exc.__cause__ = exc.__context__
    return exc.__cause__ if isinstance(exc.__cause__, ScriptNotAllowed) else None


def make_script_engine(functions: Mapping[str, Callable[..., Any]] | None = None,
                       clock: Callable[[], Any] | None = None) -> PythonScriptEngine:
    """SpiffWorkflow script engine running scripts in the RestrictedPython sandbox.

    ``clock`` (returning an aware datetime) is what timers compare their due dates with."""
    engine = SandboxedScriptEngine(environment=SandboxedEnvironment(functions))
    engine.clock = clock
    return engine

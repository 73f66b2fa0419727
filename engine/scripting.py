"""Restricted script environment for diagram scripts, conditions and DMN expressions.

SpiffWorkflow's default engine runs ``exec`` with full builtins. Here every
expression is checked on its syntax tree before it is compiled:

* no ``import`` / ``from ... import``;
* no attribute or name that starts with an underscore (closes the
  ``().__class__.__base__.__subclasses__()`` escape and its friends);
* no ``str.format`` / ``format_map`` (they reach attributes through strings);
* no call to a name outside the allowed builtins and the helpers (engine/script_helpers.py)
  (``open``, ``eval``, ``exec``, ``getattr``, ``globals`` ... do not exist here);
* no ``global`` / ``nonlocal``, no class definitions, no async code, no ``match``
  (its class patterns reach attributes by name).

The builtins table is a whitelist of pure functions. Compiled code is cached by
source text. A refused or failing script raises :class:`ScriptError`.

**Limits.** Code whose cost is bounded by its size and the data it reads (:func:`is_cheap`: most
gateway conditions, DMN cells, timer expressions and short assignment scripts) runs in this
process; everything else runs in :mod:`engine.sandbox`, a pool of worker processes with a
wall-clock, a CPU-time and a memory limit, on a copy of the case data. Either way an expression
cannot change the case data. The replay of ``verify`` uses the same engines, so the same limits.
"""
from __future__ import annotations

import ast
import builtins
import copy
import hashlib
import pickle
import textwrap
import traceback
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .calendar import WorkingCalendar
from .errors import ScriptError
from .script_helpers import (
    DATA_BOUND,
    HELPER_LIMITS,
    MAX_HELPER_CHARS,
    MAX_HELPER_DEPTH,
    MAX_HELPER_NODES,
    SAFE_BUILTIN_NAMES,
    HelperBoundExceeded,
    MaskWith,
    helpers,
    pick_for,
    var_for,
)

__all__ = [  # the helpers' names used with the engine (tests, api/services/runtime.py) stay importable here
    "DATA_BOUND", "MAX_HELPER_CHARS", "MAX_HELPER_DEPTH", "MAX_HELPER_NODES", "MaskWith", "check_source", "is_cheap",
    "make_script_engine", "RestrictedEnvironment", "SAFE_BUILTINS",
]

SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}

SCRIPT_FILENAME = "<script>"  # the file name of compiled diagram code in tracebacks (lines are found by it)
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro", "gi_frame", "f_globals", "f_locals"})
FORBIDDEN_NODES: dict[type, str] = {
    ast.Import: "import is not allowed",
    ast.ImportFrom: "import is not allowed",
    ast.Global: "global is not allowed",
    ast.Nonlocal: "nonlocal is not allowed",
    ast.AsyncFunctionDef: "async code is not allowed",
    ast.Await: "async code is not allowed",
    ast.ClassDef: "class definitions are not allowed",
    # match patterns name attributes as plain strings (MatchClass.kwd_attrs), out of reach of the checks below
    ast.Match: "match statements are not allowed",
}


def check_source(source: str, mode: str = "exec") -> ast.AST:
    """Parse ``source`` and refuse anything outside the sandbox.

    Raises:
        ScriptError: with the offending line (1-based, within the script) on a
            syntax error or a forbidden construct.
    """
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptError(f"syntax error: {exc.msg}", line=exc.lineno) from None
    for node in ast.walk(tree):
        reason = FORBIDDEN_NODES.get(type(node))
        if reason:
            raise ScriptError(reason, line=getattr(node, "lineno", None))
        if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES):
            raise ScriptError(f"attribute '{node.attr}' is not allowed", line=node.lineno)
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ScriptError(f"name '{node.id}' is not allowed", line=node.lineno)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "__" in node.value:
            raise ScriptError("strings containing '__' are not allowed", line=node.lineno)
    return tree


# -- cheap code: what may run in this process without a limit -----------------------------------------------------
#
# Code is "cheap" when its cost is bounded by its own size times the size of the data it reads: no loops,
# comprehensions, lambdas or function definitions, no operator that multiplies a size (``*``, ``**``, ``<<``, ``%``
# formatting, format specs), nothing that can double a value (``a + b``, displays holding any non-constant part,
# f-strings with two or more fields or a ``!r``/``!s``/``!a`` conversion: printing a display escapes its text
# again, and applied again by a loop in the diagram they would double each time), no ``int(text, base)`` (any
# length, then ``//`` is quadratic), calls only to the bounded functions and methods below, no walrus, no stores
# but plain names, at most MAX_CHEAP_NODES syntax nodes. Cheap code also cannot change the data it reads (no mutating method is callable).
# Everything else runs in :mod:`engine.sandbox` under a time and a memory limit.

CHEAP_FUNCTIONS = frozenset({
    "len", "bool", "str", "int", "float", "abs", "min", "max", "any", "all", "sum", "isinstance",
    "today", "now_iso", "var", "add_days", "is_working_day", "add_working_days", "birth_date", "is_minor",
    "pick", "field_changes", "describe_changes",  # bounded by MAX_HELPER_NODES / _CHARS / _DEPTH (script_helpers)
})
CHEAP_METHODS = frozenset({
    "get", "keys", "values", "items", "startswith", "endswith", "strip", "lstrip", "rstrip", "lower", "upper",
    "casefold", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "count", "find", "index",
})
MAX_CHEAP_NODES = 400
#: add_working_days loops once per day: cheap only with a literal count up to this
MAX_CHEAP_WORKING_DAYS = 366
_CHEAP_BINOPS = (ast.Add, ast.Sub, ast.Div, ast.FloorDiv, ast.BitAnd, ast.BitOr, ast.BitXor)
_CHEAP_STATEMENTS = (ast.Module, ast.Expression, ast.Assign, ast.Expr, ast.If, ast.Pass)
_CHEAP_EXPRESSIONS = (
    ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.Call, ast.Constant, ast.Attribute, ast.Subscript,
    ast.Slice, ast.Name, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.JoinedStr, ast.FormattedValue, ast.keyword,
    ast.expr_context, ast.boolop, ast.unaryop, ast.cmpop, ast.operator,
)


def _small_count(node: ast.AST) -> bool:
    if isinstance(node, ast.IfExp):
        return _small_count(node.body) and _small_count(node.orelse)
    return (isinstance(node, ast.Constant) and type(node.value) is int
            and 0 <= node.value <= MAX_CHEAP_WORKING_DAYS)


def _non_constant(nodes: list[ast.AST | None]) -> int:
    return sum(1 for n in nodes if n is not None and not isinstance(n, ast.Constant))


def _cheap_call(node: ast.Call, methods: set[int]) -> bool:
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        methods.add(id(func))
        return func.attr in CHEAP_METHODS
    if not isinstance(func, ast.Name) or func.id not in CHEAP_FUNCTIONS:
        return False
    if func.id == "sum":
        return len(node.args) == 1 and not node.keywords
    if func.id == "int":  # int(text, base) parses any length (base 10 stops at 4,300 digits), then // is quadratic
        return len(node.args) <= 1 and not node.keywords
    if func.id == "add_working_days":
        return len(node.args) == 2 and not node.keywords and _small_count(node.args[1])
    return True


def _cheap_node(node: ast.AST, methods: set[int], callables: frozenset[str]) -> bool:
    if isinstance(node, ast.Assign):
        targets = [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple | ast.List)
                                                          else [target])]
        return all(isinstance(t, ast.Name) and t.id not in callables and t.id not in CHEAP_FUNCTIONS
                   for t in targets)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add):
            return isinstance(node.left, ast.Constant) or isinstance(node.right, ast.Constant)
        return isinstance(node.op, _CHEAP_BINOPS)
    if isinstance(node, ast.Call):
        return _cheap_call(node, methods)
    if isinstance(node, ast.Attribute):
        return id(node) in methods
    if isinstance(node, ast.Name):
        return not (isinstance(node.ctx, ast.Load) and node.id in callables and node.id not in CHEAP_FUNCTIONS)
    # a display holding a data value, printed (str(), an f-string field), escapes it again: "\\" -> "\\\\",
    # doubling per round (forty rounds in one script are a terabyte); so displays hold only constants here
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return isinstance(getattr(node, "ctx", None), ast.Store) or _non_constant(node.elts) == 0
    if isinstance(node, ast.Dict):
        return _non_constant([*node.keys, *node.values]) == 0
    if isinstance(node, ast.JoinedStr):
        return sum(isinstance(v, ast.FormattedValue) for v in node.values) <= 1
    if isinstance(node, ast.FormattedValue):  # no !r / !a / !s: a repr escapes its text again (see displays)
        return node.format_spec is None and node.conversion == -1
    return isinstance(node, _CHEAP_STATEMENTS + _CHEAP_EXPRESSIONS)


def is_cheap(tree: ast.AST, callables: frozenset[str] = frozenset()) -> bool:
    """True when ``tree`` (already passed :func:`check_source`) may run here without a limit (see above).

    ``callables`` are the helper and builtin names of the environment: reading one that is not a cheap
    function (e.g. passing ``mask_text`` as a key) or storing to one makes the code not cheap.
    """
    methods: set[int] = set()
    count = 0
    for node in ast.walk(tree):  # breadth first: a call is seen before its method attribute
        count += 1
        if count > MAX_CHEAP_NODES or not _cheap_node(node, methods, callables):
            return False
    return True


@lru_cache(maxsize=4096)
def _plan(source: str, mode: str, callables: frozenset[str]) -> tuple[Any, bool]:
    """Compiled code and whether it is cheap (raises ScriptError as :func:`check_source`)."""
    tree = check_source(source, mode)
    return compile(tree, SCRIPT_FILENAME, mode), is_cheap(tree, callables)


def _sandbox_limits() -> tuple[int, int, int]:
    from .sandbox import MAX_RESULT_CHARS, MAX_RESULT_DEPTH, MAX_RESULT_NODES

    return MAX_RESULT_NODES, MAX_RESULT_CHARS, MAX_RESULT_DEPTH


def _callable_names(env: Mapping[str, Any]) -> frozenset[str]:
    return frozenset({*SAFE_BUILTINS, *(k for k, v in env.items() if callable(v)), *DATA_BOUND})


class RestrictedEnvironment(TaskDataEnvironment):
    """A TaskDataEnvironment that only runs checked code with whitelisted builtins.

    Cheap code runs in this process; other code runs in :mod:`engine.sandbox` (unless ``sandboxed`` is False:
    the sandbox's own workers and the benchmark's baseline), on a copy of the data it is given.
    """

    def __init__(self, calendar: WorkingCalendar | None = None, extra: Mapping[str, Any] | None = None,
                 sandboxed: bool = True) -> None:
        env: dict[str, Any] = {"__builtins__": dict(SAFE_BUILTINS)}
        env.update(helpers(calendar or WorkingCalendar()))
        env.update(extra or {})
        super().__init__(env)
        self.sandboxed = sandboxed
        self._calendar = calendar
        self._extra = dict(extra or {})
        self._callables = _callable_names(env)
        self._sandbox_env: tuple[str, bytes] | None = None

    # -- in this process ----------------------------------------------------------------------------------------
    def run_here(self, mode: str, source: str, context: dict, external_context: dict | None = None) -> Any:
        """Run checked code in this process: an expression's value, or for a script ``context`` itself, updated."""
        code, _ = _plan(source, mode, self._callables)
        token = HELPER_LIMITS.set(None if self.sandboxed else _sandbox_limits())
        try:
            return self._run(code, mode, context, external_context)
        finally:
            HELPER_LIMITS.reset(token)

    def _run(self, code: Any, mode: str, context: dict, external_context: dict | None) -> Any:
        if mode == "eval":
            my_globals = dict(self.globals)
            my_globals.update(external_context or {})
            my_globals.update(context)
            my_globals["__builtins__"] = self.globals["__builtins__"]
            my_globals["var"] = var_for(context)
            my_globals["pick"] = pick_for(context)
            return eval(code, my_globals)  # noqa: S307 - checked by check_source
        context.update(self.globals)
        context.update(external_context or {})
        context["var"] = var_for(context)
        context["pick"] = pick_for(context)
        try:
            exec(code, context)  # noqa: S102 - checked by check_source
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            for name in DATA_BOUND:  # also when the script assigned them (as a helper's name assigned to is)
                context.pop(name, None)
        return context

    # -- in the sandbox -----------------------------------------------------------------------------------------
    def _sandbox_spec(self) -> tuple[str, bytes]:
        if self._sandbox_env is None:
            try:
                blob = pickle.dumps((self._calendar, self._extra))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                raise TypeError(f"script helpers must be picklable to reach the sandbox: {exc}") from exc
            self._sandbox_env = (hashlib.sha256(blob).hexdigest(), blob)
        return self._sandbox_env

    def _in_sandbox(self, mode: str, source: str, context: dict, external_context: dict | None) -> Any:
        from . import clock, sandbox

        key, blob = self._sandbox_spec()
        return sandbox.pool().call(key, blob, mode, source, context, external_context, clock.CLOCK.get(),
                                   "script" if mode == "exec" else "expression")

    def check_for_overwrite(self, context: dict, external_context: dict) -> None:
        """SpiffWorkflow's check (a data key named like a helper is refused), and the same for ``var`` and
        ``pick``: they are bound to the data for the run and removed after it, with the data key of that name."""
        taken = set(DATA_BOUND).intersection(context)
        if taken:
            raise ValueError(f"You have task data that overwrites a predefined function(s). Please change the "
                             f"following variable or field name(s) to something else: {taken}")
        super().check_for_overwrite(context, external_context)

    # -- SpiffWorkflow's interface ------------------------------------------------------------------------------
    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        source = expression.strip()
        _, cheap = _plan(source, "eval", self._callables)
        if cheap:
            try:
                return self.run_here("eval", source, context, external_context)
            except HelperBoundExceeded:
                if not self.sandboxed:
                    raise  # over the sandbox's own limits
        if self.sandboxed:
            return self._in_sandbox("eval", source, context, external_context)
        return self.run_here("eval", source, copy.deepcopy(context), copy.deepcopy(external_context))

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        source = textwrap.dedent(script)
        _, cheap = _plan(source, "exec", self._callables)
        self.check_for_overwrite(context, external_context or {})
        if not self.sandboxed:
            self.run_here("exec", source, context, external_context)
            return True
        if cheap:
            before = dict(context)  # cheap code changes no value in place: a shallow copy is the data it started on
            try:
                self.run_here("exec", source, context, external_context)
                return True
            except HelperBoundExceeded:
                context.clear()
                context.update(before)
        result = self._in_sandbox("exec", source, context, external_context)
        context.clear()
        context.update(result)
        return True


def _error_line(err: BaseException) -> int | None:
    if isinstance(err, ScriptError) and err.line:
        return err.line
    if isinstance(err, SyntaxError):
        return err.lineno
    lines = [f.lineno for f in traceback.extract_tb(err.__traceback__) if f.filename == SCRIPT_FILENAME]
    return lines[-1] if lines else None


class RestrictedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose errors keep the message and the script line (a ScriptError's, or the
    failing line of the script), also for expressions; with no BPMN task (the service's catalogue check),
    the error is a plain :class:`ScriptError`."""

    def _task_error(self, task: Any, err: Exception, where: str) -> Exception:
        message = err.message if isinstance(err, ScriptError) else f"{type(err).__name__}: {err}"
        message += f" ({where})" if where else ""
        line = _error_line(err)
        if getattr(task, "task_spec", None) is None:
            return ScriptError(message, line=line)
        return WorkflowTaskException(message, task=task, exception=err, line_number=line)

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as exc:
            exc.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as exc:
            raise self._task_error(task, exc, f"in expression '{expression.strip()[:200]}'") from exc

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> bool:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except SpiffWorkflowException:
            raise
        except Exception as exc:
            raise self._task_error(task, exc, "") from exc


def make_script_engine(calendar: WorkingCalendar | None = None, extra: Mapping[str, Any] | None = None,
                       sandboxed: bool = True) -> PythonScriptEngine:
    """A SpiffWorkflow script engine backed by :class:`RestrictedEnvironment` (``extra`` adds/overrides helpers;
    they must be picklable, e.g. :class:`MaskWith`, to reach the sandbox)."""
    return RestrictedScriptEngine(environment=RestrictedEnvironment(calendar, extra, sandboxed))

"""Restricted script environment for diagram scripts, conditions and DMN expressions.

SpiffWorkflow's default engine runs ``exec`` with full builtins. Here every
expression is checked on its syntax tree before it is compiled:

* no ``import`` / ``from ... import``;
* no attribute or name that starts with an underscore (closes the
  ``().__class__.__base__.__subclasses__()`` escape and its friends);
* no ``str.format`` / ``format_map`` (they reach attributes through strings);
* no call to a name outside the allowed builtins and the helpers below
  (``open``, ``eval``, ``exec``, ``getattr``, ``globals`` ... do not exist here);
* no ``global`` / ``nonlocal``, no class definitions, no async code, no ``match``
  (its class patterns reach attributes by name).

The builtins table is a whitelist of pure functions. Compiled code is cached by
source text. A refused or failing script raises :class:`ScriptError`.
"""
from __future__ import annotations

import ast
import builtins
import datetime as _dt
import textwrap
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from . import clock, lottery, people
from .calendar import WorkingCalendar
from .errors import ScriptError
from .masking import mask_text

SAFE_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "int", "isinstance",
        "len", "list", "map", "max", "min", "range", "reversed", "round", "set", "sorted", "str",
        "sum", "tuple", "zip", "True", "False", "None",
    )
}

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


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> Any:
    tree = check_source(source, mode)
    return compile(tree, "<script>", mode)


def _helpers(calendar: WorkingCalendar) -> dict[str, Callable[..., Any]]:
    def as_date(value: str | _dt.date) -> _dt.date:
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        return _dt.date.fromisoformat(str(value)[:10])

    def add_working_days(start: str | _dt.date, n: int) -> str:
        """ISO date of the n-th working day after ``start``."""
        return calendar.add_working_days(as_date(start), int(n)).isoformat()

    def working_days_between(a: str | _dt.date, b: str | _dt.date) -> int:
        return calendar.working_days_between(as_date(a), as_date(b))

    def add_days(start: str | _dt.date, n: int) -> str:
        return (as_date(start) + _dt.timedelta(days=int(n))).isoformat()

    def today() -> str:
        return clock.today().isoformat()

    def now_iso() -> str:
        return clock.now().isoformat(timespec="seconds")

    return {
        "add_working_days": add_working_days,
        "working_days_between": working_days_between,
        "add_days": add_days,
        "is_working_day": lambda d: calendar.is_working_day(as_date(d)),
        "today": today,
        "now_iso": now_iso,
        "mask_text": mask_text,
        "draw_lottery": lottery.draw,
        "derive_lottery_seed": lottery.derive_seed,
        "birth_date": lambda id_number: (lambda d: d.isoformat() if d else None)(people.birth_date(id_number)),
        "is_minor": lambda id_number, on=None: people.is_minor(id_number, as_date(on) if on else clock.today()),
    }


def _var(context: dict) -> Callable[..., Any]:
    """``var(name, default=None)``: a data key's value, or the default when the case has no such key
    (diagram code cannot catch NameError, and ``globals()`` does not exist here)."""

    def var(name: str, default: Any = None) -> Any:
        value = context.get(str(name), default)
        return default if callable(value) else value

    return var


class RestrictedEnvironment(TaskDataEnvironment):
    """A TaskDataEnvironment that only runs checked code with whitelisted builtins."""

    def __init__(self, calendar: WorkingCalendar | None = None, extra: Mapping[str, Any] | None = None) -> None:
        env: dict[str, Any] = {"__builtins__": dict(SAFE_BUILTINS)}
        env.update(_helpers(calendar or WorkingCalendar()))
        env.update(extra or {})
        super().__init__(env)

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        code = _compile(expression.strip(), "eval")
        my_globals = dict(self.globals)
        my_globals.update(external_context or {})
        my_globals.update(context)
        my_globals["__builtins__"] = self.globals["__builtins__"]
        my_globals["var"] = _var(context)
        return eval(code, my_globals)  # noqa: S307 - checked by check_source

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = _compile(textwrap.dedent(script), "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        context["var"] = _var(context)
        try:
            exec(code, context)  # noqa: S102 - checked by check_source
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def make_script_engine(calendar: WorkingCalendar | None = None,
                       extra: Mapping[str, Any] | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine backed by :class:`RestrictedEnvironment` (``extra`` adds/overrides helpers)."""
    return PythonScriptEngine(environment=RestrictedEnvironment(calendar, extra))

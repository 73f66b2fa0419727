"""The helpers diagram code calls (engine/scripting.py runs the code): dates on the bureau's working calendar,
masking, the lottery, ID numbers, ``var`` and ``pick`` (bound to the case data of each run), and the helpers that
build values out of case data within a bound (``pick``, ``field_changes``, ``describe_changes``).

Everything here is plain Python called by checked diagram code, in this process (cheap code) or in a sandbox
worker (engine/sandbox.py, which gets the calendar and the masking rules pickled).
"""
from __future__ import annotations

import datetime as _dt
import keyword
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from . import clock, lottery, people
from .calendar import WorkingCalendar
from .errors import ScriptError
from .masking import mask_text


def helpers(calendar: WorkingCalendar) -> dict[str, Callable[..., Any]]:
    """The helpers by the names diagram code calls them (``var`` and ``pick`` are bound per run: :func:`var_for`,
    :func:`pick_for`); dates count on ``calendar``."""
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
        "field_changes": field_changes,
        "describe_changes": describe_changes,
    }


# -- helpers that build values out of case data, bounded instead of sandboxed ---------------------------------------
#
# A display holding data or a comprehension is not cheap (see below): such code can double a value with every
# statement. These helpers build what a diagram commonly needs (keep some fields, list what changed, say it in
# words) and, run in this process, refuse a result over MAX_HELPER_NODES values, MAX_HELPER_CHARS characters
# (expanded as JSON writes it) or MAX_HELPER_DEPTH levels, so code calling them stays cheap: a chain of them, or of
# them and ``str``, stops at that size. Code stopped there is run again in the sandbox, from the data it started
# with, where the helpers have the sandbox's result limits (a case with a long text works, only slower).

#: the largest result pick, field_changes and describe_changes give in this process (over it: the sandbox)
MAX_HELPER_NODES = 5_000
MAX_HELPER_CHARS = 256 * 1024
#: and the deepest: ``a = pick("a")`` nests a value one level deeper each time (a loop in the diagram would make it
#: thousands of levels deep within MAX_HELPER_NODES, and the case data could no longer be copied or saved)
MAX_HELPER_DEPTH = 64
#: names bound to the case data of each run (like the helpers, a data key may not take them)
DATA_BOUND = ("var", "pick")


class HelperBoundExceeded(ScriptError):
    """A helper's result is over the bound of code run in this process (the code is run again in the sandbox)."""


#: the helpers' bounds where code runs now: MAX_HELPER_* in this process, the sandbox's result limits in a worker
HELPER_LIMITS: ContextVar[tuple[int, int, int] | None] = ContextVar("sanxiang_helper_limits", default=None)


def _limits() -> tuple[int, int, int]:
    return HELPER_LIMITS.get() or (MAX_HELPER_NODES, MAX_HELPER_CHARS, MAX_HELPER_DEPTH)


def _bounded(name: str, value: Any) -> Any:
    from .sandbox import result_size_problem  # the sandbox imports this module

    problem = result_size_problem(value, *_limits())
    if problem:
        raise HelperBoundExceeded(f"{name}(): {problem}")
    return value


def field_changes(before: Any, after: Any) -> list[dict[str, Any]]:
    """``field_changes(before, after)``: ``{"field", "before", "after"}`` for each key of the dict ``after`` whose
    value differs from the dict ``before``'s (an absent key: None), in ``after``'s order."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        raise ScriptError("field_changes(before, after) compares two dicts (e.g. two pick(...) results)")
    return _bounded("field_changes", [{"field": key, "before": before.get(key), "after": value}
                                      for key, value in after.items() if value != before.get(key)])


def describe_changes(changes: Any, labels: Any) -> str:
    """``describe_changes(changes, labels)``: "label：before → after" for each change of a ``field_changes``
    result, joined with "；" ("" when there is none); a field without a label is named by its key."""
    if not isinstance(changes, list):
        raise ScriptError("describe_changes(changes, labels) takes a list of changes (a field_changes result)")
    if not isinstance(labels, dict):
        raise ScriptError("describe_changes(changes, labels): labels must be a dict of field -> label")
    parts, length = [], 0
    for change in changes:
        if not isinstance(change, dict) or not {"field", "before", "after"} <= change.keys():
            raise ScriptError("describe_changes(): each change must be a dict with field, before and after")
        part = f"{labels.get(change['field'], change['field'])}：{change['before']} → {change['after']}"
        length += len(part) + 1
        if length > _limits()[1]:  # refused without writing the rest
            raise HelperBoundExceeded(f"describe_changes(): its result is too large (over {_limits()[1]:,} "
                                      "characters of text)")
        parts.append(part)
    return "；".join(parts)


def pick_for(context: dict) -> Callable[..., dict[str, Any]]:
    """``pick("a", "b", ...)``: a new dict of the named data keys' values (None for an absent key), as ``var``
    reads them."""
    var = var_for(context)

    def pick(*names: str) -> dict[str, Any]:
        if not all(isinstance(name, str) for name in names):
            raise ScriptError("pick() takes data key names as text")
        return _bounded("pick", {name: var(name) for name in names})

    return pick


def var_for(context: dict) -> Callable[..., Any]:
    """``var(name, default=None)``: a data key's value, or the default when the case has no such key
    (diagram code cannot catch NameError, and ``globals()`` does not exist here)."""

    def var(name: str, default: Any = None) -> Any:
        name = str(name)
        # no data key starts with "_": "_" + "_builtins_" + "_" would be the environment's own builtins dict
        value = default if name.startswith("_") else context.get(name, default)
        return default if callable(value) else value

    return var


class MaskWith:
    """``mask_text(text, names=())`` with a fixed rule set; picklable, so the sandbox gets the same helper."""

    def __init__(self, rules: Any) -> None:
        self.rules = tuple(rules)

    def __call__(self, text: str, names: Any = ()) -> str:
        return mask_text(text, self.rules, names)


#: the builtins diagram code may call (engine/scripting.py's SAFE_BUILTINS)
SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "int", "isinstance",
    "len", "list", "map", "max", "min", "range", "reversed", "round", "set", "sorted", "str",
    "sum", "tuple", "zip", "True", "False", "None",
)

#: names SpiffWorkflow cannot take as data: a called process starts with ``set_data(**data)``, and a key ``self``
#: collides with the method's own parameter (TypeError: the case could never enter its legal review)
ENGINE_SPREAD = ("self",)

#: the names diagram code calls the helpers and builtins by, and Python's own words: a script refuses to run on data
#: holding a helper's name as a key (it would hide the helper), data named like a builtin hides it from every later
#: script of the case (``len = 1``: "'int' object is not callable"), and no script can name a keyword; so forms and
#: data edits may not use them (engine/data_keys.py, engine/forms.py)
HELPER_NAMES = frozenset({*helpers(WorkingCalendar()), *DATA_BOUND, *SAFE_BUILTIN_NAMES, *keyword.kwlist,
                          *ENGINE_SPREAD})

"""Every DMN cell and output entry must be one SpiffWorkflow 3.2 can run, whatever the hit policy.

SpiffWorkflow's ``DMNEngine.evaluate`` (with the input bracketed by :class:`engine.decisions.SafeDMNEngine`)
turns an input cell into one Python expression, run in the restricted script environment
(:mod:`engine.scripting`):

* ``-`` (exactly): any value;
* a cell with ``?`` outside quotes: the cell, ``?`` standing for the input — ``0 <= ? <= 9999``,
  ``? >= 0 and ? <= 9999``, ``? in ["a", "b"]``;
* a cell that parses as Python on its own: ``(input) == (cell)`` — ``"person"``, ``True``, ``10 * 1000``;
* anything else: ``(input) <cell>`` — ``< 10000``, ``>= 5000``, ``in ["a", "b"]``, ``!= "person"``.

FEEL, the DMN standard's own expression language, is not what runs: a range ``[0..9999]`` or
``>= 0 and <= 9999`` fails on every case, and a FEEL list ``"a","b"`` is compared as one tuple and
matches nothing. :func:`engine_expression` asks the engine itself which expression it would build (its
own code runs on a recording script engine; nothing is evaluated), and :func:`check_entries` refuses at
deploy every cell and output entry that would fail, naming the rule and its line and saying how to
write it.

Names: the table can know only what its input expressions read (the case data keys it names) and the
script environment's functions. A cell or output entry that uses another name (``threshold_flag == True``)
fails on every case that lacks it: it is refused, naming the name; the author adds the value as an input.

:func:`read_cell` reads a cell for the overlap and gap analysis (:mod:`engine.dmn_check`) from the same
expression the engine builds.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import Any

from lxml import etree

from .decisions import SafeDMNEngine
from .errors import ErrorBag, ScriptError
from .scripting import SAFE_BUILTINS, check_source, make_script_engine

#: the name the input has in :func:`engine_expression`; the engine's own ``?`` placeholder
INPUT, PLACEHOLDER = "v", "dmninputexpr"
GENERIC_HINT = ('write a comparison with constants, ? standing for the input where needed: < 10000, "person", '
                '0 <= ? < 100, ? >= 0 and ? <= 9999, in ["a", "b"], or - for any value')
_RANGE = re.compile(r"^\s*([\[\]\(])\s*(.+?)\s*\.\.\s*(.+?)\s*([\[\]\)])\s*$")
_OPERATOR_CHAIN = re.compile(r"^\s*(<=|>=|<|>|!=|==)\s*\S.*\b(and|or)\s+(<=|>=|<|>|!=|==)")


class _Recorder:
    """A script engine that records what SpiffWorkflow asks it to evaluate and validates as it does."""

    def __init__(self) -> None:
        self.expressions: list[str] = []

    def validate(self, expression: str) -> None:
        ast.parse(expression)

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> bool:
        self.expressions.append(expression)
        return True


def engine_expression(text: str | None) -> str | None:
    """The expression the engine evaluates for an input cell (the input written ``(v)``, ``?`` as
    ``dmninputexpr``); None for ``-`` (any value).

    Raises:
        SyntaxError: the engine cannot even build an expression from the cell (it fails on every case).
    """
    if text is None or text == "-":
        return None
    recorder = _Recorder()
    task = SimpleNamespace(workflow=SimpleNamespace(script_engine=recorder))
    SafeDMNEngine(None).evaluate(INPUT, text, task)
    return recorder.expressions[-1]


@cache
def engine_names() -> frozenset[str]:
    """Names every expression may use: the whitelisted builtins and the script environment's helpers."""
    env = make_script_engine().environment.globals
    return frozenset({*SAFE_BUILTINS, *(k for k in env if not k.startswith("_")), "var"})


def free_names(tree: ast.AST) -> set[str]:
    """Names an expression reads, without those it binds itself (comprehension targets, lambda arguments)."""
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound


def input_names(expressions: list[str | None]) -> set[str]:
    """The case data names the table's input expressions read (expressions that do not parse add none)."""
    names: set[str] = set()
    for expression in expressions:
        try:
            names |= free_names(ast.parse((expression or "").strip(), mode="eval"))
        except SyntaxError:
            continue
    return names


def _hint(text: str) -> str:
    """How to write a cell the engine cannot run (FEEL habits first)."""
    found = _RANGE.match(text)
    if found:
        opening, low, high, closing = found.groups()
        lower = "<=" if opening == "[" else "<"
        upper = "<=" if closing == "]" else "<"
        return f"FEEL ranges [a..b] are not supported; write {low} {lower} ? {upper} {high} (? stands for the input)"
    if _OPERATOR_CHAIN.match(text):
        return "each condition needs the input: write ? before every comparison, e.g. ? >= 0 and ? <= 9999"
    if re.match(r"^\s*not\s*\(", text):
        return 'FEEL not(...) is not supported; write != "a" or not in ["a", "b"]'
    return GENERIC_HINT


def _cell_problem(text: str, known: set[str]) -> str | None:
    """Why the engine cannot run the cell on every case (None when it can)."""
    try:
        expression = engine_expression(text)
    except SyntaxError:
        return f"is not an expression SpiffWorkflow's DMN engine can evaluate: {_hint(text)}"
    if expression is None:
        return None
    try:
        tree = check_source(expression.strip(), "eval")
    except ScriptError as exc:
        return f"cannot run in the engine ({exc.message}): {_hint(text)}"
    body = tree.body
    if (isinstance(body, ast.Compare) and len(body.ops) == 1 and isinstance(body.ops[0], ast.Eq)
            and isinstance(body.comparators[0], ast.Tuple)):
        return (f"is compared as one tuple and matches no case (a FEEL list of values); write "
                f"in [{text.strip()}]")
    unknown = sorted(free_names(tree) - known - {INPUT, PLACEHOLDER} - engine_names())
    if unknown:
        return _names_problem(unknown, known, "the cell cannot be checked for overlaps; add the value as an input "
                                              "column and compare the input with constants")
    return None


def _names_problem(unknown: list[str], known: set[str], remedy: str) -> str:
    reads = ", ".join(sorted(known)) or "nothing"
    return (f"uses {', '.join(unknown)}, which the table does not read (its inputs read {reads}): every case "
            f"without it fails, and {remedy}")


def entry_text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    text = el.find("{*}text")
    return text.text if text is not None else None


def check_entries(file: str, where: str, table: etree._Element, bag: ErrorBag) -> set[tuple[int, int]]:
    """A problem for every input cell the engine cannot run and every output entry that uses a name the table
    does not know; returns the (row, column) of the input cells reported (1-based row)."""
    inputs = table.findall("{*}input")
    names = [(entry_text(i.find("{*}inputExpression")) or i.get("label") or i.get("id") or "?").strip() for i in inputs]
    known = input_names([entry_text(i.find("{*}inputExpression")) for i in inputs])
    reported: set[tuple[int, int]] = set()
    for row, rule in enumerate(table.findall("{*}rule"), 1):
        ref = f"{rule.get('id') or f'row {row}'} (row {row}, line {rule.sourceline})"
        for column, entry in enumerate(rule.findall("{*}inputEntry")):
            text = entry_text(entry)
            problem = _cell_problem(text, known) if text is not None else None
            if problem:
                shown = names[column] if column < len(names) else "?"
                bag.add(file, rule.get("id") or entry.get("id"), rule.sourceline,
                        f"{where}: cell '{text.strip()}' of input {shown} in {ref} {problem}")
                reported.add((row, column))
        for entry in rule.findall("{*}outputEntry"):
            text = entry_text(entry)
            try:
                tree = ast.parse((text or "").strip(), mode="eval") if (text or "").strip() else None
            except SyntaxError:
                continue  # the lint reports it
            unknown = sorted(free_names(tree) - known - engine_names()) if tree is not None else []
            if unknown:
                bag.add(file, rule.get("id") or entry.get("id"), rule.sourceline,
                        f"{where}: output entry '{text.strip()}' in {ref} " + _names_problem(
                            unknown, known, "its value cannot be known at deploy; add the value as an input "
                                            "column, or write the output as a constant"))
    return reported


# What an input cell means, for the overlap and gap analysis of engine.dmn_check.

#: a cell (or its truth on a value) the analysis does not understand
UNKNOWN = object()
_ALLOWED = (ast.Expression, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Tuple, ast.List,
            ast.Set, ast.Load, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Eq, ast.NotEq, ast.Lt, ast.LtE,
            ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)


@dataclass
class Cell:
    code: Any  # compiled predicate on ``v``; None = "-" (any); UNKNOWN = not understood
    constants: list[Any] = field(default_factory=list)
    ordered: bool = False  # uses <, <=, >, >=


_FOLD_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
             ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
             ast.Pow: lambda a, b: a ** b}
MAX_FOLDED = 10 ** 15


class _Fold(ast.NodeTransformer):
    """Replace arithmetic on number literals by its value (``10 * 1000`` -> ``10000``); nothing is evaluated
    but the listed operators on plain numbers, with exponents and results kept small."""

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, (ast.USub, ast.UAdd)) and _number_node(node.operand):
            value = node.operand.value
            return ast.copy_location(ast.Constant(-value if isinstance(node.op, ast.USub) else value), node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = _FOLD_OPS.get(type(node.op))
        if op is None or not (_number_node(node.left) and _number_node(node.right)):
            return node
        a, b = node.left.value, node.right.value
        if isinstance(node.op, ast.Pow) and (abs(b) > 64 or abs(a) > 10 ** 6):
            return node
        try:
            value = op(a, b)
        except (ArithmeticError, ValueError):
            return node
        if not is_number(value) or abs(value) > MAX_FOLDED:
            return node
        return ast.copy_location(ast.Constant(value), node)


def _number_node(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and is_number(node.value)


def read_cell(text: str | None) -> Cell:
    """Turn an input entry into a predicate on ``v``: the expression SpiffWorkflow's DMNEngine builds for it
    (:func:`engine_expression`), understood when it compares the input with constants only."""
    try:
        source = engine_expression(text)
    except SyntaxError:
        return Cell(UNKNOWN)  # check_entries reports it
    if source is None:
        return Cell(None)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return Cell(UNKNOWN)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == PLACEHOLDER:
            node.id = "v"
    tree = ast.fix_missing_locations(_Fold().visit(tree))
    if any(not isinstance(n, _ALLOWED) or (isinstance(n, ast.Name) and n.id != "v") for n in ast.walk(tree)):
        return Cell(UNKNOWN)
    if not _comparisons_with_constants(tree):
        return Cell(UNKNOWN)
    constants = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    for node in ast.walk(tree):  # -5 is UnaryOp(USub, 5): record the signed value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            if isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
                constants.append(-node.operand.value)
    ordered = any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE))
                  for n in ast.walk(tree) if isinstance(n, ast.Compare) for op in n.ops)
    return Cell(compile(tree, "<dmn cell>", "eval"), constants, ordered)


def _is_input(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "v"


def _comparisons_with_constants(tree: ast.AST) -> bool:
    """The input appears only as an operand of comparisons with constants (``in`` / ``not in``: with a list of
    constants), so the cell's truth is constant between the constants it mentions (one value per atom tells)."""
    operands: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, sides[:-1], sides[1:], strict=True):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not (_is_input(left) and isinstance(right, (ast.List, ast.Tuple, ast.Set))
                        and all(isinstance(e, ast.Constant) for e in right.elts)):
                    return False
            elif not all(_is_input(x) or isinstance(x, ast.Constant) for x in (left, right)):
                return False
        operands.update(id(x) for x in sides if _is_input(x))
    return all(id(n) in operands for n in ast.walk(tree) if _is_input(n))


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)

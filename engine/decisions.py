"""Evaluating a DMN decision table outside a running workflow, and what "no row matched" means.

The service uses :func:`evaluate` for the legal-review gate: the review catalogue is
asked about the case's data directly, so a diagram that forgets its business-rule
task cannot skip the gate.

No matching row: SpiffWorkflow returns no outputs, and the next gateway fails on the
missing name (a 500 that strands the case). :class:`SafeDMNEngine` (installed for every
parsed business-rule task by :func:`install`) gives instead

* for a **review catalogue** (a table with an ``is_major`` output): ``is_major=True``,
  ``major_rule="no_catalogue_row_matched"`` and None for any other output. A needless
  legal review costs days; a major decision made without one is void (APL 58, 38), so
  the case the catalogue cannot classify goes to review;
* for any other table: a clear error naming the decision and the inputs (the table's
  author must add a row).

Overlapping rows and numeric gaps are refused at deploy (:mod:`engine.dmn_check`).

Input expressions are evaluated in brackets: SpiffWorkflow builds ``input + cell`` for a cell
such as ``< 10000``, so an input ``fine_amount or 0`` would become ``fine_amount or 0 < 10000``
(true for every non-zero fine). :meth:`SafeDMNEngine.evaluate` compares ``(fine_amount or 0)``,
which is what the table says and what :mod:`engine.dmn_check` analyses.
"""
from __future__ import annotations

import ast
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from . import xml
from .errors import NotFound

CATALOGUE_OUTPUT = "is_major"
NO_ROW_MATCHED = "no_catalogue_row_matched"


class NoMatchingRow(WorkflowException):
    """A decision table that is not a review catalogue found no row for the case's data."""


class SafeDMNEngine(DMNEngine):
    """SpiffWorkflow's DMNEngine with bracketed input expressions and a defined result when no row matches
    (see the module docstring)."""

    def evaluate(self, input_expr: Any, match_expr: Any, task: Any) -> Any:
        if isinstance(input_expr, str) and match_expr is not None:
            input_expr = f"({input_expr})"
        return super().evaluate(input_expr, match_expr, task)

    def result(self, task: Any) -> dict[str, Any]:
        table = self.decision_table
        if table.hit_policy == "COLLECT" or self.decide(task):
            return super().result(task)
        names = [out.name or out.label for out in table.outputs]
        if CATALOGUE_OUTPUT in names:
            fallback: dict[str, Any] = dict.fromkeys(names)
            fallback.update({CATALOGUE_OUTPUT: True, "major_rule": NO_ROW_MATCHED})
            return fallback
        inputs = {entry.expression: _input_value(entry.expression, task) for entry in table.inputs}
        raise NoMatchingRow(f"decision table '{table.id}': no row matches the inputs {inputs}; "
                            "add a row for them (or a catch-all row) to the table",
                            task_spec=getattr(task, "task_spec", None))


def _input_value(expression: str | None, task: Any) -> Any:
    try:
        return task.workflow.script_engine.evaluate(task, expression)
    except Exception:  # noqa: BLE001 - only for the message
        return "?"


def install() -> None:
    """Make every business-rule task SpiffWorkflow parses or restores use :class:`SafeDMNEngine` (idempotent)."""
    import importlib

    for module in ("SpiffWorkflow.dmn.parser.BpmnDmnParser", "SpiffWorkflow.dmn.serializer.task_spec"):
        importlib.import_module(module).DMNEngine = SafeDMNEngine


install()


def parse_decision(content: bytes, filename: str, decision_id: str) -> Any:
    """The parsed decision ``decision_id`` from a DMN file.

    Raises:
        NotFound: the file does not define it.
    """
    parser = SpiffBpmnParser()
    parser.add_dmn_xml(xml.parse(content, filename).getroot(), filename)
    if decision_id not in parser.dmn_parsers:
        raise NotFound(f"decision '{decision_id}' is not in {filename}")
    dmn_parser = parser.dmn_parsers[decision_id]
    dmn_parser.parse()
    return dmn_parser


def _names(expression: str | None) -> set[str]:
    if not expression:
        return set()
    try:
        return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def evaluate(dmn_parser: Any, data: dict[str, Any], script_engine: Any) -> dict[str, Any]:
    """The outputs of the first decision table for ``data``; inputs missing from data count as None."""
    if dmn_parser.decision is None:
        dmn_parser.parse()
    table = dmn_parser.decision.decisionTables[0]
    context = dict(data)
    for entry in table.inputs:
        for name in _names(entry.expression):
            context.setdefault(name, None)
    shim = SimpleNamespace(data=context, workflow=SimpleNamespace(script_engine=script_engine))
    return SafeDMNEngine(table).result(shim)

"""Evaluating a DMN decision table outside a running workflow.

The service uses it for the legal-review gate: the review catalogue is asked
about the case's data directly, so a diagram that forgets its business-rule
task cannot skip the gate.
"""
from __future__ import annotations

import ast
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .errors import NotFound


def parse_decision(content: bytes, filename: str, decision_id: str) -> Any:
    """The parsed decision ``decision_id`` from a DMN file.

    Raises:
        NotFound: the file does not define it.
    """
    parser = SpiffBpmnParser()
    parser.add_dmn_str(content, filename)
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
    return DMNEngine(table).result(shim)

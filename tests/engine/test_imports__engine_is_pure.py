"""engine/ is pure Python on SpiffWorkflow: it never imports the web layer, the database layer or api/."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = frozenset({"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "api"})


def forbidden_imports(source: str, filename: str = "<src>") -> list[str]:
    """Top-level names of forbidden absolute imports in ``source`` (relative imports are the engine's own)."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found.extend(m for m in modules if m.split(".")[0] in FORBIDDEN)
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import flask", ["flask"]),
        ("from flask import current_app", ["flask"]),
        ("import sqlalchemy.orm as orm", ["sqlalchemy.orm"]),
        ("from flask_sqlalchemy import SQLAlchemy", ["flask_sqlalchemy"]),
        ("from werkzeug.exceptions import NotFound", ["werkzeug.exceptions"]),
        ("from api.models import Instance", ["api.models"]),
        ("import api", ["api"]),
        ("def f():\n    import flask\n    return flask", ["flask"]),  # hidden inside a function
        ("from . import api", []),  # relative: engine's own module
        ("from .api import x", []),
        ("import apiary, flasks, json", []),
        ("from SpiffWorkflow.bpmn import BpmnWorkflow", []),
    ],
)
def test_scanner_recognises_forbidden_imports(source, expected):
    assert forbidden_imports(source) == expected


def test_engine_modules_import_no_web_or_database_code():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) >= 10, f"engine package not found at {ENGINE}"
    offending = [
        (str(path.relative_to(ENGINE.parent)), module)
        for path in files
        for module in forbidden_imports(path.read_text(encoding="utf-8"), str(path))
    ]
    assert offending == []

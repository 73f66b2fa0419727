"""Regression tests: a match-statement sandbox escape, indented scripts, and lint line numbers."""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from engine import runtime
from engine.definitions import load_catalog
from engine.errors import DefinitionInvalid, ScriptError
from engine.scripting import RestrictedEnvironment, check_source, make_script_engine
from engine.specs import build_bundle

ROOT = Path(__file__).resolve().parents[2]
TINY = (ROOT / "tests/engine/test_scripting__script_tasks_at_runtime.py").read_text().split('TINY = """')[1].split('"""')[0]


def tiny(script: str) -> dict[str, bytes]:
    return {"tiny.bpmn": TINY.format(script=escape(script)).encode()}


# 1. sandbox: match-statement class patterns read any attribute (dunder, format) by keyword
MATCH_DUNDER = "match ():\n    case tuple(__class__=cls):\n        leaked = cls\n"
MATCH_FORMAT_LEAK = (
    'u = "_" + "_"\n'
    'tpl = "{0." + u + "globals" + u + "[re].enum.sys.modules[os].environ}"\n'
    "match tpl:\n"
    "    case str(format=fmt):\n"
    "        leaked = fmt(mask_text)\n"
)


@pytest.mark.parametrize("source", [MATCH_DUNDER, MATCH_FORMAT_LEAK])
def test_match_class_pattern_attribute_access_is_refused(source):
    with pytest.raises(ScriptError):
        check_source(source)


def test_script_cannot_read_the_process_environment():
    context: dict = {}
    try:
        RestrictedEnvironment().execute(MATCH_FORMAT_LEAK, context)
    except ScriptError:
        return
    assert "PATH" not in context.get("leaked", "")


# 2. lint accepts an indented script (it dedents), the runtime does not
def test_script_that_passes_lint_also_runs():
    files = tiny("\n        x = 1\n        y = x + 1\n    ")
    load_catalog(files)  # passes lint
    workflow, _ = runtime.start(build_bundle("tiny", files), {}, make_script_engine())
    assert workflow.last_task.data["y"] == 2


# 3. lint line is one off when the script text starts with a newline
def test_import_line_when_script_starts_on_the_next_line():
    files = tiny("\nx = 1\nimport os\n")
    text = files["tiny.bpmn"].decode()
    with pytest.raises(DefinitionInvalid) as info:
        load_catalog(files)
    (problem,) = info.value.problems
    expected = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("import os"))
    assert problem.line == expected

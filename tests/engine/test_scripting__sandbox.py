"""check_source and RestrictedEnvironment: what diagram Python may and may not do."""
from __future__ import annotations

import pytest

from engine.errors import ScriptError
from engine.scripting import RestrictedEnvironment, check_source, make_script_engine


@pytest.fixture(scope="module")
def env() -> RestrictedEnvironment:
    return RestrictedEnvironment()


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("import os", 1, "import"),
        ("x = 1\nfrom os import path", 2, "import"),
        ("y = ().__class__", 1, "__class__"),
        ("y = x.__dict__", 1, "__dict__"),
        ("y = x._private", 1, "_private"),
        ("y = _hidden + 1", 1, "_hidden"),
        ("a = 1\nb = 2\ny = __builtins__", 3, "__builtins__"),
        ('y = "{0.__class__}".format(x)', 1, ""),
        ('y = "{0.real}".format(x)', 1, "format"),
        ('y = "{a}".format_map(d)', 1, "format_map"),
        ('y = "__"', 1, "__"),
        ('y = "a" + "b__c"', 1, "__"),
        ("def f():\n    global y\n    y = 1", 2, "global"),
        ("def f():\n    x = 1\n    def g():\n        nonlocal x\n    return g", 4, "nonlocal"),
        ("class A:\n    pass", 1, "class"),
        ("async def f():\n    pass", 1, "async"),
        ("y = (x for x in []).gi_frame", 1, "gi_frame"),
        ("y = ().__class__.__base__.__subclasses__()", 1, ""),
    ],
)
def test_refused(source, line, words):
    with pytest.raises(ScriptError) as info:
        check_source(source)
    assert info.value.line == line
    assert words in info.value.message


def test_syntax_error_carries_the_line():
    with pytest.raises(ScriptError) as info:
        check_source("a = 1\nb = (\n")
    assert info.value.line is not None and info.value.line >= 2
    assert "syntax" in info.value.message


def test_eval_mode_refuses_statements():
    with pytest.raises(ScriptError):
        check_source("x = 1", "eval")


@pytest.mark.parametrize(
    "source",
    [
        "total = sum([i * 2 for i in range(10) if i % 2])",
        "names = {k: v for k, v in data.items() if v}",
        'label = f"{case_title}（{len(officers)}人）"',
        "def double(v):\n    return v * 2\nresult = list(map(double, [1, 2]))",
        "ok = x.startswith('a') and '_' in y",
        "first, *rest = sorted(values, reverse=True)",
    ],
)
def test_ordinary_python_is_allowed(source):
    check_source(source)


def test_evaluate_uses_context(env):
    assert env.evaluate("len(x)", {"x": [1, 2]}) == 2
    assert env.evaluate("  max(x) + y  ", {"x": [1, 5], "y": 10}) == 15
    assert env.evaluate('f"{a}-{b}"', {"a": 1, "b": "二"}) == "1-二"


@pytest.mark.parametrize("name", ["open", "eval", "exec", "getattr", "setattr", "globals", "vars", "type",
                                  "compile", "breakpoint", "input", "object"])
def test_dangerous_builtins_do_not_exist(env, name):
    with pytest.raises((NameError, ScriptError)):
        env.evaluate(f"{name}", {})


@pytest.mark.parametrize("expression", ["__import__('os')", "open('/etc/passwd').read()",
                                        "eval('1 + 1')", "getattr(x, 'real')"])
def test_calls_to_dangerous_builtins_fail(env, expression):
    with pytest.raises((NameError, ScriptError)):
        env.evaluate(expression, {"x": 1})


def test_dunder_import_is_refused_not_just_missing(env):
    with pytest.raises(ScriptError):
        env.evaluate("__import__", {})


def test_classic_subclasses_escape_is_refused(env):
    with pytest.raises(ScriptError):
        env.evaluate("().__class__.__base__.__subclasses__()", {})
    context: dict = {}
    with pytest.raises(ScriptError):
        env.execute("classes = ().__class__.__base__.__subclasses__()", context)
    assert "classes" not in context


def test_context_cannot_smuggle_builtins(env):
    """A task data key named like a builtin must not restore it."""
    with pytest.raises((NameError, ScriptError)):
        env.evaluate("open('x')", {"__builtins__": __builtins__})


def test_execute_writes_results_into_the_context_without_helpers(env):
    context = {"items": [3, 1, 2]}
    env.execute("ordered = sorted(items)\ncount = len(items)", context)
    assert context["ordered"] == [1, 2, 3]
    assert context["count"] == 3
    assert "add_working_days" not in context
    assert "mask_text" not in context


def test_add_working_days_knows_the_national_day_holiday(env):
    # 2024: 1-7 Oct off, Sun 29 Sep and Sat 12 Oct are make-up working days
    assert env.evaluate('add_working_days("2024-09-27", 7)', {}) == "2024-10-12"
    assert env.evaluate('add_working_days("2024-09-27", 1)', {}) == "2024-09-29"


def test_other_date_helpers(env):
    assert env.evaluate('add_days("2024-02-28", 2)', {}) == "2024-03-01"
    assert env.evaluate('is_working_day("2024-10-01")', {}) is False
    assert env.evaluate('is_working_day("2024-10-12")', {}) is True
    # half-open (a, b]: the inverse of add_working_days
    assert env.evaluate('working_days_between("2024-09-27", add_working_days("2024-09-27", 7))', {}) == 7


def test_mask_text_is_available(env):
    masked = env.evaluate("mask_text(text)", {"text": "当事人身份证号130528198001011234"})
    assert "130528198001011234" not in masked
    assert masked.startswith("当事人身份证号")


def test_make_script_engine_uses_the_restricted_environment():
    engine = make_script_engine()
    assert isinstance(engine.environment, RestrictedEnvironment)


def test_var_reads_a_data_key_or_its_default():
    env = RestrictedEnvironment()
    assert env.evaluate("var('x', 3)", {}) == 3
    assert env.evaluate("var('x', 3)", {"x": 1}) == 1
    data = {"a": 2}
    env.execute("b = var('a') + var('missing', 10)", data)
    assert data["b"] == 12 and "var" not in data


def test_a_sandboxed_result_nested_too_deep_for_the_case_data_is_refused():
    # 500 levels: small and under every size limit, but past what case data can be copied or saved at
    deep = "a = []\nfor n in range(500):\n    a = [a]"
    with pytest.raises(ScriptError, match="nested deeper than 200 levels"):
        make_script_engine().environment.execute(deep, {})
    shallow = "a = []\nfor n in range(150):\n    a = [a]"
    context: dict = {}
    make_script_engine().environment.execute(shallow, context)
    depth, value = 0, context["a"]
    while value:
        depth, value = depth + 1, value[0]
    assert depth == 150

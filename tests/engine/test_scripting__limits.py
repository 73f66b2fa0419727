"""Diagram code has limits: hostile scripts, conditions and replays fail quickly with a clear ScriptError,
conditions cannot change case data, and ordinary code (and every helper) still works in the sandbox.

The hostile code runs in a child Python process (one for the whole module) so that, without limits, this
module fails on its timeout instead of freezing or exhausting the test run.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from engine import clock, lottery, runtime, sandbox
from engine.calendar import WorkingCalendar
from engine.errors import ScriptError
from engine.masking import DEFAULT_RULES, MaskingRule
from engine.scripting import MaskWith, RestrictedEnvironment, check_source, is_cheap, make_script_engine
from engine.specs import build_bundle
from tests.engine.test_scripting__script_tasks_at_runtime import tiny_files

ROOT = Path(__file__).resolve().parents[2]

#: name -> (script, what the error says, the script line it names)
HOSTILE_SCRIPTS = {
    "endless_loop": ("while True:\n    pass", "time limit", {1, 2}),
    "huge_power": ("x = 10 ** 10 ** 10", "time limit", {1}),
    "huge_power_on_line_3": ("a = 1\nb = a\nx = 10 ** 10 ** 10", "time limit", {3}),
    "loop_in_a_function": ("def f():\n    n = 0\n    while True:\n        n += 1\n\nf()", "time limit", {3, 4}),
    "endless_generator": ("found = any(n < 0 for n in range(10 ** 18))", "time limit", {1}),
    "two_gb_string": ('s = "x" * (2 * 1024 ** 3)', "memory limit", {1}),
    "ljust": ('s = "a".ljust(2 ** 31)', "memory limit", {1}),
    "f_string_width": ("s = f\"{'a':>2000000000}\"", "memory limit", {1}),
    "percent_width": ('s = "%2000000000d" % 1', "memory limit", {1}),
    # its result is refused as too large; on a loaded machine its 2**40-node walk may hit the time limit first
    "list_doubled_forty_times": ("a = [1]\n" + "a = [a, a]\n" * 40, ("too large", "time limit"), {None}),
}
HOSTILE_EXPRESSIONS = {
    "condition_power": ("10 ** 10 ** 10 > 1", "time limit"),
    "condition_string": ("len('x' * 2 ** 31) > 0", "memory limit"),
    "condition_generator": ("any(n < 0 for n in range(10 ** 18))", "time limit"),
    "timer_width": ("f\"{'2024-01-01':>2000000000}\"", "memory limit"),
}

RUNNER = r"""
import json, sys
from engine import replay, runtime
from engine.errors import ScriptError
from engine.scripting import make_script_engine
from engine.specs import build_bundle
from tests.engine.test_scripting__script_tasks_at_runtime import tiny_files

def main():
    scripts, expressions = json.loads(sys.stdin.read())
    out = {}
    for name, source in scripts.items():
        try:
            runtime.start(build_bundle("tiny", tiny_files(source)), {}, make_script_engine())
            out[name] = {"error": None}
        except ScriptError as exc:
            out[name] = {"error": exc.message, "element_id": exc.element_id, "line": exc.line}
    for name, source in expressions.items():
        try:
            make_script_engine().environment.evaluate(source, {})
            out[name] = {"error": None}
        except ScriptError as exc:
            out[name] = {"error": exc.message, "line": exc.line}
    bundle = build_bundle("tiny", tiny_files(scripts["huge_power"]))
    started = replay.Recorded(1, "instance_started", "tiny", None, {"data": {}}, None)
    result = replay.replay(bundle, [started], make_script_engine())
    out["replay"] = {"ok": result.ok, "problem": (result.problem or {}).get("problem")}
    print(json.dumps(out))

if __name__ == "__main__":
    main()
"""


@pytest.fixture(scope="module")
def hostile_results() -> dict:
    """Every hostile script and expression, run once in a child process (which must finish)."""
    payload = json.dumps([{k: v[0] for k, v in HOSTILE_SCRIPTS.items()}, {k: v[0] for k, v in HOSTILE_EXPRESSIONS.items()}])
    try:
        done = subprocess.run([sys.executable, "-c", RUNNER], input=payload, capture_output=True, text=True,
                              cwd=ROOT, timeout=240, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the hostile scripts did not finish: without limits they freeze the process")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(HOSTILE_SCRIPTS))
def test_a_hostile_script_fails_its_task_with_a_clear_error(hostile_results, name):
    _, says, lines = HOSTILE_SCRIPTS[name]
    result = hostile_results[name]
    assert result["error"] is not None, f"{name} ran without an error"
    assert any(s in result["error"] for s in ((says,) if isinstance(says, str) else says)), result
    assert result["element_id"] == "task_script"
    assert result["line"] in lines, result


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPRESSIONS))
def test_a_hostile_condition_or_timer_expression_fails_with_a_clear_error(hostile_results, name):
    result = hostile_results[name]
    assert result["error"] is not None and HOSTILE_EXPRESSIONS[name][1] in result["error"], result


def test_verify_replay_applies_the_same_limits(hostile_results):
    result = hostile_results["replay"]
    assert result["ok"] is False
    assert "time limit" in result["problem"]


@pytest.mark.parametrize("source", [v[0] for v in HOSTILE_SCRIPTS.values()] + [v[0] for v in HOSTILE_EXPRESSIONS.values()])
def test_hostile_code_is_never_run_in_process(source):
    mode = "exec" if source in {v[0] for v in HOSTILE_SCRIPTS.values()} else "eval"
    assert not is_cheap(check_source(source, mode))


@pytest.mark.parametrize("expression", [
    "x.append(1) is None", "x.sort() or True", "x.clear() is None", "d.update({'k': 2}) is None",
    "d.pop('k') == 1", "d.setdefault('new', 1) == 1", "(y := 5) == 5", "[x.append(v) for v in [1, 2]] != []",
    "x.extend(x) is None and True",
])
def test_a_condition_cannot_change_case_data(expression):
    context = {"x": [3, 1, 2], "d": {"k": 1}}
    before = copy.deepcopy(context)
    make_script_engine().environment.evaluate(expression, context)
    assert context == before


def test_cheap_conditions_run_here_and_the_rest_in_the_sandbox():
    env = make_script_engine().environment
    pool = sandbox.pool()
    calls = pool.calls
    assert env.evaluate('penalty_kind in ("fine", "confiscation") and (fine_amount or 0) >= 10000',
                        {"penalty_kind": "fine", "fine_amount": 20000}) is True
    assert pool.calls == calls
    assert env.evaluate("sum(v * 2 for v in values) == 6", {"values": [1, 2]}) is True
    assert pool.calls == calls + 1


def shipped_expressions() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        for el in etree.parse(str(path)).iter():
            if isinstance(el.tag, str) and etree.QName(el).localname in ("conditionExpression", "timeDate",
                                                                           "timeDuration", "timeCycle"):
                found.append((path.name, el.text.strip()))
    return found


@pytest.mark.parametrize(("file", "expression"), shipped_expressions())
def test_shipped_conditions_and_timers_run_in_process(file, expression):
    env = make_script_engine().environment
    assert is_cheap(check_source(expression, "eval"), env._callables), (file, expression)


def test_a_normal_script_in_the_sandbox_updates_the_data():
    context = {"values": [1, 2, 3], "old": "x", "gone": 1}
    same = context
    make_script_engine().environment.execute(
        "doubled = [v * 2 for v in values]\nold = old * 2\ndel gone\nvalues.append(4)", context)
    assert context is same
    assert context == {"values": [1, 2, 3, 4], "old": "xx", "doubled": [2, 4, 6]}


def test_every_helper_works_in_the_sandbox_as_in_process():
    holiday = dt.date(2024, 10, 8)  # a Tuesday the bureau closes: the sandbox must know the override
    calendar = WorkingCalendar({holiday: False})
    rules = MaskWith([*DEFAULT_RULES, MaskingRule("codename", r"代号\w+", "［代号］")])
    script = "\n".join([
        "marker = [0 for n in [1]]",  # a comprehension: not cheap, so the script runs in the sandbox
        "deadline = add_working_days(start, 5)",
        "between = working_days_between(start, '2024-10-31')",
        "later = add_days(start, 40)",
        "working = is_working_day('2024-10-08')",
        "day = today()",
        "stamp = now_iso()",
        "masked = mask_text(text, ['李四'])",
        "seed = derive_lottery_seed('d' * 64, committed, 'secret-reveal')",
        "drawn = draw_lottery(seed, ['a', 'b', 'c', 'd'], 2)",
        "born = birth_date(id_number)",
        "minor = is_minor(id_number, '2024-10-01')",
        "default = var('missing', 'fallback')",
    ])
    data = {"start": "2024-09-27", "text": "李四 代号青龙 电话13812345678", "id_number": "110105201001011234",
            "committed": lottery.commitment("secret-reveal")}
    results = []
    calls = sandbox.pool().calls
    for sandboxed in (True, False):
        context = dict(data)
        with clock.fixed(dt.datetime(2024, 10, 9, 2, 30, tzinfo=dt.UTC)):
            make_script_engine(calendar, {"mask_text": rules}, sandboxed=sandboxed).environment.execute(script, context)
        results.append(context)
    assert sandbox.pool().calls == calls + 1
    assert results[0] == results[1]
    got = results[0]
    assert got["working"] is False
    assert got["deadline"] == "2024-10-11"  # 9-29 (make-up day), 9-30, 10-9, 10-10, 10-11: 10-08 is the override
    assert got["day"] == "2024-10-09" and got["stamp"].startswith("2024-10-09T02:30")
    assert "13812345678" not in got["masked"] and "青龙" not in got["masked"] and "李四" not in got["masked"]
    assert len(got["drawn"]) == 2 and got["born"] == "2010-01-01" and got["minor"] is True
    assert got["default"] == "fallback"


def test_a_runtime_error_names_the_script_line():
    bundle = build_bundle("tiny", tiny_files("a = 1\nb = [v for v in [a]][3]"))
    with pytest.raises(ScriptError) as info:
        runtime.start(bundle, {}, make_script_engine())
    assert info.value.element_id == "task_script"
    assert info.value.line == 2
    assert "IndexError" in info.value.message


def test_a_worker_that_overran_is_replaced(monkeypatch):
    monkeypatch.setattr(sandbox, "LIMITS", sandbox.Limits(time_seconds=0.3))
    env = RestrictedEnvironment()
    killed = sandbox.pool().killed
    with pytest.raises(ScriptError, match="time limit"):
        env.execute("while True:\n    pass", {})
    assert sandbox.pool().killed == killed + 1
    context = {"values": [1]}
    env.execute("more = [v + 1 for v in values]", context)
    assert context["more"] == [2]


def test_a_result_that_cannot_be_handed_back_is_a_script_error():
    with pytest.raises(ScriptError, match="result"):
        RestrictedEnvironment().execute("g = (v for v in [1, 2])", {})

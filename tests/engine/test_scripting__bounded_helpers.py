"""pick, field_changes and describe_changes: helpers that build values out of case data, yet keep scripts cheap.

A display holding data (``{"a": a}``) or a comprehension makes a script run in the sandbox, because such code can
double a value with every statement (``x = [x, x]``, or ``x = str({"x": x})``, which escapes the text again). These
helpers do what the review loop needs (keep the proposal before a fix, list what changed, say it in words) in this
process: each refuses there a result over MAX_HELPER_NODES values, MAX_HELPER_CHARS characters or
MAX_HELPER_DEPTH levels, so a chain of them cannot grow without bound either; code stopped at the bound runs again
in the sandbox from the data it started with. The tests try to make them grow anyway, and check that what they
give is what the comprehensions they replace gave.
"""
from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest

from engine import sandbox
from engine.data_keys import HELPER_NAMES, edit_problems
from engine.errors import ScriptError
from engine.forms import lint_form
from engine.scripting import DATA_BOUND, MAX_HELPER_CHARS, check_source, is_cheap, make_script_engine

PROPOSAL = ("facts", "legal_basis", "penalty_kind", "fine_amount", "proposal_text")
LABELS = {"facts": "违法事实", "legal_basis": "法律依据", "penalty_kind": "处理种类", "fine_amount": "罚款金额（元）",
          "proposal_text": "拟处理意见"}
#: the review loop's two scripts as they were, with comprehensions (they ran in the sandbox)
OLD_SNAPSHOT = f"proposal_before_fix = {{k: var(k) for k in {PROPOSAL!r}}}"
OLD_CHANGES = (f"labels = {LABELS!r}\n"
               "proposal_changes = [{'field': k, 'before': proposal_before_fix.get(k), 'after': var(k)} "
               "for k in labels if var(k) != proposal_before_fix.get(k)]\n"
               "proposal_changes_text = '；'.join(f\"{labels[c['field']]}：{c['before']} → {c['after']}\" "
               "for c in proposal_changes) or '拟处理意见未变更'\n"
               "del labels")
#: and with the helpers
NEW_SNAPSHOT = f"proposal_before_fix = pick{PROPOSAL!r}"
NEW_CHANGES = (f"proposal_changes = field_changes(proposal_before_fix, pick{PROPOSAL!r})\n"
               f"proposal_changes_text = describe_changes(proposal_changes, {LABELS!r}) or '拟处理意见未变更'")


def env():
    return make_script_engine().environment


def run(script: str, data: dict) -> dict:
    """Run ``script`` as a script task does (errors name the script line), on a copy of ``data``."""
    task = SimpleNamespace(data=dict(data))
    make_script_engine().execute(task, script)
    return task.data


def test_the_review_loop_scripts_are_cheap_with_the_helpers_and_were_not_without():
    callables = env()._callables
    for script in (NEW_SNAPSHOT, NEW_CHANGES):
        assert is_cheap(check_source(script, "exec"), callables), script
    for script in (OLD_SNAPSHOT, OLD_CHANGES):
        assert not is_cheap(check_source(script, "exec"), callables), script


@pytest.mark.parametrize("after", [
    {"fine_amount": 15000, "proposal_text": "罚款壹万伍仟元。"},  # two fields changed
    {},  # nothing changed
    {"facts": None, "legal_basis": ["第一条", "第二条"], "penalty_kind": "warning"},  # a list, None, a new kind
    {"fine_amount": "15000", "extra": "not a proposal key"},  # a number turned into text
])
def test_the_helpers_give_what_the_comprehensions_gave(after):
    before = {"facts": "事实。", "legal_basis": "《宗教事务条例》第六十四条", "penalty_kind": "fine",
              "fine_amount": 20000, "proposal_text": "罚款贰万元。", "other": {"kept": True}}
    results = []
    calls = sandbox.pool().calls
    for snapshot, changes in ((OLD_SNAPSHOT, OLD_CHANGES), (NEW_SNAPSHOT, NEW_CHANGES)):
        context = run(snapshot, before)
        context.update(after)
        results.append(run(changes, context))
    assert sandbox.pool().calls == calls + 2  # the old scripts went to the sandbox, the new ones did not
    assert results[0] == results[1]
    assert list(results[1]) == list(results[0])


def test_pick_gives_none_for_an_absent_key_and_never_a_helper():
    got = run('p = pick("a", "missing", "today")', {"a": [1, 2]})["p"]
    assert got == {"a": [1, 2], "missing": None, "today": None}


def test_the_helpers_work_the_same_in_the_sandbox():
    script = ("marker = [0 for n in [1]]\n"  # a comprehension: the whole script runs in the sandbox
              + NEW_SNAPSHOT + "\nfine_amount = 1\n" + NEW_CHANGES)
    data = {"facts": "事实。", "fine_amount": 2}
    sandboxed, here = dict(data), dict(data)
    make_script_engine().environment.execute(script, sandboxed)
    make_script_engine(sandboxed=False).environment.execute(script, here)
    assert sandboxed == here
    assert here["proposal_changes"] == [{"field": "fine_amount", "before": 2, "after": 1}]
    assert here["proposal_changes_text"] == "罚款金额（元）：2 → 1"


#: scripts that would double a value with every round, were the helpers not bounded: (first lines, one round)
DOUBLING = {
    "pick_of_both": ('y = "a"', 'x = pick("x", "y")\ny = pick("x", "y")'),
    "str_of_pick": ('x = "\\\\"', 'x = str(pick("x"))'),
    "described_changes": ('y = "a"', 'x = describe_changes(field_changes({}, pick("x", "y")), {})\ny = x'),
    "changes_of_changes": ('y = "a"', 'x = field_changes({}, pick("x", "y"))\ny = x'),
}


def doubling_script(name: str) -> tuple[str, int]:
    """The longest script of ``name``'s rounds that is still cheap (so it would run in this process), and how
    many rounds it has."""
    first, round_ = DOUBLING[name]
    rounds = 1
    while is_cheap(check_source("\n".join([first] + [round_] * (rounds + 1)), "exec"), env()._callables):
        rounds += 1
    return "\n".join([first] + [round_] * rounds), rounds


@pytest.mark.parametrize("name", sorted(DOUBLING))
def test_a_doubling_chain_of_helpers_stops_at_the_bound_and_goes_to_the_sandbox(name):
    script, rounds = doubling_script(name)
    assert rounds >= 16  # unbounded, it would make a value of 2 ** 16 times its first size, in this process
    calls = sandbox.pool().calls
    started = time.process_time()
    try:
        result = run(script, {"x": "a"})
    except ScriptError as exc:  # the sandbox's limits refused it (its result, time or memory)
        assert re.search("too large|nested deeper|time limit|memory limit", exc.message), exc.message
        assert exc.line is not None and exc.line > 2
    else:  # or it fit in them: a result the case data can hold
        assert sandbox.result_size_problem(result) is None
    # in this process the bound stopped it (a few times MAX_HELPER_CHARS of work, not 2 ** rounds); the sandbox
    # ran it again from the start, under its own limits
    assert sandbox.pool().calls == calls + 1
    assert time.process_time() - started < 5, "not bounded"  # a backstop for an endless run, not a speed limit


def test_a_result_under_the_bound_stays_here_and_one_over_it_is_made_in_the_sandbox():
    text = "字" * (MAX_HELPER_CHARS - 10)
    calls = sandbox.pool().calls
    assert run('p = pick("t")', {"t": text})["p"] == {"t": text}
    assert sandbox.pool().calls == calls
    # a case with two long texts: the same result, made in the sandbox, from the data the script started with
    got = run('n = n + 1\np = pick("t", "u")', {"t": text, "u": text, "n": 5})  # n + 1 once, not twice
    assert got == {"t": text, "u": text, "n": 6, "p": {"t": text, "u": text}}
    assert sandbox.pool().calls == calls + 1
    # a condition too
    assert env().evaluate('len(pick("t", "u")) == 2', {"t": text, "u": text}) is True
    assert sandbox.pool().calls == calls + 2


def test_a_review_round_with_long_texts_gives_the_same_changes_through_the_sandbox():
    long_facts = "事实。" * (MAX_HELPER_CHARS // 2)  # the fix changes a text longer than the helpers' bound here
    before = {"facts": long_facts, "fine_amount": 20000}
    results = []
    for snapshot, changes in ((OLD_SNAPSHOT, OLD_CHANGES), (NEW_SNAPSHOT, NEW_CHANGES)):
        context = run(snapshot, before)
        context.update({"facts": long_facts + "补充。", "fine_amount": 15000})
        results.append(run(changes, context))
    assert results[0] == results[1]
    assert results[1]["proposal_changes_text"].startswith("违法事实：事实。")


@pytest.mark.parametrize(("script", "message"), [
    ('c = field_changes("a", pick("x"))', "field_changes.*dict"),
    ('c = field_changes({}, 1)', "field_changes.*dict"),
    ('t = describe_changes(1, {})', "describe_changes.*list"),
    ('t = describe_changes([1], {})', "describe_changes.*field"),
    ('t = describe_changes([{"field": "x"}], {})', "describe_changes.*before"),
    ('t = describe_changes([], "labels")', "describe_changes.*dict"),
    ('p = pick(1)', "pick.*text"),
])
def test_wrong_arguments_are_a_clear_script_error(script, message):
    with pytest.raises(ScriptError, match=message):
        run(script, {"x": 1})


def test_the_helpers_cannot_be_overwritten_by_a_script():
    for name in ("pick", "field_changes", "describe_changes"):
        assert not is_cheap(check_source(f"{name} = 1", "exec"), env()._callables)


@pytest.mark.parametrize("key", ["var", "pick", "field_changes", "describe_changes"])
def test_a_data_key_named_like_a_helper_is_refused_not_dropped(key):
    # var and pick are bound to the data for a run and removed after it: a data key of that name was lost
    for sandboxed in (False, True):
        context = {key: "kept", "a": 1}
        with pytest.raises(ValueError, match="overwrites a predefined function"):
            make_script_engine(sandboxed=sandboxed).environment.execute("b = a", context)
        assert context == {key: "kept", "a": 1}


def test_the_helper_names_forms_and_data_edits_refuse_are_the_helpers_builtins_and_keywords():
    import keyword

    from engine.scripting import SAFE_BUILTINS

    environment = make_script_engine().environment
    called = {name for name, value in environment.globals.items() if callable(value)}
    assert HELPER_NAMES == called | set(DATA_BOUND) | set(SAFE_BUILTINS) | set(keyword.kwlist) | {"self"}


@pytest.mark.parametrize("key", ["len", "sorted", "str"])
def test_data_named_like_a_builtin_would_hide_it_from_scripts(key):
    """Why forms and data edits refuse builtin names: the data is the scripts' namespace."""
    from engine.errors import ScriptError

    context = {key: 1, "items": [1, 2]}
    with pytest.raises((ScriptError, TypeError), match="not callable"):
        make_script_engine(sandboxed=False).environment.execute(f"n = {key}(items)", context)


@pytest.mark.parametrize("key", ["var", "today", "pick"])
def test_a_form_field_or_a_data_edit_named_like_a_helper_is_refused(key):
    form = {"id": "f", "type": "default", "components": [{"type": "textfield", "key": key, "label": "x"}]}
    problems = lint_form(form, "f.form")
    assert any(key in p.message and "script helper" in p.message for p in problems), problems
    assert any("script helper" in p for p in edit_problems({key: 1}))
    assert edit_problems({"ordinary": 1}) == []


def test_describe_changes_over_the_bound_is_written_in_the_sandbox():
    half = "字" * (MAX_HELPER_CHARS // 2)
    changes = [{"field": "a", "before": half, "after": ""}, {"field": "b", "before": half, "after": ""}]
    calls = sandbox.pool().calls
    assert run("t = describe_changes(c, {})", {"c": changes[:1]})["t"] == f"a：{half} → "
    assert sandbox.pool().calls == calls
    assert run("t = describe_changes(c, {})", {"c": changes})["t"] == f"a：{half} → ；b：{half} → "
    assert sandbox.pool().calls == calls + 1

"""Attacks on the bounded script helpers (pick, field_changes, describe_changes) and on var, which they build on.

A process owner writes the diagram's scripts; these tests try, as a hostile one would, to reach what the helpers
must not give: the environment's own builtins (shared by every later run of the environment, in a sandbox worker
every case's), a data key named like a helper that stalls the case, values nested too deep to be saved, and a
whole number in a form that the web process would spend minutes writing out.
"""
from __future__ import annotations

import json
import time

import pytest

from engine.errors import FormDataInvalid, ScriptError
from engine.forms import validate_form_data
from engine.sandbox import MAX_RESULT_DEPTH
from engine.scripting import MAX_HELPER_DEPTH, check_source, is_cheap, make_script_engine

BUILTINS = '"_" + "_builtins_" + "_"'  # no string constant holds "__", so check_source lets it through


def test_var_and_pick_do_not_reach_the_environments_builtins():
    environment = make_script_engine(sandboxed=False).environment  # what a sandbox worker runs
    assert is_cheap(check_source(f"b = var({BUILTINS})", "exec"), environment._callables)
    context: dict = {}
    environment.execute(f"b = var({BUILTINS})\np = pick({BUILTINS})", context)
    assert context == {"b": None, "p": {"_" * 2 + "builtins" + "_" * 2: None}}
    # in the sandbox (any code), the builtins dict was the worker's own: a case could rebind len for every case
    with pytest.raises(TypeError):
        environment.execute(f'b = var({BUILTINS})\nb["len"] = sum', {})
    context = {"s": [5, 7]}
    environment.execute("n = len(s)", context)
    assert context["n"] == 2


@pytest.mark.parametrize("sandboxed", [False, True])
@pytest.mark.parametrize("name", ["var", "pick"])
def test_a_script_assigning_var_or_pick_does_not_stall_the_case(name, sandboxed):
    # like any helper name (today = 1): gone after the run, not a data key every later script refuses to run on
    environment = make_script_engine(sandboxed=sandboxed).environment
    context = {"a": 1}
    environment.execute(f"x = [1 for i in [1]]\n{name} = 5", context)  # a comprehension: the sandbox's path
    assert context == {"a": 1, "x": [1]}
    environment.execute("b = a", context)
    assert context["b"] == 1


def test_helpers_do_not_nest_values_deeper_than_the_case_data_can_be_saved():
    # one round nests the value one level deeper; a loop in the diagram runs it again and again
    round_ = "\n".join(['a = pick("a")'] * 50)
    environment = make_script_engine().environment
    assert is_cheap(check_source(round_, "exec"), environment._callables)
    context: dict = {"a": 1}
    with pytest.raises(ScriptError, match="nested deeper"):
        for _ in range(60):
            environment.execute(round_, context)
            json.dumps(context)  # what is kept can be saved (and copied, and shown)
    json.dumps(context)
    depth, value = 0, context["a"]
    while isinstance(value, dict):
        depth, value = depth + 1, value["a"]
    assert MAX_HELPER_DEPTH < depth <= MAX_RESULT_DEPTH  # past the bound here, the sandbox's limit stopped it


def test_a_form_whole_number_with_a_huge_exponent_is_refused_at_once():
    form = {"type": "default", "id": "f", "components": [{"type": "number", "key": "n", "decimalDigits": 0}]}
    assert validate_form_data(form, {"n": "2e4"}) == {"n": 20000}
    started = time.process_time()
    with pytest.raises(FormDataInvalid):
        validate_form_data(form, {"n": "1e1000000"})  # int() of it ran for minutes in the web process
    assert time.process_time() - started < 1

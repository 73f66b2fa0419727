"""lint_form reports structural problems of a form-js file, one Problem each."""

from __future__ import annotations

import pytest

from engine.errors import DefinitionInvalid
from engine.forms import build_schema, lint_form


def form(*components, **top):
    return {"type": "default", "id": "form_x", "components": list(components), **top}


def messages(problems):
    return [p.message for p in problems]


def test_sound_form_has_no_problems():
    good = form(
        {"type": "text", "text": "说明"},
        {"type": "spacer"},
        {"type": "textfield", "key": "a", "validate": {"pattern": r"^\d+$", "minLength": 1, "maxLength": 9}},
        {"type": "radio", "key": "r", "values": [{"label": "是", "value": "yes"}]},
        {"type": "datetime", "key": "d", "subtype": "date"},
        {"type": "group", "components": [{"type": "number", "key": "n", "validate": {"min": 0, "max": 5}}]},
        {"type": "button", "action": "submit"},
    )
    assert lint_form(good, "x.form") == []


def test_problem_carries_file_and_element_id():
    (problem,) = lint_form(form({"type": "textfield", "id": "Field_1"}), "case.form")
    assert problem.file == "case.form"
    assert problem.element_id == "Field_1"
    assert problem.line is None
    assert "no key" in problem.message


def test_duplicate_key():
    problems = lint_form(
        form({"type": "textfield", "key": "a"}, {"type": "number", "key": "a", "id": "F2"}), "f"
    )
    assert [(p.element_id, p.message) for p in problems] == [("F2", "duplicate key 'a'")]


def test_duplicate_key_across_an_unkeyed_group():
    problems = lint_form(
        form(
            {"type": "textfield", "key": "a"},
            {"type": "group", "components": [{"type": "textfield", "key": "a"}]},
        ),
        "f",
    )
    assert messages(problems) == ["duplicate key 'a'"]


def test_same_key_in_a_keyed_group_is_another_scope():
    assert (
        lint_form(
            form(
                {"type": "textfield", "key": "a"},
                {"type": "group", "path": "g", "components": [{"type": "textfield", "key": "a"}]},
            ),
            "f",
        )
        == []
    )


def test_bad_regex():
    (problem,) = lint_form(form({"type": "textfield", "key": "p", "validate": {"pattern": "(["}}), "f")
    assert problem.element_id == "p" and "does not compile" in problem.message


@pytest.mark.parametrize("ctype", ["radio", "select", "checklist", "taglist"])
def test_choice_without_values(ctype):
    (problem,) = lint_form(form({"type": ctype, "key": "c"}), "f")
    assert "values" in problem.message


def test_dynamic_values_are_reported_as_unsupported():
    (problem,) = lint_form(form({"type": "select", "key": "c", "valuesKey": "options"}), "f")
    assert "valuesKey" in problem.message


def test_min_greater_than_max():
    problems = lint_form(
        form(
            {"type": "number", "key": "n", "validate": {"min": 5, "max": 1}},
            {"type": "textfield", "key": "t", "validate": {"minLength": 9, "maxLength": 2}},
        ),
        "f",
    )
    assert messages(problems) == [
        "n: min 5 is greater than max 1",
        "t: minLength 9 is greater than maxLength 2",
    ]


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ({"type": "filepicker", "key": "f"}, "unknown component type"),
        ({"type": "datetime", "key": "d"}, "subtype"),
        ({"type": "textfield", "key": "a.b"}, "dotted"),
        ({"type": "textfield", "key": "a", "readonly": "=x"}, "readonly"),
        ({"key": "a"}, "'type'"),
        ({"type": "textfield", "key": "a", "validate": {"min": "x"}}, "must be numbers"),
        ({"type": "textfield", "key": "a", "validate": {"validationType": "iban"}}, "validationType"),
    ],
)
def test_other_structural_problems(bad, fragment):
    (problem,) = lint_form(form(bad), "f")
    assert fragment in problem.message


def test_top_level_shape():
    assert messages(lint_form({"components": []}, "f")) == ["top-level type must be 'default', got None"]
    assert "components" in messages(lint_form({"type": "default"}, "f"))[0]
    assert lint_form([], "f")[0].message == "form must be a JSON object"


def test_build_schema_refuses_an_unsound_form():
    with pytest.raises(DefinitionInvalid) as caught:
        build_schema(form({"type": "radio", "key": "r"}, {"type": "textfield"}))
    assert len(caught.value.problems) == 2


@pytest.mark.parametrize("key", ["len", "sorted", "str", "max", "var", "today", "None", "class"])
def test_a_key_named_like_a_builtin_helper_or_python_word_is_refused(key):
    """Found from outside: a data key ``len`` hid the builtin from every later script of the case."""
    problems = messages(lint_form(form({"type": "textfield", "key": key}), "x.form"))
    assert len(problems) == 1 and repr(key) in problems[0], problems

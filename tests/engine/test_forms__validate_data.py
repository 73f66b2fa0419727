"""Task data is validated on the server against the task's form-js form."""

from __future__ import annotations

import json

import pytest

from engine import forms
from engine.errors import DefinitionInvalid, FormDataInvalid
from engine.forms import build_schema, validate_form_data

FORM = {
    "type": "default",
    "id": "form_case_filing",
    "components": [
        {"type": "text", "id": "intro", "text": "# 立案登记"},
        {
            "type": "textfield",
            "id": "f_party",
            "key": "party",
            "label": "当事人",
            "validate": {"required": True, "minLength": 2, "maxLength": 50},
        },
        {"type": "textfield", "key": "caseNo", "label": "案号", "validate": {"pattern": "^宁民宗"}},
        {"type": "number", "key": "fine", "label": "罚款金额", "validate": {"min": 0, "max": 300000}},
        {"type": "number", "key": "officers", "decimalDigits": 0, "validate": {"required": True, "min": 2}},
        {"type": "checkbox", "key": "certificateShown", "validate": {"required": True}},
        {"type": "checkbox", "key": "hearingRequested"},
        {
            "type": "radio",
            "key": "category",
            "values": [{"label": "行政处罚", "value": "penalty"}, {"label": "行政许可", "value": "permit"}],
            "validate": {"required": True},
        },
        {
            "type": "select",
            "key": "level",
            "values": [{"label": "一级", "value": 1}, {"label": "二级", "value": 2}],
        },
        {
            "type": "checklist",
            "key": "evidence",
            "values": [{"label": "笔录", "value": "record"}, {"label": "照片", "value": "photo"}],
        },
        {"type": "datetime", "key": "filedOn", "subtype": "date", "validate": {"required": True}},
        {"type": "datetime", "key": "inspectedAt", "subtype": "datetime"},
        {"type": "datetime", "key": "startTime", "subtype": "time"},
        {"type": "textfield", "key": "handler", "readonly": True},
        {"type": "textfield", "key": "archiveNo", "disabled": True},
        {
            "type": "group",
            "id": "g_facts",
            "components": [{"type": "textarea", "key": "facts", "validate": {"required": True}}],
        },
        {
            "type": "group",
            "path": "venue",
            "components": [{"type": "textfield", "key": "name", "validate": {"required": True}}],
        },
        {
            "type": "textfield",
            "key": "note",
            "conditional": {"hide": '=category = "permit"'},
            "validate": {"required": True},
        },
    ],
}

VALID = {
    "party": "某某寺",
    "caseNo": "宁民宗罚〔2024〕3号",
    "fine": 20000,
    "officers": 2,
    "certificateShown": True,
    "hearingRequested": False,
    "category": "penalty",
    "level": 2,
    "evidence": ["record", "photo"],
    "filedOn": "2024-10-08",
    "inspectedAt": "2024-10-08T09:30:00+08:00",
    "startTime": "09:30",
    "facts": "未经批准举办大型宗教活动",
    "venue": {"name": "某某寺"},
}


def errors_for(data, **kwargs):
    with pytest.raises(FormDataInvalid) as caught:
        validate_form_data(FORM, data, **kwargs)
    return caught.value.errors


def test_valid_data_is_cleaned_and_json_serializable():
    cleaned = validate_form_data(FORM, VALID)
    assert cleaned["filedOn"] == "2024-10-08"
    assert cleaned["inspectedAt"] == "2024-10-08T09:30:00+08:00"
    assert cleaned["startTime"] == "09:30"
    assert cleaned["officers"] == 2 and isinstance(cleaned["officers"], int)
    assert cleaned["fine"] == 20000
    assert cleaned["venue"] == {"name": "某某寺"}
    assert json.loads(json.dumps(cleaned)) == cleaned


def test_dates_are_normalised_to_iso():
    cleaned = validate_form_data(FORM, {**VALID, "filedOn": "2024-1-5", "inspectedAt": "2024-10-08 09:30"})
    assert cleaned["filedOn"] == "2024-01-05"
    assert cleaned["inspectedAt"] == "2024-10-08T09:30:00"


@pytest.mark.parametrize("key", ["party", "officers", "certificateShown", "category", "filedOn", "facts"])
def test_missing_required_field_is_named(key):
    data = {k: v for k, v in VALID.items() if k != key}
    assert key in errors_for(data)


@pytest.mark.parametrize(
    ("key", "empty"),
    [("party", ""), ("party", "   "), ("party", None), ("certificateShown", False), ("facts", "")],
)
def test_empty_values_count_as_missing_for_required_fields(key, empty):
    assert errors_for({**VALID, key: empty})[key] == ["Missing data for required field."]


def test_optional_fields_may_be_empty():
    cleaned = validate_form_data(FORM, {**VALID, "caseNo": "", "fine": None, "level": None})
    assert cleaned["caseNo"] == "" and cleaned["fine"] is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("fine", "abc"),
        ("fine", True),
        ("fine", float("nan")),
        ("officers", 2.5),
        ("officers", "2.5"),
        ("certificateShown", "true"),
        ("certificateShown", 1),
        ("party", 123),
        ("filedOn", "2024-13-01"),
        ("filedOn", "08/10/2024"),
        ("inspectedAt", "yesterday"),
        ("startTime", "9.30"),
    ],
)
def test_wrong_type_is_refused(key, value):
    assert key in errors_for({**VALID, key: value})


@pytest.mark.parametrize(("key", "value"), [("fine", -1), ("fine", 300000.5), ("officers", 1)])
def test_out_of_range_number_is_refused(key, value):
    assert key in errors_for({**VALID, key: value})


@pytest.mark.parametrize("value", [1e16, "1e16", -2.5e300])
def test_a_number_too_large_to_store_as_written_is_refused(value):
    form = {"type": "default", "id": "form_x", "components": [{"type": "number", "key": "amount"}]}
    with pytest.raises(FormDataInvalid) as refused:
        validate_form_data(form, {"amount": value})
    assert "amount" in refused.value.errors


def test_negative_zero_is_zero():
    form = {"type": "default", "id": "form_x", "components": [{"type": "number", "key": "amount"}]}
    assert repr(validate_form_data(form, {"amount": -0.0})["amount"]) == "0.0"


def test_whole_number_accepts_integral_strings():
    assert validate_form_data(FORM, {**VALID, "officers": "3"})["officers"] == 3


def test_text_length_and_pattern():
    assert "party" in errors_for({**VALID, "party": "寺"})
    assert "party" in errors_for({**VALID, "party": "寺" * 51})
    assert "caseNo" in errors_for({**VALID, "caseNo": "XX罚〔2024〕3号"})


@pytest.mark.parametrize(
    ("key", "value"),
    [("category", "inspection"), ("category", ["penalty"]), ("level", 3), ("level", True), ("level", "2")],
)
def test_value_not_among_choices_is_refused(key, value):
    assert key in errors_for({**VALID, key: value})


def test_checklist_items_must_be_among_values():
    errors = errors_for({**VALID, "evidence": ["record", "video"]})
    assert errors["evidence"] == {1: ["Must be one of: record, photo."]}


def test_unknown_key_is_refused():
    assert errors_for({**VALID, "isAdmin": True}) == {"isAdmin": ["Unknown field."]}


@pytest.mark.parametrize("key", ["handler", "archiveNo"])
def test_read_only_and_disabled_fields_are_refused(key):
    assert errors_for({**VALID, key: "王五"}) == {key: ["read-only field"]}
    assert errors_for({**VALID, key: None}) == {key: ["read-only field"]}


def test_unchanged_read_only_value_is_dropped_when_current_is_given():
    cleaned = validate_form_data(FORM, {**VALID, "handler": "王五"}, current={"handler": "王五"})
    assert "handler" not in cleaned
    errors = errors_for({**VALID, "handler": "李四"}, current={"handler": "王五"})
    assert errors == {"handler": ["read-only field"]}


def test_group_children_are_validated():
    assert errors_for({**VALID, "venue": {"name": ""}}) == {
        "venue": {"name": ["Missing data for required field."]}
    }
    assert errors_for({**VALID, "venue": {"name": "寺", "extra": 1}}) == {
        "venue": {"extra": ["Unknown field."]}
    }
    data = {k: v for k, v in VALID.items() if k != "venue"}
    assert "venue" in errors_for(data)


def test_field_with_hide_condition_is_never_required():
    assert "note" not in validate_form_data(FORM, VALID)
    assert "note" in errors_for({**VALID, "note": 5})


def test_partial_allows_absent_required_keys_but_checks_given_ones():
    assert validate_form_data(FORM, {"fine": 10}, partial=True) == {"fine": 10}
    assert "party" in errors_for({"party": ""}, partial=True)


def test_non_object_data_is_refused():
    assert errors_for(["party"]) == {"_schema": ["Invalid input type."]}


def test_invalid_form_raises_definition_invalid():
    with pytest.raises(DefinitionInvalid):
        validate_form_data({"type": "default", "components": [{"type": "number"}]}, {})


def test_schema_is_an_instance_that_rejects_unknown_keys():
    schema = build_schema(FORM)
    assert schema.unknown == "raise"
    assert schema.load({"fine": 5}, partial=True) == {"fine": 5}


def test_keys_that_shadow_schema_methods_still_work():
    form = {"type": "default", "id": "f", "components": [{"type": "textfield", "key": "load"}]}
    assert validate_form_data(form, {"load": "x"}) == {"load": "x"}


def test_compiled_schemas_are_cached_by_id_and_content():
    forms._cache.clear()
    validate_form_data(FORM, VALID)
    validate_form_data(json.loads(json.dumps(FORM)), VALID)
    assert len(forms._cache) == 1
    changed = {**FORM, "components": FORM["components"][:2]}
    validate_form_data(changed, {"party": "某某寺"})
    assert len(forms._cache) == 2

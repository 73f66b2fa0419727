"""Choice options from the registry (form-js valuesKey): the caller passes the lists, the engine accepts only
their values (no hard-coded officers; APL 42 certificates are checked by whoever builds the lists)."""
from __future__ import annotations

import pytest

from engine.errors import FormDataInvalid
from engine.forms import lint_form, validate_form_data, values_keys

OFFICERS = {"registry_officers": [{"label": "执法人员三（officer3）", "value": "officer3"},
                                  {"label": "执法人员二（officer2）", "value": "officer2"}]}
FORM = {"type": "default", "id": "f", "components": [
    {"type": "taglist", "key": "officers", "valuesKey": "registry_officers", "validate": {"required": True}},
    {"type": "select", "key": "head", "valuesKey": "registry_heads"},
    {"type": "group", "path": "team", "components": [
        {"type": "radio", "key": "leader", "valuesKey": "registry_officers"}]},
]}


def test_a_registry_values_key_is_sound_and_is_reported_by_values_keys():
    assert lint_form(FORM, "f") == []
    assert values_keys(FORM) == {"registry_officers", "registry_heads"}


@pytest.mark.parametrize(("component", "words"), [
    ({"type": "select", "key": "c", "valuesKey": "officers_of_my_choice"}, "valuesKey must be one of"),
    ({"type": "select", "key": "c", "valuesKey": "registry_heads", "values": [{"value": "head1"}]}, "not both"),
])
def test_an_unknown_or_doubled_values_key_is_refused_at_deploy(component, words):
    (problem,) = lint_form({"type": "default", "components": [component]}, "f")
    assert problem.element_id == "c" and words in problem.message


def test_only_values_the_registry_offers_are_accepted():
    data = {"officers": ["officer3", "officer2"], "team": {"leader": "officer3"}}
    assert validate_form_data(FORM, data, values={**OFFICERS, "registry_heads": []}) == data
    with pytest.raises(FormDataInvalid) as err:
        validate_form_data(FORM, {"officers": ["officer1", "officer2"], "head": "head1",
                                  "team": {"leader": "ghost"}}, values=OFFICERS)
    errors = err.value.errors
    assert "officer1" in errors["officers"][0] and "officer2" not in errors["officers"][0].split(";")[0]
    assert errors["head"] == ["no options are available for this field"]  # no list given: nothing is offered
    assert "ghost" in errors["team"]["leader"][0]


def test_the_schema_message_wins_and_types_are_still_checked():
    with pytest.raises(FormDataInvalid) as err:
        validate_form_data(FORM, {"officers": "officer3"}, values=OFFICERS)
    assert err.value.errors["officers"] == ["Not a valid list."]
    with pytest.raises(FormDataInvalid) as err:
        validate_form_data(FORM, {"officers": []}, values=OFFICERS)
    assert err.value.errors["officers"] == ["Missing data for required field."]


def test_without_lists_the_engine_alone_checks_types_only():
    assert validate_form_data(FORM, {"officers": ["anyone"]}) == {"officers": ["anyone"]}

"""decisions.evaluate on the shipped major_decision table (法制审核目录)."""
from __future__ import annotations

import pytest

from engine.decisions import evaluate, parse_decision
from engine.errors import NotFound
from engine.scripting import make_script_engine

PLAIN = {"penalty_kind": "fine", "complex_case": False, "hearing_held": False, "criminal_referral": False}


@pytest.fixture(scope="module")
def table(shipped_file_set):
    return parse_decision(shipped_file_set["major_decision.dmn"], "major_decision.dmn", "major_decision")


@pytest.fixture(scope="module")
def decide(table):
    engine = make_script_engine()

    def run(**data):
        return dict(evaluate(table, data, engine))
    return run


@pytest.mark.parametrize(
    ("data", "is_major", "rule"),
    [
        ({"party_type": "person", "fine_amount": 20000}, True, "fine_person_ge_10000"),
        ({"party_type": "person", "fine_amount": 10000}, True, "fine_person_ge_10000"),
        ({"party_type": "person", "fine_amount": 9999}, False, "not_major"),
        ({"party_type": "person", "fine_amount": 5000}, False, "not_major"),
        ({"party_type": "organisation", "fine_amount": 50000}, False, "not_major"),
        ({"party_type": "organisation", "fine_amount": 99999}, False, "not_major"),
        ({"party_type": "organisation", "fine_amount": 100000}, True, "fine_org_ge_100000"),
        ({"party_type": "organisation", "fine_amount": 150000}, True, "fine_org_ge_100000"),
        ({"party_type": "person", "fine_amount": 0, "penalty_kind": "revoke_licence"}, True, "revoke_licence"),
        ({"party_type": "person", "fine_amount": 0, "penalty_kind": "order_closure"}, True, "order_closure"),
        ({"party_type": "organisation", "fine_amount": 0, "penalty_kind": "confiscation"}, True, "confiscation"),
        ({"party_type": "person", "fine_amount": 100, "complex_case": True}, True, "complex_case"),
        ({"party_type": "person", "fine_amount": 100, "hearing_held": True}, True, "hearing_held"),
        ({"party_type": "person", "fine_amount": 100, "criminal_referral": True}, True, "criminal_referral"),
        ({"party_type": "person", "fine_amount": 0, "penalty_kind": "revoke_licence", "criminal_referral": True},
         True, "criminal_referral"),
        ({"party_type": "somebody", "fine_amount": 100}, True, "party_type_unknown"),
    ],
)
def test_catalogue(decide, data, is_major, rule):
    assert decide(**{**PLAIN, **data}) == {"is_major": is_major, "major_rule": rule}


def test_person_fine_threshold_is_ten_thousand(decide):
    results = {amount: decide(**PLAIN, party_type="person", fine_amount=amount)["is_major"]
               for amount in (0, 9999, 10000, 10001, 1_000_000)}
    assert results == {0: False, 9999: False, 10000: True, 10001: True, 1_000_000: True}


def test_missing_inputs_count_as_none(decide):
    # nothing at all: party type unknown -> treated as major, and no NameError
    assert decide() == {"is_major": True, "major_rule": "party_type_unknown"}
    # a warning without fine_amount and without the flags: (fine_amount or 0) = 0, flags None != True
    assert decide(party_type="person", penalty_kind="warning") == {"is_major": False, "major_rule": "not_major"}
    assert decide(party_type="person", fine_amount=20000) == {"is_major": True, "major_rule": "fine_person_ge_10000"}


def test_evaluate_does_not_change_the_callers_data(table):
    data = {"party_type": "person", "fine_amount": 20000}
    evaluate(table, data, make_script_engine())
    assert data == {"party_type": "person", "fine_amount": 20000}


def test_unknown_decision_id(shipped_file_set):
    with pytest.raises(NotFound):
        parse_decision(shipped_file_set["major_decision.dmn"], "major_decision.dmn", "no_such_decision")

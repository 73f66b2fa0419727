"""engine/parties.py: one party whatever the spelling of its identifier, never confused with another, shown masked."""
from __future__ import annotations

import pytest

from engine.parties import ORGANISATION, PERSON, identify, kind_of_masked, masked_identifier, party_key

PERSON_X = "13052819850505002X"
ORG = "52130528MJ0000001X"


@pytest.mark.parametrize("spelling", [
    PERSON_X, "13052819850505002x", " 130528 19850505 002x ", "130528-19850505-002X", "130528.19850505.002x",
    "１３０５２８１９８５０５０５００２ｘ", "130528\n19850505\n002X",
])
def test_every_spelling_of_an_id_number_is_one_person(spelling):
    party = identify(spelling)
    assert party is not None and party.kind == PERSON and party.canonical == PERSON_X
    assert party_key(b"k", party) == party_key(b"k", identify(PERSON_X))


@pytest.mark.parametrize("spelling", [ORG, "52130528mj0000001x", "5213 0528 MJ00 0000 1X", "52130528-mj0000001x"])
def test_every_spelling_of_a_credit_code_is_one_organisation(spelling):
    party = identify(spelling)
    assert party is not None and party.kind == ORGANISATION and party.canonical == ORG


@pytest.mark.parametrize("bad", [None, "", "   ", 130528198001011238, "13052819800101123", "130528198001011239",
                                 "13052819801301123X", "ABCDEFGHIJKLMNOPQR", "130528198001011238' OR 1=1"])
def test_anything_else_is_no_party(bad):
    assert identify(bad) is None


def test_another_party_or_another_key_links_nothing():
    person, org = identify(PERSON_X), identify(ORG)
    assert party_key(b"k", person) != party_key(b"k", org)
    assert party_key(b"k", person) != party_key(b"other", person)  # without the platform's key, no guessing
    assert PERSON_X not in party_key(b"k", person)


def test_the_identifier_is_shown_masked():
    person, org = identify(PERSON_X), identify(ORG)
    assert masked_identifier(person) == "130528**********2X" and kind_of_masked(masked_identifier(person)) == PERSON
    assert masked_identifier(org) == "52130528********1X" and kind_of_masked(masked_identifier(org)) == ORGANISATION
    assert "19850505" not in masked_identifier(person)

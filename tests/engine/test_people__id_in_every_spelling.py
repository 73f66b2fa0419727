"""A party's birth date is read from its ID number in every spelling the masker recognises (one folding for
both: engine.masking.id_characters), and a registration's number is checked (GB 11643 check character, 15-digit
old numbers, GB 32100 unified social credit codes)."""
from __future__ import annotations

from datetime import date

import pytest

from engine import people


@pytest.mark.parametrize("written", [
    "130528-20150101-1239", "130528 20150101 1239", "130528  20150101  1239", "130528 - 20150101 - 1239",
    "130528/20150101/1239", "130528_20150101_1239", "1305282015\n01011239", "１３０５２８２０１５０１０１１２３９",
    "一三零五二八二零一五零一零一一二三九", "130528\u300020150101\u30001239",
])
def test_a_minor_is_read_from_any_spelling__OGI_15(written):
    assert people.birth_date(written) == date(2015, 1, 1)
    assert people.is_minor(written, date(2026, 6, 1)) is True


def test_an_old_15_digit_number_has_a_birth_date():
    assert people.birth_date("130528 150101 123") == date(1915, 1, 1)


@pytest.mark.parametrize(("value", "ok"), [
    ("130528198001011238", True), ("130528 19800101 1238", True), ("13052819800101123x", False),
    ("130528198001011234", False), ("130528198013011238", False), ("130528150101123", True),
    ("91130528MA0CXXXX1X", True), ("52130528MJ0000003X", True), ("12345", False), ("电话13912345678", False),
])
def test_the_registration_checks_the_id_number__party_id_number(value, ok):
    assert (people.id_number_problem(value) is None) is ok

"""engine.decision_text: reading fines and penalty kinds out of a written decision."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.decision_text import chinese_number, contradictions, fines_named


@pytest.mark.parametrize(("text", "value"), [
    ("贰万", 20000), ("伍拾万", 500000), ("一万五千", 15000), ("十五", 15), ("壹仟零伍拾", 1050),
    ("两千", 2000), ("一亿二千万", 120000000),
])
def test_chinese_numerals(text, value):
    assert chinese_number(text) == value


def test_fines_in_every_spelling():
    text = "罚款人民币贰万元；罚款20,000元；处以５万元罚款；处人民币3000元的罚款"
    assert fines_named(text) == [Decimal(20000), Decimal(20000), Decimal(50000), Decimal(3000)]


def test_a_text_that_agrees_has_no_contradiction():
    assert contradictions("决定给予罚款人民币贰万元的行政处罚。", "fine", Decimal(20000)) == []
    assert contradictions("决定不予行政处罚。", "none", Decimal(0)) == []


def test_a_heavier_text_is_named():
    found = contradictions("决定吊销其登记证，并处罚款伍拾万元。", "fine", Decimal(20000))
    assert len(found) == 2 and "500000" in found[0] and "revoke_licence" in found[1]

"""Property: every kind of sensitive item, written the ways people write it (spaces, dots, the ideographic
space, full-width digits, ＠, Chinese local parts and domains, labels however worded) and embedded in random
text, is masked, and the mask replaces that item only — the words around it survive; an adult's age is not a
minor's; a bureau rule cannot undo a statutory mask (OGI 15, APL 50, PIPL 28)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.masking import MaskingRule, find_sensitive, mask_text, with_defaults
from tests.masking_strategies import KINDS, SEPARATORS, adult_ages, neutral_text


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_each_kind_is_masked_and_nothing_around_it_is_swallowed__OGI_15(kind, data):
    written, secrets, names = data.draw(KINDS[kind])
    before = data.draw(neutral_text()) + data.draw(st.sampled_from(SEPARATORS))
    after = data.draw(st.sampled_from(SEPARATORS)) + data.draw(neutral_text())
    text = before + written + after
    masked = mask_text(text, names=names)
    for secret in secrets:
        assert secret not in masked, (kind, text, masked)
    assert masked.startswith(before) and masked.endswith(after), (kind, text, masked)
    assert "*" in masked or "某" in masked
    spans = find_sensitive(text, names=names)
    assert spans and all(len(before) <= s and e <= len(before) + len(written) for _, s, e in spans), (text, spans)


@settings(max_examples=100, deadline=None)
@given(text=neutral_text(max_size=30))
def test_text_without_sensitive_items_is_left_alone(text):
    assert mask_text(text) == text


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_an_adult_age_or_a_threshold_of_the_law_is_not_masked__OGI_15(data):
    """Only a whole age under 18 is a minor: 三十五岁 is not 十五岁, 未满十八周岁 is the law's words."""
    text = data.draw(neutral_text()) + data.draw(st.sampled_from(SEPARATORS)) + data.draw(adult_ages()) + \
        data.draw(st.sampled_from(SEPARATORS)) + data.draw(neutral_text())
    assert mask_text(text) == text


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_bureau_rule_cannot_undo_a_statutory_mask__PIPL_28(data):
    """Bureau rules run after the statutory defaults and only add masks, whatever they match."""
    kind = data.draw(st.sampled_from(sorted(KINDS)))
    written, secrets, names = data.draw(KINDS[kind])
    hostile = data.draw(st.sampled_from((
        MaskingRule("keep", r"(?s).+", r"\g<0>"), MaskingRule("keep_digits", r"[\d\s]{6,}", r"\g<0>"),
        MaskingRule("wrap", r"(?s)(?P<all>.+)", r"\g<all>"), MaskingRule("star", r"(?s).+", "*"))))
    text = data.draw(neutral_text()) + "，" + written + "。"
    masked = mask_text(text, with_defaults([hostile]), names)
    assert not [s for s in secrets if s in masked], (kind, text, masked)

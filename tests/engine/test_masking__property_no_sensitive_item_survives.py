"""Property: every kind of sensitive item, written the ways people write it and embedded in random text,
is masked, and the mask replaces that item only — the words around it survive (OGI 15, APL 50, PIPL 28)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.masking import find_sensitive, mask_text
from tests.masking_strategies import KINDS, SEPARATORS, neutral_text


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

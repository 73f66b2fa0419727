"""Whether an edited text only masks an original (OGI 37: partial redaction, never rewriting).

The publicity officer may replace spans of the text to publish with mask characters that cannot
read as words (``*``, ``＊``, ``×``, ``■``, ``●``: :data:`engine.masking_terms.OFFICER_MASK_CHARS`) or
drop whole lines; every other character must be the original's, in the original's order. So a masked
text cannot claim what the decision does not say (a made-up fine, a revocation, 某予 for 不予): it is
the decision with holes. ``某`` is an ordinary character here: it stands only where the original or the
service's own masked preview has it (张某 for the party). Comparison is line by line on folded text (full-width and ASCII forms
are the same character), ignoring trailing spaces and blank lines.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from .masking import fold
from .masking_terms import OFFICER_MASK_CHARS

_MASK_RUN = re.compile(f"([{re.escape(OFFICER_MASK_CHARS)}]+)")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in fold(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def line_masks(original: str, edited: str) -> bool:
    """True when ``edited`` is ``original`` with some non-empty spans replaced by runs of mask characters."""
    if edited == original:
        return True
    parts = _MASK_RUN.split(edited)  # literal, mask run, literal, ..., literal
    literals = parts[0::2]
    if len(literals) == 1:
        return False  # no mask run, and not equal
    first, middle, last = literals[0], literals[1:-1], literals[-1]
    if not original.startswith(first):
        return False
    pos = len(first)
    for piece in middle:  # each mask run before it hides at least one character (no inserted stars)
        found = original.find(piece, pos + 1)
        if found < 0:
            return False
        pos = found + len(piece)
    return len(original) - len(last) >= pos + 1 and original.endswith(last)


def edit_problem(original: str, edited: str, alternatives: Sequence[str] = ()) -> str | None:
    """None when ``edited`` only masks ``original``; else which line is not a masking of it.

    ``alternatives`` are the same original as the service masked it (the masked preview): a
    line may also mask the corresponding line of one of them (so 某单位 for a hidden
    organisation's name is not a change). Each non-blank edited line masks an original line;
    original lines may be dropped, not reordered.
    """
    source = _lines(original)
    others = [lines for lines in map(_lines, alternatives) if len(lines) == len(source)]
    at = 0
    for number, line in enumerate(_lines(edited), start=1):
        if not line.strip():
            continue
        match = next((k for k in range(at, len(source))
                      if line_masks(source[k], line) or any(line_masks(o[k], line) for o in others)), None)
        if match is None:
            return (f"line {number} ({line[:40]!r}) is not the original with spans masked: edits may only mask "
                    "spans of the original (replace them with *, ＊, ×, ■ or ●, which cannot read as words; 某 only "
                    "where the masked preview has it; or drop whole lines); change the case through a correction")
        at = match + 1
    return None

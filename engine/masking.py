"""Masking of text before publication (OGI 15, APL 50, PIPL 28).

A :class:`MaskingRule` is configuration: a regular expression and a ``re.sub``
replacement template (``\\g<name>`` keeps a group), no code. The default rules
mask ID numbers (however spaced), mobile and landline phones, bank cards and
accounts, e-mail addresses, home addresses however introduced, minors, health
data, religious belief and clergy/believer terms (sensitive personal data by
default, PIPL 28). Names of natural persons other than the party are passed
per document and become surname + 某 (张三丰 → 张某某); the party's own name is
shown as :func:`party_display` says, the same way wherever it occurs.
A mask replaces the sensitive span only, never the words around it. The word lists
the rules are built from are data (:mod:`engine.masking_terms`).

Rules match the *folded* text (:func:`fold`: full-width digits and letters, ＠, the
ideographic, no-break and zero-width spaces and Unicode dashes read as ASCII, one
character for one), so a span found there is the same span of the original, which
is what gets replaced; the characters a rule keeps (``\\g<head>``) are the original's.

Rules are applied in order and never overlap: where two matches overlap, the
one of the earlier rule wins (so an 18-digit ID is masked as an ID, not as a
bank card); names come after every rule (also written with spaces: 张 三).
A bureau's rules come after the statutory ones (:func:`with_defaults`): they can
add masks, never take one away, and a match whose replacement would put the
matched text back masks nothing and is ignored. :func:`find_sensitive` shows the
reviewer exactly the spans :func:`mask_text` replaces.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .masking_names import ORGANISATION_STYLES, PERSON_STYLES, masked_name, party_display, split_names
from .masking_rules import DEFAULT_RULES, GROUP_REF, MaskingRule
from .masking_terms import (
    ADDRESS_UNITS,
    CHINESE_DIGITS,
    CLERGY_AND_BELIEVERS,
    COMPOUND_SURNAMES,
    FOLD,
    HEALTH_TERMS,
    MASK_CHARS,
)

__all__ = ["ADDRESS_UNITS", "CLERGY_AND_BELIEVERS", "COMPOUND_SURNAMES", "DEFAULT_RULES", "HEALTH_TERMS",
           "MASK_CHARS", "ORGANISATION_STYLES", "PERSON_STYLES", "MaskingRule", "find_sensitive", "fold", "id_characters",
           "mask_text",
           "party_display", "replacement_problem", "rules_from_config", "split_names", "with_defaults"]

def rules_from_config(config: Iterable[dict[str, Any]]) -> list[MaskingRule]:
    """Masking rules from configuration: dicts with name, pattern, replacement, optional description.

    Raises ValueError naming the rule (or its position) for a missing or unknown
    key, a bad regex, or a replacement referring to a missing group.
    """
    rules = []
    allowed = {"name", "pattern", "replacement", "description"}
    for index, item in enumerate(config):
        label = item.get("name", f"#{index}") if isinstance(item, dict) else f"#{index}"
        if not isinstance(item, dict):
            raise ValueError(f"masking rule {label}: must be an object")
        missing = {"name", "pattern", "replacement"} - item.keys()
        unknown = item.keys() - allowed
        if missing or unknown:
            raise ValueError(f"masking rule {label!r}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        rules.append(MaskingRule(**item))
    return rules


def _clean_names(names: Sequence[str]) -> list[str]:
    cleaned = {n.strip() for n in names if isinstance(n, str) and n.strip()}
    short = [n for n in cleaned if len(n) < 2]
    if short:
        raise ValueError(f"names must have at least 2 characters, got {short}")
    return sorted(cleaned, key=len, reverse=True)


def fold(text: str) -> str:
    """``text`` with full-width ASCII, odd spaces and dashes folded to ASCII; same length, same positions."""
    return text.translate(FOLD)


def id_characters(text: str) -> str:
    """An ID number as the ID rules read it: folded (:func:`fold`), Chinese numerals as digits, the separators people
    put between its groups (spaces, line breaks, - . / _) dropped, x as X (``130528 - 19800101 - 123x`` ->
    ``13052819800101123X``). Used wherever an ID number is read, so every spelling the masker recognises is read."""
    return re.sub(r"[ \t\r\n\-./_]", "", fold(text).translate(CHINESE_DIGITS)).upper()


def with_defaults(configured: Iterable[MaskingRule]) -> list[MaskingRule]:
    """The statutory defaults first (they win every overlap), then the bureau's rules.

    A configured rule named like a statutory one is dropped: the statutory rules are the code's,
    a setting only adds masks (a stored copy of an older default cannot weaken the current one).
    """
    statutory = {r.name for r in DEFAULT_RULES}
    return [*DEFAULT_RULES, *(r for r in configured if r.name not in statutory)]


def replacement_problem(rule: MaskingRule) -> str | None:
    """Why ``rule``'s replacement would not mask (None when it does).

    A bureau rule must put at least one mask character (``*``, ``×``, ``■``, ``某`` …) in place of
    what it matches and must not put the whole match back (``\\g<0>``).
    """
    refs = {named or number for named, number in GROUP_REF.findall(rule.replacement)}
    numbers = {str(re.compile(rule.pattern).groupindex.get(ref, ref)) for ref in refs}
    if "0" in refs or _covers_whole_match(rule.pattern, numbers):
        return "the replacement puts the whole match back (\\g<0> or groups spanning it); it must mask it"
    literal = GROUP_REF.sub("", rule.replacement)
    if not any(ch in MASK_CHARS for ch in literal):
        return f"the replacement has no mask character ({' '.join(MASK_CHARS)}); it must mask what it matches"
    return None


def _covers_whole_match(pattern: str, groups: set[str]) -> bool:
    """True when the pattern is, at its top level, only groups in ``groups`` (and zero-width assertions)."""
    try:
        from re import _parser  # the stdlib's own regex parser (private, stable since 3.11)

        parsed = list(_parser.parse(pattern))
    except Exception:  # noqa: BLE001 - an unparsable pattern is reported by MaskingRule itself
        return False

    def covered(items: list[Any]) -> bool:
        for op, av in items:
            if str(op) in ("AT", "ASSERT", "ASSERT_NOT"):
                continue
            if str(op) != "SUBPATTERN":
                return False
            group, sub = av[0], av[-1]
            if group is None and covered(list(sub)):
                continue
            if str(group) not in groups:
                return False
        return bool(items)

    return covered(parsed)


def _expand(match: re.Match[str], template: str, original: str) -> str:
    """``match.expand(template)`` with the kept groups taken from ``original`` (not the folded text)."""
    out, pos = [], 0
    for ref in GROUP_REF.finditer(template):
        out.append(match.expand(template[pos:ref.start()]) if template[pos:ref.start()] else "")
        key = ref.group(1) or ref.group(2)
        group = int(key) if key.isdigit() else key
        start, end = match.span(group)
        out.append(original[start:end] if start >= 0 else "")
        pos = ref.end()
    out.append(match.expand(template[pos:]) if template[pos:] else "")
    return "".join(out)


def _per_line(span: str) -> str:
    """``span`` (a match running across line breaks) masked line by line: each line's part becomes ``***`` and the
    line breaks stay, so the masked text has the original's lines (the officer's edits are compared line by line)."""
    return "\n".join("***" if part.strip() else part for part in span.split("\n"))


def _squash(name: str) -> str:
    return re.sub(r"[ \t]", "", fold(name))


def _name_pattern(name: str) -> str:
    """A name as written, also with spaces between its characters (张 三, 张　三)."""
    return r"[ \t]{0,2}".join(re.escape(ch) for ch in name)


def _matches(
    text: str, rules: Sequence[MaskingRule], names: Sequence[str], aliases: Mapping[str, str] | None = None
) -> list[tuple[int, int, str, str]]:
    """Non-overlapping (start, end, kind, replacement) in text order.

    Rules match the folded text (:func:`fold`: full-width digits and letters, the ideographic and
    no-break spaces as ASCII), so positions are those of ``text``. Rules first (an earlier rule wins
    an overlap; a match whose replacement would put the matched text back masks nothing and is
    ignored), then the party's name (``aliases``: name -> how it is shown) and other persons' names
    together, longest first, also when written with spaces between the characters.
    """
    folded = fold(text)
    taken: list[tuple[int, int, str, str]] = []
    spans: list[tuple[int, int]] = []  # taken's spans, sorted and non-overlapping: one bisect per question

    def free(start: int, end: int) -> bool:
        i = bisect.bisect_left(spans, (end, end))
        return not (i > 0 and spans[i - 1][1] > start)

    def take(start: int, end: int, kind: str, replacement: str) -> None:
        taken.append((start, end, kind, replacement))
        bisect.insort(spans, (start, end))

    for rule in rules:
        for m in rule.regex.finditer(folded):
            if m.end() > m.start() and free(m.start(), m.end()):
                replacement = _expand(m, rule.replacement, text)
                if "\n" in text[m.start():m.end()]:  # a match across lines is masked line by line
                    replacement = _per_line(text[m.start():m.end()])
                if text[m.start():m.end()] not in replacement:
                    take(m.start(), m.end(), rule.name, replacement)
    _mask_adjacent_numbers(folded, text, taken)
    spans[:] = sorted((s, e) for s, e, _, _ in taken)
    literal = {_squash(n): ("name", masked_name(n)) for n in _clean_names(names)}
    for name, shown in (aliases or {}).items():
        if isinstance(name, str) and len(_squash(name)) >= 2:
            literal[_squash(name)] = ("party", shown)
    if literal:
        ordered = sorted(literal, key=len, reverse=True)
        for m in re.finditer("|".join(map(_name_pattern, ordered)), folded):
            if free(m.start(), m.end()):
                kind, shown = literal[_squash(m.group())]
                take(m.start(), m.end(), kind, shown)
    return sorted(taken)


#: a run of digits this long that touches a mask (directly, or across a dash or a space) is part of what was
#: masked: two items written together (an ID run into a phone) must not leave one's digits in the clear
_ADJACENT_DIGITS = re.compile(r"\d{5,}")
_GLUE = re.compile(r"[ \-]{0,2}")


def _mask_adjacent_numbers(folded: str, text: str, taken: list[tuple[int, int, str, str]]) -> None:
    """Add every digit run of 5 or more that touches a masked span to ``taken`` (in place)."""
    edges = {e for _, e, _, _ in taken}
    starts = {s for s, _, _, _ in taken}
    spans = sorted((s, e) for s, e, _, _ in taken)  # non-overlapping: one bisect finds a covering span
    begins = [s for s, _ in spans]
    for m in _ADJACENT_DIGITS.finditer(folded):
        i = bisect.bisect_left(begins, m.end()) - 1
        if i >= 0 and spans[i][1] > m.start():
            continue
        glue_before = 0
        while glue_before < 2 and m.start() - glue_before > 0 and folded[m.start() - glue_before - 1] in " -":
            glue_before += 1
        glue_after = _GLUE.match(folded, m.end()).end() - m.end()
        if m.start() - glue_before in edges or m.end() + glue_after in starts:
            taken.append((m.start(), m.end(), "adjacent_number", "*" * (m.end() - m.start())))


def find_sensitive(
    text: str, rules: Sequence[MaskingRule] = DEFAULT_RULES, names: Sequence[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every span :func:`mask_text` would replace, in text order.

    The kind is the rule's name, ``"name"`` for another person's name and ``"party"`` for the
    party's name. Raises ValueError for a name shorter than 2 characters.
    """
    return [(kind, start, end) for start, end, kind, _ in _matches(text, rules, names, aliases)]


def mask_text(
    text: str, rules: Sequence[MaskingRule] = DEFAULT_RULES, names: Sequence[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> str:
    """``text`` with every sensitive span replaced; text without any is returned unchanged.

    ``names`` are natural persons other than the party: each becomes its surname
    followed by one 某 per remaining character (compound surnames such as 欧阳 are
    kept whole; non-Chinese names become 某某). ``aliases`` maps the party's name to the
    way it is shown (see :func:`party_display`). A mask replaces the sensitive span only.
    Raises ValueError for a name shorter than 2 characters (masking a lone surname would
    garble the text).
    """
    out = []
    pos = 0
    for start, end, _, replacement in _matches(text, rules, names, aliases):
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)

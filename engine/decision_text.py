"""Does the written decision say what was decided? (APL 58/59: the reviewed content binds the document.)

The head's ``decision_text`` is free text, but it is what the party is served and the public reads. It
may not name a fine other than the decided one, nor a kind of penalty that was not decided. Amounts are
read in Arabic digits (half- or full-width, with separators) and in Chinese numerals, ordinary or
financial (贰万元, 伍拾万元, 一万五千元).

Pure functions, no IO. See docs/DOMAIN.md §3.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
           "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_CN = "".join([*_DIGITS, *_UNITS, *_BIG])
_NUMBER = rf"[0-9][0-9,.]*|[{_CN}]+"
#: "罚款人民币贰万元", "罚款20,000元", "处以五万元罚款", "处2万元的罚款"
_FINE = re.compile(rf"罚款\s*(?:人民币)?\s*(?P<a>{_NUMBER})\s*(?P<wan>万)?\s*元"
                   rf"|(?:人民币)?\s*(?P<b>{_NUMBER})\s*(?P<wan2>万)?\s*元\s*(?:的)?\s*罚款")

#: words that name a kind of penalty in a written decision (docs/GLOSSARY.md)
KIND_WORDS: dict[str, re.Pattern[str]] = {
    "revoke_licence": re.compile(r"吊销|撤销[^，。；]{0,12}(?:登记|许可)"),
    "order_closure": re.compile(r"责令[^，。；]{0,6}关闭|取缔"),
    "confiscation": re.compile(r"没收"),
}


def chinese_number(text: str) -> int | None:
    """``贰万伍仟`` → 25000, ``十五`` → 15; None when ``text`` is not a Chinese numeral."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS and ch not in _BIG for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            section += digit or 0
            total += (section or 1) * _BIG[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def _amount(raw: str, wan: bool) -> Decimal | None:
    raw = unicodedata.normalize("NFKC", raw).replace(",", "")
    value: Decimal | None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        number = chinese_number(raw)
        value = Decimal(number) if number is not None else None
    return None if value is None else value * (10_000 if wan else 1)


def fines_named(text: str) -> list[Decimal]:
    """Every fine amount (in yuan) the text names."""
    folded = unicodedata.normalize("NFKC", text)
    found = []
    for m in _FINE.finditer(folded):
        raw, wan = (m.group("a"), m.group("wan")) if m.group("a") else (m.group("b"), m.group("wan2"))
        value = _amount(raw, bool(wan))
        if value is not None:
            found.append(value)
    return found


def contradictions(text: str, penalty_kind: str | None, fine_amount: Decimal | None) -> list[str]:
    """What ``text`` says that the decided content does not (empty when it agrees)."""
    problems = []
    decided_fine = fine_amount or Decimal(0)
    for named in fines_named(text or ""):
        if named != decided_fine:
            problems.append(f"names a fine of {named} yuan, the decided fine is {decided_fine}")
    for kind, pattern in KIND_WORDS.items():
        if kind != penalty_kind and pattern.search(text or ""):
            problems.append(f"names '{pattern.search(text).group(0)}' ({kind}), which was not decided")
    return problems

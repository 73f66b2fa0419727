"""Does the written decision say what was decided? (APL 58/59: the reviewed content binds the document.)

The head's ``decision_text`` is free text, but it is what the party is served and the public reads. It
may not name a fine other than the decided one, nor a kind of penalty that was not decided. Amounts are
read in Arabic digits (half- or full-width, with separators, ¥/￥/人民币 before or 元/圆 after) and in
Chinese numerals, ordinary, financial or traditional (贰万元, 伍拾萬圆整, 一万五千元); every amount of money
in a clause that imposes a fine (罚款, 罚金) counts as the fine, except illegal gains or goods. Invisible
characters are dropped before reading.

Pure functions, no IO. See docs/DOMAIN.md §3.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
           "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_CN = "".join([*_DIGITS, *_UNITS, *_BIG])
#: spellings folded before reading: traditional and financial variants, currency signs
_FOLD = str.maketrans({"萬": "万", "億": "亿", "圆": "元", "圓": "元", "￥": "¥", "兩": "两", "貳": "贰", "參": "叁",
                       "陸": "陆", "〇": "零"})
_NUMBER = rf"[0-9][0-9,.]*|[{_CN}]+"
#: an amount of money: a currency word or sign before it, or 元 after it (万 may stand between)
_MONEY = re.compile(rf"(?:(?:人民币|¥|RMB)\s*(?P<a>{_NUMBER})\s*(?P<wa>万)?\s*元?"
                    rf"|(?P<b>{_NUMBER})\s*(?P<wb>万)?\s*元)")
#: a clause (up to 。；; or a line break) that imposes a fine names its amounts as fines
_CLAUSE = re.compile(r"[^。；;\n]+")
_FINE_WORD = re.compile(r"罚款|罚金")
#: amounts that are not the fine although they stand in a fine's clause: illegal gains or confiscated goods,
#: and the ends of a range the law sets (处十万元以上三十万元以下罚款)
_NOT_FINE = re.compile(r"(?:违法所得|没收|货值|价值|收入)[^，,]{0,8}$")
_LOOKBACK = 16  # how far before an amount its 违法所得/没收 may stand (a bounded look: linear in the text)
_RANGE_END = re.compile(r"\s*(?:以上|以下|以内|至|到|-|~|—)")

#: words that name a kind of penalty in a written decision (APL 9; docs/GLOSSARY.md)
KIND_WORDS: dict[str, re.Pattern[str]] = {
    "revoke_licence": re.compile(r"吊销|暂扣|降低资质等级|撤销[^，。；]{0,12}(?:登记|许可)"),
    "order_closure": re.compile(r"责令[^，。；]{0,6}(?:关闭|停产停业|停业)|取缔|限制开展[^，。；]{0,6}活动|限制从业"),
    "confiscation": re.compile(r"没收"),
}


def fold(text: str) -> str:
    """``text`` as the reader sees it: invisible characters dropped, width and variant spellings folded."""
    visible = "".join(ch for ch in str(text or "") if unicodedata.category(ch)[0] not in ("C",))
    return unicodedata.normalize("NFKC", visible).translate(_FOLD)


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
    raw = raw.replace(",", "")
    value: Decimal | None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        number = chinese_number(raw)
        value = Decimal(number) if number is not None else None
    return None if value is None or not value.is_finite() else value * (10_000 if wan else 1)


def fines_named(text: str) -> list[Decimal]:
    """Every fine amount (in yuan) the text names: the amounts of money in each clause that imposes a fine,
    except those that name illegal gains or confiscated goods."""
    found = []
    for clause in _CLAUSE.findall(fold(text)):
        if not _FINE_WORD.search(clause):
            continue
        for m in _MONEY.finditer(clause):
            if _NOT_FINE.search(clause[max(0, m.start() - _LOOKBACK): m.start()]) or _RANGE_END.match(clause, m.end()):
                continue
            raw, wan = (m.group("a"), m.group("wa")) if m.group("a") else (m.group("b"), m.group("wb"))
            value = _amount(raw, bool(wan))
            if value is not None:
                found.append(value)
    return found


def contradictions(text: str, penalty_kind: str | None, fine_amount: Decimal | None) -> list[str]:
    """What ``text`` says that the decided content does not (empty when it agrees)."""
    problems = []
    decided_fine = fine_amount or Decimal(0)
    for named in fines_named(text):
        if named != decided_fine:
            problems.append(f"names a fine of {named} yuan, the decided fine is {decided_fine}")
    folded = fold(text)
    for kind, pattern in KIND_WORDS.items():
        found = pattern.search(folded)
        if kind != penalty_kind and found:
            problems.append(f"names '{found.group(0)}' ({kind}), which was not decided")
    return problems

"""Facts about natural persons derived from a mainland resident ID number, and whether a party's number is valid.

An ID number is read in every spelling the masker recognises (:func:`engine.masking.id_characters`: spaces,
dashes, dots, slashes, line breaks, full-width digits, Chinese numerals), so ``130528-20150101-1234`` is a
person born on 2015-01-01 here exactly as the masker hides it in published text.
"""
from __future__ import annotations

import re
from datetime import date

from .masking import id_characters

ADULT_AGE = 18
_ID18 = re.compile(r"^\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dX]$")
_ID15 = re.compile(r"^\d{6}(\d{2})(\d{2})(\d{2})\d{3}$")
#: GB 11643: weights of the first 17 digits and the check character for the sum modulo 11
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
#: GB 32100: the unified social credit code (统一社会信用代码) of an organisation, 18 characters
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(rf"^[{_USCC_CHARS}]{{2}}\d{{6}}[{_USCC_CHARS}]{{10}}$")
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc_checked(code: str) -> bool:
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return code[17] == _USCC_CHARS[(31 - total % 31) % 31]


def _ascii_digits(text: str) -> str:
    return text if text.isascii() else "".join(str(int(ch)) if ch.isdigit() else ch for ch in text)


def id_digits(id_number: str | None) -> str:
    """The characters of an ID number as written in any recognised spelling ('' for none)."""
    return _ascii_digits(id_characters(str(id_number or "").strip()))


def birth_date(id_number: str | None) -> date | None:
    """The birth date encoded in an 18-digit (or 15-digit, 19xx) ID number in any spelling; None when it has none."""
    digits = id_digits(id_number)
    m = _ID18.match(digits)
    year_prefix = ""
    if not m:
        m = _ID15.match(digits)
        year_prefix = "19"
    if not m:
        return None
    try:
        return date(int(year_prefix + m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def is_resident_id(value: str | None) -> bool:
    """Whether ``value`` (any spelling) is a person's resident ID number: 18 digits (or X) with a real birth date and
    the right check character, or a 15-digit first-generation number with a real birth date."""
    digits = id_digits(value)
    if birth_date(digits) is None:
        return False
    if len(digits) == 15:
        return True
    return digits[17] == _CHECK[sum(int(d) * w for d, w in zip(digits[:17], _WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str | None) -> str | None:
    """Why ``value`` is not a resident ID number or a unified social credit code (None when it is one).

    Accepted: an 18-digit ID number with a real birth date and the right check character (GB 11643), a 15-digit
    first-generation number with a real birth date, or an 18-character unified social credit code (GB 32100).
    Spaces and dashes between groups are allowed (they are read as the masker reads them).
    """
    digits = id_digits(value)
    if _USCC.match(digits) and (not digits[:17].isdigit() or _uscc_checked(digits)):
        return None  # an organisation's code (one whose first 17 characters are digits only with its check)
    if len(digits) == 18 and _ID18.match(digits):
        if birth_date(digits) is None:
            return "the ID number's birth date (digits 7-14) is not a date"
        check = _CHECK[sum(int(d) * w for d, w in zip(digits[:17], _WEIGHTS, strict=True)) % 11]
        return None if digits[17] == check else f"the ID number's check character is wrong (expected {check})"
    if len(digits) == 15 and _ID15.match(digits):
        return None if birth_date(digits) is not None else "the ID number's birth date (digits 7-12) is not a date"
    return ("not a resident ID number (18 digits, or 15 for an old one) nor a unified social credit code "
            "(18 characters)")


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_minor(id_number: str | None, on: date) -> bool:
    """True when the ID number shows a person under 18 on ``on`` (unknown birth date: False).

    Someone born on 29 February comes of age on 1 March in a common year.
    """
    born = birth_date(id_number)
    return born is not None and age_on(born, on) < ADULT_AGE

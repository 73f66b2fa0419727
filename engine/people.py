"""Facts about natural persons derived from a mainland resident ID number (18 digits)."""
from __future__ import annotations

import re
from datetime import date

ADULT_AGE = 18
_ID18 = re.compile(r"^\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dXx]$")


def birth_date(id_number: str | None) -> date | None:
    """The birth date encoded in an 18-character ID number; None when it has none."""
    if not id_number:
        return None
    m = _ID18.match(str(id_number).strip())
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_minor(id_number: str | None, on: date) -> bool:
    """True when the ID number shows a person under 18 on ``on`` (unknown birth date: False).

    Someone born on 29 February comes of age on 1 March in a common year.
    """
    born = birth_date(id_number)
    return born is not None and age_on(born, on) < ADULT_AGE

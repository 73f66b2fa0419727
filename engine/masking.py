"""Masking of text before publication (OGI 15, APL 50, PIPL 28).

A :class:`MaskingRule` is configuration: a regular expression and a ``re.sub``
replacement template (``\\g<name>`` keeps a group), no code. The default rules
mask ID numbers, mobile and landline phones, bank cards, e-mail addresses,
home addresses and religious-belief statements (sensitive personal data by
default, PIPL 28). Names of natural persons other than the party are passed
per document and become surname + 某 (张三丰 → 张某某).

Rules are applied in order and never overlap: where two matches overlap, the
one of the earlier rule wins (so an 18-digit ID is masked as an ID, not as a
bank card); names come after every rule. :func:`find_sensitive` shows the
reviewer exactly the spans :func:`mask_text` replaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_RELIGIONS = r"(?:藏传佛教|汉传佛教|南传佛教|佛教|道教|伊斯兰教|天主教|基督教|东正教|基督)"
_STOP = r"[^，。；,;\n]+"
_GROUP_REF = re.compile(r"\\g<([^>]*)>|\\(\d+)")
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 令狐 端木 独孤 南宫 西门 呼延 "
    "轩辕 万俟 澹台 公冶 太史 申屠 钟离 闻人 赫连 拓跋 百里 东郭 第五".split()
)


@dataclass(frozen=True)
class MaskingRule:
    """One masking rule: ``pattern`` is a Python regex, ``replacement`` a ``re.sub`` template.

    Raises ValueError naming the rule when the regex does not compile, the name or
    replacement is empty, or the replacement refers to a group the pattern lacks.
    """

    name: str
    pattern: str
    replacement: str
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("masking rule needs a name")
        if not isinstance(self.pattern, str) or not self.pattern:
            raise ValueError(f"masking rule {self.name!r}: pattern must be a non-empty string")
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"masking rule {self.name!r}: bad regex {self.pattern!r}: {exc}") from exc
        if not isinstance(self.replacement, str) or not self.replacement:
            raise ValueError(f"masking rule {self.name!r}: replacement must be a non-empty string")
        for named, number in _GROUP_REF.findall(self.replacement):
            known = (
                int(number) <= compiled.groups
                if number
                else (named in compiled.groupindex or (named.isdigit() and int(named) <= compiled.groups))
            )
            if not known:
                raise ValueError(
                    f"masking rule {self.name!r}: replacement refers to missing group {named or number}"
                )

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern (``re`` keeps compiled patterns cached)."""
        return re.compile(self.pattern)


DEFAULT_RULES: tuple[MaskingRule, ...] = (
    MaskingRule(
        "id_number",
        r"(?<![0-9A-Za-z])(?P<head>[1-9]\d{2})\d{3}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
        r"\d{2}(?P<tail>\d[0-9Xx])(?![0-9A-Za-z])",
        r"\g<head>*************\g<tail>",
        "居民身份证号码: keep the first 3 and last 2 characters",
    ),
    MaskingRule(
        "bank_card",
        r"(?<![0-9A-Za-z*])\d(?: ?\d){11,14} ?(?P<tail>\d(?: ?\d){3})(?![0-9A-Za-z])",
        r"************\g<tail>",
        "银行卡号 (16-19 digits, optionally grouped by spaces): keep the last 4 digits",
    ),
    MaskingRule(
        "mobile",
        r"(?<!\d)(?P<head>1[3-9]\d)[- ]?\d{4}[- ]?(?P<tail>\d{4})(?!\d)",
        r"\g<head>****\g<tail>",
        "手机号码: keep the first 3 and last 4 digits",
    ),
    MaskingRule(
        "landline",
        r"(?<!\d)(?P<area>[(（]0\d{2,3}[)）]\s?|0\d{2,3}[- ])\d{7,8}(?:(?:-|转)\d{1,6})?(?!\d)",
        r"\g<area>********",
        "固定电话: keep the area code",
    ),
    MaskingRule(
        "email",
        r"(?<![A-Za-z0-9._%+-])(?P<first>[A-Za-z0-9])[A-Za-z0-9._%+-]*@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})",
        r"\g<first>***@\g<domain>",
        "电子邮箱: keep the first character and the domain",
    ),
    MaskingRule(
        "address",
        rf"(?P<label>住址|地址(?=\s*[：:]))(?P<sep>\s*[：:]?\s*){_STOP}"
        rf"|(?<=[，,])(?P<live>住)(?![院宿所址房])(?=[^，。；,;\n]{{0,20}}?[省市县区旗镇乡村]){_STOP}",
        r"\g<label>\g<sep>\g<live>***",
        "住址/家庭住址 (colon optional), 地址： and '，住XX省/县/村…' up to the next punctuation",
    ),
    MaskingRule(
        "religious_belief",
        rf"(?P<label>宗教信仰\s*[：:]\s*){_STOP}|(?P<verb>信仰|信奉|皈依)\s*了?\s*{_RELIGIONS}",
        r"\g<label>\g<verb>***",
        "宗教信仰：… / 信仰佛教 — sensitive personal information (PIPL 28)",
    ),
    MaskingRule(
        "religious_identity",
        rf"{_RELIGIONS}(?:信徒|教徒|信众|徒)|穆斯林",
        r"***",
        "佛教徒, 天主教信徒, 穆斯林 — sensitive personal information (PIPL 28)",
    ),
)


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


def _masked_name(name: str) -> str:
    if not all("\u4e00" <= ch <= "\u9fff" for ch in name):
        return "某某"
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[0]
    return surname + "某" * (len(name) - len(surname))


def _clean_names(names: Sequence[str]) -> list[str]:
    cleaned = {n.strip() for n in names if isinstance(n, str) and n.strip()}
    short = [n for n in cleaned if len(n) < 2]
    if short:
        raise ValueError(f"names must have at least 2 characters, got {short}")
    return sorted(cleaned, key=len, reverse=True)


def _matches(
    text: str, rules: Sequence[MaskingRule], names: Sequence[str]
) -> list[tuple[int, int, str, str]]:
    """Non-overlapping (start, end, rule name, replacement) in text order; earlier rules win."""
    taken: list[tuple[int, int, str, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _, _ in taken)

    for rule in rules:
        for m in rule.regex.finditer(text):
            if m.end() > m.start() and free(m.start(), m.end()):
                taken.append((m.start(), m.end(), rule.name, m.expand(rule.replacement)))
    ordered = _clean_names(names)
    if ordered:
        for m in re.finditer("|".join(map(re.escape, ordered)), text):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end(), "name", _masked_name(m.group())))
    return sorted(taken)


def find_sensitive(
    text: str, rules: Sequence[MaskingRule] = DEFAULT_RULES, names: Sequence[str] = ()
) -> list[tuple[str, int, int]]:
    """(rule name, start, end) of every span :func:`mask_text` would replace, in text order.

    Names found are reported with the rule name ``"name"``. Raises ValueError for
    a name shorter than 2 characters.
    """
    return [(rule, start, end) for start, end, rule, _ in _matches(text, rules, names)]


def mask_text(text: str, rules: Sequence[MaskingRule] = DEFAULT_RULES, names: Sequence[str] = ()) -> str:
    """``text`` with every sensitive span replaced; text without any is returned unchanged.

    ``names`` are natural persons other than the party: each becomes its surname
    followed by one 某 per remaining character (compound surnames such as 欧阳 are
    kept whole; non-Chinese names become 某某). Raises ValueError for a name
    shorter than 2 characters (masking a lone surname would garble the text).
    """
    out = []
    pos = 0
    for start, end, _, replacement in _matches(text, rules, names):
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)

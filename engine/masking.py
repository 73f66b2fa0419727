"""Masking of text before publication (OGI 15, APL 50, PIPL 28).

A :class:`MaskingRule` is configuration: a regular expression and a ``re.sub``
replacement template (``\\g<name>`` keeps a group), no code. The default rules
mask ID numbers (however spaced), mobile and landline phones, bank cards and
accounts, e-mail addresses, home addresses however introduced, minors, health
data, religious belief and clergy/believer terms (sensitive personal data by
default, PIPL 28). Names of natural persons other than the party are passed
per document and become surname + 某 (张三丰 → 张某某); the party's own name is
shown as :func:`party_display` says, the same way wherever it occurs.
A mask replaces the sensitive span only, never the words around it.

Rules are applied in order and never overlap: where two matches overlap, the
one of the earlier rule wins (so an 18-digit ID is masked as an ID, not as a
bank card); names come after every rule. :func:`find_sensitive` shows the
reviewer exactly the spans :func:`mask_text` replaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_RELIGIONS = r"(?:藏传佛教|汉传佛教|南传佛教|佛教|道教|伊斯兰教|天主教|基督教|东正教|基督)"
_GROUP_REF = re.compile(r"\\g<([^>]*)>|\\(\d+)")
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 令狐 端木 独孤 南宫 西门 呼延 "
    "轩辕 万俟 澹台 公冶 太史 申屠 钟离 闻人 赫连 拓跋 百里 东郭 第五".split()
)
#: a separator inside an ID number as people write it: nothing, a space, a dash
_S = r"[ \-－]?"
_ID18 = (rf"(?<!\d)(?P<head>[1-9]\d{{2}}){_S}\d{_S}\d{_S}\d{_S}(?:1{_S}[89]|2{_S}0){_S}\d{_S}\d{_S}"
         rf"(?:0{_S}[1-9]|1{_S}[0-2]){_S}(?:0{_S}[1-9]|[12]{_S}\d|3{_S}[01]){_S}\d{_S}\d{_S}"
         rf"(?P<tail>\d{_S}[\dXx])(?!\d)")
_ID15 = (rf"(?<!\d)(?P<head>[1-9]\d{{2}}){_S}\d{_S}\d{_S}\d{_S}\d{_S}\d{_S}(?:0{_S}[1-9]|1{_S}[0-2]){_S}"
         rf"(?:0{_S}[1-9]|[12]{_S}\d|3{_S}[01]){_S}\d{_S}(?P<tail>\d{_S}\d)(?!\d)")
#: the units an address is made of (longest first); an address is a run of "<name><unit>" parts
ADDRESS_UNITS = ("特别行政区 自治区 自治州 自治县 街道办事处 办事处 居委会 村委会 街道 社区 小区 花园 公寓 大厦 胡同 单元 "
                 "号院 号楼 大街 大道 省 市 州 盟 县 区 旗 镇 乡 村 组 屯 庄 苑 路 街 巷 弄 号 栋 幢 座 楼 层 室").split()
_ADDRESS_PART = rf"(?:[\u4e00-\u9fffA-Za-z]{{0,6}}?|[A-Za-z]?\d{{1,5}}(?:[-－]\d{{1,5}})?)(?:{'|'.join(ADDRESS_UNITS)})"
_ADDRESS_LABEL = ("家庭住址|家庭地址|现住址|现居住地|现住|家住|居住地|居住在|居住于|住在|暂住|寄住|户籍所在地|户口所在地|户籍地|"
                  "经常居住地|住所地|住所|住址|联系地址|通讯地址|通信地址|送达地址|地址")
#: under 18: 1-17 in figures or Chinese numerals, 岁 or 周岁
_AGE_U18 = r"(?:1[0-7]|[1-9]|十[一二三四五六七]|[一二三四五六七八九十])\s*周?岁"
_MINOR_LABEL = ("未成年人|未成年学生|未成年|中学生|小学生|在校学生|学生|少年|儿童|幼儿|其子|其女|之子|之女|孙子|孙女|"
                "外孙女|外孙|孩子|男孩|女孩")
#: clergy and believers (PIPL 28); 主教 not inside 天主教, 喇嘛 not in a temple's name
CLERGY_AND_BELIEVERS = ("阿訇|伊玛目|毛拉|海里凡|满拉|神父|神甫|司铎|修女|修士|牧师|传道员|传道人|(?<!天)主教|僧人|僧侣|"
                        "和尚|尼姑|比丘尼|比丘|沙弥|喇嘛(?![庙寺])|活佛|道士|道姑|道长|居士|基督徒|教徒|信徒|信众|教友|"
                        "慕道友|穆斯林|信教群众")
_DISEASE = r"(?:综合征|障碍|感染|残疾|损伤|骨折|中风|瘫痪|阳性|肝炎|结核|病|症|炎|癌|瘤)"
HEALTH_TERMS = ("高血压|糖尿病|冠心病|心脏病|脑梗死?|脑出血|哮喘|乳腺癌|肺癌|肝癌|胃癌|肿瘤|传染病|精神疾病|艾滋病病毒|艾滋病|HIV|乙型肝炎|乙肝|丙肝|梅毒|肺结核|精神分裂症|精神病|抑郁症|癫痫|癌症|白血病|"
                "智力残疾|肢体残疾|残疾|怀孕|孕妇|流产")


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
        "id_number", _ID18, r"\g<head>*************\g<tail>",
        "居民身份证号码 (also written with spaces or dashes, lower-case x): keep the first 3 and last 2 characters",
    ),
    MaskingRule(
        "id_number_15", _ID15, r"\g<head>**********\g<tail>",
        "15-digit first-generation ID numbers: keep the first 3 and last 2 digits",
    ),
    MaskingRule(
        "bank_card",
        r"(?<![\d*])\d(?: ?\d){11,14} ?(?P<tail>\d(?: ?\d){3})(?!\d)",
        r"************\g<tail>",
        "银行卡号 (16-19 digits, optionally grouped by spaces): keep the last 4 digits",
    ),
    MaskingRule(
        "bank_account",
        r"(?P<label>(?:银行|开户|收款|对公)?(?:账号|帐号|账户|帐户|卡号)\s*[：:]?\s*)\d(?:[ \-]?\d){3,24}"
        r"[ \-]?(?P<tail>\d(?:[ \-]?\d){3})(?![ \-]?\d)",
        r"\g<label>************\g<tail>",
        "银行账号 introduced by 账号/账户/卡号 (8-30 digits): keep the last 4 digits",
    ),
    MaskingRule(
        "mobile",
        r"(?<!\d)(?:(?:\+|00)?86[- ]?)?(?P<head>1[3-9]\d)[- ]?\d{4}[- ]?(?P<tail>\d{4})(?!\d)",
        r"\g<head>****\g<tail>",
        "手机号码 (with or without +86, spaces or dashes): keep the first 3 and last 4 digits",
    ),
    MaskingRule(
        "landline",
        r"(?<!\d)(?P<area>[(（]0\d{2,3}[)）]\s?|0\d{2,3}[- ]?)\d{3,4}[- ]?\d{4}(?:(?:-|转)\d{1,6})?(?!\d)",
        r"\g<area>********",
        "固定电话: keep the area code",
    ),
    MaskingRule(
        "phone",
        r"(?P<label>(?:联系|办公|固定|家庭|住宅)?电话(?:号码)?|手机(?:号码?)?|座机|[Tt]el|TEL)(?P<sep>\s*[：:]?\s*)"
        r"\d(?:[ \-]?\d){5,13}(?!\d)",
        r"\g<label>\g<sep>********",
        "any other number introduced by 电话/手机/座机",
    ),
    MaskingRule(
        "email",
        r"(?<![A-Za-z0-9._%+-])(?P<first>[A-Za-z0-9])[A-Za-z0-9._%+-]*@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})",
        r"\g<first>***@\g<domain>",
        "电子邮箱: keep the first character and the domain",
    ),
    MaskingRule(
        "address",
        rf"(?:(?P<label>{_ADDRESS_LABEL})|(?:^|(?<=[，,、；;\s]))(?P<live>住)(?![院宿所址房]))"
        rf"(?P<sep>\s*(?:[：:]|为|是|在|于)?\s*)(?:{_ADDRESS_PART})+(?:\d{{1,5}})?",
        r"\g<label>\g<live>\g<sep>***",
        "住址 however introduced (家住, 现住, 户籍地, 住所, 住址, 地址, '，住…'): the address itself, "
        "a run of place names with their units (省市县区镇乡村路街号楼室…), up to its last unit",
    ),
    MaskingRule(
        "minor",
        rf"(?P<label>{_MINOR_LABEL})[\u4e00-\u9fff·]{{0,4}}?\s*[（(]\s*{_AGE_U18}\s*[）)]"
        rf"|(?P<label2>未成年人|未成年学生)[\u4e00-\u9fff]{{2,3}}(?=[，。；、,;\s（(]|$)"
        rf"|(?<![\d.])(?P<pre>年仅|年满|时年|现年)?{_AGE_U18}",
        r"\g<label>\g<label2>\g<pre>***",
        "minors mentioned in the text (OGI 15): a minor's name with an age under 18, 未成年人 + name, an age under 18",
    ),
    MaskingRule(
        "health",
        rf"(?P<verb>患有|罹患|患上|身患|被诊断为|诊断为|确诊为|确诊|病史[：:]?|既往史[：:]?)"
        rf"[\u4e00-\u9fffA-Za-z0-9]{{0,10}}?{_DISEASE}(?:[和、及与][\u4e00-\u9fffA-Za-z0-9]{{0,10}}?{_DISEASE})*"
        rf"|{HEALTH_TERMS}",
        r"\g<verb>***",
        "health data (PIPL 28): a diagnosis after 患有/诊断为/病史…, and named conditions (艾滋病, 精神病, 残疾, 怀孕…)",
    ),
    MaskingRule(
        "religious_belief",
        rf"(?P<label>宗教信仰\s*[：:]\s*)(?:{_RELIGIONS}|[\u4e00-\u9fff]{{1,4}}?教)|(?P<verb>信仰|信奉|皈依)\s*了?\s*{_RELIGIONS}",
        r"\g<label>\g<verb>***",
        "宗教信仰：… / 信仰佛教 — sensitive personal information (PIPL 28)",
    ),
    MaskingRule(
        "religious_identity",
        rf"{_RELIGIONS}(?:信徒|教徒|信众|徒)|{CLERGY_AND_BELIEVERS}",
        r"***",
        "clergy and believers: 佛教徒, 天主教信徒, 穆斯林, 阿訇, 神父, 居士, 基督徒… — sensitive personal information (PIPL 28)",
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


#: how the party is shown (the ``party_name_display`` setting): natural persons and organisations
PERSON_STYLES = ("surname", "surname_single", "full")
ORGANISATION_STYLES = ("full", "hidden")


def party_display(name: str, party_type: str | None, style: dict[str, str] | None = None) -> str:
    """The party's name as published, by ``style`` {"person": ..., "organisation": ...}.

    Persons: ``surname`` (default, 张某 / 张某某 / 欧阳某某: one 某 per hidden character),
    ``surname_single`` (张某 / 欧阳某), ``full``. Organisations: ``full`` (default) or
    ``hidden`` (某单位). A person's name that is not Chinese becomes 某某.
    """
    style = style or {}
    name = name.strip()
    if party_type == "organisation":
        return "某单位" if style.get("organisation") == "hidden" else name
    kind = style.get("person", "surname")
    if kind == "full" or not name:
        return name
    masked = _masked_name(name) if len(name) >= 2 else "某某"
    if kind == "surname_single" and masked != "某某":
        return masked.rstrip("某") + "某"
    return masked


def split_names(value: object) -> list[str]:
    """Names from a list or a text separated by commas, 、, semicolons or whitespace; blanks dropped."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,，、;；\s]+", str(value or ""))
    return [str(n).strip() for n in items if str(n).strip()]


def _clean_names(names: Sequence[str]) -> list[str]:
    cleaned = {n.strip() for n in names if isinstance(n, str) and n.strip()}
    short = [n for n in cleaned if len(n) < 2]
    if short:
        raise ValueError(f"names must have at least 2 characters, got {short}")
    return sorted(cleaned, key=len, reverse=True)


def _matches(
    text: str, rules: Sequence[MaskingRule], names: Sequence[str], aliases: Mapping[str, str] | None = None
) -> list[tuple[int, int, str, str]]:
    """Non-overlapping (start, end, kind, replacement) in text order.

    Rules first (an earlier rule wins an overlap), then the party's name (``aliases``: name ->
    how it is shown) and other persons' names together, longest first.
    """
    taken: list[tuple[int, int, str, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _, _ in taken)

    for rule in rules:
        for m in rule.regex.finditer(text):
            if m.end() > m.start() and free(m.start(), m.end()):
                taken.append((m.start(), m.end(), rule.name, m.expand(rule.replacement)))
    literal = {n: ("name", _masked_name(n)) for n in _clean_names(names)}
    for name, shown in (aliases or {}).items():
        if isinstance(name, str) and len(name.strip()) >= 2:
            literal[name.strip()] = ("party", shown)
    if literal:
        ordered = sorted(literal, key=len, reverse=True)
        for m in re.finditer("|".join(map(re.escape, ordered)), text):
            if free(m.start(), m.end()):
                kind, shown = literal[m.group()]
                taken.append((m.start(), m.end(), kind, shown))
    return sorted(taken)


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

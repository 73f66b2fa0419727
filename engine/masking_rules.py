"""The statutory masking rules (OGI 15, APL 50, PIPL 28) and the rule type, as data.

Each :class:`MaskingRule` is a regular expression and a ``re.sub`` replacement template; the word lists
they are built from live in :mod:`engine.masking_terms`. :mod:`engine.masking` applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .masking_terms import (
    ACCOUNT_LABELS,
    ADDRESS_LABELS,
    ADDRESS_UNITS,
    AGE_PREFIXES,
    BELIEF_VERBS,
    CHINESE_DIGITS,
    CLERGY_AND_BELIEVERS,
    CONTACT_LABELS,
    DIAGNOSIS_VERBS,
    DISEASE_SUFFIXES,
    EMAIL_LABELS,
    GUARDED_ADDRESS_LABELS,
    GUARDED_TERMS,
    HEALTH_TERMS,
    HISTORY_LABELS,
    IDN_TLDS,
    MINOR_LABELS,
    NOT_BELIEF_BEFORE,
    NOT_PLACE_START,
    PLATE_PROVINCES,
    RELIGIONS,
    SHORT_BELIEFS,
    alternation,
)

_RELIGIONS = alternation(RELIGIONS)
GROUP_REF = re.compile(r"\\g<([^>]*)>|\\(\d+)")
#: between the groups of an ID number as people write it (after folding): nothing, up to three of space, tab,
#: line break, dash, dot, slash or underscore (130528  19800101, 130528 - 19800101, 1305281980\n01011234)
_SEP = r"[ \t\r\n\-./_]"
_S = rf"{_SEP}{{0,3}}"
#: not inside a longer number (a digit right before or after, or after a dash/dot/slash/underscore)
_NUM_START = r"(?<!\d)(?<!\d[\-./_])"
_NUM_END = r"(?![\-./_]?\d)"
_ID18 = (rf"{_NUM_START}(?P<head>[1-9]\d{{2}}){_S}\d{_S}\d{_S}\d{_S}(?:1{_S}[89]|2{_S}0){_S}\d{_S}\d{_S}"
         rf"(?:0{_S}[1-9]|1{_S}[0-2]){_S}(?:0{_S}[1-9]|[12]{_S}\d|3{_S}[01]){_S}\d{_S}\d{_S}"
         rf"(?P<tail>\d{_S}[\dXx]){_NUM_END}")
_ID15 = (rf"{_NUM_START}(?P<head>[1-9]\d{{2}}){_S}\d{_S}\d{_S}\d{_S}\d{_S}\d{_S}(?:0{_S}[1-9]|1{_S}[0-2]){_S}"
         rf"(?:0{_S}[1-9]|[12]{_S}\d|3{_S}[01]){_S}\d{_S}(?P<tail>\d{_S}\d){_NUM_END}")
#: between the 3-4-4 groups of a mobile number: nothing, or up to three of space, dash, dot, slash
_MS = r"[ \-./]{0,3}"
#: a digit written as a Chinese numeral (一三九…, 壹叁玖…)
_CN_DIGIT = "[" + "".join(chr(c) for c in CHINESE_DIGITS) + "]"
_ADDRESS_PART = (rf"(?:[\u4e00-\u9fffA-Za-z]{{0,6}}?|[A-Za-z]?\d{{1,5}}(?:-\d{{1,5}})?)"
                 rf"{alternation(ADDRESS_UNITS)}")
_ADDRESS_LABEL = "|".join([alternation(ADDRESS_LABELS)[3:-1], *GUARDED_ADDRESS_LABELS])
#: the parts of an address may be spaced (家住 宁晋县 城关镇 东街 12号), never across a line
_ADDRESS_RUN = rf"(?:{_ADDRESS_PART})(?:[ \t]{{0,2}}(?:{_ADDRESS_PART}))*"
#: a room or house number after the last unit: 号楼3-501, 12号-501, 东街12号501室
_ADDRESS_TAIL = r"(?:-?[A-Za-z]?\d{1,5}(?:-\d{1,5}){0,3}(?:室|房|户)?)?"
#: an address without a label, told by its structure: a town (镇/乡/街道) and a street or village, or a street
#: or village and a house number (城关镇东街12号, 东汪镇东汪村, 人民路12号); the county and above are kept
_PLACE_NAME = rf"(?![{NOT_PLACE_START}])(?:(?![省市县区旗镇乡])[\u4e00-\u9fff]){{1,5}}"
_TOWN = rf"{_PLACE_NAME}(?:街道办事处|街道|镇|乡)"
_STREET = rf"{_PLACE_NAME}(?:村委会|居委会|社区|小区|胡同|大街|大道|村|街|路|巷|弄)"
_HOUSE = (r"(?:[A-Za-z]?\d{1,5}(?:-\d{1,5})?|[零〇一二三四五六七八九十百]{1,4})"
          r"(?:号院|号楼|单元|号|栋|幢|座|楼|层|室|组)")
_UNLABELED_ADDRESS = (rf"(?:{_TOWN}[ \t]?{_STREET}|{_STREET}[ \t]?{_HOUSE})(?:[ \t]?{_HOUSE})*{_ADDRESS_TAIL}")
#: characters of an account or document number (微信号, QQ号, 护照号…)
_ACCOUNT_VALUE = r"[A-Za-z0-9][A-Za-z0-9_\-]{3,39}"
#: a number is whole: not preceded by a digit or a Chinese numeral (三十五岁 is not 十五岁)
_WHOLE = r"(?<![\d.零〇一二三四五六七八九十百千万两几])"
#: under 18: 1-17 in figures or Chinese numerals, 岁 or 周岁; never a threshold of the law (不满十四周岁, 十四周岁以上)
_AGE_U18 = (rf"{_WHOLE}(?<!满)(?:1[0-7]|[1-9]|十[一二三四五六七]?|[一二三四五六七八九两])\s*周?岁"
            r"(?!以[上下内]|及以[上下])")
_MINOR_LABEL = alternation(MINOR_LABELS)
_CLERGY = "|".join([alternation(t for t in CLERGY_AND_BELIEVERS if t not in GUARDED_TERMS)[3:-1],
                    *GUARDED_TERMS.values()])
_DISEASE = alternation(DISEASE_SUFFIXES)
_DOMAIN = rf"[\w\-]+(?:\.[\w\-]+)*\.(?:[A-Za-z]{{2,}}|{alternation(IDN_TLDS)[3:-1]})"
#: right after a label that introduces an e-mail address (电子邮箱, 邮箱：…)
_AFTER_EMAIL_LABEL = "|".join(f"(?<={re.escape(label + sep)})" for label in EMAIL_LABELS for sep in ("", ":", " ", ": "))
#: the end of a clause (after folding: ， → , ； → ; ） → ))
_CLAUSE_END = r"(?=[,;。、\s)]|$)"


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
        for named, number in GROUP_REF.findall(self.replacement):
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
        "居民身份证号码 (also written with spaces, dashes or dots, in full-width digits, lower-case x): "
        "keep the first 3 and last 2 characters",
    ),
    MaskingRule(
        "id_number_15", _ID15, r"\g<head>**********\g<tail>",
        "15-digit first-generation ID numbers: keep the first 3 and last 2 digits",
    ),
    MaskingRule(
        "bank_card",
        r"(?<![\d*])(?<![\d*] )\d(?: ?\d){11,25} ?(?P<tail>\d(?: ?\d){3})(?! ?\d)",
        r"************\g<tail>",
        "银行卡号 and other long numbers (16-30 digits, optionally grouped by spaces), always whole: "
        "keep the last 4 digits",
    ),
    MaskingRule(
        "bank_account",
        r"(?P<label>(?:银行|开户|收款|付款|对公|对私)?(?:账号|帐号|账户|帐户|卡号)\s*:?\s*)\d(?:[ \-]?\d){3,25}"
        r"[ \-]?(?P<tail>\d(?:[ \-]?\d){3})(?![ \-]?\d)",
        r"\g<label>************\g<tail>",
        "银行账号 introduced by 账号/账户/卡号 (8-30 digits), always whole: keep the last 4 digits",
    ),
    MaskingRule(
        "mobile",
        rf"(?<!\d)(?:(?:\+|00)?86[- ]?)?(?P<head>1[3-9]\d){_MS}\d{{4}}{_MS}(?P<tail>\d{{4}})(?!\d)",
        r"\g<head>****\g<tail>",
        "手机号码 (with or without +86; groups run together or split by spaces, dashes, dots or slashes): keep the "
        "first 3 and last 4 digits",
    ),
    MaskingRule(
        "number_in_words", rf"{_CN_DIGIT}(?:[ \-.]?{_CN_DIGIT}){{6,}}", r"********",
        "a number spelled digit by digit in Chinese numerals, 7 digits or more (手机一三九一二三四五六七八, "
        "壹叁玖…, an ID number in words): the whole number",
    ),
    MaskingRule(
        "landline",
        r"(?<!\d)(?:(?P<area>\(0\d{2,3}\)\s?|0\d{2,3}[- ]?)|(?P<cc>(?:\+|00)86[- ]?(?:\(0?\d{2,3}\)|0?\d{2,3})"
        r"[- ]?))\d{3,4}[- ]?\d{4}(?:(?:-|转)\d{1,6})?(?!\d)",
        r"\g<area>\g<cc>********",
        "固定电话 (with an area code, or +86 and the area code): keep the area code",
    ),
    MaskingRule(
        "phone",
        rf"(?P<label>{alternation(CONTACT_LABELS)})(?P<sep>\s*:?\s*)\+?\d(?:[ \-]?\d){{5,13}}(?!\d)",
        r"\g<label>\g<sep>********",
        "any other number introduced by 电话/手机/座机/联系方式/传真 (8-digit local numbers too)",
    ),
    MaskingRule(
        "email",
        rf"(?<![A-Za-z0-9._%+\-])(?P<first>[A-Za-z0-9])[A-Za-z0-9._%+\-]*@(?P<domain>{_DOMAIN})",
        r"\g<first>***@\g<domain>",
        "电子邮箱: keep the first character and the domain (also ＠ and Chinese domains such as 例子.中国)",
    ),
    MaskingRule(
        "email_unicode",
        rf"(?:{_AFTER_EMAIL_LABEL}|(?<![\w.%+\-])(?![\w.%+\-]*?{alternation(EMAIL_LABELS)}))[\w.%+\-]+"
        rf"@(?P<domain>{_DOMAIN})",
        r"***@\g<domain>",
        "电子邮箱 with a Chinese local part (李大为@163.com): the local part, after its label if any",
    ),
    MaskingRule(
        "account",
        rf"(?P<label>{alternation(t for t in ACCOUNT_LABELS if not t[0].isascii())}"
        rf"|(?<![@.]){alternation(t for t in ACCOUNT_LABELS if t[0].isascii())})(?P<sep>[ \t]*(?::|为|是)?[ \t]*)"
        rf"{_ACCOUNT_VALUE}",
        r"\g<label>\g<sep>***",
        "微信号, QQ号, 护照号, 通行证号, 驾驶证号 and other account or document numbers after their label",
    ),
    MaskingRule(
        "licence_plate",
        rf"(?P<head>[{PLATE_PROVINCES}][A-HJ-NP-Z])[·•・.\- ]?[A-HJ-NP-Z0-9]{{5,6}}(?![A-Za-z0-9])",
        r"\g<head>*****",
        "机动车号牌 (冀E12345, 冀E·12345, new-energy plates with 6 characters): keep the province and the letter",
    ),
    MaskingRule(
        "address",
        rf"(?:(?P<label>{_ADDRESS_LABEL})|(?:^|(?<=[,、;\s]))(?P<live>住)(?![院宿所址房处]))"
        rf"(?P<sep>[ \t]*(?::|为|是|在|于)?[ \t]*){_ADDRESS_RUN}{_ADDRESS_TAIL}",
        r"\g<label>\g<live>\g<sep>***",
        "住址 however introduced (家住, 现住, 现居, 家在, 户籍：, 户籍地, 住所, 住址, 地址, '，住…'): the address "
        "itself, a run of place names with their units (省市县区镇乡村路街号楼室…, also spaced), up to its last "
        "unit and a room number after it (号楼3-501)",
    ),
    MaskingRule(
        "address_structure", _UNLABELED_ADDRESS, r"***",
        "住址 without a label, told by its structure: a town and a street or village, or a street or village and "
        "a house number (城关镇东街12号, 东汪镇东汪村, 人民路12号-501); the county and above are kept",
    ),
    MaskingRule(
        "minor",
        rf"(?P<label>{_MINOR_LABEL})[\u4e00-\u9fff·]{{0,4}}?\s*\(\s*{_AGE_U18}\s*\)"
        rf"|(?P<label2>未成年人|未成年学生)[\u4e00-\u9fff]{{2,3}}(?=[,。;、\s(]|$)"
        rf"|(?P<pre>{alternation(AGE_PREFIXES)})?{_AGE_U18}",
        r"\g<label>\g<label2>\g<pre>***",
        "minors mentioned in the text (OGI 15): a minor's name with an age under 18, 未成年人 + name, a whole "
        "age under 18 (not 三十五岁, not the law's thresholds 不满十四周岁 / 十四周岁以上)",
    ),
    MaskingRule(
        "health",
        rf"(?P<verb>{alternation([*DIAGNOSIS_VERBS, *HISTORY_LABELS], escape=False)})"
        rf"[\u4e00-\u9fffA-Za-z0-9]{{0,10}}?{_DISEASE}(?:[和、及与][\u4e00-\u9fffA-Za-z0-9]{{0,10}}?{_DISEASE})*"
        rf"|{alternation(HEALTH_TERMS)}",
        r"\g<verb>***",
        "health data (PIPL 28): a diagnosis after 患有/诊断为/病史…, and named conditions (艾滋病, 精神病, 聋哑, "
        "残疾, 怀孕…)",
    ),
    MaskingRule(
        "diagnosis",
        rf"(?P<verb>{alternation(DIAGNOSIS_VERBS)})[^,;。、\s)]{{1,15}}?{_CLAUSE_END}",
        r"\g<verb>***",
        "health data (PIPL 28): whatever follows 患有/被诊断为/确诊为 up to the end of its clause",
    ),
    MaskingRule(
        "religious_belief",
        rf"(?P<label>宗教信仰\s*:\s*)(?:{_RELIGIONS}|[\u4e00-\u9fff]{{1,4}}?教)"
        rf"|(?P<verb>{alternation(BELIEF_VERBS)})\s*了?\s*{_RELIGIONS}"
        rf"|(?<![{NOT_BELIEF_BEFORE}])(?P<short>信){alternation(SHORT_BELIEFS)}(?![育学师材息号用])",
        r"\g<label>\g<verb>\g<short>***",
        "宗教信仰：… / 信仰佛教 / 信仰伊斯兰 / 信佛 / 信教 — sensitive personal information (PIPL 28)",
    ),
    MaskingRule(
        "religious_identity",
        rf"{_RELIGIONS}(?:信徒|教徒|信众|徒)|{_CLERGY}",
        r"***",
        "clergy and believers: 佛教徒, 天主教信徒, 穆斯林, 阿訇, 神父, 居士, 基督徒, 住持, 方丈, 法师… — sensitive "
        "personal information (PIPL 28)",
    ),
)

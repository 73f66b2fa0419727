"""Hypothesis strategies for the masking property tests: each kind of sensitive item, written the ways
people write it, and neutral surrounding text to embed it in.

An item is ``(text, secrets, names)``: the text as written, the substrings that must never reach the
public (with their separators removed where people may space them), and the names a case would pass
as other natural persons. The surrounding text is random words and punctuation that are themselves not
sensitive (no digits, no address units, no labels), so a mask that eats into it is caught.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import strategies as st

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
WORDS = ("经查", "当事人", "未经", "批准", "举办", "宗教", "活动", "违反", "规定", "本机关", "决定", "给予", "警告",
         "处罚", "依法", "责令", "改正", "情节", "轻微", "事实", "清楚", "证据", "确凿", "在场", "签字", "确认", "于",
         "和", "以及", "其", "对", "该", "案", "已", "送达", "the", "case", "record")
PUNCT = ("，", "。", "；", "、", " ", "：", "\n")
SEPARATORS = ("", " ", "，", "。", "：")


@st.composite
def neutral_text(draw, min_size: int = 0, max_size: int = 8) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(PUNCT)), min_size=min_size,
                          max_size=max_size))
    return "".join(parts)


#: how people separate groups of digits: a space, a dash, a dot, the ideographic space, a no-break space, two spaces,
#: a spaced dash, a slash, an underscore, a tab, a line break
DIGIT_SEPARATORS = (" ", "-", ".", "\u3000", "\u00a0", "－", "  ", " - ", "/", "_", "\t", "\n")
#: digits in Chinese numerals, one character each (一三九…, 壹叁玖…)
CHINESE_DIGITS = ("零一二三四五六七八九", "零壹贰叁肆伍陆柒捌玖")
FULL_WIDTH = str.maketrans("0123456789Xx@", "０１２３４５６７８９Ｘｘ＠")


def full_width(text: str) -> str:
    """``text`` with its digits (and X, @) typed in full width (１２３), as an IME writes them."""
    return text.translate(FULL_WIDTH)


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text)


def _spaced(draw, digits: str, groups: tuple[tuple[int, ...], ...], separators: tuple[str, ...] = (" ", "-")) -> str:
    """``digits`` as written: run together or split into one of ``groups`` by one of ``separators``."""
    sizes = draw(st.sampled_from(((len(digits),), *groups)))
    sep = draw(st.sampled_from(separators))
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos:pos + size])
        pos += size
    if pos < len(digits):
        out.append(digits[pos:])
    return sep.join(out)


@st.composite
def id_numbers(draw):
    region = draw(st.sampled_from(("130528", "110105", "371302", "440106")))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2007, 12, 31)))
    if draw(st.booleans()):
        body = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]
        full = body + (check.lower() if check == "X" and draw(st.booleans()) else check)
        written = _spaced(draw, full, ((6, 8, 4), (6, 4, 4, 4), (4, 4, 4, 4, 2), (3, 3, 4, 4, 4)), DIGIT_SEPARATORS)
    else:  # a first-generation 15-digit number
        full = f"{region}{born:%y%m%d}{draw(st.integers(0, 999)):03d}"
        written = _spaced(draw, full, ((6, 6, 3),), DIGIT_SEPARATORS)
    if draw(st.booleans()):
        written = full_width(written)
    label = draw(st.sampled_from(("身份证号", "公民身份号码：", "身份证号码为", "")))
    secrets = [written, _digits(full), _digits(full)[6:14], full_width(_digits(full))]
    return label + written, secrets, []


@st.composite
def mobiles(draw):
    number = f"1{draw(st.sampled_from('3456789'))}{draw(st.integers(0, 999_999_999)):09d}"
    if draw(st.integers(0, 4)) == 0:  # spelled digit by digit in Chinese numerals (手机一三九一二三四五六七八)
        words = draw(st.sampled_from(CHINESE_DIGITS))
        written = "".join(words[int(d)] for d in number)
        return draw(st.sampled_from(("手机", "联系电话：", ""))) + written, [written, written[3:]], []
    written = _spaced(draw, number, ((3, 4, 4),), (" ", "-", ".", "/", "  ", " - "))
    prefix = draw(st.sampled_from(("", "+86 ", "+86-", "86")))
    label = draw(st.sampled_from(("电话", "手机：", "联系方式", "")))
    return label + prefix + written, [written, number, number[3:7] + number[7:]], []


@st.composite
def landlines(draw):
    area = draw(st.sampled_from(("0319", "010", "0311", "021")))
    local = f"{draw(st.integers(2, 8))}{draw(st.integers(0, 10**6 - 1)):06d}"
    if draw(st.booleans()):
        local += str(draw(st.integers(0, 9)))
    written = draw(st.sampled_from((f"{area}-{local}", f"（{area}）{local}", f"({area}){local}",
                                     f"{area}-{local[:-4]} {local[-4:]}", f"+86-{area[1:]}-{local}",
                                     f"+86 {area[1:]} {local}", f"0086-{area}-{local}")))
    if draw(st.booleans()):  # a bare local number after a contact label
        return draw(st.sampled_from(("联系方式：", "电话：", "联系电话", "传真："))) + local, [local], []
    return draw(st.sampled_from(("电话", "座机：", ""))) + written, [written, local], []


@st.composite
def emails(draw):
    domain = draw(st.sampled_from(("example.com", "mail.example.cn", "qq.com", "例子.中国", "邮件.公司")))
    if draw(st.booleans()):  # a Chinese local part, after its label
        local = draw(st.sampled_from(("李大为", "王芳", "张小明123", "zhang三")))
        address = f"{local}{draw(st.sampled_from(('@', '＠')))}{domain}"
        return draw(st.sampled_from(("电子邮箱", "邮箱：", "电子邮件 "))) + address + " ", [address, local + "@"], []
    local = draw(st.from_regex(r"[a-z][a-z0-9._]{2,10}[a-z0-9]", fullmatch=True))
    address = f"{local}{draw(st.sampled_from(('@', '＠')))}{domain}"
    return draw(st.sampled_from(("邮箱 ", "电子邮件：", "email "))) + address + " ", [address, local[1:] + "@"], []


@st.composite
def bank_accounts(draw):
    card = str(draw(st.integers(10**15, 10**19 - 1)))
    if draw(st.booleans()):
        written = " ".join(card[i:i + 4] for i in range(0, len(card), 4)) if draw(st.booleans()) else card
        label = draw(st.sampled_from(("银行卡号", "卡号：", "")))
    else:
        card = str(draw(st.integers(10**7, 10**29)))
        written = " ".join(card[i:i + 4] for i in range(0, len(card), 4)) if draw(st.booleans()) else card
        label = draw(st.sampled_from(("账号：", "开户账号", "银行账户：", "收款账户 ")))
    secrets = [written, card] + ([card[:-4], card[-8:-4] + card[-4:]] if len(card) >= 12 else [])
    secrets += [written[-9:]] if len(written) >= 20 else []  # the digits after the 16th
    return label + written, secrets, []


ADDRESS_LABELS = ("家住", "现住", "户籍地", "住所", "住址", "家庭住址：", "户籍所在地：", "居住在", "住所地", "现住址",
                  "现居", "家在", "户籍：", "户籍", "现居住于")


@st.composite
def addresses(draw):
    kind = draw(st.integers(0, 3))
    if kind == 1:
        return draw(spaced_addresses())
    if kind == 2:
        return draw(unlabeled_addresses())
    parts = [draw(st.sampled_from(("", "河北省", "山东省"))), draw(st.sampled_from(("", "邢台市", "石家庄市"))),
             draw(st.sampled_from(("宁晋县", "新河县", "桥西区"))), draw(st.sampled_from(("凤凰镇", "贾家口镇", "某街道"))),
             draw(st.sampled_from(("东街村", "西城村", "幸福小区", "花园路"))),
             draw(st.sampled_from(("", "5组", "12号", "3号楼2单元301室", "18号院", "12号楼3-501", "12号-501")))]
    body = "".join(parts)
    label = draw(st.sampled_from(ADDRESS_LABELS))
    secrets = [body, parts[3] + parts[4]] + (["501"] if "501" in body else [])
    return label + body, secrets, []


@st.composite
def spaced_addresses(draw):
    """An address with spaces after its label and between its parts (家住 宁晋县 城关镇 东街 12号)."""
    parts = [draw(st.sampled_from(("宁晋县", "新河县"))), draw(st.sampled_from(("凤凰镇", "城关镇"))),
             draw(st.sampled_from(("东街", "西城村", "花园路"))), draw(st.sampled_from(("12号", "5组", "3号楼")))]
    label = draw(st.sampled_from(("家住", "现住", "住址：", "户籍地")))
    body = " ".join(parts)
    return f"{label} {body}", [body, " ".join(parts[1:]), f"{parts[2]} {parts[3]}"], []


@st.composite
def unlabeled_addresses(draw):
    """An address without a label, told by its structure (河北省宁晋县城关镇东街12号): the county is kept."""
    county = draw(st.sampled_from(("河北省宁晋县", "邢台市新河县", "宁晋县")))
    town = draw(st.sampled_from(("凤凰镇", "城关镇", "贾家口镇", "东汪乡")))
    street = draw(st.sampled_from(("东街", "西城村", "花园路", "幸福小区")))
    house = draw(st.sampled_from(("12号", "", "12号-501", "3号楼2单元")))
    return county + town + street + house, [town + street, street + house if house else town + street], []


@st.composite
def accounts(draw):
    """Account and document numbers after their label (微信号, QQ号, 护照号) and licence plates (冀E·12345)."""
    if draw(st.booleans()):
        plate = draw(st.sampled_from(("冀E", "京A", "粤B"))) + draw(st.sampled_from(("", "·", " "))) + \
            f"{draw(st.integers(10000, 99999))}"
        label = draw(st.sampled_from(("车牌号", "车牌号码：", "驾驶", "")))
        return label + plate + "；", [plate, plate[-5:]], []
    value = draw(st.sampled_from((f"zhangsan_{draw(st.integers(1950, 2009))}", f"wxid_{draw(st.integers(10**6, 10**9))}",
                                  str(draw(st.integers(10**5, 10**10))), f"E{draw(st.integers(10**7, 10**8 - 1))}")))
    label = draw(st.sampled_from(("微信号", "微信：", "QQ号", "QQ：", "护照号", "护照号码：", "港澳通行证号")))
    return label + value + "；", [value], []


@st.composite
def health_data(draw):
    condition = draw(st.sampled_from(("糖尿病", "高血压", "精神分裂症", "肺结核", "乳腺癌", "抑郁症", "轻度抑郁",
                                      "脑溢血")))
    if draw(st.booleans()):  # a condition no list names, up to the end of its clause
        rare = draw(st.sampled_from(("某种罕见遗传疾患", "渐冻人症状", "轻度认知减退")))
        end = draw(st.sampled_from(("，", "。", "；")))
        return f"{draw(st.sampled_from(('患有', '被诊断为', '确诊为')))}{rare}{end}", [rare], []
    written = draw(st.sampled_from((f"患有{condition}", f"被诊断为{condition}", f"确诊{condition}",
                                     "系艾滋病病毒感染者", "已怀孕", f"有{condition}病史", "系聋哑人", "系盲人")))
    secret = next(t for t in (condition, "艾滋病", "怀孕", "聋哑", "盲人") if t in written)
    return written, [secret], []


@st.composite
def religious_data(draw):
    written = draw(st.sampled_from(("信仰佛教", "信奉伊斯兰教", "皈依天主教", "系阿訇", "任神父", "系居士", "为基督徒",
                                     "系穆斯林", "任牧师", "系修女", "系道士", "系佛教徒", "是天主教信徒", "宗教信仰：道教",
                                     "信仰伊斯兰", "系信佛", "系信教", "任住持", "任方丈", "系法师", "为禅师")))
    if written in ("系信佛", "系信教"):
        return written, [written[1:]], []
    secret = re.sub(r"^(系|任|为|是|信仰|信奉|皈依|宗教信仰：)", "", written)
    return written, [secret], []


MINOR_NAMES = ("王小明", "李小华", "张小红", "刘洋洋")


@st.composite
def minors(draw):
    name = draw(st.sampled_from(MINOR_NAMES))
    number = draw(st.integers(1, 17))
    age = draw(st.sampled_from((str(number), full_width(str(number)), chinese_number(number))))
    label = draw(st.sampled_from(("未成年人", "其子", "其女", "学生", "儿童")))
    written = draw(st.sampled_from((f"{label}{name}（{age}岁）", f"{label}{name}（{age}周岁）", f"未成年人{name}，",
                                     f"年仅{age}岁", f"时年{age}周岁")))
    secrets = [s for s in (name, f"{age}岁", f"{age}周岁") if s in written]
    return written, secrets, []


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals (十五, 三十五)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


@st.composite
def adult_ages(draw) -> str:
    """An adult's age or a threshold of the law, which are not masked (三十五岁, 未满十八周岁)."""
    number = draw(st.integers(18, 99))
    age = draw(st.sampled_from((str(number), full_width(str(number)), chinese_number(number))))
    return draw(st.sampled_from((f"{age}岁", f"{age}周岁", f"年满{age}周岁", "未满十八周岁", "不满十四周岁",
                                 "已满十四周岁不满十八周岁", "十四周岁以上", "十六周岁以下")))


THIRD_PARTIES = ("李四海", "欧阳明华", "赵敏", "孙大圣")


@st.composite
def other_persons(draw):
    name = draw(st.sampled_from(THIRD_PARTIES))
    written = draw(st.sampled_from((name, name, " ".join(name), "\u3000".join(name))))  # also 李 四 海
    return draw(st.sampled_from(("证人", "举报人", "", "在场人员"))) + written, [name, written], [name]


KINDS = {"id_number": id_numbers(), "mobile": mobiles(), "landline": landlines(), "email": emails(),
         "account": accounts(),
         "bank_account": bank_accounts(), "address": addresses(), "health": health_data(),
         "religion": religious_data(), "minor": minors(), "name": other_persons()}


def days_ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()

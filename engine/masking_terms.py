"""The word lists the masking rules are built from (OGI 15, APL 50, PIPL 28): data, not code.

Each tuple is a list of plain terms (longest-first ordering is done by :func:`alternation`);
a term that needs context to be sensitive (主教 not inside 天主教) carries its guard in
``GUARDED_TERMS``. :data:`FOLD` folds the ways people type the same character (full-width
ASCII, the ideographic space, no-break and zero-width spaces, Unicode dashes) to plain ASCII,
one character for one character, so a match on the folded text maps back to the same span of
the original.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

#: full-width ASCII (U+FF01–FF5E) and the odd spaces and dashes -> ASCII, one character each
FOLD: dict[int, int] = {
    **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)},
    **{code: 0x20 for code in (0x3000, 0x00A0, 0x1680, 0x202F, 0x205F, 0xFEFF, *range(0x2000, 0x200C))},
    **{code: 0x2D for code in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)},
}

#: characters a masking rule's replacement may use (a bureau rule may write 某 for a name)
MASK_CHARS = "*＊×■●某"
#: characters the publicity officer masks with by hand: none of them reads as a word (某 does: 某予 is not 不予),
#: so a hand mask never changes what the text says; 某 is kept only where the service's own preview has it
OFFICER_MASK_CHARS = "*＊×■●"

#: digits written as Chinese numerals, one character each (一三九…, 壹叁玖…, 幺 for 一 in phone numbers)
CHINESE_DIGITS: dict[int, int] = {ord(ch): ord(str(value)) for value, chars in enumerate(
    ("零〇", "一壹幺", "二贰", "三叁", "四肆", "五伍", "六陆", "七柒", "八捌", "九玖")) for ch in chars}
#: characters people put between the groups of an ID number (after folding): spaces, tab, line breaks, - . / _
ID_SEPARATORS = " \t\r\n-./_"

COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 令狐 端木 独孤 南宫 西门 呼延 "
    "轩辕 万俟 澹台 公冶 太史 申屠 钟离 闻人 赫连 拓跋 百里 东郭 第五".split()
)

#: the units an address is made of; an address is a run of "<name><unit>" parts
ADDRESS_UNITS = tuple("特别行政区 自治区 自治州 自治县 街道办事处 办事处 居委会 村委会 街道 社区 小区 花园 公寓 大厦 胡同 "
                      "单元 号院 号楼 大街 大道 省 市 州 盟 县 区 旗 镇 乡 村 组 屯 庄 苑 路 街 巷 弄 号 栋 幢 座 楼 层 室".split())
#: words that introduce an address (家住, 现住, 户籍地, 住所, 住址, 现居, 家在, 户籍：…)
ADDRESS_LABELS = tuple("家庭住址 家庭地址 现住址 现居住地 现居住在 现居住于 现居于 现居 现住 家住 居住地 居住在 居住于 住在 暂住 "
                       "寄住 租住在 租住于 租住 户籍所在地 户口所在地 户籍地 户籍 户口 经常居住地 住所地 住所 住址 住处 居所 "
                       "联系地址 通讯地址 通信地址 送达地址 地址".split())
#: labels that are also ordinary words after some characters (国家在…, 大家在…)
GUARDED_ADDRESS_LABELS = (r"(?<![国大专作商厂店买卖行玩])家在",)

#: words that name a minor when followed by a name and an age under 18
MINOR_LABELS = tuple("未成年人 未成年学生 未成年 中学生 小学生 在校学生 学生 少年 儿童 幼儿 其子 其女 之子 之女 孙子 孙女 "
                     "外孙女 外孙 孩子 男孩 女孩".split())
#: words before an age that state a person's age (年仅十五岁); 年满/未满/不满 are thresholds of the law
AGE_PREFIXES = ("年仅", "时年", "现年", "年方", "仅")

#: religions, with and without 教 (信仰伊斯兰, 信仰伊斯兰教)
RELIGIONS = tuple("藏传佛教 汉传佛教 南传佛教 佛教 道教 伊斯兰教 伊斯兰 天主教 基督教 东正教 基督 耶稣 真主 佛祖 佛".split())
#: verbs of belief followed by a religion (信仰佛教, 皈依天主教)
BELIEF_VERBS = ("信仰", "信奉", "皈依", "改信", "笃信", "虔信", "崇信")
#: short forms with 信 (信佛, 信教, 信主): not after characters that make 信 another word (征信, 诚信…)
SHORT_BELIEFS = tuple("佛教 佛 教 主 真主 耶稣 基督教 基督 天主教 伊斯兰教 伊斯兰 道教".split())
NOT_BELIEF_BEFORE = "征诚通资短书来回电自确相威互失守坚迷著公私复密家"
#: clergy and believers (PIPL 28)
CLERGY_AND_BELIEVERS = tuple(
    "阿訇 伊玛目 毛拉 海里凡 满拉 神父 神甫 司铎 修女 修士 牧师 传道员 传道人 僧人 僧侣 和尚 尼姑 比丘尼 比丘 沙弥 活佛 "
    "道士 道姑 道长 居士 基督徒 教徒 信徒 信众 教友 慕道友 穆斯林 信教群众 住持 方丈 法师 禅师 监院 堪布 格西 仁波切 "
    "喇嘛".split())
#: terms that are clergy only in context: 主教 not inside 天主教, 喇嘛 not in a temple's name
GUARDED_TERMS = {"主教": r"(?<!天)主教", "喇嘛": r"喇嘛(?![庙寺])"}

#: verbs that introduce a diagnosis; the diagnosis runs to its disease word or, failing that, to the clause end
DIAGNOSIS_VERBS = ("患有", "罹患", "患上", "身患", "被诊断为", "被诊断出", "诊断为", "诊断出", "被确诊为", "确诊为", "确诊")
HISTORY_LABELS = (r"病史[:：]?", r"既往史[:：]?")
DISEASE_SUFFIXES = tuple("综合征 障碍 感染 残疾 损伤 骨折 中风 瘫痪 阳性 肝炎 结核 溢血 梗塞 梗死 衰竭 痴呆 抑郁 焦虑 "
                         "病 症 炎 癌 瘤".split())
HEALTH_TERMS = tuple(
    "高血压 糖尿病 冠心病 心脏病 脑梗死 脑梗 脑出血 脑溢血 哮喘 乳腺癌 肺癌 肝癌 胃癌 肿瘤 传染病 精神疾病 艾滋病病毒 "
    "艾滋病 HIV 乙型肝炎 乙肝 丙肝 梅毒 肺结核 精神分裂症 精神病 抑郁症 抑郁 焦虑症 双相情感障碍 癫痫 癌症 白血病 "
    "阿尔茨海默病 老年痴呆 自闭症 孤独症 智力残疾 肢体残疾 视力残疾 听力残疾 言语残疾 精神残疾 残疾人 残疾 聋哑人 聋哑 "
    "盲人 失明 偏瘫 智障 怀孕 孕妇 流产".split())

#: words that introduce a phone number however short (联系方式：88886666)
CONTACT_LABELS = tuple("联系电话号码 联系电话 办公电话 固定电话 家庭电话 住宅电话 值班电话 电话号码 电话 手机号码 手机号 手机 "
                       "座机 传真 联系方式 联系号码 Tel TEL tel Phone phone".split())
#: labels of personal account and document numbers (PIPL 28: 微信号, QQ号, 护照号, 车牌号…); the value after them is masked
ACCOUNT_LABELS = tuple("微信号码 微信账号 微信号 微信 WeChat wechat QQ号码 QQ号 QQ qq号 qq 护照号码 护照号 护照 港澳通行证号码 "
                       "港澳通行证号 港澳通行证 台胞证号 通行证号码 通行证号 驾驶证号码 驾驶证号 驾驶证 车牌号码 车牌号 车牌 "
                       "社保卡号 医保卡号 社会保障号码 军官证号 士兵证号".split())
#: the provinces' one-character abbreviations that start a licence plate (冀E12345, 冀E·12345)
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳使领"
#: words that start a sentence before a place name without being part of it (在河北省…, 于城关镇…)
NOT_PLACE_START = "在于住到至从系为是的及和与其位居往赴经向自去来"
#: Chinese top-level domains (例子.中国)
IDN_TLDS = tuple("中国 中國 公司 网络 網絡 在线 商城 集团 政务 公益 网址 网店 手机 信息 香港 台湾 台灣 澳门".split())
#: words that introduce an e-mail address written with a Chinese local part (电子邮箱李大为@163.com)
EMAIL_LABELS = tuple("电子邮箱地址 电子邮箱 电子邮件地址 电子邮件 邮箱地址 邮件地址 邮箱 邮件 邮址".split())


def alternation(terms: Iterable[str], escape: bool = True) -> str:
    """A regex alternation of ``terms``, longest first (so 佛教徒 is not cut at 佛教)."""
    ordered = sorted(set(terms), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(t) if escape else t for t in ordered) + ")"

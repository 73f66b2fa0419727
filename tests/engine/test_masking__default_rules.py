"""The default rules mask what OGI 15 / APL 50 / PIPL 28 forbid publishing."""

from __future__ import annotations

import pytest

from engine.masking import DEFAULT_RULES, find_sensitive, mask_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号码130528198501011234，", "身份证号码130*************34，"),
        ("公民身份号码：13052819850101123X。", "公民身份号码：130*************3X。"),
        ("联系电话13812345678。", "联系电话138****5678。"),
        ("手机：138-1234-5678；", "手机：138****5678；"),
        ("电话0319-5812345，", "电话0319-********，"),
        ("电话（0319）5812345。", "电话（0319）********。"),
        ("开户账号6222020012345678901，", "开户账号************8901，"),
        ("卡号6222 0200 1234 5678。", "卡号************5678。"),
        ("邮箱zhangsan.li@example.com.cn。", "邮箱z***@example.com.cn。"),
        ("家庭住址：河北省宁晋县凤凰镇某村12号；", "家庭住址：***；"),
        ("住址河北省宁晋县某街，", "住址***，"),
        ("送达地址：宁晋县东大街1号。", "送达地址：***。"),
        ("男，汉族，住河北省宁晋县凤凰镇某村，", "男，汉族，住***，"),
        ("张某，信仰佛教，", "张某，信仰***，"),
        ("宗教信仰：伊斯兰教。", "宗教信仰：***。"),
        ("其系天主教信徒，", "其系***，"),
        ("证人为基督徒。", "证人为***。"),
    ],
)
def test_each_default_rule_masks_its_data(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "宁民宗罚〔2024〕3号：宁晋县佛教协会未经批准举办大型宗教活动，依据《宗教事务条例》第六十四条，罚款100000元。",
        "宗教信仰自由受法律保护。当事人已签收《送达地址确认书》。",
        "其住院期间在县医院治疗，于2024-10-08 2024-10-09两日接受询问。",
        "宗教活动场所登记证编号：冀宗登字（2019）第0012号，统一社会信用代码91130528MA0A1B2C3D。",
        "",
    ],
)
def test_text_without_sensitive_data_is_unchanged(text):
    assert mask_text(text) == text
    assert find_sensitive(text) == []


def test_invalid_id_number_is_not_taken_for_an_id():
    # month 13: not an ID; 18 digits fall to the bank-card rule instead
    assert find_sensitive("号码130528198513011234，")[0][0] == "bank_card"


def test_id_number_wins_over_bank_card():
    assert [rule for rule, _, _ in find_sensitive("130528198501011234")] == ["id_number"]


def test_find_sensitive_reports_spans_in_text_order():
    text = "张某，电话13812345678，家庭住址：宁晋县某村，信仰道教。"
    found = find_sensitive(text)
    assert [rule for rule, _, _ in found] == ["mobile", "address", "religious_belief"]
    assert [text[start:end] for _, start, end in found] == ["13812345678", "家庭住址：宁晋县某村", "信仰道教"]


def test_a_whole_decision_is_masked_and_the_rest_kept():
    text = (
        "当事人：张三，男，身份证号130528198501011234，住河北省宁晋县凤凰镇某村，"
        "电话13812345678。证人李四丰系佛教徒。经查，当事人未经批准组织宗教培训。"
    )
    masked = mask_text(text, names=["李四丰"])
    assert masked == (
        "当事人：张三，男，身份证号130*************34，住***，"
        "电话138****5678。证人李某某系***。经查，当事人未经批准组织宗教培训。"
    )


def test_rules_can_be_narrowed():
    only_phone = [r for r in DEFAULT_RULES if r.name == "mobile"]
    assert mask_text("电话13812345678，信仰佛教", only_phone) == "电话138****5678，信仰佛教"


def test_two_items_written_together_leave_no_digits_in_the_clear__OGI_15():
    """A 15-digit ID run into a landline: the card rule takes the ID and the area code, the local number that
    touches the mask is masked too (found by fuzzing the published fields)."""
    from engine.masking import mask_text

    masked = mask_text("身份证号130528000101000" + "0319-2000000")
    assert "2000000" not in masked and "130528000101000" not in masked
    assert mask_text("决定书编号宁民宗罚〔2026〕12345号") == "决定书编号宁民宗罚〔2026〕12345号"

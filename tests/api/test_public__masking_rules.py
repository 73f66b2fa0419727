"""Masking before publication is configuration (OGI 15, APL 50, PIPL 28): names of other natural
persons are masked, the bureau's masking rules are a versioned setting (on top of the statutory
defaults, which a setting cannot drop), and the party's name is shown one way everywhere, by a setting."""
from __future__ import annotations

import uuid

from tests.api.disclosure_support import decided, published
from tests.api.walk import instance_data


def _disclosure(http, **extra) -> dict:
    iid, _ = decided(http, party_type="organisation", party_name="某寺管理组织", party_id_number="52130528MJ0000009X",
                     decision_text="经查，证人李四海（电话13812345678）证实……", legal_basis="《宗教事务条例》第六十五条",
                     **extra)
    return instance_data(http, iid)


def test_other_natural_persons_are_masked_by_name__OGI_15(http):
    masked = _disclosure(http, third_party_names="李四海")["masked_text"]
    assert "李四海" not in masked and "李某某" in masked
    assert "13812345678" not in masked
    assert "李四海" in _disclosure(http)["masked_text"]  # not named: the default rules cannot know it


def test_masking_rules_are_a_versioned_setting(http):
    url = "/api/v1/settings/masking_rules"
    rules = http.call("GET", url, "owner1").get_json()["value"]
    assert http.call("PUT", url, "owner1", json={"value": [{"name": "x", "pattern": "("}]}).status_code == 422
    extra = {"name": "witness", "pattern": "证人", "replacement": "**", "description": "test"}
    assert http.call("PUT", url, "owner1", json={"value": [*rules, extra]}).status_code == 200
    try:
        assert "证人" not in _disclosure(http)["masked_text"]
    finally:
        http.call("PUT", url, "owner1", json={"value": rules})
    assert "证人" in _disclosure(http)["masked_text"]


def test_a_setting_cannot_drop_the_statutory_rules__PIPL_28(http):
    url = "/api/v1/settings/masking_rules"
    rules = http.call("GET", url, "owner1").get_json()["value"]
    assert http.call("PUT", url, "owner1", json={"value": []}).status_code == 200
    try:
        token = uuid.uuid4().hex[:8]
        item = published(http, case_title=f"空规则{token}", facts="当事人电话13812345678。")
        assert "13812345678" not in str(item) and "138****5678" in item["facts"]
    finally:
        http.call("PUT", url, "owner1", json={"value": rules})


def test_the_party_is_named_the_same_way_in_every_field_by_a_setting__APL_59(http):
    token = uuid.uuid4().hex[:8]
    fields = {"case_title": f"张三丰未经批准举办活动案{token}", "party_name": "张三丰",
              "facts": "张三丰组织活动。", "decision_text": "对张三丰给予警告。"}
    item = published(http, **fields)
    assert item["party"] == "张某某"
    shown = " ".join(str(item[k]) for k in ("title", "facts", "masked_text", "party"))
    assert "张三丰" not in shown and item["title"].startswith("张某某") and "张某某组织活动" in item["facts"]
    url = "/api/v1/settings/party_name_display"
    assert http.call("PUT", url, "owner1", json={"value": {"person": "nickname"}}).status_code == 422
    assert http.call("PUT", url, "owner1", json={"value": {"person": "surname_single"}}).status_code == 200
    try:
        later = published(http, **{**fields, "case_title": f"张三丰未经批准举办活动案{token}再"})
        assert later["party"] == "张某" and later["title"].startswith("张某未经") and "张某组织活动" in later["facts"]
        # what was published before the change stays as published (append-only), consistent in itself
        assert http.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()["party"] == "张某某"
    finally:
        http.call("PUT", url, "owner1", json={"value": {"person": "surname", "organisation": "full"}})
    org = published(http, party_type="organisation", party_name=f"某某寺管理委员会{token}",
                    facts=f"某某寺管理委员会{token}未经批准举办活动。")
    assert org["party"] == f"某某寺管理委员会{token}" and org["facts"].startswith(org["party"])


def test_a_bureau_rule_cannot_switch_off_a_statutory_mask__PIPL_28(http):
    """The statutory rules run first and win; a bureau rule only adds masks: one that puts the match back or
    masks nothing is refused, naming the rule, and a statutory rule cannot be redefined."""
    url = "/api/v1/settings/masking_rules"
    rules = http.call("GET", url, "owner1").get_json()["value"]
    hostile = [
        {"name": "keep_numbers", "pattern": r"\d{17}[\dXx]", "replacement": r"\g<0>", "description": "x"},
        {"name": "keep_all", "pattern": r"(?s).+", "replacement": "已核实", "description": "x"},
        {"name": "mobile", "pattern": r"1[3-9]\d{9}", "replacement": r"\g<0>*", "description": "x"},
        {"name": "wrap", "pattern": r"(?P<all>身份证号\S+)", "replacement": r"\g<all>■", "description": "x"},
    ]
    for rule in hostile:
        resp = http.call("PUT", url, "owner1", json={"value": [rule, *rules]})
        assert resp.status_code == 422 and rule["name"] in str(resp.get_json()["errors"]), resp.get_json()
    assert http.call("GET", url, "owner1").get_json()["value"] == rules  # nothing changed
    # a rule that keeps more than the statutory one is accepted, and loses the overlap to it
    keep6 = {"name": "keep6", "pattern": r"(?P<label>身份证号)(?P<head>\d{6})\d+", "replacement": r"\g<label>\g<head>■",
             "description": "x"}
    assert http.call("PUT", url, "owner1", json={"value": [keep6, *rules]}).status_code == 200
    try:
        item = published(http, case_title=f"规则测试{uuid.uuid4().hex[:8]}", facts="当事人身份证号130528198001011234。")
        assert "130528198001011234" not in str(item) and "130*************34" in item["facts"]
    finally:
        http.call("PUT", url, "owner1", json={"value": rules})


def test_an_adult_age_and_the_laws_thresholds_are_published_as_written__OGI_15(http):
    """A mask replaces the sensitive span only: 三十五岁 is an adult, 未满十八周岁 is the law's words."""
    item = published(http, case_title=f"年龄测试{uuid.uuid4().hex[:8]}",
                     facts="当事人张三，三十五岁，雇用年仅１５岁的学生从事活动。",
                     legal_basis="《中华人民共和国行政处罚法》第三十条：不满十四周岁的未成年人有违法行为的，不予行政处罚；"
                                 "未满十八周岁的，从轻处罚。")
    assert "，三十五岁，" in item["facts"] and "１５岁" not in item["facts"] and "年仅***的学生" in item["facts"]
    assert "不满十四周岁的未成年人" in item["legal_basis"] and "未满十八周岁的" in item["legal_basis"]


def test_the_partys_name_written_with_spaces_is_masked_too__APL_59(http):
    token = uuid.uuid4().hex[:8]
    item = published(http, case_title=f"张 三未经批准举办活动案{token}", facts="张\u3000三组织活动，张三签字。")
    shown = " ".join(str(item[k]) for k in ("title", "facts", "masked_text", "party"))
    assert "张 三" not in shown and "张\u3000三" not in shown and "张三" not in shown
    assert item["title"].startswith("张某未经") and item["facts"] == "张某组织活动，张某签字。"

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

"""Masking before publication is configuration (OGI 15, APL 50, PIPL 28): names of other natural
persons are masked, and the bureau's masking rules are a versioned setting."""
from __future__ import annotations

from tests.api.walk import instance_data, today


def _disclosure(http, **extra) -> dict:
    number = f"宁民宗罚〔2026〕M{extra.pop('n', 0)}号"
    data = {"case_title": "掩码测试案", "party_type": "organisation", "party_name": "某寺管理组织",
            "party_id_number": "52130528MJ0000009X", "act_type": "penalty", "decision": "approve",
            "decision_text": "经查，证人李四海（电话13812345678）证实……", "decision_number": number,
            "legal_basis": "《宗教事务条例》第六十五条", "decision_date": today(), **extra}
    iid = http.start("disclosure", data)["id"]
    return instance_data(http, iid)


def test_other_natural_persons_are_masked_by_name__OGI_15(http):
    masked = _disclosure(http, n=1, third_party_names="李四海")["masked_text"]
    assert "李四海" not in masked and "李某某" in masked
    assert "13812345678" not in masked
    assert "李四海" in _disclosure(http, n=2)["masked_text"]  # not named: the default rules cannot know it


def test_masking_rules_are_a_versioned_setting(http):
    url = "/api/v1/settings/masking_rules"
    rules = http.call("GET", url, "owner1").get_json()["value"]
    assert http.call("PUT", url, "owner1", json={"value": [{"name": "x", "pattern": "("}]}).status_code == 422
    extra = {"name": "witness", "pattern": "证人", "replacement": "**", "description": "test"}
    assert http.call("PUT", url, "owner1", json={"value": [*rules, extra]}).status_code == 200
    try:
        assert "证人" not in _disclosure(http, n=3)["masked_text"]
    finally:
        http.call("PUT", url, "owner1", json={"value": rules})
    assert "证人" in _disclosure(http, n=4)["masked_text"]

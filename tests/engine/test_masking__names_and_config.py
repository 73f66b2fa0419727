"""Third persons' names become surname + 某; rules come from checked configuration."""

from __future__ import annotations

import pytest

from engine.masking import MaskingRule, find_sensitive, mask_text, rules_from_config


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张某某"),
        ("李四", "李某"),
        ("欧阳明华", "欧阳某某"),
        ("司马光", "司马某"),
        ("John Smith", "某某"),
    ],
)
def test_names_become_surname_and_mou(name, masked):
    assert mask_text(f"证人{name}到场。", names=[name]) == f"证人{masked}到场。"


def test_every_occurrence_and_longest_name_first():
    text = "张三丰与张三均在场，张三丰签字。"
    assert mask_text(text, names=["张三", "张三丰"]) == "张某某与张某均在场，张某某签字。"


def test_names_are_reported_to_the_reviewer():
    assert find_sensitive("证人王五在场", names=["王五"]) == [("name", 2, 4)]


def test_blank_names_are_ignored_and_one_character_names_refused():
    assert mask_text("王五在场", names=["", "  "]) == "王五在场"
    with pytest.raises(ValueError, match="2 characters"):
        mask_text("王五在场", names=["王"])


def test_rules_from_config_builds_working_rules():
    rules = rules_from_config(
        [
            {"name": "plate", "pattern": r"冀[A-Z][A-Z0-9]{5}", "replacement": "冀*****"},
            {
                "name": "minor",
                "pattern": r"(?P<who>未成年人)\S{2,3}",
                "replacement": r"\g<who>某",
                "description": "APL",
            },
        ]
    )
    assert [r.name for r in rules] == ["plate", "minor"]
    assert mask_text("车牌冀E12345，未成年人王小明到场", rules) == "车牌冀*****，未成年人某到场"


def test_bad_regex_names_the_rule():
    with pytest.raises(ValueError, match="'broken'.*bad regex"):
        rules_from_config([{"name": "broken", "pattern": "([", "replacement": "*"}])


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"name": "r", "pattern": "a"}, "missing"),
        ({"name": "r", "pattern": "a", "replacement": "*", "flags": "i"}, "unknown"),
        ({"name": "r", "pattern": "(a)", "replacement": r"\g<nope>"}, "missing group"),
        ({"name": "r", "pattern": "(a)", "replacement": r"\2"}, "missing group"),
        ({"name": "r", "pattern": "a", "replacement": ""}, "replacement"),
        ({"name": "", "pattern": "a", "replacement": "*"}, "name"),
        ("not a dict", "object"),
    ],
)
def test_bad_config_is_refused(item, fragment):
    with pytest.raises(ValueError, match=fragment):
        rules_from_config([item])


def test_rule_is_frozen_configuration():
    rule = MaskingRule("x", "a", "*")
    with pytest.raises(AttributeError):
        rule.pattern = "b"  # type: ignore[misc]

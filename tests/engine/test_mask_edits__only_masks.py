"""The publicity officer's edits only mask the original (OGI 37): spans replaced by mask characters, whole lines
dropped; nothing added, changed, reordered or hidden behind a star that hides nothing."""
from __future__ import annotations

import pytest

from engine.mask_edits import edit_problem

ORIGINAL = "行政执法决定公示\n当事人：张三\n决定内容：给予警告。\n法律依据：《宗教事务条例》第七十一条"


@pytest.mark.parametrize("edited", [
    ORIGINAL,
    ORIGINAL.replace("张三", "张*"),
    ORIGINAL.replace("七十一", "***"),
    ORIGINAL.replace("法律依据：《宗教事务条例》第七十一条", ""),  # a whole line dropped
    ORIGINAL.replace("当事人：张三", "当事人：■■").replace("：", ":") + "\n\n",  # full width and blank lines
])
def test_masking_and_dropping_lines_is_accepted__OGI_37(edited):
    assert edit_problem(ORIGINAL, edited) is None


@pytest.mark.parametrize("edited", [
    ORIGINAL.replace("给予警告", "罚款壹佰万元"),  # changed
    ORIGINAL + "\n并吊销登记证。",  # added
    ORIGINAL.replace("警告", "警■告"),  # a star hiding nothing
    ORIGINAL.replace("给予警告。", "警告给予。"),  # reordered
    "\n".join(reversed(ORIGINAL.split("\n"))),  # lines reordered
    ORIGINAL.replace("给予", ""),  # part of a line deleted without a mask
])
def test_any_other_edit_is_refused_naming_the_line__OGI_37(edited):
    problem = edit_problem(ORIGINAL, edited)
    assert problem and problem.startswith("line ") and "only mask spans of the original" in problem


def test_the_services_own_masking_counts_as_the_original():
    masked = "行政执法决定公示\n当事人：某单位\n决定内容：给予警告。"
    original = "行政执法决定公示\n当事人：宁晋县某寺管理组织\n决定内容：给予警告。"
    assert edit_problem(original, masked) is not None  # 单位 is not in the original
    assert edit_problem(original, masked, alternatives=(masked,)) is None


@pytest.mark.parametrize("mask", ["某", "某某"])
def test_a_hand_mask_cannot_be_a_word__OGI_37(mask):
    """某 reads as a word (某予 for 不予 turns no penalty into some penalty): the officer masks with *, ＊, ×, ■, ●."""
    original = "决定内容：对当事人不予行政处罚。"
    assert edit_problem(original, original.replace("不", mask)) is not None
    assert edit_problem(original, original.replace("不", "*")) is None
    assert edit_problem(ORIGINAL, ORIGINAL.replace("张三", "张某")) is not None


def test_mou_stands_where_the_services_preview_has_it__OGI_37():
    preview = ORIGINAL.replace("张三", "张某")
    assert edit_problem(ORIGINAL, preview, alternatives=(preview,)) is None
    assert edit_problem(ORIGINAL, preview.replace("给予警告", "给予**"), alternatives=(preview,)) is None
    assert edit_problem(ORIGINAL, preview.replace("给予", "某予"), alternatives=(preview,)) is not None

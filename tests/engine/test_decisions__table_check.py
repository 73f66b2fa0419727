"""engine.dmn_check: overlaps (UNIQUE) and numeric gaps; engine.decisions: no matching row."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.decisions import NO_ROW_MATCHED, NoMatchingRow, evaluate, parse_decision
from engine.dmn_check import check_tables
from engine.errors import ErrorBag
from engine.scripting import make_script_engine

ROOT = Path(__file__).resolve().parents[2]


def _table(rows: list[tuple[str, str, str]], outputs: str = "is_major", hit: str = "UNIQUE") -> bytes:
    """rows: (rule id, party cell, amount cell)."""
    rules = "\n".join(
        f'<rule id="{rid}"><inputEntry id="{rid}_a"><text>{a}</text></inputEntry>'
        f'<inputEntry id="{rid}_b"><text>{b}</text></inputEntry>'
        f'<outputEntry id="{rid}_o"><text>True</text></outputEntry></rule>' for rid, a, b in rows)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="t" namespace="x">
<decision id="probe" name="t"><decisionTable id="tbl" hitPolicy="{hit}">
<input id="i1"><inputExpression id="e1" typeRef="string"><text>party_type</text></inputExpression></input>
<input id="i2"><inputExpression id="e2" typeRef="number"><text>(amount or 0)</text></inputExpression></input>
<output id="o1" name="{outputs}" typeRef="boolean"/>
{rules}
</decisionTable></decision></definitions>""".encode()


def _problems(content: bytes) -> list:
    bag = ErrorBag()
    check_tables(None, "t.dmn", etree.ElementTree(etree.fromstring(content)), bag)
    return bag.problems


def test_shipped_catalogue_has_no_overlap_or_gap__APL_58():
    content = (ROOT / "processes" / "major_decision.dmn").read_bytes()
    assert _problems(content) == []


def test_overlap_is_named_with_both_rules():
    problems = _problems(_table([("r1", '"person"', "&lt; 100"), ("r2", "-", "&gt;= 50")]))
    assert len(problems) == 1 and "r1" in problems[0].message and problems[0].element_id == "r2"
    assert problems[0].line == 8 and "line 7" in problems[0].message  # r1 on line 7, r2 on line 8


def test_overlap_is_allowed_under_collect():
    assert _problems(_table([("r1", "-", "-"), ("r2", "-", "-")], hit="COLLECT")) == []


def test_gap_between_ranges_is_named_per_combination():
    problems = _problems(_table([("low", '"person"', "0 &lt;= ? &lt;= 9999"), ("high", '"person"', "&gt;= 10001"),
                                 ("org", '? != "person"', "-")]))
    assert len(problems) == 1
    assert "(9999, 10001)" in problems[0].message and '"person"' in problems[0].message


def test_point_gap_and_cells_not_understood():
    problems = _problems(_table([("lt", "-", "&lt; 100"), ("gt", "-", "&gt; 100")]))
    assert len(problems) == 1 and "= 100" in problems[0].message
    # a cell calling a function cannot be analysed: a problem under UNIQUE, naming the rule and its line
    problems = _problems(_table([("lt", "-", "&lt; 100"), ("gt", "-", "? &gt; float(100)")]))
    assert [(p.element_id, p.line) for p in problems] == [("gt", 8)] and "cannot be checked" in problems[0].message
    # under FIRST the row order decides: nothing is reported for it
    assert _problems(_table([("lt", "-", "&lt; 100"), ("gt", "-", "? &gt; float(100)")], hit="FIRST")) == []


def test_arithmetic_on_literals_is_folded__APL_58():
    problems = _problems(_table([("low", "-", "&lt; 10 * 1000"), ("high", "-", "&gt;= 5000")]))
    assert len(problems) == 1 and "overlap" in problems[0].message and "5000" in problems[0].message
    assert _problems(_table([("low", "-", "&lt; 10 * 1000"), ("high", "-", "&gt;= 10_000 - 0")])) == []
    # huge powers are not computed: the cell stays unanalysed (a problem under UNIQUE), nothing hangs
    problems = _problems(_table([("low", "-", "&lt; 10 ** 100000"), ("high", "-", "-")]))
    assert any("cannot be checked" in p.message for p in problems)


def test_engine_compares_the_bracketed_input__APL_58():
    # unbracketed, SpiffWorkflow would test "amount or 0 < 10000": true for every non-zero amount
    content = _table([("low", "-", "&lt; 10000"), ("high", "-", "&gt;= 10000")]).replace(
        b"(amount or 0)", b"amount or 0").replace(b'"low_o"><text>True', b'"low_o"><text>False')
    table = parse_decision(content, "t.dmn", "probe")
    engine = make_script_engine()
    assert evaluate(table, {"amount": 50000}, engine)["is_major"] is True
    assert evaluate(table, {"amount": 500}, engine)["is_major"] is False
    assert evaluate(table, {"amount": None}, engine)["is_major"] is False


def test_no_matching_row_in_a_catalogue_means_review__APL_58():
    table = parse_decision(_table([("r1", '"person"', "-")]), "t.dmn", "probe")
    result = evaluate(table, {"party_type": "organisation"}, make_script_engine())
    assert result == {"is_major": True, "major_rule": NO_ROW_MATCHED}


def test_no_matching_row_elsewhere_is_a_clear_error():
    table = parse_decision(_table([("r1", '"person"', "-")], outputs="fee"), "t.dmn", "probe")
    with pytest.raises(NoMatchingRow, match="no row matches"):
        evaluate(table, {"party_type": "organisation"}, make_script_engine())

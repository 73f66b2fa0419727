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
    # a cell calling a function is not analysed: no false alarm
    assert _problems(_table([("lt", "-", "&lt; 100"), ("gt", "-", "? &gt; float(100)")])) == []


def test_no_matching_row_in_a_catalogue_means_review__APL_58():
    table = parse_decision(_table([("r1", '"person"', "-")]), "t.dmn", "probe")
    result = evaluate(table, {"party_type": "organisation"}, make_script_engine())
    assert result == {"is_major": True, "major_rule": NO_ROW_MATCHED}


def test_no_matching_row_elsewhere_is_a_clear_error():
    table = parse_decision(_table([("r1", '"person"', "-")], outputs="fee"), "t.dmn", "probe")
    with pytest.raises(NoMatchingRow, match="no row matches"):
        evaluate(table, {"party_type": "organisation"}, make_script_engine())

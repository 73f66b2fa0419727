"""engine.dmn_cells agrees with SpiffWorkflow: a cell is refused at deploy exactly when the engine fails on it
(APL 58: a catalogue that fails on every case strands every case)."""
from __future__ import annotations

import pytest
from lxml import etree

from engine.decisions import evaluate, parse_decision
from engine.dmn_check import check_tables
from engine.errors import ErrorBag
from engine.scripting import make_script_engine


def _table(cell: str, output: str = "True") -> bytes:
    """A FIRST table: the cell under test, then a catch-all row (so "no row matched" never happens)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="t" namespace="x">
<decision id="probe" name="t"><decisionTable id="tbl" hitPolicy="FIRST">
<input id="i1"><inputExpression id="e1" typeRef="number"><text>(amount or 0)</text></inputExpression></input>
<output id="o1" name="flag" typeRef="boolean"/>
<rule id="r1"><inputEntry id="r1_a"><text>{cell}</text></inputEntry>
<outputEntry id="r1_o"><text>{output}</text></outputEntry></rule>
<rule id="r2"><inputEntry id="r2_a"><text>-</text></inputEntry>
<outputEntry id="r2_o"><text>False</text></outputEntry></rule>
</decisionTable></decision></definitions>""".encode()


def _refused(content: bytes) -> bool:
    bag = ErrorBag()
    check_tables(None, "t.dmn", etree.ElementTree(etree.fromstring(content)), bag)
    return bool(bag.problems)


def _engine_fails(content: bytes) -> bool:
    parser = parse_decision(content, "t.dmn", "probe")
    try:
        evaluate(parser, {"amount": 500}, make_script_engine())
    except Exception:  # noqa: BLE001 - any failure of the engine counts
        return True
    return False


@pytest.mark.parametrize("cell", [
    "&lt; 100", "-", "0 &lt;= ? &lt;= 9999", "? &gt;= 0 and ? &lt;= 9999", "in [500, 600]", "500", "10 * 50",
    "[0..9999]", "&gt;= 0 and &lt;= 9999", " - ", "\n&lt; 100", "? &gt; float(100)", "&lt; limit", "]0..10[",
])
def test_a_cell_is_refused_exactly_when_the_engine_fails_on_it__APL_58(cell):
    content = _table(cell)
    assert _refused(content) == _engine_fails(content), cell


@pytest.mark.parametrize("output", ["True", "amount &gt;= 100", "threshold_flag == True", '"minor"'])
def test_an_output_entry_is_refused_exactly_when_the_engine_fails_on_it__APL_58(output):
    content = _table("-", output)
    assert _refused(content) == _engine_fails(content), output

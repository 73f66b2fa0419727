"""A decision table deploys only when SpiffWorkflow can run it on every case and its check is sound (APL 58):
rows compared on ordered strings (ISO dates) are checked in the engine's (lexicographic) order, an
intersection the checker cannot decide is refused under UNIQUE instead of taken for "no overlap", and under
every hit policy a cell the engine cannot run (FEEL ranges, FEEL lists) or a cell or output entry using a
name the table does not read is refused at deploy, naming the rule and its line and saying how to write it."""
from __future__ import annotations

import re
import uuid

from tests.api.helpers import dmn_table as _dmn
from tests.api.helpers import upload
from tests.api.test_decisions__catalogue_cannot_strand import _probe_bpmn

START_KEYS = "party_type,fine_amount,act_date"




def _bpmn(process_id: str, decision_id: str) -> str:
    """The catalogue probe diagram (business-rule task, then minor/major task), started with START_KEYS."""
    text = _probe_bpmn(process_id, decision_id)
    declared = re.sub(r'(<spiffworkflow:property name="startData" value=")[^"]*"', rf'\g<1>{START_KEYS}"', text)
    if declared != text:
        return declared
    return text.replace('isExecutable="true">', 'isExecutable="true">\n    <bpmn:extensionElements>'
                        f'<spiffworkflow:properties><spiffworkflow:property name="startData" value="{START_KEYS}" />'
                        '</spiffworkflow:properties></bpmn:extensionElements>', 1)


def _deploy(http, inputs: list[tuple[str, str]], rows: list[list[str]], policy: str = "UNIQUE"):
    s = uuid.uuid4().hex[:8]
    pid, did = f"cells_probe_{s}", f"cells_cat_{s}"
    text = _dmn(did, inputs, rows, policy)
    resp = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": _bpmn(pid, did).encode(), f"{did}.dmn": text.encode()})
    return pid, text, resp


def _line(text: str, rule_id: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if f'rule id="{rule_id}"' in line)


def _problems(resp) -> list[dict]:
    assert resp.status_code == 400, resp.get_json()
    return resp.get_json()["errors"]["problems"]


def _opened(http, pid: str, data: dict) -> list[str]:
    return [t["element_id"] for t in http.start(pid, data)["tasks"]]


def test_rows_overlapping_on_ordered_string_cells_are_refused__APL_58(http):
    # ISO dates as text: both rows match every date from 2026-01-02 to 2026-06-30
    rows = [['&gt; "2026-01-01"', "False"], ['&lt; "2026-07-01"', "True"]]
    _, text, resp = _deploy(http, [("act_date", "string")], rows)
    problems = _problems(resp)
    overlaps = [p for p in problems if "overlap" in p["message"]]
    assert len(overlaps) == 1, problems
    assert overlaps[0]["element_id"] == "r1" and overlaps[0]["line"] == _line(text, "r1")
    assert "r0" in overlaps[0]["message"] and str(_line(text, "r0")) in overlaps[0]["message"]
    assert '"2026-01-01"' in overlaps[0]["message"] and '"2026-07-01"' in overlaps[0]["message"]


def test_ordered_string_rows_that_exclude_each_other_deploy_and_run_as_written__APL_58(http):
    rows = [['&lt; "2026-07-01"', "True"], ['&gt;= "2026-07-01"', "False"]]
    pid, _, resp = _deploy(http, [("act_date", "string")], rows)
    assert resp.status_code == 201, resp.get_json()
    assert _opened(http, pid, {"act_date": "2026-03-01"}) == ["task_review"]
    assert _opened(http, pid, {"act_date": "2026-09-01"}) == ["task_minor"]


def test_a_gap_between_ordered_string_rows_is_refused__APL_58(http):
    rows = [['&lt; "2026-07-01"', "True"], ['&gt; "2026-07-01"', "False"]]
    _, text, resp = _deploy(http, [("act_date", "string")], rows)
    gaps = [p for p in _problems(resp) if "no row" in p["message"]]
    assert len(gaps) == 1 and '= "2026-07-01"' in gaps[0]["message"], gaps
    assert gaps[0]["line"] in (_line(text, "r0"), _line(text, "r1"))


def test_an_intersection_the_checker_cannot_decide_is_refused_not_taken_for_no_overlap__APL_58(http):
    # a fine of None: the first row matches, the second fails comparing None with a number (every such case 422)
    rows = [["None", "True"], ["&lt; 10000", "False"], ["&gt;= 10000", "True"]]
    _, text, resp = _deploy(http, [("fine_amount", "number")], rows)
    problems = _problems(resp)
    undecided = [p for p in problems if "cannot be decided" in p["message"]]
    assert {p["element_id"] for p in undecided} == {"r1", "r2"}, problems
    first = next(p for p in undecided if p["element_id"] == "r1")
    assert "r0" in first["message"] and first["line"] == _line(text, "r1") and "fine_amount" in first["message"]


def test_a_feel_range_is_refused_under_every_hit_policy_saying_how_to_write_it__APL_58(http):
    for policy in ("FIRST", "UNIQUE", "COLLECT"):
        rows = [["[0..9999]", "False"], ["&gt;= 10000", "True"]]
        _, text, resp = _deploy(http, [("(fine_amount or 0)", "number")], rows, policy)
        problems = _problems(resp)
        assert [(p["element_id"], p["line"]) for p in problems] == [("r0", _line(text, "r0"))], problems
        assert "0 <= ? <= 9999" in problems[0]["message"] and "[0..9999]" in problems[0]["message"]
    rows = [["&gt;= 0 and &lt;= 9999", "False"], ["&gt;= 10000", "True"]]
    problems = _problems(_deploy(http, [("(fine_amount or 0)", "number")], rows, "FIRST")[2])
    assert len(problems) == 1 and "? >= 0 and ? <= 9999" in problems[0]["message"], problems


def test_the_written_range_deploys_and_runs__APL_58(http):
    rows = [["0 &lt;= ? &lt;= 9999", "False"], ["? &gt; 9999 and ? &lt;= 10 ** 9", "True"]]
    pid, _, resp = _deploy(http, [("(fine_amount or 0)", "number")], rows, "FIRST")
    assert resp.status_code == 201, resp.get_json()
    assert _opened(http, pid, {"fine_amount": 500}) == ["task_minor"]
    assert _opened(http, pid, {"fine_amount": 50000}) == ["task_review"]


def test_a_feel_list_of_values_is_refused__APL_58(http):
    rows = [['"person","organisation"', "False"], ['not in ["person", "organisation"]', "True"]]
    _, text, resp = _deploy(http, [("party_type", "string")], rows, "FIRST")
    problems = _problems(resp)
    assert [p["element_id"] for p in problems] == ["r0"] and 'in ["person","organisation"]' in problems[0]["message"]


def test_an_output_entry_on_a_name_the_table_does_not_read_is_refused__APL_58(http):
    rows = [["&lt; 10000", "threshold_flag == True"], ["&gt;= 10000", "True"]]
    _, text, resp = _deploy(http, [("(fine_amount or 0)", "number")], rows)
    problems = _problems(resp)
    assert [(p["element_id"], p["line"]) for p in problems] == [("r0", _line(text, "r0"))], problems
    assert "threshold_flag" in problems[0]["message"] and "fine_amount" in problems[0]["message"]
    # an output computed from the table's own input is known on every case
    rows = [["&lt; 10000", "fine_amount &gt;= 10000"], ["&gt;= 10000", "True"]]
    pid, _, resp = _deploy(http, [("(fine_amount or 0)", "number")], rows)
    assert resp.status_code == 201, resp.get_json()
    assert _opened(http, pid, {"fine_amount": 500}) == ["task_minor"]


def test_a_cell_on_a_name_the_table_does_not_read_is_refused_under_first__APL_58(http):
    rows = [["&lt; limit_amount", "False"], ["-", "True"]]
    _, text, resp = _deploy(http, [("(fine_amount or 0)", "number")], rows, "FIRST")
    problems = _problems(resp)
    assert [(p["element_id"], p["line"]) for p in problems] == [("r0", _line(text, "r0"))], problems
    assert "limit_amount" in problems[0]["message"]

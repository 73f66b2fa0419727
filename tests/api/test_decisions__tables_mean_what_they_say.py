"""The review catalogue means what it says and is checked whatever its size (APL 58): an input expression is
compared in brackets at run time, overlaps are found pairwise in tables of any size, arithmetic on literals is
folded, a cell that cannot be analysed under UNIQUE is refused naming its rule and line, and a numeric table too
large to check for gaps is refused naming the table and line."""
from __future__ import annotations

import uuid

from tests.api.helpers import dmn_table as _dmn
from tests.api.helpers import upload
from tests.api.test_decisions__catalogue_cannot_strand import _probe_bpmn


def _problems(http, name: str, text: str) -> list[dict]:
    resp = upload(http, "/api/v1/definitions/validate", {name: text.encode()})
    assert resp.status_code == 400, resp.get_json()
    return resp.get_json()["errors"]["problems"]


def test_a_major_fine_goes_to_review_although_the_input_expression_has_no_brackets__APL_58(http):
    s = uuid.uuid4().hex[:8]
    did, pid = f"cat_{s}", f"catproc_{s}"
    text = _dmn(did, [("fine_amount or 0", "number")], [["&lt; 10000", "False"], ["&gt;= 10000", "True"]])
    deployed = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": _probe_bpmn(pid, did).encode(),
                                                    f"{did}.dmn": text.encode()})
    assert deployed.status_code == 201, deployed.get_json()
    for fine, path in ((50000, "task_review"), (10000, "task_review"), (9999, "task_minor"), (None, "task_minor")):
        body = http.start(pid, {"fine_amount": fine})
        assert [t["element_id"] for t in body["tasks"]] == [path], fine


def test_an_overlap_in_a_table_too_large_to_enumerate_is_refused__APL_58(http):
    s = uuid.uuid4().hex[:8]
    n = 18  # 2**18 combinations: more than can be enumerated
    inputs = [(f"b{i} == True", "boolean") for i in range(n)]
    rows = [["-"] * n + ["False"], ["True"] + ["-"] * (n - 1) + ["True"]]
    problems = _problems(http, f"big_{s}.dmn", _dmn(f"big_{s}", inputs, rows))
    assert len(problems) == 1 and "overlap" in problems[0]["message"], problems
    assert problems[0]["element_id"] == "r1" and "r0" in problems[0]["message"]


def test_a_numeric_table_too_large_to_check_for_gaps_is_refused_naming_table_and_line__APL_58(http):
    s = uuid.uuid4().hex[:8]
    n = 17
    inputs = [("(fine_amount or 0)", "number")] + [(f"b{i} == True", "boolean") for i in range(n)]
    rows = [["&lt; 10000"] + ["-"] * n + ["False"], ["&gt;= 10000"] + ["-"] * n + ["True"]]
    text = _dmn(f"wide_{s}", inputs, rows)
    problems = _problems(http, f"wide_{s}.dmn", text)
    assert len(problems) == 1, problems
    assert problems[0]["element_id"] == f"t_wide_{s}"
    assert "split the table" in problems[0]["message"]
    assert problems[0]["line"] == next(i for i, line in enumerate(text.splitlines(), 1) if "<decisionTable" in line)


def test_arithmetic_in_a_cell_is_folded_and_its_overlap_refused__APL_58(http):
    s = uuid.uuid4().hex[:8]
    rows = [["&lt; 10 * 1000", "False"], ["&gt;= 5000", "True"]]
    problems = _problems(http, f"ar_{s}.dmn", _dmn(f"ar_{s}", [("(fine_amount or 0)", "number")], rows))
    assert len(problems) == 1 and "overlap" in problems[0]["message"] and "5000" in problems[0]["message"]
    folded = [["&lt; 10 * 1000", "False"], ["&gt;= 10 * 1000", "True"]]
    ok = upload(http, "/api/v1/definitions/validate",
                {f"ok_{s}.dmn": _dmn(f"ok_{s}", [("(fine_amount or 0)", "number")], folded).encode()})
    assert ok.status_code == 200, ok.get_json()


def test_a_cell_that_cannot_be_analysed_under_unique_is_refused_naming_rule_and_line__APL_58(http):
    s = uuid.uuid4().hex[:8]
    rows = [["? &lt; 10000 or party_type == 'x'", "False"], ["&gt;= 10000", "True"]]
    text = _dmn(f"ov_{s}", [("(fine_amount or 0)", "number")], rows)
    problems = _problems(http, f"ov_{s}.dmn", text)
    assert [p["element_id"] for p in problems] == ["r0"], problems
    assert problems[0]["line"] == next(i for i, line in enumerate(text.splitlines(), 1) if 'rule id="r0"' in line)
    assert "cannot be checked" in problems[0]["message"] and "party_type" in problems[0]["message"]

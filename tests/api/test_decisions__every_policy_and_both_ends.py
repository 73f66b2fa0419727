"""A deployed decision table cannot strand a case through its hit policy or the ends of a range (APL 58;
docs/DOMAIN.md §3.2): SpiffWorkflow 3.2 takes the first matching row under any policy but UNIQUE and
COLLECT, and a value beyond the last row matches nothing."""
from __future__ import annotations

import uuid

from tests.api.helpers import upload
from tests.api.test_decisions__catalogue_cannot_strand import _probe_bpmn


def _dmn(decision_id: str, policy: str, rows: list[tuple[str, str, str]], outputs=("is_major", "major_rule")) -> str:
    body = "".join(f"""
      <rule id="r{i}">
        <inputEntry id="r{i}_in"><text>{cell}</text></inputEntry>
        <outputEntry id="r{i}_o1"><text>{o1}</text></outputEntry>
        <outputEntry id="r{i}_o2"><text>{o2}</text></outputEntry>
      </rule>""" for i, (cell, o1, o2) in enumerate(rows))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_{decision_id}" name="probe"
             namespace="http://sanxiang.example/dmn">
  <decision id="{decision_id}" name="probe">
    <decisionTable id="table_{decision_id}" hitPolicy="{policy}">
      <input id="in_fine" label="罚款">
        <inputExpression id="in_fine_expr" typeRef="number"><text>(fine_amount or 0)</text></inputExpression>
      </input>
      <output id="out1" name="{outputs[0]}" typeRef="boolean"/>
      <output id="out2" name="{outputs[1]}" typeRef="string"/>{body}
    </decisionTable>
  </decision>
</definitions>
"""


def _deploy(http, policy: str, rows, outputs=("is_major", "major_rule")):
    tag = uuid.uuid4().hex[:8]
    pid, did = f"policy_{tag}", f"policy_dec_{tag}"
    bpmn = _probe_bpmn(pid, did).replace("is_major ==", f"{outputs[0]} ==")
    return upload(http, "/api/v1/definitions", {f"{pid}.bpmn": bpmn.encode(), f"{did}.dmn": _dmn(did, policy, rows,
                                                                                                 outputs).encode()})


def test_overlapping_rows_are_refused_under_any_too__APL_58(http):
    resp = _deploy(http, "ANY", [("&lt; 100000", "False", '"not_major"'), ("&gt;= 10000", "True", '"fine_major"')])
    assert resp.status_code == 400, resp.get_json()
    assert any("overlap" in p["message"] and p["element_id"] in ("r0", "r1")
               for p in resp.get_json()["errors"]["problems"])


def test_a_hit_policy_the_engine_does_not_run_is_refused__APL_58(http):
    resp = _deploy(http, "PRIORITY", [("&lt; 10000", "False", '"not_major"'), ("&gt;= 10000", "True", '"major"')])
    assert resp.status_code == 400
    assert "PRIORITY" in resp.get_json()["errors"]["problems"][0]["message"]


def test_a_range_open_above_its_last_row_is_refused__APL_58(http):
    resp = _deploy(http, "UNIQUE", [("&lt; 1000", "False", '"small"'), ("1000 &lt;= ? &lt;= 5000", "True", '"mid"')],
                   outputs=("is_big", "band"))
    assert resp.status_code == 400, resp.get_json()
    assert any("5000" in p["message"] and p["line"] for p in resp.get_json()["errors"]["problems"])


def test_a_table_covering_both_ends_deploys__APL_58(http):
    resp = _deploy(http, "UNIQUE", [("&lt; 1000", "False", '"small"'), ("&gt;= 1000", "True", '"big"')],
                   outputs=("is_big", "band"))
    assert resp.status_code == 201, resp.get_json()

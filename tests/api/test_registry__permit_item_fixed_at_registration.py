"""A permit application keeps the list-of-powers values of its item from registration (rule ``permit_item_fixed``):
an item changed or retired before acceptance changes neither its limit nor what it publishes, an item off the list
is refused (never a silent 20-working-day "decision"), and a forwarded item (RRA 21) is published as the
preliminary opinion whatever ``outcome_label`` an admin or a deployed diagram leaves (docs/DOMAIN.md §5)."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

from tests import cases as c
from tests.api.helpers import upload
from tests.api.test_process__permit_application import ACCEPT, APPLY, SERVICE, _act
from tests.api.test_registry__permit_limits_per_item import APPROVE, REVIEW_APPROVE, _days, _permit_item
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import today

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "processes" / "permit_application.bpmn").read_text()
APPLY_FORM = json.loads((ROOT / "forms" / "permit_apply.form").read_text())
CITY = "设区的市级人民政府宗教事务部门"
FORWARD_LABEL_SCRIPT = """if var("permit_outcome") == "forward":
    opinion = "同意" if decision == "approve" else "不同意"
    forwarded_to = var("forward_to") or "上级宗教事务部门"
    outcome_label = f"初审意见：{opinion}，已转报{forwarded_to}审批（非准予行政许可决定）\""""


def _forward_item(http) -> tuple[str, str]:
    code, key = f"t-{uuid.uuid4().hex[:8]}", f"t_{uuid.uuid4().hex[:8]}"
    _permit_item(http, code, key, time_limit="30日", time_limit_days=30, working_days=False, outcome="forward",
                 forward_to=CITY, name="筹备设立宗教活动场所审核（测试）")
    return code, key


def _variant(http, pid: str, *replacements: tuple[str, str], form: dict | None = None) -> None:
    bpmn = SHIPPED.replace('id="permit_application"', f'id="{pid}"').replace('processRef="permit_application"',
                                                                             f'processRef="{pid}"')
    for old, new in replacements:
        assert old in bpmn
        bpmn = bpmn.replace(old, new)
    files = {f"{pid}.bpmn": bpmn.encode()}
    if form is not None:
        files[f"{form['id']}.form"] = json.dumps(form, ensure_ascii=False).encode()
    resp = upload(http, "/api/v1/definitions", files)
    assert resp.status_code == 201, resp.get_json()


def _published(http, iid: int) -> dict:
    """Decide (approve), serve, release and archive; the case's public record."""
    number = f"宁民宗许〔2026〕{iid}号"
    http.complete(iid, "task_permit_review", REVIEW_APPROVE, "officer1")
    http.complete(iid, "task_permit_decision", {**APPROVE, "decision_number": number}, "head1")
    _act(http, iid, "task_permit_service", {**SERVICE, "service_date": today()})
    http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": _data(http, iid)["masked_text"]},
                  "publicity1")
    http.complete(iid, "task_permit_archive", c.ARCHIVE, "officer1")
    (published,) = http.call("GET", f"/api/v1/public/disclosures?q={number}").get_json()
    return published


def _not_a_grant(text: str) -> bool:
    return "准予行政许可" not in text.replace("非准予行政许可", "")


def test_an_item_changed_or_retired_after_registration_keeps_its_registered_values__permit_item_fixed(http):
    code, key = _forward_item(http)
    iid = http.start("permit_application")["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": key}, "officer1")
    _permit_item(http, code, key, time_limit="15个工作日", time_limit_days=15, working_days=True, outcome="decision")
    _permit_item(http, code, key, retired=True)
    http.complete(iid, "task_permit_accept", ACCEPT, "officer1")
    data = _data(http, iid)
    assert (data["permit_outcome"], data["power_version"], data["decision_due"]) == ("forward", 1, _days(30))
    history = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    submitted = {e["element_id"]: e["data"]["submitted"] for e in history if e["type"] == "task_completed"}
    assert submitted["task_permit_accept"]["time_limit_days"] == submitted["task_permit_apply"]["time_limit_days"] == 30
    published = _published(http, iid)
    assert published["penalty"].startswith("初审意见：同意") and CITY in published["penalty"]
    assert _not_a_grant(published["masked_text"]) and "初审意见" in published["masked_text"]


def test_an_item_off_the_list_is_refused_at_registration_never_defaulted__permit_item_fixed(http):
    code, retired_key = _forward_item(http)
    _permit_item(http, code, retired_key, retired=True)
    pid, form_key = "permit_application_own_items", "permit_apply_own_items"
    form = json.loads(json.dumps(APPLY_FORM))
    form["id"] = form_key
    for comp in form["components"]:
        if comp.get("key") == "permit_item":
            comp.pop("valuesKey")
            comp["values"] = [{"label": k, "value": k} for k in ("venue_construction", "made_up_item", retired_key)]
    _variant(http, pid, ('name="formKey" value="permit_apply"', f'name="formKey" value="{form_key}"'), form=form)
    iid = http.start(pid)["id"]
    for item in ("made_up_item", retired_key):
        refused = http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": item}, "officer1", expect=422)
        assert item in refused["errors"]["permit_item"][0]
        assert "power_code" not in _data(http, iid)
    http.complete(iid, "task_permit_apply", APPLY, "officer1")
    assert _data(http, iid)["power_code"] == "permit-rra33"


def test_the_published_outcome_comes_from_the_recorded_item_not_outcome_label__permit_item_fixed(http):
    _, key = _forward_item(http)
    iid = http.start("permit_application")["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": key}, "officer1")
    http.complete(iid, "task_permit_accept", ACCEPT, "officer1")
    before = _data(http, iid)
    for changes in ({"outcome_label": None}, {"permit_outcome": "decision"}, {"forward_to": None},
                    {"time_limit_days": 90}, {"permit_item": "venue_construction"}):
        resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin", json={"changes": changes, "reason": "清理"})
        assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "permit_item_fixed", changes
    assert _data(http, iid) == before

    # a deployed diagram that never writes the opinion still publishes the forwarded item as an opinion
    pid = "permit_application_no_label"
    _variant(http, pid, (FORWARD_LABEL_SCRIPT, "service_note = None"))
    iid = http.start(pid)["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": key}, "officer1")
    http.complete(iid, "task_permit_accept", ACCEPT, "officer1")
    published = _published(http, iid)
    assert published["penalty"].startswith("初审意见：同意") and CITY in published["penalty"]
    assert _not_a_grant(published["masked_text"])


def test_a_deployed_diagram_cannot_rewrite_the_recorded_item__permit_item_fixed(http):
    _, key = _forward_item(http)
    for pid, script in (("permit_application_as_decision", 'permit_outcome = "decision"'),
                        ("permit_application_grant_label", 'outcome_label = "准予行政许可"')):
        _variant(http, pid, ('case_title = f"{party_name}申请{permit_item_name}"',
                             f'case_title = f"{{party_name}}申请{{permit_item_name}}"\n{script}'))
        iid = http.start(pid)["id"]
        refused = http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": key}, "officer1", expect=403)
        assert refused["errors"]["rule"] == "permit_item_fixed", pid
        assert _open(http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()) == ["task_permit_apply"]

"""The list of powers, the random-inspection items and the target directory belong to a bureau (items set at the
platform root are every bureau's until a bureau changes its own): the other bureau neither reads nor changes
nj-mzj's entries (404), the supervising justice bureau reads them but never writes (403), the public lists filter
per bureau (``?org=<code>``), and a case's permit item is looked up in its own bureau's list."""
from __future__ import annotations

import uuid

from tests.api.orgs_support import open_task, scj_admin
from tests.api.test_process__permit_application import APPLY


def _power(code: str, name: str) -> dict:
    return {"code": code, "name": name, "category": "penalty", "legal_basis": "《无证无照经营查处办法》第十三条"}


def test_the_other_bureau_neither_reads_nor_changes_nj_mzj_powers(app, http):
    admin_scj = scj_admin(app)
    code = f"scj-{uuid.uuid4().hex[:6]}"
    resp = http.call("POST", "/api/v1/powers", admin_scj, json=_power(code, "对无照经营的处罚"))
    assert resp.status_code == 201, resp.get_json()
    assert code in [p["code"] for p in http.call("GET", "/api/v1/powers", "head3").get_json()]
    assert code not in [p["code"] for p in http.call("GET", "/api/v1/powers", "officer1").get_json()]
    assert http.call("GET", f"/api/v1/powers/{code}", "officer1").status_code == 404
    # nj-mzj's own item does not exist for the other bureau, and its edit does not touch nj-mzj's
    assert http.call("GET", "/api/v1/powers/permit-rra22", "officer4").status_code == 404
    before = http.call("GET", "/api/v1/powers/permit-rra22", "officer1").get_json()
    mine = http.call("POST", "/api/v1/powers", admin_scj, json=_power("permit-rra22", "市场监管局的同名事项"))
    assert mine.status_code == 201
    assert http.call("GET", "/api/v1/powers/permit-rra22", "officer1").get_json() == before
    # nj-mzj's admin cannot write into nj-scj's list
    assert http.call("POST", "/api/v1/powers?org=nj-scj", "admin", json=_power(code, "改")).status_code == 404
    assert [v["name"] for v in http.call("GET", f"/api/v1/powers/{code}", "head3").get_json()] == ["对无照经营的处罚"]


def test_the_supervisor_reads_the_lists_but_never_writes(app, http):
    admin_scj = scj_admin(app)
    code = f"scj-{uuid.uuid4().hex[:6]}"
    assert http.call("POST", "/api/v1/powers", admin_scj, json=_power(code, "对无照经营的处罚")).status_code == 201
    seen = http.call("GET", "/api/v1/powers?org=nj-scj", "supervisor1")
    assert seen.status_code == 200 and code in [p["code"] for p in seen.get_json()]
    assert http.call("GET", f"/api/v1/powers/{code}?org=nj-scj", "supervisor1").status_code == 200
    assert http.call("POST", "/api/v1/powers?org=nj-scj", "supervisor1", json=_power(code, "改")).status_code == 403
    target = {"code": f"t-{code}", "name": "某市场", "category": "market"}
    assert http.call("POST", "/api/v1/inspection-targets?org=nj-scj", "supervisor1", json=target).status_code == 403
    assert http.call("GET", "/api/v1/powers?org=nj-mzj", "officer4").status_code == 404


def test_inspection_lists_are_per_bureau_and_the_public_filters_them(app, http):
    admin_scj = scj_admin(app)
    tag = uuid.uuid4().hex[:6]
    target = {"code": f"scj-t-{tag}", "name": f"某农贸市场{tag}", "category": f"market-{tag}"}
    item = {"code": f"scj-i-{tag}", "name": "农贸市场经营秩序检查", "legal_basis": "《市场监督管理行政处罚程序规定》",
            "target_category": f"market-{tag}"}
    assert http.call("POST", "/api/v1/inspection-targets", admin_scj, json=target).status_code == 201
    assert http.call("POST", "/api/v1/inspection-items", admin_scj, json=item).status_code == 201
    assert http.call("GET", f"/api/v1/inspection-targets/{target['code']}", "head1").status_code == 404
    assert item["code"] not in [i["code"] for i in http.call("GET", "/api/v1/inspection-items", "head1").get_json()]
    # a nj-mzj admin's change of the same code is nj-mzj's own entry, not an edit of nj-scj's
    renamed = {**target, "name": "被改名的市场"}
    assert http.call("POST", "/api/v1/inspection-targets?org=nj-scj", "admin", json=renamed).status_code == 404
    scj_public = http.call("GET", "/api/v1/public/inspection-targets?org=nj-scj").get_json()
    mzj_public = http.call("GET", "/api/v1/public/inspection-targets?org=nj-mzj").get_json()
    assert target["name"] in [t["name"] for t in scj_public]
    assert target["name"] not in [t["name"] for t in mzj_public]
    assert all(t.get("org") == "nj-scj" for t in scj_public if t["category"] == target["category"])
    items = http.call("GET", "/api/v1/public/inspection-items?org=nj-mzj").get_json()
    assert item["code"] not in [i["code"] for i in items]
    powers = http.call("GET", "/api/v1/public/powers?org=nj-scj").get_json()
    assert "permit-rra33" not in [p["code"] for p in powers]  # nj-mzj's item
    assert "permit-rra33" in [p["code"] for p in http.call("GET", "/api/v1/public/powers?org=nj-mzj").get_json()]
    assert http.call("GET", "/api/v1/public/powers?org=nowhere").status_code == 422


def test_a_case_s_permit_item_and_officers_come_from_its_own_bureau(app, http):
    iid = http.start("permit_application", {}, as_user="officer4")["id"]
    task = open_task(http, iid, "task_permit_apply")
    offered = http.call("GET", f"/api/v1/tasks/{task['id']}", "officer4").get_json()["data"]
    assert "venue_construction" not in [o["value"] for o in offered.get("registry_permit_items", [])]
    assert [o["value"] for o in offered["registry_officers"]] == ["officer4"]
    refused = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer4", json={"data": APPLY})
    assert refused.status_code == 422, refused.get_json()
    assert "permit_item" in refused.get_json()["errors"] or "officers" in refused.get_json()["errors"]
    alone = {**APPLY, "officers": ["officer4", "officer1"]}
    refused = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer4", json={"data": alone})
    assert refused.status_code == 422 and "officers" in refused.get_json()["errors"]

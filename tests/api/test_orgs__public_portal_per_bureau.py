"""The public portal names the deciding bureau (its organisation's name, not a constant), filters decisions,
lists and statistics per bureau (``?org=<code>``) and lists the bureaus; the organisations endpoint shows a
logged-in user their own part of the tree only; annual statistics are a bureau's own."""
from __future__ import annotations

from datetime import date

from api.extensions import db
from api.models import Disclosure, Instance
from api.services import disclosures, org_scope
from engine import clock
from tests.api.walk import run_minor_case


def _scj_decision(app, http) -> int:
    """A decision of nj-scj published through the service (nj-scj has one officer: no full case walk there)."""
    iid = http.start("enforcement_case", {}, as_user="officer4")["id"]
    with app.app_context():
        case = db.session.get(Instance, iid)
        case.data = {**case.data, "case_title": "某超市销售过期食品案", "act_type": "penalty",
                     "decision_number": f"宁市监罚〔2026〕{iid}号", "disclosure_text": "给予警告。",
                     "party_type": "organisation", "party_name": "宁晋县某超市", "decision_date": date.today().isoformat()}
        found = disclosures.publish(case, "head3")
        db.session.commit()
        return found.id


def test_the_agency_is_the_deciding_bureau_and_the_public_list_filters_per_bureau(app, http):
    mzj_case = run_minor_case(http)
    scj_id = _scj_decision(app, http)
    everything = {d["id"]: d for d in http.call("GET", "/api/v1/public/disclosures?per_page=100").get_json()}
    assert everything[scj_id]["agency"] == "宁晋县市场监督管理局" and everything[scj_id]["org"] == "nj-scj"
    mzj = [d for d in everything.values() if d["org"] == "nj-mzj"]
    assert mzj and {d["agency"] for d in mzj} == {"宁晋县民族宗教事务局"}
    scj_only = http.call("GET", "/api/v1/public/disclosures?org=nj-scj&per_page=100").get_json()
    assert scj_id in [d["id"] for d in scj_only] and {d["org"] for d in scj_only} == {"nj-scj"}
    mzj_only = http.call("GET", "/api/v1/public/disclosures?org=nj-mzj&per_page=100").get_json()
    assert scj_id not in [d["id"] for d in mzj_only]
    with app.app_context():
        published = db.session.query(Disclosure).filter_by(instance_id=mzj_case).one()
    assert published.id in [d["id"] for d in mzj_only]
    county = http.call("GET", "/api/v1/public/disclosures?org=ningjin&per_page=100").get_json()
    assert {scj_id, published.id} <= {d["id"] for d in county}
    bad = http.call("GET", "/api/v1/public/disclosures?org=nowhere")
    assert bad.status_code == 422 and "org" in bad.get_json()["errors"]
    page = http.client.get("/public?org=nj-scj")
    assert page.status_code == 200 and "某超市销售过期食品案" in page.get_data(as_text=True)
    assert "宁民宗罚" not in http.client.get("/public?org=nj-scj").get_data(as_text=True)


def test_the_portal_lists_the_bureaus(http):
    listed = http.call("GET", "/api/v1/public/organisations").get_json()
    codes = {o["code"]: o["name"] for o in listed}
    assert codes["nj-mzj"] == "宁晋县民族宗教事务局" and codes["nj-scj"] == "宁晋县市场监督管理局"
    assert "nj-mzj-1" not in codes and "hebei" not in codes


def test_the_organisations_endpoint_shows_the_caller_s_part_of_the_tree(http):
    assert http.call("GET", "/api/v1/organisations").status_code == 401
    mine = {o["code"]: o for o in http.call("GET", "/api/v1/organisations", "officer1").get_json()}
    assert "nj-scj" not in mine and "nj-sfj" not in mine
    assert mine["nj-mzj"]["access"] == "write" and mine["nj-mzj-1"]["own"] is True
    assert mine["hebei"]["access"] == "above"
    theirs = {o["code"] for o in http.call("GET", "/api/v1/organisations", "head3").get_json()}
    assert "nj-mzj" not in theirs and "nj-mzj-1" not in theirs and "nj-scj" in theirs
    supervisor = {o["code"]: o for o in http.call("GET", "/api/v1/organisations", "supervisor1").get_json()}
    assert supervisor["nj-mzj"]["access"] == "read" and supervisor["nj-scj"]["access"] == "read"
    assert supervisor["nj-sfj"]["supervises"] == "ningjin"


def test_annual_statistics_are_the_bureau_s_own(app, http):
    year = clock.today().year
    _scj_decision(app, http)
    scj = http.call("GET", f"/api/v1/statistics/{year}", "head3").get_json()
    mzj = http.call("GET", f"/api/v1/statistics/{year}", "head1").get_json()
    assert scj["agency"] == "宁晋县市场监督管理局" and mzj["agency"] == "宁晋县民族宗教事务局"
    with app.app_context():
        scj_id = org_scope.by_code("nj-scj").id
        mzj_id = org_scope.by_code("nj-mzj").id
        scj_cases = db.session.query(Instance).filter(Instance.org_id == scj_id).count()
        mzj_cases = db.session.query(Instance).filter(Instance.org_id == mzj_id).count()
    assert (scj["cases"]["started"], mzj["cases"]["started"]) == (scj_cases, mzj_cases)  # all started this year
    assert scj["disclosures"]["published"] >= 1
    assert http.call("GET", f"/api/v1/statistics/{year}?org=nj-mzj", "head3").status_code == 404
    assert http.call("GET", f"/api/v1/statistics/{year}?org=ningjin", "head1").status_code == 404
    county = http.call("GET", f"/api/v1/statistics/{year}?org=ningjin", "supervisor1")
    assert county.status_code == 200, county.get_json()
    assert county.get_json()["cases"]["started"] >= scj["cases"]["started"] + mzj["cases"]["started"]
    assert http.call("POST", f"/api/v1/statistics/{year - 1}/publish", "supervisor1").status_code == 403

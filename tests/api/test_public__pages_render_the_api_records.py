"""The public web pages render only what the public API answers: the same masked records (OGI 15, APL 50, PIPL 28).

A personal number or address typed into a registry row (a power's procedure, a certificate's area, an inspection
target's note) or into a published case reaches neither ``/api/v1/public/...`` nor any ``/public`` page; the walk
takes the routes from the app's url_map, so a page added later is checked too.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import date

from tests.api.disclosure_support import decided, release

ID_NUMBER, MOBILE, STREET = "130528198001011238", "13912345678", "东街12号"
SECRETS = (ID_NUMBER, MOBILE, STREET, "李四海")
NOTE = f"负责人身份证号{ID_NUMBER}，手机{MOBILE}，家住宁晋县城关镇{STREET}"


def _leaks(body: str) -> list[str]:
    return [s for s in SECRETS if s in body]


def _fresh_officer(app) -> str:
    """A user of its own for the planted certificate, so no demo officer's certificates change."""
    from api.extensions import db
    from api.models import User
    from api.security import hash_password

    name = f"officer_a4_{uuid.uuid4().hex[:6]}"
    with app.app_context():
        db.session.add(User(username=name, display_name="执法人员（页面）", roles=["officer"],
                            password_hash=hash_password("demo")))
        db.session.commit()
    return name


def _post(http, path: str, body: dict) -> None:
    resp = http.call("POST", path, "admin", json=body)
    assert resp.status_code == 201, (path, resp.get_json())


def test_public_powers_page_shows_the_masked_api_records__OGI_15(http, client):
    code = f"A4P{uuid.uuid4().hex[:6]}"
    _post(http, "/api/v1/powers", {"code": code, "name": f"宗教活动场所筹备设立审批（{MOBILE}）", "category": "permit",
                                   "legal_basis": f"《宗教事务条例》第二十一条 {ID_NUMBER}", "procedure": NOTE,
                                   "time_limit": f"30日，咨询电话{MOBILE}", "remedies": f"行政复议60日，{NOTE}"})
    api = http.call("GET", "/api/v1/public/powers").get_json()
    page = client.get("/public/powers").get_data(as_text=True)
    (mine,) = [p for p in api if p["code"] == code]
    assert code in page and mine["procedure"] in page  # the page shows the API's (masked) record
    assert not _leaks(json.dumps(api, ensure_ascii=False)) and not _leaks(page), _leaks(page)


def test_public_officers_page_shows_the_masked_api_records__OGI_15(app, http, client):
    number = f"A4-CERT-{uuid.uuid4().hex[:6]}"
    _post(http, "/api/v1/certificates", {"username": _fresh_officer(app), "number": number, "category": f"民族宗教 {MOBILE}",
                                         "area": f"家住宁晋县城关镇{STREET} {MOBILE}", "valid_from": "2020-01-01"})
    api = http.call("GET", "/api/v1/public/officers").get_json()
    page = client.get("/public/officers").get_data(as_text=True)
    (mine,) = [o for o in api if o["certificate_number"] == number]
    assert number in page and mine["area"] in page
    assert not _leaks(json.dumps(api, ensure_ascii=False)) and not _leaks(page), _leaks(page)


def _plant_everywhere(app, http) -> tuple[int, str]:
    """Sensitive data in every registry and case text a user can type; (the published disclosure's id, its token)."""
    tag = uuid.uuid4().hex[:6]
    _post(http, "/api/v1/powers", {"code": f"A4W{tag}", "name": f"审批事项 {NOTE}", "category": "permit",
                                   "legal_basis": NOTE, "procedure": NOTE, "time_limit": f"30日 {MOBILE}",
                                   "time_limit_days": 30, "remedies": NOTE, "outcome": "forward",
                                   "forward_to": f"市局 {MOBILE}"})
    _post(http, "/api/v1/certificates", {"username": _fresh_officer(app), "number": f"A4W-{tag}", "category": f"执法 {MOBILE}",
                                         "area": f"家住宁晋县城关镇{STREET}", "valid_from": "2020-01-01"})
    _post(http, "/api/v1/inspection-items", {"code": f"A4I{tag}", "name": f"检查 {MOBILE}", "legal_basis": NOTE,
                                             "target_category": f"场所 {MOBILE}", "method": NOTE})
    _post(http, "/api/v1/inspection-targets", {"code": f"A4T{tag}", "name": f"某寺 {MOBILE}",
                                               "category": f"场所 {MOBILE}", "note": NOTE})
    token = f"tok{tag}"
    iid, _ = decided(http, third_party_names="李四海", case_title=f"{token}案 {MOBILE}", facts=f"{NOTE}，证人李四海在场。",
                     decision_text=f"给予警告。{NOTE}", legal_basis=f"《宗教事务条例》第七十一条 {ID_NUMBER}",
                     decision_number=f"宁民宗罚〔2026〕{tag}号 {MOBILE}")
    release(http, iid)
    found = http.call("GET", f"/api/v1/public/disclosures?q={token}").get_json()
    assert len(found) == 1, found
    return found[0]["id"], token


def test_every_public_page_and_answer_is_masked__OGI_15(app, http, client):
    published, token = _plant_everywhere(app, http)
    args = {"disclosure_id": published, "year": date.today().year - 1}
    walked = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/public") or rule.rule.startswith("/api/v1/public")) or "GET" not in rule.methods:
            continue
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(args[m.group(1)]), rule.rule)
        for query in ("", f"?q={token}", "?lang=en"):
            resp = client.get(url + query)
            assert resp.status_code in (200, 404), (url, resp.status_code)
            body = resp.get_data(as_text=True)
            assert not _leaks(body), (url + query, _leaks(body))
        walked.append(rule.rule)
    assert {"/public", "/public/powers", "/public/officers", "/api/v1/public/powers",
            "/api/v1/public/disclosures/<int:disclosure_id>", "/api/v1/public/inspection-targets"} <= set(walked)
    # what was planted is on the pages, masked (the walk did not pass on empty pages)
    assert f'id="d{published}"' in client.get(f"/public?q={token}").get_data(as_text=True)
    assert "139****5678" in client.get("/public/powers").get_data(as_text=True)
    assert "***" in client.get("/public/officers").get_data(as_text=True)

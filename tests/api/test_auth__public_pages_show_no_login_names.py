"""Every public route (no login: /public… pages and /api/v1/public/… answers, read from app.url_map) shows an
officer's display name and certificate number, never the login name an attacker would guess passwords for."""
from __future__ import annotations

import re
import uuid

from tests.api.helpers import web_login
from tests.api.test_process__random_inspection import (
    DRAW,
    POOL,
    POOL_CERTIFICATES,
    PUBLISH,
    _inspect,
    lists,
    plan,
)
from tests.api.walk import instance_data


def _public_urls(app, values: dict[str, object]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or not (rule.rule.startswith("/public")
                                                      or rule.rule.startswith("/api/v1/public")):
            continue
        urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), 1)), rule.rule))
    return urls


def test_the_public_officer_list_shows_names_and_certificates_not_logins__public_officers(app, http):
    login, display, number = _certified_officer(http)
    for client in (app.test_client(),):
        for url in ("/public/officers", "/api/v1/public/officers", "/public/officers?lang=en"):
            body = client.get(url).get_data(as_text=True)
            assert display in body and number in body and login not in body, url
            assert "officer1" not in body and "HB-NJ-2024-0001" in body, url


def _certified_officer(http) -> tuple[str, str, str]:
    login = f"zq{uuid.uuid4().hex[:8]}"
    display, number = "公开姓名测试员", f"HB-PUB-{uuid.uuid4().hex[:6]}"
    assert http.call("POST", "/api/v1/users", "admin", json={
        "username": login, "display_name": display, "password": "public-page-password", "roles": ["officer"],
        "org": "nj-mzj"}).status_code == 201
    assert http.call("POST", f"/api/v1/users/{login}/certificates", "admin", json={
        "number": number, "category": "宗教事务行政执法", "area": "宁晋县",
        "valid_from": "2024-01-01", "valid_to": "2035-12-31"}).status_code == 201
    return login, display, number


def _published_random_inspection(http) -> int:
    """A 双随机 case walked to its published results: the plan, the draw and the disclosure name inspectors."""
    item, _ = lists(http)
    iid = http.start("random_inspection")["id"]
    http.complete(iid, "task_lottery_plan", plan(item), "officer1")
    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    _inspect(http, iid, {"inspection_results": "均未发现问题。", "problems_found": False})
    masked = instance_data(http, iid)["masked_text"]
    assert http.complete(iid, "task_review_results", {**PUBLISH, "masked_text": masked}, "publicity1")[
        "status"] == "completed"
    return iid


def test_no_public_route_shows_a_login_name__public_no_usernames(app, http):
    login, display, number = _certified_officer(http)
    iid = _published_random_inspection(http)
    (drawn,) = [p for p in http.call("GET", f"/api/v1/public/lottery-plans?instance_id={iid}").get_json()
                if p["reveal"]]
    assert drawn["drawn_inspectors"] and all(n in POOL_CERTIFICATES for n in drawn["drawn_inspectors"])
    assert any(f"instance_id={iid}" in p["masked_text"]
               for p in http.call("GET", "/api/v1/public/disclosures?category=inspection").get_json())
    urls = _public_urls(app, {"year": 2025})
    assert "/public/officers" in urls and "/api/v1/public/officers" in urls
    visitor = app.test_client()
    officer = app.test_client()  # a logged-in officer sees the same public pages
    web_login(officer, "officer1")
    for client in (visitor, officer):
        for url in urls:
            for lang in ("", "?lang=en"):
                resp = client.get(url + lang)
                assert resp.status_code < 500, url
                body = resp.get_data(as_text=True)
                for name in (login, *POOL, "officer3"):
                    assert name not in body, (url, name)
    officers = visitor.get("/api/v1/public/officers").get_json()
    mine = [o for o in officers if o["certificate_number"] == number]
    assert mine and mine[0]["display_name"] == display and "username" not in mine[0]
    page = visitor.get("/public/officers").get_data(as_text=True)
    assert display in page and number in page

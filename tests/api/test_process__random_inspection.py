"""random_inspection (双随机、一公开) through HTTP: the plan is fixed from maintained lists (item list 随机抽查事项清单,
target directory 检查对象名录, certified officers) and committed before the draw; the seed comes from a server random
value revealed at the draw, never typed; anyone re-draws from the published plan and value; the two drawn
inspectors inspect as an enforcement act; results are published (or withheld with a reason)."""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date

from sqlalchemy import select

from api.extensions import db
from api.models import Certificate, User
from api.security import hash_password
from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload
from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

TARGETS = ["城关清真寺", "大曹庄天主堂", "东汪福音堂", "凤凰寺", "贾家口观音庵", "苏家庄清真寺"]
#: the pool must be larger than the team of two: a third certified officer (created once, see third_officer;
#: not "officer3", which the recusal tests deactivate after each test)
THIRD = "officer_lottery"
POOL = ["officer1", "officer2", THIRD]
#: the pool as published: each member by the number of the certificate valid today (never a login name)
POOL_CERTIFICATES = {"HB-NJ-2024-0001": "officer1", "HB-NJ-2024-0002": "officer2", "HB-NJ-2024-L001": THIRD}
PUBLISH = {"publish_choice": "release"}
DRAW = {"draw_witnesses": "县司法局执法监督科 王某", "draw_confirmed": True}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def redraw(seed: str, items: list[str], k: int) -> list[str]:
    """What anyone can do with the published seed and directory."""
    return sorted(items, key=lambda item: _sha(f"{seed}\n{item}"))[:k]


def third_officer(http) -> str:
    """An officer with a certificate valid today, for a pool larger than the team (created once)."""
    with http.client.application.app_context():
        if db.session.scalar(select(User).where(User.username == THIRD)) is None:
            user = User(username=THIRD, display_name="执法人员（抽查）", roles=["officer"],
                        password_hash=hash_password("demo"))
            db.session.add(user)
            db.session.flush()
            db.session.add(Certificate(user_id=user.id, number="HB-NJ-2024-L001", category="宗教事务行政执法",
                                       area="宁晋县", valid_from=date(2024, 1, 1), valid_to=date(2029, 12, 31)))
            db.session.commit()
    return THIRD


def lists(http) -> tuple[str, str]:
    """A fresh item of the random-inspection list and its part of the target directory, kept by the process owner
    (and a pool of three certified officers)."""
    third_officer(http)
    category, item = f"cat-{uuid.uuid4().hex[:8]}", f"insp-{uuid.uuid4().hex[:8]}"
    for n, name in enumerate(TARGETS):
        body = {"code": f"{category}-{n}", "name": name, "category": category}
        assert http.call("POST", "/api/v1/inspection-targets", "owner1", json=body).status_code == 201
    body = {"code": item, "name": "宗教活动场所财务管理情况检查", "legal_basis": "《宗教事务条例》第七章",
            "target_category": category, "method": "查阅账册"}
    assert http.call("POST", "/api/v1/inspection-items", "owner1", json=body).status_code == 201
    return item, category


def plan(item: str, count: int = 2) -> dict:
    return {"inspection_item": item, "target_count": count, "inspector_directory": list(POOL)}


def public_plans(http, iid: int) -> list[dict]:
    resp = http.call("GET", f"/api/v1/public/lottery-plans?instance_id={iid}")
    assert resp.status_code == 200
    return resp.get_json()


def logins(data: dict) -> list[str]:
    """The login names of the drawn inspectors (the case's ``inspector_logins``; the draw names certificates)."""
    return [data["inspector_logins"][number] for number in data["drawn_inspectors"]]


def _inspect(http, iid: int, results: dict) -> dict:
    first, second = logins(_data(http, iid))
    device = new_device(http)
    checkout(http, device, first)
    task = http.open_task(iid, "task_inspection")
    resp = upload(http, iid, media(MP4), "inspection.mp4", av_meta(device, task_id=task["id"], officers=[first, second]),
                  as_user=first)
    assert resp.status_code == 201, resp.get_json()
    duties = {**c.DUTIES, "duty_document_issued": "《现场检查笔录》宁民宗检〔2026〕1号"}
    return http.complete(iid, "task_inspection", {**duties, **results}, second)


def test_the_plan_is_committed_before_the_draw_and_anyone_can_redraw(http):
    item, _ = lists(http)
    iid = http.start("random_inspection")["id"]
    task = http.open_task(iid, "task_lottery_plan")
    offered = http.call("GET", f"/api/v1/tasks/{task['id']}", "officer1").get_json()["data"]
    assert item in [o["value"] for o in offered["registry_inspection_items"]]
    too_many = plan(item, len(TARGETS) + 1)  # refused before a plan is fixed: a fixed plan is never re-planned
    assert "target_count" in http.complete(iid, "task_lottery_plan", too_many, "officer1", expect=422)["errors"]
    assert public_plans(http, iid) == []
    assert _open(http.complete(iid, "task_lottery_plan", plan(item), "officer1")) == ["task_lottery_draw"]

    # fixed and published before the draw: the plan, its digest and the commitment, not the random value
    data = _data(http, iid)
    assert data["target_list"] == sorted(TARGETS) and "lottery_reveal" not in data and "drawn_targets" not in data
    (latest,) = public_plans(http, iid)
    assert latest["status"] == "open"
    assert latest["plan_digest"] == data["plan_digest"] == _sha(
        json.dumps(latest["plan"], sort_keys=True, ensure_ascii=False, separators=(",", ":")))
    assert latest["commitment"] == data["lottery_commitment"] and latest["reveal"] is None
    assert http.complete(iid, "task_lottery_draw", DRAW, "officer1", expect=403)["errors"]["rule"] == "role"

    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    data = _data(http, iid)
    (drawn,) = [p for p in public_plans(http, iid) if p["reveal"]]
    reveal = data["lottery_reveal"]
    assert drawn["reveal"] == reveal and _sha(reveal) == drawn["commitment"]
    seed = _sha(f"{drawn['plan_digest']}\n{reveal}")
    assert data["lottery_seed"] == drawn["seed"] == seed
    assert data["drawn_targets"] == drawn["drawn_targets"] == redraw(seed, drawn["plan"]["target_list"], 2)
    assert drawn["plan"]["inspector_pool"] == sorted(POOL_CERTIFICATES) and data["inspector_logins"] == POOL_CERTIFICATES
    assert drawn["plan"]["inspector_names"]["HB-NJ-2024-0001"] == "执法人员一"
    assert data["drawn_inspectors"] == redraw(seed + ":inspectors", sorted(POOL_CERTIFICATES), 2) == drawn[
        "drawn_inspectors"]
    assert sorted(data["officers"]) == sorted(logins(data))
    history = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    drawn_at = next(e["at"] for e in history if e["element_id"] == "task_lottery_draw" and e["type"] == "task_completed")
    assert [e["type"] for e in history if reveal in json.dumps(e, ensure_ascii=False) and e["at"] < drawn_at] == []
    assert "lottery_revealed" in [e["type"] for e in history if e["at"] == drawn_at]
    (fixed,) = [e for e in history if e["type"] == "task_completed" and e["element_id"] == "task_lottery_plan"
                and e["data"]["submitted"]["target_count"] == 2]
    assert fixed["data"]["submitted"]["plan_digest"] == drawn["plan_digest"]  # the digest is in the history too
    task = http.open_task(iid, "task_inspection")
    assert due_date(task) == data["results_due"] == working_days(today(), 20)

    results = {"inspection_results": f"{data['drawn_targets'][0]}：财务公开；{data['drawn_targets'][1]}：未按规定建立账册，"
                                     "联系人电话13812345678。", "problems_found": True, "follow_up": "责令限期改正。"}
    assert _open(_inspect(http, iid, results)) == ["task_review_results"]
    data = _data(http, iid)
    review = http.open_task(iid, "task_review_results")
    assert review["role"] == "publicity_officer"
    assert due_date(review) == data["disclosure_due"] == working_days(today(), 20)
    assert f"lottery-plans?instance_id={iid}" in data["masked_text"] and "13812345678" not in data["masked_text"]
    for number in data["drawn_inspectors"]:  # officers by name and certificate number, never by login name
        name = drawn["plan"]["inspector_names"][number]
        assert f"{name}（执法证号 {number}）" in data["masked_text"]
    assert not any(login in data["masked_text"] for login in POOL)
    result = http.complete(iid, "task_review_results", {**PUBLISH, "masked_text": data["masked_text"]}, "publicity1")
    assert result["status"] == "completed"
    published = http.call("GET", "/api/v1/public/disclosures?category=inspection&q=" + data["drawn_targets"][0])
    assert any(f"instance_id={iid}" in p["masked_text"] for p in published.get_json())
    _verified(http, iid)


def test_the_planner_cannot_type_a_seed_an_item_or_an_inspector_off_the_lists(http):
    item, _ = lists(http)
    iid = http.start("random_inspection")["id"]
    seeded = http.complete(iid, "task_lottery_plan", {**plan(item), "lottery_seed": "我选的种子"}, "officer1", expect=422)
    assert "lottery_seed" in seeded["errors"]
    typed_directory = {**plan(item), "target_directory": "凤凰寺"}
    assert "target_directory" in http.complete(iid, "task_lottery_plan", typed_directory, "officer1", expect=422)["errors"]
    off_list = http.complete(iid, "task_lottery_plan", plan("宗教活动场所财务管理情况检查"), "officer1", expect=422)
    assert "inspection_item" in off_list["errors"]
    for outsider in ("reviewer1", "nobody"):  # not a certified officer / not a user at all
        team = {**plan(item), "inspector_directory": ["officer1", outsider]}
        refused = http.complete(iid, "task_lottery_plan", team, "officer1", expect=422)
        assert outsider in refused["errors"]["inspector_directory"][0]
    assert public_plans(http, iid) == []  # nothing was fixed by a refused plan
    retired = {"code": item, "name": "宗教活动场所财务管理情况检查", "legal_basis": "《宗教事务条例》第七章",
               "target_category": "x", "retired": True}
    assert http.call("POST", "/api/v1/inspection-items", "owner1", json=retired).status_code == 201
    assert "inspection_item" in http.complete(iid, "task_lottery_plan", plan(item), "officer1", expect=422)["errors"]


def test_the_lists_are_maintained_versioned_and_public(http):
    item, category = lists(http)
    assert http.call("POST", "/api/v1/inspection-items", "officer1",
                     json={"code": "x", "name": "x", "legal_basis": "x", "target_category": "x"}).status_code == 403
    renamed = {"code": f"{category}-0", "name": "城关清真寺（新址）", "category": category}
    assert http.call("POST", "/api/v1/inspection-targets", "admin", json=renamed).get_json()["version"] == 2
    versions = http.call("GET", f"/api/v1/inspection-targets/{category}-0", "officer1").get_json()
    assert [v["name"] for v in versions] == ["城关清真寺", "城关清真寺（新址）"]
    public = http.call("GET", "/api/v1/public/inspection-targets").get_json()
    assert "城关清真寺（新址）" in [t["name"] for t in public if t["category"] == category]
    assert item in [i["code"] for i in http.call("GET", "/api/v1/public/inspection-items").get_json()]


def test_results_withheld_only_with_a_reason(http):
    item, _ = lists(http)
    iid = http.start("random_inspection")["id"]
    http.complete(iid, "task_lottery_plan", plan(item), "officer1")
    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    _inspect(http, iid, {"inspection_results": "均未发现问题。", "problems_found": False})
    masked = _data(http, iid)["masked_text"]
    no_reason = {"publish_choice": "withhold", "masked_text": masked}
    assert _open(http.complete(iid, "task_review_results", no_reason, "publicity1")) == ["task_review_results"]
    withheld = {**no_reason, "withhold_reason": "涉及正在查处的案件线索，暂不公开。"}
    result = http.complete(iid, "task_review_results", withheld, "publicity1")
    assert result["status"] == "completed"
    assert _data(http, iid)["disclosure_withheld"] == "officer"
    assert http.call("GET", f"/api/v1/public/disclosures?q=instance_id={iid}").get_json() == []

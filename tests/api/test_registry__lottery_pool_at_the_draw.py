"""The inspector pool is checked again at the draw (docs/DOMAIN.md §5, APL 42): a member whose certificate is no
longer valid (or runs out within the inspection period), who was deactivated, or who withdrew from the case, is
excluded before drawing, and the exclusions are recorded with the reveal and published with their reasons, so the
public re-draw applies the same pool. A drawn team always holds valid certificates. When fewer members than a team
plus one remain the draw is refused before anything is revealed (403 ``lottery_pool``) and the head abandons the
plan."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select

from api.extensions import db
from api.models import Certificate, User
from api.security import hash_password
from engine import clock
from tests.api.test_process__random_inspection import (
    DRAW,
    POOL_CERTIFICATES,
    THIRD,
    lists,
    logins,
    public_plans,
    redraw,
    third_officer,
)
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open

START = datetime(2026, 6, 1, 10, tzinfo=clock.BEIJING)  # a Monday


def _officer(http, valid_to: date) -> str:
    name = f"pool{uuid.uuid4().hex[:6]}"
    with http.client.application.app_context():
        user = User(username=name, display_name="执法人员（证件将到期）", roles=["officer"],
                    password_hash=hash_password("demo"))
        db.session.add(user)
        db.session.flush()
        db.session.add(Certificate(user_id=user.id, number=f"T-{name}", category="宗教事务行政执法", area="宁晋县",
                                   valid_from=date(2024, 1, 1), valid_to=valid_to))
        db.session.commit()
    return name


def _deactivate(http, name: str) -> None:
    with http.client.application.app_context():
        db.session.scalar(select(User).where(User.username == name)).active = False
        db.session.commit()


def _planned(http, pool: list[str]) -> int:
    item, _ = lists(http)
    iid = http.start("random_inspection")["id"]
    body = {"inspection_item": item, "target_count": 2, "inspector_directory": pool}
    assert _open(http.complete(iid, "task_lottery_plan", body, "officer1")) == ["task_lottery_draw"]
    return iid


def test_members_without_a_valid_certificate_at_the_draw_are_excluded_publicly__APL_42(http, pin):
    pin(START)
    third_officer(http)
    expired = _officer(http, START.date())  # valid on the plan day, not on the draw day
    short = _officer(http, START.date() + timedelta(days=7))  # runs out before the inspection is due
    gone = _officer(http, date(2029, 12, 31))  # deactivated between plan and draw
    pool = ["officer1", "officer2", THIRD, expired, short, gone]
    iid = _planned(http, pool)
    _deactivate(http, gone)
    pin(START + timedelta(days=2))
    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    data = _data(http, iid)
    (public,) = public_plans(http, iid)
    excluded = {e["inspector"]: e["reason"] for e in public["excluded"]}  # by certificate number, published
    assert excluded == {f"T-{expired}": "certificate_not_valid", f"T-{short}": "certificate_not_valid",
                        f"T-{gone}": "inactive"}
    assert all(e["note"] and e["name"] == "执法人员（证件将到期）" for e in public["excluded"])
    effective = sorted(POOL_CERTIFICATES)
    assert public["draw_pool"] == data["draw_pool"] == effective
    assert data["drawn_inspectors"] == public["drawn_inspectors"] == redraw(public["seed"] + ":inspectors", effective, 2)
    assert sorted(data["officers"]) == sorted(logins(data))
    # the plan as fixed stays what it was
    assert public["plan"]["inspector_pool"] == sorted([*POOL_CERTIFICATES, *(f"T-{n}" for n in (expired, short, gone))])


def test_a_pool_too_small_at_the_draw_is_refused_before_anything_is_revealed__lottery_pool(http, pin):
    pin(START)
    third_officer(http)
    expiring = _officer(http, START.date())
    iid = _planned(http, ["officer1", "officer2", expiring])
    pin(START + timedelta(days=2))
    refused = http.complete(iid, "task_lottery_draw", DRAW, "head1", expect=403)
    assert refused["errors"]["rule"] == "lottery_pool" and expiring in refused["message"]
    (fixed,) = public_plans(http, iid)
    assert fixed["reveal"] is None and fixed["status"] == "open"
    assert "lottery_reveal" not in _data(http, iid)
    resp = http.call("POST", f"/api/v1/lottery-plans/{fixed['id']}/abandon", "head1",
                     json={"reason": "执法检查人员证件到期，不足三人，重新制定计划。"})
    assert resp.status_code == 200, resp.get_json()
    assert public_plans(http, iid)[0]["status"] == "abandoned"

"""Recusal (APL 43) is enforced by the service: a decided recusal takes the officer off the case — every later
claim, completion, evidence upload or act naming him is refused — and the case goes on only with two other
certified officers. A head's recusal is decided by the principal head (role chief); the principal head's by the
heads' collective discussion; nobody decides his own."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import Certificate, User
from api.security import hash_password
from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload
from tests.api.walk import Acts
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open

ASK = {"recusal_needed": True, "recusal_source": "party", "recusal_reason": "当事人称承办人与其有利害关系。"}


def _user(app, username: str, roles: list[str], cert: str | None = None) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=username, roles=roles, password_hash=hash_password("demo"))
            db.session.add(user)
            db.session.flush()
            if cert:
                db.session.add(Certificate(user_id=user.id, number=cert, category="宗教事务行政执法", area="宁晋县",
                                           valid_from=date(2024, 1, 1), valid_to=date(2029, 12, 31)))
        user.active = True
        db.session.commit()


def _deactivate(app, username: str) -> None:
    with app.app_context():
        db.session.scalar(select(User).where(User.username == username)).active = False
        db.session.commit()


@pytest.fixture
def officer3(app):
    _user(app, "officer3", ["officer"], "HB-NJ-2024-0003")
    yield "officer3"  # a demo user (api/cli/database.py): left active for the tests after this one


@pytest.fixture
def head4(app):
    _user(app, "head4", ["head"])
    yield "head4"
    _deactivate(app, "head4")


def _post(http, iid: int, element_id: str, data: dict, user: str):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _rule(resp) -> str:
    assert resp.status_code == 403, resp.get_json()
    return resp.get_json()["errors"]["rule"]


def _registered(http) -> int:
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    return iid


def test_a_recused_officer_is_off_the_case_and_two_others_carry_on_APL_43(http, officer3):
    iid = _registered(http)
    result = http.complete(iid, "task_recusal", {**ASK, "recused_officer": "officer1"}, "officer2")
    assert _open(result) == ["task_recusal_decision"]
    assert _data(http, iid)["recused_officer_level"] == "officer"
    decision = {"recusal_outcome": "recuse", "recusal_decision_note": "决定回避。"}
    # officer1 out leaves only officer2: refused until a second certified officer is named
    assert _rule(_post(http, iid, "task_recusal_decision", {**decision, "officers": ["officer1", "officer2"]},
                       "head1")) == "recusal"
    http.complete(iid, "task_recusal_decision", {**decision, "officers": ["officer2", officer3]}, "head1")
    data = _data(http, iid)
    assert data["officers"] == ["officer2", "officer3"] and data["recused_officers"] == ["officer1"]

    # officer1 may no longer claim, complete, upload evidence or be named in the case's evidence
    task = http.open_task(iid, "task_recusal")
    assert _rule(http.call("POST", f"/api/v1/tasks/{task['id']}/claim", "officer1")) == "recusal"
    assert _rule(_post(http, iid, "task_recusal", c.RECUSAL_NONE, "officer1")) == "recusal"
    http.complete(iid, "task_recusal", c.RECUSAL_NONE, "officer2")
    device = new_device(http)
    checkout(http, device, "officer2")
    start = http.open_task(iid, "task_record_start")
    resp = upload(http, iid, media(MP4), "a.mp4", av_meta(device, task_id=start["id"]), as_user="officer1")
    assert _rule(resp) == "recusal"
    resp = upload(http, iid, media(MP4), "b.mp4", av_meta(device, task_id=start["id"]), as_user="officer2")
    assert _rule(resp) == "recusal"  # officer1 named among the officers of the recording
    resp = upload(http, iid, media(MP4), "c.mp4", av_meta(device, task_id=start["id"], officers=["officer2", officer3]),
                  as_user="officer2")
    assert resp.status_code == 201, resp.get_json()
    assert _rule(_post(http, iid, "task_record_start", c.RECORD_START, "officer1")) == "recusal"
    result = http.complete(iid, "task_record_start", {**c.RECORD_START, "officers_present": ["officer2", officer3]},
                           "officer2")
    assert _open(result) == ["task_investigation"]


def test_a_recusal_must_name_who_withdraws(http):
    iid = _registered(http)
    resp = _post(http, iid, "task_recusal", ASK, "officer1")
    assert resp.status_code == 422 and "recused_officer" in resp.get_json()["errors"]


def test_a_heads_recusal_is_decided_by_the_principal_head_APL_43(http):
    iid = _registered(http)
    result = http.complete(iid, "task_recusal", {**ASK, "recusal_of_head": True, "recused_head": "head2"}, "officer1")
    assert _open(result) == ["task_recusal_decision_chief"]
    task = http.open_task(iid, "task_recusal_decision_chief")
    assert task["role"] == "chief"
    decision = {"recusal_outcome": "recuse", "officers": ["officer1", "officer2"], "recusal_decision_note": "回避。"}
    assert _rule(_post(http, iid, "task_recusal_decision_chief", decision, "head2")) == "role"  # not the chief
    http.complete(iid, "task_recusal_decision_chief", decision, "head1")
    assert _data(http, iid)["recused_officers"] == ["head2"]
    # the withdrawn head takes no part in the case's decision
    acts = Acts(http)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    assert _rule(_post(http, iid, "task_head_decision", c.DECISION, "head2")) == "recusal"
    http.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": f"宁民宗罚〔2026〕{iid}号",
                                              "decision_text": "决定给予警告。"}, "head1")


def test_the_principal_heads_recusal_needs_the_heads_collective_and_not_himself(http, head4):
    iid = _registered(http)
    result = http.complete(iid, "task_recusal", {**ASK, "recusal_of_head": True, "recused_head": "head1"}, "officer1")
    assert _open(result) == ["task_recusal_decision"]  # the heads' lane: decided collectively
    decision = {"recusal_outcome": "recuse", "officers": ["officer1", "officer2"], "recusal_decision_note": "回避。"}
    assert _rule(_post(http, iid, "task_recusal_decision", {**decision, "attendees": ["head2", head4]},
                       "head1")) == "recusal"  # never his own
    assert _rule(_post(http, iid, "task_recusal_decision", decision, "head2")) == "recusal"  # one head alone
    assert _rule(_post(http, iid, "task_recusal_decision", {**decision, "attendees": ["head1", "head2"]},
                       "head2")) == "recusal"  # the chief does not count for his own recusal
    http.complete(iid, "task_recusal_decision", {**decision, "attendees": ["head2", head4]}, "head2")
    assert _data(http, iid)["recused_officers"] == ["head1"]

"""Published decisions: status, search, withdrawal (APL 48), correction (OGI 41), minors never published."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from api.errors import status_of
from api.extensions import db
from api.models import Disclosure, Instance
from api.services import disclosures as service
from engine import clock, people
from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict
from tests import cases as c
from tests.api.helpers import fixture, upload
from tests.api.walk import decision_number, run_minor_case

#: a running case holding the data the test gives it (it declares that start data)
PROBE_FILES = ("case_data_probe.bpmn", "fixture_note.form")


def make_case(http, **data) -> int:
    """A running case whose data holds what publication reads (no workflow step needed)."""
    token = uuid.uuid4().hex[:8]
    base = {"case_title": f"公示测试案{token}", "act_type": "penalty", "party_type": "organisation",
            "party_name": f"某某寺管理委员会{token}", "decision_number": f"宁民宗罚〔2026〕T{token}号",
            "masked_text": f"决定给予警告。{token}", "decision_date": "2026-11-02",
            "legal_basis": "《宗教事务条例》第七十一条"}
    deployed = upload(http, "/api/v1/definitions", {name: fixture(name) for name in PROBE_FILES})
    assert deployed.status_code in (200, 201), deployed.get_json()
    return http.start("case_data_probe", {**base, **data})["id"]


def published(app, http, **data) -> dict:
    """Publish a case's decision through the service (as the workflow's publish step does); its public view."""
    iid = make_case(http, **data)
    with app.app_context():
        item = service.publish(db.session.get(Instance, iid), "publicity1")
        db.session.commit()
        did = item.id
    return http.call("GET", f"/api/v1/public/disclosures/{did}").get_json()


def further(text: str) -> str:
    """A correction of a published text: it may only mask further (or restore) the decision's text (OGI 41)."""
    assert "警告" in text, text
    return text.replace("警告", "**", 1)


def in_app(app, fn, *args):
    with app.app_context():
        result = fn(*args)
        db.session.commit()
        return getattr(result, "id", result)


def test_published_decision_names_agency_party_date_and_basis__APL_59(http):
    iid = run_minor_case(http)
    items = http.call("GET", "/api/v1/public/disclosures?q=" + decision_number(iid)).get_json()
    assert len(items) == 1
    item = items[0]
    assert item["status"] == "published" and item["withdrawal"] is None and item["superseded_by"] is None
    assert item["agency"] == "宁晋县民族宗教事务局"
    assert item["party"] == "张某"  # a natural person: surname + 某
    assert item["category"] == "penalty"
    assert item["legal_basis"] == c.PROPOSAL_MINOR["legal_basis"]
    assert date.fromisoformat(item["decision_date"]) == clock.today()
    assert c.REGISTER["party_id_number"] not in item["masked_text"]
    assert item["published_at"].endswith("+00:00")
    # APL 59: the main facts, the penalty kind and amount, how and by when to fulfil it
    assert item["facts"] == c.PROPOSAL_MINOR["facts"]
    assert item["penalty_kind"] == "warning" and item["penalty"] == "警告"
    assert item["fulfilment"] and "送达" in item["fulfilment"]
    assert "张三" not in item["masked_text"] and "张某" in item["masked_text"]  # the party the same everywhere


def test_a_fine_is_published_with_its_amount_and_how_to_pay__APL_59(app, http):
    item = published(app, http, penalty_kind="fine", fine_amount=20000, facts="未经批准举办大型宗教活动。")
    assert item["penalty"] == "罚款人民币20000元" and item["fine_amount"] == 20000
    assert "十五日内" in item["fulfilment"] and item["facts"] == "未经批准举办大型宗教活动。"


def test_a_raw_value_stored_before_masking_is_neither_shown_nor_findable__OGI_15(app, http):
    """A row stored unmasked (published before a rule existed) is masked when it is answered, and a
    search for the raw value does not find it."""
    token = uuid.uuid4().hex[:10]
    iid = make_case(http)
    with app.app_context():
        row = Disclosure(instance_id=iid, category="penalty", title=f"旧公示{token}身份证号130528198001011234",
                         decision_number=None, masked_text=f"{token}家住河北省宁晋县凤凰镇东街村，电话13812345678。",
                         legal_basis="第七十一条 联系人电话0319-5812345", party="某组织", agency="宁晋县民族宗教事务局",
                         published_by="publicity1", published_at=clock.now())
        db.session.add(row)
        db.session.commit()
        did = row.id
    shown = http.call("GET", f"/api/v1/public/disclosures/{did}").get_json()
    text = str(shown)
    for raw in ("130528198001011234", "13812345678", "5812345", "凤凰镇"):
        assert raw not in text
    assert [d["id"] for d in http.call("GET", f"/api/v1/public/disclosures?q={token}").get_json()] == [did]
    for raw in ("130528198001011234", "13812345678", "凤凰镇东街村", "0319-5812345"):
        found = http.call("GET", "/api/v1/public/disclosures", query_string={"q": raw}).get_json()
        assert did not in [d["id"] for d in found], raw


def test_organisation_party_is_published_by_name__APL_59(app, http):
    item = published(app, http, party_type="organisation", party_name="某某清真寺民主管理委员会")
    assert item["party"] == "某某清真寺民主管理委员会"
    assert item["decision_date"] == "2026-11-02"


def test_search_by_text_category_and_date__DOMAIN_1_platform(app, http):
    token = uuid.uuid4().hex[:10]
    penalty = published(app, http, case_title=f"处罚{token}", act_type="penalty")
    permit = published(app, http, case_title=f"许可{token}", act_type="permit", masked_text=f"准予许可。{token}")

    def ids(query: str) -> set[int]:
        resp = http.call("GET", "/api/v1/public/disclosures?" + query)
        assert resp.status_code == 200, resp.get_json()
        return {d["id"] for d in resp.get_json()}

    assert ids(f"q={token}") == {penalty["id"], permit["id"]}
    assert ids(f"q={token}&category=permit") == {permit["id"]}
    assert ids(f"q={penalty['decision_number']}") == {penalty["id"]}
    today = clock.today()
    assert ids(f"q={token}&date_from={today}&date_to={today}") == {penalty["id"], permit["id"]}
    assert ids(f"q={token}&date_to={today - timedelta(days=1)}") == set()
    assert ids(f"q={token}&date_from={today + timedelta(days=1)}") == set()
    assert ids("q=%25%25%25no-such-text") == set()  # LIKE wildcards are taken literally
    bad = http.call("GET", f"/api/v1/public/disclosures?date_from={today}&date_to={today - timedelta(days=1)}")
    assert bad.status_code == 422 and "date_to" in bad.get_json()["errors"]
    assert http.call("GET", "/api/v1/public/disclosures?status=secret").status_code == 422


def test_withdrawn_penalty_shows_reason__APL_48(app, http):
    item = published(app, http)
    wid = in_app(app, service.withdraw, item["id"], "该处罚决定已被复议机关撤销。", "revoked", "publicity1", None)
    assert wid
    shown = http.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()
    assert shown["status"] == "withdrawn"
    assert shown["withdrawal"]["reason"] == "该处罚决定已被复议机关撤销。"
    assert shown["withdrawal"]["basis"] == "revoked"
    assert shown["withdrawal"]["withdrawn_at"]

    def listed(status: str) -> set[int]:
        url = f"/api/v1/public/disclosures?q={item['decision_number']}&status={status}"
        return {d["id"] for d in http.call("GET", url).get_json()}

    assert listed("withdrawn") == {item["id"]}
    assert listed("all") == {item["id"]}
    assert listed("published") == set()


def test_second_withdrawal_is_a_conflict__APL_48(app, http):
    item = published(app, http)
    in_app(app, service.withdraw, item["id"], "决定已变更。", "changed", "publicity1", None)
    with app.app_context(), pytest.raises(StateConflict) as caught:
        service.withdraw(item["id"], "再次撤回。", "changed", "publicity1", None)
    assert status_of(caught.value) == 409


def test_withdraw_refuses_unknown_disclosure_and_bad_basis__APL_48(app, http):
    item = published(app, http)
    with app.app_context():
        with pytest.raises(NotFound) as missing:
            service.withdraw(10**9, "理由。", "changed", "publicity1", None)
        assert status_of(missing.value) == 404
        with pytest.raises(FormDataInvalid) as bad_basis:
            service.withdraw(item["id"], "理由。", "whim", "publicity1", None)
        assert "basis" in bad_basis.value.errors
        with pytest.raises(FormDataInvalid):
            service.withdraw(item["id"], "   ", "changed", "publicity1", None)
        db.session.rollback()


def test_correction_supersedes_the_old_version__OGI_41(app, http):
    old = published(app, http, disclosure_text="更正后的决定：给予警告。联系电话13812345678。")
    new_id = in_app(app, service.correct, old["id"], "更正后的决定：给予**。联系电话13812345678。",
                    "原公示文号有误。", "publicity1", None)
    before = http.call("GET", f"/api/v1/public/disclosures/{old['id']}").get_json()
    after = http.call("GET", f"/api/v1/public/disclosures/{new_id}").get_json()
    assert before["status"] == "superseded" and before["superseded_by"] == new_id
    assert after["status"] == "published" and after["supersedes"] == old["id"]
    assert after["correction_reason"] == "原公示文号有误。"
    assert "13812345678" not in after["masked_text"] and "138****5678" in after["masked_text"]
    assert after["decision_number"] == old["decision_number"] and after["party"] == old["party"]
    current = http.call("GET", f"/api/v1/public/disclosures?q={old['decision_number']}&status=published").get_json()
    assert [d["id"] for d in current] == [new_id]
    with app.app_context(), pytest.raises(StateConflict):
        service.correct(old["id"], further(old["masked_text"]), "重复。", "publicity1", None)


def test_withdrawn_decision_cannot_be_corrected__OGI_41(app, http):
    item = published(app, http)
    in_app(app, service.withdraw, item["id"], "决定被确认违法。", "illegal", "publicity1", None)
    with app.app_context(), pytest.raises(StateConflict):
        service.correct(item["id"], further(item["masked_text"]), "理由。", "publicity1", None)


def test_superseded_version_is_not_withdrawn_but_the_current_one_is__APL_48(app, http):
    old = published(app, http)
    new_id = in_app(app, service.correct, old["id"], further(old["masked_text"]), "更正理由。", "publicity1", None)
    with app.app_context(), pytest.raises(StateConflict):
        service.withdraw(old["id"], "撤回。", "changed", "publicity1", None)
    in_app(app, service.withdraw, new_id, "撤回。", "changed", "publicity1", None)
    assert http.call("GET", f"/api/v1/public/disclosures/{new_id}").get_json()["status"] == "withdrawn"


def test_minor_party_is_never_published__OGI_15(app, http):
    # born 2010-06-15: 16 years old on the decision date 2026-11-02
    iid = make_case(http, party_type="person", party_name="王小明", party_id_number="13052820100615123X")
    with app.app_context():
        with pytest.raises(RuleViolation) as refused:
            service.publish(db.session.get(Instance, iid), "publicity1")
        assert refused.value.rule == "minor_not_published"
        db.session.rollback()
        assert db.session.query(Disclosure).filter_by(instance_id=iid).count() == 0


def test_party_adult_on_decision_date_is_published_masked__OGI_15(app, http):
    # 18th birthday on the decision date itself: an adult
    item = published(app, http, party_type="person", party_name="欧阳小明", party_id_number="130528200811020016",
                      decision_date="2026-11-02")
    assert item["status"] == "published" and item["party"] == "欧阳某某"


def test_case_flag_marks_a_minor__OGI_15(app, http):
    iid = make_case(http, party_type="person", party_name="李四", party_id_number="", party_is_minor=True)
    with app.app_context(), pytest.raises(RuleViolation):
        service.publish(db.session.get(Instance, iid), "publicity1")


def test_birth_date_and_minor_helpers__OGI_15():
    assert people.birth_date("130528198001011234") == date(1980, 1, 1)
    assert people.birth_date("13052820080229001X") == date(2008, 2, 29)
    assert people.birth_date("130528198013011234") is None  # month 13
    assert people.birth_date("91130528MA0ABCDE1X") is None  # a credit code
    assert people.birth_date(None) is None
    assert people.age_on(date(2008, 2, 29), date(2026, 2, 28)) < 18
    assert not people.age_on(date(2008, 2, 29), date(2026, 3, 1)) < 18
    assert people.age_on(date(2008, 11, 3), date(2026, 11, 2)) < 18
    assert not people.age_on(date(2008, 11, 2), date(2026, 11, 2)) < 18
    assert service.masked_person_name("张三") == "张某"
    assert service.masked_person_name("John Smith") == "某某"


def test_disclosures_are_append_only__APL_48(app, http):
    item = published(app, http)
    with app.app_context():
        row = db.session.get(Disclosure, item["id"])
        row.masked_text = "silently changed"
        with pytest.raises(RuleViolation):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(Exception, match="(?i)append-only"):
            db.session.execute(text("UPDATE disclosures SET masked_text = 'x' WHERE id = :id"), {"id": item["id"]})
        db.session.rollback()
    assert http.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()["masked_text"] == item["masked_text"]


def test_unknown_disclosure_is_404(http):
    resp = http.call("GET", "/api/v1/public/disclosures/999999999")
    assert resp.status_code == 404 and resp.get_json()["code"] == 404

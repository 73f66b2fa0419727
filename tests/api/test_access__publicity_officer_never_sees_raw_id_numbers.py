"""The publicity officer sees a case only as publication needs it: every ID number masked — also on the tasks they
claimed or completed themselves (the assignee's view of a task is not the full case for them)."""
from __future__ import annotations

from tests import cases as c
from tests.api.walk import Acts, decision_number, to_proposal

ID = c.REGISTER["party_id_number"]


def _at_publication(http) -> tuple[int, str]:
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    return iid, http.open_task(iid, "task_review_masked")["id"]


def _no_raw_id(http, task: str) -> None:
    for url in (f"/api/v1/tasks/{task}", "/api/v1/tasks?scope=all&state=any&per_page=200", "/api/v1/tasks?scope=mine"):
        resp = http.call("GET", url, "publicity1")
        assert resp.status_code == 200, resp.get_json()
        assert ID not in resp.get_data(as_text=True), url


def test_a_claimed_publicity_task_shows_no_raw_id_number(http):
    iid, task = _at_publication(http)
    _no_raw_id(http, task)
    assert http.call("POST", f"/api/v1/tasks/{task}/claim", "publicity1").status_code == 200
    _no_raw_id(http, task)


def test_a_completed_publicity_task_shows_no_raw_id_number(http):
    iid, task = _at_publication(http)
    detail = http.call("GET", f"/api/v1/tasks/{task}", "publicity1").get_json()
    http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": detail["data"]["masked_text"]},
                  "publicity1")
    _no_raw_id(http, task)


def _line_of(message: str) -> str:
    return message.split("(")[0].strip()  # "line 2 " of "line 2 ('…') is not the original …"


def test_the_masking_check_is_no_oracle_for_an_id_number__OGI_37(http):
    """The publicity officer's masked text is checked against the original as they see it: typing back the raw ID
    number (right or wrong) is refused the same way, so the answer never confirms a digit they may not read."""
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]  # the officer typed the party's ID number into the case title
    acts.complete(iid, "task_register", {**c.REGISTER, "case_title": f"{c.REGISTER['case_title']}（当事人身份证{ID}）"})
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    task = http.open_task(iid, "task_review_masked")["id"]
    detail = http.call("GET", f"/api/v1/tasks/{task}", "publicity1").get_json()["data"]
    seen = detail["disclosure_text"]
    masked_id = next(line for line in seen.splitlines() if ID[:3] in line and "*" in line)
    hidden = masked_id[masked_id.index(ID[:3]):][:len(ID)]
    assert ID not in seen and hidden != ID
    wrong = ID[:-6] + ("000000" if ID[-6:] != "000000" else "111111")
    answers = []
    for guess in (ID, wrong):
        text = seen.replace(hidden, guess) + "\n编造的一行"  # the last line is never the original
        body = http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": text}, "publicity1",
                             expect=422)
        answers.append(_line_of(body["errors"]["masked_text"][0]))
    assert answers[0] == answers[1], answers  # the right ID is refused on its own line, like a wrong one
    assert http.open_task(iid, "task_review_masked")  # nothing was published

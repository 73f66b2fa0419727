"""The A/V analysis of a case (seed 四(二)1; docs/DOMAIN.md §6): durations, pauses with reasons, capture against the
task it documents, devices against the ledger, acts without A/V, overlaps — exact figures on a real
enforcement_case walked through the API with the clock pinned; the case's readers only, every read recorded."""
from __future__ import annotations

import json
import re
from datetime import UTC, timedelta

import pytest

from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, give_back, media, new_case, new_device, upload
from tests.api.helpers import beijing, web_login
from tests.api.orgs_support import make_user
from tests.api.tamper import raw

#: the morning of the on-site inspection (Beijing 09:00 = 01:00 UTC), well before the real clock
B = beijing(2026, 11, 20, 9)


def at(minutes: float) -> str:
    return (B + timedelta(minutes=minutes)).isoformat()


def utc(minutes: float) -> str:
    """The same instant as the API returns it (UTC ISO 8601)."""
    return (B + timedelta(minutes=minutes)).astimezone(UTC).isoformat()


def _record(http, iid: int, task: dict, device: str, captured: float, duration: int | None = None,
            pauses: list[dict] | None = None, as_user: str = "officer1") -> int:
    extra = {"task_id": task["id"], "captured_at": at(captured)}
    if duration is not None:
        extra["duration_seconds"] = str(duration)
    if pauses:
        extra["pauses"] = json.dumps(pauses)
    resp = upload(http, iid, media(MP4), "v.mp4", av_meta(device, **extra), as_user=as_user)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _analysis(http, iid: int, user: str = "auditor1"):
    return http.call("GET", f"/api/v1/instances/{iid}/av-analysis", user)


@pytest.fixture
def walked(http, pin):
    """An enforcement case with five recordings on its two recorded acts (启动记录, 调查取证):

    * rec1 on 启动记录, D1, 09:10, 1200 s, one pause 09:15–09:17 (更换电池) → ends 09:32
    * rec2 on 启动记录, D2 (officer2), 09:20, 600 s → ends 09:30; D2 was returned at 09:25
    * rec3 on 调查取证, D1, 09:31, 300 s → 9 minutes before that task opened (09:40); overlaps rec1 by 60 s
    * rec4 on 调查取证, D1, 09:50, no duration, a pause at 09:55 without a resume time
    * rec5 on 启动记录, D1, 12:00, 60 s → 2 h 20 min after that task was completed (09:40)
    """
    pin(B)
    d1, d2 = new_device(http), new_device(http)
    checkout(http, d1, "officer1")
    checkout(http, d2, "officer2")
    pin(B + timedelta(minutes=5))
    iid = new_case(http)  # 启动记录 opens at 09:05
    start = http.open_task(iid, "task_record_start")
    pin(B + timedelta(minutes=25))
    give_back(http, d2)
    pin(B + timedelta(minutes=33))  # each recording is uploaded after it ended
    rec1 = _record(http, iid, start, d1, 10, 1200, [{"at": at(15), "resumed_at": at(17), "reason": "更换电池"}])
    rec2 = _record(http, iid, start, d2, 20, 600, as_user="officer2")
    pin(B + timedelta(minutes=40))
    http.complete(iid, "task_record_start", c.RECORD_START, "officer1")  # 调查取证 opens at 09:40
    investigation = http.open_task(iid, "task_investigation")
    pin(B + timedelta(minutes=45))
    rec3 = _record(http, iid, investigation, d1, 31, 300)
    pin(B + timedelta(minutes=60))
    rec4 = _record(http, iid, investigation, d1, 50, pauses=[{"at": at(55), "reason": "设备过热"}])
    pin(B + timedelta(hours=2))
    http.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    pin(B + timedelta(hours=3, minutes=10))
    rec5 = _record(http, iid, start, d1, 180, 60)
    return {"iid": iid, "d1": d1, "d2": d2, "start": start["id"], "investigation": investigation["id"],
            "start_name": start["name"],
            "recs": [rec1, rec2, rec3, rec4, rec5]}


def test_each_recording_its_duration_pauses_task_gap_and_device(http, walked):
    body = _analysis(http, walked["iid"]).get_json()
    rec1, rec2, rec3, rec4, rec5 = walked["recs"]
    rows = {r["evidence_id"]: r for r in body["recordings"]}
    assert [r["evidence_id"] for r in body["recordings"]] == [rec1, rec2, rec3, rec4, rec5]  # in capture order
    one = rows[rec1]
    assert (one["duration_seconds"], one["duration"], one["pause_count"], one["paused_seconds"]) == (1200, "recorded", 1, 120)
    assert one["pauses"] == [{"at": utc(15), "resumed_at": utc(17), "seconds": 120, "reason": "更换电池"}]
    assert one["ended_at"] == utc(32)
    assert one["task"] == {"position": "while_open", "gap_seconds": 0, "flagged": False,
                           "opened_at": utc(5), "completed_at": utc(40)}
    assert one["device_at_start"] == {"at": utc(10), "checked_out_to": "officer1", "case_officer": True}
    assert one["device_at_end"] == {"at": utc(32), "checked_out_to": "officer1", "case_officer": True}
    # D2 went back to the store at 09:25, five minutes before rec2 ended
    assert rows[rec2]["device_at_end"] == {"at": utc(30), "checked_out_to": None, "case_officer": False}
    assert rows[rec2]["device_at_start"]["checked_out_to"] == "officer2"
    assert rows[rec3]["task"]["position"] == "before_opened" and rows[rec3]["task"]["gap_seconds"] == 540
    assert rows[rec3]["task"]["flagged"] is False  # within the hour's tolerance
    four = rows[rec4]
    assert (four["duration_seconds"], four["duration"], four["ended_at"]) == (None, "unknown", None)
    assert four["pauses"] == [{"at": utc(55), "resumed_at": None, "seconds": None, "reason": "设备过热"}]
    assert (four["pauses_unknown"], four["paused_seconds"], four["device_at_end"]) == (1, 0, None)
    assert rows[rec5]["task"]["position"] == "after_completed"
    assert (rows[rec5]["task"]["gap_seconds"], rows[rec5]["task"]["flagged"]) == (8400, True)


def test_totals_per_act_devices_overlaps_and_findings(http, walked):
    body = _analysis(http, walked["iid"]).get_json()
    rec1, rec2, rec3, rec4, rec5 = walked["recs"]
    assert body["tolerance_seconds"] == 3600
    assert body["totals"] == {"recordings": 5, "duration_seconds": 2160, "durations_unknown": 1, "pauses": 2,
                              "paused_seconds": 120, "pauses_unknown": 1}
    acts = {a["element_id"]: a for a in body["per_act"]}
    assert set(acts) == {"task_record_start", "task_investigation"}
    assert acts["task_record_start"] | {} == {
        "task_id": walked["start"], "task_name": walked["start_name"], "element_id": "task_record_start",
        "act_kind": "site_inspection", "state": "completed", "needs_av": True, "recordings": 3,
        "duration_seconds": 1860, "durations_unknown": 0, "pauses": 1, "paused_seconds": 120, "pauses_unknown": 0}
    inv = acts["task_investigation"]
    assert (inv["act_kind"], inv["recordings"], inv["duration_seconds"], inv["durations_unknown"],
            inv["pauses"], inv["pauses_unknown"]) == ("evidence_collection", 2, 300, 1, 1, 1)
    assert body["acts_without_av"] == []
    devices = {d["device_id"]: d for d in body["devices"]}
    assert devices[walked["d1"]] | {} == {
        "device_id": walked["d1"], "name": "执法记录仪", "kind": "body_cam", "in_ledger": True, "recordings": 4,
        "duration_seconds": 1560, "checked_out_to": ["officer1"], "all_held_by_case_officers": True}
    assert (devices[walked["d2"]]["recordings"], devices[walked["d2"]]["all_held_by_case_officers"]) == (1, False)
    assert body["overlaps"] == [
        {"evidence_ids": [rec1, rec2], "seconds": 600, "at_least": False, "same_device": False, "device_id": None},
        {"evidence_ids": [rec1, rec3], "seconds": 60, "at_least": False, "same_device": True,
         "device_id": walked["d1"]}]
    assert body["finding_counts"] == {"captured_long_after_task": 1, "device_not_held_by_case_officer": 1,
                                      "duration_unknown": 1, "pause_length_unknown": 1, "same_device_overlap": 1}
    by_code = {f["code"]: f for f in body["findings"]}
    assert by_code["captured_long_after_task"] == {"code": "captured_long_after_task", "evidence_id": rec5,
                                                   "gap_seconds": 8400}
    assert by_code["device_not_held_by_case_officer"] == {
        "code": "device_not_held_by_case_officer", "evidence_id": rec2, "device_id": walked["d2"], "at": utc(30),
        "checked_out_to": None}
    assert by_code["same_device_overlap"]["evidence_ids"] == [rec1, rec3]
    assert by_code["duration_unknown"]["evidence_id"] == rec4
    assert body["has_gaps"] is True


def test_an_open_act_is_pending_and_an_act_done_without_av_is_a_finding_once_the_case_is_full_process(http, pin):
    url = "/api/v1/settings/recording_requirements"
    table = http.call("GET", url, "owner1").get_json()["value"]
    pin(B)
    relaxed = {**table, "acts": {**table["acts"], "site_inspection": "text"}}
    assert http.call("PUT", url, "owner1", json={"value": relaxed}).status_code == 200
    try:
        pin(B + timedelta(minutes=5))
        iid = new_case(http)
        pin(B + timedelta(minutes=10))
        http.complete(iid, "task_record_start", c.RECORD_START, "officer1")  # no A/V: the table said text
    finally:
        pin(B + timedelta(minutes=15))
        assert http.call("PUT", url, "owner1", json={"value": table}).status_code == 200
    pin(B + timedelta(minutes=20))
    body = _analysis(http, iid).get_json()
    acts = {a["element_id"]: a for a in body["per_act"]}
    # done when the table asked no A/V of a site inspection: not a gap (the later change does not reach back)
    assert (acts["task_record_start"]["needs_av"], acts["task_record_start"]["recordings"]) == (False, 0)
    investigation = http.open_task(iid, "task_investigation")
    assert body["acts_without_av"] == [{"task_id": investigation["id"], "task_name": investigation["name"],
                                        "element_id": "task_investigation", "act_kind": "evidence_collection",
                                        "state": "ready", "needs_av": True}]
    assert body["findings"] == [] and body["has_gaps"] is False  # still open: pending, not a gap
    # the case turns out to touch major property rights: every act of it is recorded in full (§2.2)
    edit = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"major_property_rights": True}, "reason": "查明涉及重大财产权益"})
    assert edit.status_code == 200, edit.get_json()
    body = _analysis(http, iid).get_json()
    start = next(a for a in body["per_act"] if a["element_id"] == "task_record_start")
    assert body["findings"] == [{"code": "act_without_av", "task_id": start["task_id"], "task_name": start["task_name"]}]
    assert [a["state"] for a in body["acts_without_av"]] == ["completed", "ready"]
    assert body["has_gaps"] is True


def test_the_case_readers_only_and_every_read_recorded(http, app, walked):
    iid = walked["iid"]
    for user in ("officer1", "head1", "auditor1"):
        assert _analysis(http, iid, user).status_code == 200, user
    other_auditor = make_user(app, "auditor-scj", ["auditor"], "nj-scj")
    resp = _analysis(http, iid, other_auditor)
    assert resp.status_code == 404, resp.get_json()
    assert _analysis(http, iid, "head3").status_code == 404  # the other bureau's head
    assert _analysis(http, iid, "supervisor1").status_code == 200  # the supervising justice bureau reads it
    assert _analysis(http, iid, "publicity1").status_code == 403
    assert http.call("GET", f"/api/v1/instances/{iid}/av-analysis").status_code == 401
    assert _analysis(http, 10 ** 9, "auditor1").status_code == 404
    reads = http.call("GET", f"/api/v1/instances/{iid}/history?stream=access&per_page=500", "auditor1").get_json()
    events = reads["items"] if isinstance(reads, dict) else reads
    mine = [(e["actor"], e["type"]) for e in events if e["type"] == "av_analysis_read"]
    assert mine == [("officer1", "av_analysis_read"), ("head1", "av_analysis_read"),
                    ("auditor1", "av_analysis_read"), ("supervisor1", "av_analysis_read")]


def test_old_items_report_unknown_and_the_evidence_list_shows_the_new_fields(http, walked):
    items = http.call("GET", f"/api/v1/instances/{walked['iid']}/evidence", "officer1").get_json()
    by_id = {i["id"]: i for i in items}
    rec1, _, _, rec4, _ = walked["recs"]
    assert by_id[rec1]["duration_seconds"] == 1200
    assert by_id[rec1]["pauses"] == [{"at": utc(15), "resumed_at": utc(17), "reason": "更换电池"}]
    assert by_id[rec4]["duration_seconds"] is None
    assert by_id[rec4]["pauses"] == [{"at": utc(55), "reason": "设备过热"}]


@pytest.mark.parametrize(("extra", "field"), [
    ({"duration_seconds": "0"}, "duration_seconds"),
    ({"duration_seconds": "-5"}, "duration_seconds"),
    ({"duration_seconds": "abc"}, "duration_seconds"),
    ({"duration_seconds": "1.5"}, "duration_seconds"),
    ({"duration_seconds": str(24 * 3600 + 1)}, "duration_seconds"),
    ({"pauses": json.dumps([{"at": at(2), "resumed_at": at(1), "reason": "更换电池"}])}, "pauses"),
    ({"pauses": json.dumps([{"at": at(2), "resumed_at": at(2), "reason": "更换电池"}])}, "pauses"),
    ({"pauses": json.dumps([{"at": at(2), "resumed_at": at(4), "reason": "更换电池"},
                            {"at": at(3), "resumed_at": at(5), "reason": "设备过热"}])}, "pauses"),
    ({"pauses": json.dumps([{"at": at(3), "reason": "更换电池"}, {"at": at(2), "reason": "设备过热"}])}, "pauses"),
    ({"duration_seconds": "60", "pauses": json.dumps([{"at": at(2), "reason": "更换电池"}])}, "pauses"),
    ({"pauses": json.dumps([{"at": at(2), "resumed_at": "9999-12-31T00:00:00+00:00", "reason": "x"}])}, "pauses"),
    ({"pauses": json.dumps([{"at": at(2), "resumed_at": "later", "reason": "x"}])}, "pauses"),
])
def test_bad_durations_and_pause_times_are_422_naming_the_field_and_record_nothing(http, pin, extra, field):
    pin(B)
    device = new_device(http)
    checkout(http, device, "officer1")
    iid = new_case(http)
    resp = upload(http, iid, media(MP4), "v.mp4", av_meta(device, captured_at=at(0), **extra))
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["errors"], resp.get_json()
    assert http.call("GET", f"/api/v1/instances/{iid}/evidence", "officer1").get_json() == []


def test_a_photo_has_no_duration(http, pin):
    pin(B)
    iid = new_case(http)
    meta = {"kind": "photo", "captured_at": at(0), "officers": ["officer1"], "duration_seconds": "10"}
    resp = upload(http, iid, media(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "p.png", meta)
    assert resp.status_code == 422 and "duration_seconds" in resp.get_json()["errors"], resp.get_json()


def test_the_bureau_summary_counts_the_case_and_the_other_bureau_sees_none_of_it(http, pin, app):
    pin(B)
    before = http.call("GET", "/api/v1/statistics/2026/av-analysis", "head1").get_json()
    other_before = http.call("GET", "/api/v1/statistics/2026/av-analysis", "head3").get_json()
    device = new_device(http)
    checkout(http, device, "officer1")
    pin(B + timedelta(minutes=5))
    iid = new_case(http)
    start = http.open_task(iid, "task_record_start")
    pin(B + timedelta(minutes=30))
    _record(http, iid, start, device, 10, 900, [{"at": at(12), "resumed_at": at(13), "reason": "更换电池"}])
    _record(http, iid, start, device, 14, None)
    after = http.call("GET", "/api/v1/statistics/2026/av-analysis", "head1").get_json()
    for key, delta in {"cases": 1, "cases_with_av": 1, "recordings": 2, "duration_seconds": 900,
                       "durations_unknown": 1, "pauses": 1, "paused_seconds": 60, "pauses_unknown": 0,
                       "cases_with_gaps": 1}.items():
        assert after[key] - before[key] == delta, key
    mine = [g for g in after["gap_cases"] if g["instance_id"] == iid]
    assert mine == [{"instance_id": iid, "definition_key": "enforcement_case",
                     "findings": {"same_device_overlap": 1}}]
    assert after["findings"].get("duration_unknown", 0) - before["findings"].get("duration_unknown", 0) == 1
    other = http.call("GET", "/api/v1/statistics/2026/av-analysis", "head3").get_json()
    assert other == {**other_before, "as_of": other["as_of"]}
    assert http.call("GET", "/api/v1/statistics/2026/av-analysis", "officer1").status_code == 403
    assert http.call("GET", "/api/v1/statistics/2026/av-analysis?org=nj-mzj", "head3").status_code == 404


def _web(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client


def test_the_case_page_shows_the_analysis_in_chinese_and_english(app, http, walked):
    iid = walked["iid"]
    rec1, rec2, rec3, rec4, rec5 = walked["recs"]
    client = _web(app, "auditor1")
    zh = client.get(f"/cases/{iid}").get_data(as_text=True)
    assert "音像记录分析" in zh
    assert ("共 5 段音像记录，已记录时长 36分0秒，1 段时长未记录；暂停 2 次，已知暂停时长 2分0秒，"
            "1 次暂停时长未知。") in zh  # 2160 s recorded, 120 s paused
    assert "2026-11-20 09:15 2分0秒（更换电池）" in zh  # the pause, Beijing time, its length and reason
    assert "环节完成后 2小时20分0秒" in zh and "环节开启前 9分0秒" in zh
    assert f'data-evidence="{rec4}"' in zh and "未记录" in zh
    codes = re.findall(r'<li data-code="([a-z_]+)"', zh)
    assert sorted(codes) == ["captured_long_after_task", "device_not_held_by_case_officer", "duration_unknown",
                             "pause_length_unknown", "same_device_overlap"]
    en = client.get(f"/cases/{iid}?lang=en").get_data(as_text=True)
    assert ("5 recordings, 36 min 0 s of recorded running time, 1 without a recorded duration; 2 pauses, "
            "2 min 0 s of known paused time, 1 of unknown length.") in en
    assert f"recordings {rec1} and {rec3} overlap by 1 min 0 s" in en
    assert "2 h 20 min 0 s after the task was completed" in en
    # one recorded read for the page, analysis included
    reads = http.call("GET", f"/api/v1/instances/{iid}/history?stream=access&per_page=500", "auditor1").get_json()
    events = reads["items"] if isinstance(reads, dict) else reads
    assert [e["type"] for e in events if e["actor"] == "auditor1" and e["type"].startswith("case_page")] == [
        "case_page_read", "case_page_read"]


def test_the_publicity_officer_and_other_bureaus_see_no_analysis_on_the_page(app, walked):
    iid = walked["iid"]
    assert _web(app, "head3").get(f"/cases/{iid}").status_code == 404
    page = _web(app, "auditor1").get(f"/cases/{iid}").get_data(as_text=True)
    assert 'id="av-analysis"' in page


def test_the_dashboard_shows_the_bureau_figures(app, http, walked):
    expected = http.call("GET", "/api/v1/statistics/2026/av-analysis", "head1").get_json()
    page = _web(app, "head1").get("/dashboard?year=2026&lang=en").get_data(as_text=True)
    assert "A/V analysis (cases started this year)" in page
    assert f'<tr data-key="recordings"><th scope="row">Recordings</th><td class="num">{expected["recordings"]}</td>' \
           in page
    assert (f'<tr data-key="cases_with_gaps"><th scope="row">Cases with A/V gaps</th><td class="num">'
            f'{expected["cases_with_gaps"]}</td>') in page
    assert f'data-instance="{walked["iid"]}"' in page
    other = _web(app, "head3").get("/dashboard?year=2026").get_data(as_text=True)
    assert f'data-instance="{walked["iid"]}"' not in other


@pytest.mark.parametrize("sql", [
    "UPDATE evidence_items SET duration_seconds = 30 WHERE id = :e",  # a long recording made to look short
    "UPDATE evidence_items SET duration_seconds = NULL WHERE id = :e",  # a recorded length made unknown
])
def test_a_duration_changed_in_sql_is_reported_by_verify(http, app, pin, sql):
    pin(B)
    device = new_device(http)
    checkout(http, device, "officer1")
    iid = new_case(http)
    pin(B + timedelta(minutes=30))
    item = _record(http, iid, http.open_task(iid, "task_record_start"), device, 5, 1200)
    assert http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()["evidence_ok"]
    raw(app, sql, e=item)
    result = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    found = [p for p in result["problems"] if p["kind"] == "evidence" and p.get("evidence_id") == item]
    assert not result["evidence_ok"] and found and "duration_seconds" in found[0]["problem"], result["problems"]


def test_a_case_whose_definitions_cannot_be_read_is_a_finding_not_a_500(http, app):
    """One case whose process files cannot be rebuilt (a manifest naming a file the store never held) must not take
    the bureau's summary and dashboard down with it: its analysis says so, the others are counted as before."""
    iid = new_case(http)
    broken = json.dumps({"gone.bpmn": "0" * 64})
    with app.app_context():
        from api.extensions import db
        from api.models import Instance

        saved = json.dumps(db.session.get(Instance, iid).manifest)
        db.session.remove()
    raw(app, "UPDATE instances SET manifest = :m WHERE id = :i", m=broken, i=iid)
    app.extensions.pop("sanxiang_hot", None)
    try:
        resp = _analysis(http, iid, "auditor1")
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["finding_counts"].get("definitions_unreadable") == 1
        summary = http.call("GET", "/api/v1/statistics/2026/av-analysis", "head1")
        assert summary.status_code == 200, summary.get_json()
        assert summary.get_json()["findings"].get("definitions_unreadable", 0) >= 1
    finally:
        raw(app, "UPDATE instances SET manifest = :m WHERE id = :i", m=saved, i=iid)

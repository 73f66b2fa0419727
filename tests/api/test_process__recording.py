"""recording through HTTP: the start record (on-site inspection) and the investigation (evidence collection) are
enforcement acts: two officers with valid certificates (APL 42) and an A/V record attached (seed 四(二)2)."""
from __future__ import annotations

from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload
from tests.api.helpers import fixture
from tests.api.helpers import upload as upload_files


def test_both_steps_are_acts_that_need_an_av_record(http):
    deployed = upload_files(http, "/api/v1/definitions", {"recording_case.bpmn": fixture("recording_case.bpmn")})
    assert deployed.status_code in (200, 201), deployed.get_json()  # a wrapper declaring the start data
    iid = http.start("recording_case", {"officers": ["officer1", "officer2"], "case_title": "全过程记录测试"})["id"]
    task = http.open_task(iid, "task_record_start")
    refused = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": c.RECORD_START})
    assert refused.status_code == 403 and refused.get_json()["errors"]["rule"] == "av_required"
    device = new_device(http)
    checkout(http, device, "officer1")
    for element_id, data in (("task_record_start", c.RECORD_START), ("task_investigation", c.INVESTIGATION)):
        task = http.open_task(iid, element_id)
        resp = upload(http, iid, media(MP4), f"{element_id}.mp4", av_meta(device, task_id=task["id"]))
        assert resp.status_code == 201, resp.get_json()
        result = http.complete(iid, element_id, data, "officer1")
    assert result["status"] == "completed"

"""A/V pauses as docs/API.md documents them (a JSON list of {"at", "reason"} in the multipart field `pauses`) are
accepted and recorded; one JSON object per repeated `pauses` field too; odd input is 422 naming `pauses`, never 500."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.evidence_support import MP4, av_meta, checkout, media, new_case, new_device, upload


def _at(seconds_later: int) -> str:
    """A time ``seconds_later`` than now (the device is checked out just before; the clock skew allowed is 5 min)."""
    return (datetime.now(UTC) + timedelta(seconds=seconds_later)).isoformat()


@pytest.fixture
def av_case(http):
    device = new_device(http)
    checkout(http, device, "officer1")
    return new_case(http), device


def test_pauses_as_a_json_list_are_recorded(http, av_case):
    iid, device = av_case
    pauses = [{"at": _at(1), "reason": "更换电池"}, {"at": _at(2), "reason": "存储卡已满，更换存储卡"}]
    resp = upload(http, iid, media(MP4), "v.mp4", av_meta(device, captured_at=_at(0), pauses=json.dumps(pauses)))
    assert resp.status_code == 201, resp.get_json()
    assert [p["reason"] for p in resp.get_json()["pauses"]] == ["更换电池", "存储卡已满，更换存储卡"]
    listed = http.call("GET", f"/api/v1/instances/{iid}/evidence", "officer1").get_json()
    assert len(listed[-1]["pauses"]) == 2


def test_one_pause_per_repeated_field_is_recorded(http, av_case):
    iid, device = av_case
    pauses = [json.dumps({"at": _at(1), "reason": "更换电池"}), json.dumps({"at": _at(2), "reason": "设备过热"})]
    resp = upload(http, iid, media(MP4), "v.mp4", av_meta(device, captured_at=_at(0), pauses=pauses))
    assert resp.status_code == 201, resp.get_json()
    assert [p["reason"] for p in resp.get_json()["pauses"]] == ["更换电池", "设备过热"]


def test_an_empty_pauses_field_means_none(http, av_case):
    iid, device = av_case
    resp = upload(http, iid, media(MP4), "v.mp4", av_meta(device, captured_at=_at(0), pauses="[]"))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["pauses"] == []


@pytest.mark.parametrize("odd", ["{}", "[1]", '"text"', "[null]", "[[]]", '[{"at": "yesterday", "reason": "x"}]',
                                 '[{"reason": "x"}]', '[{"at": "2026-01-01T00:00:00", "reason": ""}]', "not json",
                                 '{"at": "2026-01-01T00:00:00"}', "[" * 50 + "]" * 50, "1e999", "NaN",
                                 '[{"at": "9999-12-31T23:59:59+14:00", "reason": "x"}]',
                                 '[{"at": "0001-01-01T00:00:00-12:00", "reason": "x"}]'])
def test_odd_pauses_are_422_naming_pauses(http, av_case, odd):
    iid, device = av_case
    resp = upload(http, iid, media(MP4), "v.mp4", av_meta(device, captured_at=_at(0), pauses=odd))
    assert resp.status_code == 422, (odd, resp.status_code, resp.get_data(as_text=True)[:300])
    assert "pauses" in resp.get_json()["errors"], resp.get_json()

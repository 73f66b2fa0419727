"""random_inspection (双随机、一公开) through HTTP: a reproducible draw from a published seed, the inspection as an
enforcement act by the two drawn inspectors, results published (or withheld with a reason)."""
from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta, timezone

from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload
from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

BEIJING = timezone(timedelta(hours=8))
TARGETS = ["城关清真寺", "大曹庄天主堂", "东汪福音堂", "凤凰寺", "贾家口观音庵", "苏家庄清真寺"]


def plan(seed: str) -> dict:
    return {"inspection_item": "宗教活动场所财务管理情况检查", "target_directory": "\n".join(TARGETS) + "\n\n",
            "target_count": 2, "inspector_directory": ["officer1", "officer2"], "lottery_seed": seed}


def redraw(seed: str, items: list[str], k: int) -> list[str]:
    """What anyone can do with the published seed and directory."""
    return sorted(items, key=lambda item: hashlib.sha256(f"{seed}\n{item}".encode()).hexdigest())[:k]


def _inspect(http, iid: int, results: dict) -> dict:
    device = new_device(http)
    checkout(http, device, "officer1")
    task = http.open_task(iid, "task_inspection")
    resp = upload(http, iid, media(MP4), "inspection.mp4", av_meta(device, task_id=task["id"]))
    assert resp.status_code == 201, resp.get_json()
    return http.complete(iid, "task_inspection", results, "officer2")


def test_the_draw_is_reproducible_and_the_results_are_published(http):
    seed = f"{today()} 公开摇号 {uuid.uuid4().hex[:8]}"
    iid = http.start("random_inspection")["id"]
    too_many = {**plan(seed), "target_count": len(TARGETS) + 1}
    assert _open(http.complete(iid, "task_lottery_plan", too_many, "officer1")) == ["task_lottery_plan"]
    assert "抽取数量" in _data(http, iid)["lottery_error"]
    assert _open(http.complete(iid, "task_lottery_plan", plan(seed), "officer1")) == ["task_inspection"]

    data = _data(http, iid)
    assert data["target_list"] == TARGETS
    assert data["drawn_targets"] == redraw(seed, TARGETS, 2)
    assert data["drawn_inspectors"] == redraw(seed + ":inspectors", ["officer1", "officer2"], 2)
    assert sorted(data["officers"]) == ["officer1", "officer2"]
    task = http.open_task(iid, "task_inspection")
    assert due_date(task) == data["results_due"] == working_days(today(), 20)

    results = {"inspection_results": f"{data['drawn_targets'][0]}：财务公开；{data['drawn_targets'][1]}：未按规定建立账册，"
                                     "联系人电话13812345678。", "problems_found": True, "follow_up": "责令限期改正。"}
    assert _open(_inspect(http, iid, results)) == ["task_review_results"]
    data = _data(http, iid)
    review = http.open_task(iid, "task_review_results")
    assert review["role"] == "publicity_officer"
    assert due_date(review) == data["disclosure_due"] == working_days(today(), 20)
    assert seed in data["masked_text"] and "13812345678" not in data["masked_text"]
    result = http.complete(iid, "task_review_results", {"publish_approved": True, "masked_text": data["masked_text"]},
                           "publicity1")
    assert result["status"] == "completed"
    published = http.call("GET", "/api/v1/public/disclosures?category=inspection&q=" + seed).get_json()
    assert len(published) == 1
    assert all(name in published[0]["masked_text"] for name in data["drawn_targets"])
    _verified(http, iid)


def test_results_withheld_only_with_a_reason(http):
    seed = f"withheld {uuid.uuid4().hex[:8]}"
    iid = http.start("random_inspection")["id"]
    http.complete(iid, "task_lottery_plan", plan(seed), "officer1")
    _inspect(http, iid, {"inspection_results": "均未发现问题。", "problems_found": False})
    masked = _data(http, iid)["masked_text"]
    no_reason = {"publish_withheld": True, "masked_text": masked}
    assert _open(http.complete(iid, "task_review_results", no_reason, "publicity1")) == ["task_review_results"]
    withheld = {**no_reason, "withhold_reason": "涉及正在查处的案件线索，暂不公开。"}
    result = http.complete(iid, "task_review_results", withheld, "publicity1")
    assert result["status"] == "completed"
    assert _data(http, iid)["disclosure_withheld"] == "officer"
    assert http.call("GET", "/api/v1/public/disclosures?q=" + seed).get_json() == []

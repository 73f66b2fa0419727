"""The officer's case pages without a browser: the "new" menu follows POST /api/v1/instances's rule, a start opens
the first task with a success message, and the case page follows GET /api/v1/instances/<id>'s rule (recorded on
the access stream, another bureau's case a 404 page, labels instead of codes)."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from api.extensions import db
from api.models import Event
from tests.api.helpers import csrf_of, web_login


def _client(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client


def _processes(page: str) -> set[str]:
    return set(re.findall(r'data-process="([^"]+)"', page))


def test_new_menu_lists_what_the_user_may_start_grouped_by_kind_with_the_diagram_names(app):
    page = _client(app, "officer1").get("/cases/new").get_data(as_text=True)
    # the shipped processes (other tests of the session may deploy more: they go to "other")
    assert {"enforcement_case", "permit_application", "random_inspection"} <= _processes(page)
    for name in ("行政执法案件", "行政许可", "双随机抽查"):  # names from the BPMN
        assert name in page
    for group in ("inbox_group_cases", "inbox_group_permits", "inbox_group_inspections"):
        assert f'id="group-{group.removeprefix("inbox_group_")}"' in page
    # called processes (recording, review, publication) and service-started ones are never started from the menu
    assert not _processes(page) & {"recording", "legal_review", "disclosure", "disclosure_correction"}


def test_new_menu_is_empty_for_roles_that_may_not_start_cases(app):
    for user in ("auditor1", "reviewer1", "owner1"):
        page = _client(app, user).get("/cases/new").get_data(as_text=True)
        assert _processes(page) == set() and 'id="empty"' in page, user


def test_starting_from_the_menu_opens_the_first_task_with_a_success_message(app, http):
    client = _client(app, "officer3")
    resp = client.post("/cases/new/enforcement_case", data={"csrf_token": csrf_of(client, "/cases/new")})
    assert resp.status_code == 302 and "/tasks/" in resp.headers["Location"]
    task_page = client.get(resp.headers["Location"]).get_data(as_text=True)
    found = re.search(r"已新建案件 #(\d+)（行政执法案件）", task_page)
    assert found, task_page[:2000]
    body = http.call("GET", f"/api/v1/instances/{found.group(1)}", "auditor1").get_json()
    assert body["started_by"] == "officer3" and body["tasks"][0]["element_id"] == "task_register"


def test_start_is_refused_as_the_api_refuses_it(app):
    client = _client(app, "auditor1")
    token = csrf_of(client, "/cases/new")
    assert client.post("/cases/new/enforcement_case", data={"csrf_token": token}).status_code == 403
    officer = _client(app, "officer1")
    token = csrf_of(officer, "/cases/new")
    assert officer.post("/cases/new/no_such_process", data={"csrf_token": token}).status_code == 404
    from api.extensions import db
    from api.models import Instance

    def count() -> int:
        with app.app_context():
            return db.session.query(Instance).count()

    before = count()
    for called in ("recording", "disclosure_correction"):  # called or service-started: not on their own (the
        # API's 422 on definition_key): back to the menu with the reason, nothing started
        resp = officer.post(f"/cases/new/{called}", data={"csrf_token": token})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/cases/new")
    assert count() == before


def _page_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found.group(1))


def test_case_page_marks_the_active_task_and_records_the_read(app, http):
    iid = http.start("enforcement_case", as_user="officer1")["id"]
    client = _client(app, "officer1")
    resp = client.get(f"/cases/{iid}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    data = _page_data(page)
    assert "<bpmn:process id=\"enforcement_case\"" in data["xml"]
    assert data["markers"]["task_register"] == "active"
    assert "done" in data["markers"].values()  # the start event
    with app.app_context():
        reads = db.session.scalars(select(Event).where(Event.stream == f"access:{iid}",
                                                       Event.type == "case_page_read")).all()
        assert [e.actor for e in reads] == ["officer1"]


def test_case_page_shows_labels_not_codes_and_links_the_workable_task(app, http):
    iid = http.start("enforcement_case", as_user="officer1")["id"]
    task = http.open_task(iid, "task_register")
    page = _client(app, "officer1").get(f"/cases/{iid}").get_data(as_text=True)
    main = page.split('<main id="content">', 1)[1].split('<script type="application/json"', 1)[0]
    assert "发起案件" in main and "instance_started" not in main
    assert "办理中" in main and "running" not in main
    assert f'href="/tasks/{task["id"]}"' in main
    # times in Beijing time, never ISO UTC
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", main)


def test_another_bureaus_case_is_a_404_page_and_a_colleague_not_on_it_403(app, http):
    iid = http.start("enforcement_case", as_user="officer1")["id"]
    resp = _client(app, "officer4").get(f"/cases/{iid}")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)
    assert _client(app, "publicity1").get(f"/cases/{iid}").status_code == 403
    with app.app_context():
        actors = set(db.session.scalars(select(Event.actor).where(Event.stream == f"access:{iid}")))
        assert not actors & {"officer4", "publicity1"}  # a refused read records nothing


def test_case_page_for_the_supervisor_is_read_only_but_readable(app, http):
    iid = http.start("enforcement_case", as_user="officer1")["id"]
    page = _client(app, "supervisor1").get(f"/cases/{iid}")
    assert page.status_code == 200
    assert 'href="/tasks/' not in page.get_data(as_text=True).split('id="open-tasks"', 1)[1].split("</ul>", 1)[0]


def test_case_page_lists_evidence_with_a_player_on_the_download_url(app, http):
    from tests.api.evidence_support import MP4, av_meta, checkout, media, new_case, new_device, upload

    iid = new_case(http)
    device = new_device(http)
    checkout(http, device, "officer1")
    resp = upload(http, iid, media(MP4), "clip.mp4", av_meta(device))
    assert resp.status_code == 201, resp.get_json()
    sha = resp.get_json()["sha256"]
    page = _client(app, "officer1").get(f"/cases/{iid}").get_data(as_text=True)
    evidence = page.split('id="evidence"', 1)[1].split("</ul>", 1)[0]
    assert f'<video controls preload="none" src="/api/v1/evidence/{sha}?instance_id={iid}"' in evidence
    assert "现场检查录像" in evidence and "音视频" in evidence and "audio_video" not in evidence
    assert "上传证据" in page  # the upload is in the record, as a label


def test_the_publicity_officer_sees_the_case_masked_without_record_or_evidence(app, http):
    from tests.api.access_support import ID_X, walk_a

    iid = walk_a(http)  # at the publication review, with ID numbers in its title and data
    page = _client(app, "publicity1").get(f"/cases/{iid}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ID_X not in text and f"{ID_X[:3]}*" in text  # masked, not dropped
    assert 'id="records"' not in text and 'id="evidence"' not in text
    with app.app_context():
        views = [e.data["view"] for e in db.session.scalars(select(Event).where(
            Event.stream == f"access:{iid}", Event.type == "case_page_read", Event.actor == "publicity1"))]
        assert views == ["masked"]


def test_a_process_with_start_data_gets_a_start_form_in_the_other_group(app, http):
    from tests.api.helpers import fixture
    from tests.api.helpers import upload as upload_files

    files = ("act_case.bpmn", "act_record.form", "act_escalation.form", "act_review.form")
    upload_files(http, "/api/v1/definitions", {name: fixture(name) for name in files})
    page = _client(app, "officer1").get("/cases/new").get_data(as_text=True)
    other = page.split('id="group-other"', 1)[1]
    assert 'data-process="act_case"' in other
    assert 'id="f-act_case-officers" name="officers"' in other and 'for="f-act_case-officers"' in other

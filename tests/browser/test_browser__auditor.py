"""The auditor's pages in a browser: find a case, replay its history step by step with the keyboard (the diagram's
marks and the event panel follow the slider), see it verified, download the archive, read the case file; a case whose
row was changed behind the application's back shows the altered badge; the per-version counts sit on the diagram."""
from __future__ import annotations

import io
import json
import uuid
import zipfile

from tests import cases as c
from tests.api.tamper import raw


def _bearer(tab, username: str) -> dict[str, str]:
    """A Bearer token of ``username``; the tab's requests carry its session cookie, so its CSRF token goes along."""
    csrf = {"X-CSRF-Token": tab.page.get_attribute('meta[name="csrf-token"]', "content") or ""}
    resp = tab.page.request.post(tab.url("/api/v1/auth/token"), headers=csrf,
                                 data={"username": username, "password": "demo"})
    assert resp.ok, resp.text()
    return {**csrf, "Authorization": f"Bearer {resp.json()['token']}"}


def _registered_case(tab, title: str) -> int:
    """A case started and registered by officer1 through the API (a Bearer token, not the tab's session)."""
    officer = _bearer(tab, "officer1")
    resp = tab.page.request.post(tab.url("/api/v1/instances"), headers=officer,
                                 data={"definition_key": "enforcement_case", "data": {}})
    assert resp.status == 201, resp.text()
    case = resp.json()
    task = next(t for t in case["tasks"] if t["element_id"] == "task_register")
    resp = tab.page.request.post(tab.url(f"/api/v1/tasks/{task['id']}/complete"), headers=officer,
                                 data={"data": {**c.REGISTER, "case_title": title}})
    assert resp.ok, resp.text()
    return case["id"]


def _classes(page, element_id: str) -> str:
    return page.get_attribute(f'g.djs-element[data-element-id="{element_id}"]', "class") or ""


def _wait_replay(tab) -> None:
    tab.page.wait_for_selector("body[data-replay-ready=true]")


def test_auditor_replays_verifies_downloads_and_reads_the_case_file(visit):
    tab = visit("auditor")
    tab.login("auditor1")
    title = f"审计回放测试案{uuid.uuid4().hex[:6]}"
    iid = _registered_case(tab, title)
    page = tab.page

    tab.goto(f"/audit?q={title}")
    row = page.locator(f'tr[data-instance="{iid}"]')
    assert row.count() == 1
    assert "办理中" in row.inner_text() and "执法人员一" in row.inner_text()
    tab.check("search")

    row.get_by_role("link", name=f"enforcement_case-{iid}").click()
    page.wait_for_load_state("networkidle")
    _wait_replay(tab)
    page.wait_for_selector("#verify-badge[data-result]")
    badge = page.locator("#verify-badge")
    assert badge.get_attribute("data-result") == "verified" and badge.inner_text() == "校验通过"
    tab.check("replay")

    slider = page.locator("#step")
    assert page.get_attribute("#step", "aria-labelledby") is None  # named by its <label for>
    assert page.locator("label[for=step]").inner_text().startswith("回放步骤")
    slider.focus()
    seen = []
    for _ in range(3):  # step 1 → 2 → 3 → 4 with the keyboard
        seen.append((page.inner_text("#step-out"), page.inner_text("#event-title"),
                     _classes(page, "task_register")))
        page.keyboard.press("ArrowRight")
    seen.append((page.inner_text("#step-out"), page.inner_text("#event-title"), _classes(page, "task_register")))
    assert [s[0] for s in seen] == [f"第 {n} 步，共 4 步" for n in (1, 2, 3, 4)]
    assert len({s[1] for s in seen}) == 4  # the event panel changed at every step
    assert "立案（流程启动）" in seen[0][1] and "办理完成" in seen[2][1]
    # the path: the registration is active after the start, completed once registered
    assert "replay-active" in seen[1][2] and "replay-done" not in seen[1][2]
    assert "replay-done" in seen[2][2] and "replay-active" not in seen[2][2]
    # at the registration step the panel shows who, the role and what was submitted, with labels
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#step-out") == "第 3 步，共 4 步"
    facts = page.inner_text("#event-facts")
    assert "执法人员一" in facts and "执法人员" in facts and "officer1" not in facts
    submitted = page.inner_text("#event-submitted")
    assert "行政处罚" in submitted and "penalty" not in submitted
    assert "张三" in page.inner_text("#data-at-step")  # the case data as it was after the registration
    page.keyboard.press("Home")
    assert page.inner_text("#step-out") == "第 1 步，共 4 步"
    assert "张三" not in page.inner_text("#data-panel")  # nothing registered yet at the start
    tab.check("replay at the start")

    with page.expect_download() as download:
        page.click("#archive-link")
    archive = download.value
    assert archive.suggested_filename == f"case-{iid}-archive.zip"
    with open(archive.path(), "rb") as fh:
        content = zipfile.ZipFile(io.BytesIO(fh.read()))
    manifest = json.loads(content.read("manifest.json"))
    assert manifest["instance"]["id"] == iid and "案卷.html" in content.namelist()

    page.click("#case-file-link")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("main")
    assert "行政执法案卷" in body and "卷内目录" in body and "立案登记" in body and "行政处罚" in body
    assert "penalty" not in body and "UTC" not in body
    tab.check("case file")


def test_a_row_changed_behind_the_applications_back_shows_the_altered_badge(visit, live_app):
    tab = visit("auditor")
    tab.login("auditor1")
    iid = _registered_case(tab, f"审计篡改测试案{uuid.uuid4().hex[:6]}")
    with live_app.app_context():
        from api.extensions import db
        from api.models import Instance

        data = dict(db.session.get(Instance, iid).data) | {"party_name": "李四"}
        db.session.remove()
    raw(live_app, "UPDATE instances SET data = :v WHERE id = :i", v=json.dumps(data, ensure_ascii=False), i=iid)
    tab.goto(f"/audit/{iid}")
    tab.page.wait_for_selector("#verify-badge[data-result]")
    badge = tab.page.locator("#verify-badge")
    assert badge.get_attribute("data-result") == "altered" and badge.inner_text() == "记录被改动"
    problems = tab.page.inner_text("#verify-problems")
    assert "案件记录与历史一致" in problems and "字段 data" in problems and "party_name" in problems
    assert "案件记录与历史一致：未通过" in tab.page.inner_text("#verify-checks").replace(": ", "：")
    tab.check("altered")


def test_version_counts_sit_on_the_diagram(visit):
    tab = visit("auditor")
    tab.login("auditor1")
    _registered_case(tab, f"版本统计浏览器案{uuid.uuid4().hex[:6]}")
    tab.goto("/audit/versions/enforcement_case/1")
    tab.page.wait_for_selector("body[data-counts-ready=true]")
    badge = tab.page.locator('.count-badge[data-element="task_register"]')
    assert badge.count() == 1
    row = tab.page.locator('#counts-table tr[data-element="task_register"] td')
    past = int(row.nth(2).inner_text())
    assert past >= 1 and f"已过 {past}" in badge.inner_text()
    tab.check("version counts")


def test_the_replay_works_on_a_phone(visit):
    tab = visit("auditor-phone", width=375, height=740)
    tab.login("auditor1")
    iid = _registered_case(tab, f"手机回放测试案{uuid.uuid4().hex[:6]}")
    tab.goto(f"/audit/{iid}")
    _wait_replay(tab)
    tab.page.click("#step-next")
    assert tab.page.inner_text("#step-out") == "第 2 步，共 4 步"
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, width  # nothing forces a horizontal scroll
    tab.check("replay on a phone")

"""The heatmap and the compare page in a browser: the counts of the head's bureau sit on the diagram's elements, the
elements are coloured by their median time, and the page passes axe-core."""
from __future__ import annotations

import uuid

from tests import cases as c


def _bearer(tab, username: str) -> dict[str, str]:
    csrf = {"X-CSRF-Token": tab.page.get_attribute('meta[name="csrf-token"]', "content") or ""}
    resp = tab.page.request.post(tab.url("/api/v1/auth/token"), headers=csrf,
                                 data={"username": username, "password": "demo"})
    assert resp.ok, resp.text()
    return {**csrf, "Authorization": f"Bearer {resp.json()['token']}"}


def _registered_case(tab) -> None:
    officer = _bearer(tab, "officer1")
    resp = tab.page.request.post(tab.url("/api/v1/instances"), headers=officer,
                                 data={"definition_key": "enforcement_case", "data": {}})
    assert resp.status == 201, resp.text()
    task = next(t for t in resp.json()["tasks"] if t["element_id"] == "task_register")
    resp = tab.page.request.post(tab.url(f"/api/v1/tasks/{task['id']}/complete"), headers=officer,
                                 data={"data": {**c.REGISTER, "case_title": f"热力图案{uuid.uuid4().hex[:6]}"}})
    assert resp.ok, resp.text()


def test_the_heads_heatmap_shows_counts_and_colours_on_the_diagram(visit):
    tab = visit("head")
    tab.login("head1")
    _registered_case(tab)
    stats = tab.page.request.get(tab.url("/api/v1/definitions/enforcement_case/versions/1/stats"),
                                 headers=_bearer(tab, "head1")).json()
    figures = {e["element_id"]: e for e in stats["elements"]}
    tab.goto("/processes/enforcement_case/versions/1/heatmap")
    tab.page.wait_for_selector("body[data-heatmap=ready]", state="attached")
    recusal = tab.page.locator('.heat-badges[data-element="task_recusal"] .heat-active')
    assert recusal.inner_text() == str(figures["task_recusal"]["active"]) and figures["task_recusal"]["active"] >= 1
    register = tab.page.locator('.heat-badges[data-element="task_register"] .heat-passed')
    assert register.inner_text() == str(figures["task_register"]["passed"])
    classes = tab.page.get_attribute('g.djs-element[data-element-id="task_register"]', "class") or ""
    assert any(f"heat-{n}" in classes.split() for n in range(1, 6)), classes  # a median: coloured
    row = tab.page.locator('#heatmap-table tr[data-element="task_register"] td.median')
    assert row.inner_text() != "—"
    tab.check("heatmap")


def test_the_compare_page_details_a_changed_form(visit):
    """A process whose user task keeps its form key while the form gains a field: the task is marked changed in
    both diagrams and its row names the form's versions and the new field."""
    from tests.api.probe_support import probe_files

    tab = visit("owner")
    tab.login("owner1")
    owner = _bearer(tab, "owner1")
    key = f"browser_cmp_{uuid.uuid4().hex[:6]}"
    first = probe_files(key)
    second = probe_files(key, form_extra=[{"type": "textfield", "key": "recusal_witness", "label": "见证人"}],
                         bpmn_edits=(('name="立案登记"', 'name="立案登记（修订）"'),))
    order = [f"{key}_recusal.form", f"{key}_major.dmn", f"{key}.bpmn"]
    for files in (first, second):
        for name in order:
            resp = tab.page.request.post(tab.url("/api/v1/definitions"), headers=owner, multipart={
                "files": {"name": name, "mimeType": "application/octet-stream", "buffer": files[name]}})
            assert resp.status in (200, 201), resp.text()
    tab.goto(f"/processes/{key}/compare?a=1&b=2")
    tab.page.wait_for_selector("body[data-compared=true]", state="attached")
    for side in ("old", "new"):
        classes = tab.page.get_attribute(f'#canvas-{side} g.djs-element[data-element-id="task_recusal"]', "class")
        assert "diff-changed" in (classes or "").split()
    row = tab.page.locator('#changes tr[data-element="task_recusal"]').inner_text()
    assert f"表单 {key}_recusal: 第1版 → 第2版" in row and "新增字段 recusal_witness" in row
    assert "name: 立案登记 → 立案登记（修订）" in tab.page.locator('#changes tr[data-element="task_register"]').inner_text()
    tab.check("compare form")

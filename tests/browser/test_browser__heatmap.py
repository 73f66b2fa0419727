"""The heatmap of a process version in a browser: the counts of the head's bureau sit on the diagram's elements, the
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

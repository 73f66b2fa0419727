"""The compare page marks what the compare endpoint answers; the heatmap page shows what the stats endpoint answers,
to the same users, with the same scope."""
from __future__ import annotations

import json
import re

import pytest

from tests import cases as c
from tests.api.helpers import fixture, upload, web_login
from tests.api.orgs_support import make_user
from tests.api.probe_support import probe_files

KEY = "web_cmp_probe"


def _page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert found, "no page data"
    return json.loads(found.group(1))


def _logged_in(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client


@pytest.fixture(scope="module")
def deployed(app):
    from tests.conftest import Api

    http = Api(app.test_client())
    for edits in ((), (('name="立案登记"', 'name="立案登记（修订）"'),)):
        resp = upload(http, "/api/v1/definitions", probe_files(KEY, bpmn_edits=edits,
                                                               form_extra=[{"type": "textfield", "key": "w"}] if edits
                                                               else None))
        assert resp.status_code == 201, resp.get_json()
    iid = http.start(KEY)["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    return iid


def test_the_compare_page_carries_the_endpoints_answer(app, http, deployed):
    page = _logged_in(app, "owner1").get(f"/processes/{KEY}/compare?a=1&b=2")
    assert page.status_code == 200
    data = _page_data(page.get_data(as_text=True))
    api = http.call("GET", f"/api/v1/definitions/{KEY}/compare?a=1&b=2", "owner1").get_json()
    assert data["diff"] == api
    assert data["compare_url"] == f"/api/v1/definitions/{KEY}/compare?a=1&b=2"
    changed = {e["id"]: [ch["what"] for ch in e["changes"]] for e in data["diff"]["changed"]}
    assert changed == {"task_register": ["name"], "task_recusal": ["form"]}
    assert data["strings"]["compare_form"] == "表单"


def test_the_heatmap_page_shows_the_stats_of_the_callers_bureau(app, http, deployed):
    page = _logged_in(app, "head1").get(f"/processes/{KEY}/versions/2/heatmap")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = _page_data(html)
    api = http.call("GET", f"/api/v1/definitions/{KEY}/versions/2/stats", "head1").get_json()
    assert {k: v for k, v in data["stats"].items() if k != "as_of"} == {k: v for k, v in api.items() if k != "as_of"}
    figures = {e["element_id"]: (e["active"], e["passed"]) for e in data["stats"]["elements"]}
    assert figures["task_register"] == (0, 1) and figures["task_recusal"] == (1, 0)
    assert '<tr data-element="task_recusal">' in html
    # the case runs on version 2: version 1 counts none of it
    assert http.call("GET", f"/api/v1/definitions/{KEY}/versions/1/stats", "head1").get_json()["cases"] == {"total": 0}
    # the other bureau's head sees none of these cases; an officer may not see the figures at all
    theirs = _page_data(_logged_in(app, "head3").get(f"/processes/{KEY}/versions/2/heatmap").get_data(as_text=True))
    assert theirs["stats"]["cases"] == {"total": 0}
    assert _logged_in(app, "officer1").get(f"/processes/{KEY}/versions/2/heatmap").status_code == 403
    assert _logged_in(app, "head1").get(f"/processes/{KEY}/versions/9/heatmap").status_code == 404
    assert app.test_client().get(f"/processes/{KEY}/versions/2/heatmap").status_code == 302


def test_another_bureaus_process_has_no_heatmap_for_the_caller(app):
    owner = make_user(app, "owner_scj_heat", ["process_owner"], "nj-scj")
    key = "scj_heat_probe"
    xml = fixture("case_data_probe.bpmn").decode().replace('id="case_data_probe"', f'id="{key}"')
    from tests.conftest import Api

    resp = upload(Api(app.test_client()), "/api/v1/definitions",
                  {f"{key}.bpmn": xml.replace("defs_case_data_probe", f"defs_{key}").encode(),
                   "fixture_note.form": fixture("fixture_note.form")}, as_user=owner)
    assert resp.status_code == 201, resp.get_json()
    assert _logged_in(app, "head3").get(f"/processes/{key}/versions/1/heatmap").status_code == 200
    assert _logged_in(app, "head1").get(f"/processes/{key}/versions/1/heatmap").status_code == 404


def test_the_processes_list_links_the_heatmap_for_those_who_may_see_it(app, deployed):
    owner = _logged_in(app, "owner1").get("/processes").get_data(as_text=True)
    assert f'href="/processes/{KEY}/versions/2/heatmap"' in owner

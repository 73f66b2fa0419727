"""The A/V recording list's admin page (/admin/recording-items): the bureau admin saves a new version through the same
service and schema as the API (the API reads it back), a bad entry is refused in the page's language and changes
nothing, an officer reads the list without the form and cannot post, and another bureau's entries are not shown."""
from __future__ import annotations

import re
import uuid

from tests.api.helpers import csrf_of, web_login
from tests.api.orgs_support import scj_admin
from tests.api.recording_support import entry, put_entry


def _browser(app, username: str, lang: str = "zh"):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    client.get(f"/inbox?lang={lang}")
    return client, csrf_of(client, "/inbox")


def _flash(page: str) -> str:
    return " ".join(re.findall(r'<div class="flash (?:ok|bad)" role="status">([^<]*)</div>', page))


def test_the_admin_saves_a_version_the_api_reads_back(app, http):
    client, token = _browser(app, "admin")
    code = f"post-{uuid.uuid4().hex[:8]}"
    resp = client.post("/admin/recording-items", data={"csrf_token": token, "code": code, "kind": "post",
                                                       "name": "现场执法岗", "av_required": "on",
                                                       "av_acts": ["site_inspection", "service"]},
                       follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f"已保存 {code} 的新版本" in _flash(page) and "现场执法岗" in page
    [saved] = http.call("GET", f"/api/v1/recording-items/{code}", "officer1").get_json()
    assert (saved["kind"], saved["av_required"], saved["av_acts"], saved["changed_by"], saved["org"]) == (
        "post", True, ["service", "site_inspection"], "admin", "nj-mzj")


def test_a_bad_entry_is_refused_in_the_page_language_and_changes_nothing(app, http):
    code = f"bad-{uuid.uuid4().hex[:8]}"
    for lang, text in (("zh", "提交的内容有误"), ("en", "The form has errors")):
        client, token = _browser(app, "admin", lang)
        resp = client.post("/admin/recording-items", data={"csrf_token": token, "code": code, "kind": "post",
                                                           "name": "岗位", "av_acts": ["hearing"]},  # acts, no A/V
                           follow_redirects=True)
        flashed = _flash(resp.get_data(as_text=True))
        assert text in flashed and "已保存" not in flashed
    assert http.call("GET", f"/api/v1/recording-items/{code}", "admin").status_code == 404


def test_an_officer_reads_the_list_without_the_form_and_cannot_post(app, http):
    mine = put_entry(http, entry("penalty", True, ["hearing"]))
    theirs = put_entry(http, entry("penalty", True), as_user=scj_admin(app))
    client, token = _browser(app, "officer1")
    page = client.get("/admin/recording-items").get_data(as_text=True)
    assert mine["code"] in page and theirs["code"] not in page and 'id="new-recording-item"' not in page
    resp = client.post("/admin/recording-items", data={"csrf_token": token, **entry("post", False),
                                                       "av_required": ""})
    assert resp.status_code == 403

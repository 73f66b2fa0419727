"""The process owner's migration page: the preview table says in the page's language which cases can move and why
not, the button migrates the movable ones (the same service as the JSON API), other roles are refused and another
bureau's cases are not listed."""
from __future__ import annotations

import re

from tests import cases
from tests.api.helpers import csrf_of, web_login
from tests.api.instance_migration_support import case, case_files, deploy, instance
from tests.api.orgs_support import make_user


def _browser(app, username: str, lang: str = "zh"):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    client.get(f"/inbox?lang={lang}")
    return client


def _rows(page: str) -> dict[int, str]:
    return {int(i): body for i, body in re.findall(r'<tr data-instance="(\d+)" class="[a-z]+">(.*?)</tr>', page, re.S)}


def test_the_owner_previews_and_migrates_from_the_process_page(http, app):
    key, moving = case(http)
    staying = http.start(key)["id"]
    http.complete(staying, "task_register", cases.REGISTER, "officer1")
    deploy(http, case_files(key, check_task=True, filing_script="filing_rule = 'APL 2021'"))
    client = _browser(app, "owner1")
    assert f"/processes/{key}/migrate" in client.get("/processes").get_data(as_text=True)

    page = client.get(f"/processes/{key}/migrate?from_version=1&preview=1").get_data(as_text=True)
    rows = _rows(page)
    assert "可以迁移" in rows[moving] and "新增任务：立案复核" in rows[moving]
    assert "不能迁移" in rows[staying] and "已完成的任务「立案：起算办案期限」" in rows[staying], rows[staying]
    assert instance(http, moving)["version"] == 1  # a preview changes nothing
    assert f'name="instance_ids" value="{moving}"' in page

    token = csrf_of(client, f"/processes/{key}/migrate")
    refused = client.post(f"/processes/{key}/migrate", data={"from_version": "1", "instance_ids": str(moving)})
    assert refused.status_code in (400, 403) and instance(http, moving)["version"] == 1  # no CSRF token
    done = client.post(f"/processes/{key}/migrate", data={"from_version": "1", "instance_ids": str(moving),
                                                          "csrf_token": token}).get_data(as_text=True)
    assert "已迁移 1 / 1 件案件" in done and "1 → 2" in _rows(done)[moving]
    assert instance(http, moving)["version"] == 2 and instance(http, staying)["version"] == 1

    english = _browser(app, "owner1", "en")
    page = english.get(f"/processes/{key}/migrate?from_version=1&preview=1&instance_ids={staying}")
    assert "changed in the new version: script" in _rows(page.get_data(as_text=True))[staying]


def test_other_roles_are_refused_and_another_bureau_sees_none_of_the_cases(http, app):
    key, iid = case(http)
    deploy(http, case_files(key, check_task=True))
    assert _browser(app, "officer1").get(f"/processes/{key}/migrate").status_code == 403
    other = make_user(app, "owner-scj", ["process_owner"], "nj-scj")
    page = _browser(app, other).get(f"/processes/{key}/migrate?from_version=1&preview=1").get_data(as_text=True)
    assert iid not in _rows(page) and "没有符合条件的运行中案件" in page
    page = _browser(app, other).get(f"/processes/{key}/migrate?from_version=1&preview=1&instance_ids={iid}")
    assert iid not in _rows(page.get_data(as_text=True))
    assert instance(http, iid)["version"] == 1

"""The bureau's A/V recording list (音像记录事项和岗位清单, seed 四(二)1): permit items, penalty items and posts,
each with whether (and for which acts) audio/video is kept, as versioned data the bureau admin edits; a case's item
and post then decide which of its acts need an A/V record (api/services/recording_list.py), through the real
enforcement_case diagram."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from api.extensions import db
from api.models import Event, RecordingItem
from tests import cases as c
from tests.api.orgs_support import scj_admin
from tests.api.recording_support import complete_act, entry, put_entry, to_right_notice
from tests.api.walk import Acts


def test_an_item_requiring_av_refuses_the_act_without_an_av_record(http):
    acts = Acts(http)
    item = put_entry(http, entry("penalty", True, ["other_act"]))
    iid, task = to_right_notice(http, acts, {"service_item": item["code"]})
    refused = complete_act(http, task)
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["errors"]["rule"] == "av_required"
    assert f"recording list: penalty {item['code']} v1" in refused.get_json()["message"]
    acts.attach_av(iid, task)  # needed, so no legality argument is asked for
    assert complete_act(http, task).status_code == 200


def test_an_item_not_requiring_av_lets_the_act_complete_without_one(http):
    acts = Acts(http)
    item = put_entry(http, entry("penalty", False))
    _, task = to_right_notice(http, acts, {"service_item": item["code"]})
    assert complete_act(http, task).status_code == 200


def test_an_item_requiring_av_for_other_acts_only_does_not_ask_for_this_one(http):
    acts = Acts(http)
    item = put_entry(http, entry("penalty", True, ["hearing"]))
    _, task = to_right_notice(http, acts, {"service_item": item["code"]})
    assert complete_act(http, task).status_code == 200


def test_a_post_requiring_av_for_every_act_refuses_the_act_without_one(http):
    acts = Acts(http)
    post = put_entry(http, entry("post", True))
    _, task = to_right_notice(http, acts, {"service_post": post["code"]})
    refused = complete_act(http, task)
    assert refused.status_code == 403 and refused.get_json()["errors"]["rule"] == "av_required"
    assert f"post {post['code']}" in refused.get_json()["message"]


def test_the_list_in_force_when_the_act_is_done_applies(http):
    """Chosen: the version in force when the act is done (a procedural rule applies to acts from the day it is
    set), not the one of the day the case started; each version stays readable with who set it."""
    acts = Acts(http)
    first = put_entry(http, entry("penalty", False))
    iid, task = to_right_notice(http, acts, {"service_item": first["code"]})
    tightened = put_entry(http, {**entry("penalty", True, ["other_act"]), "code": first["code"]})
    assert tightened["version"] == 2
    refused = complete_act(http, task)
    assert refused.status_code == 403 and "v2" in refused.get_json()["message"]
    versions = http.call("GET", f"/api/v1/recording-items/{first['code']}", "officer1").get_json()
    assert [(v["version"], v["av_required"], v["changed_by"]) for v in versions] == [(1, False, "admin"),
                                                                                       (2, True, "admin")]
    # relaxed again: the act needs no A/V any more
    put_entry(http, {**entry("penalty", False), "code": first["code"]})
    assert complete_act(http, task).status_code == 200


def test_another_bureaus_list_is_not_used(app, http):
    acts = Acts(http)
    mine = put_entry(http, entry("penalty", False))
    # nj-scj's admin writes an entry of the same code requiring A/V for every act: nj-scj's own list
    theirs = put_entry(http, {**entry("penalty", True), "code": mine["code"]}, as_user=scj_admin(app))
    assert theirs["org"] == "nj-scj"
    _, task = to_right_notice(http, acts, {"service_item": mine["code"]})
    assert complete_act(http, task).status_code == 200
    # an entry only nj-scj has is neither readable nor choosable in nj-mzj
    only_theirs = put_entry(http, entry("penalty", True), as_user=scj_admin(app))
    assert http.call("GET", f"/api/v1/recording-items/{only_theirs['code']}", "officer1").status_code == 404
    assert only_theirs["code"] not in [e["code"] for e in http.call("GET", "/api/v1/recording-items",
                                                                    "officer1").get_json()]
    iid = http.start("enforcement_case")["id"]
    resp = http.call("POST", f"/api/v1/tasks/{http.open_task(iid, 'task_register')['id']}/complete", "officer1",
                     json={"data": {**c.REGISTER, "service_item": only_theirs["code"]}})
    assert resp.status_code == 422 and "service_item" in resp.get_json()["errors"]
    # and nj-mzj's admin cannot write into nj-scj's list
    assert http.call("POST", "/api/v1/recording-items?org=nj-scj", "admin",
                     json=entry("penalty", False)).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"kind": "station"}, "kind"),
    ({"av_acts": ["bogus_act"]}, "av_acts"),
    ({"av_required": False, "av_acts": ["hearing"]}, "av_acts"),
    ({"code": "../etc"}, "code"),
    ({"name": "   "}, "name"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_entries_are_422_naming_the_field_and_change_nothing(http, body, field):
    good = entry("penalty", True, ["hearing"])
    before = len(http.call("GET", "/api/v1/recording-items", "admin").get_json())
    resp = http.call("POST", "/api/v1/recording-items", "admin", json={**good, **body})
    assert resp.status_code == 422, resp.get_json()
    assert field in str(resp.get_json()["errors"])
    assert len(http.call("GET", "/api/v1/recording-items", "admin").get_json()) == before


def test_only_the_bureau_admin_or_process_owner_edits_the_list(http):
    for user in ("officer1", "head1", "reviewer1", "auditor1"):
        assert http.call("POST", "/api/v1/recording-items", user, json=entry()).status_code == 403, user
    assert http.call("POST", "/api/v1/recording-items", None, json=entry()).status_code == 401
    assert http.call("GET", "/api/v1/recording-items", None).status_code == 401


def test_a_change_is_an_attributed_event_and_rows_are_never_changed(app, http):
    item = put_entry(http, entry("permit", True, ["site_inspection"]))
    with app.app_context():
        changes = db.session.scalars(select(Event).where(Event.stream == "recording_items",
                                                         Event.type == "recording_item_changed"))
        assert [(e.actor, e.data["version"], e.data["av_acts"]) for e in changes
                if e.data.get("code") == item["code"]] == [("admin", 1, ["site_inspection"])]
        row = db.session.scalar(select(RecordingItem).where(RecordingItem.code == item["code"]))
        assert row.changed_by == "admin"
        with pytest.raises(Exception):  # noqa: B017 - ORM guard and database trigger alike
            db.session.execute(text("UPDATE recording_items SET av_required = false WHERE code = :c"),
                               {"c": item["code"]})
            db.session.flush()
        db.session.rollback()
        with pytest.raises(Exception):  # noqa: B017
            db.session.execute(text("DELETE FROM recording_items WHERE code = :c"), {"c": item["code"]})
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(RecordingItem.av_required).where(RecordingItem.code == item["code"])) is True

"""Anonymous correction requests are throttled per client address (CORRECTIONS_PER_HOUR; 429 with Retry-After,
nothing recorded) and each accepted one returns a reference number the requester can quote."""
from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from api.extensions import db
from api.models import CorrectionRequest
from tests.api.test_public__disclosures import published

REASON = "公示的决定书文号与送达的决定书不一致。"


def _ask(app, item, addr):
    client = app.test_client()
    return client.post("/api/v1/public/corrections", environ_base={"REMOTE_ADDR": addr},
                       json={"disclosure_id": item["id"], "contact": "13900000000", "reason": REASON})


def _kept(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CorrectionRequest.id)))


def test_an_address_is_throttled_after_the_hourly_limit_and_others_are_not(app, http, monkeypatch):
    monkeypatch.setitem(app.config, "CORRECTIONS_PER_HOUR", 3)
    item = published(app, http)
    accepted = [_ask(app, item, "198.51.100.7") for _ in range(3)]
    assert [r.status_code for r in accepted] == [201] * 3, [r.get_json() for r in accepted]
    before = _kept(app)
    refused = _ask(app, item, "198.51.100.7")
    assert refused.status_code == 429, refused.get_json()
    assert refused.get_json()["code"] == 429 and "hour" in refused.get_json()["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert _kept(app) == before  # a refused request records nothing
    other = _ask(app, item, "203.0.113.9")
    assert other.status_code == 201, other.get_json()


def test_requests_sent_at_once_cannot_all_pass_the_count(app, http, monkeypatch):
    monkeypatch.setitem(app.config, "CORRECTIONS_PER_HOUR", 2)
    item = published(app, http)
    out: list = [None] * 6
    barrier = threading.Barrier(len(out))

    def go(i):
        barrier.wait()
        out[i] = _ask(app, item, "198.51.100.66").status_code

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(out))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out).count(201) == 2, out
    assert all(code in (201, 409, 429) for code in out), out


def test_each_request_gets_a_reference_to_quote(app, http, monkeypatch):
    monkeypatch.setitem(app.config, "CORRECTIONS_PER_HOUR", 10)
    item = published(app, http)
    first, second = _ask(app, item, "192.0.2.1").get_json(), _ask(app, item, "192.0.2.1").get_json()
    for body in (first, second):
        assert re.fullmatch(r"JC\d{8}-\d{6}", body["reference"]), body
        assert body["reference"].endswith(f"{body['id']:06d}")
    assert first["reference"] != second["reference"]

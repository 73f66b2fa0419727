"""The bytes served as evidence from an object store are the bytes whose sha256 was just checked: an object replaced
in the bucket between the check and the download (no version pinning would serve the replacement after a passing
check) is never served as the evidence, whole or by Range; the read is refused and the next one reports it altered.
Against the local S3 server the object-store tests start (SANXIANG_TEST_S3_PORT).
"""
from __future__ import annotations

import os

import pytest

from api.evidence import resources
from api.services.evidence_store import key_of
from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload
from tests.api.s3_support import client


def _replace_before_serving(monkeypatch, endpoint: str, bucket: str, sha: str, body: bytes) -> list[bool]:
    """Replace the object once, after the read's check passed and before its bytes are served."""
    done: list[bool] = []
    original = resources._send_object

    def replaced_then_sent(*args, **kwargs):
        if not done:
            client(endpoint).put_object(Bucket=bucket, Key="evidence/" + key_of(sha), Body=body)
            done.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(resources, "_send_object", replaced_then_sent)
    return done


@pytest.mark.parametrize("range_header", [None, "bytes=100-2999"])
def test_an_object_replaced_after_the_check_is_never_served(app, http, bucket, endpoint, monkeypatch, range_header):
    iid = new_case(http)
    content = media(PNG, 5000)
    item = upload(http, iid, content, "site.png", photo_meta()).get_json()
    headers = {"Range": range_header} if range_header else {}
    first = http.call("GET", item["url"], "officer1", headers=headers)  # checked once: the check is cached now
    assert first.status_code in (200, 206) and first.data in (content, content[100:3000])
    tampered = PNG + os.urandom(5000 - len(PNG))  # the same size and type, other bytes throughout
    done = _replace_before_serving(monkeypatch, endpoint, bucket["EVIDENCE_S3_BUCKET"], item["sha256"], tampered)
    resp = http.call("GET", item["url"], "officer1", headers=headers)
    assert done == [True]
    served = resp.get_data()
    assert tampered[100:3000] not in served and tampered not in served
    assert resp.status_code == 409, (resp.status_code, resp.headers)
    body = resp.get_json()
    assert set(body) == {"code", "status", "message", "errors"} and item["sha256"] in body["message"]
    monkeypatch.undo()
    for key, value in bucket.items():  # undo() dropped the bucket's configuration too
        monkeypatch.setitem(app.config, key, value)
    assert http.call("GET", item["url"], "officer1").status_code == 409  # the next read finds it altered

"""A download's conditional and Range answers, from the folder store and from the object store alike:

* ``If-Match`` naming another file → 412 with the one error body, and none of the file's bytes (werkzeug's
  ``make_conditional`` set the status and left the whole file as the body: a multi-GB recording streamed under a
  412 in the file's media type);
* a ``Range`` in a unit other than bytes is ignored (RFC 9110 §14.2: the whole file, 200), not refused with 416;
* several ranges in one header are refused with 416 and a message saying one range is served;
* the app sets no ``Date`` header: the server adds its own (gunicorn always does), and ``make_conditional`` had
  added a second one.
Against the local S3 server the object-store tests start (SANXIANG_TEST_S3_PORT) for the ``object`` store.
"""
from __future__ import annotations

import pytest

from tests.api.evidence_support import PDF, media, new_case, upload

STORES = ["folder", "object"]


@pytest.fixture(params=STORES)
def stored(request, http):
    """A 1,000-byte PDF uploaded to a new case, in the folder store or in a new bucket: (url, sha256, bytes)."""
    if request.param == "object":
        request.getfixturevalue("bucket")
    iid = new_case(http)
    content = media(PDF, 1000)
    item = upload(http, iid, content, "笔录.pdf", {"kind": "document", "officers": ["officer1"]}).get_json()
    return item["url"], item["sha256"], content


def test_if_match_naming_another_file_is_412_with_the_error_body_and_no_bytes(http, stored):
    url, sha, content = stored
    for if_match in ('"0000"', '"other", W/"x"'):
        resp = http.call("GET", url, "head1", headers={"If-Match": if_match})
        assert resp.status_code == 412, if_match
        body = resp.get_json()
        assert set(body) == {"code", "status", "message", "errors"} and body["code"] == 412
        assert sha in body["message"]
        assert content[:64] not in resp.get_data() and resp.mimetype == "application/json"
        assert "Content-Range" not in resp.headers
    for if_match in (f'"{sha}"', "*", f'"other", "{sha}"'):
        resp = http.call("GET", url, "head1", headers={"If-Match": if_match})
        assert resp.status_code == 200 and resp.get_data() == content, if_match
    part = http.call("GET", url, "head1", headers={"If-Match": f'"{sha}"', "Range": "bytes=0-9"})
    assert part.status_code == 206 and part.get_data() == content[:10]
    refused = http.call("GET", url, "head1", headers={"If-Match": '"0000"', "Range": "bytes=0-9"})
    assert refused.status_code == 412 and content[:10] not in refused.get_data()


@pytest.mark.parametrize("header", ["items=0-9", "pages=1-2", "x-unit=5-"])
def test_a_range_in_an_unknown_unit_is_ignored(http, stored, header):
    url, _, content = stored
    resp = http.call("GET", url, "head1", headers={"Range": header})
    assert resp.status_code == 200 and resp.get_data() == content
    assert "Content-Range" not in resp.headers and resp.headers["Accept-Ranges"] == "bytes"


def test_several_ranges_are_refused_saying_one_is_served(http, stored):
    url, _, content = stored
    resp = http.call("GET", url, "head1", headers={"Range": "bytes=0-9,20-29"})
    assert resp.status_code == 416
    body = resp.get_json()
    assert set(body) == {"code", "status", "message", "errors"} and "one range" in body["message"]
    assert resp.headers["Content-Range"] == "bytes */1000" and content[:10] not in resp.get_data()


@pytest.mark.parametrize("headers", [{}, {"Range": "bytes=0-9"}, {"If-None-Match": "*"}])
def test_the_date_header_is_left_to_the_server(http, stored, headers):
    url, _, _ = stored
    resp = http.call("GET", url, "head1", headers=headers)
    assert resp.status_code in (200, 206, 304)
    assert resp.headers.getlist("Date") == []  # the test client adds none; gunicorn and werkzeug's server add one

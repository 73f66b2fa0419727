"""An error body never echoes whole a phone number the client typed (a path, a query, a JSON key or value, a form
field), as it never echoes an ID number. Found from outside: 404 "task 13812345678 not found", 422 "unknown role(s):
13812345678", "not offered: 13812345678", "'13812345678' is not a data key". Only what the request carried is masked:
digits the server writes itself (a sha256, a task id) are echoed as they are."""
from __future__ import annotations

import pytest

from tests.api.walk import to_proposal

PHONE = "13812345678"


def _no_phone(resp) -> dict:
    text = resp.get_data(as_text=True)
    assert PHONE not in text, text[:400]
    body = resp.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    return body


@pytest.mark.parametrize(("method", "url", "body"), [
    ("GET", f"/api/v1/tasks/{PHONE}", None),
    ("GET", f"/api/v1/users/{PHONE}", None),
    ("GET", f"/api/v1/tasks?scope={PHONE}", None),
    ("POST", "/api/v1/users", {"username": "u_x", "password": "a-long-passw0rd!", "roles": [PHONE],
                               "display_name": "某人"}),
    ("POST", "/api/v1/auth/token", {"username": "admin", "password": "demo", PHONE: 1}),
    ("POST", "/api/v1/instances", {"definition_key": PHONE, "data": {}}),
])
def test_a_refusal_masks_the_phone_number_it_quotes(http, method, url, body):
    resp = http.call(method, url, "admin", json=body)
    assert 400 <= resp.status_code < 500, resp.status_code
    _no_phone(resp)


@pytest.mark.parametrize("raw", [
    '{"definition_key": "\\u0031\\u0033\\u0038\\u0031\\u0032\\u0033\\u0034\\u0035\\u0036\\u0037\\u0038", "data": {}}',
    '{"definition_key": "tel13812345678", "data": {}}',
    '{"definition_key": "x13812345678y", "data": {}}',
])
def test_a_phone_spelled_with_escapes_or_beside_letters_is_masked(http, raw):
    """Found by a second attack: JSON escapes and a letter beside the number got past the mask."""
    resp = http.call("POST", "/api/v1/instances", "officer1", data=raw, content_type="application/json")
    assert 400 <= resp.status_code < 500
    _no_phone(resp)


def test_a_data_edit_key_that_is_a_phone_number_is_masked_in_the_refusal(http):
    iid = to_proposal(http)
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {PHONE: 1}, "reason": "更正"})
    assert resp.status_code == 422
    body = _no_phone(resp)
    assert "138****5678" in str(body)


def test_digits_the_server_writes_are_not_masked(app):
    from api.errors import error_body

    sha = "ab" + PHONE + "c" * 51  # a sha256 the server names, holding a phone-like run by chance
    with app.test_request_context("/api/v1/instances/1/archive"):
        assert sha in error_body(409, f"evidence file {sha} is missing")["message"]
    with app.test_request_context(f"/api/v1/evidence/{sha}"):  # typed by the client, inside a hash: no phone
        assert sha in error_body(404, f"evidence file {sha} not found")["message"]
    with app.test_request_context(f"/api/v1/tasks/{PHONE}"):  # typed by the client as such: masked
        assert PHONE not in error_body(404, f"task {PHONE} not found")["message"]


@pytest.mark.parametrize("url", ["/api/v1/tasks/" + "x" * 60_000, "/api/v1/" + "y" * 60_000,
                                 "/api/v1/users/" + "z" * 60_000])
def test_a_long_path_is_not_echoed_at_length(http, url):
    """Found from outside: a 404 copied a 60,000-character path whole into its message."""
    resp = http.call("GET", url, "admin")
    assert resp.status_code == 404
    body = resp.get_json()
    assert set(body) == {"code", "status", "message", "errors"} and len(resp.get_data()) < 3_000


FULL_WIDTH = "１３８１２３４５６７８"  # as a Chinese IME types it


@pytest.mark.parametrize(("method", "url", "body"), [
    ("GET", f"/api/v1/tasks/{FULL_WIDTH}", None),
    ("GET", f"/api/v1/tasks?scope={FULL_WIDTH}", None),
    ("POST", "/api/v1/instances", {"definition_key": FULL_WIDTH, "data": {}}),
    ("POST", "/api/v1/instances", {"definition_key": "１３８ １２３４ ５６７８", "data": {}}),
])
def test_a_phone_typed_in_full_width_digits_is_masked(http, method, url, body):
    """Known gap of earlier sessions: the phone masks read the request as typed, so digits an IME types in full
    width (１３８…) were echoed whole; they are now read folded, as the publication masks read them."""
    resp = http.call(method, url, "admin", json=body)
    assert 400 <= resp.status_code < 500, resp.status_code
    text = resp.get_data(as_text=True)
    assert FULL_WIDTH not in text and "１２３４ ５６７８" not in text, text[:400]
    if "not found" in text:  # the refusal quotes it: masked as a phone is (the tail kept), not dropped
        assert "５６７８" in text and "****" in text, text[:400]

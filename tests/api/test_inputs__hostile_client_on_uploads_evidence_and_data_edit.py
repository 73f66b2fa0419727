"""A hostile client that knows only docs/API.md attacks the newest routes: resumable uploads (tus), evidence
downloads (Range, conditional), verify, health and the admin data edit. Every refusal is a 4xx with the one error
body (``code``, ``status``, ``message``, ``errors`` naming the field or header), never a 5xx; a refusal records and
changes nothing (no event, no evidence item, no upload byte); and no answer echoes an ID number typed in the
hostile input unmasked.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from datetime import datetime

import pytest
from werkzeug.datastructures import Headers

from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload
from tests.api.tus_support import OFFSET_TYPE, TUS, create, head, metadata, patch, sha1_of
from tests.cases import BEIJING

ID_NUMBER = "110101199003071234"  # a valid-looking resident ID number typed by the attacker


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _refused(resp, status: int | tuple[int, ...], field: str | None = None) -> dict:
    """The one error body with ``status``; ``errors`` names ``field``; no ID number typed by the attacker."""
    statuses = (status,) if isinstance(status, int) else status
    assert resp.status_code in statuses, (resp.status_code, resp.get_data(as_text=True)[:500])
    body = resp.get_json()
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert body["code"] == resp.status_code and isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert field in body["errors"], body
    assert ID_NUMBER not in resp.get_data(as_text=True), body
    assert ID_NUMBER not in str(dict(resp.headers)), resp.headers
    return body


def _uploads_url(iid: int) -> str:
    return f"/api/v1/instances/{iid}/evidence/uploads"


def _history(http, iid: int) -> list[dict]:
    return http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()


def _evidence(http, iid: int) -> list[dict]:
    return http.call("GET", f"/api/v1/instances/{iid}/evidence", "officer1").get_json()


def _post(http, iid: int, **headers):
    return http.call("POST", _uploads_url(iid), "officer1", headers={**TUS, **headers})


def _open_upload(http, iid: int, length: int = 4096) -> str:
    created = create(http, iid, length, "photo.png", photo_meta())
    assert created.status_code == 201, created.get_json()
    return created.headers["Location"]


def _offset(http, url: str) -> int:
    return int(head(http, url).headers["Upload-Offset"])


@pytest.fixture
def case(http) -> int:
    return new_case(http)


# --- creation: Upload-Length ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["-1", "0x10", "1e3", "abc", "", " 12", "12 ", "+12", "1.5", "1, 2", "12,12",
                                   "²", "١٢", "99999999999999999999999", ID_NUMBER + "x"])
def test_a_malformed_upload_length_is_400_naming_it(http, case, value):
    resp = _post(http, case, **{"Upload-Length": value, "Upload-Metadata": metadata("p.png", photo_meta())})
    _refused(resp, 400, "Upload-Length")
    assert http.call("GET", _uploads_url(case), "officer1").status_code in (405,)


def test_an_upload_length_beyond_the_limit_is_413_and_two_header_lines_are_refused(http, case, app):
    limit = app.config["EVIDENCE_UPLOAD_MAX_BYTES"]
    resp = _post(http, case, **{"Upload-Length": str(limit + 1), "Upload-Metadata": metadata("p.png", photo_meta())})
    _refused(resp, 413, "file")
    headers = Headers([("Tus-Resumable", "1.0.0"), ("Upload-Length", "10"), ("Upload-Length", "20"),
                       ("Upload-Metadata", metadata("p.png", photo_meta()))])
    resp = http.call("POST", _uploads_url(case), "officer1", headers=headers)
    _refused(resp, 400, "Upload-Length")


def test_a_missing_upload_length_and_a_deferred_one_are_400(http, case):
    _refused(_post(http, case, **{"Upload-Metadata": metadata("p.png", photo_meta())}), 400, "Upload-Length")
    _refused(_post(http, case, **{"Upload-Defer-Length": "1", "Upload-Metadata": metadata("p.png", photo_meta())}),
             400, "Upload-Defer-Length")


# --- creation: Upload-Metadata ----------------------------------------------------------------------------------

def _meta_pairs(**overrides: str) -> str:
    values = {"filename": "p.png", "kind": "photo", "captured_at": photo_meta()["captured_at"], "place": "宁晋县某村",
              "officers": json.dumps(["officer1", "officer2"])}
    values.update(overrides)
    return ",".join(f"{k} {_b64(v)}" for k, v in values.items())


@pytest.mark.parametrize(("header", "status", "field"), [
    ("filename cC5wbmc=,kind !!!notbase64", 400, "kind"),
    ("filename cC5wbmc=,kind cGhvdG8", 400, "kind"),  # base64 without its padding
    ("filename cC5wbmc=,filename cC5wbmc=", 400, "Upload-Metadata"),  # a duplicate key
    ("filename cC5wbmc=,my key cGhvdG8=", 400, "my"),  # a space inside a key: "my" with a value not base64
    ("filename cC5wbmc=,kïnd cGhvdG8=", 400, "Upload-Metadata"),  # a non-ASCII key
    ("filename cC5wbmc=," + "k" * 65 + " cGhvdG8=", 400, "Upload-Metadata"),  # a key too long
    ("filename cC5wbmc=,kind " + base64.b64encode(b"\xff\xfe").decode(), 400, "kind"),  # not UTF-8
    ("filename cC5wbmc=,title " + _b64("a\x00b"), 400, "title"),  # NUL in a value
    ("filename cC5wbmc=,title " + base64.b64encode("\ud800".encode("utf-8", "surrogatepass")).decode(), 400,
     "title"),  # a lone surrogate
])
def test_malformed_upload_metadata_is_refused_naming_it(http, case, header, status, field):
    resp = _post(http, case, **{"Upload-Length": "4096", "Upload-Metadata": header})
    _refused(resp, (status, 422), field)


@pytest.mark.parametrize(("officers", "field"), [
    ('{"a": 1}', "officers"), ("42", "officers"), ('"officer1"', "officers"), ("[1, 2]", "officers"),
    ("[[\"officer1\"]]", "officers"), ("null", "officers"), ("[" * 40 + "]" * 40, "officers"),
    (json.dumps(["officer1", ID_NUMBER]), "officers"),
])
def test_an_officers_value_that_is_not_a_list_of_usernames_is_422(http, case, officers, field):
    resp = _post(http, case, **{"Upload-Length": "4096", "Upload-Metadata": _meta_pairs(officers=officers)})
    _refused(resp, 422, field)


@pytest.mark.parametrize("kind", ["photo", "document"])
@pytest.mark.parametrize("pauses", ["[1]", '{"at": 1}', '[{"at": "x", "reason": "r"}]', "[" * 200 + "]" * 200,
                                    '[{"at": 1, "reason": 2}, {"bad": true}]'])
def test_malformed_pauses_on_a_photo_or_document_are_422_naming_them(http, case, kind, pauses):
    """Found from outside: marshmallow names a list's bad items by index (int keys beside "_schema"), and the error
    body could not be encoded: a 500."""
    resp = _post(http, case, **{"Upload-Length": "4096", "Upload-Metadata": _meta_pairs(kind=kind, pauses=pauses)})
    _refused(resp, (400, 422), "pauses")
    assert http.call("GET", f"/api/v1/instances/{case}/evidence", "officer1").get_json() == []


UNSTORABLE = [  # JSON escapes that decode to a lone surrogate or a NUL: text no database column can hold
    ("officers", r'["\ud800"]'), ("officers", r'["officer1", "\udfff"]'), ("officers", r'["\u0000"]'),
    ("pauses", r'[{"\ud800": 1}]'), ("pauses", r'{"\udfff": "\ud800"}'),
    ("pauses", r'[{"at": "2026-01-01T00:00:00Z", "reason": "\u0000"}]'),
    ("pauses", r'[{"at": "2026-01-01T00:00:00Z", "reason": "\ud800"}]'),
]


@pytest.mark.parametrize(("field", "value"), UNSTORABLE)
@pytest.mark.parametrize("route", ["tus", "multipart"])
def test_escaped_nul_or_lone_surrogate_in_upload_metadata_is_422_naming_the_field(http, case, field, value, route):
    """Found from outside: a lone surrogate reached the database lookup of the officers (500), or an error key the
    body could not encode (500); a NUL answered an unnamed 400, and in a pause reason it was accepted at creation
    and refused by the final chunk."""
    if route == "tus":
        meta = {"kind": "photo", "captured_at": photo_meta()["captured_at"], "place": "宁晋县某村",
                "officers": json.dumps(["officer1", "officer2"]), field: value}
        resp = _post(http, case, **{"Upload-Length": "4096",
                                    "Upload-Metadata": ",".join(f"{k} {_b64(v)}" for k, v in
                                                                {"filename": "p.png", **meta}.items())})
    else:
        resp = upload(http, case, media(PNG), "p.png", {**photo_meta(), field: value})
    body = _refused(resp, (400, 422), field)
    assert "cannot be stored" not in body["message"] or field in body["errors"], body
    assert http.call("GET", f"/api/v1/instances/{case}/evidence", "officer1").get_json() == []


@pytest.mark.parametrize("value", ["cGhvé", "Y\u00e9", "cGhvdG8=\u4e2d"])
def test_non_ascii_inside_a_base64_metadata_value_is_400(http, case, value):
    """Found from outside: 500 (base64's ValueError for a non-ASCII str was not caught)."""
    header = f"filename cC5wbmc=,kind {value}".encode().decode("latin-1")
    resp = _post(http, case, **{"Upload-Length": "4096", "Upload-Metadata": header})
    _refused(resp, 400, "kind")


def test_huge_metadata_values_and_id_number_keys_are_refused_without_echo(http, case):
    resp = _post(http, case, **{"Upload-Length": "4096", "Upload-Metadata": _meta_pairs(title="标" * 20000)})
    _refused(resp, (400, 413, 422, 431), None)
    resp = _post(http, case, **{"Upload-Length": "4096", "Upload-Metadata": _meta_pairs(**{ID_NUMBER: "x"})})
    _refused(resp, (400, 422), None)
    resp = _post(http, case, **{"Upload-Length": "4096", "Upload-Metadata": _meta_pairs(place=ID_NUMBER * 3000)})
    _refused(resp, (400, 413, 422, 431), None)
    resp = _post(http, case, **{"Upload-Length": "4096",
                                "Upload-Metadata": f"filename cC5wbmc=,{ID_NUMBER} !!!"})
    _refused(resp, 400, None)
    assert http.call("GET", f"/api/v1/instances/{case}/evidence", "officer1").get_json() == []


@pytest.mark.parametrize("version", [None, "", "0.2.2", "1.0", "1.0.0 ", "1.0.0, 0.2.2", "1.0.1"])
def test_a_wrong_tus_version_is_412_with_tus_version(http, case, version):
    headers = {"Upload-Length": "4096", "Upload-Metadata": metadata("p.png", photo_meta())}
    if version is not None:
        headers["Tus-Resumable"] = version
    resp = http.call("POST", _uploads_url(case), "officer1", headers=headers)
    _refused(resp, 412, "Tus-Resumable")
    assert resp.headers["Tus-Version"] == "1.0.0"


# --- PATCH ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("offset", "status", "field"), [
    ("-1", 400, "Upload-Offset"), ("abc", 400, "Upload-Offset"), ("", 400, "Upload-Offset"),
    ("²", 400, "Upload-Offset"), ("1, 0", 400, "Upload-Offset"), ("0x0", 400, "Upload-Offset"),
    ("99999999999999999999", 400, "Upload-Offset"), ("5", 409, None), ("4097", 409, None),
    ("9223372036854775807", 409, None),
])
def test_a_wrong_upload_offset_is_refused_and_appends_nothing(http, case, offset, status, field):
    url = _open_upload(http, case)
    resp = http.call("PATCH", url, "officer1", headers={**TUS, "Upload-Offset": offset}, data=b"x" * 10,
                     content_type=OFFSET_TYPE)
    _refused(resp, status, field)
    assert _offset(http, url) == 0


def test_a_missing_upload_offset_is_400(http, case):
    url = _open_upload(http, case)
    resp = http.call("PATCH", url, "officer1", headers=dict(TUS), data=b"x" * 10, content_type=OFFSET_TYPE)
    _refused(resp, 400, "Upload-Offset")
    assert _offset(http, url) == 0


@pytest.mark.parametrize("value", ["crc32 AAAA", "SHA1 " + sha1_of(b"x").split()[1], "sha1 !!!", "sha1",
                                   "sha256 " + ID_NUMBER + "!", "", "md5 " + _b64("x") + " extra"])
def test_a_bad_upload_checksum_is_refused_and_appends_nothing(http, case, value):
    url = _open_upload(http, case)
    body = media(PNG, 100)
    headers = {**TUS, "Upload-Offset": "0", "Upload-Checksum": value}
    resp = http.call("PATCH", url, "officer1", headers=headers, data=body, content_type=OFFSET_TYPE)
    _refused(resp, (400, 460), "Upload-Checksum")
    assert _offset(http, url) == 0


def test_a_checksum_of_the_wrong_size_is_a_mismatch(http, case):
    url = _open_upload(http, case)
    resp = patch(http, url, 0, media(PNG, 100), checksum="sha256 " + _b64("short"))
    _refused(resp, 460, "Upload-Checksum")
    assert _offset(http, url) == 0


@pytest.mark.parametrize("content_type", [None, "application/octet-stream", "application/offset+octet-stream; x=1",
                                          "text/plain", "multipart/form-data; boundary=x"])
def test_a_chunk_with_another_content_type_is_415_or_accepted_with_parameters(http, case, content_type):
    url = _open_upload(http, case)
    body = media(PNG, 100)
    kwargs = {"content_type": content_type} if content_type else {}
    resp = http.call("PATCH", url, "officer1", headers={**TUS, "Upload-Offset": "0"}, data=body, **kwargs)
    if content_type and content_type.startswith(OFFSET_TYPE):  # parameters do not change the media type
        assert resp.status_code == 204, resp.get_json()
        assert _offset(http, url) == 100
    else:
        _refused(resp, 415, "Content-Type")
        assert _offset(http, url) == 0


def test_a_body_longer_than_declared_or_than_the_upload_appends_nothing(http, case):
    url = _open_upload(http, case, length=100)
    content = media(PNG, 200)
    _refused(patch(http, url, 0, content), 413, "Upload-Length")
    assert _offset(http, url) == 0
    # a body longer than its Content-Length: only the declared bytes are read
    resp = patch(http, url, 0, io.BytesIO(content), length=50)
    assert resp.status_code == 204 and resp.headers["Upload-Offset"] == "50"
    assert _offset(http, url) == 50


def test_a_body_without_content_length_past_the_upload_appends_nothing(http, case):
    url = _open_upload(http, case, length=100)
    resp = http.call("PATCH", url, "officer1", headers={**TUS, "Upload-Offset": "0"}, content_type=OFFSET_TYPE,
                     environ_overrides={"wsgi.input": io.BytesIO(media(PNG, 300)), "wsgi.input_terminated": True})
    _refused(resp, 413, "Upload-Length")
    assert _offset(http, url) == 0


def test_a_413_names_the_offset_the_upload_stays_at(http, case):
    """Found from outside: a body without Content-Length running past the length was answered "the upload is at
    <the bytes written before the cut>", while HEAD (rightly) showed the offset before the chunk."""
    content = media(PNG, 3 << 20)
    url = _open_upload(http, case, length=len(content))
    assert patch(http, url, 0, content[:1 << 20]).status_code == 204
    too_long = content[1 << 20:] + b"\0" * (1 << 20)
    resp = http.call("PATCH", url, "officer1", headers={**TUS, "Upload-Offset": str(1 << 20)},
                     content_type=OFFSET_TYPE,
                     environ_overrides={"wsgi.input": io.BytesIO(too_long), "wsgi.input_terminated": True})
    body = _refused(resp, 413, "Upload-Length")
    assert f"(the upload is at {1 << 20})" in body["message"], body["message"]
    assert _offset(http, url) == 1 << 20


@pytest.mark.parametrize("first", [0, 30])
def test_a_streamed_chunk_that_ends_exactly_at_the_length_completes_the_upload(http, case, first):
    """Found from outside: a PATCH without Content-Length (a streaming client) that ended exactly at Upload-Length
    was always answered 413, so such a client could never finish an upload."""
    content = media(PNG, 80)
    url = _open_upload(http, case, length=len(content))
    if first:
        assert patch(http, url, 0, content[:first]).status_code == 204
    resp = http.call("PATCH", url, "officer1", headers={**TUS, "Upload-Offset": str(first)}, content_type=OFFSET_TYPE,
                     environ_overrides={"wsgi.input": io.BytesIO(content[first:]), "wsgi.input_terminated": True})
    assert resp.status_code == 204, resp.get_data(as_text=True)
    assert resp.headers["Upload-Offset"] == str(len(content)) and "Evidence-Id" in resp.headers
    one_more = http.call("PATCH", url, "officer1", headers={**TUS, "Upload-Offset": str(len(content))},
                         content_type=OFFSET_TYPE,
                         environ_overrides={"wsgi.input": io.BytesIO(b"x"), "wsgi.input_terminated": True})
    assert one_more.status_code == 413, one_more.status_code  # nothing past the end is kept
    assert _offset(http, url) == len(content)


def test_an_empty_patch_before_the_end_changes_nothing(http, case):
    url = _open_upload(http, case, length=100)
    resp = patch(http, url, 0, b"")
    assert resp.status_code == 204 and resp.headers["Upload-Offset"] == "0"
    assert _offset(http, url) == 0
    assert _evidence(http, case) == []


def test_concurrent_patches_of_one_upload_keep_one_consistent_file(http, case, app):
    content = media(PNG, 64 * 1024)
    url = _open_upload(http, case, length=len(content))
    results: list[int] = []

    def send(part: bytes) -> None:
        with app.test_client() as own:
            token = http.token("officer1")
            resp = own.open(url, method="PATCH", data=part, content_type=OFFSET_TYPE,
                            headers={**TUS, "Upload-Offset": "0", "Authorization": f"Bearer {token}"})
            results.append(resp.status_code)
            if resp.status_code >= 400:
                _refused(resp, 409)

    halves = [content[:32 * 1024], content[:32 * 1024]]
    threads = [threading.Thread(target=send, args=(h,)) for h in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code < 500 for code in results), results
    assert results.count(204) >= 1, results
    assert _offset(http, url) == 32 * 1024
    last = patch(http, url, 32 * 1024, content[32 * 1024:])
    assert last.status_code == 204, last.get_json()
    assert last.headers["Evidence-Sha256"] == hashlib.sha256(content).hexdigest()


# --- upload ids and methods -------------------------------------------------------------------------------------

@pytest.mark.parametrize("upload_id", ["..%2F..%2Fetc%2Fpasswd", "..", "%2e%2e", "creation.lock", "x" * 5000,
                                       "a" * 32 + ".json", "A" * 32, ID_NUMBER, "0" * 31 + "\u0661"])
@pytest.mark.parametrize("method", ["HEAD", "GET", "PATCH", "DELETE"])
def test_hostile_upload_ids_are_404(http, case, upload_id, method):
    _open_upload(http, case)
    resp = http.call(method, f"/api/v1/evidence/uploads/{upload_id}", "officer1",
                     headers={**TUS, "Upload-Offset": "0"}, data=b"x", content_type=OFFSET_TYPE)
    assert resp.status_code == 404, resp.status_code
    if method != "HEAD":
        _refused(resp, 404)


def test_a_path_traversal_upload_id_reaches_no_file(http, case):
    url = _open_upload(http, case)
    upload_id = url.rsplit("/", 1)[1]
    for path in (f"/api/v1/evidence/uploads/../uploads/{upload_id}", f"/api/v1/evidence/uploads/%2E%2E/{upload_id}",
                 f"/api/v1/evidence/uploads/{upload_id}/..", f"/api/v1/evidence/uploads/{upload_id}%2F..%2F.."):
        resp = http.call("DELETE", path, "officer1", headers=dict(TUS))
        assert resp.status_code in (204, 404, 405, 308), (path, resp.status_code)
        assert resp.status_code < 500
    assert _offset(http, url) == 0 or head(http, url).status_code == 404


def test_another_users_upload_is_404_to_every_method(http, case):
    url = _open_upload(http, case)
    patch(http, url, 0, media(PNG, 100))
    for method in ("HEAD", "GET", "PATCH", "DELETE"):
        resp = http.call(method, url, "officer2", headers={**TUS, "Upload-Offset": "100"}, data=b"x",
                         content_type=OFFSET_TYPE)
        assert resp.status_code == 404, (method, resp.status_code)
    assert _offset(http, url) == 100


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", "/api/v1/evidence/uploads/{id}"), ("POST", "/api/v1/evidence/uploads/{id}"),
    ("GET", "/api/v1/instances/{iid}/evidence/uploads"), ("DELETE", "/api/v1/instances/{iid}/evidence/uploads"),
    ("PATCH", "/api/v1/instances/{iid}/evidence/uploads"), ("POST", "/api/v1/instances/{iid}/verify"),
    ("PUT", "/api/v1/instances/{iid}/data"), ("POST", "/api/v1/health"), ("DELETE", "/api/v1/evidence/{sha}"),
])
def test_methods_not_allowed_are_405_with_the_error_body(http, case, method, path):
    url = _open_upload(http, case)
    upload_id = url.rsplit("/", 1)[1]
    target = path.format(id=upload_id, iid=case, sha="a" * 64)
    resp = http.call(method, target, "officer1", headers=dict(TUS))
    _refused(resp, 405)
    assert _offset(http, url) == 0


# --- evidence Range and conditional requests --------------------------------------------------------------------

@pytest.fixture
def stored(http, case) -> tuple[int, str, bytes]:
    content = media(PNG, 1000)
    resp = upload(http, case, content, "p.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    return case, resp.get_json()["sha256"], content


@pytest.mark.parametrize("value", ["bytes=0-1,5-6", "bytes=10-5", "bytes=-5000", "bytes=5000-", "garbage",
                                   "bytes=", "bytes=a-b", "items=0-1", "bytes=-0", "bytes=0-1, 0-1, 0-1",
                                   "bytes=" + ",".join(f"{i}-{i}" for i in range(500)), "bytes=" + ID_NUMBER + "-"])
def test_hostile_ranges_are_whole_206_or_416_never_5xx(http, stored, value):
    iid, sha, content = stored
    resp = http.call("GET", f"/api/v1/evidence/{sha}?instance_id={iid}", "officer1", headers={"Range": value})
    assert resp.status_code in (200, 206, 416), (value, resp.status_code)
    if resp.status_code == 416:
        _refused(resp, 416)
    elif resp.status_code == 200:
        assert resp.get_data() == content
    else:
        start, end = map(int, resp.headers["Content-Range"].split()[1].split("/")[0].split("-"))
        assert resp.get_data() == content[start:end + 1]


def test_conditional_evidence_reads(http, stored):
    iid, sha, content = stored
    url = f"/api/v1/evidence/{sha}?instance_id={iid}"
    assert http.call("GET", url, "officer1", headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    assert http.call("GET", url, "officer1", headers={"If-None-Match": "*"}).status_code == 304
    assert http.call("GET", url, "officer1", headers={"If-None-Match": '"nope", garbage'}).status_code == 200
    whole = http.call("GET", url, "officer1", headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert whole.status_code == 200 and whole.get_data() == content
    part = http.call("GET", url, "officer1", headers={"Range": "bytes=0-9", "If-Range": f'"{sha}"'})
    assert part.status_code == 206 and part.get_data() == content[:10]
    odd = http.call("GET", url, "officer1", headers={"Range": "bytes=0-9", "If-Range": "garbage date"})
    assert odd.status_code in (200, 206)


@pytest.mark.parametrize("sha", ["A" * 64, "a" * 63, "g" * 64, ID_NUMBER, "..%2F..%2Fetc%2Fpasswd", "a" * 5000])
def test_hostile_evidence_names_are_404(http, stored, sha):
    iid, _, _ = stored
    resp = http.call("GET", f"/api/v1/evidence/{sha}?instance_id={iid}", "officer1")
    _refused(resp, (404, 422))


@pytest.mark.parametrize("query", ["instance_id=abc", "instance_id=-1", "instance_id=99999999999",
                                   "instance_id=" + ID_NUMBER, "instance_id=1&instance_id=2"])
def test_hostile_evidence_queries_are_4xx(http, stored, query):
    _, sha, _ = stored
    resp = http.call("GET", f"/api/v1/evidence/{sha}?{query}", "officer1")
    _refused(resp, (404, 409, 422))


# --- verify and health ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("iid", ["0", "-1", "abc", "99999999999", ID_NUMBER, "1.0"])
def test_verify_of_hostile_ids_is_404(http, iid):
    _refused(http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1"), 404)


def test_health_ignores_hostile_input(http):
    for query in ("?x=" + ID_NUMBER, "?verbose=1", "?%00=1"):
        resp = http.call("GET", "/api/v1/health" + query, headers={"X-Request-Id": ID_NUMBER})
        assert resp.status_code in (200, 400), resp.status_code
        assert ID_NUMBER not in resp.get_data(as_text=True)


# --- admin data edit --------------------------------------------------------------------------------------------

def _edit(http, iid, body, raw: str | None = None):
    if raw is not None:
        return http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin", data=raw,
                         content_type="application/json")
    return http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin", json=body)


@pytest.mark.parametrize(("body", "field"), [
    ({"changes": [1, 2], "reason": "更正"}, "changes"),
    ({"changes": "party_name=李四", "reason": "更正"}, "changes"),
    ({"changes": None, "reason": "更正"}, "changes"),
    ({"changes": {}, "reason": "更正"}, "changes"),
    ({"changes": {"party_name": "李四"}}, "reason"),
    ({"changes": {"party_name": "李四"}, "reason": ""}, "reason"),
    ({"changes": {"party_name": "李四"}, "reason": 12}, "reason"),
    ({"changes": {"party_name": "李四"}, "reason": None}, "reason"),
    ({"changes": {"__class__": "x"}, "reason": "更正"}, "changes"),
    ({"changes": {"__dict__": {}}, "reason": "更正"}, "changes"),
    ({"changes": {"_private": 1}, "reason": "更正"}, "changes"),
    ({"changes": {"party name": "李四"}, "reason": "更正"}, "changes"),
    ({"changes": {"k" * 65: 1}, "reason": "更正"}, "changes"),
    # SpiffWorkflow's serializer restores a dict holding "typename" as a saved object: the saved workflow of the
    # case could no longer be read (verify: "the row's saved workflow cannot be read")
    ({"changes": {"typename": "BpmnWorkflow"}, "reason": "更正"}, "changes"),
    ({"changes": {"summary": {"typename": "datetime", "value": "garbage"}}, "reason": "更正"}, "changes"),
    ({"changes": {"summary": [{"a": {"typename": "BpmnWorkflow"}}]}, "reason": "更正"}, "changes"),
    ({"changes": {"": "x"}, "reason": "更正"}, "changes"),
    ({"changes": {ID_NUMBER: "x"}, "reason": "更正"}, "changes"),
    # named like a script helper: every later script would refuse the data (var and pick: silently drop the key)
    ({"changes": {"var": "x"}, "reason": "更正"}, "changes"),
    ({"changes": {"pick": 1}, "reason": "更正"}, "changes"),
    ({"changes": {"today": "2026-01-01"}, "reason": "更正"}, "changes"),
    # named like a builtin diagram code calls (found from outside: {"len": 1} made the disclosure's masking script
    # fail with "'int' object is not callable" on every later try, and no edit can remove a key)
    ({"changes": {"len": 1}, "reason": "更正"}, "changes"),
    ({"changes": {"str": None}, "reason": "更正"}, "changes"),
    ({"changes": {"sorted": []}, "reason": "更正"}, "changes"),
    ({"changes": {"max": 5}, "reason": "更正"}, "changes"),
    # Python's own words: no script can name them
    ({"changes": {"None": 1}, "reason": "更正"}, "changes"),
    ({"changes": {"True": 1}, "reason": "更正"}, "changes"),
    ({"changes": {"lambda": 1}, "reason": "更正"}, "changes"),
    # SpiffWorkflow starts a called process with set_data(**data): "self" collided with the method's parameter (a
    # 500 at the legal review's start, for good)
    ({"changes": {"self": "x"}, "reason": "更正"}, "changes"),
])
def test_a_hostile_data_edit_is_refused_and_records_nothing(http, case, body, field):
    before = _history(http, case)
    instance = http.call("GET", f"/api/v1/instances/{case}", "auditor1").get_json()
    resp = _edit(http, case, body)
    _refused(resp, (400, 403, 422), field)
    assert _history(http, case) == before
    assert http.call("GET", f"/api/v1/instances/{case}", "auditor1").get_json()["data"] == instance["data"]
    assert http.call("GET", f"/api/v1/instances/{case}/verify", "auditor1").get_json()["ok"] is True


@pytest.mark.parametrize("changes", [{"task_register": "x"}, {"calendar_versions": {"calendar_years": 99}}])
def test_data_keys_named_like_elements_or_event_fields_are_plain_data_and_verify_holds(http, case, changes):
    """Element ids and event fields are not case-data keys: such a key is recorded as any other edit, and the
    replay (which reads the event's own calendar_versions) is not misled."""
    before = _history(http, case)
    resp = _edit(http, case, {"changes": changes, "reason": "更正"})
    assert resp.status_code == 200, resp.get_json()
    after = _history(http, case)
    assert len(after) == len(before) + 1 and after[-1]["type"] == "data_edited"
    assert set(after[-1]["data"]["changes"]) == set(changes)
    assert after[-1]["data"]["calendar_versions"] != changes.get("calendar_versions")
    assert http.call("GET", f"/api/v1/instances/{case}/verify", "auditor1").get_json()["ok"] is True


@pytest.mark.parametrize(("raw", "stored"), [
    ('{"changes": {"amount": -0.0}, "reason": "更正"}', 0.0),  # jsonb has no negative zero: read as 0.0
    ('{"changes": {"amount": 9999999999999998.0}, "reason": "更正"}', 9999999999999998.0),
    ('{"changes": {"amount": 1e-7}, "reason": "更正"}', 1e-7),
    ('{"changes": {"amount": 12345678901234567890}, "reason": "更正"}', 12345678901234567890),
])
def test_numbers_the_database_keeps_as_written_are_recorded_and_verify(http, case, raw, stored):
    resp = _edit(http, case, None, raw=raw)
    assert resp.status_code == 200, resp.get_json()
    assert _history(http, case)[-1]["data"]["changes"]["amount"]["after"] == stored
    result = http.call("GET", f"/api/v1/instances/{case}/verify", "auditor1").get_json()
    assert result["ok"] is True, result["problems"]


def test_a_huge_data_edit_is_413_and_records_nothing(http, case):
    before = _history(http, case)
    _refused(_edit(http, case, {"changes": {"summary": "字" * (1 << 20)}, "reason": "更正"}), 413, "body")
    _refused(_edit(http, case, {"changes": {f"k{i}": i for i in range(100_000)}, "reason": "更正"}), (413, 422))
    assert _history(http, case) == before


@pytest.mark.parametrize(("raw", "field"), [
    # NaN and Infinity are not JSON: stored, they made the case row's data invalid JSON (SQLite's json functions
    # then failed the bureau's dashboard with a 500)
    ('{"changes": {"summary": NaN}, "reason": "更正"}', "changes.summary"),
    ('{"changes": {"summary": [1, Infinity]}, "reason": "更正"}', "changes.summary[1]"),
    ('{"changes": {"summary": -Infinity}, "reason": "更正"}', "changes.summary"),
    ('{"changes": {"summary": 1e999}, "reason": "更正"}', "changes.summary"),
    # found from outside: PostgreSQL's jsonb gives 1e16 back as the integer 10000000000000000, so the event's hash
    # no longer matched its content and the case never verified again
    ('{"changes": {"amount": 1e16}, "reason": "更正"}', "changes.amount"),
    ('{"changes": {"amount": [-1.5e300]}, "reason": "更正"}', "changes.amount[0]"),
    ('{"changes": ', "body"), ("[]", None), ('"x"', None), ("null", None),
    ('{"changes": {"summary": 1}, "reason": "更正", "reason": "x"}', "reason"),  # the last duplicate wins
])
def test_raw_hostile_data_edit_bodies_are_refused_and_record_nothing(http, case, raw, field):
    before = _history(http, case)
    _refused(_edit(http, case, None, raw=raw), (400, 422), field)
    assert _history(http, case) == before
    assert http.call("GET", f"/api/v1/instances/{case}/verify", "auditor1").get_json()["ok"] is True
    year = datetime.now(BEIJING).year  # the statistics read every case's data as JSON
    assert http.call("GET", f"/api/v1/statistics/{year}", "head1").status_code == 200


def test_refused_upload_requests_record_nothing(http, case):
    """A batch of refused creations and chunks leaves the case's history and evidence as they were, and the
    upload's part file empty."""
    url = _open_upload(http, case, length=200)
    before = _history(http, case)
    _post(http, case, **{"Upload-Length": "²", "Upload-Metadata": metadata("p.png", photo_meta())})
    _post(http, case, **{"Upload-Length": "200", "Upload-Metadata": _meta_pairs(officers='{"a": 1}')})
    _post(http, case, **{"Upload-Length": "200", "Upload-Metadata": "filename cC5wbmc=,kind !!!"})
    patch(http, url, 0, media(PNG, 300))
    patch(http, url, 0, media(PNG, 100), checksum="sha1 " + _b64("wrong"))
    patch(http, url, 7, media(PNG, 100))
    http.call("PATCH", url, "officer1", headers={**TUS, "Upload-Offset": "0"}, data=b"x", content_type="text/plain")
    assert _history(http, case) == before
    assert _evidence(http, case) == []
    assert _offset(http, url) == 0

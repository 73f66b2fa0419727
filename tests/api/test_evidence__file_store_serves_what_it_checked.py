"""The bytes served as evidence from the file store are the bytes whose sha256 was just checked: a file renamed over
the stored one between the check and the download (serving by path would open the replacement after a passing
check) is never served as the evidence, whole or by Range; the next read reports it altered."""
from __future__ import annotations

import os

import pytest

from api.evidence import resources
from api.services.evidence import evidence_path
from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload


def _rename_over_before_serving(app, monkeypatch, sha: str, body: bytes) -> list[bool]:
    """Rename a file with other bytes over the stored one, after the read's check passed and before it is served."""
    done: list[bool] = []
    original = resources._send_stored

    def replaced_then_sent(*args, **kwargs):
        if not done:
            with app.app_context():
                path = evidence_path(sha)
            staged = path.with_name(path.name + ".swap")
            staged.write_bytes(body)
            os.chmod(path.parent, 0o755)
            os.replace(staged, path)
            done.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(resources, "_send_stored", replaced_then_sent)
    return done


@pytest.mark.parametrize("range_header", [None, "bytes=100-2999"])
def test_a_file_renamed_over_after_the_check_is_never_served(app, http, monkeypatch, range_header):
    iid = new_case(http)
    content = media(PNG, 5000)
    item = upload(http, iid, content, "site.png", photo_meta()).get_json()
    headers = {"Range": range_header} if range_header else {}
    expected = content if range_header is None else content[100:3000]
    first = http.call("GET", item["url"], "officer1", headers=headers)  # checked once: the check is cached now
    assert first.status_code in (200, 206) and first.data == expected
    tampered = PNG + os.urandom(5000 - len(PNG))  # the same size and type, other bytes throughout
    original_send_file = resources._send_stored
    done = _rename_over_before_serving(app, monkeypatch, item["sha256"], tampered)
    resp = http.call("GET", item["url"], "officer1", headers=headers)
    assert done == [True]
    assert resp.status_code in (200, 206)
    assert resp.get_data() == expected  # the checked file, through the handle opened before the check
    monkeypatch.setattr(resources, "_send_stored", original_send_file)
    again = http.call("GET", item["url"], "officer1", headers=headers)
    assert again.status_code == 409 and "no longer matches" in again.get_json()["message"]

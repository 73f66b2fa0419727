"""A stored recording is re-hashed before it is served, but once for the deployment, not by every server process on
its first read: a check that passed is shared by every process (a memo MACed with the secret key). Before, each
gunicorn worker re-hashed a multi-GB recording on its first request for even one byte, past the request's time
limit (found from outside). The memo never vouches for other bytes: a file changed in place, or a memo forged
without the key, is re-hashed (and an altered file refused); and only a check of the stored bytes is remembered,
never the hash counted while an upload arrived (a second attack: bytes of a resumable upload changed on disk
between two chunks were served as recorded when the upload's own hash vouched for them).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from api.services import evidence_store
from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload


@pytest.fixture
def hashes(monkeypatch) -> list[int]:
    """Counts the re-hashes of stored files (as a new server process: nothing remembered in memory)."""
    counted: list[int] = []
    real = evidence_store.hash_stream

    def counting(stream):
        counted.append(1)
        return real(stream)

    monkeypatch.setattr(evidence_store, "hash_stream", counting)
    return counted


def _stored(http, app) -> tuple[str, str, Path]:
    iid = new_case(http)
    content = media(PNG, 50_000)
    resp = upload(http, iid, content, "现场.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    sha = hashlib.sha256(content).hexdigest()
    return sha, resp.get_json()["url"], Path(app.config["EVIDENCE_DIR"]) / evidence_store.key_of(sha)


def test_one_check_serves_every_process(app, http, hashes):
    sha, url, _ = _stored(http, app)
    evidence_store._verified.clear()  # a server process that never read it
    assert http.call("GET", url, "auditor1", headers={"Range": "bytes=0-9"}).status_code == 206
    assert len(hashes) == 1  # the stored bytes checked once
    evidence_store._verified.clear()  # another one
    got = http.call("GET", url, "auditor1", headers={"Range": "bytes=0-9"})
    assert got.status_code == 206 and len(got.data) == 10
    assert len(hashes) == 1  # no second re-hash


def test_bytes_changed_between_two_chunks_are_never_served(app, http):
    from tests.api.tus_support import create, patch

    iid = new_case(http)
    content = media(PNG, 3 << 20)
    url = create(http, iid, len(content), "现场.png", photo_meta()).headers["Location"]
    assert patch(http, url, 0, content[: 1 << 20]).status_code == 204
    part = Path(app.config["EVIDENCE_DIR"]) / "uploads" / f"{url.rsplit('/', 1)[1]}.part"
    with open(part, "r+b") as fh:  # someone with write access to the uploads folder
        fh.seek(100)
        fh.write(b"\x00" * 50)
    done = patch(http, url, 1 << 20, content[1 << 20:])
    assert done.status_code == 204, done.get_json()
    sha = done.headers["Evidence-Sha256"]
    got = http.call("GET", f"/api/v1/evidence/{sha}?instance_id={iid}", "auditor1")
    assert got.status_code == 409, got.status_code  # the stored bytes are not the recorded ones


def test_a_forged_memo_is_no_voucher(app, http, hashes):
    sha, url, _ = _stored(http, app)
    memo = Path(app.config["EVIDENCE_DIR"]) / "verified" / f"file-{sha}"
    memo.parent.mkdir(exist_ok=True)
    memo.write_text("0" * 64)  # whoever can write the store, without the secret key
    evidence_store._verified.clear()
    assert http.call("GET", url, "auditor1").status_code == 200
    assert len(hashes) == 1  # checked again, then shared
    evidence_store._verified.clear()
    assert http.call("GET", url, "auditor1").status_code == 200
    assert len(hashes) == 1


def test_a_file_changed_in_place_is_re_hashed_and_refused(app, http, hashes):
    sha, url, path = _stored(http, app)
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))  # same inode and size: only its times tell
    evidence_store._verified.clear()
    got = http.call("GET", url, "auditor1")
    assert got.status_code == 409, got.status_code
    assert len(hashes) == 1


def test_on_s3_one_check_serves_every_process(app, http, bucket, hashes):
    iid = new_case(http)
    resp = upload(http, iid, media(PNG, 40_000), "现场.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    for _ in range(2):
        evidence_store._verified.clear()
        got = http.call("GET", resp.get_json()["url"], "auditor1", headers={"Range": "bytes=0-9"})
        assert got.status_code == 206 and len(got.data) == 10
    assert len(hashes) == 1


def test_a_named_pipe_in_a_stored_files_place_is_no_wait(app, http):
    """Found by a third attack: a FIFO put at a stored file's place held the download (and verify) until someone
    opened it."""
    import os
    import threading

    sha, url, path = _stored(http, app)
    path.chmod(0o600)
    path.unlink()
    os.mkfifo(path)
    evidence_store._verified.clear()
    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(http.call("GET", url, "auditor1")), daemon=True)
    worker.start()
    worker.join(30)
    assert answers, "the download was still waiting on the pipe after 30 s"
    assert answers[0].status_code == 409, answers[0].status_code


def test_the_service_writes_no_memo_through_a_linked_folder(app, http, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    verified = Path(app.config["EVIDENCE_DIR"]) / "verified"
    verified.parent.mkdir(parents=True, exist_ok=True)
    if verified.exists():
        for memo in verified.iterdir():
            memo.unlink()
        verified.rmdir()
    verified.symlink_to(elsewhere)
    sha, url, _ = _stored(http, app)
    evidence_store._verified.clear()
    assert http.call("GET", url, "auditor1").status_code == 200  # served, checked, only not remembered there
    assert list(elsewhere.iterdir()) == []

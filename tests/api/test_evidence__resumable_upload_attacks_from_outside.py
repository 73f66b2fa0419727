"""Resumable uploads under what an attack from outside tried (each failed before its fix):

- a chunk sent with ``Upload-Checksum`` was written straight into the upload, so a server killed mid-chunk kept
  unchecked (there: corrupted) bytes, which the resumed upload then recorded as evidence: such a chunk now
  joins the upload only once it matched;
- a PATCH held its database transaction open while the chunk streamed in (a server with
  ``idle_in_transaction_session_timeout`` ended the connection: 500);
- a disk that refused the bytes (full, a file size limit) answered 500: now 507, nothing of the chunk kept;
- phone numbers sent in ``Upload-Metadata`` came back whole in error bodies (a multipart upload's are masked);
- abandoned uploads were removed only when someone started another one: the worker sweeps them on its schedule;
- an upload's bytes and metadata were readable by every account of the machine (0644).
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
from datetime import timedelta
from pathlib import Path

from api.extensions import db
from api.services import resumable
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_case, new_device, photo_meta
from tests.api.tus_support import create, head, metadata, patch

PHONE = "13812345678"


def _sha256(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def _part(app, url: str) -> Path:
    return Path(app.config["EVIDENCE_DIR"]) / "uploads" / f"{url.rsplit('/', 1)[1]}.part"


class Watched(io.RawIOBase):
    """A chunk body that, half-way, notes the size of the upload's part file and whether the request's database
    session is in a transaction — what a server killed at that moment would have left."""

    def __init__(self, data: bytes, part: Path) -> None:
        super().__init__()
        self.inner, self.part, self.size = io.BytesIO(data), part, len(data)
        self.part_size_midway: int | None = None
        self.in_transaction_midway: bool | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.part_size_midway is None and self.inner.tell() >= self.size // 2:  # half of it handed over
            self.part_size_midway = self.part.stat().st_size
            self.in_transaction_midway = db.session().in_transaction()
        return self.inner.readinto(buffer)


def test_a_checked_chunk_joins_the_upload_only_once_it_matched(app, http):
    iid = new_case(http)
    content = media(MP4, 3 << 20)
    url = create(http, iid, len(content), "record.mp4", photo_meta()).headers["Location"]
    first = content[: 2 << 20]
    body = Watched(first, _part(app, url))
    resp = patch(http, url, 0, body, length=len(first), checksum=_sha256(first))
    assert resp.status_code == 204, resp.get_json()
    assert body.part_size_midway == 0  # unchecked bytes never sat in the upload
    assert int(resp.headers["Upload-Offset"]) == len(first)
    assert _part(app, url).read_bytes() == first
    assert not list(_part(app, url).parent.glob("*.chunk"))  # the side file is gone


def _av_case(http) -> tuple[int, dict]:
    iid = new_case(http)
    device = new_device(http)
    checkout(http, device, "officer1")
    return iid, av_meta(device)


def test_a_patch_streams_with_no_database_transaction_open(app, http):
    iid, meta = _av_case(http)
    content = media(MP4, 2 << 20)
    url = create(http, iid, len(content), "record.mp4", meta).headers["Location"]
    body = Watched(content, _part(app, url))
    resp = patch(http, url, 0, body, length=len(content))
    assert resp.status_code == 204, resp.get_json()
    assert body.in_transaction_midway is False
    assert resp.headers.get("Evidence-Id")  # and the completion after it still recorded the item


class FullDisk:
    """An open part file whose writes fail once ``room`` bytes were written (ENOSPC)."""

    def __init__(self, inner, room: list[int]) -> None:
        self.inner, self.room = inner, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room[0]:
            raise OSError(28, "No space left on device")
        self.room[0] -= len(data)
        return self.inner.write(data)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.inner.close()


def test_a_disk_that_refuses_the_bytes_is_507_and_keeps_nothing_of_the_chunk(app, http, monkeypatch):
    iid, meta = _av_case(http)
    content = media(MP4, 3 << 20)
    url = create(http, iid, len(content), "record.mp4", meta).headers["Location"]
    assert patch(http, url, 0, content[: 1 << 20]).status_code == 204
    room = [1 << 20]  # half of the next chunk fits
    with monkeypatch.context() as patched:
        patched.setattr(resumable, "open", lambda *a, **k: FullDisk(open(*a, **k), room), raising=False)
        resp = patch(http, url, 1 << 20, content[1 << 20:3 << 20])
    assert resp.status_code == 507, resp.get_json()
    body = resp.get_json()
    assert body["code"] == 507 and "No space left" in body["message"] and "1048576" in body["message"]
    state = head(http, url)
    assert state.headers.get("Upload-Offset") == str(1 << 20), (state.status_code, state.get_data(as_text=True))
    assert _part(app, url).read_bytes() == content[: 1 << 20]
    resumed = patch(http, url, 1 << 20, content[1 << 20:])  # space again: the upload goes on from there
    assert resumed.status_code == 204 and resumed.headers.get("Evidence-Id"), resumed.get_json()


def _metadata(values: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def test_phone_numbers_in_upload_metadata_are_masked_in_error_bodies(http):
    iid = new_case(http)
    cases = {
        "officers": metadata("a.jpg", photo_meta(officers=[PHONE])),
        "device": metadata("a.mp4", av_meta(PHONE)),
        "key": _metadata({"filename": "a.mp4", PHONE: "x"}),
    }
    for name, header in cases.items():
        resp = http.call("POST", f"/api/v1/instances/{iid}/evidence/uploads", "officer1",
                         headers={"Tus-Resumable": "1.0.0", "Upload-Length": "100", "Upload-Metadata": header})
        assert 400 <= resp.status_code < 500, (name, resp.status_code)
        assert PHONE not in resp.get_data(as_text=True), (name, resp.get_json())
        assert "138****5678" in resp.get_data(as_text=True), (name, resp.get_json())
    bad = http.call("POST", f"/api/v1/instances/{iid}/evidence/uploads", "officer1",
                    headers={"Tus-Resumable": "1.0.0", "Upload-Length": "100",
                             "Upload-Metadata": f"{PHONE} !!!"})
    assert bad.status_code == 400 and PHONE not in bad.get_data(as_text=True), bad.get_json()


def test_the_worker_sweeps_abandoned_uploads_on_its_schedule(app, http):
    from api.worker import sweep_uploads

    iid = new_case(http)
    url = create(http, iid, 4096, "a.mp4", photo_meta()).headers["Location"]
    assert patch(http, url, 0, media(MP4, 1024)).status_code == 204
    part = _part(app, url)
    old = (part.stat().st_mtime - timedelta(hours=app.config["EVIDENCE_UPLOAD_EXPIRY_HOURS"] + 1).total_seconds())
    for path in part.parent.glob(f"{part.stem}.*"):
        os.utime(path, (old, old))
    assert sweep_uploads(app) >= 1
    assert not part.exists() and not part.with_suffix(".json").exists()


def test_an_uploads_bytes_and_metadata_are_the_owners_only(app, http):
    previous = os.umask(0o022)
    try:
        iid = new_case(http)
        url = create(http, iid, 4096, "a.mp4", photo_meta()).headers["Location"]
        assert patch(http, url, 0, media(MP4, 1024)).status_code == 204
    finally:
        os.umask(previous)
    part = _part(app, url)
    for path in (part, part.with_suffix(".json")):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path



def test_a_link_planted_for_the_part_file_is_never_followed(app, http, tmp_path):
    """Found by a second attack: a link to the checkpoint key, planted as an upload's part file by someone who can
    write the uploads folder, was 'completed' by an empty PATCH and served as evidence (and the key chmodded and
    hard-linked into the store)."""
    secret = tmp_path / "cp.pem"
    secret.write_bytes(b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIF\n-----END PRIVATE KEY-----\n")
    secret.chmod(0o600)
    before = secret.stat()
    iid = new_case(http)
    url = create(http, iid, before.st_size, "key.txt", {**photo_meta(), "kind": "document"}).headers["Location"]
    part = _part(app, url)
    part.unlink()
    part.symlink_to(secret)
    assert head(http, url).status_code == 409
    done = patch(http, url, before.st_size, b"")
    assert done.status_code == 409, done.get_json()
    sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    assert not (Path(app.config["EVIDENCE_DIR"]) / sha[:2] / sha[2:4] / sha).exists()
    after = secret.stat()
    assert (stat.S_IMODE(after.st_mode), after.st_nlink) == (0o600, 1)  # neither chmodded nor linked


def test_a_link_planted_for_the_side_file_is_never_followed(app, http, tmp_path):
    victim = tmp_path / "checkpoints.jsonl"
    victim.write_text('{"id": 1}\n' * 100)
    iid = new_case(http)
    url = create(http, iid, 4096, "a.mp4", photo_meta()).headers["Location"]
    side = _part(app, url).with_suffix(".chunk")
    side.symlink_to(victim)
    wrong = "sha256 " + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert patch(http, url, 0, b"hello", checksum=wrong).status_code == 460
    assert victim.read_text() == '{"id": 1}\n' * 100
    assert head(http, url).headers["Upload-Offset"] == "0"


def test_a_hard_link_planted_for_the_part_file_is_never_read_nor_written(app, http, tmp_path):
    """Found by a third attack: the symbolic-link fix left hard links: a hard link to the checkpoint key as an
    upload's part was completed and served; one to the export file had a chunk appended to it."""
    secret = tmp_path / "cp.pem"
    secret.write_bytes(b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIF\n-----END PRIVATE KEY-----\n")
    secret.chmod(0o600)
    size = secret.stat().st_size
    iid = new_case(http)
    read_url = create(http, iid, size, "key.txt", {**photo_meta(), "kind": "document"}).headers["Location"]
    part = _part(app, read_url)
    part.unlink()
    os.link(secret, part)
    assert patch(http, read_url, size, b"").status_code == 409
    sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    assert not (Path(app.config["EVIDENCE_DIR"]) / sha[:2] / sha[2:4] / sha).exists()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    part.unlink()

    victim = tmp_path / "checkpoints.jsonl"
    victim.write_text('{"id": 1}\n')
    write_url = create(http, iid, 4096, "a.mp4", photo_meta()).headers["Location"]
    part = _part(app, write_url)
    part.unlink()
    os.link(victim, part)
    offset = victim.stat().st_size
    assert patch(http, write_url, offset, b"appended").status_code == 409
    assert victim.read_text() == '{"id": 1}\n'


def test_a_completion_that_failed_after_installing_the_file_can_be_retried(app, http, monkeypatch):
    """Its part then shares its file with the store (two names): the retry finds it, checks that its other name
    is the store's copy of it, and records it."""
    from engine.errors import Unavailable

    iid, meta = _av_case(http)
    content = media(MP4, 2 << 20)
    url = create(http, iid, len(content), "record.mp4", meta).headers["Location"]
    real = resumable.evidence.record

    def failing(*args, **kwargs):
        raise Unavailable("the database cannot be reached just now")

    with monkeypatch.context() as patched:
        patched.setattr(resumable.evidence, "record", failing)
        assert patch(http, url, 0, content).status_code == 503
    assert resumable.evidence.record is real
    assert _part(app, url).stat().st_nlink == 2  # installed, not recorded
    again = patch(http, url, len(content), b"")
    assert again.status_code == 204 and again.headers.get("Evidence-Id"), again.get_json()
    assert again.headers["Evidence-Sha256"] == hashlib.sha256(content).hexdigest()


def test_another_cases_stored_file_linked_as_a_part_is_not_recorded(app, http):
    """Found by a fifth attack: the exception for a completion that failed after installing took any file of the
    store, so a part hard-linked to another case's evidence was recorded into this one."""
    from tests.api.evidence_support import PNG, upload

    other = new_case(http)
    content = media(PNG, 5_000)
    assert upload(http, other, content, "现场.png", photo_meta()).status_code == 201
    sha = hashlib.sha256(content).hexdigest()
    stored = Path(app.config["EVIDENCE_DIR"]) / sha[:2] / sha[2:4] / sha
    iid = new_case(http)
    url = create(http, iid, len(content), "b.png", photo_meta()).headers["Location"]
    part = _part(app, url)
    part.unlink()
    os.link(stored, part)
    assert patch(http, url, len(content), b"").status_code == 409
    listed = http.call("GET", f"/api/v1/instances/{iid}/evidence", "head1").get_json()
    assert listed == []

"""The evidence store on S3-compatible object storage (EVIDENCE_STORE=s3), against a local S3 server the tests
start: one-request and resumable uploads land in the bucket (never in EVIDENCE_DIR), downloads (with Range) serve
the same bytes and are logged, verify re-hashes the objects and reports one altered or removed, and a backup of a
case whose evidence is in a bucket restores onto a fresh system with another bucket and passes `audit verify --all`.
"""
from __future__ import annotations

import hashlib

from api.cli import deploy_dirs, init_db, seed_demo
from api.extensions import db
from api.services.evidence_store import key_of
from tests.api.backup_support import database, own_api, run_cli
from tests.api.evidence_support import (
    MP4,
    PNG,
    av_meta,
    checkout,
    media,
    new_case,
    new_device,
    photo_meta,
    upload,
)
from tests.api.migration_support import app_on, close
from tests.api.s3_support import client, new_bucket, object_keys
from tests.api.tus_support import create, patch
from tests.api.walk import run_minor_case

MiB = 1 << 20




def _verify(http, iid: int) -> dict:
    return http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()


def test_an_upload_lands_in_the_bucket_and_is_served_from_it(app, http, bucket, endpoint, evidence_store):
    iid = new_case(http)
    content = media(PNG, 300_000)
    resp = upload(http, iid, content, "site.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    sha = resp.get_json()["sha256"]
    assert object_keys(endpoint, bucket["EVIDENCE_S3_BUCKET"]) == ["evidence/" + key_of(sha)]
    assert not (evidence_store / key_of(sha)).exists()
    url = resp.get_json()["url"]
    whole = http.call("GET", url, "officer1")
    assert whole.status_code == 200 and whole.data == content and whole.headers["Content-Type"] == "image/png"
    part = http.call("GET", url, "officer1", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == content[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(content)}"
    reads = [e for e in http.call("GET", f"/api/v1/instances/{iid}/history?stream=access", "auditor1").get_json()
             if e["type"] == "evidence_read" and e["data"]["sha256"] == sha]
    assert [r["data"]["range"] for r in reads] == [None, "bytes=1000-1999"]  # every read logged
    assert _verify(http, iid)["evidence_ok"]


def test_a_resumable_upload_goes_to_the_bucket_in_parts(app, http, bucket, endpoint):
    iid = new_case(http)
    device = new_device(http)
    checkout(http, device, "officer1")
    content = media(MP4, 9 * MiB)  # above boto3's multipart threshold: stored as a multipart upload
    url = create(http, iid, len(content), "record.mp4", av_meta(device)).headers["Location"]
    for start in range(0, len(content), 4 * MiB):
        resp = patch(http, url, start, content[start:start + 4 * MiB])
        assert resp.status_code == 204, resp.get_json()
    sha = hashlib.sha256(content).hexdigest()
    assert resp.headers["Evidence-Sha256"] == sha
    stored = client(endpoint).head_object(Bucket=bucket["EVIDENCE_S3_BUCKET"], Key="evidence/" + key_of(sha))
    assert stored["ContentLength"] == len(content) and "-" in stored["ETag"]  # a multipart object
    assert http.call("GET", f"/api/v1/evidence/{sha}", "officer1").data == content
    assert _verify(http, iid)["evidence_ok"]


def test_verify_reports_an_object_altered_or_removed(app, http, bucket, endpoint):
    iid = new_case(http)
    first = upload(http, iid, media(PNG, 5000), "a.png", photo_meta()).get_json()
    second = upload(http, iid, media(PNG, 6000), "b.png", photo_meta()).get_json()
    s3, name = client(endpoint), bucket["EVIDENCE_S3_BUCKET"]
    s3.put_object(Bucket=name, Key="evidence/" + key_of(first["sha256"]), Body=media(PNG, 5000))
    s3.delete_object(Bucket=name, Key="evidence/" + key_of(second["sha256"]))
    result = _verify(http, iid)
    assert not result["ok"] and not result["evidence_ok"]
    found = {(p["sha256"], p["problem"]) for p in result["problems"] if p.get("kind") == "evidence"}
    assert {(first["sha256"], "altered"), (second["sha256"], "missing")} <= found
    assert http.call("GET", first["url"], "officer1").status_code == 409
    assert http.call("GET", second["url"], "officer1").status_code == 409


def test_backup_and_restore_between_buckets_verifies(endpoint, tmp_path):
    with database("sqlite", tmp_path, "s3_src") as src_url, database("sqlite", tmp_path, "s3_dst") as dst_url:
        source_bucket, target_bucket = new_bucket(endpoint), new_bucket(endpoint)
        source = app_on(src_url, EVIDENCE_DIR=str(tmp_path / "src-staging"), **source_bucket)
        target = app_on(dst_url, EVIDENCE_DIR=str(tmp_path / "dst-staging"), **target_bucket)
        try:
            with source.app_context():
                init_db()
                deploy_dirs()
                seed_demo()
                db.session.remove()
            iid = run_minor_case(own_api(source))
            objects = object_keys(endpoint, source_bucket["EVIDENCE_S3_BUCKET"])
            assert len(objects) >= 3
            backup = run_cli(source, "backup", str(tmp_path / "backup"))
            assert backup.exit_code == 0, backup.output
            restore = run_cli(target, "restore", str(tmp_path / "backup"))
            assert restore.exit_code == 0, restore.output
            assert object_keys(endpoint, target_bucket["EVIDENCE_S3_BUCKET"]) == objects
            verify = run_cli(target, "audit", "verify", "--all")
            assert verify.exit_code == 0, verify.output
            assert f"instance {iid}: OK" in verify.output
        finally:
            close(source)
            close(target)

"""A local S3-compatible server for the object-store tests: moto's server (PyPI ``moto[server]``) on a free port
of 127.0.0.1 (or SANXIANG_TEST_S3_PORT), started by the tests and stopped after them (no tests here)."""
from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import boto3

KEYS = {"EVIDENCE_S3_ACCESS_KEY": "sanxiang-test", "EVIDENCE_S3_SECRET_KEY": "sanxiang-test-secret",
        "EVIDENCE_S3_REGION": "us-east-1"}


def free_port() -> int:
    """SANXIANG_TEST_S3_PORT when set (a port of one's own on a shared machine), else a free one."""
    if os.environ.get("SANXIANG_TEST_S3_PORT"):
        return int(os.environ["SANXIANG_TEST_S3_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def s3_server() -> Iterator[str]:
    """The endpoint URL of a running moto S3 server."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=KEYS["EVIDENCE_S3_REGION"],
                        aws_access_key_id=KEYS["EVIDENCE_S3_ACCESS_KEY"],
                        aws_secret_access_key=KEYS["EVIDENCE_S3_SECRET_KEY"])


def new_bucket(endpoint: str) -> dict[str, str]:
    """A new, empty bucket; returns the app configuration that stores evidence in it."""
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    client(endpoint).create_bucket(Bucket=name)
    return {"EVIDENCE_STORE": "s3", "EVIDENCE_S3_ENDPOINT": endpoint, "EVIDENCE_S3_BUCKET": name,
            "EVIDENCE_S3_PREFIX": "evidence/", **KEYS}


def object_keys(endpoint: str, bucket: str) -> list[str]:
    answer = client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in answer.get("Contents", []))

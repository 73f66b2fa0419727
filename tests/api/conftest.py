"""API-test fixtures shared by every module in this folder."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from tests.api.s3_support import new_bucket, s3_server


@pytest.fixture(autouse=True)
def evidence_store(app, tmp_path, monkeypatch) -> Path:
    """A fresh EVIDENCE_DIR for each test, so evidence files never leak between tests."""
    root = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(root))
    return root


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A local S3-compatible server (moto) for the object-store tests of a module (tests/api/s3_support.py)."""
    with s3_server() as url:
        yield url


@pytest.fixture
def bucket(app, endpoint, monkeypatch) -> dict[str, str]:
    """A new bucket on ``endpoint`` as the app's evidence store for one test."""
    config = new_bucket(endpoint)
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    return config


@pytest.fixture
def pin(monkeypatch):
    """``pin(when)``: the engine clock reads ``when`` (every request and service reads ``clock.now()``)."""
    from engine import clock

    def at(when) -> None:
        monkeypatch.setattr(clock, "now", lambda: when.astimezone(UTC))
    return at

"""Shared helpers for API tests."""
from __future__ import annotations

import io
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def upload(http, url: str, files: dict[str, bytes], as_user: str = "owner1"):
    data = {"files": [(io.BytesIO(content), name) for name, content in files.items()]}
    return http.call("POST", url, as_user, data=data, content_type="multipart/form-data")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()

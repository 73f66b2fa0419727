"""API-test fixtures shared by every module in this folder."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def evidence_store(app, tmp_path, monkeypatch) -> Path:
    """A fresh EVIDENCE_DIR for each test, so evidence files never leak between tests."""
    root = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(root))
    return root

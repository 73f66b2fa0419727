"""Numeric settings are refused at start when they are not numbers or are below their least sensible value, with
a message naming the variable (found from outside: ``SANXIANG_EVIDENCE_UPLOAD_EXPIRY_HOURS=0`` was accepted, and
every upload was deleted as soon as it was made; ``=72h`` stopped the import with a bare ValueError)."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from api import create_app
from api.config import ROOT, ConfigurationError


@pytest.mark.parametrize(("key", "value"), [
    ("EVIDENCE_UPLOAD_EXPIRY_HOURS", 0), ("EVIDENCE_UPLOAD_EXPIRY_HOURS", -1), ("EVIDENCE_UPLOAD_EXPIRY_HOURS", "72"),
    ("EVIDENCE_CHUNK_BYTES", 0), ("LOGIN_MAX_FAILURES", 0), ("DATABASE_CONNECT_TIMEOUT_SECONDS", 0),
    ("SCRIPT_TIME_LIMIT_SECONDS", 0), ("HOT_WORKFLOWS", -1), ("EVIDENCE_UPLOAD_MAX_OPEN", True),
    # found from outside: nan passed every "below the least" check (the embedded worker then spun on a nan wait),
    # and an expiry of 10**20 hours overflowed every upload's date
    ("WAKE_CAP_SECONDS", float("nan")), ("FIRE_RETRY_SECONDS", float("inf")), ("SCRIPT_TIME_LIMIT_SECONDS", float("inf")),
    ("EVIDENCE_UPLOAD_EXPIRY_HOURS", 10**20), ("WAKE_CAP_SECONDS", 10**9),
])
def test_a_number_below_its_least_value_or_not_a_number_is_refused(key, value, tmp_path):
    with pytest.raises(ConfigurationError, match=f"SANXIANG_{key}"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                    "SECRET_KEY": secrets.token_urlsafe(32), key: value})


def test_zero_still_means_no_cap_where_it_did(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                      "SECRET_KEY": secrets.token_urlsafe(32), "EVIDENCE_UPLOAD_MAX_OPEN": 0, "HOT_WORKFLOWS": 0,
                      "EVIDENCE_UPLOAD_MAX_OPEN_BYTES": 0})
    assert app.config["EVIDENCE_UPLOAD_MAX_OPEN"] == 0


@pytest.mark.parametrize(("variable", "value"), [("SANXIANG_EVIDENCE_UPLOAD_EXPIRY_HOURS", "72h"),
                                                 ("SANXIANG_WAKE_CAP_SECONDS", "a minute")])
def test_a_malformed_environment_value_stops_the_start_naming_it(variable, value):
    env = {**os.environ, variable: value}
    proc = subprocess.run([sys.executable, "-c", "import api.config"], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert proc.returncode != 0
    assert f"ConfigurationError: {variable} must be" in proc.stderr, proc.stderr[-500:]
    assert "ValueError" not in proc.stderr

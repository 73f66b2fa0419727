"""Evidence files and the folders the store makes for them are the owner's only (the service's account), whatever
the umask: before, a stored or restored recording was 0444 under 0755 folders, readable by every account of the
machine (found by an attack from outside)."""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload


def test_a_stored_file_and_its_folders_are_the_owners_only(http, app):
    previous = os.umask(0o022)
    try:
        iid = new_case(http)
        content = media(PNG, 5_000)
        assert upload(http, iid, content, "现场.png", photo_meta()).status_code == 201
    finally:
        os.umask(previous)
    sha = hashlib.sha256(content).hexdigest()
    root = Path(app.config["EVIDENCE_DIR"])
    stored = root / sha[:2] / sha[2:4] / sha
    assert stat.S_IMODE(stored.stat().st_mode) == 0o400
    assert stat.S_IMODE((root / sha[:2]).stat().st_mode) == 0o700
    assert stat.S_IMODE((root / sha[:2] / sha[2:4]).stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "tmp").stat().st_mode) & 0o077 == 0  # the staging folder of uploads in progress

"""Content-addressed snapshot storage: stage views during a request, write missing blobs once."""
from __future__ import annotations

import json
from functools import cache
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import Executable

from engine.errors import NotFound
from engine.snapshots import blob_ref, elements_ref

from ..extensions import db
from ..models import Blob

_PENDING = "sanxiang_pending_blobs"


def stage_view(view: dict[str, Any]) -> tuple[str, str]:
    """(state_ref, data_ref) of a view; its blobs are written by :func:`flush_blobs`."""
    pending: dict[str, str] = db.session.info.setdefault(_PENDING, {})
    state_ref, state_text = elements_ref(view["elements"])
    data_ref, data_text = blob_ref(view["data"])
    pending.setdefault(state_ref, state_text)
    pending.setdefault(data_ref, data_text)
    return state_ref, data_ref


def flush_blobs() -> None:
    """Write the staged blobs that are not stored yet: one ``INSERT ... ON CONFLICT DO NOTHING`` (a blob is content
    addressed, so one already there is the same), on the session's connection without flushing the session (the
    instance's other changes then go out in one UPDATE at the commit)."""
    pending: dict[str, str] = db.session.info.pop(_PENDING, {})
    if not pending:
        return
    db.session.connection().execute(_blob_insert(db.engine.dialect.name == "postgresql"),
                                    [{"sha256": sha, "content": text} for sha, text in sorted(pending.items())])


@cache
def _blob_insert(postgresql: bool) -> Executable:
    """``INSERT … ON CONFLICT DO NOTHING`` of snapshot blobs, built once per dialect."""
    return (pg_insert if postgresql else sqlite_insert)(Blob.__table__).on_conflict_do_nothing(
        index_elements=["sha256"])


def discard_staged() -> None:
    db.session.info.pop(_PENDING, None)


def load_blob(sha: str | None) -> Any:
    if sha is None:
        return None
    blob = db.session.get(Blob, sha)
    if blob is None:
        raise NotFound(f"snapshot blob {sha} is missing")
    return json.loads(blob.content)


def load_view(state_ref: str | None, data_ref: str | None) -> dict[str, Any]:
    return {"elements": load_blob(state_ref), "data": load_blob(data_ref)}

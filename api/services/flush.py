"""One flush for every check-then-insert: a unique-key clash is a concurrent change of the same thing (409)."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from engine.errors import StateConflict

from ..extensions import db


def flush_or_conflict(what: str) -> None:
    """Flush the session.

    Raises:
        StateConflict (409) when a unique key clashed: ``what`` collided with a concurrent change. The
        session then needs the caller's rollback, as after any failed flush.
    """
    try:
        db.session.flush()
    except IntegrityError:
        raise StateConflict(f"{what} collided with a concurrent change; reload and retry") from None

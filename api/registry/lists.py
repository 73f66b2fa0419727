"""Versioned register lists that belong to organisations (the list of powers, inspection items and targets).

A bureau's list is, code by code, the latest version set by the nearest node of its chain: the bureau itself,
then its ancestors up to the platform root. A bureau changes an entry it inherited by writing its own version
(numbered after the highest version its chain has of the code); the other bureaus keep theirs. Rows of another
bureau are not in the chain: for that bureau's users they do not exist (404). No commits here.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, or_, select

from engine.errors import NotFound

from ..extensions import db
from ..services import org_scope, orgs


def _in_chain(model: Any, chain: list[int]):
    return or_(model.org_id.in_(chain), model.org_id.is_(None))


def effective(model: Any, org_id: int | None = None, include_retired: bool = False,
              order: Callable[[Any], Any] | None = None) -> list[Any]:
    """The current entries of ``model``'s list for ``org_id`` (default: the case being worked, else the caller's
    bureau): per code, the latest version of the nearest node having it."""
    org_id = org_id if org_id is not None else org_scope.effective_org()
    chain = orgs.ancestors(org_id)
    ranks = {node: i for i, node in enumerate(chain)}
    latest = (select(model.org_id, model.code, func.max(model.version).label("version"))
              .where(_in_chain(model, chain)).group_by(model.org_id, model.code).subquery())
    stmt = select(model).join(latest, model.org_id.is_not_distinct_from(latest.c.org_id)
                              & (model.code == latest.c.code) & (model.version == latest.c.version))
    best: dict[str, Any] = {}
    for row in db.session.scalars(stmt):
        known = best.get(row.code)
        if known is None or ranks.get(row.org_id, len(ranks)) < ranks.get(known.org_id, len(ranks)):
            best[row.code] = row
    rows = [r for r in best.values() if include_retired or not r.retired]
    return sorted(rows, key=order or (lambda r: r.code))


def every_bureau(model: Any, org_id: int | None = None, include_retired: bool = False,
                 order: Callable[[Any], Any] | None = None) -> list[Any]:
    """The public list: with ``org_id``, that bureau's (:func:`effective`); without, every node's own current
    entries (each row says whose it is)."""
    if org_id is not None:
        return effective(model, org_id, include_retired, order)
    latest = (select(model.org_id, model.code, func.max(model.version).label("version"))
              .group_by(model.org_id, model.code).subquery())
    stmt = select(model).join(latest, model.org_id.is_not_distinct_from(latest.c.org_id)
                              & (model.code == latest.c.code) & (model.version == latest.c.version))
    rows = [r for r in db.session.scalars(stmt) if include_retired or not r.retired]
    return sorted(rows, key=lambda r: ((order or (lambda x: x.code))(r), r.org_id or 0))


def versions(model: Any, code: str, org_id: int | None, what: str) -> list[Any]:
    """Every version of ``code`` in ``org_id``'s chain, oldest first.

    Raises:
        NotFound: no such entry for this bureau (another bureau's entry included).
    """
    org_id = org_id if org_id is not None else org_scope.effective_org()
    rows = list(db.session.scalars(select(model).where(model.code == code,
                                                       _in_chain(model, orgs.ancestors(org_id)))
                                   .order_by(model.version, model.id)))
    if not rows:
        raise NotFound(f"{what} '{code}' not found")
    return rows


def next_version(model: Any, code: str, org_id: int | None) -> int:
    """The version a new row of ``code`` at ``org_id`` gets: after the highest its chain has."""
    chain = orgs.ancestors(org_id)
    return (db.session.scalar(select(func.max(model.version)).where(model.code == code, _in_chain(model, chain)))
            or 0) + 1

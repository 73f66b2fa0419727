"""The inbox's statements are built once per user clause key (name, roles, organisation scopes) and kept
(api/tasks/queries._kept): a user whose roles or bureau change must at once get the rows of the new roles and
bureau, and a user of another bureau with the same roles must never get a kept statement of this one's."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from api.extensions import db
from api.models import TaskRow, User
from tests.api.helpers import web_login
from tests.api.orgs_support import make_user, org_id


def _ready_rows_as(app, ids: list[int], role: str) -> set[str]:
    """Give the ready rows of cases ``ids`` to ``role``, due long ago (first in deadline order, whatever other
    tests left in the shared database); their ids."""
    with app.app_context():
        rows = list(db.session.scalars(select(TaskRow).where(TaskRow.instance_id.in_(ids), TaskRow.state == "ready")))
        for row in rows:
            row.role, row.assignee, row.due_at = role, None, datetime(1990, 1, 1, tzinfo=UTC)
        db.session.commit()
        return {row.id for row in rows}


def _change(app, username: str, roles: list[str] | None = None, org: str | None = None) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if roles is not None:
            user.roles = roles
        if org is not None:
            user.org_id = org_id(app, org)
        db.session.commit()


def _seen(http, username: str, scope: str = "candidate") -> set[str]:
    resp = http.call("GET", f"/api/v1/tasks?scope={scope}&per_page=200", username)
    assert resp.status_code == 200, resp.get_json()
    return {t["id"] for t in resp.get_json()}


def test_a_changed_role_or_bureau_changes_the_rows_at_once(app, http, client):
    ids = [http.start("enforcement_case", as_user="officer1")["id"] for _ in range(2)]
    chief_rows = _ready_rows_as(app, ids, "chief")
    user = make_user(app, "kept-officer", ["officer"], "nj-mzj")
    assert not _seen(http, user) & chief_rows  # not the chief's rows yet
    _change(app, user, roles=["officer", "chief"])
    assert _seen(http, user) >= chief_rows  # the new role's rows, no stale statement
    other = make_user(app, "kept-officer-scj", ["officer", "chief"], "nj-scj")
    assert not _seen(http, other) & chief_rows  # same roles, other bureau: none of them
    _change(app, user, org="nj-scj")
    assert not _seen(http, user) & chief_rows  # moved to the other bureau: none of them any more
    _change(app, user, roles=["officer"], org="nj-mzj")
    assert not _seen(http, user) & chief_rows
    # the web inbox's kept statement follows too
    web_login(client, user)
    _change(app, user, roles=["officer", "chief"])
    page = client.get("/inbox").get_data(as_text=True)
    assert all(f"/tasks/{row}" in page for row in chief_rows)
    _change(app, user, roles=["officer"])
    page = client.get("/inbox").get_data(as_text=True)
    assert not any(f"/tasks/{row}" in page for row in chief_rows)


def test_two_users_with_the_same_roles_and_bureau_each_get_their_own_claims(app, http):
    ids = [http.start("enforcement_case", as_user="officer1")["id"] for _ in range(2)]
    rows = sorted(_ready_rows_as(app, ids, "chief"))
    a, b = (make_user(app, name, ["officer", "chief"], "nj-mzj") for name in ("kept-chief-a", "kept-chief-b"))
    assert _seen(http, a) >= set(rows) and _seen(http, b) >= set(rows)
    with app.app_context():
        db.session.get(TaskRow, rows[0]).assignee = a
        db.session.commit()
    for scope in ("candidate", "mine"):
        assert rows[0] in _seen(http, a, scope)
        assert rows[0] not in _seen(http, b, scope)  # another's claim, though the roles and bureau are the same


def test_kept_statements_stay_bounded_and_right_per_key_under_threads(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from api.tasks import queries

    monkeypatch.setattr(queries, "_BUILT", type(queries._BUILT)())
    monkeypatch.setattr(queries, "_BUILT_MAX", 8)

    def ask(i: int) -> bool:  # 20 keys through 8 places: kept, found and evicted at once by 8 threads
        key = ("test", i % 20)
        stmt = queries._kept(key, lambda: select(TaskRow.id).where(TaskRow.instance_id == key[1]))
        return stmt.whereclause.right.value == key[1]  # built or kept, it is this key's statement

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(ask, range(2000)))
    assert len(queries._BUILT) <= 8

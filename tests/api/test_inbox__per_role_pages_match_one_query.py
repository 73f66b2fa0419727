"""The inbox reads ready rows per role (one short index range each, merged) instead of one query over all the
user's roles: every page must hold exactly the rows, in exactly the order, that the single query gives — for users
with one role and with several, claimed and unclaimed rows, equal and missing deadlines, and cases the user may
not see (another unit's officer)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import or_, select

from api import permissions
from api.extensions import db
from api.models import Instance, TaskRow, User
from api.services import orgs
from api.tasks.queries import candidate_statement, inbox_rows_statement

ROLES = ["officer", "legal_reviewer", "head", "chief"]


def _reference_clause(user):
    """tasks_clause as it was written before the per-row probe: IN over every visible case."""
    if permissions.can(user, "task.oversee"):
        return TaskRow.org_id.in_(orgs.read_scope(user))
    return (TaskRow.org_id.in_(orgs.write_scope(user))
            & or_(TaskRow.assignee == user.username,
                  TaskRow.instance_id.in_(select(Instance.id).where(permissions.visible_instances_clause(user)))))


def _reference(user, claimable_only: bool) -> list[str]:
    roles = list(user.roles or [])
    mine = TaskRow.assignee.is_(None) if claimable_only else or_(TaskRow.assignee.is_(None),
                                                                 TaskRow.assignee == user.username)
    stmt = (select(TaskRow.id).where(_reference_clause(user), TaskRow.state == "ready", TaskRow.role.in_(roles), mine)
            .order_by(TaskRow.due_at.is_(None), TaskRow.due_at, TaskRow.created_at, TaskRow.id))
    return list(db.session.scalars(stmt))


@pytest.fixture()
def spread_rows(app, http):
    """Ready rows of several roles, deadlines (some equal, some missing), some claimed, in two units' cases."""
    ids = [http.start("enforcement_case", as_user=starter)["id"] for starter in ["officer1", "officer3"] * 9]
    base = datetime(2030, 1, 1, tzinfo=UTC)
    with app.app_context():
        rows = list(db.session.scalars(select(TaskRow).where(TaskRow.instance_id.in_(ids), TaskRow.state == "ready")
                                       .order_by(TaskRow.instance_id)))
        for i, row in enumerate(rows):
            row.role = ROLES[i % len(ROLES)]
            row.due_at = None if i % 5 == 0 else base + timedelta(days=i % 3)  # ties and rows without a deadline
            row.assignee = {3: "head1", 7: "officer1", 11: "reviewer1"}.get(i % 12)
        db.session.commit()
    return ids


@pytest.mark.parametrize("username", ["officer1", "officer3", "reviewer1", "head1", "admin"])
def test_every_page_of_the_per_role_query_is_the_single_querys_page(app, spread_rows, username):
    with app.test_request_context("/"):
        user = g.user = db.session.scalar(select(User).where(User.username == username))
        if username == "head1":
            user.roles = ["head", "chief", "legal_reviewer"]  # several roles (not committed)
        expected = _reference(user, claimable_only=False)
        for limit in (1, 2, 3, 5, 50):
            for offset in range(0, len(expected) + 2, max(1, limit - 1)):
                got = [row.id for row in db.session.scalars(candidate_statement(user, limit, offset))]
                assert got == expected[offset:offset + limit], (limit, offset)
        db.session.rollback()


@pytest.mark.parametrize("username", ["officer1", "officer3", "reviewer1", "head1"])
def test_the_web_inbox_claimable_rows_are_the_single_querys_rows(app, spread_rows, username):
    with app.test_request_context("/"):
        user = g.user = db.session.scalar(select(User).where(User.username == username))
        if username == "head1":
            user.roles = ["head", "chief", "legal_reviewer"]
        expected = _reference(user, claimable_only=True)
        for limit in (1, 4, 200):
            got = [row.id for row in db.session.execute(inbox_rows_statement(user, "claimable", limit)).all()]
            assert got == expected[:limit]
        db.session.rollback()

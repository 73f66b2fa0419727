"""The inbox queries on task rows, shared by ``GET /api/v1/tasks`` and the web inbox (``/inbox``).

Ready rows open to a user's roles are read per role, each through a partial index (``ix_tasks_claimable_role_due``:
ready rows nobody has claimed, by role and due date, revision 0005) in deadline order and cut at the page's end,
then merged: a user
with several roles costs one short index range per role (UNION ALL), never a sort of every ready row of all their
roles. Which rows a user may see is :func:`api.permissions.tasks_clause`, checked per row read.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

from sqlalchemy import Select, Subquery, false, or_, select, union_all

from .. import permissions
from ..models import Instance, TaskRow

#: soonest deadline first, rows without one last, then the oldest (the partial index's order, NULLS LAST)
DUE_ORDER = (TaskRow.due_at.asc().nulls_last(), TaskRow.created_at.asc(), TaskRow.id.asc())


def order_by_due(stmt: Select) -> Select:
    return stmt.order_by(*DUE_ORDER)


def per_role(roles: list[str], rows_of: Callable[[str], Select], window: int) -> list[Subquery]:
    """For each role, the first ``window`` rows (in :data:`DUE_ORDER`: id, due_at, created_at) of ``rows_of(role)``,
    which selects ``TaskRow.id`` of the ready rows of one role with every filter applied."""
    return [order_by_due(rows_of(role).add_columns(TaskRow.due_at, TaskRow.created_at)).limit(window).subquery()
            for role in sorted(set(roles))]


def first_ids(parts: list[Subquery], window: int) -> Select:
    """The ids of the first ``window`` rows (in :data:`DUE_ORDER`) of the parts together (no rows when there are
    none). The parts are ordered and cut together before a page's rows are read: the page then reads ``window``
    rows, not ``window`` per part (600 for a user with three roles and a page of 200)."""
    if not parts:
        return select(TaskRow.id).where(false())
    if len(parts) == 1:
        return select(parts[0].c.id)
    both = union_all(*(select(p.c.id, p.c.due_at, p.c.created_at) for p in parts)).subquery()
    return select(both.c.id).order_by(both.c.due_at.asc().nulls_last(), both.c.created_at.asc(),
                                      both.c.id.asc()).limit(window)


#: statements built for a user's clause key (permissions.clause_key), most recently used last; building one (the
#: visibility clause per role part) cost more than running it
_BUILT: OrderedDict[Hashable, Select] = OrderedDict()
_BUILT_MAX = 512


_BUILT_LOCK = Lock()  # a server's threads share the kept statements


def _kept(key: Hashable, build: Callable[[], Select]) -> Select:
    """The statement kept for ``key``, built by ``build`` the first time (statements are immutable)."""
    with _BUILT_LOCK:
        stmt = _BUILT.get(key)
        if stmt is not None:
            _BUILT.move_to_end(key)
            return stmt
    stmt = build()  # outside the lock: two threads may both build it, and either copy is right
    with _BUILT_LOCK:
        _BUILT[key] = stmt
        while len(_BUILT) > _BUILT_MAX:
            _BUILT.popitem(last=False)
    return stmt


def candidate_statement(user, limit: int, offset: int = 0) -> Select:
    """The ready rows open to ``user``'s roles (claimable, or claimed by them), a page in deadline order: per role,
    the claimable rows (index ``ix_tasks_claimable_role_due``) and the user's own (``ix_tasks_assignee_state``).
    Kept per user clause key and page (:func:`_kept`)."""
    return _kept(("candidate", permissions.clause_key(user), limit, offset),
                 lambda: _candidate_statement(user, limit, offset))


def _candidate_statement(user, limit: int, offset: int) -> Select:
    visible = permissions.tasks_clause(user)  # built once, shared by every part

    def ready(role: str, who) -> Select:
        return select(TaskRow.id).where(TaskRow.state == "ready", TaskRow.role == role, who, visible)

    roles = list(user.roles or [])
    window = limit + offset
    # the user's own rows of all their roles in one part (index ix_tasks_assignee_state: a user has few claimed
    # rows): one part fewer per role keeps the statement short enough for psycopg to prepare it
    own = select(TaskRow.id).where(TaskRow.state == "ready", TaskRow.role.in_(roles),
                                   TaskRow.assignee == user.username, visible)
    own_part = order_by_due(own.add_columns(TaskRow.due_at, TaskRow.created_at)).limit(window).subquery()
    ids = first_ids(per_role(roles, lambda role: ready(role, TaskRow.assignee.is_(None)), window)
                    + ([own_part] if roles else []), window)
    return order_by_due(select(TaskRow).where(TaskRow.id.in_(ids))).limit(limit).offset(offset)


def tasks_statement(user, state: str, scope: str, instance_id: int | None = None) -> Select:
    """The task rows ``user`` may see in ``scope`` (mine, candidate, all), soonest deadline first (unpaged)."""
    stmt = select(TaskRow).where(permissions.tasks_clause(user))
    if state != "any":
        stmt = stmt.where(TaskRow.state == state)
    if instance_id:
        stmt = stmt.where(TaskRow.instance_id == instance_id)
    roles = list(user.roles or [])
    if scope == "mine":
        stmt = stmt.where(TaskRow.assignee == user.username)
    elif scope == "candidate":
        stmt = stmt.where(TaskRow.role.in_(roles), or_(TaskRow.assignee.is_(None),
                                                       TaskRow.assignee == user.username))
    elif not permissions.can(user, "task.oversee"):
        stmt = stmt.where(or_(TaskRow.role.in_(roles), TaskRow.assignee == user.username))
    return order_by_due(stmt)


def page_statement(user, state: str, scope: str, instance_id: int | None, limit: int, offset: int) -> Select:
    """One page of :func:`tasks_statement`; the inbox's usual question (ready rows open to my roles, across
    cases) goes per role through the partial index (:func:`candidate_statement`)."""
    if scope == "candidate" and state == "ready" and not instance_id:
        return candidate_statement(user, limit, offset)
    return _kept(("page", permissions.clause_key(user), state, scope, instance_id, limit, offset),
                 lambda: tasks_statement(user, state, scope, instance_id).limit(limit).offset(offset))


#: what a web inbox row shows and checks (permissions.task_view reads org_id, id, assignee, role, instance_id, name)
INBOX_COLUMNS = (TaskRow.id, TaskRow.name, TaskRow.instance_id, TaskRow.title, TaskRow.role, TaskRow.assignee,
                 TaskRow.due_at, TaskRow.org_id)


def inbox_rows_statement(user, tab: str, limit: int, narrow: Callable[[Select], Select] | None = None) -> Select:
    """The web inbox's ready rows with their cases' process keys and titles, at most ``limit``: ``mine`` (claimed by me) or claimable (my
    roles, nobody's), each role read on its own; ``narrow`` adds the page's filters on ``TaskRow`` and ``Instance``
    (without filters the rows are found from the task rows alone, and joined to their cases for the page)."""
    if narrow is None:  # the inbox without filters: kept per user clause key (filters make each one new)
        return _kept(("inbox", permissions.clause_key(user), tab, limit),
                     lambda: _inbox_rows_statement(user, tab, limit, None))
    return _inbox_rows_statement(user, tab, limit, narrow)


def _inbox_rows_statement(user, tab: str, limit: int, narrow: Callable[[Select], Select] | None) -> Select:
    visible = permissions.tasks_clause(user)  # built once, shared by every part

    def rows(columns) -> Select:
        stmt = select(*columns).where(TaskRow.state == "ready", visible)
        if narrow is None:
            return stmt
        return narrow(stmt.join(Instance, Instance.id == TaskRow.instance_id))

    if tab == "mine":
        ids = order_by_due(rows((TaskRow.id,)).where(TaskRow.assignee == user.username)).limit(limit)
    else:
        ids = first_ids(per_role(list(user.roles or []), lambda role: rows((TaskRow.id,)).where(
            TaskRow.role == role, TaskRow.assignee.is_(None)), limit), limit)
    # the page's columns (rows, not ORM objects: a page of 200 is read, never changed) and the case's process
    # and title, not the case row (its state and data)
    return order_by_due(select(*INBOX_COLUMNS, Instance.definition_key, Instance.title.label("case_title"))
                        .join(Instance, Instance.id == TaskRow.instance_id)
                        .where(TaskRow.id.in_(ids))).limit(limit)

"""Who may do what: one table of actions → roles, plus organisation scope and case membership.

Every resource and web page asks here (``require``, ``require_case``, ``case_view``) instead of keeping its own
role tuples. Three layers decide:

1. **Action → roles** (:data:`ACTIONS`): the roles that may attempt an action at all.
2. **Organisation scope** (api/services/orgs.py): records of another bureau do not exist for the caller (404);
   a supervising justice bureau reads its subtree, read-only (writes refused with 403 ``read_only``).
3. **Case membership** (:func:`case_view`): officers read the cases they work on or their unit's, reviewers and
   counsel the cases sent to them, heads, admins and auditors their bureau's, the publicity officer a masked view
   of the cases that reach publication. Every read of a case's personal data is recorded (api/services/access.py).
"""
from __future__ import annotations

from typing import Literal

from flask import g
from sqlalchemy import and_, exists, or_, select

from engine.errors import NotFound, RuleViolation

from .extensions import db
from .models import Event, Instance, TaskRow, User
from .security import current_user
from .services import orgs

#: action -> roles that may attempt it (scope and case membership are checked on top)
ACTIONS: dict[str, frozenset[str]] = {
    # cases
    "instance.start": frozenset({"officer", "admin"}),
    "instance.list": frozenset({"officer", "legal_reviewer", "legal_counsel", "head", "chief", "publicity_officer",
                                "auditor", "admin", "supervisor"}),
    # the whole history and past states: not the publicity officer (publication needs the decision, not the file)
    "instance.history": frozenset({"officer", "legal_reviewer", "legal_counsel", "head", "chief", "auditor",
                                   "admin", "supervisor"}),
    "instance.edit_data": frozenset({"admin"}),
    "instance.rewind": frozenset({"admin"}),
    "instance.cancel": frozenset({"admin"}),
    "instance.verify": frozenset({"auditor", "admin", "head", "supervisor"}),
    "instance.archive": frozenset({"auditor", "admin", "head", "supervisor"}),
    "evidence.upload": frozenset({"officer", "admin"}),
    "evidence.read": frozenset({"officer", "legal_reviewer", "legal_counsel", "head", "chief", "auditor", "admin",
                                "supervisor"}),
    "task.oversee": frozenset({"auditor", "admin", "supervisor"}),  # see every task of the bureau, not only their roles'
    "task.reassign": frozenset({"admin"}),
    # definitions, settings, registers
    "definition.deploy": frozenset({"process_owner"}),
    "definition.validate": frozenset({"process_owner"}),
    "definition.export": frozenset({"process_owner"}),
    "definition.import": frozenset({"process_owner"}),
    "definition.migrate": frozenset({"process_owner", "admin"}),  # move running cases to a newer version
    # per-element counts of a version's cases (the heatmap): figures, no case data
    "definition.stats": frozenset({"process_owner", "head", "chief", "auditor", "admin", "supervisor"}),
    "setting.edit": frozenset({"admin", "process_owner"}),
    "calendar.edit": frozenset({"admin", "process_owner"}),
    "calendar.confirm": frozenset({"officer", "head", "admin", "process_owner"}),
    "power.edit": frozenset({"admin", "process_owner"}),
    "certificate.read": frozenset({"admin", "head", "supervisor"}),
    "certificate.edit": frozenset({"admin"}),
    "device.register": frozenset({"admin", "head"}),
    "lottery.abandon": frozenset({"head"}),
    "stats.read": frozenset({"head", "auditor", "admin", "supervisor"}),
    "stats.publish": frozenset({"head", "admin"}),
    "withdrawal.start": frozenset({"publicity_officer", "head"}),
    "user.manage": frozenset({"admin"}),
    # exports: the supervision export (auditors, the supervising justice bureau) and the 双公示 credit reports
    "export.supervision": frozenset({"auditor", "supervisor"}),
    "credit.read": frozenset({"publicity_officer", "head", "admin", "auditor", "supervisor"}),
    "credit.report": frozenset({"publicity_officer", "head", "admin"}),
    "training.read": frozenset({"admin", "head", "auditor", "supervisor"}),
    "training.edit": frozenset({"admin"}),
}

#: actions that only read: a supervising organisation may perform them on its subtree
READ_ONLY_ACTIONS = frozenset({"instance.list", "instance.history", "instance.verify", "instance.archive", "evidence.read",
                               "certificate.read", "stats.read", "task.oversee", "export.supervision",
                               "credit.read", "training.read", "definition.stats"})

#: roles that read every case of their bureau (heads decide, admins correct, auditors audit)
BUREAU_READERS = frozenset({"head", "chief", "admin", "auditor"})
#: case roles whose members read a case sent to them: task role -> user role
SENT_TO = {"legal_reviewer": "legal_reviewer", "legal_counsel": "legal_counsel"}

View = Literal["full", "masked"]


def roles_for(action: str) -> frozenset[str]:
    try:
        return ACTIONS[action]
    except KeyError:  # a typo in the code, not a user's fault
        raise LookupError(f"unknown action {action!r}") from None


def can(user: User, action: str) -> bool:
    return any(user.has_role(r) for r in roles_for(action))


def acting_role(user: User, action: str) -> str | None:
    """The role under which ``user`` performs ``action`` (the first held, in a stable order)."""
    return next((r for r in sorted(roles_for(action)) if user.has_role(r)), None)


def require(action: str) -> User:
    """The current user, if one of their roles may perform ``action``.

    Raises:
        Unauthorized: not logged in. RuleViolation: no role for it (403 ``role``).
    """
    user = current_user()
    if not can(user, action):
        raise RuleViolation("role", f"this needs one of the roles: {', '.join(sorted(roles_for(action)))}")
    return user


def require_in_org(action: str, org_id: int | None) -> User:
    """``require(action)`` for a record of organisation ``org_id``: another bureau's record is 404, a supervised
    one is read-only."""
    user = require(action)
    check_org(user, org_id, action)
    return user


def check_org(user: User, org_id: int | None, action: str, what: str = "record") -> None:
    """Raises NotFound outside the user's reach (with the message a missing record gets, so the answer does not
    tell that another bureau's record exists), RuleViolation ``read_only`` for a supervisor's write."""
    if org_id in orgs.write_scope(user):
        return
    if org_id in orgs.read_scope(user):
        if action in READ_ONLY_ACTIONS or action.endswith(".read"):
            return
        raise RuleViolation("read_only", "a supervising organisation reads this bureau's records but cannot change them")
    raise NotFound(f"{what} not found")


# --- cases ---------------------------------------------------------------------------------------------------------

def _worked_on(user: User, instance_id: int) -> bool:
    from .services.history import instance_stream

    stmt = select(exists().where(Event.stream == instance_stream(instance_id), Event.actor == user.username))
    return bool(db.session.scalar(stmt))


def _sent_to(user: User, instance_id: int) -> bool:
    """A task for one of the user's roles was opened in the case (a review sent to a reviewer, a publication to
    the publicity officer...)."""
    stmt = select(exists().where(TaskRow.instance_id == instance_id, TaskRow.role.in_(list(user.roles or []))))
    return bool(db.session.scalar(stmt))


def _named(user: User, instance: Instance) -> bool:
    named = instance.data.get("officers") if isinstance(instance.data, dict) else None
    return isinstance(named, list) and user.username in {str(o) for o in named}


def case_view(user: User, instance: Instance) -> View | None:
    """How much of ``instance`` the user may read: ``full``, ``masked`` (no raw ID numbers) or nothing.

    Raises:
        NotFound: the case belongs to an organisation outside the user's reach.
    """
    cache = g.setdefault("_case_views", {})
    key = (user.id, instance.id)
    if key in cache:
        return cache[key]
    check_org(user, instance.org_id, "instance.read", f"instance {instance.id}")
    view: View | None = None
    if orgs.supervised_only(user, instance.org_id):
        view = "full" if user.has_role("supervisor") or user.has_role("auditor") else None
    elif any(user.has_role(r) for r in BUREAU_READERS):
        view = "full"
    elif user.has_role("officer") and (
            instance.unit_id in orgs.ancestors(orgs.user_org(user))  # their unit's, or started at the bureau level
            or instance.started_by == user.username or _named(user, instance) or _worked_on(user, instance.id)):
        view = "full"
    elif (user.has_role("legal_reviewer") or user.has_role("legal_counsel")) and (
            _sent_to(user, instance.id) or _worked_on(user, instance.id)):
        view = "full"
    elif user.has_role("publicity_officer") and (_sent_to(user, instance.id) or _worked_on(user, instance.id)):
        view = "masked"
    cache[key] = view
    return view


def require_case(instance: Instance, action: str = "instance.read") -> tuple[User, View]:
    """The current user and their view of ``instance`` for ``action``.

    Raises:
        Unauthorized / NotFound (another bureau's case) / RuleViolation (403 ``case_access`` or ``role``).
    """
    user = current_user()
    # scope first: another bureau's case answers exactly as a missing one (no oracle of which ids exist)
    if instance.org_id not in orgs.read_scope(user):
        raise NotFound(f"instance {instance.id} not found")
    if action != "instance.read" and not can(user, action):
        raise RuleViolation("role", f"this needs one of the roles: {', '.join(sorted(roles_for(action)))}")
    check_org(user, instance.org_id, action, f"instance {instance.id}")
    view = case_view(user, instance)
    if view is None:
        raise RuleViolation("case_access", f"{user.username} does not work on case {instance.id}")
    if action == "instance.read" or action in READ_ONLY_ACTIONS:
        if view != "full" and action != "instance.read":
            raise RuleViolation("case_access", f"{user.username} sees only the masked case {instance.id}")
        return user, view
    if view != "full":
        raise RuleViolation("case_access", f"{user.username} may not change case {instance.id}")
    return user, view


def visible_instances_clause(user: User):
    """A WHERE clause selecting the instances ``user`` may read (the list endpoints)."""
    in_scope = Instance.org_id.in_(orgs.read_scope(user))
    if any(user.has_role(r) for r in BUREAU_READERS | {"supervisor"}):
        return in_scope
    conditions = []
    roles = list(user.roles or [])
    sent = exists().where(TaskRow.instance_id == Instance.id, TaskRow.role.in_(roles))
    # per case through the events' instance index (OFFSET 0: never a hash of every event the user wrote, see
    # tasks_clause)
    worked = (select(Event.id).where(Event.instance_id == Instance.id, Event.actor == user.username,
                                     Event.stream.like("instance:%")).offset(0).exists())
    if user.has_role("officer"):
        conditions += [Instance.unit_id.in_(orgs.ancestors(orgs.user_org(user))), Instance.started_by == user.username,
                       worked]
        if any(r != "officer" for r in roles):  # an officer who is also a reviewer sees the cases sent to them
            conditions.append(sent)
    elif roles:
        conditions += [sent, worked]
    if not conditions:
        return and_(in_scope, False)
    return and_(in_scope, or_(*conditions))




def open_case(instance_id: int, action: str = "instance.read", what: str | None = None) -> tuple[User, Instance, View]:
    """Load a case for ``action``; with ``what`` the read is recorded on the case's access stream and committed at
    once (a read is recorded even when the response is cut short; the stream's lock is held only for a moment).

    Raises:
        NotFound: no such case, or another bureau's. RuleViolation: not the caller's case, or not their role.
    """
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    user, view = require_case(instance, action)
    if what:
        record(user, instance.id, what, view)
    return user, instance, view


def record(user: User, instance_id: int, what: str, view: View = "full", detail: dict | None = None) -> None:
    """Record a read of case ``instance_id`` on its access stream and commit."""
    from flask import request

    from .services.access import record_read

    record_read(user, instance_id, what, view=view, client_addr=request.remote_addr, detail=detail)
    db.session.commit()


def shown(data: dict, view: View) -> dict:
    """Case data as ``view`` may see it: the masked view (the publicity officer) has every ID number in every
    text masked the way publication masks it; the rest of the text stays, so the officer can still compare the
    decision with its masked copy (OGI 37)."""
    if view == "full":
        return data
    from engine.masking import mask_text
    from engine.masking_rules import DEFAULT_RULES

    id_rules = [r for r in DEFAULT_RULES if r.name.startswith("id_number")]

    def walk(value):
        if isinstance(value, str):
            return mask_text(value, id_rules)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(data)


# --- tasks ---------------------------------------------------------------------------------------------------------

def task_view(user: User, task: TaskRow) -> View:
    """How the user may see a task: its role's holders, its assignee and the bureau's overseers (auditors,
    admins; a supervisor read-only) — ``masked`` for the publicity officer.

    Raises:
        NotFound: another bureau's task. RuleViolation: not the user's role.
    """
    check_org(user, task.org_id, "task.oversee" if can(user, "task.oversee") else "task.work", f"task {task.id}")
    # the publicity officer sees ID numbers masked on every task, their own claimed or completed ones included
    masked = user.has_role("publicity_officer") and not any(
        user.has_role(r) for r in BUREAU_READERS | {"officer", "legal_reviewer", "legal_counsel", "supervisor"})
    if task.assignee == user.username or can(user, "task.oversee"):
        return "masked" if masked else "full"
    if user.has_role(task.role):
        if case_view(user, db.session.get(Instance, task.instance_id)) is None:
            raise RuleViolation("case_access", f"{user.username} does not work on the case of task '{task.name}'")
        return "masked" if masked else "full"
    raise RuleViolation("role", f"task '{task.name}' belongs to role '{task.role}'")


def check_task_work(user: User, task: TaskRow) -> None:
    """Claiming, releasing and completing: only inside the user's own bureau (a supervisor never)."""
    check_org(user, task.org_id, "task.work", f"task {task.id}")


def clause_key(user: User) -> tuple:
    """Everything :func:`tasks_clause` and :func:`visible_instances_clause` are built from (the user's name, roles
    and organisation scopes): two users with the same key get the same clauses, so a statement built from them can
    be kept by this key (the org tree's changes change the scopes, so they change the key)."""
    return (user.username, tuple(user.roles or []), frozenset(orgs.read_scope(user)),
            frozenset(orgs.write_scope(user)), tuple(orgs.ancestors(orgs.user_org(user))))


def tasks_clause(user: User):
    """WHERE clause: the task rows of organisations the user sees (overseers: read scope; others: own bureau)."""
    if can(user, "task.oversee"):
        return TaskRow.org_id.in_(orgs.read_scope(user))
    # a correlated EXISTS on the row's own case: a primary-key probe per row read, which an inbox read in deadline
    # order from the ready rows' index stops after a page of; not IN over every visible case (a hash of all of
    # them, and of every event the user wrote, on each query). OFFSET 0 keeps PostgreSQL from turning it back
    # into that hash (an EXISTS with an OFFSET is not flattened); it means nothing to the rows found.
    case_visible = (select(Instance.id).where(Instance.id == TaskRow.instance_id, visible_instances_clause(user))
                    .correlate(TaskRow).offset(0).exists())
    return and_(TaskRow.org_id.in_(orgs.write_scope(user)), or_(TaskRow.assignee == user.username, case_visible))

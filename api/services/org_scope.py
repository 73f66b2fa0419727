"""Which organisation a query is for, when no caller names one: the case being worked, else the caller's bureau,
else the platform root.

Settings, register lists and masking rules belong to organisation nodes (api/models/orgs.py). A request knows its
caller; an engine step (a completion, a worker's timer, a replay) knows its case: :func:`bind_case` (called where
a step loads or starts an instance, api/services/instances.py) makes the case's bureau the scope of everything
the step reads, whoever runs it (the worker has no request user). :func:`effective_org` answers in that order.

Helpers here also turn a ``?org=<code>`` query into the nodes it covers (:func:`org_arg`), and select the users of
a bureau (:func:`users_clause`), for the registry lists, certificates and devices.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_app_context, has_request_context
from sqlalchemy import or_, select

from engine.errors import FormDataInvalid, NotFound

from ..extensions import db
from ..models import Organisation, User
from . import orgs

_CASE = "_sx_case_org"


def bind_case(org_id: int | None) -> None:
    """From now on in this app context, settings and lists are those of ``org_id`` (a case's bureau)."""
    if has_app_context():
        setattr(g, _CASE, org_id)


@contextmanager
def case(org_id: int | None) -> Iterator[None]:
    """:func:`bind_case` for the block only (the worker fires many bureaus' timers in one app context)."""
    had = has_app_context() and hasattr(g, _CASE)
    before = getattr(g, _CASE, None) if had else None
    bind_case(org_id)
    try:
        yield
    finally:
        if has_app_context():
            if had:
                setattr(g, _CASE, before)
            else:
                g.pop(_CASE, None)


def case_org() -> int | None:
    return getattr(g, _CASE, None) if has_app_context() else None


def caller() -> User | None:
    """The logged-in user of the request, if any (never raises)."""
    if not has_request_context():
        return None
    from ..security import current_user

    try:
        return current_user(required=False)
    except Exception:  # noqa: BLE001 - a bad token is the request's problem, not the scope's
        return None


def platform_root() -> int | None:
    """The platform's root node (``orgs.PLATFORM_ROOT``, else the first root)."""
    nodes = orgs.tree()
    root = orgs.by_code(orgs.PLATFORM_ROOT) if nodes else None
    if root is not None:
        return root.id
    return min((i for i, (parent, *_rest) in nodes.items() if parent is None), default=None)


def effective_org() -> int | None:
    """The bound case's bureau, else the caller's bureau, else the platform root."""
    bound = case_org()
    if bound is not None:
        return bound
    user = caller()
    if user is not None:
        return orgs.user_bureau(user)
    return platform_root()


def write_org(user: User) -> int | None:
    """Where ``user``'s edits of shared lists and settings go: their bureau (a root user: the root)."""
    return orgs.user_bureau(user)


def by_code(code: str, field: str = "org") -> Organisation:
    """The node with ``code``.

    Raises:
        FormDataInvalid: no such organisation (422 naming ``field``).
    """
    found = orgs.by_code(code.strip()) if isinstance(code, str) else None
    if found is None:
        raise FormDataInvalid({field: [f"no organisation with code '{code}'"]}, "unknown organisation")
    return found


def readable_org(user: User, code: str | None) -> int | None:
    """``?org=<code>`` of a logged-in caller: the node, when the caller may read it (404 otherwise); None when
    not given."""
    if not code:
        return None
    org = by_code(code)
    if org.id not in orgs.read_scope(user) and org.id not in orgs.ancestors(orgs.user_bureau(user)):
        raise NotFound(f"no organisation with code '{code}'")
    return org.id


def users_clause(bureau_id: int | None):
    """WHERE clause: the users of ``bureau_id``'s subtree (users without a node belong to the default bureau)."""
    return users_in_clause(orgs.subtree(bureau_id))


def in_bureau(user: User, bureau_id: int | None) -> bool:
    """``user`` belongs to ``bureau_id`` (or a unit of it)."""
    return orgs.user_org(user) in orgs.subtree(bureau_id)


def name_of(org_id: int | None) -> str | None:
    return db.session.scalar(select(Organisation.name).where(Organisation.id == org_id)) if org_id else None


def bureaus() -> list[Organisation]:
    """Every bureau of the platform (what the public portal filters by)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == "bureau")
                                   .order_by(Organisation.path)))


def writable_org(user: User, code: str | None, action: str) -> int | None:
    """``?org=<code>`` of an edit of settings or lists: the node (a bureau or above, inside the user's own
    bureau's reach); without it, the user's own bureau.

    Raises:
        FormDataInvalid: unknown code, or a unit (settings and lists belong to a bureau or a higher level).
        NotFound: another bureau's node. RuleViolation: ``read_only`` for a supervised node.
    """
    from ..permissions import check_org  # permissions -> services: import late

    if not code:
        return write_org(user)
    org = by_code(code)
    check_org(user, org.id, action, "organisation")
    if org.kind == "unit":
        raise FormDataInvalid({"org": [f"'{code}' is a unit: settings and lists belong to its bureau or above"]},
                              "a unit has no settings of its own")
    return org.id


def code_of(org_id: int | None) -> str | None:
    """The code of node ``org_id`` (one query per request for every node)."""
    if org_id is None:
        return None
    codes = g.get("_sx_org_codes") if has_app_context() else None
    if codes is None or org_id not in codes:
        codes = {i: c for i, c in db.session.execute(select(Organisation.id, Organisation.code))}
        if has_app_context():
            g._sx_org_codes = codes
    return codes.get(org_id)


def users_in_clause(nodes: set[int]):
    """WHERE clause: users whose node is in ``nodes`` (users without a node belong to the default bureau)."""
    default = orgs.id_of(orgs.DEFAULT_BUREAU)
    if default is not None and default in nodes:
        return or_(User.org_id.in_(nodes), User.org_id.is_(None))
    return User.org_id.in_(nodes)

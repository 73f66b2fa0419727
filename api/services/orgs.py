"""The organisation tree: subtrees, the caller's bureau, the nodes a user may read or write.

A user reads within their bureau (the nearest ``bureau`` node at or above their own node); a supervising node
(``supervises_id``) also reads the supervised subtree, read-only. Writes stay inside the user's own bureau.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select

from ..extensions import db
from ..models.orgs import Organisation
from ..models.users import User

#: The demo platform: one county with two bureaus and the justice bureau that supervises them.
DEMO_ORGS: list[dict] = [
    {"code": "hebei", "name": "河北省", "kind": "province", "parent": None},
    {"code": "xingtai", "name": "邢台市", "kind": "city", "parent": "hebei"},
    {"code": "ningjin", "name": "宁晋县", "kind": "county", "parent": "xingtai"},
    {"code": "nj-mzj", "name": "宁晋县民族宗教事务局", "kind": "bureau", "parent": "ningjin"},
    {"code": "nj-mzj-1", "name": "宁晋县民族宗教事务局执法一队", "kind": "unit", "parent": "nj-mzj"},
    {"code": "nj-mzj-2", "name": "宁晋县民族宗教事务局执法二队", "kind": "unit", "parent": "nj-mzj"},
    {"code": "nj-scj", "name": "宁晋县市场监督管理局", "kind": "bureau", "parent": "ningjin"},
    {"code": "nj-sfj", "name": "宁晋县司法局", "kind": "justice", "parent": "ningjin", "supervises": "ningjin"},
]
#: where definitions shared by every bureau live (the shipped processes are deployed here)
PLATFORM_ROOT = "hebei"
#: the bureau a user without a node belongs to (users made before organisations existed)
DEFAULT_BUREAU = "nj-mzj"


def seed_orgs(specs: list[dict] | None = None) -> int:
    """Create the organisations in ``specs`` (parents first; idempotent); returns how many were added."""
    added = 0
    for spec in specs or DEMO_ORGS:
        if by_code(spec["code"]) is not None:
            continue
        parent = by_code(spec["parent"]) if spec.get("parent") else None
        org = Organisation(code=spec["code"], name=spec["name"], kind=spec["kind"],
                           parent_id=parent.id if parent else None)
        db.session.add(org)
        db.session.flush()
        org.path = f"{parent.path if parent else '/'}{org.id}/"
        if spec.get("supervises"):
            org.supervises_id = by_code(spec["supervises"]).id
        added += 1
    db.session.flush()
    _clear()
    return added


def by_code(code: str | None) -> Organisation | None:
    if not code:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def id_of(code: str | None) -> int | None:
    """The id of the node ``code`` (cached per process: organisations are few, only grow and keep their code)."""
    if not code:
        return None
    ids = _ids(str(db.engine.url))
    if code not in ids:
        _clear()
        ids = _ids(str(db.engine.url))
    return ids.get(code)


@lru_cache(maxsize=8)
def _ids(url: str) -> dict[str, int]:  # noqa: ARG001 - cache key per database
    return {code: i for i, code in db.session.execute(select(Organisation.id, Organisation.code))}


def get(org_id: int | None) -> Organisation | None:
    return db.session.get(Organisation, org_id) if org_id is not None else None


def _clear() -> None:
    _tree.cache_clear()
    _ids.cache_clear()


@lru_cache(maxsize=8)
def _tree(url: str) -> dict[int, tuple[int | None, str, str, int | None]]:  # noqa: ARG001 - cache key per database
    """id -> (parent_id, kind, path, supervises_id) for every node (organisations are few and only grow)."""
    rows = db.session.execute(select(Organisation.id, Organisation.parent_id, Organisation.kind, Organisation.path,
                                     Organisation.supervises_id))
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def tree() -> dict[int, tuple[int | None, str, str, int | None]]:
    nodes = _tree(str(db.engine.url))
    return nodes


def subtree(org_id: int | None) -> set[int]:
    """``org_id`` and every node below it."""
    if org_id is None:
        return set()
    nodes = tree()
    if org_id not in nodes:
        _clear()
        nodes = tree()
    if org_id not in nodes:
        return set()
    prefix = nodes[org_id][2]
    return {i for i, (_, _, path, _) in nodes.items() if path.startswith(prefix)}


def ancestors(org_id: int | None) -> list[int]:
    """``org_id`` and its ancestors, nearest first."""
    nodes = tree()
    out: list[int] = []
    while org_id is not None and org_id in nodes and org_id not in out:
        out.append(org_id)
        org_id = nodes[org_id][0]
    return out


def bureau_of(org_id: int | None) -> int | None:
    """The nearest bureau (or justice bureau) at or above ``org_id``."""
    nodes = tree()
    for node in ancestors(org_id):
        if nodes[node][1] in ("bureau", "justice"):
            return node
    return org_id


def user_org(user: User) -> int | None:
    if user.org_id is not None:
        return user.org_id
    default = by_code(DEFAULT_BUREAU)
    return default.id if default else None


def user_bureau(user: User) -> int | None:
    return bureau_of(user_org(user))


def write_scope(user: User) -> set[int]:
    """Nodes whose records the user may change: their own bureau's subtree."""
    return subtree(user_bureau(user))


def read_scope(user: User) -> set[int]:
    """Nodes whose records the user may read: their bureau's subtree, plus a supervised subtree."""
    scope = set(write_scope(user))
    nodes = tree()
    for node in ancestors(user_org(user)):
        supervised = nodes[node][3]
        if supervised is not None:
            scope |= subtree(supervised)
    return scope


def supervised_only(user: User, org_id: int | None) -> bool:
    """True when ``org_id`` is readable by ``user`` only as a supervisor (read-only)."""
    return org_id not in write_scope(user) and org_id in read_scope(user)


def visible_definition_orgs(user: User) -> set[int]:
    """Nodes whose definitions a user's bureau runs: the bureau's ancestors and the bureau's own subtree."""
    bureau = user_bureau(user)
    return set(ancestors(bureau)) | subtree(bureau)


def is_root(user: User) -> bool:
    """The user's node is a root of the tree (a platform-level owner may change the platform's own keys)."""
    org = user_org(user)
    return org is not None and tree().get(org, (None,))[0] is None

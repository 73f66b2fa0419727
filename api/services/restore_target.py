"""What a restore may go onto: a database of a schema revision this release has, holding nothing, that the
restoring role owns (api/services/backup.py restores onto it).

A database prepared with anything — a table, a function, a publication, its own settings, a grant of CREATE on it or
on its ``public`` schema, another owner — would have the restored records inherit it (a role granted every restored
table, a ``search_path`` or a shadowing ``public.lower()`` that puts another's code in the service's queries).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import text

from engine.errors import StateConflict

from ..extensions import db


def check(revision: Any) -> None:
    """Refuse a backup of an unknown schema revision, or a target database that is not empty.

    Raises:
        StateConflict: naming the revision, or the first objects or grants found.
    """
    _check_known_revision(revision)
    objects = _database_objects()
    if objects:
        raise StateConflict(f"the database is not empty ({len(objects)} objects or grants, e.g. {objects[0]}); "
                            "restore only onto a new, empty database that the restoring role owns (PostgreSQL: "
                            "`createdb -T template0 -O <role>`, and on PostgreSQL 14 or older `REVOKE CREATE ON "
                            "SCHEMA public FROM PUBLIC`)")


def _check_known_revision(revision: Any) -> None:
    """Refuse a backup whose schema revision this release does not have (made by a newer release: loaded, it
    could be neither upgraded nor served), before anything is installed or loaded.

    Raises:
        StateConflict: naming the revision.
    """
    from ..schema import known_revisions

    if revision not in known_revisions():
        raise StateConflict(f"the backup's database is at schema revision {str(revision)[:40]!r}, which this release "
                            "does not have (a newer release made it): restore it with that release or a later one; "
                            "nothing was restored")


#: what a PostgreSQL database holds beyond what CREATE DATABASE gives it (oids from 16384, FirstNormalObjectId, are
#: objects made afterwards; other sessions' temporary schemas and tables are not the database's own)
_PG_OBJECTS = """
SELECT what FROM (
 SELECT 'relation ' || n.nspname || '.' || c.relname AS what FROM pg_class c
   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid >= 16384 AND n.nspname NOT LIKE :temp
 UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE oid >= 16384 AND nspname NOT LIKE :temp
 UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE oid >= 16384
 UNION ALL SELECT 'type ' || t.typname FROM pg_type t
   JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid >= 16384 AND n.nspname NOT LIKE :temp
 UNION ALL SELECT 'collation ' || collname FROM pg_collation WHERE oid >= 16384
 UNION ALL SELECT 'extension ' || extname FROM pg_extension WHERE oid >= 16384
 UNION ALL SELECT 'language ' || lanname FROM pg_language WHERE oid >= 16384
 UNION ALL SELECT 'publication ' || pubname FROM pg_publication
 UNION ALL SELECT 'event trigger ' || evtname FROM pg_event_trigger
 UNION ALL SELECT 'large object ' || oid::text FROM pg_largeobject_metadata
 UNION ALL SELECT 'default privileges' FROM pg_default_acl
 UNION ALL SELECT 'cast' FROM pg_cast WHERE oid >= 16384
 UNION ALL SELECT 'operator ' || oprname FROM pg_operator WHERE oid >= 16384
 UNION ALL SELECT 'foreign server ' || srvname FROM pg_foreign_server
 UNION ALL SELECT 'foreign-data wrapper ' || fdwname FROM pg_foreign_data_wrapper WHERE oid >= 16384
 UNION ALL SELECT 'text search configuration ' || cfgname FROM pg_ts_config WHERE oid >= 16384
 UNION ALL SELECT 'settings of the database' FROM pg_db_role_setting
   WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
 UNION ALL SELECT 'conversion ' || conname FROM pg_conversion WHERE oid >= 16384
 UNION ALL SELECT 'CREATE on the database granted to ' || a.grantee::regrole::text
   FROM pg_database d, aclexplode(d.datacl) a
   WHERE d.datname = current_database() AND a.privilege_type = 'CREATE'
     AND a.grantee <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
 UNION ALL SELECT 'the database owned by ' || datdba::regrole::text || ', not by the role restoring'
   FROM pg_database WHERE datname = current_database()
     AND datdba <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
 UNION ALL SELECT 'schema public owned by ' || nspowner::regrole::text FROM pg_namespace
   WHERE nspname = 'public' AND nspowner NOT IN (SELECT oid FROM pg_roles
                                                 WHERE rolname IN (current_user, 'pg_database_owner'))
 UNION ALL SELECT 'CREATE on schema public granted to ' || CASE a.grantee WHEN 0 THEN 'PUBLIC'
                                                              ELSE a.grantee::regrole::text END
   FROM pg_namespace n, aclexplode(n.nspacl) a
   WHERE n.nspname = 'public' AND a.privilege_type = 'CREATE'
     AND a.grantee NOT IN (SELECT oid FROM pg_roles WHERE rolname IN (current_user, 'pg_database_owner'))
) found ORDER BY 1 LIMIT 20
"""


def _database_objects() -> list[str]:
    """What the target database already holds, by name (tables, views, sequences, indexes, triggers, in any of
    its own schemas): a restore goes only onto a database with none."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            # anything made in it since CREATE DATABASE (every such object has an oid past the built-in ones) —
            # relations, schemas, functions, types, collations, extensions, publications, large objects, casts,
            # operators, foreign servers, event triggers, default privileges — and its own settings or a grant
            # of CREATE on it: a restore onto a database prepared with any of them inherits them (a role granted
            # every restored table, a search_path that puts another schema's "users" first)
            rows = conn.execute(text(_PG_OBJECTS), {"temp": "pg\\_%temp\\_%"})
        else:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE name NOT LIKE :system ESCAPE '!' "
                                     "ORDER BY 1 LIMIT 20"), {"system": "sqlite!_%"})
        return [row[0] for row in rows]

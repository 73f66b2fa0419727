"""``flask --app api migrate-instances``: the instance migration of docs/API.md from the command line, as a named
process owner or admin (their bureau's cases only; the same service and checks as the HTTP routes)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from engine.errors import SanxiangError

from ..extensions import db
from ..models import User


@click.command("migrate-instances")
@click.argument("key")
@click.option("--from-version", "from_version", type=int, required=True, help="the version the cases run")
@click.option("--to-version", "to_version", type=int, required=True, help="the newest version of KEY")
@click.option("--id", "instance_ids", type=int, multiple=True, help="a case to move (repeat; default: every "
                                                                     "running case of --from-version)")
@click.option("--as", "username", required=True, help="the process owner or admin who moves them")
@click.option("--preview", is_flag=True, help="only say which cases can move and why not")
@with_appcontext
def migrate_instances_command(key: str, from_version: int, to_version: int, instance_ids: tuple[int, ...],
                              username: str, preview: bool) -> None:
    """Preview or migrate running cases of KEY to its newest version; one line per case. Exit 1 when a case
    did not (or could not) move."""
    from .. import permissions
    from ..services import migrations

    user = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise click.UsageError(f"no active user '{username}'")
    if not permissions.can(user, migrations.ACTION):
        raise click.UsageError(f"'{username}' is neither a process owner nor an admin")
    ids = list(instance_ids) or None
    try:
        if preview:
            result = migrations.preview(user, key, from_version, to_version, ids, None)
        else:
            result = migrations.migrate(user, permissions.acting_role(user, migrations.ACTION), key, from_version,
                                        to_version, ids, None, None)
    except SanxiangError as exc:
        raise click.ClickException(exc.message) from None
    failed = False
    for row in result["instances"]:
        ok = row.get("migratable") if preview else row.get("migrated")
        failed |= not ok
        word = ("can move" if ok else "cannot move") if preview else ("moved" if ok else "not moved")
        click.echo(f"instance {row['instance_id']}: {word}" + "".join(f"\n  - {r}" for r in row.get("reasons") or []))
    click.echo(f"{result.get('migratable', result.get('migrated'))} of {result['total']} "
               f"{'can move' if preview else 'moved'} ({key} version {from_version} -> {result['to_version']})")
    raise SystemExit(1 if failed else 0)

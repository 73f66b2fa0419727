"""Flask CLI (``flask --app api …``), one module per command group: :mod:`.database` (init-db, deploy-dir,
seed-demo, setup-demo), :mod:`.audit`, :mod:`.definitions`, :mod:`.export`, :mod:`.backup` (backup and
restore), :mod:`.migrate_instances`, :mod:`.accounts` (create-user, deactivate-demo-users) and :mod:`.jobs`
(serve, worker, scheduler). :func:`register_cli` adds them all to the app."""
from __future__ import annotations

from flask import Flask

from .accounts import create_user_command, deactivate_demo_users_command
from .audit import audit_cli, ensure_checkpoint_key
from .backup import backup_command, restore_command
from .database import (
    DEMO_USERS,
    deploy_dirs,
    init_db,
    project_files,
    refuse_demo_users,
    register_database_cli,
    seed_demo,
)
from .definitions import definitions_cli
from .export import export_cli
from .jobs import register_serve_cli, register_worker_cli

__all__ = [
    "DEMO_USERS", "audit_cli", "backup_command", "create_user_command", "deactivate_demo_users_command",
    "definitions_cli", "deploy_dirs", "ensure_checkpoint_key", "export_cli", "init_db", "project_files",
    "refuse_demo_users", "register_cli", "register_worker_cli", "restore_command", "seed_demo",
]


def register_cli(app: Flask) -> None:
    app.cli.add_command(export_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(definitions_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(deactivate_demo_users_command)
    from .migrate_instances import migrate_instances_command  # issue 11: instance migration

    app.cli.add_command(migrate_instances_command)

    register_worker_cli(app)
    register_serve_cli(app)
    register_database_cli(app)

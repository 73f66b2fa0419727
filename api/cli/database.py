"""The database and the demo: ``init-db``, ``deploy-dir``, ``seed-demo``, ``setup-demo``, and the functions
the tests and benchmarks set a database up with (:func:`init_db`, :func:`deploy_dirs`, :func:`seed_demo`)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Certificate, User
from ..security import hash_password
from ..services import definitions as definition_service

DEMO_USERS: list[dict] = [
    {"username": "officer1", "display_name": "执法人员一", "roles": ["officer"], "cert": "HB-NJ-2024-0001",
     "org": "nj-mzj-1"},
    {"username": "officer2", "display_name": "执法人员二", "roles": ["officer"], "cert": "HB-NJ-2024-0002",
     "org": "nj-mzj-1"},
    {"username": "officer3", "display_name": "执法人员三", "roles": ["officer"], "cert": "HB-NJ-2024-0003",
     "org": "nj-mzj-2"},
    {"username": "reviewer1", "display_name": "法制审核员一", "roles": ["legal_reviewer"], "legal": True, "org": "nj-mzj"},
    {"username": "head1", "display_name": "局长", "roles": ["head", "chief"], "org": "nj-mzj"},
    {"username": "head2", "display_name": "副局长", "roles": ["head"], "org": "nj-mzj"},
    {"username": "counsel1", "display_name": "公职律师", "roles": ["legal_counsel"], "org": "nj-mzj"},
    {"username": "publicity1", "display_name": "公示管理员", "roles": ["publicity_officer"], "org": "nj-mzj"},
    {"username": "owner1", "display_name": "流程管理员", "roles": ["process_owner"], "org": "hebei"},
    {"username": "auditor1", "display_name": "监督审计员", "roles": ["auditor"], "org": "nj-mzj"},
    {"username": "admin", "display_name": "系统管理员", "roles": ["admin"], "org": "nj-mzj"},
    # the other bureau of the demo county, and the county justice bureau that supervises both (行政执法监督)
    {"username": "officer4", "display_name": "市场监管执法人员", "roles": ["officer"], "cert": "HB-NJ-2024-0104",
     "org": "nj-scj"},
    {"username": "head3", "display_name": "市场监管局局长", "roles": ["head", "chief"], "org": "nj-scj"},
    {"username": "supervisor1", "display_name": "司法局执法监督员", "roles": ["supervisor"], "org": "nj-sfj"},
]


def init_db() -> None:
    """Bring the database to the latest revision (``flask db upgrade``: never ``create_all``) and seed the
    organisation tree."""
    from ..schema import upgrade
    from ..services import orgs

    db.session.remove()  # the revisions run on their own connection: no session transaction holds the database
    upgrade()
    orgs.seed_orgs()  # the organisation tree (the demo county; see api/services/orgs.py)
    db.session.commit()


def _init_db_or_explain() -> None:
    """:func:`init_db` for the CLI: a database it cannot upgrade is a message, not a traceback."""
    from ..config import ConfigurationError

    try:
        init_db()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


def project_files(*dirs: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder in dirs:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix in (".bpmn", ".dmn", ".form"):
                files[path.name] = path.read_bytes()
    return files


def deploy_dirs(actor: str = "system") -> list[dict]:
    cfg = current_app.config
    from ..services import orgs

    root = orgs.by_code(orgs.PLATFORM_ROOT)
    created = definition_service.deploy(project_files(cfg["PROCESSES_DIR"], cfg["FORMS_DIR"]), actor,
                                        org_id=root.id if root else None)
    db.session.commit()
    return created


def seed_demo(password: str = "demo") -> int:
    """Create the demo users and the bureau's lists (powers, inspection items and targets; idempotent);
    returns how many users were added."""
    from ..registry.seed import seed_powers
    from ..services import orgs

    orgs.seed_orgs()
    seed_powers()
    added = 0
    for spec in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == spec["username"])) is not None:
            continue
        user = User(username=spec["username"], display_name=spec["display_name"], roles=spec["roles"],
                    password_hash=hash_password(password), legal_qualified=spec.get("legal", False),
                    org_id=orgs.by_code(spec["org"]).id, demo=True)
        db.session.add(user)
        db.session.flush()
        if spec.get("cert"):
            db.session.add(Certificate(user_id=user.id, number=spec["cert"], category="宗教事务行政执法",
                                       area="宁晋县", valid_from=date(2024, 1, 1), valid_to=date(2029, 12, 31)))
        added += 1
    db.session.commit()
    return added


def refuse_demo_users(app: Flask) -> None:
    """Outside demo mode and tests: refuse to start while an active demo user (password "demo") exists.

    Raises:
        ConfigurationError: naming how many and what to do.
    """
    from sqlalchemy import func, inspect

    from ..config import ConfigurationError

    with app.app_context():
        inspector = inspect(db.engine)
        if not inspector.has_table(User.__tablename__):
            return  # a new database: no users at all
        columns = {c["name"] for c in inspector.get_columns(User.__tablename__)}
        marked = User.demo.is_(True) if "demo" in columns else User.username.in_([u["username"] for u in DEMO_USERS])
        count = db.session.scalar(select(func.count(User.id)).where(marked, User.active.is_(True)))
        db.session.remove()
    if count:
        raise ConfigurationError(
            f"{count} demo user(s) with the published password 'demo' are in this database; refusing to start "
            "outside demo mode. Create a real admin and deactivate them (in demo mode: "
            "`SANXIANG_DEMO=1 flask --app api create-user <name> --role admin` then "
            "`SANXIANG_DEMO=1 flask --app api deactivate-demo-users`), or run the demo with SANXIANG_DEMO=1.")


def _demo_only() -> None:
    if not (current_app.config.get("DEMO") or current_app.config.get("TESTING")):
        raise click.UsageError("demo users are for the demo only: run with SANXIANG_DEMO=1 (as `make run` does)")


def register_database_cli(app: Flask) -> None:
    """``init-db``, ``deploy-dir``, ``seed-demo`` and ``setup-demo``."""

    @app.cli.command("init-db")
    def init_db_command() -> None:
        """Bring the database to the latest revision (as `flask db upgrade`) and seed the organisations."""
        _init_db_or_explain()
        click.echo("database ready")

    @app.cli.command("deploy-dir")
    def deploy_command() -> None:
        """Deploy everything in processes/ and forms/ (unchanged files make no new version)."""
        created = deploy_dirs()
        click.echo(f"deployed {len(created)} new version(s)")

    @app.cli.command("seed-demo")
    def seed_command() -> None:
        """Create the demo users (password 'demo', demo only)."""
        _demo_only()
        click.echo(f"added {seed_demo()} demo user(s)")

    @app.cli.command("setup-demo")
    def setup_demo_command() -> None:
        """init-db + deploy-dir + seed-demo; safe to run twice (demo mode only)."""
        _demo_only()
        from ..registry.seed import seed_powers

        _init_db_or_explain()
        created = deploy_dirs()
        powers = seed_powers()
        added = seed_demo()
        click.echo(f"database ready; deployed {len(created)} new version(s); added {added} demo user(s), "
                   f"{powers} power item(s)")
